"""Pending multi-step flows, one per user, persisted so any process can continue them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from bot.db import insert_rows
from bot.models import Conversation


def pending(session: Session, user_id: int, now: dt.datetime) -> Conversation | None:
    """The user's pending flow, or None; an expired one is removed."""
    conversation = session.get(Conversation, user_id)
    if conversation is None:
        return None
    if conversation.expires_at <= now:
        session.delete(conversation)
        session.flush()
        return None
    return conversation


def start(
    session: Session, user_id: int, flow: str, data: dict[str, Any], expires_at: dt.datetime
) -> None:
    """Begin (or replace) the user's pending flow."""
    conversation = session.get(Conversation, user_id)
    if conversation is None:
        session.add(Conversation(user_id=user_id, flow=flow, data=data, expires_at=expires_at))
    else:
        conversation.flow, conversation.data, conversation.expires_at = flow, data, expires_at
        session.add(conversation)
    session.flush()


def start_many(
    session: Session, data_by_user: Mapping[int, dict[str, Any]], flow: str,
    expires_at: dt.datetime,
) -> None:  # fmt: skip
    """`start` for many users at once (a reminder to a whole activity): one read, one flush."""
    users, found = list(data_by_user), {}
    for chunk in range(0, len(users), 500):
        ids = col(Conversation.user_id).in_(users[chunk : chunk + 500])
        found.update({c.user_id: c for c in session.exec(select(Conversation).where(ids)).all()})
    for conversation in found.values():
        conversation.flow, conversation.expires_at = flow, expires_at
        conversation.data = data_by_user[conversation.user_id]
        session.add(conversation)
    fresh = [
        {"user_id": user_id, "flow": flow, "data": data, "expires_at": expires_at}
        for user_id, data in data_by_user.items() if user_id not in found
    ]  # fmt: skip
    if fresh:  # one statement, no objects built: a reminder job starts hundreds
        insert_rows(session, Conversation, fresh)
    session.flush()


def finish(session: Session, user_id: int) -> None:
    """End the user's pending flow, if any."""
    conversation = session.get(Conversation, user_id)
    if conversation is not None:
        session.delete(conversation)
        session.flush()
