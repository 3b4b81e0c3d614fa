"""Every write of the cycle app: one function per state change.

Agendas, plans, actions and barriers need ``edit_plan`` on the area (or an area above it);
deciding a koppelkans needs ``edit_plan`` or ``edit_activity`` on the municipality or the area of
one of its activities. Status changes go through the tables in `domain.workflow` and append a
history row in the same transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from gebiedskompas.accounts.permissions import all_in_scope, can
from gebiedskompas.accounts.roles import ADD_STORY, EDIT_ACTIVITY, EDIT_PLAN, MODERATE_STORIES
from gebiedskompas.analysis.models import AnalysisRun
from gebiedskompas.areas.domain.geometry import geometry_from_wkb
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import KompasError, NotFound, gettext_noop
from gebiedskompas.cycle.documents import Document, validate_document
from gebiedskompas.cycle.domain import couplings, workflow
from gebiedskompas.cycle.domain.workflow import ActionStatus, AgendaStatus
from gebiedskompas.cycle.models import (
    Action,
    ActionStatusChange,
    Activity,
    AgendaDocument,
    AgendaStatusChange,
    AreaAgenda,
    AreaPlan,
    AuthorRole,
    Barrier,
    BarrierCategory,
    CouplingOpportunity,
    CouplingOutcome,
    CouplingStatus,
    Direction,
    DocumentKind,
    Priority,
    Story,
    StoryStatus,
    Target,
)
from gebiedskompas.indicators.models import Domain, Indicator

# A resident may send this many stories per hour from one address; enough for a neighbour
# writing about a few areas, too few for a script flooding the moderators.
RESIDENT_STORIES_PER_HOUR: Final = 5
MAX_TEXT: Final = 4000


class RateLimited(KompasError):
    """Too many stories from one address in the last hour."""


class NotAllowed(KompasError):
    """The acting user may not do this."""


def submitter_hash(ip_address: str) -> str:
    """A keyed hash of the submitter's address: enough to count, not to identify."""
    key = str(settings.SECRET_KEY).encode()
    return hashlib.sha256(key + b"|story|" + ip_address.encode()).hexdigest()


@dataclass(frozen=True)
class StoryInput:
    area_codes: Sequence[str]
    text: str
    theme: str
    date: date
    title: str = ""
    author: str = ""
    indicator_keys: Sequence[str] = ()


def _validate(data: StoryInput) -> tuple[list[Area], list[Indicator]]:
    text = data.text.strip()
    if not text:
        raise KompasError(_("Schrijf uw verhaal in het tekstveld."), column="text")
    if len(text) > MAX_TEXT:
        raise KompasError(
            _("Een verhaal heeft hoogstens %(max)d tekens.") % {"max": MAX_TEXT}, column="text"
        )
    if data.theme not in Domain.values:
        raise KompasError(_("Kies een thema uit de lijst."), column="theme", value=data.theme)
    if data.date > timezone.localdate():
        raise KompasError(_("De datum ligt in de toekomst."), column="date")
    areas = list(Area.objects.filter(code__in=list(data.area_codes)))
    if not areas:
        raise KompasError(_("Kies minstens één bestaand gebied."), column="areas")
    indicators = list(Indicator.objects.filter(key__in=list(data.indicator_keys)))
    return areas, indicators


def submit_resident_story(data: StoryInput, *, ip_address: str) -> Story:
    """A resident's story from the public form: stored pending moderation. Raises RateLimited
    after `RESIDENT_STORIES_PER_HOUR` stories from one address within an hour."""
    areas, indicators = _validate(data)
    fingerprint = submitter_hash(ip_address)
    with transaction.atomic():
        recent = Story.objects.filter(
            submitter_hash=fingerprint, created_at__gte=timezone.now() - timedelta(hours=1)
        ).count()
        if recent >= RESIDENT_STORIES_PER_HOUR:
            raise RateLimited(
                _("U heeft het afgelopen uur al %(n)d verhalen gestuurd.") % {"n": recent}
                + " "
                + _("Probeer het later opnieuw.")
            )
        story = Story.objects.create(
            author=data.author.strip()[:120],
            author_role=AuthorRole.RESIDENT,
            date=data.date,
            title=data.title.strip()[:160],
            text=data.text.strip(),
            theme=data.theme,
            is_resident=True,
            status=StoryStatus.PENDING,
            submitter_hash=fingerprint,
        )
        story.areas.set(areas)
        story.indicators.set(indicators)
    return story


def add_story(data: StoryInput, *, role: str, by: Any, organisation: str = "") -> Story:
    """A professional's or partner's story entered by staff: shown at once. The author needs
    the right to add stories (ADD_STORY) in every area the story is about."""
    if role not in (AuthorRole.PROFESSIONAL, AuthorRole.PARTNER):
        raise KompasError(_("Kies de rol professional of partner."), column="author_role")
    areas, indicators = _validate(data)
    if not all_in_scope(by, ADD_STORY, areas):
        raise NotAllowed(_("U mag in deze gebieden geen verhalen direct plaatsen."))
    with transaction.atomic():
        story = Story.objects.create(
            author=data.author.strip()[:120],
            author_role=role,
            organisation=organisation.strip()[:160],
            date=data.date,
            title=data.title.strip()[:160],
            text=data.text.strip(),
            theme=data.theme,
            is_resident=False,
            status=StoryStatus.APPROVED,
            created_by=by,
            moderated_by=by,
            moderated_at=timezone.now(),
        )
        story.areas.set(areas)
        story.indicators.set(indicators)
    return story


def moderate_story(story_id: int, *, approve: bool, by: Any) -> Story:
    """Approve or reject a pending story; a decided story may be decided again. The moderator
    needs the right to moderate stories (MODERATE_STORIES) in every area the story is about,
    so a decision never publishes a story in an area outside their own."""
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story_id)
        if not all_in_scope(by, MODERATE_STORIES, story.areas.all()):
            raise NotAllowed(_("U mag verhalen over deze gebieden niet beoordelen."))
        story.status = StoryStatus.APPROVED if approve else StoryStatus.REJECTED
        story.moderated_by = by
        story.moderated_at = timezone.now()
        story.save(update_fields=["status", "moderated_by", "moderated_at"])
    return story


# --- agenda -------------------------------------------------------------------------------------


class TransitionRefused(KompasError):
    """A status change the workflow does not allow."""


class AgendaLocked(KompasError):
    """An agenda that can no longer be edited (superseded)."""


def _area(code: str) -> Area:
    area = Area.objects.select_related("parent__parent__parent").filter(code=code).first()
    if area is None:
        raise NotFound(
            gettext_noop("onbekend gebied {code!r}"), column="area", value=code, code=code
        )
    return area


def _require(by: Any, action: str, area: Area) -> None:
    if not can(by, action, area):
        raise NotAllowed(
            gettext_noop("u mag dit niet doen voor {name} ({code})"), name=area.name, code=area.code
        )


def _agenda_for_update(agenda_id: int) -> AreaAgenda:
    found = AreaAgenda.objects.select_for_update().filter(pk=agenda_id).first()
    if found is None:
        raise NotFound(
            gettext_noop("onbekende gebiedsagenda {agenda_id}"),
            value=agenda_id,
            agenda_id=agenda_id,
        )
    return found


def create_agenda(
    area_code: str, *, title: str, start_year: int, end_year: int, by: Any
) -> AreaAgenda:
    """A new agenda (version 1, concept) for the area and period."""
    area = _area(area_code)
    _require(by, EDIT_PLAN, area)
    if end_year < start_year:
        raise KompasError(
            gettext_noop("de periode {start_year}–{end_year} eindigt voor ze begint"),
            column="end_year",
            start_year=start_year,
            end_year=end_year,
        )
    if not title.strip():
        raise KompasError(gettext_noop("geef de agenda een titel"), column="title")
    with transaction.atomic():
        if AreaAgenda.objects.filter(area=area, start_year=start_year).exists():
            raise KompasError(
                gettext_noop(
                    "{name} heeft al een agenda vanaf {start_year}; maak een nieuwe versie"
                ),
                column="start_year",
                name=area.name,
                start_year=start_year,
            )
        agenda = AreaAgenda.objects.create(
            area=area, title=title.strip()[:200], start_year=start_year, end_year=end_year
        )
        AgendaStatusChange.objects.create(
            agenda=agenda, to_status=AgendaStatus.CONCEPT, by=_user(by), at=timezone.now()
        )
    return agenda


def _user(by: Any) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _copy_agenda(old: AreaAgenda, by: Any) -> AreaAgenda:
    new = AreaAgenda.objects.create(
        area_id=old.area_id,
        title=old.title,
        start_year=old.start_year,
        end_year=old.end_year,
        version=old.version + 1,
        supersedes=old,
    )
    AgendaStatusChange.objects.create(
        agenda=new,
        to_status=AgendaStatus.CONCEPT,
        note=f"nieuwe versie van versie {old.version}",
        by=_user(by),
        at=timezone.now(),
    )
    for priority in old.priorities.prefetch_related("indicators", "targets"):
        indicators = list(priority.indicators.all())
        targets = list(priority.targets.all())
        copied = Priority.objects.create(
            agenda=new,
            title=priority.title,
            motivation=priority.motivation,
            analysis_run_id=priority.analysis_run_id,
            owner=priority.owner,
            organisation=priority.organisation,
            status=priority.status,
            order=priority.order,
        )
        copied.indicators.set(indicators)
        Target.objects.bulk_create(
            Target(priority=copied, indicator_id=t.indicator_id, value=t.value, year=t.year,
                   direction=t.direction)
            for t in targets
        )  # fmt: skip
    return new


def editable_agenda(agenda_id: int, *, by: Any) -> AreaAgenda:
    """The agenda to write changes into: the agenda itself while it is not adopted; for an
    adopted agenda its open newer version, created (copying priorities and targets) when there
    is none. A superseded agenda refuses: edit the newest version."""
    with transaction.atomic():
        agenda = _agenda_for_update(agenda_id)
        _require(by, EDIT_PLAN, agenda.area)
        status = AgendaStatus(agenda.status)
        if status in workflow.AGENDA_EDITABLE:
            return agenda
        successor = AreaAgenda.objects.filter(supersedes=agenda).first()
        if status is AgendaStatus.ADOPTED:
            if successor is not None:
                return successor
            return _copy_agenda(agenda, by)
        raise AgendaLocked(
            gettext_noop("versie {version} is vervangen; bewerk de nieuwste versie"),
            value=agenda_id,
            version=agenda.version,
        )


def add_priority(
    agenda_id: int,
    *,
    title: str,
    by: Any,
    motivation: str = "",
    analysis_run_id: int | None = None,
    indicator_keys: Sequence[str] = (),
    owner: str = "",
    organisation: str = "",
) -> Priority:
    """A priority on the agenda; on an adopted agenda it goes into a new version (see
    `editable_agenda`), which the returned priority's ``agenda`` names."""
    if not title.strip():
        raise KompasError(gettext_noop("geef het speerpunt een titel"), column="title")
    indicators = list(Indicator.objects.filter(key__in=list(indicator_keys)))
    missing = sorted(set(indicator_keys) - {i.key for i in indicators})
    if missing:
        raise NotFound(
            gettext_noop("onbekende indicator {missing_0!r}"),
            column="indicators",
            value=missing,
            missing_0=missing[0],
        )
    run = None
    if analysis_run_id is not None:
        run = AnalysisRun.objects.filter(pk=analysis_run_id).first()
        if run is None:
            raise NotFound(
                gettext_noop("onbekende gebiedsanalyse {analysis_run_id}"),
                column="analysis_run",
                analysis_run_id=analysis_run_id,
            )
    with transaction.atomic():
        agenda = editable_agenda(agenda_id, by=by)
        priority = Priority.objects.create(
            agenda=agenda,
            title=title.strip()[:200],
            motivation=motivation.strip(),
            analysis_run=run,
            owner=owner.strip()[:160],
            organisation=organisation.strip()[:160],
            order=agenda.priorities.count() + 1,
        )
        priority.indicators.set(indicators)
    return priority


def add_target(
    priority_id: int, *, indicator_key: str, value: Decimal, year: int, direction: str, by: Any
) -> Target:
    """A target on the priority; on an adopted agenda, on the priority's copy in a new version."""
    priority = Priority.objects.select_related("agenda").filter(pk=priority_id).first()
    if priority is None:
        raise NotFound(
            gettext_noop("onbekend speerpunt {priority_id}"),
            value=priority_id,
            priority_id=priority_id,
        )
    if direction not in Direction.values:
        raise KompasError(
            gettext_noop("richting {direction!r} bestaat niet; kies uit {join_direction_values}"),
            column="direction",
            value=direction,
            direction=direction,
            join_direction_values=", ".join(Direction.values),
        )
    indicator = Indicator.objects.filter(key=indicator_key).first()
    if indicator is None:
        raise NotFound(
            gettext_noop("onbekende indicator {indicator_key!r}"),
            column="indicator",
            indicator_key=indicator_key,
        )
    with transaction.atomic():
        agenda = editable_agenda(priority.agenda_id, by=by)
        if agenda.pk != priority.agenda_id:
            priority = agenda.priorities.get(order=priority.order, title=priority.title)
        target, _created = Target.objects.update_or_create(
            priority=priority,
            indicator=indicator,
            year=year,
            defaults={"value": Decimal(value), "direction": direction},
        )
    return target


def change_agenda_status(
    agenda_id: int,
    to: str,
    *,
    by: Any,
    note: str = "",
    decision_reference: str = "",
    adopted_on: date | None = None,
    document: tuple[str, bytes] | None = None,
) -> AreaAgenda:
    """Move the agenda along its lifecycle. Adopting a new version supersedes the adopted
    version it replaces, with a history row on each. `document` (name, bytes): the decision,
    attached to this step; checked first, so a refused file changes nothing."""
    try:
        target = AgendaStatus(to)
    except ValueError:
        raise KompasError(
            gettext_noop("onbekende status {to!r}"), column="status", value=to, to=to
        ) from None
    checked = validate_document(*document) if document is not None else None
    with transaction.atomic():
        agenda = _agenda_for_update(agenda_id)
        _require(by, EDIT_PLAN, agenda.area)
        current = AgendaStatus(agenda.status)
        try:
            workflow.check_agenda_transition(current, target)
        except workflow.TransitionRefused as exc:
            raise TransitionRefused(exc.template, column="status", value=to, **exc.params) from None
        now = timezone.now()
        if target is AgendaStatus.ADOPTED:
            agenda.adopted_on = adopted_on or timezone.localdate()
            agenda.decision_reference = decision_reference.strip()[:200]
            old = agenda.supersedes
            if old is not None and old.status == AgendaStatus.ADOPTED:
                old.status = AgendaStatus.SUPERSEDED
                old.save(update_fields=["status"])
                AgendaStatusChange.objects.create(
                    agenda=old,
                    from_status=AgendaStatus.ADOPTED,
                    to_status=AgendaStatus.SUPERSEDED,
                    note=f"vervangen door versie {agenda.version}",
                    by=_user(by),
                    at=now,
                )
        agenda.status = target
        agenda.save(update_fields=["status", "adopted_on", "decision_reference"])
        change = AgendaStatusChange.objects.create(
            agenda=agenda,
            from_status=current,
            to_status=target,
            note=note.strip(),
            by=_user(by),
            at=now,
        )
        if checked is not None:
            _store_document(
                agenda, checked, by=by, kind=DocumentKind.DECISION,
                title=decision_reference or checked.name, status_change=change,
            )  # fmt: skip
    return agenda


def attach_agenda_document(
    agenda_id: int, *, name: str, data: bytes, by: Any, title: str = "", kind: str = ""
) -> AgendaDocument:
    """Attach a document (a decision or another attachment) to the agenda, whatever its
    status: adding a document does not change what was adopted."""
    kind = kind or DocumentKind.ATTACHMENT
    if kind not in DocumentKind.values:
        raise KompasError(
            gettext_noop("onbekende soort document {kind!r}"), column="kind", value=kind, kind=kind
        )
    checked = validate_document(name, data)
    with transaction.atomic():
        agenda = AreaAgenda.objects.select_related("area").filter(pk=agenda_id).first()
        if agenda is None:
            raise NotFound(
                gettext_noop("onbekende gebiedsagenda {agenda_id}"),
                value=agenda_id,
                agenda_id=agenda_id,
            )
        _require(by, EDIT_PLAN, agenda.area)
        return _store_document(agenda, checked, by=by, kind=kind, title=title or checked.name)


def _store_document(
    agenda: AreaAgenda,
    document: Document,
    *,
    by: Any,
    kind: str,
    title: str,
    status_change: AgendaStatusChange | None = None,
) -> AgendaDocument:
    from django.core.files.base import ContentFile

    row = AgendaDocument(
        agenda=agenda,
        status_change=status_change,
        kind=kind,
        title=title.strip()[:200],
        file_name=document.name,
        content_type=document.content_type,
        size=len(document.data),
        uploaded_by=_user(by),
    )
    suffix = document.name.rsplit(".", 1)[-1].lower()
    # A name of our own on disk; the reader's name only in the download.
    row.file.save(f"agenda-{agenda.pk}-{uuid.uuid4().hex}.{suffix}", ContentFile(document.data),
                  save=False)  # fmt: skip
    try:
        row.save()
    except Exception:
        row.file.delete(save=False)
        raise
    return row


# --- plan and actions ---------------------------------------------------------------------------


def create_plan(
    area_code: str, year: int, *, by: Any, agenda_id: int | None = None, title: str = ""
) -> AreaPlan:
    """The area's plan for the year (one per area and year)."""
    area = _area(area_code)
    _require(by, EDIT_PLAN, area)
    with transaction.atomic():
        if AreaPlan.objects.filter(area=area, year=year).exists():
            raise KompasError(
                gettext_noop("{name} heeft al een plan voor {year}"),
                column="year",
                name=area.name,
                year=year,
            )
        return AreaPlan.objects.create(
            area=area, year=year, agenda_id=agenda_id, title=title.strip()[:200]
        )


def _money(value: Decimal | int | str, column: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise KompasError(
            gettext_noop("{value!r} is geen bedrag"), column=column, value=value
        ) from None
    if amount < 0:
        raise KompasError(
            gettext_noop("een bedrag kan niet negatief zijn"), column=column, value=value
        )
    return amount


def add_action(
    plan_id: int,
    *,
    title: str,
    owner: str,
    start: date,
    by: Any,
    end: date | None = None,
    priority_id: int | None = None,
    budget_planned: Decimal | int | str = 0,
    budget_committed: Decimal | int | str = 0,
    budget_spent: Decimal | int | str = 0,
    budget_source: str = "",
    description: str = "",
) -> Action:
    """A planned action in the plan, with its budget in euros and a first history row."""
    plan = AreaPlan.objects.select_related("area").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(
            gettext_noop("onbekend gebiedsplan {plan_id}"), value=plan_id, plan_id=plan_id
        )
    _require(by, EDIT_PLAN, plan.area)
    if not title.strip() or not owner.strip():
        raise KompasError(gettext_noop("een actie heeft een titel en een eigenaar"), column="title")
    if end is not None and end < start:
        raise KompasError(
            gettext_noop("de actie eindigt ({end}) voor ze begint ({start})"),
            column="end",
            end=end,
            start=start,
        )
    if (
        priority_id is not None
        and not Priority.objects.filter(pk=priority_id, agenda__area_id=plan.area_id).exists()
    ):
        raise NotFound(
            gettext_noop("speerpunt {priority_id} hoort niet bij {name}"),
            column="priority",
            priority_id=priority_id,
            name=plan.area.name,
        )
    with transaction.atomic():
        action = Action.objects.create(
            plan=plan,
            priority_id=priority_id,
            title=title.strip()[:200],
            owner=owner.strip()[:160],
            start=start,
            end=end,
            budget_planned=_money(budget_planned, "budget_planned"),
            budget_committed=_money(budget_committed, "budget_committed"),
            budget_spent=_money(budget_spent, "budget_spent"),
            budget_source=budget_source.strip()[:120],
            description=description.strip(),
        )
        ActionStatusChange.objects.create(
            action=action, to_status=ActionStatus.PLANNED, by=_user(by), at=timezone.now()
        )
    return action


def change_action_status(action_id: int, to: str, *, by: Any, note: str = "") -> Action:
    """Move the action along its lifecycle, with a history row."""
    try:
        target = ActionStatus(to)
    except ValueError:
        raise KompasError(
            gettext_noop("onbekende status {to!r}"), column="status", value=to, to=to
        ) from None
    with transaction.atomic():
        action = Action.objects.select_for_update().filter(pk=action_id).first()
        if action is None:
            raise NotFound(
                gettext_noop("onbekende actie {action_id}"), value=action_id, action_id=action_id
            )
        area = Area.objects.select_related("parent__parent__parent").get(pk=action.plan.area_id)
        if not may_edit_action(by, action, area):
            raise NotAllowed(
                gettext_noop("u mag deze actie niet wijzigen ({name})"), name=area.name
            )
        current = ActionStatus(action.status)
        try:
            workflow.check_action_transition(current, target)
        except workflow.TransitionRefused as exc:
            raise TransitionRefused(exc.template, column="status", value=to, **exc.params) from None
        action.status = target
        action.save(update_fields=["status"])
        ActionStatusChange.objects.create(
            action=action,
            from_status=current,
            to_status=target,
            note=note.strip(),
            by=_user(by),
            at=timezone.now(),
        )
    return action


# --- barriers -----------------------------------------------------------------------------------


def record_barrier(
    area_code: str,
    *,
    category: str,
    description: str,
    by: Any,
    raised_by: str = "",
    raised_on: date | None = None,
    action_id: int | None = None,
    escalated_to: str = "",
) -> Barrier:
    """A knelpunt for the area, optionally for one of its actions, recorded by a plan editor
    of the area, or by a department or partner for the area in its scope or an action it owns
    or takes part in (see `may_record_barrier`). Without `raised_by`, the user and their
    organisation are named."""
    area = _area(area_code)
    action = None
    if action_id is not None:
        action = Action.objects.filter(pk=action_id, plan__area=area).first()
        if action is None:
            raise NotFound(
                gettext_noop("actie {action_id} hoort niet bij {name}"),
                column="action",
                action_id=action_id,
                name=area.name,
            )
    if not may_record_barrier(by, area, action):
        if action is not None:
            raise NotAllowed(
                gettext_noop(
                    "u mag geen knelpunt vastleggen voor {name} ({code}) bij actie {title!r}"
                ),
                name=area.name,
                code=area.code,
                title=action.title,
            )
        raise NotAllowed(
            gettext_noop("u mag geen knelpunt vastleggen voor {name} ({code})"),
            name=area.name,
            code=area.code,
        )
    raised_by = raised_by.strip() or raiser_name(by)
    if category not in BarrierCategory.values:
        raise KompasError(
            gettext_noop(
                "categorie {category!r} bestaat niet; kies uit {join_barriercategory_values}"
            ),
            column="category",
            value=category,
            category=category,
            join_barriercategory_values=", ".join(BarrierCategory.values),
        )
    if not description.strip() or not raised_by.strip():
        raise KompasError(
            gettext_noop("beschrijf het knelpunt en wie het meldt"), column="description"
        )
    today = timezone.localdate()
    return Barrier.objects.create(
        area=area,
        action_id=action_id,
        category=category,
        description=description.strip(),
        raised_by=raised_by.strip()[:160],
        raised_on=raised_on or today,
        escalated_to=escalated_to.strip()[:160],
        escalated_on=today if escalated_to.strip() else None,
    )


def may_record_barrier(by: Any, area: Area, action: Action | None = None) -> bool:
    """Plan editors of the area record any knelpunt there. A department or partner
    (edit_activity on the area) records one for the area, or for an action of its own: one
    whose owner names its organisation (a joint action "A / B" belongs to both)."""
    if can(by, EDIT_PLAN, area):
        return True
    if not can(by, EDIT_ACTIVITY, area):
        return False
    return action is None or owned_by_user(action.owner, by)


def raiser_name(by: Any) -> str:
    """The signed-in user's name, with their organisation where they act for one."""
    user = _user(by)
    if user is None:
        return ""
    name = user.get_full_name() or user.get_username()
    from gebiedskompas.accounts.models import Organisation
    from gebiedskompas.accounts.permissions import organisations

    ids = organisations(user)
    orgs = sorted(Organisation.objects.filter(pk__in=ids).values_list("name", flat=True))
    return f"{name} ({', '.join(orgs)})" if orgs else name


# --- koppelkansen -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detection:
    found: int  # pairs overlapping now
    created: int  # of which new
    removed: int  # open pairs that no longer overlap


def _municipality(code: str) -> Area:
    area = Area.objects.filter(code=code, level=Level.GEMEENTE).first()
    if area is None:
        raise NotFound(
            gettext_noop("onbekende gemeente {code!r}"),
            column="municipality",
            value=code,
            code=code,
        )
    return area


def detect_couplings(
    municipality_code: str,
    *,
    distance_m: float = couplings.DEFAULT_DISTANCE_M,
    window_days: int = couplings.DEFAULT_WINDOW_DAYS,
) -> Detection:
    """Find the municipality's koppelkansen and store them once per pair: a rerun updates the
    scores of known pairs, keeps decided ones as they were decided, and removes open pairs that
    no longer overlap. An activity without its own geometry takes its area's boundary."""
    municipality = _municipality(municipality_code)
    places = _AreaPlaces()
    spans = []
    for activity in (
        Activity.objects.filter(municipality=municipality)
        .exclude(action__status=ActionStatus.CANCELLED)
        .select_related("area", "action")
    ):
        own = geometry_from_wkb(activity.geometry_rd) if activity.geometry_rd else None
        spans.append(
            couplings.Span(
                key=activity.pk,
                # An action's activity follows the action's owner and period.
                owner=activity.action.owner if activity.action else activity.owner,
                start=activity.action.start if activity.action else activity.start,
                end=activity.action.end if activity.action else activity.end,
                geometry=own or places.of(activity.area),
            )
        )
    # Actions not placed on the map take part in their plan's area.
    unplaced = {
        action.pk: action
        for action in Action.objects.filter(
            Q(plan__area=municipality) | Q(plan__area__municipality=municipality),
            activity__isnull=True,
        )
        .exclude(status=ActionStatus.CANCELLED)
        .select_related("plan__area")
    }
    spans += [
        couplings.Span(key=f"actie-{action.pk}", owner=action.owner, start=action.start,
                       end=action.end, geometry=places.of(action.plan.area))
        for action in unplaced.values()
    ]  # fmt: skip
    pairs = couplings.detect(spans, distance_m=distance_m, window_days=window_days)
    created = 0
    with transaction.atomic():
        _follow_actions(municipality)
        activity_of: dict[str, int] = {}

        def key_of(key: object) -> int:
            if isinstance(key, int):
                return key
            if str(key) not in activity_of:
                action = unplaced[int(str(key).removeprefix("actie-"))]
                activity_of[str(key)] = _action_activity(action, municipality).pk
            return activity_of[str(key)]

        seen: set[tuple[int, int]] = set()
        for pair in pairs:
            a, b = sorted((key_of(pair.a), key_of(pair.b)))
            seen.add((a, b))
            _row, is_new = CouplingOpportunity.objects.update_or_create(
                activity_a_id=a,
                activity_b_id=b,
                defaults={
                    "municipality": municipality,
                    "score": pair.score,
                    "distance_m": pair.distance_m,
                    "gap_days": pair.gap_days,
                },
            )
            created += is_new
        stale = [
            pk
            for pk, a, b in CouplingOpportunity.objects.filter(
                municipality=municipality, status=CouplingStatus.OPEN
            ).values_list("pk", "activity_a_id", "activity_b_id")
            if (a, b) not in seen
        ]
        CouplingOpportunity.objects.filter(pk__in=stale).delete()
    return Detection(found=len(pairs), created=created, removed=len(stale))


class _AreaPlaces:
    """The place of an area in the koppelkansen: its own boundary, else the union of its
    children's boundaries (a stadsdeel drawn only as its wijken); read once per area."""

    def __init__(self) -> None:
        self._found: dict[int, BaseGeometry | None] = {}

    def of(self, area: Area | None) -> BaseGeometry | None:
        if area is None:
            return None
        if area.pk not in self._found:
            import shapely

            wkbs = [area.geometry_rd] if area.geometry_rd else [
                wkb for wkb in Area.objects.filter(parent=area, geometry_rd__isnull=False)
                .values_list("geometry_rd", flat=True) if wkb
            ]  # fmt: skip
            parts = [geometry_from_wkb(bytes(w)) for w in wkbs]
            self._found[area.pk] = (
                None if not parts else parts[0] if len(parts) == 1 else shapely.union_all(parts)
            )
        return self._found[area.pk]


def _action_activity(action: Action, municipality: Area) -> Activity:
    """The activity an action not placed on the map takes part in the koppelkansen as: in its
    plan's area, without a geometry of its own (`place_action` moves it)."""
    activity, _created = Activity.objects.get_or_create(
        action=action,
        defaults={
            "municipality": municipality,
            "external_id": f"actie-{action.pk}",
            "title": action.title,
            "owner": action.owner,
            "start": action.start,
            "end": action.end,
            "area": action.plan.area,
        },
    )
    return activity


def _follow_actions(municipality: Area) -> None:
    """Keep the title, owner and period of the actions' activities in step with the actions."""
    from django.db.models import F

    stale = Activity.objects.filter(municipality=municipality, action__isnull=False).exclude(
        Q(title=F("action__title"), owner=F("action__owner"), start=F("action__start"))
        & (Q(end=F("action__end")) | Q(end__isnull=True, action__end__isnull=True))
    )
    for activity in stale.select_related("action"):
        assert activity.action is not None
        activity.title = activity.action.title
        activity.owner = activity.action.owner
        activity.start = activity.action.start
        activity.end = activity.action.end
        activity.save(update_fields=["title", "owner", "start", "end"])


def decide_coupling(
    coupling_id: int,
    *,
    accept: bool,
    by: Any,
    reason: str = "",
    outcome: str = "",
    plan_id: int | None = None,
) -> Any:
    """Accept (to combine the activities) or dismiss a koppelkans; dismissing needs a reason.
    Accepting with ``outcome="action"`` adds a joint action, owned by both owners, to the plan
    `plan_id` (default: this year's plan of the first activity's area or an area above it);
    ``outcome="note"`` keeps `reason` as the note. A decided koppelkans may be decided again;
    a joint action already made stays."""
    if outcome not in ("", *CouplingOutcome.values):
        raise KompasError(
            gettext_noop("onbekende uitkomst {outcome!r}"),
            column="outcome",
            value=outcome,
            outcome=outcome,
        )
    with transaction.atomic():
        coupling = (
            CouplingOpportunity.objects.select_for_update(of=("self",))
            .select_related("municipality", "activity_a__area", "activity_b__area")
            .filter(pk=coupling_id)
            .first()
        )
        if coupling is None:
            raise NotFound(
                gettext_noop("onbekende koppelkans {coupling_id}"),
                value=coupling_id,
                coupling_id=coupling_id,
            )
        places = [coupling.municipality] + [
            a.area for a in (coupling.activity_a, coupling.activity_b) if a.area is not None
        ]
        if not any(can(by, act, p) for p in places for act in (EDIT_PLAN, EDIT_ACTIVITY)):
            raise NotAllowed(gettext_noop("u mag over deze koppelkans niet beslissen"))
        if not accept and not reason.strip():
            raise KompasError(
                gettext_noop("geef een reden om de koppelkans af te wijzen"), column="reason"
            )
        coupling.status = CouplingStatus.ACCEPTED if accept else CouplingStatus.DISMISSED
        coupling.reason = reason.strip()
        coupling.decided_by = _user(by)
        coupling.decided_at = timezone.now()
        coupling.outcome = (outcome or CouplingOutcome.NOTE) if accept else ""
        if accept and outcome == CouplingOutcome.ACTION and coupling.joint_action_id is None:
            coupling.joint_action = _joint_action(coupling, plan_id, by)
        coupling.save(
            update_fields=["status", "reason", "decided_by", "decided_at", "outcome",
                           "joint_action"]
        )  # fmt: skip
    return coupling


def _joint_action(coupling: CouplingOpportunity, plan_id: int | None, by: Any) -> Action:
    a, b = coupling.activity_a, coupling.activity_b
    if plan_id is not None:
        plan = AreaPlan.objects.select_related("area").filter(pk=plan_id).first()
        if plan is None:
            raise NotFound(
                gettext_noop("onbekend gebiedsplan {plan_id}"),
                column="plan",
                value=plan_id,
                plan_id=plan_id,
            )
    else:
        plan = _plan_for(a.area or b.area, timezone.localdate().year)
        if plan is None:
            raise KompasError(
                gettext_noop(
                    "er is geen gebiedsplan voor dit jaar om de gezamenlijke actie in te zetten; "
                    "maak eerst een plan of kies 'notitie'"
                ),
                column="outcome",
            )
    ends = [e for e in (a.end, b.end) if e is not None]
    return add_action(
        plan.pk,
        title=f"Gezamenlijk: {a.title} + {b.title}"[:200],
        owner=f"{a.owner} / {b.owner}"[:160],
        start=min(a.start, b.start),
        end=max(ends) if len(ends) == 2 else None,
        description=coupling.reason,
        by=by,
    )


def _plan_for(area: Area | None, year: int) -> AreaPlan | None:
    """The plan of the year of the area or the nearest area above it that has one."""
    while area is not None:
        plan = AreaPlan.objects.select_related("area").filter(area=area, year=year).first()
        if plan is not None:
            return plan
        area = area.parent
    return None


# --- cycle configuration ------------------------------------------------------------------------


def ensure_cycle_phases(municipality_code: str) -> int:
    """Give the municipality the default (Enschede-like) phases where it has none; returns how
    many were created. A municipality's own phases are left as they are."""
    from gebiedskompas.cycle.domain.phases import ENSCHEDE_LIKE
    from gebiedskompas.cycle.models import CyclePhase

    municipality = _municipality(municipality_code)
    if CyclePhase.objects.filter(municipality=municipality).exists():
        return 0
    CyclePhase.objects.bulk_create(
        CyclePhase(
            municipality=municipality,
            phase=spec.phase.value,
            order=spec.order,
            length_months=spec.length_months,
            every_months=spec.every_months,
            owner_roles=list(spec.owner_roles),
            deliverable=spec.deliverable,
        )
        for spec in ENSCHEDE_LIKE
    )
    return len(ENSCHEDE_LIKE)


# --- actions: who may change them, progress, milestones, funding --------------------------------


def organisation_names(by: Any) -> set[str]:
    from gebiedskompas.accounts.models import Organisation
    from gebiedskompas.accounts.permissions import organisations

    ids = organisations(by)
    if not ids:
        return set()
    return {" ".join(n.casefold().split()) for n in Organisation.objects.filter(pk__in=ids)
            .values_list("name", flat=True)}  # fmt: skip


def owned_by_user(owner: str, by: Any) -> bool:
    """Whether the owner text of an action or activity names one of the user's organisations
    (a joint action "A / B" is owned by both)."""
    names = organisation_names(by)
    parts = {" ".join(p.casefold().split()) for p in owner.split("/")}
    return bool(names & parts)


def may_edit_action(by: Any, action: Action, area: Area | None = None) -> bool:
    """Plan editors of the area edit every action; a department or partner (edit_activity) the
    actions it owns."""
    area = area or action.plan.area
    if can(by, EDIT_PLAN, area):
        return True
    return can(by, EDIT_ACTIVITY, area) and owned_by_user(action.owner, by)


def _action_for_edit(action_id: int, by: Any) -> Action:
    action = Action.objects.select_related("plan__area").filter(pk=action_id).first()
    if action is None:
        raise NotFound(
            gettext_noop("onbekende actie {action_id}"), value=action_id, action_id=action_id
        )
    if not may_edit_action(by, action):
        raise NotAllowed(gettext_noop("u mag actie {title!r} niet wijzigen"), title=action.title)
    return action


def add_action_update(
    action_id: int, *, text: str, by: Any, on: date | None = None, author: str = ""
) -> Any:
    """A progress update on the action."""
    from gebiedskompas.cycle.models import ActionUpdate

    action = _action_for_edit(action_id, by)
    if not text.strip():
        raise KompasError(gettext_noop("schrijf wat er is gebeurd"), column="text")
    when = on or timezone.localdate()
    if when > timezone.localdate():
        raise KompasError(
            gettext_noop("de datum ligt in de toekomst"), column="date", value=str(when)
        )
    name = author.strip() or (by.get_full_name() or by.get_username() if _user(by) else "")
    return ActionUpdate.objects.create(
        action=action,
        date=when,
        text=text.strip()[:MAX_TEXT],
        author=(name or "onbekend")[:160],
        created_by=_user(by),
    )


def add_milestone(action_id: int, *, title: str, due: date, by: Any) -> Any:
    from gebiedskompas.cycle.models import Milestone

    action = _action_for_edit(action_id, by)
    if not title.strip():
        raise KompasError(gettext_noop("geef de mijlpaal een titel"), column="title")
    return Milestone.objects.create(action=action, title=title.strip()[:200], due=due)


def complete_milestone(milestone_id: int, *, by: Any, on: date | None = None) -> Any:
    from gebiedskompas.cycle.models import Milestone

    milestone = Milestone.objects.filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound(
            gettext_noop("onbekende mijlpaal {milestone_id}"),
            value=milestone_id,
            milestone_id=milestone_id,
        )
    _action_for_edit(milestone.action_id, by)
    milestone.done_on = on or timezone.localdate()
    milestone.save(update_fields=["done_on"])
    return milestone


def set_action_funding(
    action_id: int,
    *,
    source: str,
    by: Any,
    planned: Decimal | int | str = 0,
    committed: Decimal | int | str = 0,
    spent: Decimal | int | str = 0,
) -> Action:
    """Set the action's budget from one source; the action's totals become the sums over its
    sources."""
    from django.db.models import Sum

    from gebiedskompas.cycle.models import ActionFunding

    if not source.strip():
        raise KompasError(gettext_noop("noem de bron van het geld"), column="source")
    amounts = {
        "planned": _money(planned, "planned"),
        "committed": _money(committed, "committed"),
        "spent": _money(spent, "spent"),
    }
    with transaction.atomic():
        action = _action_for_edit(action_id, by)
        action = Action.objects.select_for_update().get(pk=action.pk)
        ActionFunding.objects.update_or_create(
            action=action, source=source.strip()[:120], defaults=amounts
        )
        sums = ActionFunding.objects.filter(action=action).aggregate(
            p=Sum("planned"), c=Sum("committed"), s=Sum("spent")
        )
        action.budget_planned = sums["p"] or Decimal("0")
        action.budget_committed = sums["c"] or Decimal("0")
        action.budget_spent = sums["s"] or Decimal("0")
        sources = list(ActionFunding.objects.filter(action=action).values_list("source", flat=True))
        action.budget_source = ", ".join(sources)[:120]
        action.save(
            update_fields=["budget_planned", "budget_committed", "budget_spent", "budget_source"]
        )
    return action


# --- area budgets and handgeld ------------------------------------------------------------------


def set_area_budget(area_code: str, *, year: int, kind: str, amount: Any, by: Any) -> Any:
    """The area's gebiedsbudget or handgeld for the year (set again to change it)."""
    from gebiedskompas.cycle.models import AreaBudget, BudgetKind

    area = _area(area_code)
    _require(by, EDIT_PLAN, area)
    if kind not in BudgetKind.values:
        raise KompasError(
            gettext_noop("soort {kind!r} bestaat niet; kies uit {join_budgetkind_values}"),
            column="kind",
            value=kind,
            kind=kind,
            join_budgetkind_values=", ".join(BudgetKind.values),
        )
    budget, _created = AreaBudget.objects.update_or_create(
        area=area, year=year, kind=kind, defaults={"amount": _money(amount, "amount")}
    )
    return budget


def allocate_budget(
    budget_id: int,
    *,
    planned: Any,
    by: Any,
    action_id: int | None = None,
    target: Any = None,
    label: str = "",
    spent: Any = 0,
) -> Any:
    """Give part of an area budget to an action of the same area (or below), or to `target`
    (any model instance, e.g. an initiative) through the generic hook. Refused when the
    allocations would exceed the budget."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Sum

    from gebiedskompas.cycle.models import AreaBudget, BudgetAllocation

    with transaction.atomic():
        budget = AreaBudget.objects.select_for_update().filter(pk=budget_id).first()
        if budget is None:
            raise NotFound(
                gettext_noop("onbekend gebiedsbudget {budget_id}"),
                value=budget_id,
                budget_id=budget_id,
            )
        area = _area(budget.area.code)
        _require(by, EDIT_PLAN, area)
        if (action_id is None) == (target is None):
            raise KompasError(
                gettext_noop("ken het geld toe aan een actie óf een initiatief"), column="action"
            )
        action = None
        if action_id is not None:
            action = Action.objects.select_related("plan__area").filter(pk=action_id).first()
            if action is None or budget.area_id not in area_chain_ids(action.plan.area):
                raise NotFound(
                    gettext_noop("actie {action_id} hoort niet bij {name}"),
                    column="action",
                    action_id=action_id,
                    name=area.name,
                )
        amount = _money(planned, "planned")
        given = BudgetAllocation.objects.filter(budget=budget).aggregate(t=Sum("planned"))["t"]
        if (given or Decimal("0")) + amount > budget.amount:
            raise KompasError(
                gettext_noop(
                    "het {kind} van {name} in {year} is € {amount}; al toegekend "
                    "€ {given}, dit past er niet meer bij"
                ),
                column="planned",
                value=str(amount),
                kind=budget.get_kind_display(),
                name=area.name,
                year=budget.year,
                amount=budget.amount,
                given=given or 0,
            )
        return BudgetAllocation.objects.create(
            budget=budget,
            action=action,
            target_type=ContentType.objects.get_for_model(target) if target is not None else None,
            target_id=target.pk if target is not None else None,
            label=(label.strip() or (action.title if action else str(target)))[:200],
            planned=amount,
            spent=_money(spent, "spent"),
        )


def area_chain_ids(area: Area) -> set[int]:
    from gebiedskompas.accounts.permissions import area_chain

    return set(area_chain(area))


# --- barriers: escalation and resolution --------------------------------------------------------


def _barrier_for_edit(barrier_id: int, by: Any) -> Barrier:
    barrier = Barrier.objects.select_related("area").filter(pk=barrier_id).first()
    if barrier is None:
        raise NotFound(
            gettext_noop("onbekend knelpunt {barrier_id}"), value=barrier_id, barrier_id=barrier_id
        )
    _require(by, EDIT_PLAN, _area(barrier.area.code))
    return barrier


def escalate_barrier(barrier_id: int, *, to: str, by: Any, on: date | None = None) -> Barrier:
    barrier = _barrier_for_edit(barrier_id, by)
    if not to.strip():
        raise KompasError(gettext_noop("noem naar wie het knelpunt gaat"), column="escalated_to")
    barrier.escalated_to = to.strip()[:160]
    barrier.escalated_on = on or timezone.localdate()
    barrier.save(update_fields=["escalated_to", "escalated_on"])
    return barrier


def resolve_barrier(
    barrier_id: int, *, resolution: str, by: Any, on: date | None = None
) -> Barrier:
    barrier = _barrier_for_edit(barrier_id, by)
    if not resolution.strip():
        raise KompasError(gettext_noop("beschrijf de oplossing"), column="resolution")
    when = on or timezone.localdate()
    if when < barrier.raised_on:
        raise KompasError(
            gettext_noop("opgelost ({when}) voor het gemeld werd ({raised_on})"),
            column="resolved_on",
            when=when,
            raised_on=barrier.raised_on,
        )
    barrier.resolution = resolution.strip()
    barrier.resolved_on = when
    barrier.save(update_fields=["resolution", "resolved_on"])
    return barrier


# --- actions in the koppelkansen ----------------------------------------------------------------


def place_action(action_id: int, *, area_code: str, by: Any, wkt: str = "") -> Activity:
    """Place an action on the map so that it takes part in the koppelkansen: as an activity of
    the action's owner and period in `area_code` (the plan's area or one below it), optionally
    at a WKT geometry in RD New. Placing it again moves it; the title, owner and period follow
    the action."""
    import shapely

    action = _action_for_edit(action_id, by)
    area = _area(area_code)
    if action.plan.area_id not in area_chain_ids(area):
        raise KompasError(
            gettext_noop("{name} ligt niet in {name_2}"),
            column="area",
            value=area_code,
            name=area.name,
            name_2=action.plan.area.name,
        )
    geometry = None
    if wkt.strip():
        try:
            geometry = shapely.from_wkt(wkt)
        except shapely.errors.ShapelyError:
            raise KompasError(
                gettext_noop("{start!r} is geen WKT"), column="wkt", value=wkt, start=wkt[:40]
            ) from None
    municipality = area.municipality or area
    activity, _created = Activity.objects.update_or_create(
        action=action,
        defaults={
            "municipality": municipality,
            "external_id": f"actie-{action.pk}",
            "title": action.title,
            "owner": action.owner,
            "start": action.start,
            "end": action.end,
            "area": area,
            "geometry_rd": shapely.to_wkb(geometry) if geometry is not None else None,
        },
    )
    return activity
