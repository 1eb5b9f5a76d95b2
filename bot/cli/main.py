"""The `linli` command line: the contract scripts and tests rely on (see DESIGN.md)."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot import logs
from bot.app import App, build_app, open_database
from bot.channels import console
from bot.cli.activities import add_commands as add_activity_commands
from bot.cli.announcements import add_commands as add_push_commands
from bot.cli.args import whole
from bot.cli.db import add_commands as add_db_commands
from bot.cli.evaluation import calibrate, evaluate, read_labelled
from bot.cli.people import add_commands as add_role_commands
from bot.cli.shifts import add_commands as add_shift_commands
from bot.cli.wechat import add_commands as add_wechat_commands
from bot.clock import utcnow
from bot.config import Settings, load_settings
from bot.errors import ConfigError, UserFacingError
from bot.kb.models import UnansweredQuestion
from bot.kb.store import (
    calibration_path,
    import_files,
    seed_demo,
    stored_communities,
    stored_entries,
)
from knowledge.entry import Entry
from knowledge.loader import KnowledgeError, load_files, load_rewrites_table
from knowledge.normalize import Rewrites, normalize

logger = logging.getLogger(__name__)


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
    return command


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
    add_wechat_commands(commands)

    chat = commands.add_parser("chat", help="在终端里以居民身份和小助手聊天")
    chat.add_argument("--user", default="resident", help="居民标识（默认 resident）")
    chat.set_defaults(run=_chat)

    ask = commands.add_parser("ask", help="问一句（或从标准输入每行一句）")
    ask.add_argument("--json", action="store_true", help="每条消息输出一行 JSON")
    ask.add_argument("--user", default="resident", help="居民标识（默认 resident）")
    ask.add_argument("text", nargs="*", help="要问的话；不写则逐行读标准输入")
    ask.set_defaults(run=_ask)

    kb = commands.add_parser("kb", help="知识库：导入、导出、检查、评测").add_subparsers(
        required=True, metavar="KB_COMMAND"
    )
    kb_import = kb.add_parser("import", help="导入知识文件（YAML/CSV），全部成功才写入")
    kb_import.add_argument("files", nargs="+", type=Path)
    kb_import.add_argument("--replace", action="store_true", help="先清空现有知识，只留这些文件的")
    kb_import.set_defaults(run=_kb_import)
    kb_export = kb.add_parser("export", help="导出知识库")
    kb_export.add_argument("--format", choices=["jsonl"], default="jsonl")
    kb_export.set_defaults(run=_kb_export)
    kb_check = kb.add_parser("check", help="检查知识库（或给定文件），有问题时退出码非 0")
    kb_check.add_argument("files", nargs="*", type=Path)
    kb_check.set_defaults(run=_kb_check)
    kb_eval = kb.add_parser("eval", help="用标注好的问题文件（JSONL）评测回答质量")
    kb_eval.add_argument("file", type=Path)
    kb_eval.add_argument("--json", action="store_true", help="输出 JSON 报告")
    kb_eval.set_defaults(run=_kb_eval)

    kb_calibrate = kb.add_parser("calibrate", help="用标注好的问题文件重新拟合置信度模型")
    kb_calibrate.add_argument("file", type=Path)
    kb_calibrate.add_argument(
        "--write", type=Path, help="写到哪里（默认数据目录下的 calibration.json）"
    )
    kb_calibrate.set_defaults(run=_kb_calibrate)

    serve = commands.add_parser(
        "serve", help="后台服务：微信和 Telegram 的消息接口、定时提醒、消息投递"
    )
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

    unanswered = commands.add_parser("unanswered", help="工作人员：还没答上的问题和找人工的请求")
    unanswered.add_argument("--json", action="store_true")
    unanswered.add_argument("--limit", type=whole(1, 10_000), default=50)
    unanswered.set_defaults(run=_unanswered)
    return parser


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    app = build_app(settings, utcnow)
    tty = sys.stdin.isatty()
    lines = _prompted_lines() if tty else iter(sys.stdin)
    return console.chat(app.dispatcher, args.user, lines, sys.stdout, tty)


def _prompted_lines() -> Iterator[str]:
    while True:
        try:
            yield input(console.PROMPT)
        except (EOFError, KeyboardInterrupt):
            print()
            return


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    app = build_app(settings, utcnow)
    texts = [" ".join(args.text)] if args.text else (line.rstrip("\r\n") for line in sys.stdin)
    for text in texts:
        _ask_one(app, args, text)
    return 0


def _ask_one(app: App, args: argparse.Namespace, text: str) -> None:
    started = time.perf_counter()
    outcome = app.dispatcher.handle(console.incoming(args.user, text))
    elapsed = (time.perf_counter() - started) * 1000
    if not args.json:
        print(console.render(outcome), end="\n\n", flush=True)
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


def _kb_import(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    today = utcnow().astimezone(settings.zone).date()
    if settings.knowledge.load_demo and not args.replace:
        seed_demo(engine, today)  # a first import extends the demo base, as a first start would
    try:
        loaded = import_files(engine, args.files, today, replace=args.replace)
    except KnowledgeError as exc:
        _print_problems(exc)
        print("没有导入任何内容。", file=sys.stderr)
        return 1
    action = "替换为" if args.replace else "导入"
    print(f"已{action} {len(loaded.entries)} 条知识、{len(loaded.communities)} 个社区。")
    return 0


def _kb_export(args: argparse.Namespace, settings: Settings) -> int:
    app = build_app(settings, utcnow)
    with Session(app.engine) as session:
        for entry in stored_entries(session):
            record = {
                "id": entry.id,
                "category": entry.category,
                "community": entry.community,
                "questions": list(entry.questions),
                "keywords": list(entry.keywords),
                "answer": entry.answer,
                "source": entry.source,
                "updated_at": entry.updated_at.isoformat() if entry.updated_at else None,
            }
            print(json.dumps(record, ensure_ascii=False))
    return 0


def _kb_check(args: argparse.Namespace, settings: Settings) -> int:
    if args.files:
        engine = open_database(settings)
        with Session(engine) as session:
            known = [c.id for c in stored_communities(session)]
        try:
            loaded = load_files(args.files, known_communities=known)
        except KnowledgeError as exc:
            _print_problems(exc)
            return 1
        entries = loaded.entries
    else:
        app = build_app(settings, utcnow)
        with Session(app.engine) as session:
            entries = stored_entries(session)
    problems = _shared_questions(entries)
    for problem in problems:
        print(problem, file=sys.stderr)
    verdict = f"有 {len(problems)} 个问题" if problems else "没有问题"
    print(f"检查了 {len(entries)} 条知识：{verdict}。")
    return 1 if problems else 0


def _shared_questions(entries: Sequence[Entry]) -> list[str]:
    """Questions two entries share once normalised the way the matcher reads them."""
    rewrites = Rewrites(load_rewrites_table())
    owner: dict[str, str] = {}
    problems = []
    for entry in entries:
        for question in entry.questions:
            key = normalize(question, rewrites)
            if key in owner and owner[key] != entry.id:
                problems.append(f"{entry.id}: 问法“{question}”和 {owner[key]} 的一样，会答不准")
            owner.setdefault(key, entry.id)
    return problems


def _kb_eval(args: argparse.Namespace, settings: Settings) -> int:
    app = build_app(settings, utcnow)
    try:
        items = read_labelled(args.file)
        report = evaluate(app.matcher, settings, items)
    except (OSError, ValueError) as exc:
        print(f"无法评测：{exc}", file=sys.stderr)
        return 1
    rates = report.rates()
    if args.json:
        print(json.dumps({"rates": rates, "misses": report.misses}, ensure_ascii=False, indent=1))
        return 0
    print(
        f"questions: {report.total} (answerable {report.answerable}, "
        f"out of scope {report.out_of_scope}, intents {report.intents})"
    )
    for name, value in rates.items():
        print(f"{name:>22}: {value:6.1%}")
    print(f"misses ({len(report.misses)}):")
    for miss in report.misses:
        print(
            f"  line {miss['line']}: {miss['text']!r} expect={miss['expect']} "
            f"got={miss['got']} conf={miss['confidence']} sugg={miss['suggestions']}"
        )
    return 0


def _kb_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    app = build_app(settings, utcnow)
    try:
        items = read_labelled(args.file)
    except (OSError, ValueError) as exc:
        print(f"无法拟合：{exc}", file=sys.stderr)
        return 1
    calibration = calibrate(app.matcher, items)
    target = args.write or calibration_path(settings)
    calibration.save(target)
    print(f"已写入 {target}")
    app.matcher.calibration = calibration
    report = evaluate(app.matcher, settings, items)
    for name, value in report.rates().items():
        print(f"{name:>22}: {value:6.1%}")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    # The server's modules load only for `serve`: `linli ask` must start fast.
    import uvicorn

    from bot.channels import telegram
    from bot.channels.web import create_web_app
    from scheduler.service import SchedulerService

    app = build_app(settings, utcnow)
    stop = threading.Event()
    service = SchedulerService(app.engine, settings, utcnow)
    worker = threading.Thread(target=service.run, args=(stop,), name="scheduler", daemon=True)
    worker.start()
    if settings.telegram.enabled and settings.telegram.mode == "polling":
        args_ = (settings.telegram, app.dispatcher, stop)
        threading.Thread(target=telegram.poll, args=args_, name="telegram", daemon=True).start()
    host, port = settings.server.host, settings.server.port
    channels = "微信" if settings.wechat.enabled else "（未启用微信）"
    print(f"linli serve：http://{host}:{port} {channels}，按 Ctrl+C 停止。", flush=True)
    web = uvicorn.Config(
        create_web_app(app),
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        log_config=None,  # uvicorn logs through ours: redacted like every other line
    )
    # uvicorn returns on SIGINT / SIGTERM and then raises the signal again for the handler
    # that was there before: make that one just stop us, so the scheduler can finish the
    # messages in flight and hand the lease over instead of dying mid-send
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _sig, _frame: stop.set())
    uvicorn.Server(web).run()
    stop.set()
    worker.join(timeout=30)
    return 0


def _reminders_list(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.service import upcoming_reminders

    jobs = upcoming_reminders(open_database(settings))
    for job in jobs:
        if args.json:
            print(json.dumps(job, ensure_ascii=False))
        else:
            print(f"{job['due']}  报名#{job['registration']}  提前 {job['offset_minutes']:g} 分钟")
    if not jobs and not args.json:
        print("没有排好的提醒。")
    return 0


def _inbox(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    with Session(engine) as session:
        rows = console.delivered(session, args.user)
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


def _unanswered(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_database(settings)
    with Session(engine) as session:
        statement = (
            select(UnansweredQuestion)
            .where(UnansweredQuestion.resolved_at.is_(None))  # type: ignore[union-attr]
            .order_by(UnansweredQuestion.id.desc())  # type: ignore[union-attr]
            .limit(args.limit)
        )
        rows = session.exec(statement).all()
    for row in rows:
        if args.json:
            record = {
                "id": row.id,
                "kind": row.kind,
                "channel": row.channel,
                "user_id": row.user_id,
                "text": row.text,
                "best_entry_id": row.best_entry_id,
                "confidence": row.confidence,
                "created_at": row.created_at.isoformat(),
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            when = f"{row.created_at:%Y-%m-%d %H:%M}"
            print(f"#{row.id} [{row.kind}] {when} 用户{row.user_id}：{row.text}")
    if not rows and not args.json:
        print("没有待处理的问题。")
    return 0


def _print_problems(exc: KnowledgeError) -> None:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
