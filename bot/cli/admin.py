"""`linli admin link USER`: a one-time sign-in link into the web console for a staff member
(the same link "登录后台" sends in chat), printed for whoever runs the server to pass on."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli.desk import Desk, Subcommands, subcommand
from bot.errors import UserFacingError
from bot.identity import find_user
from bot.people import audit, signin


def add_commands(commands: Subcommands) -> None:
    """Add `admin link` to `linli`."""
    admin = commands.add_parser("admin", help="工作人员：网页后台").add_subparsers(
        required=True, metavar="ADMIN_COMMAND"
    )
    link = subcommand(admin, "link", "给工作人员生成一次性的后台登录链接", _link)
    link.add_argument("user", help="用户：编号，或 渠道:标识，如 console:ann")


def _link(args: argparse.Namespace, desk: Desk) -> str:
    user_id = find_user(desk.session, args.user)
    if user_id is None:
        raise UserFacingError(f"没有找到用户 {args.user}（写成 渠道:标识，如 console:ann）")
    settings = desk.settings.console
    lifetime = dt.timedelta(minutes=settings.link_minutes)
    token = signin.create_link(desk.session, user_id, desk.now, lifetime)
    audit.record(desk.session, user_id, "cli", "signin_link", f"user:{user_id}", now=desk.now)
    return signin.link_text(settings, token)
