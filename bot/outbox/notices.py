"""Notices that could not be pushed (outside WeChat's window, no template) wait here: the
resident's next message says how many, and "通知" shows them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.intent import Context
from bot.models import ChannelIdentity
from bot.outbox.models import Outbox
from bot.types import Outcome, Reply


def unread(session: Session, user_id: int) -> Sequence[Outbox]:
    """Undelivered notices the resident has not read yet, oldest first."""
    return session.exec(
        select(Outbox)
        .where(
            Outbox.user_id == user_id,
            Outbox.status == "undeliverable",
            col(Outbox.read_at).is_(None),
            Outbox.kind != "late_reply",
        )
        .order_by(col(Outbox.id))
    ).all()


def announce(session: Session, user_id: int, now: dt.datetime) -> int:
    """How many unread notices are new since the last mention (and mark them mentioned)."""
    fresh = [row for row in unread(session, user_id) if row.announced_at is None]
    for row in fresh:
        row.announced_at = now
        session.add(row)
    return len(fresh)


def with_unread_note(ctx: Context, outcome: Outcome) -> Outcome:
    """Say so when notices could not be pushed since the resident last heard of them (a
    dispatcher finisher: it sees every routed outcome)."""
    fresh = announce(ctx.session, ctx.user_id, ctx.now)
    if not fresh or not outcome.replies:
        return outcome
    note = Reply(f"📬 您有 {fresh} 条未读通知，发“通知”查看。")
    return dataclasses.replace(outcome, replies=(*outcome.replies, note))


def read_all(session: Session, user_id: int, now: dt.datetime) -> list[str]:
    """The texts of the unread notices, now marked read."""
    texts = []
    for row in unread(session, user_id):
        texts += [str(r["text"]) for r in row.payload.get("replies", [])]
        row.read_at = now
        session.add(row)
    return texts


def delivered(
    session: Session, channel: str, external_id: str, after_id: int = 0
) -> Sequence[Outbox]:
    """Pushed messages delivered to one sender on a channel (reminders, offers...), oldest
    first: what the terminal shows mid-chat and `linli inbox` lists."""
    return session.exec(
        select(Outbox)
        .join(ChannelIdentity, col(ChannelIdentity.user_id) == Outbox.user_id)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == external_id,
            Outbox.status == "sent",
            Outbox.channel == channel,
            col(Outbox.id) > after_id,
        )
        .order_by(col(Outbox.id))
    ).all()
