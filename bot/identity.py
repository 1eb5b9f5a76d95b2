"""Who is talking: find or create the user behind a channel identity."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.models import ChannelIdentity, User


def resolve_user(
    session: Session, channel: str, external_id: str, seen_at: dt.datetime | None = None
) -> User:
    """The user known on `channel` as `external_id`, created on first contact.

    A concurrent first contact from another process raises IntegrityError at flush; the
    dispatcher retries and then finds the user.
    """
    statement = (
        select(User)
        .join(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    )
    user = session.exec(statement).first()
    if user is None:
        user = User()
        session.add(user)
        session.flush()
        assert user.id is not None
        session.add(ChannelIdentity(channel=channel, external_id=external_id, user_id=user.id))
        session.flush()
    if seen_at is not None:
        _seen(session, channel, external_id, seen_at)
    return user


def _seen(session: Session, channel: str, external_id: str, seen_at: dt.datetime) -> None:
    """A message from this identity: it can be written back to, and it is following again."""
    identity = session.exec(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    ).one()
    identity.last_seen_at, identity.unsubscribed_at = seen_at, None
    session.add(identity)


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
