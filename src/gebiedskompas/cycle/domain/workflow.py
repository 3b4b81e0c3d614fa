"""The lifecycles of the gebiedscyclus as data: agendas and actions.

An agenda is drafted (concept), discussed with residents and partners (consultation), proposed to
the college or council (proposed) and adopted. An adopted agenda is final: a change is a new
version that supersedes it, so what the council adopted stays readable as it was. A proposal sent
back goes to concept again. Actions run planned → in progress → done, and can be paused or
cancelled on the way. `services.change_agenda_status()` and `services.change_action_status()` are
the one place that applies these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from gebiedskompas.core.errors import Refusal, gettext_noop


class AgendaStatus(StrEnum):
    CONCEPT = "concept"
    CONSULTATION = "consultation"  # in consultatie
    PROPOSED = "proposed"  # voorgelegd aan college/raad
    ADOPTED = "adopted"  # vastgesteld
    SUPERSEDED = "superseded"  # vervangen door een nieuwe versie


AGENDA_LABELS: Final[Mapping[AgendaStatus, str]] = {
    AgendaStatus.CONCEPT: "concept",
    AgendaStatus.CONSULTATION: "in consultatie",
    AgendaStatus.PROPOSED: "voorgelegd",
    AgendaStatus.ADOPTED: "vastgesteld",
    AgendaStatus.SUPERSEDED: "vervangen",
}

AGENDA_ALLOWED: Final[Mapping[AgendaStatus, frozenset[AgendaStatus]]] = {
    AgendaStatus.CONCEPT: frozenset({AgendaStatus.CONSULTATION, AgendaStatus.PROPOSED}),
    AgendaStatus.CONSULTATION: frozenset({AgendaStatus.CONCEPT, AgendaStatus.PROPOSED}),
    AgendaStatus.PROPOSED: frozenset({AgendaStatus.CONCEPT, AgendaStatus.ADOPTED}),
    # Adopted is final; only adopting a newer version moves it on, to superseded.
    AgendaStatus.ADOPTED: frozenset({AgendaStatus.SUPERSEDED}),
    AgendaStatus.SUPERSEDED: frozenset(),
}
# What a user may ask for; superseding happens only as a side effect of adopting a new version.
AGENDA_REQUESTABLE: Final = frozenset(AgendaStatus) - {AgendaStatus.SUPERSEDED}
AGENDA_EDITABLE: Final = frozenset(
    {AgendaStatus.CONCEPT, AgendaStatus.CONSULTATION, AgendaStatus.PROPOSED}
)


class ActionStatus(StrEnum):
    PLANNED = "planned"  # gepland
    IN_PROGRESS = "in_progress"  # in uitvoering
    ON_HOLD = "on_hold"  # gepauzeerd
    DONE = "done"  # afgerond
    CANCELLED = "cancelled"  # geannuleerd


ACTION_LABELS: Final[Mapping[ActionStatus, str]] = {
    ActionStatus.PLANNED: "gepland",
    ActionStatus.IN_PROGRESS: "in uitvoering",
    ActionStatus.ON_HOLD: "gepauzeerd",
    ActionStatus.DONE: "afgerond",
    ActionStatus.CANCELLED: "geannuleerd",
}

ACTION_ALLOWED: Final[Mapping[ActionStatus, frozenset[ActionStatus]]] = {
    ActionStatus.PLANNED: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.ON_HOLD, ActionStatus.CANCELLED}
    ),
    ActionStatus.IN_PROGRESS: frozenset(
        {ActionStatus.ON_HOLD, ActionStatus.DONE, ActionStatus.CANCELLED}
    ),
    ActionStatus.ON_HOLD: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED}),
    ActionStatus.DONE: frozenset(),
    ActionStatus.CANCELLED: frozenset(),
}


class TransitionRefused(Refusal):
    """A move the workflow table does not allow."""


def check_agenda_transition(current: AgendaStatus, target: AgendaStatus) -> None:
    """Raise TransitionRefused, naming both statuses in Dutch, unless the table allows it and
    the target may be asked for."""
    allowed = AGENDA_ALLOWED[current] & AGENDA_REQUESTABLE
    if target not in allowed:
        names = ", ".join(sorted(AGENDA_LABELS[s] for s in allowed)) or gettext_noop("geen")
        raise TransitionRefused(
            gettext_noop("agenda {current} kan niet naar {target}; toegestaan: {names}"),
            current=AGENDA_LABELS[current],
            target=AGENDA_LABELS[target],
            names=names,
        )


def check_action_transition(current: ActionStatus, target: ActionStatus) -> None:
    """Raise TransitionRefused, naming both statuses in Dutch, unless the table allows it."""
    if target not in ACTION_ALLOWED[current]:
        names = ", ".join(
            sorted(ACTION_LABELS[s] for s in ACTION_ALLOWED[current])
        ) or gettext_noop("geen")
        raise TransitionRefused(
            gettext_noop("actie {current} kan niet naar {target}; toegestaan: {names}"),
            current=ACTION_LABELS[current],
            target=ACTION_LABELS[target],
            names=names,
        )
