"""One-time codes: staff invite a volunteer or staff member (a role), and a resident links a
second channel to their account ("绑定 12345678" there, then "确认绑定" here)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence

from sqlmodel import Session, col, select

from bot.errors import UserFacingError
from bot.models import ChannelIdentity, User
from bot.people import attempts, roles
from bot.people.masking import mask_id
from bot.people.models import Invite, LinkRequest

logger = logging.getLogger(__name__)
LINK_DIGITS = 8
CONFIRM_WITHIN = dt.timedelta(minutes=30)  # the owner's "确认绑定" after the code was sent
# A sender gets 5 wrong link codes in 10 minutes, then an hour's pause; everyone together 30,
# then half an hour's pause for all (see README, "Telegram": the arithmetic of guessing).
LINK_LIMITS = attempts.Limits(
    per_sender=attempts.Rule("link", 5, dt.timedelta(minutes=10), dt.timedelta(hours=1)),
    everyone=attempts.Rule("link-all", 30, dt.timedelta(minutes=10), dt.timedelta(minutes=30)),
)
# Invite codes give a role and live 7 days: the same limits, counted apart from link codes.
INVITE_LIMITS = attempts.Limits(
    per_sender=attempts.Rule("invite", 5, dt.timedelta(minutes=10), dt.timedelta(hours=1)),
    everyone=attempts.Rule("invite-all", 30, dt.timedelta(minutes=10), dt.timedelta(minutes=30)),
)


def create(
    session: Session,
    now: dt.datetime,
    purpose: str,
    lifetime: dt.timedelta,
    role: str = "",
    community: str = "",
    user_id: int | None = None,
) -> str:
    """A new code: 8 letters and digits for invites, 8 digits for linking (typed by hand)."""
    for _ in range(20):
        code = attempts.new_code(LINK_DIGITS) if purpose == "link" else secrets.token_hex(4)
        if session.get(Invite, code) is None:
            session.add(Invite(
                code=code, purpose=purpose, role=role, community_id=community, user_id=user_id,
                expires_at=now + lifetime,
            ))  # fmt: skip
            session.flush()
            return code
    raise UserFacingError("暂时生成不了新的码，请稍后再试。")


def redeem_role(session: Session, code: str, user: User, now: dt.datetime) -> Invite:
    """Give the invite's role to `user`; the code is used up. Wrong codes count against the
    sender and everyone (`INVITE_LIMITS`)."""
    invite = _guarded(session, code, "role", (str(user.id), f"user {user.id}"), now)
    roles.grant(session, user.id or 0, invite.role, invite.community_id)
    if invite.community_id and user.community_id is None:
        user.community_id = invite.community_id
        session.add(user)
    invite.used_at = now
    session.add(invite)
    return invite


def request_link(
    session: Session, code: str, identity: ChannelIdentity, now: dt.datetime
) -> LinkRequest:
    """The identity sent a link code: record that it wants to join the account that asked for
    the code. Nothing is joined yet: that account's owner confirms on their side
    (`confirm_link`). Wrong codes count against the sender and everyone (`LINK_LIMITS`).

    Raises:
        UserFacingError: locked out, a wrong, used or expired code, the same account, or an
            account with roles the other lacks (it must be the one that asks for the code).
    """
    who = _who(identity)
    invite = _guarded(session, code, "link", (str(identity.user_id), who), now)
    invite.used_at = now  # a code works once: a later guess of it finds it used
    session.add(invite)
    target = session.get(User, invite.user_id or 0)
    if target is None or target.id is None:
        raise UserFacingError("这个绑定码已经失效了，请在另一边重新发“绑定”。")
    if identity.user_id == target.id:
        raise UserFacingError("这两个渠道已经是同一个账号了，不用再绑定。")
    _check_roles(session, identity.user_id, target.id)
    for older in _pending(session, target.id, now):
        older.status, older.decided_at = "declined", now  # one request to confirm at a time
        session.add(older)
    request = LinkRequest(
        user_id=target.id, identity_id=identity.id or 0, created_at=now,
        expires_at=now + CONFIRM_WITHIN,
    )  # fmt: skip
    session.add(request)
    session.flush()
    logger.info("link request %s: %s wants to join user %s", request.id, who, target.id)
    return request


Mover = Callable[[Session, int, int], None]
"""Moves one domain's rows of a user (old id) to another (target id) when accounts are linked;
the wiring hands in one per domain that keeps rows per user (activity registrations...)."""


def confirm_link(
    session: Session, user_id: int, now: dt.datetime, movers: Sequence[Mover] = ()
) -> ChannelIdentity:
    """The owner of the account says yes: the identity that sent their code joins it, and
    `movers` bring its rows along. Returns that identity.

    Raises:
        UserFacingError: nothing waiting to be confirmed, or it may not join any more.
    """
    request = _waiting(session, user_id, now)
    identity = session.get(ChannelIdentity, request.identity_id)
    request.status, request.decided_at = "declined", now  # until the identity has joined
    session.add(request)
    if identity is None:
        raise UserFacingError("要绑定的那个渠道账号已经不在了，请重新发“绑定”。")
    _check_roles(session, identity.user_id, user_id)  # roles may have changed meanwhile
    for move in movers:
        move(session, identity.user_id, user_id)
    identity.user_id, request.status = user_id, "confirmed"
    session.add(identity)
    session.flush()
    logger.info("link request %s confirmed: %s joined user %s", request.id, _who(identity), user_id)
    return identity


def decline_link(session: Session, user_id: int, now: dt.datetime) -> None:
    """The owner of the account says no: nothing is joined.

    Raises:
        UserFacingError: nothing waiting to be confirmed.
    """
    request = _waiting(session, user_id, now)
    request.status, request.decided_at = "declined", now
    session.add(request)
    identity = session.get(ChannelIdentity, request.identity_id)
    who = _who(identity) if identity is not None else "a removed identity"
    logger.warning("link request %s declined by user %s: %s sent their code", request.id,
                   user_id, who)  # fmt: skip


def _waiting(session: Session, user_id: int, now: dt.datetime) -> LinkRequest:
    waiting = _pending(session, user_id, now)
    if not waiting:
        raise UserFacingError(
            "现在没有等您确认的绑定。要绑定另一个渠道，请先在这边发“绑定”拿绑定码。"
        )
    return waiting[-1]


def _pending(session: Session, user_id: int, now: dt.datetime) -> Sequence[LinkRequest]:
    return session.exec(
        select(LinkRequest)
        .where(
            LinkRequest.user_id == user_id,
            LinkRequest.status == "pending",
            col(LinkRequest.expires_at) > now,
        )
        .order_by(col(LinkRequest.id))
        .with_for_update()
    ).all()


def _check_roles(session: Session, joining: int, target: int) -> None:
    """Linking never gives an account roles it did not have: the account with the roles is
    the one that asks for the code, and the other joins it."""
    held = {(r.role, r.community_id) for r in roles.roles_of(session, target)}
    if {(r.role, r.community_id) for r in roles.roles_of(session, joining)} - held:
        raise UserFacingError(
            "您这边的账号有志愿者或工作人员身份，不能并到另一个账号。请反过来绑定：在这边发"
            "“绑定”拿绑定码，到另一个渠道里发。"
        )


def _who(identity: ChannelIdentity) -> str:
    """The sender as the log names them: user id and a masked channel id, never the code."""
    return f"user {identity.user_id} ({identity.channel}:{mask_id(identity.external_id)})"


def _guarded(
    session: Session, code: str, purpose: str, sender: tuple[str, str], now: dt.datetime
) -> Invite:
    """The usable invite for `code`, unless the sender (key, masked name) is locked out; a
    wrong, used or expired code counts as a wrong try."""
    limits = LINK_LIMITS if purpose == "link" else INVITE_LIMITS
    until = limits.locked_until(session, *sender, now)
    if until is not None:
        wait = attempts.minutes_left(until, now)
        kind = "绑定码" if purpose == "link" else "邀请码"
        raise UserFacingError(f"{kind}错了太多次，为了账号安全先停一下，请 {wait} 分钟后再试。")
    try:
        return _usable(session, code, purpose, now)
    except UserFacingError:
        limits.failed(session, *sender, now)
        raise


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
