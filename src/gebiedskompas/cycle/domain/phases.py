"""The gebiedscyclus's phases as data, and where an area stands in them.

A municipality configures its cycle as an ordered list of phases (analyse, keuzes, agenda,
uitvoering, monitoring/verantwoording), each with a length, how often it recurs and the roles
that own it. `ENSCHEDE_LIKE` is the default: a four-year agenda per stadsdeel, a plan every
year and a progress report to the council every two years. `position()` turns the facts about
one area (is there an analysis, an agenda and its status, this year's plan) into the phase the
area is in and what is due next. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Phase(StrEnum):
    ANALYSE = "analyse"
    KEUZES = "keuzes"
    AGENDA = "agenda"
    UITVOERING = "uitvoering"
    MONITORING = "monitoring"  # monitoring en verantwoording


PHASE_LABELS: Final = {
    Phase.ANALYSE: "analyse",
    Phase.KEUZES: "keuzes",
    Phase.AGENDA: "agenda",
    Phase.UITVOERING: "uitvoering",
    Phase.MONITORING: "monitoring en verantwoording",
}


@dataclass(frozen=True)
class PhaseSpec:
    phase: Phase
    order: int
    length_months: int
    every_months: int  # how often it recurs within the agenda period; 0: once per period
    owner_roles: tuple[str, ...]
    deliverable: str


ENSCHEDE_LIKE: Final[tuple[PhaseSpec, ...]] = (
    PhaseSpec(Phase.ANALYSE, 1, 6, 0, ("analist", "gebiedsmanager"), "gebiedsanalyse"),
    PhaseSpec(Phase.KEUZES, 2, 3, 0, ("gebiedsmanager",), "speerpunten"),
    PhaseSpec(Phase.AGENDA, 3, 48, 0, ("gebiedsmanager", "wethouder"), "stadsdeelagenda"),
    PhaseSpec(
        Phase.UITVOERING,
        4,
        12,
        12,
        ("gebiedsverbinder", "gebiedsmanager", "afdeling"),
        "gebiedsplan",
    ),  # fmt: skip
    PhaseSpec(
        Phase.MONITORING,
        5,
        3,
        24,
        ("gebiedsmanager", "analist", "wethouder"),
        "voortgangsrapportage",
    ),  # fmt: skip
)


def report_every_years(specs: Sequence[PhaseSpec]) -> int:
    """Years between progress reports (the monitoring phase's recurrence; 2 when unset)."""
    for spec in specs:
        if spec.phase is Phase.MONITORING and spec.every_months:
            return max(1, spec.every_months // 12)
    return 2


@dataclass(frozen=True)
class AreaFacts:
    """What is known about one area, read from the database."""

    year: int  # this year
    has_analysis: bool
    agenda_status: str | None  # the newest agenda's status (workflow.AgendaStatus value)
    agenda_start: int | None
    agenda_end: int | None
    has_plan_this_year: bool


@dataclass(frozen=True)
class Position:
    phase: Phase
    next_step: str  # Dutch, for the page
    due_year: int | None


def position(facts: AreaFacts, specs: Sequence[PhaseSpec] = ENSCHEDE_LIKE) -> Position:
    """The phase the area is in and the next step, by the first missing deliverable."""
    agenda_running = (
        facts.agenda_status == "adopted"
        and facts.agenda_start is not None
        and facts.agenda_end is not None
        and facts.agenda_start <= facts.year <= facts.agenda_end
    )
    if not agenda_running and facts.agenda_status in ("concept", "consultation", "proposed"):
        return Position(Phase.AGENDA, "gebiedsagenda vaststellen", facts.agenda_start)
    if not agenda_running:
        if not facts.has_analysis:
            return Position(Phase.ANALYSE, "gebiedsanalyse maken", facts.year)
        return Position(Phase.KEUZES, "speerpunten kiezen en een agenda opstellen", facts.year)
    assert facts.agenda_start is not None and facts.agenda_end is not None
    if not facts.has_plan_this_year:
        return Position(Phase.UITVOERING, f"gebiedsplan {facts.year} opstellen", facts.year)
    every = report_every_years(specs)
    elapsed = facts.year - facts.agenda_start + 1
    if elapsed % every == 0 or facts.year == facts.agenda_end:
        return Position(Phase.MONITORING, "voortgangsrapportage aan de raad", facts.year)
    report_year = min(facts.agenda_start + every - 1 + (elapsed // every) * every, facts.agenda_end)
    return Position(Phase.UITVOERING, f"voortgangsrapportage over {report_year}", report_year)
