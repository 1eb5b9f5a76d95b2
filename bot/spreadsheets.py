"""Reading and writing the tables staff exchange with Linli: .xlsx or .csv (UTF-8)."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from bot.errors import UserFacingError
from bot.files import private_file

logger = logging.getLogger(__name__)
Cell = str | int | float | dt.datetime | dt.date | dt.time | None
SUFFIXES = (".xlsx", ".csv")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ImportProblems(UserFacingError):
    """Everything wrong with a file, each problem with its row and column, in Chinese."""

    def __init__(self, found: Sequence[str]) -> None:
        super().__init__("\n".join(found))
        self.problems = list(found)


MAX_IMPORT_BYTES = 20 * 2**20  # tens of thousands of rows; an .xlsx unpacks to far more


class SheetError(UserFacingError):
    """A table that cannot be written; the message says why."""


def read_rows(path: Path) -> list[list[Cell]]:
    """The rows of the file's first sheet (or of the CSV).

    Raises:
        ImportProblems: another file type, a missing, damaged or non-UTF-8 file.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportProblems([f"{path.name}：只能导入 .xlsx 或 .csv 文件"])
    if not path.is_file():
        raise ImportProblems([f"{path.name}：找不到这个文件"])
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise ImportProblems(
            [f"{path.name}：文件太大（超过 {MAX_IMPORT_BYTES // 2**20} MB），请分成几个表"]
        )
    return _read_csv(path) if suffix == ".csv" else _read_xlsx(path)


def write_table(path: Path, rows: Sequence[Sequence[Cell]], title: str) -> None:
    """Write rows to .csv (UTF-8 with a BOM, so Excel shows the Chinese) or .xlsx.

    Raises:
        SheetError: another file type, or the file cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SheetError("只能导出成 .xlsx 或 .csv 文件")
    rows = [[inert(cell) for cell in row] for row in rows]
    try:
        private_file(path)  # exports hold full names and phone numbers
        if suffix == ".csv":
            with path.open("w", encoding="utf-8-sig", newline="") as stream:
                csv.writer(stream).writerows(rows)
        else:
            _write_xlsx(path, rows, title)
    except OSError as exc:
        raise SheetError(f"写不了文件 {path}：{exc.strerror or exc}") from exc


def plain(value: Cell) -> str:
    """The cell as stripped text ("" for an empty cell)."""
    return "" if value is None else str(value).strip()


def normal(value: Cell) -> str:
    """The cell's text with full-width letters, digits and punctuation made half-width."""
    return unicodedata.normalize("NFKC", plain(value))


def _read_csv(path: Path) -> list[list[Cell]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return [list(record) for record in csv.reader(stream)]
    except UnicodeDecodeError:
        raise ImportProblems([f"{path.name}：请把表格另存为“CSV UTF-8”格式再导入"]) from None
    except (OSError, csv.Error) as exc:
        raise ImportProblems([f"{path.name}：读不了这个 CSV 文件（{exc}）"]) from exc


def _read_xlsx(path: Path) -> list[list[Cell]]:
    import openpyxl  # here, not at the top: it costs 0.15 s on every `linli` start

    try:
        sheet = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    # openpyxl fails on a damaged or non-Excel file in many ways (zip, XML, key errors).
    except Exception as exc:
        logger.info("cannot open %s as xlsx: %r", path, exc)
        raise ImportProblems([f"{path.name}：打不开，请确认是 Excel 的 .xlsx 文件"]) from exc
    return [[_cell(v) for v in values] for values in sheet.iter_rows(values_only=True)]


def _write_xlsx(path: Path, rows: Sequence[Sequence[Cell]], title: str) -> None:
    import openpyxl  # here, not at the top: it costs 0.15 s on every `linli` start

    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def inert(cell: Cell) -> Cell:
    """Text a resident wrote ("=HYPERLINK(...)") must not become a formula in staff's Excel."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | dt.date | dt.time):
        return value
    return str(value)
