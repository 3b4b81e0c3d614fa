"""The escalation ladder as data, and which of its steps are due for a signal.

No Signalen equivalent: Signalen marks a signal late but tells nobody. Ours: at the deadline the
team lead hears of it; N working days later the gebiedsmanager of the signal's area; M working
days after that the responsible alderman's office. The job that acts on it (services.py) records
each step once; this module only says which steps are due.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from gebiedskompas.signals.domain.deadlines import NL_HOLIDAYS, add_working_days


@dataclass(frozen=True)
class Step:
    """One rung: `code` is stored with the escalation; `after_working_days` counts from the
    previous rung (the first rung from the deadline)."""

    code: str
    label: str
    after_working_days: int
    role: str = ""  # the role whose holders for the signal's area are told


TEAM_LEAD: Final = "team_lead"
AREA_MANAGER: Final = "area_manager"
ALDERMAN: Final = "alderman"

DEFAULT_LADDER: Final[tuple[Step, ...]] = (
    Step(TEAM_LEAD, "teamleider van de afdeling", 0, "teamleider"),
    Step(AREA_MANAGER, "gebiedsmanager van het gebied", 3, "gebiedsmanager"),
    Step(ALDERMAN, "bureau van de verantwoordelijke wethouder", 5, "wethouder"),
)


@dataclass(frozen=True)
class DueStep:
    step: Step
    due_at: datetime


def step_moments(
    deadline: datetime,
    ladder: Sequence[Step] = DEFAULT_LADDER,
    days_off: Container[date] = NL_HOLIDAYS,
) -> list[DueStep]:
    """When each rung of `ladder` falls due for a signal with this deadline."""
    moments: list[DueStep] = []
    moment = deadline
    for step in ladder:
        moment = add_working_days(moment, step.after_working_days, days_off)
        moments.append(DueStep(step, moment))
    return moments


def due_steps(
    deadline: datetime,
    now: datetime,
    done: Collection[str] = (),
    ladder: Sequence[Step] = DEFAULT_LADDER,
    days_off: Container[date] = NL_HOLIDAYS,
) -> list[DueStep]:
    """The rungs due at `now` that are not in `done`, lowest first. A signal found late enough
    gets all rungs it has passed at once, so a job that did not run for a week catches up."""
    return [
        d
        for d in step_moments(deadline, ladder, days_off)
        if d.due_at <= now and d.step.code not in done
    ]
