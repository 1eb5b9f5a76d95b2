"""`linli kb ...` (import, export, check, evaluate and calibrate the knowledge base) and
`linli unanswered` (what Linli could not answer, and requests for a person)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session, select

from bot.app import build_app, open_database
from bot.cli.args import whole
from bot.cli.desk import Subcommands
from bot.cli.evaluation import calibrate, evaluate, read_labelled
from bot.clock import utcnow
from bot.config import Settings
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


def add_commands(commands: Subcommands) -> None:
    """Add `kb import|export|check|eval|calibrate` and `unanswered` to `linli`."""
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

    unanswered = commands.add_parser("unanswered", help="工作人员：还没答上的问题和找人工的请求")
    unanswered.add_argument("--json", action="store_true")
    unanswered.add_argument("--limit", type=whole(1, 10_000), default=50)
    unanswered.set_defaults(run=_unanswered)


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
