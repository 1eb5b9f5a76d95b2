"""`linli kb ...` (import, export, remove, check, evaluate and calibrate the knowledge base)
and `linli unanswered` (what Linli could not answer, and requests for a person)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli.args import whole
from bot.cli.desk import Subcommands
from bot.clock import utcnow
from bot.config import Settings
from bot.kb.models import UnansweredQuestion
from bot.kb.store import (
    Imported,
    WouldOverwrite,
    build_matcher,
    calibration_path,
    exported,
    import_files,
    remove_entries,
    seed_demo,
    stored_communities,
    stored_entries,
)
from bot.tables import open_database
from knowledge.entry import Entry
from knowledge.loader import KnowledgeError, load_files, load_rewrites_table

if TYPE_CHECKING:
    from knowledge.fitting import Fitted
    from knowledge.matcher import Thresholds

# The wiring (the matcher, every intent), the evaluation and the normalisation (zhconv) load
# in the commands that use them: `linli --help` and every other command's start go without.

_LIVE = Path()  # `--write` without a path: the calibration the app uses
_SHOWN = 60  # characters of an answer shown when an import would change it


def add_commands(commands: Subcommands) -> None:
    """Add `kb import|export|remove|check|eval|calibrate` and `unanswered` to `linli`."""
    kb = commands.add_parser("kb", help="知识库：导入、导出、检查、评测").add_subparsers(
        required=True, metavar="KB_COMMAND"
    )
    kb_import = kb.add_parser("import", help="导入知识文件（YAML/CSV/JSONL），全部成功才写入")
    kb_import.add_argument("files", nargs="+", type=Path)
    kb_import.add_argument("--replace", action="store_true", help="先清空现有知识，只留这些文件的")
    kb_import.add_argument("--yes", action="store_true", help="覆盖编号相同、内容不同的已有知识")
    kb_import.set_defaults(run=_kb_import)
    kb_remove = kb.add_parser("remove", help="删除一条（或几条）知识")
    kb_remove.add_argument("ids", nargs="+", metavar="ID")
    kb_remove.set_defaults(run=_kb_remove)
    kb_export = kb.add_parser("export", help="导出知识库")
    kb_export.add_argument("--format", choices=["jsonl"], default="jsonl")
    kb_export.set_defaults(run=_kb_export)
    kb_check = kb.add_parser("check", help="检查知识库（或给定文件），有问题时退出码非 0")
    kb_check.add_argument("files", nargs="*", type=Path)
    kb_check.set_defaults(run=_kb_check)
    kb_eval = kb.add_parser("eval", help="用标注好的问题文件（JSONL）评测回答质量")
    kb_eval.add_argument("file", type=Path)
    kb_eval.add_argument("--json", action="store_true", help="输出 JSON 报告")
    kb_eval.add_argument(
        "--by-kind", action="store_true",
        help="盲测集（text, kind, expect, holdout）：按类别统计对/澄清/兜底/错，留出部分单独报",
    )  # fmt: skip
    kb_eval.set_defaults(run=_kb_eval)

    kb_calibrate = kb.add_parser("calibrate", help="用标注好的问题文件重新拟合置信度模型")
    kb_calibrate.add_argument("file", type=Path)
    kb_calibrate.add_argument(
        "--write", type=Path, nargs="?", const=_LIVE, metavar="PATH",
        help="写入并启用（不写 PATH：[knowledge] calibration，或数据目录下的 calibration.json）；"
        "不加只报告，不写入",
    )  # fmt: skip
    kb_calibrate.add_argument("--folds", type=whole(2, 20), default=5, help="交叉验证的折数")
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
    say(f"正在读取并检查 {len(args.files)} 个文件……")
    try:
        done = import_files(engine, args.files, today, replace=args.replace, overwrite=args.yes)
    except KnowledgeError as exc:
        _print_problems(exc)
        print(f"共 {len(exc.problems)} 个问题，没有导入任何内容。", file=sys.stderr)
        return 1
    except WouldOverwrite as exc:
        _print_overwrites(exc)
        return 1
    _print_imported(done, args.replace)
    _warm(engine, settings)
    return 0


def _warm(engine: Engine, settings: Settings) -> None:
    """Build the new base's search index now, with word of it, so the first question after
    a large import is not the one that waits (the index is cached in the data directory)."""
    with Session(engine) as session:
        entries = stored_entries(session)
    say(f"正在为 {len(entries)} 条知识建检索索引，建好后问答就不用等了……")
    started = time.monotonic()
    build_matcher(entries, settings)
    say(f"检索索引建好了，用时 {time.monotonic() - started:.0f} 秒。")


def say(text: str) -> None:
    """A progress line: on stderr, so what a script reads from stdout stays the result."""
    print(text, file=sys.stderr, flush=True)


def _print_overwrites(exc: WouldOverwrite) -> None:
    print(f"这 {len(exc.changed)} 条知识已经有了，内容不一样：", file=sys.stderr)
    for old in exc.changed:
        new = exc.incoming[old.id]
        print(f"  {old.id}：{old.question}", file=sys.stderr)
        if new.question != old.question:
            print(f"    问题改为：{new.question}", file=sys.stderr)
        if new.answer != old.answer:
            print(f"    原答案：{old.answer[:_SHOWN]}", file=sys.stderr)
            print(f"    新答案：{new.answer[:_SHOWN]}", file=sys.stderr)
    print("没有导入任何内容。确认要覆盖，请加 --yes 再导入一次。", file=sys.stderr)


def _print_imported(done: Imported, replace: bool) -> None:
    loaded = done.loaded
    action = "替换为" if replace else "导入"
    print(
        f"已{action} {len(loaded.entries)} 条知识、{len(loaded.communities)} 个社区"
        f"（新增 {len(done.added)}，更新 {len(done.changed)}，删除 {len(done.removed)}）。"
    )
    for old in done.changed:
        print(f"  更新：{old.id}（{old.question}）")
    for entry_id in done.removed:
        print(f"  删除：{entry_id}")


def _kb_remove(args: argparse.Namespace, settings: Settings) -> int:
    gone = remove_entries(open_database(settings), args.ids)  # a refusal: main says it
    for entry in gone:
        print(f"已删除 {entry.id}（{entry.question}）")
    return 0


def _kb_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app

    app = build_app(settings, utcnow)
    with Session(app.engine) as session:
        entries = stored_entries(session)
    try:
        for entry in entries:
            print(json.dumps(exported(entry), ensure_ascii=False), flush=False)
        sys.stdout.flush()
    except BrokenPipeError:
        # `linli kb export | head`: the reader has what it wanted; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


def _kb_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app

    if args.files:
        engine = open_database(settings)
        with Session(engine) as session:
            known = [c.id for c in stored_communities(session)]
        try:
            loaded = load_files(args.files, known_communities=known)
        except KnowledgeError as exc:
            _print_problems(exc)
            print(f"检查没有通过：共 {len(exc.problems)} 个问题。", file=sys.stderr)
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
    from knowledge.normalize import Rewrites, normalize  # zhconv: only `kb check` needs it

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
    from bot.app import build_app
    from bot.cli.evaluation import evaluate, read_labelled

    if args.by_kind:
        return _kb_eval_by_kind(args, settings)
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


def _kb_eval_by_kind(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app
    from bot.cli.evaluation import evaluate_by_kind
    from bot.cli.scoring import by_kind, headline, parts, read_lines, table

    app = build_app(settings, utcnow)
    try:
        lines = read_lines(args.file)
    except (OSError, ValueError) as exc:
        print(f"无法评测：{exc}", file=sys.stderr)
        return 1
    split = parts(evaluate_by_kind(app, settings, lines))
    if args.json:
        report = {name: {"rates": headline(part), "by_kind": by_kind(part)}
                  for name, part in split.items()}  # fmt: skip
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    for name, part in split.items():
        print("\n".join(table(name, part)), end="\n\n")
    return 0


def _kb_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app
    from bot.cli.evaluation import matched, read_labelled
    from knowledge.fitting import fit_all

    app = build_app(settings, utcnow)
    try:
        items = matched(read_labelled(args.file))
    except (OSError, ValueError) as exc:
        print(f"无法拟合：{exc}", file=sys.stderr)
        return 1
    fitted = fit_all(app.matcher, items, folds=args.folds)
    _print_fitted(fitted, app.matcher.thresholds)
    if args.write is None:
        print("只是试算，没有写入。要启用，请加 --write"
              "（写到 [knowledge] calibration，或数据目录的 calibration.json）。")  # fmt: skip
        return 0
    target = calibration_path(settings) if args.write == _LIVE else args.write
    fitted.calibration.save(target)
    print(f"已写入 {target}")
    if target.resolve() != calibration_path(settings).resolve():
        print(f'要让 Linli 用它，请在 config.toml 的 [knowledge] 里写 calibration = "{target}"')
    return 0


def _print_fitted(fitted: Fitted, current: Thresholds) -> None:
    from knowledge.fitting import MIN_OUT_OF_SCOPE

    held = fitted.held_out
    print(f"{held.questions} 个问题，{fitted.folds} 折交叉验证："
          "每折用其余问题拟合，在没见过的这一折上计分")  # fmt: skip
    for name in ("top1", "top1_or_clarify", "out_of_scope_fallback", "confidently_wrong"):
        print(f"{name:>22}: {getattr(held, name):6.1%}")
    print(f"{'balanced':>22}: {held.balanced:6.1%}")
    calibration = fitted.calibration
    if fitted.thresholds_fitted:
        print(f"阈值（拟合）：回答 ≥ {calibration.answer}，给选项 ≥ {calibration.clarify}")
    else:
        print(f"库外问题少于 {MIN_OUT_OF_SCOPE} 个，阈值没有拟合，沿用回答 ≥ {current.answer}、"
              f"给选项 ≥ {current.clarify}")  # fmt: skip


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
