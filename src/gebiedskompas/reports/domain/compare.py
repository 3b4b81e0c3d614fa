"""How an area compares with a reference (parent, municipality, peer group), direction-aware.

Plain Python, no Django. A difference counts as "similar" below a quarter of the spread between
areas of the same level (a standard deviation) where that spread is known, else below 2 % of the
reference value. Directional indicators get better/worse, neutral ones higher/lower: the page
shows the word and an arrow beside the colour, so the verdict never rests on colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from typing import Final

SIMILAR_SD: Final = 0.25
SIMILAR_RELATIVE: Final = 0.02


class Verdict(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    HIGHER = "higher"
    LOWER = "lower"
    SIMILAR = "similar"
    UNKNOWN = "unknown"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def sign_of(direction: str) -> int:
    """+1 when higher is better, -1 when higher is worse, 0 when neutral."""
    return {"higher_is_better": 1, "higher_is_worse": -1}.get(direction, 0)


def standardised_difference(
    value: float | None, reference: float | None, spread: float | None, direction: str
) -> float | None:
    """(value − reference) / spread, signed so that a positive number is better (directional) or
    higher (neutral). None when a number is missing or the spread is not positive."""
    if not (_finite(value) and _finite(reference) and _finite(spread)):
        return None
    assert value is not None and reference is not None and spread is not None
    if spread <= 0:
        return None
    sign = sign_of(direction) or 1
    return sign * (value - reference) / spread


def verdict(
    value: float | None, reference: float | None, direction: str, spread: float | None = None
) -> Verdict:
    """The verdict of `value` against `reference` for an indicator with this direction."""
    if not (_finite(value) and _finite(reference)):
        return Verdict.UNKNOWN
    assert value is not None and reference is not None
    difference = value - reference
    if _finite(spread) and spread is not None and spread > 0:
        is_similar = abs(difference) / spread < SIMILAR_SD
    elif reference != 0:
        is_similar = abs(difference) / abs(reference) < SIMILAR_RELATIVE
    else:
        is_similar = difference == 0
    if is_similar:
        return Verdict.SIMILAR
    sign = sign_of(direction)
    if sign == 0:
        return Verdict.HIGHER if difference > 0 else Verdict.LOWER
    return Verdict.BETTER if difference * sign > 0 else Verdict.WORSE


def spread_of(values: Sequence[float]) -> float | None:
    """The population standard deviation of the finite values; None below three values."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 3:
        return None
    mean = sum(finite) / len(finite)
    sd = math.sqrt(sum((v - mean) ** 2 for v in finite) / len(finite))
    return sd if sd > 0 else None
