"""Who is talking: find or create the user behind a channel identity."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from bot.models import ChannelIdentity, User


def find_identity(session: Session, channel: str, external_id: str) -> ChannelIdentity | None:
    """How `external_id` is known on `channel`, if it has written before."""
    return session.exec(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    ).first()


def resolve_user(
    session: Session, channel: str, external_id: str, now: dt.datetime, *, seen: bool = False
) -> User:
    """The user known on `channel` as `external_id`, created (at `now`) on first contact.
    With `seen` (a message arrived at `now`) the identity can be written back to and is
    following again.

    A concurrent first contact from another process raises IntegrityError at flush; the
    dispatcher retries and then finds the user.
    """
    found = session.exec(
        select(ChannelIdentity, User)
        .join(User, col(User.id) == ChannelIdentity.user_id, isouter=True)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    ).first()  # the identity and its user in one round trip
    identity, user = found if found is not None else (None, None)
    if identity is None or user is None:
        user = User(created_at=now)
        session.add(user)
        session.flush()
        assert user.id is not None
        identity = ChannelIdentity(channel=channel, external_id=external_id, user_id=user.id)
    if seen:
        identity.last_seen_at, identity.unsubscribed_at = now, None
    session.add(identity)
    session.flush()
    return user


def find_user(session: Session, who: str) -> int | None:
    """A user by id ("12") or by channel identity ("console:ann", "wechat:oAbc..."); None if
    there is no such user."""
    if who.isdigit():
        return int(who) if session.get(User, int(who)) is not None else None
    channel, _, external_id = who.partition(":")
    return session.exec(
        select(ChannelIdentity.user_id).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    ).first()
