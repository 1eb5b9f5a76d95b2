"""What a report says in words: numbers as staff read them, and the summary (numbers only,
no judgement: the 社工 adds their own remarks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.reports.build import Report, Row

NOTHING = "本期（{label}）没有活动、志愿服务、咨询、通知和工单的记录。"
REMARKS = "社工意见："
NONE_ASKED = "本期没有。"
NO_VALUE = "—"


def number(value: float | None, unit: str = "") -> str:
    """12 -> '12', 12.5 -> '12.5', 85.0 with '%' -> '85%', None -> '—'."""
    if value is None:
        return NO_VALUE
    shown = str(int(value)) if value == int(value) else f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{shown}%" if unit == "%" else shown


def change(row: Row) -> str:
    """'+3', '-1.5', '0', or '—' when either side is not known."""
    if row.now is None or row.before is None:
        return NO_VALUE
    difference = round(row.now - row.before, 2)
    return ("+" if difference > 0 else "") + number(difference)


def summary(report: Report) -> list[str]:
    """One sentence per section: this period's figures, the previous period's in brackets."""
    if report.empty:
        return [NOTHING.format(label=report.period.label)]
    return [
        f"{name}：" + "，".join(_said(row) for row in rows) + "。"
        for name, rows in report.sections.items()
    ]


def _said(row: Row) -> str:
    """'举办活动 24 场（上期 28 场）', '到场率 66.7%（上期 —）', '满意率暂无评价数据'."""
    if row.now is None and row.before is None and row.figure.absent != NO_VALUE:
        return f"{row.figure.label}{row.figure.absent}"
    return f"{row.figure.label} {_with_unit(row.now, row)}（上期 {_with_unit(row.before, row)}）"


def shown(value: float | None, row: Row) -> str:
    """A figure's value as a table shows it: '85%', '12', or what stands for not known."""
    return row.figure.absent if value is None else number(value, row.figure.unit)


def _with_unit(value: float | None, row: Row) -> str:
    unit = row.figure.unit
    if value is None:
        return row.figure.absent
    if unit == "%":
        return number(value, unit)
    return f"{number(value)} {unit}"
