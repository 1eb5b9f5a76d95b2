"""The audit log: every staff action (console, chat, CLI) as one row: who, what, on which
object, the object before and after, when. Written in the action's own transaction, so an
action that is rolled back leaves no row and one that commits always has one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, or_, select

from bot.people.models import AuditEntry

PAGE = 100


def record(
    session: Session,
    actor_id: int | None,
    via: str,
    action: str,
    target: str = "",
    *,
    now: dt.datetime,
    community: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Log one action (in the caller's transaction)."""
    row = AuditEntry(
        at=now, actor_id=actor_id, via=via, action=action, target=target[:120],
        community_id=community, before=before, after=after,
    )  # fmt: skip
    session.add(row)
    return row


def entries(
    session: Session,
    actor_id: int | None = None,
    action: str | None = None,
    communities: frozenset[str] | None = None,
    viewer: int | None = None,
    target: str | None = None,
    limit: int = PAGE,
) -> Sequence[AuditEntry]:
    """The newest entries first, filtered by actor, action and object; with `communities`, only
    those of these communities and the `viewer`'s own (none of the district's)."""
    statement = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == actor_id)
    if action:
        statement = statement.where(AuditEntry.action == action)
    if target:
        statement = statement.where(AuditEntry.target == target)
    if communities is not None:
        statement = statement.where(
            or_(
                col(AuditEntry.community_id).in_(sorted(communities)),
                col(AuditEntry.actor_id) == viewer,
            )
        )
    return session.exec(statement).all()


def actions(session: Session) -> list[str]:
    """Every action the log holds, for a filter's choices."""
    found = session.exec(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(found.all())
