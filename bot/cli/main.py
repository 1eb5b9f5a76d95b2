"""The `linli` command line: the contract scripts and tests rely on (see DESIGN.md)."""

from __future__ import annotations

import argparse
import errno
import getpass
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from bot import logs
from bot.cli.activities import add_commands as add_activity_commands
from bot.cli.admin import add_commands as add_admin_commands
from bot.cli.announcements import add_commands as add_push_commands
from bot.cli.args import whole
from bot.cli.db import add_commands as add_db_commands
from bot.cli.kb import add_commands as add_kb_commands
from bot.cli.orders import add_commands as add_order_commands
from bot.cli.people import add_commands as add_role_commands
from bot.cli.reports import add_commands as add_report_commands
from bot.cli.shifts import add_commands as add_shift_commands
from bot.cli.wechat import add_commands as add_wechat_commands
from bot.clock import utcnow
from bot.config import Settings, load_settings
from bot.db import session_scope
from bot.errors import ConfigError, UserFacingError
from bot.files import private_dir, private_file

if TYPE_CHECKING:
    from bot.app import App

# The wiring (every intent, the matcher, pypinyin) is imported by the commands that use it:
# `linli db`, `backup`, `--help` and the staff commands start without it.

logger = logging.getLogger(__name__)
CHAT_LOG = "chat.log"  # in the data directory: what `linli chat` logs


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    logs.configure(settings)
    try:
        command: int = args.run(args, settings)
    except UserFacingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (OperationalError, OSError) as exc:
        logger.info("command failed on the database or the disk", exc_info=True)
        print(storage_problem(exc), file=sys.stderr)
        return 3
    if command == 0:
        _audit(list(sys.argv[1:] if argv is None else argv), settings)
    return command


# what a resident or a developer runs, or only reads what chat shows anyway: not audited
_UNAUDITED = {
    ("ask",), ("chat",), ("serve",), ("inbox",), ("reminders",), ("unanswered",),
    ("db", "current"), ("db", "revision"), ("kb", "check"), ("kb", "eval"), ("kb", "export"),
}  # fmt: skip


def _audit(argv: list[str], settings: Settings) -> None:
    """A staff command that succeeded, as a row of the audit log (actor: the terminal's
    account; the command as typed, mobile numbers masked). A command that failed changed
    nothing and is not recorded; a log that cannot be written is a warning, not a failure
    of the command that already happened."""
    words = _command_words(argv)
    if not words or tuple(words[:1]) in _UNAUDITED or tuple(words[:2]) in _UNAUDITED:
        return
    typed = logs.mask_mobiles(" ".join(["linli", *argv]))
    try:
        from bot.people import audit
        from bot.tables import open_database

        engine = open_database(settings)
        try:
            with session_scope(engine) as session:
                audit.record(
                    session, None, "cli", "cli:" + " ".join(words[:2]), typed[:120],
                    now=utcnow(), after={"os_user": getpass.getuser()},
                )  # fmt: skip
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - the command is done; say why it went unrecorded
        logger.warning("could not write the audit log for: %s", words[:2], exc_info=True)


def _command_words(argv: list[str]) -> list[str]:
    """The command and subcommand ("role", "grant"), skipping `--config FILE`."""
    words, skip = [], False
    for word in argv:
        if skip or word.startswith("-"):
            skip = word == "--config"
            continue
        words.append(word)
        if len(words) == 2:
            break
    return words


def storage_problem(exc: OperationalError | OSError) -> str:
    """What to tell staff when the database or the disk refuses (nothing was written)."""
    text = str(exc).lower()
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "disk is full" in text:
        return "磁盘满了，这次什么都没有写入。请清理磁盘空间后再试。"
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        return "数据库或文件是只读的（没有写权限），这次什么都没有写入。请检查文件权限。"
    if isinstance(exc, OperationalError):
        return (
            "连不上数据库，或数据库出错了，这次什么都没有写入。请检查 database.url 和数据库服务。"
        )
    return f"读写文件出错，这次什么都没有写入：{exc.strerror or exc.__class__.__name__}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linli", description="邻里 Linli 社区小助手")
    parser.add_argument("--config", type=Path, help="配置文件（默认 ./config.toml）")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    add_activity_commands(commands)
    add_shift_commands(commands)
    add_push_commands(commands)
    add_report_commands(commands)
    add_order_commands(commands)
    add_wechat_commands(commands)

    chat = commands.add_parser("chat", help="在终端里以居民身份和小助手聊天")
    chat.add_argument("--user", default="resident", help="居民标识（默认 resident）")
    chat.set_defaults(run=_chat)

    ask = commands.add_parser("ask", help="问一句（或从标准输入每行一句）")
    ask.add_argument("--json", action="store_true", help="每条消息输出一行 JSON")
    ask.add_argument("--user", default="resident", help="居民标识（默认 resident）")
    ask.add_argument("text", nargs="*", help="要问的话；不写则逐行读标准输入")
    ask.set_defaults(run=_ask)

    serve = commands.add_parser(
        "serve", help="后台服务：微信和 Telegram 的消息接口、定时提醒、消息投递"
    )
    serve.add_argument(
        "--workers", type=whole(1, 64), default=1,
        help="进程数（只用于 PostgreSQL；默认 1）：每个进程都接消息、投递，其中一个跑定时任务",
    )  # fmt: skip
    serve.set_defaults(run=_serve)

    reminders = commands.add_parser("reminders", help="提醒").add_subparsers(
        required=True, metavar="REMINDERS_COMMAND"
    )
    reminders_list = reminders.add_parser("list", help="列出排好的提醒")
    reminders_list.add_argument("--json", action="store_true")
    reminders_list.set_defaults(run=_reminders_list)

    inbox = commands.add_parser("inbox", help="终端渠道收到的推送（提醒、通知）")
    inbox.add_argument("--user", default="resident")
    inbox.add_argument("--json", action="store_true")
    inbox.set_defaults(run=_inbox)

    add_role_commands(commands)
    add_db_commands(commands)
    add_kb_commands(commands)
    add_admin_commands(commands)
    return parser


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot import app as wiring

    # the terminal is the conversation: log lines (a refused staff command...) go to a file
    log = private_file(private_dir(settings.home) / CHAT_LOG)
    with log.open("a", encoding="utf-8") as stream:
        logs.configure(settings, stream)
        try:
            return wiring.chat(wiring.build_app(settings, utcnow), args.user, sys.stdin, sys.stdout)
        finally:
            logs.configure(settings)  # back to stderr before the file closes


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app

    app = build_app(settings, utcnow)
    texts = [" ".join(args.text)] if args.text else (line.rstrip("\r\n") for line in sys.stdin)
    for text in texts:
        _ask_one(app, args, text)
    return 0


def _ask_one(app: App, args: argparse.Namespace, text: str) -> None:
    from bot import app as wiring

    started = time.perf_counter()
    outcome, shown = wiring.ask(app, args.user, text)
    elapsed = (time.perf_counter() - started) * 1000
    if not args.json:
        print(shown, end="\n\n", flush=True)
        return
    record = {
        "user": args.user,
        "text": text,
        "intent": outcome.intent,
        "confidence": None if outcome.confidence is None else round(outcome.confidence, 3),
        "answer_id": outcome.answer_id,
        "reply": outcome.text,
        "suggestions": [{"id": o.value, "question": o.label} for o in outcome.suggestions],
        "elapsed_ms": round(elapsed, 2),
    }
    print(json.dumps(record, ensure_ascii=False), flush=True)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot import app as wiring

    return wiring.serve(settings, sys.stdout, workers=args.workers)


def _reminders_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot import app as wiring

    jobs = wiring.planned_reminders(wiring.open_database(settings))
    for job in jobs:
        if args.json:
            print(json.dumps(job, ensure_ascii=False))
        else:
            print(f"{job['due']}  活动#{job['activity']}  提前 {job['offset_minutes']:g} 分钟")
    if not jobs and not args.json:
        print("没有排好的提醒。")
    return 0


def _inbox(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from bot.outbox import notices
    from bot.tables import open_database

    engine = open_database(settings)
    with Session(engine) as session:
        rows = notices.delivered(session, "console", args.user)
    for row in rows:
        texts = [str(r["text"]) for r in row.payload.get("replies", [])]
        if args.json:
            record = {
                "id": row.id,
                "kind": row.kind,
                "sent_at": str(row.sent_at),
                "text": "\n".join(texts),
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"[{row.kind}] " + "\n".join(texts), end="\n\n")
    return 0
