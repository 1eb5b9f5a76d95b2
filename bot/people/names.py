"""What people are called. A person tells Linli their name ("我叫王小明"), an administrator sets
it (`linli role grant ... --name`), and staff then read names instead of account numbers:
masked in chat ("王*明（用户 148）"), in full only in staff exports."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.identity import find_user
from bot.models import ChannelIdentity, User
from bot.people.masking import mask_name
from bot.people.models import UserRole

WHO = "写用户编号、名字，或 渠道:标识，如 console:ann"  # how a command names a person
MOST = 12  # characters: a name, not a sentence
_NAME = re.compile(rf"^[\u4e00-\u9fa5·a-zA-Z]{{1,{MOST}}}$")
# words that make a text a question or a request, never someone's name
NOT_A_NAME = re.compile(r"(怎么|什么|吗|哪|为|啥|咋|么|报名|活动|取消|外卖|快递|救护|出租|滴滴)")


def valid_name(text: str) -> str | None:
    """The name in `text` (trimmed), or None when it cannot be a person's name."""
    name = text.strip()
    if not _NAME.match(name) or NOT_A_NAME.search(name):
        return None
    return name


def set_name(session: Session, user_id: int, name: str) -> str:
    """Store what a user is called. Returns the stored name.

    Raises:
        ValueError: not a name (too long, digits, a question).
    """
    found = valid_name(name)
    user = session.get(User, user_id)
    if found is None or user is None:
        raise ValueError(f"“{name}”不像一个名字：请用汉字或字母，{MOST} 个字以内。")
    user.display_name = found
    session.add(user)
    session.flush()
    return found


def name_of(session: Session, user_id: int) -> str:
    """A user's full name, or "" when they have not given one (staff exports)."""
    user = session.get(User, user_id)
    return (user.display_name or "") if user is not None else ""


def account_of(session: Session, user_id: int) -> str:
    """How a user is reached, for staff exports: "wechat:oAbc…", several joined by "、"."""
    found = session.exec(
        select(ChannelIdentity)
        .where(ChannelIdentity.user_id == user_id)
        .order_by(col(ChannelIdentity.id))
    ).all()
    return "、".join(f"{i.channel}:{i.external_id}" for i in found)


def in_chat(session: Session, user_id: int) -> str:
    """A person as staff read them in chat: the masked name and the number staff type in
    commands ("王*明（用户 148）"); "用户 148（没留名字）" until they give one."""
    name = name_of(session, user_id)
    if name:
        return f"{mask_name(name)}（用户 {user_id}）"
    return f"用户 {user_id}（没留名字）"


def called(session: Session, name: str, among: SelectOfScalar[int] | None = None) -> list[int]:
    """The users with exactly this name (among the ids `among` selects, when given), lowest
    id first."""
    statement = select(User.id).where(User.display_name == name.strip())
    if among is not None:
        statement = statement.where(col(User.id).in_(among))
    return [i for i in session.exec(statement.order_by(col(User.id))).all() if i is not None]


def person(session: Session, who: str, role: str = "volunteer") -> int:
    """A user named by number ("12"), channel identity ("console:ann") or name ("李小红": the
    one person with that name and role).

    Raises:
        ValueError: no such user, or several with that name (the message lists them).
    """
    who = who.strip()
    if who.isdigit() or ":" in who:
        found = find_user(session, who)
        if found is None:
            raise ValueError(
                f"没有找到用户 {who}（写用户编号、名字，或 渠道:标识，如 console:ann）。"
            )
        return found
    holders = select(UserRole.user_id).where(UserRole.role == role)
    named = called(session, who, among=holders)
    if not named:
        raise ValueError(
            f"没有叫“{who}”的{_ROLE_NAMES.get(role, role)}。请写用户编号，或先让对方发“我叫 名字”。"
        )
    if len(named) > 1:
        numbers = "、".join(f"用户 {n}" for n in named)
        raise ValueError(f"有 {len(named)} 位叫“{who}”（{numbers}），请写用户编号。")
    return named[0]


_ROLE_NAMES = {
    "volunteer": "志愿者",
    "staff": "工作人员",
    "secretary": "社区书记",
    "admin": "管理员",
}
