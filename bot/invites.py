"""One-time codes: staff invite a volunteer or staff member (a role), and a resident links a
second channel to their account ("绑定 123456")."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlmodel import Session, select

from bot import roles
from bot.errors import UserFacingError
from bot.models import ChannelIdentity, Invite, Registration, User


def create(
    session: Session,
    now: dt.datetime,
    purpose: str,
    lifetime: dt.timedelta,
    role: str = "",
    community: str = "",
    user_id: int | None = None,
) -> str:
    """A new code: 8 letters and digits for invites, 6 digits for linking (typed by hand)."""
    for _ in range(20):
        code = f"{secrets.randbelow(10**6):06d}" if purpose == "link" else secrets.token_hex(4)
        if session.get(Invite, code) is None:
            session.add(Invite(
                code=code, purpose=purpose, role=role, community_id=community, user_id=user_id,
                expires_at=now + lifetime,
            ))  # fmt: skip
            session.flush()
            return code
    raise UserFacingError("暂时生成不了新的码，请稍后再试。")


def redeem_role(session: Session, code: str, user: User, now: dt.datetime) -> Invite:
    """Give the invite's role to `user`; the code is used up."""
    invite = _usable(session, code, "role", now)
    roles.grant(session, user.id or 0, invite.role, invite.community_id)
    if invite.community_id and user.community_id is None:
        user.community_id = invite.community_id
        session.add(user)
    invite.used_at = now
    session.add(invite)
    return invite


def link(session: Session, code: str, identity: ChannelIdentity, now: dt.datetime) -> User:
    """Move this channel identity to the account that asked for the code; that person's
    registrations and roles are one from now on. The other account's sign-ups come along."""
    invite = _usable(session, code, "link", now)
    target = session.get(User, invite.user_id or 0)
    if target is None:
        raise UserFacingError("这个绑定码已经失效了，请在另一边重新发“绑定”。")
    old_user = identity.user_id
    if old_user != target.id:
        _merge(session, old_user, target.id or 0)
        identity.user_id = target.id or 0
        session.add(identity)
    invite.used_at = now
    session.add(invite)
    return target


def _merge(session: Session, old_user: int, target: int) -> None:
    """Registrations of the old account move to the target unless it already has one."""
    for registration in session.exec(select(Registration).where(Registration.user_id == old_user)):
        taken = session.exec(
            select(Registration.id).where(
                Registration.user_id == target, Registration.activity_id == registration.activity_id
            )
        ).first()
        if taken is None:
            registration.user_id = target
            session.add(registration)
    for role in roles.roles_of(session, old_user):
        roles.grant(session, target, role.role, role.community_id)


def _usable(session: Session, code: str, purpose: str, now: dt.datetime) -> Invite:
    # locked: two people sending the same code at once cannot both use it
    invite = session.exec(
        select(Invite).where(Invite.code == code.strip().lower()).with_for_update()
    ).first()
    if invite is None or invite.purpose != purpose:
        raise UserFacingError("这个码不对，请检查一下再发。")
    if invite.used_at is not None or invite.expires_at < now:
        raise UserFacingError("这个码已经用过或过期了，请重新获取。")
    return invite
