"""`linli report make | list | demo`: the "四个一" reports (half-month, month, quarter,
year) of a community or the district, written as Word and Excel files; the reports the
scheduler made and stored; demo activity to report on."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from bot.activities.sheets import community_id
from bot.cli import demo
from bot.cli.args import day
from bot.cli.desk import Desk, Subcommands, json_flag, subcommand
from bot.orders.categories import load_categories
from bot.reports.periods import KINDS, last_finished, period_of

if TYPE_CHECKING:
    from bot.reports.build import Report

EMPTY = "这一期没有任何记录，报告里已写明。"
NONE_MADE = "还没有自动生成的报告（[reports] kinds 里的报告在每期结束后的第一天早上生成）。"


def add_commands(commands: Subcommands) -> None:
    """Add `report make`, `report list` and `report demo` to `linli`."""
    report = commands.add_parser("report", help="工作人员：半月、月度、季度、年度工作报告")
    sub = report.add_subparsers(required=True, metavar="REPORT_COMMAND")
    make = json_flag(subcommand(sub, "make", "生成一份报告（Word 和 Excel 文件）", _make))
    make.add_argument("--kind", required=True, choices=list(KINDS), help="报告类型")
    make.add_argument("--community", help="社区编号或名称；不写为全区")
    make.add_argument(
        "--period", type=day, help="时段里的任意一天，如 2026-11-01；不写为最近结束的一期"
    )
    make.add_argument("--out", type=Path, required=True, help="文件写到哪个文件夹")
    json_flag(subcommand(sub, "list", "列出已自动生成并保存的报告", _list))
    demo.add_commands(sub)


def _make(args: argparse.Namespace, desk: Desk) -> str:
    # the figures and the Word and Excel writers load only to make or list reports
    from bot.reports.build import make_report, write_files

    community = None if not args.community else community_id(args.community, desk.communities)
    if args.period is None:
        period = last_finished(args.kind, desk.now, desk.zone)
    else:
        period = period_of(args.kind, args.period)
    categories = load_categories(desk.settings.orders.categories)
    report = make_report(desk.session, period, community, desk.now, desk.zone, categories)
    files = write_files(report, args.out)
    if args.json:
        return json.dumps(_as_json(report, files), ensure_ascii=False)
    lines = [f"已生成：{report.title}", *map(str, files)]
    return "\n".join([*lines, EMPTY] if report.empty else lines)


def _list(args: argparse.Namespace, desk: Desk) -> str:
    from bot.reports.store import folder_of, made

    rows = made(desk.session)
    folder = folder_of(desk.settings.home)
    if args.json:
        listed = [
            {
                "id": row.id, "kind": row.kind, "first": str(row.first), "last": str(row.last),
                "community": row.community_id or None, "title": row.title, "empty": row.empty,
                "made_at": row.made_at.isoformat(),
                "files": [str(folder / name) for name in row.files],
            }
            for row in rows
        ]  # fmt: skip
        return json.dumps(listed, ensure_ascii=False)
    if not rows:
        return NONE_MADE
    return "\n".join(
        f"{row.id}  {row.title}  生成于 {row.made_at.astimezone(desk.zone):%Y-%m-%d %H:%M}  "
        + "、".join(str(folder / name) for name in row.files)
        for row in rows
    )


def _as_json(report: Report, files: list[Path]) -> dict[str, object]:
    return {
        "kind": report.period.kind,
        "period": {"first": str(report.period.first), "last": str(report.period.last)},
        "label": report.period.label,
        "community": report.community,
        "empty": report.empty,
        "figures": {
            row.figure.key: {"now": row.now, "before": row.before}
            for rows in report.sections.values()
            for row in rows
        },
        "categories": {name: values for name, values in report.categories},
        "files": [str(path) for path in files],
    }
