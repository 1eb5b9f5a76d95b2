"""Sending announcements: at its time an announcement is put in the outbox, one row per
recipient, in batches whose cursor commits with the rows (a crash repeats nothing and misses
nobody); the outbox delivers them like every other notice; when the last is handled the sender
gets a delivery report."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.announcements.models import Announcement, Stage
from bot.announcements.service import (
    ALL_TOPICS,
    KIND,
    AnnouncementError,
    Target,
    estimate,
    opted_out,
    recipients_filter,
)
from bot.config import AnnouncementSettings
from bot.db import insert_rows, session_scope
from bot.models import User
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.types import Reply

logger = logging.getLogger(__name__)
_OPEN = ("pending", "claimed", "sending")
_UNQUEUED = (Stage.SCHEDULED, Stage.SENDING)  # its recipients may not all be queued yet


@dataclass
class Progress:
    """How far an announcement's delivery is."""

    announcement: Announcement
    counts: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    estimate: int = 0  # recipients expected while it is still being queued

    @property
    def waiting(self) -> int:
        """Recipients not handled yet (including those still to be queued)."""
        queued = sum(self.counts.values())
        pending = sum(self.counts.get(s, 0) for s in _OPEN)
        unqueued = 0 if self.announcement.queued_at else max(0, self.estimate - queued)
        return pending + unqueued

    @property
    def total(self) -> int:
        """Recipients queued so far (or expected)."""
        return max(sum(self.counts.values()), self.estimate)


def text_of(announcement: Announcement, topic_name: str) -> str:
    """What residents read."""
    lines = [f"📢 {topic_name}", announcement.text]
    if announcement.link:
        lines.append(f"详情：{announcement.link}")
    lines.append("（不想再收到公告，回复“退订”）")
    return "\n".join(lines)


def start_due(engine: Engine, now: dt.datetime, settings: AnnouncementSettings) -> int:
    """Queue every announcement whose time has come (and finish any queuing a crash cut
    short). Returns how many recipients were queued."""
    with session_scope(engine) as session:
        due = session.exec(
            select(Announcement.id).where(
                or_(
                    and_(
                        col(Announcement.status) == Stage.SCHEDULED,
                        col(Announcement.send_at) <= now,
                    ),
                    and_(
                        col(Announcement.status) == Stage.SENDING,
                        col(Announcement.queued_at).is_(None),
                    ),
                )
            )
        ).all()
    queued = 0
    for announcement_id in due:
        try:  # one announcement that cannot be queued does not hold up the others
            queued += _queue(engine, announcement_id or 0, now, settings)
        except Exception:
            logger.exception("announcement %s could not be queued; trying again", announcement_id)
    return queued


def _queue(
    engine: Engine, announcement_id: int, now: dt.datetime, settings: AnnouncementSettings
) -> int:
    queued = 0
    while True:
        with session_scope(engine) as session:
            batch = _queue_batch(session, announcement_id, now, settings)
        if batch is None:
            return queued
        queued += batch


def _queue_batch(
    session: Session, announcement_id: int, now: dt.datetime, settings: AnnouncementSettings
) -> int | None:
    """Queue the next batch of recipients after the cursor; None when there is nothing left.
    The cursor moves in the same transaction as the rows: a crash repeats nothing."""
    announcement = session.exec(
        select(Announcement).where(Announcement.id == announcement_id).with_for_update()
    ).one()
    if (
        announcement.status not in (Stage.SCHEDULED, Stage.SENDING)
        or announcement.queued_at is not None
    ):
        return None
    matched = and_(recipients_filter(Target.of(announcement)), col(User.id) > announcement.cursor)
    users = session.exec(
        select(User.id, opted_out(announcement.topic))
        .where(matched)
        .order_by(col(User.id))
        .limit(settings.batch_size)
    ).all()
    text = text_of(announcement, settings.topics.get(announcement.topic, "社区公告"))
    rows = [
        {
            "user_id": user_id, "kind": KIND, "dedupe_key": f"{KIND}:{announcement_id}:{user_id}",
            "ref": f"{KIND}:{announcement_id}", "payload": {"replies": [{"text": text}]},
            "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
        }
        for user_id, out in users
        if not out
    ]  # fmt: skip
    if rows:
        insert_rows(session, Outbox, rows)
    announcement.status = Stage.SENDING
    announcement.recipients += len(rows)
    announcement.opted_out += len(users) - len(rows)
    if users:
        announcement.cursor = int(users[-1][0] or 0)
    if len(users) < settings.batch_size:
        announcement.queued_at = now
    session.add(announcement)
    return len(rows)


def progress(session: Session, announcement_id: int) -> Progress:
    """Counts by delivery status, and reasons for the ones not delivered.

    Raises:
        AnnouncementError: no such announcement.
    """
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise AnnouncementError(f"没有编号为 {announcement_id} 的公告。")
    ref = f"{KIND}:{announcement_id}"
    counts = dict(
        session.exec(
            select(Outbox.status, func.count()).where(Outbox.ref == ref).group_by(Outbox.status)
        ).all()
    )
    errors = session.exec(
        select(Outbox.last_error, func.count())
        .where(Outbox.ref == ref, col(Outbox.status).in_(["undeliverable", "failed", "unknown"]))
        .group_by(Outbox.last_error)
    ).all()
    reasons: dict[str, int] = {}
    for error, count in errors:
        reason = reason_of(error)
        reasons[reason] = reasons.get(reason, 0) + int(count)
    result = Progress(announcement, {str(k): int(v) for k, v in counts.items()}, reasons)
    if announcement.queued_at is None and announcement.status in _UNQUEUED:
        result.estimate = estimate(session, Target.of(announcement), announcement.topic)[0]
    return result


_REASONS = (
    ("unfollowed", "已取消关注公众号"),
    ("48-hour", "超过 48 小时没来消息（未配置模板消息）"),
    ("no channel", "没有可送达的渠道"),
    ("blocked", "已屏蔽小助手"),
    ("interrupted", "发送中断，状态不明"),
)


def reason_of(error: str | None) -> str:
    """A short Chinese reason for a technical delivery error."""
    for needle, reason in _REASONS:
        if error and needle in error:
            return reason
    return "渠道拒收或出错" if error else "未知原因"


def withdraw(session: Session, user_id: int, topic: str) -> int:
    """A resident just said "退订" (topic ALL_TOPICS) or turned a kind off: their announcements
    of it still waiting in the outbox are not sent. Returns how many were withdrawn."""
    waiting = session.exec(
        select(Outbox).where(
            Outbox.user_id == user_id, Outbox.kind == KIND, Outbox.status == "pending"
        )
    ).all()
    withdrawn = 0
    for row in waiting:
        announcement = session.get(Announcement, int((row.ref or ":0").rsplit(":", 1)[1]))
        if topic == ALL_TOPICS or (announcement is not None and announcement.topic == topic):
            row.status, row.last_error = "opted_out", "opted out before it was sent"
            session.add(row)
            withdrawn += 1
    return withdrawn


def finish(engine: Engine, now: dt.datetime, notifier: Notifier) -> int:
    """Close the announcements whose every recipient has been handled, and send each sender
    the delivery report. Returns how many were closed."""
    with session_scope(engine) as session:
        going = session.exec(
            select(Announcement).where(
                Announcement.status == Stage.SENDING, col(Announcement.queued_at).is_not(None)
            )
        ).all()
        closed = 0
        for announcement in going:
            found = progress(session, announcement.id or 0)
            if found.waiting:
                continue
            announcement.status, announcement.reported_at = Stage.DONE, now
            session.add(announcement)
            if announcement.sender_id is not None:
                key = f"announcement-report:{announcement.id}"
                notifier.send(
                    session, announcement.sender_id, "delivery_report", key,
                    [Reply(report_text(found))], ref=f"report:{announcement.id}",
                )  # fmt: skip
            logger.info("announcement %s done: %s", announcement.id, found.counts)
            closed += 1
    return closed


_STATUS_NAMES = (
    ("sent", "已送达"),
    ("opted_out", "发送前退订"),
    ("undeliverable", "未能送达"),
    ("failed", "发送失败"),
    ("unknown", "状态不明"),
)


def report_text(found: Progress) -> str:
    """The delivery report staff read (also the progress view while it is going)."""
    announcement, counts = found.announcement, found.counts
    head = f"公告 #{announcement.id} "
    if announcement.status == Stage.CANCELLED:
        return head + "已取消，没有发出。"
    if announcement.status == Stage.SCHEDULED:
        return head + f"等待发送（定时或等后台服务发出），预计发给 {found.estimate} 人。"
    lines = [head + ("发送完成" if not found.waiting else "正在发送") + f"：共 {found.total} 人"]
    lines += [f"{name} {counts[status]} 人" for status, name in _STATUS_NAMES if counts.get(status)]
    if found.waiting:
        done = found.total - found.waiting
        share = done * 100 // max(found.total, 1)
        lines.append(f"还在发 {found.waiting} 人（已完成 {share}%）")
    lines += [f"  · {reason} {count} 人" for reason, count in sorted(found.reasons.items())]
    if announcement.opted_out:
        lines.append(f"已退订、没有发送 {announcement.opted_out} 人")
    return "\n".join(lines)
