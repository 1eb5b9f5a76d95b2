"""`linli wechat menu push FILE | menu show`: the official account's custom menu."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.cli.desk import Subcommands
from bot.config import Settings
from bot.errors import ChannelError, Undeliverable
from bot.tables import open_database
from knowledge.loader import read_text

_TOP, _SUB = 3, 5  # WeChat allows 3 buttons, each with up to 5 sub-buttons
_TYPES = {"click": "key", "view": "url", "miniprogram": "url"}


def add_commands(commands: Subcommands) -> None:
    """Add `linli wechat ...`."""
    wechat = commands.add_parser("wechat", help="微信公众号：自定义菜单").add_subparsers(
        required=True, metavar="WECHAT_COMMAND"
    )
    menu = wechat.add_parser("menu", help="自定义菜单").add_subparsers(
        required=True, metavar="MENU_COMMAND"
    )
    push = menu.add_parser("push", help="检查并上传菜单（JSON 文件）")
    push.add_argument("file", type=Path)
    push.set_defaults(run=_push)
    show = menu.add_parser("show", help="看看现在的菜单")
    show.set_defaults(run=_show)


def menu_problems(menu: Any) -> list[str]:
    """Everything wrong with a menu, in plain Chinese; empty when WeChat will accept it."""
    if not isinstance(menu, dict) or not isinstance(menu.get("button"), list):
        return ['菜单文件要写成 {"button": [...]}']
    buttons = menu["button"]
    problems = [] if 1 <= len(buttons) <= _TOP else [f"一级菜单要有 1 到 {_TOP} 个"]
    for n, button in enumerate(buttons, 1):
        problems += _button_problems(button, f"第 {n} 个菜单", top=True)
    return problems


def _button_problems(button: Any, where: str, top: bool) -> list[str]:
    if not isinstance(button, dict) or not str(button.get("name", "")).strip():
        return [f"{where}缺少名称"]
    limit = 16 if top else 60
    problems = (
        [] if len(button["name"].encode()) <= limit else [f"{where}名称太长（最多 {limit} 字节）"]
    )
    children = button.get("sub_button")
    if children:
        if not top or not isinstance(children, list) or len(children) > _SUB:
            return problems + [f"{where}的子菜单最多 {_SUB} 个，且只能有一层"]
        for n, child in enumerate(children, 1):
            problems += _button_problems(child, f"{where}第 {n} 个子菜单", top=False)
        return problems
    kind = button.get("type")
    if kind not in _TYPES or not button.get(_TYPES[kind]):
        problems.append(f"{where}需要 type（click 配 key，view 配 url）")
    return problems


_QR_LONGEST = 30 * 24 * 3600
_SHOW_QR = "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="


def _push(args: argparse.Namespace, settings: Settings) -> int:
    try:
        menu = json.loads(read_text(args.file, 1024 * 1024))
    except (OSError, ValueError) as exc:
        print(f"读不了菜单文件：{exc}", file=sys.stderr)
        return 1
    problems = menu_problems(menu)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    return _call(settings, lambda api: api.post("menu/create", menu), "菜单已上传。")


def _show(args: argparse.Namespace, settings: Settings) -> int:
    return _call(settings, lambda api: api.get("menu/get"), None)


def _call(settings: Settings, work: Any, done: str | None) -> int:
    if not settings.wechat.enabled:
        print(
            "还没有启用微信：请在 config.toml 的 [wechat] 里填好并设 enabled = true",
            file=sys.stderr,
        )
        return 2
    from bot.app import wechat_sender  # the WeChat client loads only to call WeChat

    api = wechat_sender(open_database(settings), settings).api
    try:
        result = work(api)
    except (ChannelError, Undeliverable) as exc:
        print(f"微信没有接受：{exc}", file=sys.stderr)
        return 1
    text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, indent=1)
    print(done or text)
    return 0


def scene_qr(settings: Settings, scene: str, seconds: float) -> int:
    """Make a temporary parametric QR code: following the account by scanning it sends
    `qrscene_<scene>` (WeChat keeps such codes at most 30 days). Prints its image URL."""
    body = {
        "expire_seconds": int(min(seconds, _QR_LONGEST)),
        "action_name": "QR_STR_SCENE",
        "action_info": {"scene": {"scene_str": scene}},
    }

    def work(api: Any) -> str:
        ticket = str(api.post("qrcode/create", body)["ticket"])
        return f"微信二维码（扫码关注即生效）：{_SHOW_QR}{quote(ticket)}"

    return _call(settings, work, None)
