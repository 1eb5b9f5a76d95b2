"""Pushed messages (not replies): queued in the outbox once, delivered by the delivery job."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import conversation
from bot.activities.models import Activity, Registration
from bot.clock import Clock
from bot.outbox.models import Outbox
from bot.times import span, when
from bot.types import Reply

logger = logging.getLogger(__name__)

OFFER_FLOW = "waitlist_offer"
REMINDER_FLOW = "reminder"


class Notifier:
    """Queues notices for users. Each notice has a key: the same key is queued once."""

    def __init__(self, zone: ZoneInfo, clock: Clock):
        self.zone = zone
        self.clock = clock  # notices are due "now" by the clock the rest of Linli runs on

    def send(
        self,
        session: Session,
        user_id: int,
        kind: str,
        key: str,
        replies: Sequence[Reply],
        due: dt.datetime | None = None,
        ref: str | None = None,
    ) -> bool:
        """Queue a notice. Returns False when a notice with this key was queued before.
        `ref` names what it belongs to ("shift:3"), for reports."""
        if session.exec(select(Outbox.id).where(Outbox.dedupe_key == key)).first() is not None:
            return False
        payload: dict[str, Any] = {"replies": [{"text": r.as_text()} for r in replies]}
        now = self.clock()
        row = Outbox(
            user_id=user_id, kind=kind, dedupe_key=key, payload=payload, ref=ref,
            next_attempt_at=due or now, created_at=now,
        )  # fmt: skip
        savepoint = session.begin_nested()
        try:
            session.add(row)
            session.flush()
        except IntegrityError:
            savepoint.rollback()  # queued by a concurrent transaction: that one counts
            return False
        savepoint.commit()
        return True

    def reminder(
        self, session: Session, registration: Registration, activity: Activity, offset: float
    ) -> bool:
        """The reminder `offset` minutes before the start: what, when, where, how to cancel."""
        hours = offset / 60
        ahead = (
            "明天" if hours >= 24 else f"{hours:g} 小时后" if hours >= 1 else f"{offset:g} 分钟后"
        )
        text = (
            f"⏰ 活动提醒：{ahead}开始\n"
            f"【{activity.title}】\n时间：{span(activity.starts_at, activity.ends_at, self.zone)}\n"
            f"地点：{activity.place}\n"
            f"来不了的话，回复“取消”就能取消报名。"
        )
        assert registration.id is not None
        conversation.start(
            session, registration.user_id, REMINDER_FLOW, {"registration": registration.id},
            activity.starts_at,
        )  # fmt: skip
        key = f"reminder:{registration.id}:{offset:g}"
        return self.send(session, registration.user_id, "reminder", key, [Reply(text)])

    def waitlist_offer(
        self, session: Session, registration: Registration, activity: Activity
    ) -> bool:
        """Tell the first in line a seat is free for them, and how long it is held."""
        assert registration.id is not None
        assert registration.offer_expires_at is not None
        text = (
            f"🎉 好消息！【{activity.title}】空出了名额，先给您留着。\n"
            f"时间：{when(activity.starts_at, self.zone)}\n"
            f"请在 {when(registration.offer_expires_at, self.zone)} 前回复“确认”保留名额，"
            f"过时名额会让给下一位。"
        )
        conversation.start(
            session, registration.user_id, OFFER_FLOW, {"registration": registration.id},
            registration.offer_expires_at,
        )  # fmt: skip
        key = f"offer:{registration.id}:{registration.offer_expires_at.isoformat()}"
        return self.send(session, registration.user_id, "waitlist_offer", key, [Reply(text)])

    def activity_cancelled(
        self, session: Session, registration: Registration, activity: Activity
    ) -> bool:
        """Tell a registered resident the activity will not take place."""
        text = (
            f"很抱歉，【{activity.title}】（{when(activity.starts_at, self.zone)}）取消了，"
            "给您添麻烦了。有新活动会再通知您。"
        )
        key = f"activity-cancelled:{activity.id}:{registration.id}"
        return self.send(session, registration.user_id, "activity_cancelled", key, [Reply(text)])

    def activity_moved(
        self, session: Session, registration: Registration, activity: Activity
    ) -> bool:
        """Tell a registered resident the activity's time or place changed."""
        text = (
            f"【{activity.title}】有变动，新的安排：\n"
            f"时间：{span(activity.starts_at, activity.ends_at, self.zone)}\n"
            f"地点：{activity.place}\n来不了的话，发“我的报名”可以取消。"
        )
        stamp = f"{activity.starts_at.isoformat()}|{activity.place}"
        key = f"activity-moved:{activity.id}:{registration.id}:{stamp}"
        return self.send(session, registration.user_id, "activity_moved", key, [Reply(text)])

    def rating_request(
        self, session: Session, registration: Registration, activity: Activity
    ) -> bool:
        """Ask an attendee to rate the activity 1-5."""
        text = (
            f"感谢参加【{activity.title}】！给这次活动打个分吧："
            "回复 1～5 的数字（5 分最好），也可以再说说建议。"
        )
        conversation.start(
            session, registration.user_id, "rating", {"registration": registration.id},
            self.clock() + dt.timedelta(days=3),
        )  # fmt: skip
        key = f"rating:{registration.id}"
        return self.send(session, registration.user_id, "rating_request", key, [Reply(text)])
