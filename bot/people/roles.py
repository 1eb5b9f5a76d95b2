"""Roles: resident (everyone), volunteer, staff, secretary (社区书记), admin — per community or
district-wide."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from bot.errors import UserFacingError
from bot.people.models import UserRole

logger = logging.getLogger(__name__)
ROLES = (
    "volunteer",
    "staff",
    "secretary",
    "admin",
)  # secretary: 社区书记, staff who get escalations
STAFF = ("staff", "secretary", "admin")


def has_role(
    session: Session, user_id: int, roles: Iterable[str], community: str | None = None
) -> bool:
    """Whether the user holds one of `roles` district-wide, or in `community` when given."""
    places = ["", community] if community else None
    statement = select(UserRole.id).where(
        UserRole.user_id == user_id, col(UserRole.role).in_(list(roles))
    )
    if places is not None:
        statement = statement.where(col(UserRole.community_id).in_(places))
    return session.exec(statement).first() is not None


def grant(session: Session, user_id: int, role: str, community: str = "") -> bool:
    """Give a role; False when the user already had it."""
    if role not in ROLES:
        raise UserFacingError(f"没有这个角色：{role}（可用：{', '.join(ROLES)}）")
    exists = session.exec(
        select(UserRole.id).where(
            UserRole.user_id == user_id, UserRole.role == role, UserRole.community_id == community
        )
    ).first()
    if exists is not None:
        return False
    session.add(UserRole(user_id=user_id, role=role, community_id=community))
    session.flush()
    logger.info("role %s granted to user %s in %r", role, user_id, community or "district")
    return True


def revoke(session: Session, user_id: int, role: str, community: str = "") -> bool:
    """Take a role away; False when the user did not have it."""
    rows = session.exec(
        select(UserRole).where(
            UserRole.user_id == user_id, UserRole.role == role, UserRole.community_id == community
        )
    ).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return bool(rows)


def roles_of(session: Session, user_id: int) -> Sequence[UserRole]:
    """The user's roles."""
    return session.exec(select(UserRole).where(UserRole.user_id == user_id)).all()


def communities_of(
    session: Session, user_id: int, role_names: Iterable[str] = STAFF
) -> set[str] | None:
    """The communities where the user holds one of these roles; None when one of them is
    district-wide (the user acts for the whole district)."""
    places = set(
        session.exec(
            select(UserRole.community_id).where(
                UserRole.user_id == user_id, col(UserRole.role).in_(list(role_names))
            )
        ).all()
    )
    return None if "" in places else places


def may_act_on(session: Session, user_id: int, community: str | None) -> bool:
    """Whether a staff member may act on a row of `community`: staff of a community act on
    that community's rows, district staff and admins on all. A district-wide row (None)
    concerns every community, so only district-level staff act on it."""
    places = communities_of(session, user_id, STAFF)
    return places is None or (community is not None and community in places)
