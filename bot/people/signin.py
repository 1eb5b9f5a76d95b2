"""Signing staff in to the web console without a password: a one-time link (made for a
staff member in chat or by `linli admin link`), then a session that ends on sign-out or
when unused too long. Only SHA-256 digests of the tokens are stored: a copy of the database
opens no session."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlmodel import Session

from bot.config import ConsoleSettings
from bot.errors import UserFacingError
from bot.people import audit, roles
from bot.people.models import SignInLink, StaffSession

logger = logging.getLogger(__name__)
NOT_STAFF = "后台只有社区工作人员可以登录哦。有需要请发“找人工”联系工作人员。"
REFUSED = "这个登录链接已经用过、过期了，或者不对。请在聊天里重新发“登录后台”获取新链接。"
_TOUCH = dt.timedelta(minutes=1)  # a session's last use is written at most this often


def digest(token: str) -> str:
    """What is stored for a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_text(settings: ConsoleSettings, token: str) -> str:
    """What a staff member is sent: the link and how long it works."""
    return (
        f"后台登录链接（{settings.link_minutes:g} 分钟内有效，只能用一次，请勿转发）：\n"
        f"{settings.base_url}/admin/login/{token}"
    )


def create_link(session: Session, user_id: int, now: dt.datetime, lifetime: dt.timedelta) -> str:
    """A new one-time sign-in token for a staff member (the link's last part).

    Raises:
        UserFacingError: the user is not staff (nothing is made).
    """
    if not roles.has_role(session, user_id, roles.STAFF):
        logger.warning("user %s (not staff) asked for a console sign-in link", user_id)
        raise UserFacingError(NOT_STAFF)
    token = secrets.token_urlsafe(32)
    session.add(
        SignInLink(
            token_hash=digest(token), user_id=user_id, created_at=now, expires_at=now + lifetime
        )
    )
    session.flush()
    return token


def refused(session: Session, token: str, now: dt.datetime) -> bool:
    """Whether a sign-in token cannot be used (unknown, used, expired, its owner no longer
    staff); a refusal is logged and audited (in the caller's transaction, to commit)."""
    link = session.get(SignInLink, digest(token))
    problem = _problem(session, link, now)
    if problem is None:
        return False
    logger.warning("console sign-in refused: %s", problem)
    who = link.user_id if link is not None else None
    audit.record(session, who, "console", "signin_refused", after={"reason": problem}, now=now)
    return True


def redeem(session: Session, token: str, now: dt.datetime) -> str | None:
    """Use a sign-in token, once: a new session's token, or None when it is refused."""
    link = session.get(SignInLink, digest(token), with_for_update=True)  # one use, racing or not
    if refused(session, token, now):
        return None
    assert link is not None
    link.used_at = now
    session.add(link)
    opened = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=digest(opened), user_id=link.user_id, created_at=now, last_seen_at=now
        )
    )
    audit.record(session, link.user_id, "console", "signin", now=now)
    session.flush()
    return opened


def _problem(session: Session, link: SignInLink | None, now: dt.datetime) -> str | None:
    if link is None:
        return "unknown link"
    if link.used_at is not None:
        return f"link of user {link.user_id} already used"
    if link.expires_at <= now:
        return f"link of user {link.user_id} expired"
    if not roles.has_role(session, link.user_id, roles.STAFF):
        return f"user {link.user_id} is no longer staff"
    return None


@dataclass(frozen=True)
class Staff:
    """Who a console request acts for: the user, and the communities they may see and
    change (None: every community, district staff and admins)."""

    user_id: int
    communities: frozenset[str] | None
    admin: bool

    def may_see(self, community: str | None) -> bool:
        """Whether a row of `community` (None: district-wide) is theirs to see and change."""
        return self.communities is None or (community is not None and community in self.communities)


class NotStaff(Exception):
    """A live session of someone who holds no staff role (any more): refused, not sent to
    sign in again — signing in would not help them."""

    def __init__(self, user_id: int):
        super().__init__(f"user {user_id} holds no staff role")
        self.user_id = user_id


def current(session: Session, token: str, now: dt.datetime, idle: dt.timedelta) -> Staff | None:
    """The staff member a session token signs in, or None (no such session, signed out,
    idle too long). Roles are read afresh on every request.

    Raises:
        NotStaff: the session is live but its holder is a resident now (the roles were
            taken away).
    """
    row = session.get(StaffSession, digest(token))
    if row is None or row.ended_at is not None or row.last_seen_at + idle <= now:
        return None
    places = roles.communities_of(session, row.user_id, roles.STAFF)
    if places is not None and not places:
        raise NotStaff(row.user_id)
    if now - row.last_seen_at >= _TOUCH:
        row.last_seen_at = now
        session.add(row)
    admin = roles.has_role(session, row.user_id, ("admin",))
    return Staff(row.user_id, None if places is None else frozenset(places), admin)


def sign_out(session: Session, token: str, now: dt.datetime) -> None:
    """End the session (a missing one is already ended)."""
    row = session.get(StaffSession, digest(token))
    if row is not None and row.ended_at is None:
        row.ended_at = now
        session.add(row)
        audit.record(session, row.user_id, "console", "signout", now=now)
