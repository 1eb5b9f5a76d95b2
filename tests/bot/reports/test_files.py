"""The report as files: the .docx opens with python-docx and holds its tables, charts and
Chinese fonts; the .xlsx opens with openpyxl with a sheet per section and native charts;
the charts are drawn in a Chinese font; `linli report make` writes both and says where."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from matplotlib import font_manager
from sqlmodel import Session

from bot.cli import desk
from bot.cli import main as cli_main
from bot.cli.main import main
from bot.reports import charts
from bot.reports.build import Report, make_report, write_files
from bot.reports.figures import SECTIONS
from bot.reports.periods import period_of
from tests.bot.reports.conftest import COMMUNITIES, Seeded
from tests.bot.reports.test_figures import expected
from tests.conftest import NOW

# where the example charts go: LINLI_TEST_REPORT_CHARTS=docs/reports refreshes the README's ones
CHARTS_TO = os.environ.get("LINLI_TEST_REPORT_CHARTS", "")


def report_of(base: Seeded, community: str | None = None) -> Report:
    with Session(base.engine) as session:
        return make_report(session, base.period, community, NOW, base.settings.zone)


def test_the_docx_holds_the_tables_charts_and_chinese_fonts(seeded: Seeded, tmp_path: Path) -> None:
    report = report_of(seeded)
    word, _ = write_files(report, tmp_path)
    document = docx.Document(str(word))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["一、概要", "二、活动", "三、志愿服务"]
    assert headings[5:8] == ["六、常见问题", "答复最多的问题", "未能答复、问得最多的问题"]
    assert "七、各社区" in headings
    assert headings[-1] == "社工意见："
    assert document.paragraphs[0].text == report.title
    # a table per section, two of the most asked, then the communities'
    assert len(document.tables) == len(SECTIONS) + 3
    activities = document.tables[0]
    assert [c.text for c in activities.rows[0].cells] == ["指标", "本期", "上期", "变化", "单位"]
    counted = expected(seeded, seeded.period, None)
    held = activities.rows[1].cells
    assert (held[0].text, held[1].text) == ("举办活动", str(counted["activities_held"]))
    names = [row.cells[0].text for row in document.tables[-1].rows[1:]]
    assert names == list(COMMUNITIES.values())
    assert len(document.inline_shapes) == 3  # activities, questions, per community
    if CHARTS_TO and seeded.settings.database.url.startswith("sqlite"):
        images = [p for p in document.part.package.parts if p.partname.startswith("/word/media/")]
        names = ("chart-activities.png", "chart-questions.png", "chart-communities.png")
        for name, image in zip(names, sorted(images, key=lambda p: p.partname), strict=True):
            (Path(CHARTS_TO) / name).write_bytes(image.blob)
    assert all(shape.width > 0 for shape in document.inline_shapes)
    cells = [p for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    for run in (r for p in [*document.paragraphs, *cells] for r in p.runs if r.text):
        fonts = run._element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in ("宋体", "黑体"), run.text


def test_the_xlsx_has_a_sheet_per_section_and_native_charts(seeded: Seeded, tmp_path: Path) -> None:
    report = report_of(seeded, "dongpo")
    _, excel = write_files(report, tmp_path)
    book = openpyxl.load_workbook(excel)
    assert book.sheetnames == ["概要", *SECTIONS, "常见问题"]  # no 各社区 for one community
    counted = expected(seeded, seeded.period, "dongpo")
    before = expected(seeded, seeded.period.previous(), "dongpo")
    for name in SECTIONS:
        sheet = book[name]
        assert len(sheet._charts) == 1
        rows = {row[0]: row[1:3] for row in sheet.iter_rows(min_row=2, values_only=True)}
        for figure in SECTIONS[name]:
            assert rows[figure.label] == (counted[figure.key], before[figure.key])
    assert (
        book["概要"]["A1"].value == report.title == f"东坡社区 {seeded.period.label} 月度调度报告"
    )


def test_an_empty_period_makes_files_that_say_so(empty_base: tuple, tmp_path: Path) -> None:
    engine, settings = empty_base
    with Session(engine) as session:
        report = make_report(
            session, period_of("half-month", NOW.date()).previous(), None, NOW, settings.zone
        )
    word, excel = write_files(report, tmp_path)
    text = "\n".join(p.text for p in docx.Document(str(word)).paragraphs)
    assert "没有活动、志愿服务、咨询、通知和工单的记录" in text
    assert len(docx.Document(str(word)).inline_shapes) == 0  # no chart of zeros
    assert "没有活动" in openpyxl.load_workbook(excel)["概要"]["A3"].value


def test_charts_are_drawn_in_a_chinese_font() -> None:
    family = charts.chinese_font()
    path = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert "wqy" in path.lower() or "cjk" in path.lower(), path
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns; here it fails
        png = charts.compare("活动：本期与上期", [], "2026年11月", "2026年10月")
    assert png.startswith(b"\x89PNG")


@pytest.fixture
def linli(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:  # fmt: skip
    """Run `linli ...` in this process on the seeded base, its clock at NOW."""
    monkeypatch.chdir(tmp_path)  # no ./config.toml
    for name in [n for n in os.environ if n.startswith("LINLI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LINLI_DATABASE_URL", seeded.settings.database.url)
    monkeypatch.setenv("LINLI_HOME", str(seeded.settings.general.home))
    for module in (desk, cli_main):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_report_make_writes_both_files(
    seeded: Seeded, linli: Callable[..., Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, said, _ = linli("report", "make", "--kind", "month", "--out", str(out), "--json")
    assert code == 0  # no --period: the last month over
    made = json.loads(said)
    assert made["period"]["first"] == str(seeded.period.first)
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(f).name for f in made["files"])
    assert [Path(f).suffix for f in made["files"]] == [".docx", ".xlsx"]
    counted = expected(seeded, seeded.period, "suzhe")
    code, said, _ = linli(
        "report", "make", "--kind", "month", "--community", "苏辙社区", "--out", str(out), "--json"
    )
    assert code == 0
    assert {k: v["now"] for k, v in json.loads(said)["figures"].items()} == counted


def test_report_make_refuses_a_period_not_over(linli: Callable[..., Any], tmp_path: Path) -> None:
    today = str(NOW.date())
    code, out, err = linli(
        "report", "make", "--kind", "year", "--period", today, "--out", str(tmp_path)
    )
    assert (code, out) == (1, "")
    assert f"{NOW.year}年还没有结束" in err
    assert not list(tmp_path.glob("report-*"))
