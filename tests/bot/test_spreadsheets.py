"""Staff tables: what residents typed is written as text, never as a formula."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from bot.spreadsheets import SheetError, read_rows, write_table

HOSTILE = '=HYPERLINK("http://example.com","点这里领补贴")'


def test_formulas_are_written_as_text(tmp_path: Path) -> None:
    rows = [["姓名", "评价"], ["王小明", HOSTILE], ["李四", "+1 很好"], ["张三", 5]]
    write_table(tmp_path / "a.xlsx", rows, "名单")
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx").worksheets[0]
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value == "'" + HOSTILE
    assert sheet["B4"].value == 5
    write_table(tmp_path / "a.csv", rows, "名单")
    with (tmp_path / "a.csv").open(encoding="utf-8-sig", newline="") as stream:
        written = list(csv.reader(stream))
    assert written[2][1] == "'+1 很好"
    assert read_rows(tmp_path / "a.csv")[1][0] == "王小明"


def test_only_xlsx_or_csv(tmp_path: Path) -> None:
    with pytest.raises(SheetError):
        write_table(tmp_path / "a.txt", [["x"]], "名单")
