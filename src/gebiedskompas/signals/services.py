"""Every write on signals: create (idempotent), change status, escalate, purge reporters.

Each function checks permission and invariants, calls the domain, and stores the outcome with its
history in one transaction. A unique constraint is the final guard against double creates and
double escalations; the checks in Python only save work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import shapely
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from gebiedskompas.accounts.models import Organisation, RoleAssignment
from gebiedskompas.accounts.permissions import area_chain, can
from gebiedskompas.accounts.roles import HANDLE_SIGNAL
from gebiedskompas.areas.domain.geometry import geometry_from_wkb, wgs84_to_rd
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import KompasError, NotFound, gettext_noop
from gebiedskompas.signals import notify
from gebiedskompas.signals.domain import deadlines, escalation, routing, workflow
from gebiedskompas.signals.domain.location import Candidate, containing_area
from gebiedskompas.signals.domain.photos import clean_photo
from gebiedskompas.signals.domain.workflow import Status
from gebiedskompas.signals.models import (
    Category,
    Channel,
    Escalation,
    EscalationStep,
    Note,
    NoteKind,
    Reporter,
    RoutingRule,
    Signal,
    StatusChange,
)

MAX_DESCRIPTION = 4000  # Open311 GeoReport v2: description "may not exceed 4,000 characters"


class OutsideMunicipality(KompasError):
    """A point that lies in none of the municipality's buurten."""


class NotAllowed(KompasError):
    """The acting user may not do this."""


class TransitionRefused(KompasError):
    """A status change the workflow does not allow."""


def _in_dutch(text: object) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


@dataclass(frozen=True)
class ReporterInput:
    name: str = ""
    email: str = ""
    phone: str = ""
    consent_updates: bool = False
    address: str = ""  # where to write to the reporter, not where the problem is

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone or self.address)


@dataclass(frozen=True)
class SignalInput:
    category_code: str
    idempotency_key: str
    description: str = ""
    municipality_code: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    channel: str = Channel.WEB
    reporter: ReporterInput | None = None
    photo_name: str = ""
    photo_data: bytes = b""
    reported_at: datetime | None = None


@dataclass(frozen=True)
class Created:
    signal: Signal
    created: bool  # False: the key was seen before and this is the earlier signal


# --- location -----------------------------------------------------------------------------------


def _buurten(municipality: Area) -> Any:
    return Area.objects.filter(municipality=municipality, level=Level.BUURT).exclude(
        Q(geometry_rd__isnull=True) & Q(geojson_wgs84="")
    )


def locate(municipality: Area, lat: float, lon: float) -> Area | None:
    """The buurt of `municipality` holding (lat, lon) in WGS84. None when the municipality has no
    buurt boundaries to check against; raises OutsideMunicipality when it has and none holds it."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise OutsideMunicipality(
            gettext_noop("({lat}, {lon}) is geen geldige positie"), column="lat", lat=lat, lon=lon
        )
    buurten = _buurten(municipality)
    if not buurten.exists():
        return None
    nearby = buurten.filter(
        Q(min_x__isnull=True) | Q(min_x__lte=lon, max_x__gte=lon, min_y__lte=lat, max_y__gte=lat)
    )
    rd_point = wgs84_to_rd(shapely.Point(lon, lat))
    rd: list[Candidate] = []
    wgs: list[Candidate] = []
    for area_id, wkb, geojson in nearby.values_list("pk", "geometry_rd", "geojson_wgs84"):
        if wkb:
            rd.append(Candidate(area_id, geometry_from_wkb(wkb)))
        elif geojson:
            wgs.append(Candidate(area_id, shapely.from_geojson(geojson)))
    found = containing_area(rd_point.x, rd_point.y, rd) or containing_area(lon, lat, wgs)
    if found is None:
        raise OutsideMunicipality(
            gettext_noop(
                "de locatie ({lat:.6f}, {lon:.6f}) ligt buiten {name}; meldingen kunnen alleen "
                "binnen de gemeente worden gedaan"
            ),
            column="lat",
            value=(lat, lon),
            lat=lat,
            lon=lon,
            name=municipality.name,
        )
    return Area.objects.select_related("parent__parent__parent").get(pk=found)


def _category(data: SignalInput) -> Category:
    found = Category.objects.select_related("municipality", "default_department").filter(
        code=data.category_code, is_active=True
    )
    if data.municipality_code:
        found = found.filter(municipality__code=data.municipality_code)
    matches = list(found[:2])
    if not matches:
        if data.municipality_code:
            raise NotFound(
                gettext_noop("onbekende categorie {value!r} in {municipality}"),
                column="category",
                value=data.category_code,
                municipality=data.municipality_code,
            )
        raise NotFound(
            gettext_noop("onbekende categorie {value!r}"),
            column="category",
            value=data.category_code,
        )
    if len(matches) > 1:
        raise KompasError(
            gettext_noop(
                "categorie {category_code!r} bestaat in meer gemeenten; geef de gemeente op"
            ),
            column="municipality",
            category_code=data.category_code,
        )
    return matches[0]


# --- create -------------------------------------------------------------------------------------


def _route(signal: Signal) -> None:
    rules = [
        routing.Rule(r.order, r.department_id, r.category_id, r.area_id, r.starts, r.ends,
                     r.assign_to_id)
        for r in RoutingRule.objects.filter(municipality=signal.municipality, is_active=True)
    ]  # fmt: skip
    match = None
    # A rule on the sub category wins over one on its main category.
    for category_id in (signal.category_id, signal.category.parent_id):
        if category_id is None:
            continue
        match = routing.first_match(
            rules,
            category_id=category_id,
            area_ids=area_chain(signal.area),
            moment=timezone.localtime(signal.reported_at).time(),
        )
        if match is not None:
            break
    if match is not None:
        signal.department_id = match.department_id
        signal.assigned_to_id = match.user_id
    else:
        signal.department_id = signal.category.default_department_id


def compute_deadline(category: Category, start: datetime, tz: tzinfo | None = None) -> datetime:
    """The deadline in local time; `tz` (default: the current time zone) lets a caller that
    computes many skip looking the current zone up each time."""
    local = timezone.localtime(start, tz)
    return deadlines.deadline(
        local, category.handling_days, deadlines.DayKind(category.handling_day_kind)
    )


def create_signal(data: SignalInput, *, by: Any = None) -> Created:
    """Store a new signal, or return the one stored earlier with the same idempotency key.

    Raises NotFound (unknown category), OutsideMunicipality, UploadRefused (photo) or
    KompasError (description too long, no location)."""
    key = data.idempotency_key.strip()
    if not key:
        raise KompasError(
            gettext_noop("een melding heeft een idempotency key nodig"), column="idempotency_key"
        )
    earlier = Signal.objects.filter(idempotency_key=key).first()
    if earlier is not None:
        return Created(earlier, False)
    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise KompasError(
            gettext_noop(
                "de omschrijving is {n_description} tekens; ten hoogste {MAX_DESCRIPTION}"
            ),
            column="description",
            n_description=len(description),
            MAX_DESCRIPTION=MAX_DESCRIPTION,
        )
    category = _category(data)
    municipality = category.municipality
    area: Area | None = None
    if data.lat is not None and data.lon is not None:
        area = locate(municipality, data.lat, data.lon)
    elif not data.address.strip():
        raise KompasError(
            gettext_noop("geef een locatie: een punt op de kaart of een adres"), column="lat"
        )
    photo: tuple[str, bytes] | None = None
    if data.photo_data:
        photo = clean_photo(data.photo_name, data.photo_data, settings.MAX_PHOTO_BYTES)
    reported_at = data.reported_at or timezone.now()
    signal = Signal(
        municipality=municipality,
        area=area or municipality,
        location_verified=area is not None,
        category=category,
        description=description,
        lat=data.lat,
        lon=data.lon,
        address=data.address.strip()[:300],
        channel=data.channel,
        idempotency_key=key,
        reported_at=reported_at,
        deadline=compute_deadline(category, reported_at),
    )
    _route(signal)
    if photo is not None:
        suffix, content = photo
        signal.photo.save(f"{signal.reference}{suffix}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            _as(signal, by).save()
            StatusChange.objects.create(
                signal=signal,
                to_status=Status.REPORTED,
                # Stored text, so in the installation's language, not the reader's.
                note=f"ontvangen via {_in_dutch(Channel(data.channel).label)}",
                by=by if by is not None and getattr(by, "is_authenticated", False) else None,
                at=reported_at,
            )
            if data.reporter is not None and not data.reporter.is_empty:
                Reporter.objects.create(
                    signal=signal,
                    name=data.reporter.name[:200],
                    email=data.reporter.email[:254],
                    phone=data.reporter.phone[:40],
                    address=data.reporter.address[:300],
                    consent_updates=data.reporter.consent_updates,
                )
                notify.tell_reporter(signal, Status.REPORTED)
    except IntegrityError:
        # Another request with the same key won the race: its signal is the one.
        if photo is not None:
            signal.photo.delete(save=False)
        winner = Signal.objects.filter(idempotency_key=key).first()
        if winner is None:
            raise
        return Created(winner, False)
    return Created(signal, True)


# --- status -------------------------------------------------------------------------------------


def _as(signal: Signal, by: Any) -> Signal:
    """Name `by` as the author of the signal's next audit record (django-simple-history takes
    the request's user otherwise, and there is none for the API's, CLI's and jobs' changes)."""
    if by is not None and getattr(by, "is_authenticated", False):
        signal._history_user = by  # type: ignore[attr-defined]  # read by simple_history
    return signal


def _set_status(signal: Signal, to: Status, *, by: Any, note: str, at: datetime) -> StatusChange:
    current = Status(signal.status)
    try:
        workflow.check_transition(current, to)
    except workflow.TransitionRefused as exc:
        raise TransitionRefused(
            exc.template, column="status", value=to.value, **exc.params
        ) from exc
    signal.status = to.value
    # closed_at starts the retention of the reporter's data (signals/retention.py).
    if to in workflow.FINAL:
        signal.closed_at = at
    elif to is Status.REOPENED:
        signal.closed_at = None
        signal.deadline = compute_deadline(signal.category, at)
    _as(signal, by).save(update_fields=["status", "closed_at", "deadline", "updated_at"])
    change = StatusChange.objects.create(
        signal=signal, from_status=current.value, to_status=to.value, note=note, by=by, at=at
    )
    notify.tell_reporter(signal, to, note)
    return change


def change_status(
    signal: Signal | int, to: Status | str, *, by: Any, note: str = "", now: datetime | None = None
) -> StatusChange:
    """Move a signal to status `to`, as `by` (who needs handle_signal on its area), appending a
    history row. Raises NotAllowed or TransitionRefused naming both statuses."""
    pk = signal.pk if isinstance(signal, Signal) else signal
    try:
        target = Status(to)
    except ValueError as exc:
        raise TransitionRefused(
            gettext_noop("onbekende status {to!r}"), column="status", value=to, to=to
        ) from exc
    with transaction.atomic():
        locked = Signal.objects.select_for_update().select_related("category").get(pk=pk)
        area = Area.objects.select_related("parent__parent__parent").get(pk=locked.area_id)
        if not can(by, HANDLE_SIGNAL, area):
            raise NotAllowed(
                gettext_noop("u mag meldingen in {name} niet behandelen"), name=area.name
            )
        change = _set_status(locked, target, by=by, note=note.strip(), at=now or timezone.now())
    if isinstance(signal, Signal):
        signal.refresh_from_db()
    return change


def demo_status(signal: Signal, to: Status, at: datetime) -> None:
    """Move a demo signal along the workflow as the system (no user); only for demo data."""
    with transaction.atomic():
        _set_status(signal, to, by=None, note="demo", at=at)


# --- staff actions ------------------------------------------------------------------------------


def _locked(signal: Signal | int, by: Any) -> Signal:
    """The signal locked for update, after checking `by` may handle signals in its area."""
    pk = signal.pk if isinstance(signal, Signal) else signal
    # of=("self",): PostgreSQL cannot lock the nullable side of the join to the main category.
    locked = (
        Signal.objects.select_for_update(of=("self",))
        .select_related("category__parent", "municipality")
        .get(pk=pk)
    )
    area = Area.objects.select_related("parent__parent__parent").get(pk=locked.area_id)
    if not can(by, HANDLE_SIGNAL, area):
        raise NotAllowed(gettext_noop("u mag meldingen in {name} niet behandelen"), name=area.name)
    locked.area = area
    return locked


def add_note(signal: Signal | int, text: str, *, by: Any, now: datetime | None = None) -> Note:
    """Append a staff note to the signal (never edited afterwards)."""
    text = text.strip()
    if not text:
        raise KompasError(gettext_noop("een notitie mag niet leeg zijn"), column="text")
    if len(text) > MAX_DESCRIPTION:
        raise KompasError(
            gettext_noop("een notitie is ten hoogste {MAX_DESCRIPTION} tekens"),
            column="text",
            MAX_DESCRIPTION=MAX_DESCRIPTION,
        )
    with transaction.atomic():
        locked = _locked(signal, by)
        return Note.objects.create(signal=locked, text=text, by=by, at=now or timezone.now())


def assign(
    signal: Signal | int,
    *,
    department: int | None,
    person: int | None = None,
    by: Any,
    now: datetime | None = None,
) -> Note:
    """Give the signal to a department and optionally a person; logged as a note. The person must
    be able to handle signals in the signal's area."""
    from django.contrib.auth import get_user_model

    with transaction.atomic():
        locked = _locked(signal, by)
        org = None
        if department is not None:
            org = Organisation.objects.filter(pk=department).first()
            if org is None:
                raise NotFound(
                    gettext_noop("onbekende afdeling {department}"),
                    column="department",
                    department=department,
                )
        user = None
        if person is not None:
            user = get_user_model().objects.filter(pk=person, is_active=True).first()
            if user is None:
                raise NotFound(
                    gettext_noop("onbekende medewerker {person}"), column="person", person=person
                )
            if not can(user, HANDLE_SIGNAL, locked.area):
                raise KompasError(
                    gettext_noop("{username} mag meldingen in {name} niet behandelen"),
                    column="person",
                    username=user.get_username(),
                    name=locked.area.name,
                )
        locked.department = org
        locked.assigned_to = user
        _as(locked, by).save(update_fields=["department", "assigned_to", "updated_at"])
        text = f"toegewezen aan {org.name if org else 'geen afdeling'}" + (
            f" ({user.get_username()})" if user else ""
        )
        return Note.objects.create(
            signal=locked, kind=NoteKind.ASSIGN, text=text, by=by, at=now or timezone.now()
        )


@dataclass(frozen=True)
class Part:
    """One child of a split: a department and what it should do; the category is optional."""

    department_id: int
    description: str
    category_code: str = ""


def split(
    signal: Signal | int, parts: list[Part], *, by: Any, now: datetime | None = None
) -> list[Signal]:
    """Split a report over departments: one child signal per part, each with its own deadline
    and routing to the part's department. Idempotent per (signal, part number): splitting the
    same way twice creates the children once."""
    if len(parts) < 2:
        raise KompasError(gettext_noop("splitsen vraagt ten minste twee delen"), column="parts")
    moment = now or timezone.now()
    with transaction.atomic():
        parent = _locked(signal, by)
        if Status(parent.status) in workflow.FINAL:
            raise TransitionRefused(
                gettext_noop("een afgesloten melding kan niet worden gesplitst")
            )
        children: list[Signal] = []
        for number, part in enumerate(parts, start=1):
            department = Organisation.objects.filter(pk=part.department_id).first()
            if department is None:
                raise NotFound(
                    gettext_noop("deel {number}: onbekende afdeling {department_id}"),
                    column="department",
                    number=number,
                    department_id=part.department_id,
                )
            category = parent.category
            if part.category_code:
                category = _category(
                    SignalInput(part.category_code, "-", municipality_code=parent.municipality.code)
                )
            description = part.description.strip() or parent.description
            key = f"split:{parent.reference}:{number}"
            existing = Signal.objects.filter(idempotency_key=key).first()
            if existing is not None:
                children.append(existing)
                continue
            child = Signal(
                municipality=parent.municipality, area=parent.area, category=category,
                description=description[:MAX_DESCRIPTION], lat=parent.lat, lon=parent.lon,
                address=parent.address, location_verified=parent.location_verified,
                channel=parent.channel, department=department, idempotency_key=key,
                reported_at=moment, deadline=compute_deadline(category, moment), parent=parent,
            )  # fmt: skip
            _as(child, by).save()
            StatusChange.objects.create(
                signal=child, to_status=Status.REPORTED,
                note=f"deel {number} van melding {parent.reference}", by=by, at=moment,
            )  # fmt: skip
            children.append(child)
        Note.objects.create(
            signal=parent, kind=NoteKind.SPLIT, by=by, at=moment,
            text="gesplitst over " + ", ".join(
                c.department.name if c.department else "-" for c in children),
        )  # fmt: skip
    return children


def merge(
    duplicate: Signal | int, into: Signal | int, *, by: Any, now: datetime | None = None
) -> Signal:
    """Merge a duplicate into another open signal: the duplicate is cancelled with a note naming
    the other, and points at it. Both must be in areas `by` handles."""
    moment = now or timezone.now()
    with transaction.atomic():
        dup = _locked(duplicate, by)
        target = _locked(into, by)
        if dup.pk == target.pk:
            raise KompasError(gettext_noop("een melding kan niet met zichzelf worden samengevoegd"))
        if dup.municipality_id != target.municipality_id:
            raise KompasError(
                gettext_noop("meldingen uit verschillende gemeenten kunnen niet samen")
            )
        if Status(target.status) in workflow.FINAL:
            raise TransitionRefused(
                gettext_noop(
                    "melding {reference} is al afgesloten; voeg samen met een open melding"
                ),
                reference=target.reference,
            )
        _set_status(dup, Status.CANCELLED, by=by, at=moment,
                    note=f"dubbele melding, samengevoegd met {target.reference}")  # fmt: skip
        dup.merged_into = target
        _as(dup, by).save(update_fields=["merged_into", "updated_at"])
        Note.objects.create(signal=target, kind=NoteKind.MERGE, by=by, at=moment,
                            text=f"melding {dup.reference} samengevoegd hiermee")  # fmt: skip
    return target


# --- escalation ---------------------------------------------------------------------------------


@dataclass
class EscalationSummary:
    escalated: list[tuple[str, str]] = field(default_factory=list)  # (reference, step)
    checked: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "escalated": [{"signal": ref, "step": step} for ref, step in self.escalated],
        }

    def __str__(self) -> str:
        return f"{self.checked} overdue signals checked, {len(self.escalated)} escalations made"


def ladder_for(municipality_id: int) -> tuple[escalation.Step, ...]:
    """The municipality's escalation ladder from its EscalationStep rows; the default ladder
    (team lead at the deadline, gebiedsmanager +3, alderman's office +5 working days) without."""
    rows = EscalationStep.objects.filter(municipality_id=municipality_id).order_by("order", "pk")
    steps = tuple(escalation.Step(r.code, r.label, r.after_working_days, r.role) for r in rows)
    return steps or escalation.DEFAULT_LADDER


def holders(role: str, area: Area, department_id: int | None = None) -> list[Any]:
    """Users holding `role` for `area` (assigned on it, above it, or installation-wide); with
    `department_id`, only those of that department or of none."""
    found = RoleAssignment.objects.filter(role__code=role).filter(
        Q(area_id__in=area_chain(area)) | Q(area__isnull=True)
    )
    if department_id is not None:
        found = found.filter(Q(organisation_id=department_id) | Q(organisation__isnull=True))
    users = {a.user for a in found.select_related("user") if a.user.is_active}
    return sorted(users, key=lambda u: u.get_username())


def _people(signal: Signal, step: escalation.Step) -> list[Any]:
    if not step.role:
        return []
    department = signal.department_id if step.code == escalation.TEAM_LEAD else None
    return holders(step.role, signal.area, department)


def escalate_overdue(now: datetime | None = None) -> EscalationSummary:
    """Record every ladder rung now due on open signals past their deadline and e-mail the people
    holding the rung's role for the signal's area. Idempotent: a rung is stored once per signal
    (unique constraint) and its mail is sent only by the run that stored it, so a second run at
    the same time escalates and mails nothing, and two runs at once escalate once."""
    moment = timezone.localtime(now or timezone.now())
    summary = EscalationSummary()
    overdue = (
        Signal.objects.filter(status__in=[s.value for s in workflow.OPEN], deadline__lte=moment)
        .select_related("department", "category", "municipality", "area__parent__parent__parent")
        .prefetch_related("escalations")
        .order_by("deadline", "pk")
    )
    ladders: dict[int, tuple[escalation.Step, ...]] = {}
    for signal in overdue:
        summary.checked += 1
        assert signal.deadline is not None  # filtered above
        if signal.municipality_id not in ladders:
            ladders[signal.municipality_id] = ladder_for(signal.municipality_id)
        ladder = ladders[signal.municipality_id]
        done = {e.step for e in signal.escalations.all()}
        for due in escalation.due_steps(timezone.localtime(signal.deadline), moment, done, ladder):
            people = _people(signal, due.step)
            names = ", ".join(p.get_username() for p in people)
            try:
                with transaction.atomic():
                    Escalation.objects.create(
                        signal=signal,
                        step=due.step.code,
                        due_at=due.due_at,
                        escalated_at=moment,
                        recipients=names or f"({due.step.role or due.step.label}: niemand)",
                    )
                    notify.tell_escalation(signal, due.step.label, due.due_at, people)
            except IntegrityError:
                continue  # a parallel run recorded this rung first
            summary.escalated.append((str(signal.reference), due.step.code))
    return summary


# --- privacy ------------------------------------------------------------------------------------


def mark_photo(
    signal: Signal | int, *, shows_persons: bool, by: Any, now: datetime | None = None
) -> Note:
    """Mark (or unmark) the signal's photo as showing persons: such a photo is personal data and
    is removed with the reporter's contact details when the retention period runs out. Needs
    handle_signal on the signal's area; logged as a note."""
    with transaction.atomic():
        locked = _locked(signal, by)
        if not locked.photo:
            raise KompasError(gettext_noop("deze melding heeft geen foto"), column="photo")
        locked.photo_shows_persons = shows_persons
        locked.save(update_fields=["photo_shows_persons", "updated_at"])
        text = "foto toont personen" if shows_persons else "foto toont geen personen"
        return Note.objects.create(signal=locked, text=text, by=by, at=now or timezone.now())
