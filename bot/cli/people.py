"""`linli role ...` and `linli invite ...`: administrators manage staff and volunteers."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sqlmodel import Session, col, select

from bot.cli.args import decimal
from bot.cli.desk import Subcommands
from bot.cli.wechat import scene_qr
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.identity import find_user, resolve_user
from bot.models import ChannelIdentity, Community
from bot.people import invites, names
from bot.people.models import UserRole
from bot.people.roles import ROLES, grant, revoke, roles_of
from bot.tables import open_database, open_for_staff


def add_commands(commands: Subcommands) -> None:
    """Add `role grant|revoke|list` and `invite create` to `linli`."""
    role = commands.add_parser("role", help="管理员：给用户加减角色").add_subparsers(
        required=True, metavar="ROLE_COMMAND"
    )
    for action in ("grant", "revoke"):
        change = role.add_parser(action, help="加角色" if action == "grant" else "去掉角色")
        change.add_argument("user", help="用户：编号，或 渠道:标识，如 console:ann")
        change.add_argument("role", choices=ROLES)
        change.add_argument("--community", default="", help="社区编号；不写为全区")
        if action == "grant":
            change.add_argument("--name", help="这个人的名字（工作人员在聊天和导出里看到）")
        change.set_defaults(run=_role_change, action=action)
    role_list = role.add_parser("list", help="列出某个用户的角色；不写用户则列出所有有角色的人")
    role_list.add_argument("user", nargs="?")
    role_list.set_defaults(run=_role_list)

    invite = commands.add_parser("invite", help="工作人员：邀请志愿者或工作人员").add_subparsers(
        required=True, metavar="INVITE_COMMAND"
    )
    invite_create = invite.add_parser("create", help="生成一次性邀请码")
    invite_create.add_argument("--role", choices=ROLES, required=True)
    invite_create.add_argument("--community", default="", help="社区编号；不写为全区")
    invite_create.add_argument(
        "--days", type=decimal(0.01, 90), default=7, help="有效天数（默认 7，最多 90）"
    )
    invite_create.add_argument("--qr", action="store_true", help="同时生成微信带参数二维码")
    invite_create.set_defaults(run=_invite_create)


_CHANNELS = ("console", "wechat", "telegram")


def _role_change(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    with session_scope(engine) as session:
        user_id = find_user(session, args.user)
        channel, _, external_id = args.user.partition(":")
        if user_id is None and args.action == "grant" and channel in _CHANNELS and external_id:
            # a role can be given before the person has spoken: their first message finds it
            user_id = resolve_user(session, channel, external_id, utcnow()).id
        if user_id is None:
            print(
                f"没有找到用户 {args.user}（写成 渠道:标识，如 console:ann、wechat:openid）",
                file=sys.stderr,
            )
            return 1
        if getattr(args, "name", None):
            try:
                names.set_name(session, user_id, args.name)
            except ValueError as exc:
                print(str(exc), file=sys.stderr)
                return 1
        change = grant if args.action == "grant" else revoke
        changed = change(session, user_id, args.role, args.community)
    where = args.community or "全区"
    verb = "已加上" if args.action == "grant" else "已去掉"
    print(f"{verb} {args.user} 在{where}的 {args.role} 角色。" if changed else "没有变化。")
    return 0


def _role_list(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    with Session(engine) as session:
        if args.user is None:
            return _everyone_with_a_role(session)
        user_id = find_user(session, args.user)
        rows = roles_of(session, user_id) if user_id is not None else []
    for row in rows:
        print(f"{row.role} @ {row.community_id or '全区'}")
    if not rows:
        print("居民（没有其他角色）")
    return 0


def _everyone_with_a_role(session: Session) -> int:
    """Staff, admins and volunteers, by role and community, with how each is reached."""
    rows = session.exec(
        select(UserRole, ChannelIdentity)
        .outerjoin(ChannelIdentity, col(ChannelIdentity.user_id) == UserRole.user_id)
        .order_by(col(UserRole.role), col(UserRole.community_id), col(UserRole.user_id))
    ).all()
    seen: dict[tuple[int, str, str], list[str]] = {}
    for role, identity in rows:
        reach = seen.setdefault((role.user_id, role.role, role.community_id), [])
        if identity is not None:
            reach.append(f"{identity.channel}:{identity.external_id}")
    for (user, role_name, community), reach in seen.items():
        where = "，".join(reach) or "没有可联系的渠道"
        called = names.name_of(session, user)
        who = f"{called}，用户 {user}" if called else f"用户 {user}"
        print(f"{role_name} @ {community or '全区'}：{who}（{where}）")
    if not seen:
        print("还没有人有角色。用 linli role grant 添加。")
    return 0


def _invite_create(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_for_staff(settings)
    with session_scope(engine) as session:
        if args.community and session.get(Community, args.community) is None:
            print(f"没有这个社区：{args.community}", file=sys.stderr)
            return 1
        lifetime = dt.timedelta(days=args.days)
        code = invites.create(session, utcnow(), "role", lifetime, args.role, args.community)
    print(f"邀请码：{code}（{args.days:g} 天内有效，用一次）；对方在聊天里发“邀请码 {code}”")
    print(f"Telegram：发给对方链接 https://t.me/<机器人用户名>?start=invite_{code}")
    if args.qr:
        return scene_qr(settings, f"invite_{code}", args.days * 86400)
    print(f"微信：加 --qr 生成带参数二维码（场景值 invite_{code}）")
    return 0
