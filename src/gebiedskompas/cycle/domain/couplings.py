"""Koppelkansen: pairs of activities of different owners that overlap in place and in time.

Pure: activities come in as `Span`s (an owner, an inclusive period whose end may be open, a
shapely geometry in RD New metres), pairs go out as `Coupling`s ranked by how much they overlap.

- Place: the geometries intersect (touching counts, a point inside a polygon counts) or lie at
  most `distance_m` apart (exactly `distance_m` counts).
- Time: the periods share a day, or the gap between the end of one and the start of the other is
  at most `window_days` days (a start on the day the other ends is a gap of 0). An open end
  (None) runs on for ever.
- Activities of the same owner are never paired (owners compared case- and space-insensitively);
  activities without a geometry are skipped: there is no place to compare.

Score, between 0 and 1, the mean of a place and a time part. Place: 0.5 + 0.5 × the shared area
as a share of the smaller polygon when they meet (touching polygons 0.5; a point or line on or
in the other 1.0), falling from 0.5 to 0 as the distance grows to `distance_m`. Time: 0.5 + 0.5 ×
the shared days as a share of the shorter period (1.0 when both are open-ended), falling from 0.5
to 0 as the gap grows to `window_days`. The parts are returned beside the score, so a user can see
why a pair ranks where it does.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import shapely
from shapely.geometry.base import BaseGeometry

DEFAULT_DISTANCE_M: Final = 50.0
DEFAULT_WINDOW_DAYS: Final = 90
_EPSILON_M: Final = 1e-6  # rounding in RD coordinates; far below a surveyor's centimetre


@dataclass(frozen=True)
class Span:
    """One activity as the detector sees it."""

    key: Hashable
    owner: str
    start: date
    end: date | None
    geometry: BaseGeometry | None


@dataclass(frozen=True)
class Coupling:
    """Two activities that overlap, `a` before `b` in input order, with the score's parts."""

    a: Hashable
    b: Hashable
    score: float
    place_score: float
    time_score: float
    distance_m: float  # 0 when they meet
    shared_area_m2: float
    gap_days: int  # 0 when the periods share a day or touch
    shared_days: int | None  # None: both open-ended, shared for ever


def _norm_owner(owner: str) -> str:
    return " ".join(owner.casefold().split())


def _place_score(a: BaseGeometry, b: BaseGeometry, distance: float, distance_m: float) -> float:
    if distance > _EPSILON_M:
        return 0.5 * max(0.0, 1.0 - distance / distance_m) if distance_m > 0 else 0.0
    smaller = float(min(a.area, b.area))
    if smaller <= 0:  # a point or a line meeting the other
        return 1.0
    share = float(shapely.intersection(a, b).area) / smaller
    return 0.5 + 0.5 * min(1.0, share)


def _time_parts(a: Span, b: Span, window_days: int) -> tuple[int, int | None, float] | None:
    """(gap_days, shared_days, time_score), or None when too far apart in time."""
    ends = [e for e in (a.end, b.end) if e is not None]
    first_end = min(ends) if ends else None
    last_start = max(a.start, b.start)
    if first_end is None:
        return 0, None, 1.0
    if last_start <= first_end:
        shared = (first_end - last_start).days + 1
        durations = [(s.end - s.start).days + 1 for s in (a, b) if s.end is not None]
        return 0, shared, 0.5 + 0.5 * min(1.0, shared / min(durations))
    gap = (last_start - first_end).days
    if gap > window_days:
        return None
    return gap, 0, 0.5 * (1.0 - gap / window_days) if window_days > 0 else 0.0


def detect(
    spans: Sequence[Span],
    *,
    distance_m: float = DEFAULT_DISTANCE_M,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[Coupling]:
    """All pairs of different owners overlapping in place and time, best first (ties in input
    order)."""
    if distance_m < 0 or window_days < 0:
        raise ValueError("distance_m and window_days cannot be negative")
    located = [
        (i, s) for i, s in enumerate(spans) if s.geometry is not None and s.geometry.is_valid
    ]
    if len(located) < 2:
        return []
    geometries = [s.geometry for _, s in located]
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="dwithin", distance=distance_m + _EPSILON_M)
    found: list[tuple[int, int, Coupling]] = []
    for li, ri in zip(left.tolist(), right.tolist(), strict=True):
        if li >= ri:
            continue
        (ia, a), (ib, b) = located[li], located[ri]
        if _norm_owner(a.owner) == _norm_owner(b.owner):
            continue
        timing = _time_parts(a, b, window_days)
        if timing is None:
            continue
        ga, gb = geometries[li], geometries[ri]
        assert ga is not None and gb is not None
        distance = float(shapely.distance(ga, gb))
        if distance > distance_m + _EPSILON_M:
            continue
        gap, shared, time_score = timing
        place_score = _place_score(ga, gb, distance, distance_m)
        meets = distance <= _EPSILON_M
        found.append(
            (
                ia,
                ib,
                Coupling(
                    a=a.key,
                    b=b.key,
                    score=round((place_score + time_score) / 2, 6),
                    place_score=round(place_score, 6),
                    time_score=round(time_score, 6),
                    distance_m=0.0 if meets else round(distance, 3),
                    shared_area_m2=round(float(shapely.intersection(ga, gb).area), 1)
                    if meets
                    else 0.0,
                    gap_days=gap,
                    shared_days=shared,
                ),
            )
        )
    found.sort(key=lambda t: (-t[2].score, t[0], t[1]))
    return [c for _, _, c in found]
