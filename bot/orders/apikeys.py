"""Open311 API keys (`linli order apikey`): made and shown once, stored only as a hash, each
filing its requests in one community as an account of its own; revoked by name."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Collection, Sequence

from sqlmodel import Session, col, select

from bot.identity import resolve_user
from bot.orders.models import Open311Key
from bot.orders.service import OrderError

CHANNEL = "open311"  # the channel of the accounts Open311 requests are filed as
KEY_START = "linli_"
_NAME = re.compile(r"^[\w\-\u4e00-\u9fa5]{1,40}$")


def digest(key: str) -> str:
    """The stored form of a key: sha256, hex (a key is random enough that no salt is needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(
    session: Session, name: str, community_id: str, communities: Collection[str], now: dt.datetime
) -> tuple[Open311Key, str]:
    """A new key named `name` for `community_id`. Returns the row and the key itself (shown
    once: only its hash is kept).

    Raises:
        OrderError: a bad or used name, or an unknown community.
    """
    name = name.strip()
    if not _NAME.match(name):
        raise OrderError("密钥名称只能用字母、数字、汉字、- 和 _，40 个字以内，如 city-app。")
    if session.exec(select(Open311Key.id).where(Open311Key.name == name)).first() is not None:
        raise OrderError(f"已经有名为 {name} 的密钥了（吊销的也算），请换一个名称。")
    if community_id not in communities:
        raise OrderError(f"没有这个社区：{community_id}")
    key = KEY_START + secrets.token_urlsafe(24)
    account = resolve_user(session, CHANNEL, name, now)
    account.community_id = community_id
    session.add(account)
    row = Open311Key(
        name=name, community_id=community_id, key_hash=digest(key), prefix=key[:12],
        user_id=account.id or 0, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row, key


def listed(session: Session) -> Sequence[Open311Key]:
    """Every key, revoked ones too, oldest first."""
    return session.exec(select(Open311Key).order_by(col(Open311Key.id))).all()


def revoke(session: Session, name: str, now: dt.datetime) -> Open311Key:
    """Revoke the key named `name`: its requests stay, it files no more.

    Raises:
        OrderError: no such key, or it is revoked already.
    """
    row = session.exec(select(Open311Key).where(Open311Key.name == name.strip())).first()
    if row is None:
        raise OrderError(f"没有名为 {name} 的密钥（linli order apikey list 可以看全部）。")
    if row.revoked_at is not None:
        raise OrderError(f"密钥 {name} 已经吊销过了。")
    row.revoked_at = now
    session.add(row)
    session.flush()
    return row


def verify(session: Session, key: str) -> Open311Key | None:
    """The live key that `key` is, or None (unknown, revoked, or empty)."""
    if not key.startswith(KEY_START):
        return None
    row = session.exec(select(Open311Key).where(Open311Key.key_hash == digest(key))).first()
    return row if row is not None and row.revoked_at is None else None
