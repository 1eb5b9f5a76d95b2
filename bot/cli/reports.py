"""`linli report make`: the "四个一" reports (half-month, month, quarter, year) of a
community or the district, written as Word and Excel files."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from bot.activities.sheets import community_id
from bot.cli.desk import Desk, Subcommands, json_flag, subcommand
from bot.reports.build import Report, make_report, write_files
from bot.reports.periods import KINDS, last_finished, period_of

EMPTY = "这一期没有任何记录，报告里已写明。"


def add_commands(commands: Subcommands) -> None:
    """Add `report make` to `linli`."""
    report = commands.add_parser("report", help="工作人员：半月、月度、季度、年度工作报告")
    sub = report.add_subparsers(required=True, metavar="REPORT_COMMAND")
    make = json_flag(subcommand(sub, "make", "生成一份报告（Word 和 Excel 文件）", _make))
    make.add_argument("--kind", required=True, choices=list(KINDS), help="报告类型")
    make.add_argument("--community", help="社区编号或名称；不写为全区")
    make.add_argument(
        "--period", type=_day, help="时段里的任意一天，如 2026-11-01；不写为最近结束的一期"
    )
    make.add_argument("--out", type=Path, required=True, help="文件写到哪个文件夹")


def _make(args: argparse.Namespace, desk: Desk) -> str:
    community = None if not args.community else community_id(args.community, desk.communities)
    if args.period is None:
        period = last_finished(args.kind, desk.now, desk.zone)
    else:
        period = period_of(args.kind, args.period)
    report = make_report(desk.session, period, community, desk.now, desk.zone)
    files = write_files(report, args.out)
    if args.json:
        return json.dumps(_as_json(report, files), ensure_ascii=False)
    lines = [f"已生成：{report.title}", *map(str, files)]
    return "\n".join([*lines, EMPTY] if report.empty else lines)


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
        "files": [str(path) for path in files],
    }


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期要写成 2026-11-01 这样，现在是“{text}”") from None
