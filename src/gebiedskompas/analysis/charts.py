"""Server-side SVG charts for the analysis pages: accessible (role="img", <title>, <desc>, and
a table beside each on the page), no script, no inline CSS (colours as SVG attributes or
classes), so they pass the site's Content Security Policy and can go into a PDF unchanged.

Functions take plain data and labels (already translated) and return SVG text, escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

POSITIVE = "#b2361f"  # more need: a dark red with 4.5:1 contrast on white for its labels
NEGATIVE = "#1f5f8b"  # less need
AXIS = "#444444"
TEXT = "#1a1a1a"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader's locale writes it


def _svg_open(width: int, height: int, chart_id: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="analysis-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def bar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, desc: str, width: int = 640
) -> str:
    """Horizontal bars from a zero line; positive values to the right, negative to the left."""
    label_w, value_w, row_h, top = 170, 80, 30, 8
    plot_w = width - label_w - value_w - 16
    height = top * 2 + row_h * max(len(bars), 1)
    lo = min([0.0, *(b.value for b in bars)])
    hi = max([0.0, *(b.value for b in bars)])
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return label_w + (v - lo) / span * plot_w

    out = _svg_open(width, height, chart_id, title, desc)
    zero = x(0.0)
    for i, bar in enumerate(bars):
        y = top + i * row_h
        x0, x1 = sorted((zero, x(bar.value)))
        colour = POSITIVE if bar.value >= 0 else NEGATIVE
        out.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" fill="{TEXT}" '
            f'font-size="14">{escape(bar.label)}</text>'
        )
        out.append(
            f'<rect x="{x0:.1f}" y="{y + 6}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 12}" '
            f'fill="{colour}"><title>{escape(bar.label)}: {escape(bar.text)}</title></rect>'
        )
        out.append(
            f'<text x="{width - 8}" y="{y + 19}" text-anchor="end" fill="{TEXT}" '
            f'font-size="14">{escape(bar.text)}</text>'
        )
    out.append(
        f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{height - top}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class Whisker:
    label: str
    rank: int
    low: int
    high: int
    text: str  # e.g. "rang 3 (5–95 %: 2–6)"


def rank_whiskers(
    items: Sequence[Whisker], *, count: int, chart_id: str, title: str, desc: str, width: int = 640
) -> str:
    """Each area's rank as a dot with a whisker over its rank interval; rank 1 at the left."""
    label_w, row_h, top, axis_h = 190, 24, 8, 28
    plot_w = width - label_w - 24
    height = top + row_h * max(len(items), 1) + axis_h

    def x(rank: float) -> float:
        return label_w + (rank - 1) / max(count - 1, 1) * plot_w

    out = _svg_open(width, height, chart_id, title, desc)
    for i, item in enumerate(items):
        y = top + i * row_h + row_h / 2
        out.append(
            f'<text x="{label_w - 10}" y="{y + 5:.1f}" text-anchor="end" fill="{TEXT}" '
            f'font-size="13">{escape(item.label)}</text>'
        )
        out.append(
            f'<line x1="{x(item.low):.1f}" y1="{y:.1f}" x2="{x(item.high):.1f}" y2="{y:.1f}" '
            f'stroke="{AXIS}" stroke-width="2"/>'
        )
        for end in (item.low, item.high):
            out.append(
                f'<line x1="{x(end):.1f}" y1="{y - 6:.1f}" x2="{x(end):.1f}" y2="{y + 6:.1f}" '
                f'stroke="{AXIS}" stroke-width="2"/>'
            )
        out.append(
            f'<circle cx="{x(item.rank):.1f}" cy="{y:.1f}" r="5" fill="{POSITIVE}">'
            f"<title>{escape(item.label)}: {escape(item.text)}</title></circle>"
        )
    base = top + row_h * max(len(items), 1) + 4
    out.append(
        f'<line x1="{label_w}" y1="{base}" x2="{label_w + plot_w}" y2="{base}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    ticks = sorted({1, *range(10, count + 1, 10), count})
    for tick in ticks:
        out.append(
            f'<text x="{x(tick):.1f}" y="{base + 18}" text-anchor="middle" fill="{TEXT}" '
            f'font-size="12">{tick}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
