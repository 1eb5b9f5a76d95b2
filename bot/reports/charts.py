"""The report's charts as PNG images, drawn by matplotlib with a Chinese font (WenQuanYi
Micro Hei from the fonts-wqy-microhei package, or another CJK font the system has)."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.errors import UserFacingError

if TYPE_CHECKING:
    from bot.reports.build import Report, Row

# where Debian's fonts-wqy-microhei and fonts-noto-cjk put their files, first found wins
FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
FONT_NAMES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "SimHei")
NOW, BEFORE = "#2f6db5", "#a9b7c9"  # this period stands out, the previous one recedes
NO_FONT = "找不到中文字体，图表里的中文会显示成方框。请安装 fonts-wqy-microhei。"


class NoChineseFont(UserFacingError):
    """No CJK font is installed: a chart would show empty boxes instead of Chinese."""


@cache
def chinese_font() -> str:
    """The family name of an installed CJK font (registered with matplotlib).

    Raises:
        NoChineseFont: none is installed.
    """
    for path in FONT_FILES:
        if path.exists():
            font_manager.fontManager.addfont(str(path))
    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in FONT_NAMES:
        if name in installed:
            return name
    raise NoChineseFont(NO_FONT)


def compare(title: str, rows: list[Row], now: str, before: str) -> bytes:
    """Bars of each figure this period beside the previous period's, as a PNG."""
    with _drawing():
        figure, axes = _figure(title)
        places = range(len(rows))
        earlier = [r.before or 0 for r in rows]
        shown = [r.now or 0 for r in rows]
        last = axes.bar(
            [p - 0.2 for p in places], earlier, 0.4, label=f"上期（{before}）", color=BEFORE
        )
        bars = axes.bar([p + 0.2 for p in places], shown, 0.4, label=f"本期（{now}）", color=NOW)
        axes.bar_label(last, fmt="%g", fontsize=8, color="#555555")
        axes.bar_label(bars, fmt="%g", fontsize=9)
        axes.set_xticks(list(places), [row.figure.label for row in rows])
        axes.legend(frameon=False)
        return _png(figure)


def by_community(report: Report, column: int, title: str) -> bytes:
    """Horizontal bars of one figure per community (the district report), as a PNG."""
    with _drawing():
        figure, axes = _figure(title)
        names = [name for name, _ in report.communities]
        bars = axes.barh(names, [v[column] or 0 for _, v in report.communities], color=NOW)
        axes.bar_label(bars, fmt="%g", fontsize=9, padding=3)
        axes.invert_yaxis()  # the first community on top
        return _png(figure)


@contextlib.contextmanager
def _drawing() -> Iterator[None]:
    """Text drawn in the Chinese font; a glyph it lacks (drawn as a box) is an error."""
    with rc_context({"font.family": chinese_font()}), warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        yield


def _figure(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(6.4, 3.4), dpi=150, layout="constrained", facecolor="white")
    figure.suptitle(title, fontsize=12)
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
