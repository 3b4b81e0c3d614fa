"""Which buurt holds a point: point in polygon on the buurt boundaries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely


@dataclass(frozen=True)
class Candidate:
    """A buurt with its boundary as a shapely geometry in the same CRS as the point."""

    area_id: int
    shape: Any  # shapely ships no types


def containing_area(x: float, y: float, candidates: Iterable[Candidate]) -> int | None:
    """The id of the first candidate whose boundary covers (x, y), border included."""
    point = shapely.Point(x, y)
    for candidate in candidates:
        if candidate.shape.covers(point):
            return candidate.area_id
    return None
