"""Whether a target is on track, from the indicator's values. Pure: no Django.

A target says: the indicator should be `value` by `year`, going `direction` (up, down, hold).
Against the latest value:

- no value at all: no data;
- up / down: on track when the latest value already meets the target, or when it moved from the
  baseline (the last value before the agenda started, else the first known one) towards the
  target;
  off track otherwise (no movement or the wrong way);
- hold: on track while the latest value stays within 5% of the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Progress(StrEnum):
    ON_TRACK = "on_track"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


PROGRESS_LABELS: Final = {
    Progress.ON_TRACK: "op koers",
    Progress.OFF_TRACK: "niet op koers",
    Progress.NO_DATA: "geen gegevens",
}


@dataclass(frozen=True)
class Assessment:
    progress: Progress
    latest: float | None
    latest_period: str | None
    baseline: float | None


def assess(
    direction: str,
    target: float,
    values: list[tuple[str, float]],
    *,
    baseline_period: str | None = None,
) -> Assessment:
    """`values`: (period, value) pairs in period order; `baseline_period`: the agenda's first
    year (values of earlier periods are the baseline)."""
    if not values:
        return Assessment(Progress.NO_DATA, None, None, None)
    period, latest = values[-1]
    before = [v for p, v in values if baseline_period is not None and p < baseline_period]
    baseline = before[-1] if before else values[0][1]
    if direction == "up":
        ok = latest >= target or (latest > baseline and len(values) > 1)
    elif direction == "down":
        ok = latest <= target or (latest < baseline and len(values) > 1)
    else:
        ok = abs(latest - target) <= 0.05 * abs(target) if target else latest == 0
    return Assessment(Progress.ON_TRACK if ok else Progress.OFF_TRACK, latest, period, baseline)
