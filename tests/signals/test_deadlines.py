from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from gebiedskompas.signals.domain.deadlines import (
    DayKind,
    add_working_days,
    deadline,
    is_working_day,
)
from gebiedskompas.signals.domain.escalation import due_steps, step_moments

pytestmark = pytest.mark.unit
AMS = ZoneInfo("Europe/Amsterdam")


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=AMS)


CASES = [
    # start, working days, expected, why
    (at(2026, 6, 3), 2, at(2026, 6, 5), "plain midweek"),
    (at(2026, 6, 5), 1, at(2026, 6, 8), "Friday + 1 skips the weekend"),
    (datetime(2026, 6, 6, 14, tzinfo=AMS), 1, datetime(2026, 6, 9, 0, tzinfo=AMS),
     "reported on Saturday: counting starts Monday 00:00"),
    (at(2026, 4, 2), 1, at(2026, 4, 7), "Maundy Thursday + 1 skips Good Friday to Easter Monday"),
    (at(2026, 4, 24), 1, at(2026, 4, 28), "Friday before King's Day (Mon 27 April) + 1"),
    (at(2025, 4, 25), 1, at(2025, 4, 28), "King's Day 2025 on Saturday: no shift, Monday counts"),
    (at(2026, 12, 24), 1, at(2026, 12, 28), "Christmas Eve + 1 skips Christmas and Boxing Day"),
    (at(2026, 12, 23), 3, at(2026, 12, 29), "across Christmas and the weekend"),
    (at(2026, 5, 13), 1, at(2026, 5, 15), "Ascension Day 14 May 2026"),
]  # fmt: skip


@pytest.mark.parametrize(("start", "days", "expected", "why"), CASES, ids=[c[3] for c in CASES])
def test_working_days_skip_weekends_and_dutch_holidays(
    start: datetime, days: int, expected: datetime, why: str
) -> None:
    assert add_working_days(start, days) == expected


def test_holidays_are_not_working_days() -> None:
    for day in (date(2026, 4, 5), date(2026, 4, 6), date(2026, 4, 27), date(2026, 12, 25),
                date(2026, 12, 26), date(2026, 1, 1)):  # fmt: skip
        assert not is_working_day(day), day
    # The holidays package counts Good Friday for NL (many municipal offices close); we follow it.
    assert not is_working_day(date(2026, 4, 3))
    assert is_working_day(date(2026, 4, 7))


def test_calendar_days_count_every_day() -> None:
    assert deadline(at(2026, 12, 24), 3, DayKind.CALENDAR) == at(2026, 12, 27)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(at(2026, 1, 5), -1)


def test_ladder_steps_fall_on_working_days_after_the_deadline() -> None:
    moments = [d.due_at for d in step_moments(at(2026, 4, 24))]
    # team lead at the deadline; +3 working days skips King's Day; +5 more
    assert moments == [
        at(2026, 4, 24),
        at(2026, 4, 30),
        datetime.combine(date(2026, 5, 7), time(10), AMS),
    ]


def test_due_steps_skips_steps_done_and_not_yet_due() -> None:
    d = at(2026, 6, 1)
    assert [s.step.code for s in due_steps(d, at(2026, 6, 1, 9))] == []
    assert [s.step.code for s in due_steps(d, at(2026, 6, 4, 11))] == ["team_lead", "area_manager"]
    assert [s.step.code for s in due_steps(d, at(2026, 6, 4, 11), {"team_lead"})] == [
        "area_manager"
    ]
