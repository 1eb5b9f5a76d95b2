"""The report as an Excel workbook (.xlsx): the summary, one sheet per section with the
previous period beside this one and a native Excel bar chart, and a sheet per community."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from bot.reports import messages
from bot.reports.build import (
    BY_CATEGORY,
    ORDERS,
    Report,
    Row,
    category_labels,
    per_community_labels,
)
from bot.spreadsheets import inert

COLUMNS = ("指标", "本期", "上期", "变化", "单位")
SUMMARY = "概要"
COMMUNITIES = "各社区"
CATEGORIES = "工单分类"
ASKED = "常见问题"
FONT = "宋体"


def write_xlsx(report: Report, path: Path) -> Path:
    """Write the report to `path` (.xlsx) and return it."""
    book = Workbook()
    summary = book.worksheets[0]
    summary.title = SUMMARY
    remarks = [(line,) for line in report.remarks.splitlines()]
    lines = [(report.title,), (), *((s,) for s in report.summary), (), (messages.REMARKS,)]
    _rows(summary, [*lines, *remarks])
    summary.column_dimensions["A"].width = 100
    for name, rows in report.sections.items():
        sheet = book.create_sheet(name)
        counts = [row for row in rows if row.is_count]  # first: the chart reads them
        others = [row for row in rows if not row.is_count]
        _rows(sheet, [COLUMNS, *(_cells(row) for row in [*counts, *others])])
        _widths(sheet)
        _chart(sheet, name, len(counts))
    if report.categories:
        sheet = book.create_sheet(CATEGORIES)
        _rows(sheet, [("类别", *category_labels()), *_category_lines(report)])
        _widths(sheet)
    _asked(book.create_sheet(ASKED), report)
    if report.communities:
        sheet = book.create_sheet(COMMUNITIES)
        _rows(sheet, [("社区", *per_community_labels()), *_community_lines(report)])
        _widths(sheet)
    book.save(path)
    return path


def _cells(row: Row) -> tuple[object, ...]:
    """Numbers stay numbers (Excel sums and charts them); the change is text ('+3')."""
    now = row.figure.absent if row.now is None else row.now
    before = row.figure.absent if row.before is None else row.before
    return (row.figure.label, now, before, messages.change(row), row.figure.unit)


def _category_lines(report: Report) -> list[tuple[object, ...]]:
    """Numbers stay numbers; a figure not known shows what stands for it (暂无评价数据)."""
    rows = {row.figure.key: row for row in report.sections[ORDERS]}
    absent = [rows[k].figure.absent for k in BY_CATEGORY]
    return [
        (name, *(a if v is None else v for a, v in zip(absent, values, strict=True)))
        for name, values in report.categories
    ]


def _community_lines(report: Report) -> list[tuple[object, ...]]:
    return [(inert(name), *values) for name, values in report.communities]


def _asked(sheet: Worksheet, report: Report) -> None:
    """Each list of the most asked under its bold heading, a blank row between."""
    for name, asked in report.tops.items():
        sheet.append([name, "次数"])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(name=FONT, bold=True)
        for text, count in asked:
            sheet.append([inert(text), count])
        sheet.append([])
    sheet.column_dimensions["A"].width = 60


def _rows(sheet: Worksheet, rows: list[tuple[object, ...]]) -> None:
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(name=FONT, bold=True)


def _widths(sheet: Worksheet) -> None:
    sheet.column_dimensions["A"].width = 24
    for column in "BCDEF":
        sheet.column_dimensions[column].width = 16


def _chart(sheet: Worksheet, name: str, count: int) -> None:
    """A clustered bar chart of the first `count` figures: this period (column B) beside
    the previous one (column C)."""
    chart = BarChart()
    chart.type = "col"
    chart.title = f"{name}：本期与上期"
    data = Reference(sheet, min_col=2, max_col=3, min_row=1, max_row=count + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=count + 1))
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, "G2")
