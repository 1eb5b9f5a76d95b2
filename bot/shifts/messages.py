"""What volunteers and coordinators are told about shifts (reminders, alerts, swaps, the
morning digest), queued once each through the Notifier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import conversation
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.people import roles
from bot.people.models import UserRole
from bot.people.names import in_chat as name_in_chat
from bot.shifts.hours import suggest_stand_ins
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from bot.shifts.service import Worked, taken
from bot.times import span
from bot.types import Reply

REMINDER_FLOW = "shift_reminder"
CHECKIN_HINT = "到了现场，发“班次签到 签到码”签到（签到码问现场工作人员）。"
_REASONS = {
    Turn.DECLINED: "回复了不能来",
    "unconfirmed": "快开始了还没确认",
    Turn.CANCELLED: "取消了这个班次",
    "stand_in": "想找人替班",
}
# what a staff digest says of the hours it lists (not the status labels: a review state)
_REVIEW = {Turn.DONE: "待批工时", Turn.CHECKED_IN: "签到未签退", Turn.NO_SHOW: "未到岗"}


def coordinators(session: Session, post: ShiftPost) -> list[int]:
    """Who hears about a post's shifts: its coordinator, else the community's staff, else
    district-wide staff."""
    if post.coordinator_id is not None:
        return [post.coordinator_id]
    for place in ([post.community_id] if post.community_id else []) + [""]:
        found = session.exec(
            select(UserRole.user_id).where(
                col(UserRole.role).in_(roles.STAFF), UserRole.community_id == place
            )
        ).all()
        if found:
            return sorted(set(found))
    return []


def heading(shift: Shift, post: ShiftPost, zone: ZoneInfo) -> str:
    """'【5】助老餐厅帮厨｜11月28日（周六）09:00—11:00｜幸福食堂'."""
    return f"【{shift.id}】{post.title}｜{span(shift.starts_at, shift.ends_at, zone)}｜{post.place}"


def reminder_key(assignment: ShiftAssignment, offset: float) -> str:
    """The outbox key of one reminder: queued once, whatever happens."""
    return f"shift-reminder:{assignment.id}:{offset:g}"


def remind(
    session: Session, notifier: Notifier, work: Worked, offset: float, zone: ZoneInfo
) -> bool:
    """Remind a volunteer `offset` minutes before the shift; a reply "确认"/"不能来" right
    after is understood. Returns False when this reminder was queued before."""
    assignment, shift, post = work
    key = reminder_key(assignment, offset)
    if session.exec(select(Outbox.id).where(Outbox.dedupe_key == key)).first() is not None:
        return False
    hours = offset / 60
    ahead = "明天" if hours >= 24 else f"{hours:g} 小时后" if hours >= 1 else f"{offset:g} 分钟后"
    lines = [f"⏰ 志愿服务提醒：{ahead}上岗", heading(shift, post, zone)]
    if assignment.status == Turn.CONFIRMED:
        lines.append(f"您已经确认了，谢谢！{CHECKIN_HINT}")
    else:
        lines.append("能来请回复“确认”，来不了回复“不能来”。")
    lines.append(f"临时有事可以回复“找人替班 {shift.id}”。")
    data = {"assignment": assignment.id, "shift": shift.id}
    conversation.start(session, assignment.user_id, REMINDER_FLOW, data, shift.starts_at)
    return notifier.send(
        session, assignment.user_id, "shift_reminder", key, [Reply("\n".join(lines))],
        ref=f"shift:{shift.id}",
    )  # fmt: skip


def alert(
    session: Session,
    notifier: Notifier,
    work: Worked,
    reason: str,
    stand_ins: int,
    now: dt.datetime,
) -> int:
    """Tell the coordinator a volunteer will not (or may not) come, with stand-ins to ask.
    Returns how many staff were told (0 when told before)."""
    assignment, shift, post = work
    recipients = coordinators(session, post)
    keys = {staff: f"shift-alert:{assignment.id}:{reason}:{staff}" for staff in recipients}
    queued = set(
        session.exec(select(Outbox.dedupe_key).where(col(Outbox.dedupe_key).in_(keys.values())))
    )
    waiting = [staff for staff, key in keys.items() if key not in queued]
    if not waiting:
        return 0
    text = _alert_text(session, work, reason, stand_ins, now, notifier.zone)
    told = 0
    for staff in waiting:
        told += notifier.send(
            session, staff, "shift_alert", keys[staff], [Reply(text)], ref=f"shift:{shift.id}"
        )
    return told


def _alert_text(
    session: Session, work: Worked, reason: str, stand_ins: int, now: dt.datetime,
    zone: ZoneInfo,
) -> str:  # fmt: skip
    assignment, shift, post = work
    who = name_in_chat(session, assignment.user_id)
    lines = [
        f"⚠️ 班次提醒：{who}{_REASONS.get(reason, reason)}",
        heading(shift, post, zone),
        f"现在 {taken(session, shift.id or 0)}/{shift.slots} 人。",
    ]
    people = suggest_stand_ins(session, shift, post, stand_ins, now)
    if people:
        lines.append("可以请这些志愿者顶岗（近 30 天工时少的在前）：")
        lines += [f"· {name_in_chat(session, p)}，近 30 天 {m / 60:.1f} 小时" for p, m in people]
        lines.append(f"发“分配班次 {shift.id} 用户编号”就能安排。")
    else:
        lines.append("暂时没有找到这个时间有空、条件合适的志愿者。")
    return "\n".join(lines)


def swapped(
    session: Session, notifier: Notifier, old: ShiftAssignment, taker: ShiftAssignment,
    shift: Shift, post: ShiftPost,
) -> int:  # fmt: skip
    """Tell the volunteer who asked for a stand-in, and the coordinator, who took over."""
    zone = notifier.zone
    line = heading(shift, post, zone)
    taker_name = name_in_chat(session, taker.user_id)
    to_old = f"好消息：{taker_name}接替了您的班次，您可以安心忙别的了。\n{line}"
    told = int(notifier.send(
        session, old.user_id, "shift_swap", f"shift-swap:{old.id}:{taker.id}", [Reply(to_old)],
        ref=f"shift:{shift.id}",
    ))  # fmt: skip
    to_staff = (
        f"🔁 替班：{name_in_chat(session, taker.user_id)}接替了"
        f"{name_in_chat(session, old.user_id)}\n{line}"
    )
    for staff in coordinators(session, post):
        told += notifier.send(
            session, staff, "shift_swap", f"shift-swap:{old.id}:{taker.id}:{staff}",
            [Reply(to_staff)], ref=f"shift:{shift.id}",
        )  # fmt: skip
    return told


def assigned(
    session: Session, notifier: Notifier, assignment: ShiftAssignment, shift: Shift,
    post: ShiftPost,
) -> bool:  # fmt: skip
    """Tell a volunteer staff put them on a shift, and how to answer."""
    text = (
        f"📋 工作人员给您安排了一个志愿班次：\n{heading(shift, post, notifier.zone)}\n"
        f"能来请回复“确认班次 {shift.id}”，来不了回复“不能来 {shift.id}”。"
    )
    key = f"shift-assigned:{assignment.id}:{assignment.created_at.isoformat()}"
    return notifier.send(
        session, assignment.user_id, "shift_assigned", key, [Reply(text)], ref=f"shift:{shift.id}"
    )


def digest_text(
    session: Session,
    short: Sequence[tuple[Shift, ShiftPost, int]],
    review: Sequence[Worked],
    zone: ZoneInfo,
) -> str:
    """The morning digest: shifts short of people, then yesterday's hours and no-shows."""
    lines = ["☀️ 志愿班次早报"]
    if short:
        lines.append("还缺人的班次：")
        lines += [f"· {heading(s, p, zone)}｜{n}/{s.slots} 人" for s, p, n in short]
    if review:
        lines.append("昨天待处理：")
        lines += [
            f"· 班次【{s.id}】{p.title}｜{name_in_chat(session, a.user_id)}｜"
            f"{_REVIEW.get(Turn(a.status), a.status)}" + (f" {a.minutes} 分钟" if a.minutes else "")
            for a, s, p in review
        ]
        lines.append("批准工时：发“批准工时 班次编号”；发“待批工时”看全部。")
    return "\n".join(lines)
