"""Charts as accessible SVG, rendered on the server: one code path for the web page and the PDF.

Every chart is a complete ``<svg>`` document with ``role="img"``, a ``<title>`` and a ``<desc>``
holding a text summary, and it never relies on colour alone: series differ by dash pattern and
marker, and a break in a trend (new area boundaries) is a dashed line with a label. Colours are
from the Okabe-Ito palette, which stays distinct for the common forms of colour blindness. The
caller passes labels and numbers already formatted in the reader's language; nothing here
depends on a request. PNG comes from the same SVG, rendered by typst (`svg_to_png`).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

# Okabe & Ito (2008), "Color Universal Design".
BLUE: Final = "#0072B2"
VERMILION: Final = "#D55E00"
ORANGE: Final = "#E69F00"
SKY: Final = "#56B4E9"
GREEN: Final = "#009E73"
GREY: Final = "#6b6b6b"
INK: Final = "#1a1a1a"
SERIES_STYLES: Final = (
    (BLUE, "", "circle"),
    (VERMILION, "6 3", "square"),
    (INK, "2 3", "diamond"),
    (GREEN, "8 3 2 3", "triangle"),
)

Format = Callable[[float], str]


def _attr(text: object) -> str:
    return escape(str(text), {'"': "&quot;"})


def _svg(width: float, height: float, title: str, desc: str, body: list[str], uid: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" class="chart">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> Callable[[float], float]:
    if hi == lo:
        middle = (out_lo + out_hi) / 2
        return lambda _v: middle
    return lambda v: out_lo + (v - lo) * (out_hi - out_lo) / (hi - lo)


def _segments(
    periods: Sequence[str], values: Sequence[float | None], breaks: set[str]
) -> list[list[int]]:
    """Runs of indices with a value, cut at a missing value and before a break period."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, (period, value) in enumerate(zip(periods, values, strict=True)):
        if period in breaks and current:
            runs.append(current)
            current = []
        if value is None or not math.isfinite(value):
            if current:
                runs.append(current)
            current = []
            continue
        current.append(i)
    if current:
        runs.append(current)
    return runs


def sparkline_svg(
    periods: Sequence[str],
    values: Sequence[float | None],
    *,
    breaks: Sequence[str] = (),
    label: str,
    summary: str,
    uid: str,
    width: float = 112,
    height: float = 28,
) -> str:
    """A small trend line over `periods`, cut where a value is missing and at each break (a
    period whose area boundaries differ from the period before), the break drawn as a dashed
    vertical line and the last value as a dot. `summary` is the text a screen reader gets."""
    pad = 3.0
    finite = [v for v in values if v is not None and math.isfinite(v)]
    body: list[str] = []
    if finite and len(periods):
        x = _scale(0, max(len(periods) - 1, 1), pad, width - pad)
        y = _scale(min(finite), max(finite), height - pad, pad)
        index = {p: i for i, p in enumerate(periods)}
        for period in breaks:
            if period in index and index[period] > 0:
                bx = (x(index[period]) + x(index[period] - 1)) / 2
                body.append(
                    f'<line x1="{bx:.1f}" y1="1" x2="{bx:.1f}" y2="{height - 1:.1f}" '
                    f'stroke="{VERMILION}" stroke-width="1.5" stroke-dasharray="2 2" '
                    'class="chart-break"/>'
                )
        for run in _segments(periods, values, set(breaks)):
            points = " ".join(f"{x(i):.1f},{y(values[i]):.1f}" for i in run)  # type: ignore[arg-type]  # run holds only indices with a value
            if len(run) == 1:
                i = run[0]
                body.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(values[i]):.1f}" r="1.5" fill="{BLUE}"/>'  # type: ignore[arg-type]  # as above
                )
            else:
                body.append(
                    f'<polyline points="{points}" fill="none" stroke="{BLUE}" '
                    'stroke-width="1.75" stroke-linejoin="round" stroke-linecap="round"/>'
                )
        last = max(i for i, v in enumerate(values) if v is not None and math.isfinite(v))
        body.append(
            f'<circle cx="{x(last):.1f}" cy="{y(values[last]):.1f}" r="2.5" fill="{INK}"/>'  # type: ignore[arg-type]  # last has a value
        )
    return _svg(width, height, label, summary, body, uid)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class TrendChart:
    title: str
    summary: str
    periods: Sequence[str]
    series: Sequence[Series]
    breaks: Sequence[str] = ()
    break_label: str = ""
    unit: str = ""
    fmt: Format = field(default=lambda v: f"{v:g}")


def trend_chart_svg(chart: TrendChart, *, uid: str, width: float = 640, height: float = 300) -> str:
    """A line chart of one indicator over time for a few areas (the area first), with axes,
    a legend naming each series beside its line style, and the boundary breaks labelled."""
    left, right, top = 64.0, 16.0, 16.0
    legend_height = 18.0 * len(chart.series)
    bottom = 36.0 + legend_height
    finite = [v for s in chart.series for v in s.values if v is not None and math.isfinite(v)]
    body: list[str] = [f'<rect width="{width:g}" height="{height:g}" fill="#ffffff"/>']
    plot_bottom = height - bottom
    if finite and chart.periods:
        lo, hi = min(finite), max(finite)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        lo = 0.0 if lo > 0 and lo < (hi - lo) else lo - (hi - lo) * 0.05
        hi = hi + (hi - lo) * 0.05
        x = _scale(0, max(len(chart.periods) - 1, 1), left + 8, width - right - 8)
        y = _scale(lo, hi, plot_bottom, top)
        for tick in range(5):
            value = lo + (hi - lo) * tick / 4
            ty = y(value)
            body.append(
                f'<line x1="{left:g}" y1="{ty:.1f}" x2="{width - right:g}" y2="{ty:.1f}" '
                'stroke="#d9d9d9" stroke-width="1"/>'
                f'<text x="{left - 6:g}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
                f'fill="{INK}" font-family="sans-serif">{escape(chart.fmt(value))}</text>'
            )
        step = max(1, math.ceil(len(chart.periods) / 10))
        for i, period in enumerate(chart.periods):
            if i % step == 0 or i == len(chart.periods) - 1:
                body.append(
                    f'<text x="{x(i):.1f}" y="{plot_bottom + 16:.1f}" text-anchor="middle" '
                    f'font-size="11" fill="{INK}" font-family="sans-serif">{escape(period)}</text>'
                )
        index = {p: i for i, p in enumerate(chart.periods)}
        for period in chart.breaks:
            if period in index and index[period] > 0:
                bx = (x(index[period]) + x(index[period] - 1)) / 2
                body.append(
                    f'<line x1="{bx:.1f}" y1="{top:g}" x2="{bx:.1f}" y2="{plot_bottom:.1f}" '
                    f'stroke="{VERMILION}" stroke-width="1.5" stroke-dasharray="4 3"/>'
                    f'<text x="{bx + 3:.1f}" y="{top + 10:g}" font-size="10" fill="{INK}" '
                    f'font-family="sans-serif">{escape(chart.break_label)}</text>'
                )
        for n, series in enumerate(chart.series):
            colour, dash, marker = SERIES_STYLES[n % len(SERIES_STYLES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            for run in _segments(chart.periods, series.values, set(chart.breaks)):
                points = " ".join(f"{x(i):.1f},{y(series.values[i]):.1f}" for i in run)  # type: ignore[arg-type]  # run holds only indices with a value
                body.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.25"{dash_attr}/>'
                )
                for i in run:
                    body.append(_marker(marker, x(i), y(series.values[i]), colour))  # type: ignore[arg-type]  # as above
    body.append(
        f'<line x1="{left:g}" y1="{plot_bottom:.1f}" x2="{width - right:g}" y2="{plot_bottom:.1f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    for n, series in enumerate(chart.series):
        colour, dash, marker = SERIES_STYLES[n % len(SERIES_STYLES)]
        ly = height - legend_height + 18.0 * n + 4
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<line x1="{left:g}" y1="{ly:.1f}" x2="{left + 32:g}" y2="{ly:.1f}" '
            f'stroke="{colour}" stroke-width="2.25"{dash_attr}/>'
            + _marker(marker, left + 16, ly, colour)
            + f'<text x="{left + 40:g}" y="{ly + 4:.1f}" font-size="12" fill="{INK}" '
            f'font-family="sans-serif">{escape(series.name)}</text>'
        )
    return _svg(width, height, chart.title, chart.summary, body, uid)


def _marker(kind: str, cx: float, cy: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{cx - 3:.1f}" y="{cy - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "diamond":
        return (
            f'<polygon points="{cx:.1f},{cy - 4:.1f} {cx + 4:.1f},{cy:.1f} {cx:.1f},{cy + 4:.1f} '
            f'{cx - 4:.1f},{cy:.1f}" fill="{colour}"/>'
        )
    if kind == "triangle":
        return (
            f'<polygon points="{cx:.1f},{cy - 4:.1f} {cx + 4:.1f},{cy + 3:.1f} '
            f'{cx - 4:.1f},{cy + 3:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}"/>'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # the value as the reader writes it, or "geheim" / "–"
    is_focus: bool = False


def bar_chart_svg(
    bars: Sequence[Bar], *, title: str, summary: str, uid: str, width: float = 640
) -> str:
    """Horizontal bars, one row per area with its label and value written out; the focus
    area's bar is dark and hatched-free but bold-labelled, so it stands out without colour."""
    row, label_width, value_width = 18.0, 200.0, 90.0
    height = row * len(bars) + 12
    finite = [b.value for b in bars if b.value is not None and math.isfinite(b.value)]
    lo = min(0.0, *finite) if finite else 0.0
    hi = max(0.0, *finite) if finite else 1.0
    x = _scale(lo, hi if hi != lo else lo + 1, label_width + 4, width - value_width)
    body = [f'<rect width="{width:g}" height="{height:g}" fill="#ffffff"/>']
    for n, bar in enumerate(bars):
        ty = 6 + row * n
        weight = ' font-weight="700"' if bar.is_focus else ""
        label = bar.label if len(bar.label) <= 32 else bar.label[:31] + "…"
        body.append(
            f'<text x="{label_width:g}" y="{ty + 13:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}" font-family="sans-serif"{weight}>{escape(label)}</text>'
        )
        if bar.value is not None and math.isfinite(bar.value):
            x0, x1 = sorted((x(0.0), x(bar.value)))
            colour = INK if bar.is_focus else SKY
            body.append(
                f'<rect x="{x0:.1f}" y="{ty + 2:.1f}" width="{max(x1 - x0, 1):.1f}" '
                f'height="{row - 5:g}" fill="{colour}"/>'
            )
        body.append(
            f'<text x="{width - value_width + 6:g}" y="{ty + 13:.1f}" font-size="12" '
            f'fill="{INK}" font-family="sans-serif"{weight}>{escape(bar.text)}</text>'
        )
    return _svg(width, height, title, summary, body, uid)


@dataclass(frozen=True)
class MapFeature:
    name: str
    role: str  # "area", "child" or "neighbour"
    geometry: dict[str, Any]  # GeoJSON geometry in WGS84


MAP_STYLES: Final = {
    "neighbour": f'fill="#e6e6e6" stroke="{GREY}" stroke-width="1" stroke-dasharray="4 2"',
    "child": f'fill="#cfe6f5" stroke="{BLUE}" stroke-width="1"',
    "area": f'fill="#cfe6f5" fill-opacity="0.35" stroke="{INK}" stroke-width="3"',
    "area-alone": f'fill="#cfe6f5" stroke="{INK}" stroke-width="2.5"',
}


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coordinates)
    if kind == "MultiPolygon":
        return [ring for polygon in coordinates for ring in polygon]
    if kind == "GeometryCollection":
        return [r for g in geometry.get("geometries", []) for r in _rings(g)]
    return []


def area_map_svg(
    features: Sequence[MapFeature],
    *,
    title: str,
    summary: str,
    uid: str,
    width: float = 640,
    height: float = 420,
) -> str:
    """The area (thick outline), its children (filled, labelled in each path's title) and its
    neighbours (grey, dashed) drawn from the stored WGS84 geometry: longitude scaled by the
    cosine of the mean latitude, which is close enough to RD New at the size of a municipality.
    No tiles: nothing but the polygons."""
    rings = [(f, _rings(f.geometry)) for f in features]
    points = [pt for _f, rs in rings for ring in rs for pt in ring]
    body = [f'<rect width="{width:g}" height="{height:g}" fill="#ffffff"/>']
    if points:
        lat0 = math.radians(sum(p[1] for p in points) / len(points))
        kx = math.cos(lat0)
        xs = [p[0] * kx for p in points]
        ys = [p[1] for p in points]
        min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
        pad = 8.0
        span = max(max_x - min_x, 1e-9), max(max_y - min_y, 1e-9)
        k = min((width - 2 * pad) / span[0], (height - 2 * pad) / span[1])
        ox = (width - k * span[0]) / 2
        oy = (height - k * span[1]) / 2
        has_children = any(f.role == "child" for f in features)
        order = {"neighbour": 0, "child": 1, "area": 2}
        for feature, feature_rings in sorted(rings, key=lambda fr: order.get(fr[0].role, 1)):
            path = " ".join(
                "M"
                + " L".join(
                    f"{ox + (lon * kx - min_x) * k:.1f} {height - oy - (lat - min_y) * k:.1f}"
                    for lon, lat, *_rest in ring
                )
                + " Z"
                for ring in feature_rings
            )
            if not path:
                continue
            role = feature.role
            if role == "area" and not has_children:
                role = "area-alone"
            body.append(
                f'<path d="{path}" {MAP_STYLES.get(role, MAP_STYLES["child"])} '
                f'fill-rule="evenodd" class="map-{_attr(feature.role)}">'
                f"<title>{escape(feature.name)}</title></path>"
            )
    return _svg(width, height, title, summary, body, uid)


PNG_DOCUMENT: Final = """#set page(width: auto, height: auto, margin: 0pt, fill: white)
#image("chart.svg")
"""


def svg_to_png(svg: str, *, ppi: int = 144) -> bytes:
    """The SVG rendered as PNG by typst (offline, its own embedded fonts)."""
    import typst

    with tempfile.TemporaryDirectory(prefix="kompas-png-") as folder:
        root = Path(folder)
        (root / "chart.svg").write_text(svg, encoding="utf-8")
        (root / "main.typ").write_text(PNG_DOCUMENT, encoding="utf-8")
        result = typst.compile(
            str(root / "main.typ"), root=str(root), format="png", ppi=ppi, ignore_system_fonts=True
        )
    if isinstance(result, list):  # one image per page; a chart is one page
        result = result[0]
    return bytes(result)
