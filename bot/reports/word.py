"""The report as a Word document (.docx): headings, the summary, a table per section with
the previous period beside this one, charts as images, and room for the 社工's remarks.
Every run names an East-Asian font, so Word shows the Chinese in it rather than guessing."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.document import Document as Doc
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.run import Run

from bot.reports import charts, messages, work_orders
from bot.reports.build import (
    BY_CATEGORY,
    ORDERS,
    Report,
    Row,
    category_labels,
    per_community_labels,
)

BODY_FONT = "宋体"  # SimSun: what Chinese government documents' body text is set in
HEADING_FONT = "黑体"  # SimHei
LATIN_FONT = "Times New Roman"
COLUMNS = ("指标", "本期", "上期", "变化", "单位")
CHARTED = ("活动", "咨询", "工单")  # sections whose counts get a chart


def write_docx(report: Report, path: Path) -> Path:
    """Write the report to `path` (.docx) and return it."""
    document = Document()
    _fonts(document)
    _heading(document, report.title, 0)
    _paragraph(document, _period_line(report))
    _heading(document, "一、概要", 1)
    for sentence in report.summary:
        _paragraph(document, sentence)
    for number, (name, rows) in enumerate(report.sections.items(), start=2):
        _heading(document, f"{_ORDINALS[number]}、{name}", 1)
        _table(document, COLUMNS, [_cells(row) for row in rows])
        if name in CHARTED and not report.empty:
            _picture(document, charted(report, name))
        if name == ORDERS and report.categories:
            _by_category(document, report)
    number = len(report.sections) + 2
    _heading(document, f"{_ORDINALS[number]}、常见问题", 1)
    _most_asked(document, report)
    if report.communities:
        _heading(document, f"{_ORDINALS[number + 1]}、各社区", 1)
        _communities(document, report)
    _heading(document, messages.REMARKS, 1)
    lines = report.remarks.splitlines() if report.remarks.strip() else [""] * 4
    for line in lines:  # the 社工's words, or blank lines to write them in
        _paragraph(document, line)
    document.save(str(path))
    return path


def _most_asked(document: Doc, report: Report) -> None:
    for name, asked in report.tops.items():
        _heading(document, name, 2)
        if asked:
            _table(document, ("问题", "次数"), [(text, str(n)) for text, n in asked])
        else:
            _paragraph(document, messages.NONE_ASKED)


def _communities(document: Doc, report: Report) -> None:
    header = ("社区", *per_community_labels())
    lines = [(name, *map(messages.number, values)) for name, values in report.communities]
    _table(document, header, lines)
    if not report.empty:
        _picture(document, _community_chart(report))


def chart_images(report: Report) -> list[bytes]:
    """Every chart the document holds, in its order (PNG)."""
    if report.empty:
        return []
    shown = [charted(report, name) for name in report.sections if name in CHARTED]
    return [*shown, _community_chart(report)] if report.communities else shown


def _community_chart(report: Report) -> bytes:
    return charts.by_community(report, 0, "各社区举办活动（场）")


def _by_category(document: Doc, report: Report) -> None:
    """The table by category; without a single rating the 满意率 column goes, and a line
    says so instead (seven cells of 暂无评价数据 say nothing more)."""
    _heading(document, "按类别", 2)
    header, lines = ("类别", *category_labels()), by_category(report)
    if all(values[-1] is None for _, values in report.categories):
        header, lines = header[:-1], [line[:-1] for line in lines]
        _paragraph(document, f"满意率：{work_orders.NO_RATINGS}（工单还没有居民评价）。")
    _table(document, header, lines)


def by_category(report: Report) -> list[tuple[str, ...]]:
    """The work orders' lines by category, as shown (满意率 may be 暂无评价数据)."""
    rows = {row.figure.key: row for row in report.sections[ORDERS]}
    return [
        (name, *(messages.shown(v, rows[k]) for k, v in zip(BY_CATEGORY, values, strict=True)))
        for name, values in report.categories
    ]


def charted(report: Report, section: str) -> bytes:
    """The chart of a section's counts, this period beside the previous one (PNG)."""
    rows = [row for row in report.sections[section] if row.is_count]
    title = f"{section}：本期与上期"
    return charts.compare(title, rows, report.period.label, report.previous.label)


_ORDINALS = "零一二三四五六七八九十"


def _period_line(report: Report) -> str:
    first, last = report.period.first, report.period.last
    made = report.made_at.strftime("%Y-%m-%d")
    before = report.previous.label
    return f"统计时段：{first:%Y-%m-%d} 至 {last:%Y-%m-%d}（上期：{before}）。生成日期：{made}。"


def _fonts(document: Doc) -> None:
    """Body and heading styles in Chinese fonts (the East-Asian slot is what Word uses for
    hanzi; the theme's East-Asian font would override it, so it goes)."""
    names = ["Normal", "Title", "Heading 1", "Heading 2", "Table Grid"]
    for name in names:
        style = document.styles[name]
        east = BODY_FONT if name in ("Normal", "Table Grid") else HEADING_FONT
        _east_asian(style.element.get_or_add_rPr(), east)
    document.styles["Normal"].font.size = Pt(11)


def _east_asian(properties: object, font: str) -> None:
    fonts = properties.get_or_add_rFonts()  # type: ignore[attr-defined]
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), font)


def _chinese(run: Run, font: str = BODY_FONT) -> Run:
    _east_asian(run._element.get_or_add_rPr(), font)
    return run


def _heading(document: Doc, text: str, level: int) -> None:
    _chinese(document.add_heading(level=level).add_run(text), HEADING_FONT)


def _paragraph(document: Doc, text: str) -> None:
    _chinese(document.add_paragraph().add_run(text))


def _table(document: Doc, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    table = document.add_table(rows=1, cols=len(header), style="Table Grid")
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _chinese(cell.paragraphs[0].add_run(text), HEADING_FONT).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            _chinese(cell.paragraphs[0].add_run(text))


def _cells(row: Row) -> tuple[str, ...]:
    now, before = messages.shown(row.now, row), messages.shown(row.before, row)
    return (row.figure.label, now, before, messages.change(row), row.figure.unit)


def _picture(document: Doc, png: bytes) -> None:
    document.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Cm(15))
