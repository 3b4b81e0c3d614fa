from __future__ import annotations

import itertools

import pytest

from gebiedskompas.signals.domain.workflow import (
    ALLOWED,
    Status,
    TransitionRefused,
    check_transition,
)

pytestmark = pytest.mark.unit

PAIRS = list(itertools.product(Status, Status))
ALLOWED_PAIRS = [(a, b) for a, b in PAIRS if b in ALLOWED[a]]
REFUSED_PAIRS = [(a, b) for a, b in PAIRS if b not in ALLOWED[a]]


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(ALLOWED) == set(Status)


@pytest.mark.parametrize(
    ("current", "target"), ALLOWED_PAIRS, ids=[f"{a}->{b}" for a, b in ALLOWED_PAIRS]
)
def test_allowed_transition_passes(current: Status, target: Status) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"), REFUSED_PAIRS, ids=[f"{a}->{b}" for a, b in REFUSED_PAIRS]
)
def test_refused_transition_names_both_statuses(current: Status, target: Status) -> None:
    with pytest.raises(TransitionRefused, match="kan niet naar"):
        check_transition(current, target)


def test_closed_signal_can_only_be_reopened_and_cancelled_is_final() -> None:
    assert ALLOWED[Status.CLOSED] == {Status.REOPENED}
    assert ALLOWED[Status.CANCELLED] == frozenset()
