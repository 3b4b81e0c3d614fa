"""The cycle's phases and the target verdicts: pure functions."""

from __future__ import annotations

import pytest

from gebiedskompas.cycle.domain.phases import ENSCHEDE_LIKE, AreaFacts, Phase, position
from gebiedskompas.cycle.domain.targets import Progress, assess

pytestmark = pytest.mark.unit


def facts(**changes: object) -> AreaFacts:
    base: dict[str, object] = {
        "year": 2026, "has_analysis": True, "agenda_status": "adopted", "agenda_start": 2026,
        "agenda_end": 2029, "has_plan_this_year": True,
    }  # fmt: skip
    base.update(changes)
    return AreaFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "phase", "step"),
    [
        ({"has_analysis": False, "agenda_status": None}, Phase.ANALYSE, "gebiedsanalyse"),
        ({"agenda_status": None}, Phase.KEUZES, "speerpunten"),
        ({"agenda_status": "consultation"}, Phase.AGENDA, "vaststellen"),
        ({"has_plan_this_year": False}, Phase.UITVOERING, "gebiedsplan 2026"),
        ({}, Phase.UITVOERING, "voortgangsrapportage over 2027"),
        ({"year": 2027}, Phase.MONITORING, "voortgangsrapportage aan de raad"),
        ({"year": 2028}, Phase.UITVOERING, "voortgangsrapportage over 2029"),
        ({"year": 2030}, Phase.KEUZES, "speerpunten"),  # the agenda ran out: a new cycle
    ],
)
def test_position_follows_the_first_missing_deliverable(
    changes: dict[str, object], phase: Phase, step: str
) -> None:
    where = position(facts(**changes))
    assert where.phase is phase
    assert step in where.next_step


def test_default_cycle_is_enschede_like() -> None:
    by_phase = {s.phase: s for s in ENSCHEDE_LIKE}
    assert [s.phase for s in sorted(ENSCHEDE_LIKE, key=lambda s: s.order)] == list(Phase)
    assert by_phase[Phase.AGENDA].length_months == 48
    assert by_phase[Phase.UITVOERING].every_months == 12
    assert by_phase[Phase.MONITORING].every_months == 24


@pytest.mark.parametrize(
    ("direction", "target", "values", "expected"),
    [
        ("up", 8.0, [], Progress.NO_DATA),
        ("up", 8.0, [("2024", 8.1)], Progress.ON_TRACK),  # already met
        ("up", 8.0, [("2025", 7.0), ("2026", 7.4)], Progress.ON_TRACK),  # moving up
        ("up", 8.0, [("2025", 7.4), ("2026", 7.0)], Progress.OFF_TRACK),  # the wrong way
        ("up", 8.0, [("2024", 7.0)], Progress.OFF_TRACK),  # one value, not met
        ("down", 10.0, [("2025", 12.0), ("2026", 11.0)], Progress.ON_TRACK),
        ("down", 10.0, [("2025", 12.0), ("2026", 12.0)], Progress.OFF_TRACK),
        ("hold", 50.0, [("2026", 51.0)], Progress.ON_TRACK),
        ("hold", 50.0, [("2026", 45.0)], Progress.OFF_TRACK),
    ],
)
def test_target_verdict(
    direction: str, target: float, values: list[tuple[str, float]], expected: Progress
) -> None:
    assert assess(direction, target, values, baseline_period="2025").progress is expected


def test_baseline_is_the_last_value_before_the_agenda_started() -> None:
    values = [("2020", 5.0), ("2025", 9.0), ("2026", 8.0)]
    found = assess("up", 10.0, values, baseline_period="2026")
    assert (found.baseline, found.latest, found.progress) == (9.0, 8.0, Progress.OFF_TRACK)
    found = assess("up", 10.0, values, baseline_period="2025")
    assert (found.baseline, found.progress) == (5.0, Progress.ON_TRACK)
