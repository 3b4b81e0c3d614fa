"""The per-object history page: who changed what, when, with old and new values.

`AUDITED` maps the name in the URL (`/geschiedenis/<model>/<pk>/`) to the model and the check
that decides who may read its history. Register a model here after giving it
``history = HistoricalRecords()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model

from gebiedskompas.accounts.permissions import can, can_somewhere
from gebiedskompas.accounts.roles import HANDLE_SIGNAL, MANAGE_ROLES, VIEW_HISTORY, VIEW_INTERNAL


@dataclass(frozen=True)
class Audited:
    model: str  # app_label.ModelName
    may_read: Callable[[Any, Any], bool]  # (user, object) → bool


AUDITED: dict[str, Audited] = {
    "gebied": Audited("areas.Area", lambda user, obj: can(user, VIEW_HISTORY, obj)),
    "cluster": Audited("areas.Cluster", lambda user, obj: can(user, VIEW_HISTORY, obj)),
    # The catalogue is shared by every municipality in the installation.
    "indicator": Audited(
        "indicators.Indicator", lambda user, obj: can_somewhere(user, VIEW_HISTORY)
    ),
    "roltoewijzing": Audited(
        "accounts.RoleAssignment", lambda user, obj: can(user, MANAGE_ROLES, obj.area)
    ),
    # The gebiedscyclus (a higher layer, so named by string): readable with view_history on
    # the area the agenda, plan or knelpunt belongs to.
    "gebiedsagenda": Audited("cycle.AreaAgenda", lambda u, obj: can(u, VIEW_HISTORY, obj.area)),
    "agendadocument": Audited(
        "cycle.AgendaDocument", lambda u, obj: can(u, VIEW_HISTORY, obj.agenda.area)
    ),
    "speerpunt": Audited("cycle.Priority", lambda u, obj: can(u, VIEW_HISTORY, obj.agenda.area)),
    "doel": Audited("cycle.Target", lambda u, obj: can(u, VIEW_HISTORY, obj.priority.agenda.area)),
    "gebiedsplan": Audited("cycle.AreaPlan", lambda u, obj: can(u, VIEW_HISTORY, obj.area)),
    "actie": Audited("cycle.Action", lambda u, obj: can(u, VIEW_HISTORY, obj.plan.area)),
    "knelpunt": Audited("cycle.Barrier", lambda u, obj: can(u, VIEW_HISTORY, obj.area)),
    "cyclusfase": Audited(
        "cycle.CyclePhase", lambda u, obj: can(u, VIEW_HISTORY, obj.municipality)
    ),
    "voortgang": Audited(
        "cycle.ActionUpdate", lambda u, obj: can(u, VIEW_HISTORY, obj.action.plan.area)
    ),
    "mijlpaal": Audited(
        "cycle.Milestone", lambda u, obj: can(u, VIEW_HISTORY, obj.action.plan.area)
    ),
    "financiering": Audited(
        "cycle.ActionFunding", lambda u, obj: can(u, VIEW_HISTORY, obj.action.plan.area)
    ),
    "gebiedsbudget": Audited("cycle.AreaBudget", lambda u, obj: can(u, VIEW_HISTORY, obj.area)),
    "budgettoewijzing": Audited(
        "cycle.BudgetAllocation", lambda u, obj: can(u, VIEW_HISTORY, obj.budget.area)
    ),
    # Participation: rounds, their phase dates, ideas and initiatives (never ballots or codes).
    "buurtbegroting": Audited(
        "participation.BudgetRound", lambda u, obj: can(u, VIEW_HISTORY, obj.area)
    ),
    "fasenplan": Audited(
        "participation.PhasePlan", lambda u, obj: can(u, VIEW_HISTORY, obj.round.area)
    ),
    "idee": Audited("participation.Idea", lambda u, obj: can(u, VIEW_HISTORY, obj.round.area)),
    "initiatief": Audited(
        "participation.Initiative", lambda u, obj: can(u, VIEW_HISTORY, obj.area)
    ),
    # Signals: a signal's history is for those who may see the signal (view_internal on its
    # area) and either read history or handle signals there; a municipality's categories,
    # routing rules and escalation steps for history readers of the municipality.
    "melding": Audited("signals.Signal", lambda u, obj: _may_read_signal(u, obj)),
    "meldingcategorie": Audited(
        "signals.Category", lambda u, obj: can(u, VIEW_HISTORY, obj.municipality)
    ),
    "routeringsregel": Audited(
        "signals.RoutingRule", lambda u, obj: can(u, VIEW_HISTORY, obj.municipality)
    ),
    "escalatiestap": Audited(
        "signals.EscalationStep", lambda u, obj: can(u, VIEW_HISTORY, obj.municipality)
    ),
    # A municipality's retention periods: for who may set them.
    "bewaartermijn": Audited(
        "ops.RetentionPolicy", lambda u, obj: can(u, MANAGE_ROLES, obj.municipality)
    ),
}


def _may_read_signal(user: Any, signal: Any) -> bool:
    return can(user, VIEW_INTERNAL, signal.area) and (
        can(user, VIEW_HISTORY, signal.area) or can(user, HANDLE_SIGNAL, signal.area)
    )


def records_of(obj: Model) -> Any:
    """The object's django-simple-history manager (named `history` unless the model uses that
    name for something else, as Signal does for its status log)."""
    return getattr(obj, obj._meta.simple_history_manager_attribute)  # type: ignore[attr-defined]  # set by simple_history


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Entry:
    when: Any
    who: str
    kind: str  # created / changed / deleted
    changes: list[Change]


KINDS = {"+": "aangemaakt", "~": "gewijzigd", "-": "verwijderd"}


def model_of(name: str) -> type[Model] | None:
    audited = AUDITED.get(name)
    return apps.get_model(audited.model) if audited else None


def entries(obj: Model) -> list[Entry]:
    """The object's history, newest first, each with the fields that changed."""
    records = list(records_of(obj).select_related("history_user").order_by("-history_date", "-pk"))
    out = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if older is not None:
            delta = record.diff_against(older)
            changes = [Change(c.field, _text(c.old), _text(c.new)) for c in delta.changes]
        elif record.history_type == "+":
            changes = [
                Change(f.name, "", _text(getattr(record, f.attname)))
                for f in obj._meta.fields
                if hasattr(record, f.attname) and f.name not in ("id",)
            ]
        user = record.history_user
        out.append(
            Entry(
                when=record.history_date,
                who=user.get_username() if user else "systeem",
                kind=KINDS.get(record.history_type, record.history_type),
                changes=changes,
            )
        )
    return out


def _text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bytes | memoryview):
        return "(binair)"
    return str(value)
