"""The dashboard's charts as inline SVG drawn on the server (no script, no CDN): bars that
read on a phone, the numbers written beside them, the fonts the page already uses."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

_WIDTH = 420  # about a phone's width: the type is drawn near its size there
_ROW = 34  # a bar's line, in SVG units (the chart scales with the page's width)
_LABEL = 170  # room for a label on the left of a bar (nine characters)
_FONT = 'font-family="inherit" font-size="17"'


def bars(
    rows: Sequence[tuple[str, float]], unit: str, title: str, most: float = 0,
    texts: Sequence[str] = (),
) -> Markup:  # fmt: skip
    """Horizontal bars, one per (label, value), longest = `most` (or the largest value);
    each says its value and unit, or its text in `texts`."""
    if not rows:
        return Markup(f'<p class="muted">{escape(title)}：还没有数据。</p>')
    top = most or max(value for _, value in rows) or 1
    height = _ROW * len(rows) + 8
    span = _WIDTH - _LABEL - 70
    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for n, (label, value) in enumerate(rows):
        y = 4 + n * _ROW
        length = max(2.0, span * min(value, top) / top)
        shown = label if len(label) <= 9 else label[:8] + "…"
        said = texts[n] if n < len(texts) else f"{_number(value)}{unit}"
        parts += [
            f'<text x="{_LABEL - 8}" y="{y + 22}" text-anchor="end" {_FONT} fill="#1f2933">'
            f"{escape(shown)}</text>",
            f'<rect x="{_LABEL}" y="{y + 6}" width="{length:.1f}" height="22" rx="4" '
            f'fill="#0b6e4f"/>',
            f'<text x="{_LABEL + length + 6:.1f}" y="{y + 22}" {_FONT} fill="#52606d">'
            f"{escape(said)}</text>",
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(days: Sequence[tuple[str, float | None]], title: str) -> Markup:
    """A column per day of a share (0..1; None: nothing asked that day), labelled below."""
    if not days:
        return Markup(f'<p class="muted">{escape(title)}：还没有数据。</p>')
    height, base, top = 230, 190, 30
    step = _WIDTH / len(days)
    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="0" y1="{base}" x2="{_WIDTH}" y2="{base}" stroke="#d9e2ec"/>',
    ]
    for n, (label, share) in enumerate(days):
        x = n * step + step * 0.18
        width = step * 0.64
        middle = x + width / 2
        if share is not None:
            tall = max(2.0, (base - top) * share)
            parts += [
                f'<rect x="{x:.1f}" y="{base - tall:.1f}" width="{width:.1f}" height="{tall:.1f}" '
                f'rx="3" fill="#0b6e4f"/>',
                f'<text x="{middle:.1f}" y="{base - tall - 6:.1f}" text-anchor="middle" '
                f'font-size="14" fill="#1f2933">{round(share * 100)}</text>',
            ]
        parts.append(
            f'<text x="{middle:.1f}" y="{base + 24}" text-anchor="middle" font-size="14" '
            f'fill="#52606d">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
