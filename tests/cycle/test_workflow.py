"""The agenda and action lifecycles, edge by edge."""

from __future__ import annotations

import pytest

from gebiedskompas.cycle.domain.workflow import (
    ACTION_ALLOWED,
    AGENDA_ALLOWED,
    ActionStatus,
    AgendaStatus,
    TransitionRefused,
    check_action_transition,
    check_agenda_transition,
)

pytestmark = pytest.mark.unit

A = AgendaStatus
AGENDA_ROWS = [
    (A.CONCEPT, A.CONSULTATION, True, "concept goes out for consultation"),
    (A.CONCEPT, A.PROPOSED, True, "a concept may skip consultation"),
    (A.CONSULTATION, A.PROPOSED, True, "after consultation it is proposed"),
    (A.CONSULTATION, A.CONCEPT, True, "consultation input sends it back to concept"),
    (A.PROPOSED, A.ADOPTED, True, "the council adopts a proposal"),
    (A.PROPOSED, A.CONCEPT, True, "a proposal sent back"),
    (A.CONCEPT, A.ADOPTED, False, "no adoption without a proposal"),
    (A.ADOPTED, A.CONCEPT, False, "adopted is final: edit a new version"),
    (A.ADOPTED, A.PROPOSED, False, "adopted is final"),
    (A.ADOPTED, A.SUPERSEDED, False, "superseding happens only by adopting a new version"),
    (A.SUPERSEDED, A.ADOPTED, False, "a superseded version never comes back"),
]


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [r[:3] for r in AGENDA_ROWS],
    ids=[r[3] for r in AGENDA_ROWS],
)
def test_agenda_transition(current: AgendaStatus, target: AgendaStatus, allowed: bool) -> None:
    if allowed:
        check_agenda_transition(current, target)
    else:
        with pytest.raises(TransitionRefused, match="kan niet naar"):
            check_agenda_transition(current, target)


S = ActionStatus
ACTION_ROWS = [
    (S.PLANNED, S.IN_PROGRESS, True, "work starts"),
    (S.IN_PROGRESS, S.DONE, True, "work finishes"),
    (S.IN_PROGRESS, S.ON_HOLD, True, "work pauses"),
    (S.ON_HOLD, S.IN_PROGRESS, True, "work resumes"),
    (S.PLANNED, S.CANCELLED, True, "a plan is dropped"),
    (S.PLANNED, S.DONE, False, "nothing is done without starting"),
    (S.DONE, S.IN_PROGRESS, False, "done is final"),
    (S.CANCELLED, S.PLANNED, False, "cancelled is final"),
]


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [r[:3] for r in ACTION_ROWS],
    ids=[r[3] for r in ACTION_ROWS],
)
def test_action_transition(current: ActionStatus, target: ActionStatus, allowed: bool) -> None:
    if allowed:
        check_action_transition(current, target)
    else:
        with pytest.raises(TransitionRefused, match="toegestaan"):
            check_action_transition(current, target)


def test_every_status_has_a_row_in_the_tables() -> None:
    assert set(AGENDA_ALLOWED) == set(AgendaStatus)
    assert set(ACTION_ALLOWED) == set(ActionStatus)


def test_refusal_names_the_statuses_in_dutch() -> None:
    with pytest.raises(TransitionRefused, match="actie afgerond kan niet naar gepland"):
        check_action_transition(S.DONE, S.PLANNED)
