"""What residents are told about the activities they signed up for: reminders, a freed seat,
a cancelled or moved activity, a request to rate it. Each is queued in the outbox once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from bot import conversation
from bot.activities.models import Activity, Registration
from bot.outbox.notifier import Notice, Notifier
from bot.times import span, when
from bot.types import Reply

OFFER_FLOW = "waitlist_offer"
REMINDER_FLOW = "reminder"
RATING_FLOW = "rating"
# a reminder offers "回复“取消”" only when this long is left before the cancel deadline
CANCEL_ANSWER_TIME = dt.timedelta(minutes=30)


def reminder(
    notifier: Notifier,
    session: Session,
    registration: Registration,
    activity: Activity,
    offset: float,
) -> bool:
    """The reminder `offset` minutes before the start: what, when, where, and how to cancel:
    by replying "取消" while the cancel deadline leaves time to answer, else through staff."""
    return reminders(notifier, session, [registration], activity, offset) == 1


def reminders(
    notifier: Notifier,
    session: Session,
    registrations: Sequence[Registration],
    activity: Activity,
    offset: float,
) -> int:
    """`reminder` for many registrations of one activity, queued together (a reminder job
    reaches a whole activity at once). Returns how many were queued (not queued before)."""
    hours = offset / 60
    ahead = "明天" if hours >= 24 else f"{hours:g} 小时后" if hours >= 1 else f"{offset:g} 分钟后"
    can_cancel = activity.cancel_deadline - notifier.clock() >= CANCEL_ANSWER_TIME
    deadline = when(activity.cancel_deadline, notifier.zone)
    how = (
        f"来不了的话，{deadline} 前回复“取消”就能取消报名。"
        if can_cancel
        else "来不了的话，请发“找人工”或直接告诉社区工作人员，好把名额让给别人。"
    )
    text = (
        f"⏰ 活动提醒：{ahead}开始\n"
        f"【{activity.title}】\n时间：{span(activity.starts_at, activity.ends_at, notifier.zone)}\n"
        f"地点：{activity.place}\n{how}"
    )
    if can_cancel:  # the answer "取消" is read as this registration's
        until = min(activity.starts_at, activity.cancel_deadline)
        flows = {r.user_id: {"registration": r.id} for r in registrations}
        conversation.start_many(session, flows, REMINDER_FLOW, until)
    notices = [
        Notice(r.user_id, "reminder", f"reminder:{r.id}:{offset:g}", [Reply(text)])
        for r in registrations
    ]
    return notifier.send_many(session, notices)


def waitlist_offer(
    notifier: Notifier, session: Session, registration: Registration, activity: Activity
) -> bool:
    """Tell the first in line a seat is free for them, and how long it is held."""
    assert registration.id is not None
    assert registration.offer_expires_at is not None
    text = (
        f"🎉 好消息！【{activity.title}】空出了名额，先给您留着。\n"
        f"时间：{when(activity.starts_at, notifier.zone)}\n"
        f"请在 {when(registration.offer_expires_at, notifier.zone)} 前回复“确认”保留名额，"
        f"过时名额会让给下一位。"
    )
    key = f"offer:{registration.id}:{registration.offer_expires_at.isoformat()}"
    asked = Asked(OFFER_FLOW, registration.offer_expires_at, "waitlist_offer", key)
    return _ask(notifier, session, registration, asked, text)


def activity_cancelled(
    notifier: Notifier, session: Session, registration: Registration, activity: Activity
) -> bool:
    """Tell a registered resident the activity will not take place."""
    text = (
        f"很抱歉，【{activity.title}】（{when(activity.starts_at, notifier.zone)}）取消了，"
        "给您添麻烦了。有新活动会再通知您。"
    )
    key = f"activity-cancelled:{activity.id}:{registration.id}"
    return notifier.send(session, registration.user_id, "activity_cancelled", key, [Reply(text)])


def activity_moved(
    notifier: Notifier, session: Session, registration: Registration, activity: Activity
) -> bool:
    """Tell a registered resident the activity's time or place changed."""
    text = (
        f"【{activity.title}】有变动，新的安排：\n"
        f"时间：{span(activity.starts_at, activity.ends_at, notifier.zone)}\n"
        f"地点：{activity.place}\n来不了的话，发“我的报名”可以取消。"
    )
    stamp = f"{activity.starts_at.isoformat()}|{activity.place}"
    key = f"activity-moved:{activity.id}:{registration.id}:{stamp}"
    return notifier.send(session, registration.user_id, "activity_moved", key, [Reply(text)])


def rating_request(
    notifier: Notifier, session: Session, registration: Registration, activity: Activity
) -> bool:
    """Ask an attendee to rate the activity 1-5."""
    text = (
        f"感谢参加【{activity.title}】！给这次活动打个分吧："
        "回复 1～5 的数字（5 分最好），也可以再说说建议。"
    )
    until = notifier.clock() + dt.timedelta(days=3)
    asked = Asked(RATING_FLOW, until, "rating_request", f"rating:{registration.id}")
    return _ask(notifier, session, registration, asked, text)


@dataclass(frozen=True)
class Asked:
    """A notice the resident may answer: the flow that waits for the answer, until when, and
    the notice's kind and key (queued once per key)."""

    flow: str
    until: dt.datetime
    kind: str
    key: str


def _ask(
    notifier: Notifier, session: Session, registration: Registration, asked: Asked, text: str
) -> bool:
    assert registration.id is not None
    data = {"registration": registration.id}
    conversation.start(session, registration.user_id, asked.flow, data, asked.until)
    return notifier.send(session, registration.user_id, asked.kind, asked.key, [Reply(text)])
