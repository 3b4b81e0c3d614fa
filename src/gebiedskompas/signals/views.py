"""The public intake form. Thin: validate, call create_signal, render."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gebiedskompas.accounts.history import AUDITED
from gebiedskompas.accounts.models import Organisation, Role, RoleAssignment
from gebiedskompas.accounts.permissions import (
    area_chain,
    area_permission,
    can,
    can_within,
    organisations,
    permission_somewhere,
    require,
)
from gebiedskompas.accounts.ratelimit import limit_posts
from gebiedskompas.accounts.roles import HANDLE_SIGNAL, VIEW_INTERNAL, VIEW_REPORTER
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, NotFound
from gebiedskompas.core.uploads import UploadRefused
from gebiedskompas.i18n import error_message
from gebiedskompas.signals import selectors, services
from gebiedskompas.signals.domain.workflow import ALLOWED, LABELS, OPEN, Status
from gebiedskompas.signals.forms import (
    AssignForm,
    MergeForm,
    NoteForm,
    SignalForm,
    SplitForm,
    StaffIntakeForm,
)
from gebiedskompas.signals.models import STATUS_CHOICES, Category, Channel, Reporter, Signal
from gebiedskompas.signals.services import MAX_DESCRIPTION

WORK_LIST_FILTERS = ("area", "status", "category", "department", "overdue")
FIELD_FOR_COLUMN = {"lat": "lat", "category": "category", "description": "description"}


def _categories() -> list[tuple[str, str]]:
    return [
        (f"{c.municipality.code}/{c.code}", f"{c.municipality.name}: {c}")
        for c in selectors.public_categories()
    ]


@limit_posts("signal-form")
@require_http_methods(["GET", "HEAD", "POST"])
def signal_new(request: HttpRequest) -> HttpResponse:
    form = SignalForm(request.POST or None, request.FILES or None, categories=_categories())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        municipality, _sep, code = data["category"].partition("/")
        photo = data.get("photo")
        given = services.SignalInput(
            category_code=code,
            municipality_code=municipality,
            idempotency_key=f"form:{data['token']}",
            description=data["description"],
            lat=data["lat"],
            lon=data["lon"],
            address=data["address"],
            channel=Channel.WEB,
            reporter=services.ReporterInput(
                data["name"],
                data["email"],
                data["phone"],
                data["consent"],
                data["contact_address"],
            )
            if data["consent"]
            else None,
            photo_name=photo.name if photo else "",
            photo_data=photo.read() if photo else b"",
        )
        try:
            result = services.create_signal(given, by=request.user)
        except UploadRefused as exc:
            form.add_error("photo", error_message(exc))
        except KompasError as exc:
            form.add_error(FIELD_FOR_COLUMN.get(exc.problem.column or ""), error_message(exc))
        else:
            return render(request, "signals/thanks.html", {"signal": result.signal})
    suggestion = None
    if request.method == "POST" and not request.POST.get("category"):
        suggestion = _suggest_into(form, request.POST.get("description", ""))
    return render(
        request,
        "signals/signal_form.html",
        {"form": form, "outline_url": _outline_url(), "suggestion": suggestion},
    )


def _suggest_into(form: SignalForm, description: str) -> Any:
    """When no category was chosen, preselect the classifier's suggestion (only above the
    confidence threshold) so the reporter can confirm it with one more submit."""
    from gebiedskompas.signals import classifier

    found = classifier.suggest(description)
    if found is None:
        return None
    data = form.data.copy()
    data["category"] = found.choice
    form.data = data
    form.errors.pop("category", None)
    return found


def _outline_url() -> str:
    """The map's outline: the buurten of the municipality signals go to, when there is one."""
    from django.urls import reverse

    from gebiedskompas.areas.selectors import municipalities

    found = list(municipalities()[:2])
    return reverse("web:area-geojson", args=[found[0].code]) if len(found) == 1 else ""


# --- staff pages ----------------------------------------------------------------------------------


def _departments(municipality: Area) -> list[tuple[int, str]]:
    return [
        (o.pk, o.name)
        for o in Organisation.objects.filter(
            Q(municipality=municipality) | Q(municipality__isnull=True)
        ).order_by("name")
    ]


def _handlers(area: Area) -> list[tuple[int, str]]:
    """People who may handle signals in `area`: assigned a handling role on it or above."""
    roles = [r.code for r in Role.objects.all() if HANDLE_SIGNAL in (r.permissions or [])]
    found = (
        RoleAssignment.objects.filter(role__code__in=roles, user__is_active=True)
        .filter(Q(area_id__in=area_chain(area)) | Q(area__isnull=True))
        .select_related("user")
    )
    users = {a.user for a in found}
    return sorted(((u.pk, u.get_username()) for u in users), key=lambda pair: pair[1])


def _signal_or_404(reference: str) -> Signal:
    signal = selectors.detail(reference)
    if signal is None:
        raise Http404
    return signal


@permission_somewhere(HANDLE_SIGNAL)
@require_safe
def work_list(request: HttpRequest) -> HttpResponse:
    """The queue: signals in the user's areas, filtered by area, status, category, department,
    overdue."""
    q = request.GET
    try:
        department = int(q["department"]) if q.get("department") else None
    except ValueError:
        department = None
    # Without any filter, staff of a department see their own department's signals first; the
    # page says so and links to all signals they may see (department= with no value).
    own: list[Organisation] = []
    if not any(key in q for key in WORK_LIST_FILTERS):
        own = list(Organisation.objects.filter(pk__in=organisations(request.user)).order_by("name"))
    now = timezone.now()
    error = ""
    try:
        found = selectors.work_list(
            request.user, area=q.get("area", ""), status=q.get("status", ""),
            overdue=bool(q.get("overdue")), category=q.get("category", ""),
            department=department, departments=[o.pk for o in own], now=now,
        )  # fmt: skip
    except NotFound as exc:
        found = Signal.objects.none()
        error = error_message(exc)
    paginator = Paginator(found, 50)
    page = paginator.get_page(q.get("page"))
    categories = Category.objects.filter(parent__isnull=True).order_by("name")
    return render(
        request,
        "signals/work_list.html",
        {
            "page": page,
            "rows": [
                (s, bool(s.deadline and s.status in OPEN and s.deadline < now))
                for s in page.object_list
            ],  # fmt: skip
            "statuses": STATUS_CHOICES,
            "categories": categories,
            "departments": Organisation.objects.order_by("name"),
            "filters": q,
            "own_departments": own,
            "selected_department": str(department or (own[0].pk if len(own) == 1 else "")),
            "error": error,
            "query": q.urlencode() if "page" not in q else _without_page(q),
        },
    )


def _without_page(q: Any) -> str:
    copy = q.copy()
    copy.pop("page", None)
    return str(copy.urlencode())


@permission_somewhere(VIEW_INTERNAL)
@require_safe
def signal_detail(request: HttpRequest, reference: str) -> HttpResponse:
    signal = _signal_or_404(reference)
    require(request.user, VIEW_INTERNAL, signal.area)
    return render(request, "signals/detail.html", _detail_context(request, signal))


def _detail_context(request: HttpRequest, signal: Signal, **forms: Any) -> dict[str, Any]:
    may_handle = can(request.user, HANDLE_SIGNAL, signal.area)
    current = Status(signal.status)
    transitions = (
        [(s.value, LABELS[s]) for s in Status if s in ALLOWED[current]] if may_handle else []
    )
    departments = _departments(signal.municipality)
    reporter = None
    if can(request.user, VIEW_REPORTER, signal.area):
        reporter = Reporter.objects.filter(signal=signal).first()
    return {
        "signal": signal,
        "may_handle": may_handle,
        "transitions": transitions,
        "reporter": reporter,
        "shows_reporter": can(request.user, VIEW_REPORTER, signal.area),
        "shows_audit": AUDITED["melding"].may_read(request.user, signal),
        "nearby": selectors.similar_nearby(signal) if may_handle else [],
        "note_form": forms.get("note_form") or NoteForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            departments=departments,
            people=_handlers(signal.area),
            initial={"department": signal.department_id, "person": signal.assigned_to_id},
        ),
        "split_form": forms.get("split_form") or SplitForm(departments=departments),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "error": forms.get("error", ""),
    }


def _handled(request: HttpRequest, reference: str) -> Signal:
    signal = _signal_or_404(reference)
    require(request.user, HANDLE_SIGNAL, signal.area)
    return signal


def _again(request: HttpRequest, signal: Signal, status: int = 400, **forms: Any) -> HttpResponse:
    fresh = selectors.detail(str(signal.reference)) or signal
    return render(request, "signals/detail.html", _detail_context(request, fresh, **forms),
                  status=status)  # fmt: skip


def _done(request: HttpRequest, signal: Signal, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("signals:detail", reference=str(signal.reference))


@require_POST
@permission_somewhere(HANDLE_SIGNAL)
def signal_status(request: HttpRequest, reference: str) -> HttpResponse:
    signal = _handled(request, reference)
    try:
        services.change_status(signal, request.POST.get("status", ""), by=request.user,
                               note=request.POST.get("note", ""))  # fmt: skip
    except KompasError as exc:
        return _again(request, signal, error=error_message(exc))
    return _done(request, signal, _("Status gewijzigd."))


@require_POST
@permission_somewhere(HANDLE_SIGNAL)
def signal_note(request: HttpRequest, reference: str) -> HttpResponse:
    signal = _handled(request, reference)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _again(request, signal, note_form=form)
    services.add_note(signal, form.cleaned_data["text"], by=request.user)
    return _done(request, signal, _("Notitie toegevoegd."))


@require_POST
@permission_somewhere(HANDLE_SIGNAL)
def signal_assign(request: HttpRequest, reference: str) -> HttpResponse:
    signal = _handled(request, reference)
    form = AssignForm(request.POST, departments=_departments(signal.municipality),
                      people=_handlers(signal.area))  # fmt: skip
    if not form.is_valid():
        return _again(request, signal, assign_form=form)
    try:
        services.assign(signal, department=form.cleaned_data["department"],
                        person=form.cleaned_data["person"], by=request.user)  # fmt: skip
    except KompasError as exc:
        return _again(request, signal, error=error_message(exc))
    return _done(request, signal, _("Melding toegewezen."))


@require_POST
@permission_somewhere(HANDLE_SIGNAL)
def signal_split(request: HttpRequest, reference: str) -> HttpResponse:
    signal = _handled(request, reference)
    form = SplitForm(request.POST, departments=_departments(signal.municipality))
    if not form.is_valid():
        return _again(request, signal, split_form=form)
    parts = [services.Part(d, text) for d, text in form.parts()]
    try:
        children = services.split(signal, parts, by=request.user)
    except KompasError as exc:
        return _again(request, signal, error=error_message(exc))
    return _done(request, signal,
                 _("Gesplitst in %(n)s deelmeldingen.") % {"n": len(children)})  # fmt: skip


@require_POST
@permission_somewhere(HANDLE_SIGNAL)
def signal_merge(request: HttpRequest, reference: str) -> HttpResponse:
    signal = _handled(request, reference)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _again(request, signal, merge_form=form)
    target = selectors.detail(str(form.cleaned_data["into"]))
    if target is None:
        form.add_error("into", _("Er is geen melding met dit kenmerk."))
        return _again(request, signal, merge_form=form)
    try:
        services.merge(signal, target, by=request.user)
    except KompasError as exc:
        return _again(request, signal, error=error_message(exc))
    return _done(request, target, _("Dubbele melding samengevoegd."))


@permission_somewhere(VIEW_INTERNAL)
@require_safe
def signal_photo_file(request: HttpRequest, reference: str) -> HttpResponse:
    """The signal's photo, only for who may read the signal (it may show persons); never
    cached by browsers or proxies."""
    signal = _signal_or_404(reference)
    require(request.user, VIEW_INTERNAL, signal.area)
    if not signal.photo or not signal.photo.storage.exists(signal.photo.name):
        raise Http404
    content_type = mimetypes.guess_type(signal.photo.name)[0] or "application/octet-stream"
    response = FileResponse(signal.photo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@permission_somewhere(HANDLE_SIGNAL)
def signal_photo(request: HttpRequest, reference: str) -> HttpResponse:
    """Mark whether the signal's photo shows persons (then it is removed with the reporter's
    contact details when the retention period runs out)."""
    signal = _handled(request, reference)
    shows = request.POST.get("shows_persons", "")
    if shows not in {"0", "1"}:
        return _again(request, signal, error=_("Kies of de foto personen toont."))
    try:
        services.mark_photo(signal, shows_persons=shows == "1", by=request.user)
    except KompasError as exc:
        return _again(request, signal, error=error_message(exc))
    return _done(request, signal, _("Foto gemarkeerd als: toont personen.") if shows == "1"
                 else _("Foto gemarkeerd als: toont geen personen."))  # fmt: skip


@permission_somewhere(HANDLE_SIGNAL)
@require_http_methods(["GET", "HEAD", "POST"])
def staff_intake(request: HttpRequest) -> HttpResponse:
    """Intake by staff for a resident on the phone, at the counter or from a partner; the
    channel is recorded."""
    form = StaffIntakeForm(request.POST or None, request.FILES or None, categories=_categories())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        municipality_code, _sep, code = data["category"].partition("/")
        municipality = Area.objects.filter(code=municipality_code).first()
        if municipality is None or not can_within(request.user, HANDLE_SIGNAL, municipality):
            form.add_error("category", _("U mag geen meldingen aannemen voor deze gemeente."))
        else:
            photo = data.get("photo")
            given = services.SignalInput(
                category_code=code, municipality_code=municipality_code,
                idempotency_key=f"staff:{data['token']}", description=data["description"],
                lat=data["lat"], lon=data["lon"], address=data["address"],
                channel=data["channel"],
                reporter=services.ReporterInput(data["name"], data["email"], data["phone"],
                                                data["consent"], data["contact_address"])
                if data["consent"] else None,
                photo_name=photo.name if photo else "",
                photo_data=photo.read() if photo else b"",
            )  # fmt: skip
            try:
                result = services.create_signal(given, by=request.user)
            except UploadRefused as exc:
                form.add_error("photo", error_message(exc))
            except KompasError as exc:
                form.add_error(FIELD_FOR_COLUMN.get(exc.problem.column or ""), error_message(exc))
            else:
                return _done(request, result.signal, _("Melding aangenomen."))
    return render(request, "signals/intake.html",
                  {"form": form, "outline_url": _outline_url()})  # fmt: skip


@area_permission(VIEW_INTERNAL)
@require_safe
def area_map(request: HttpRequest, code: str) -> HttpResponse:
    area: Area = request.kompas_area  # type: ignore[attr-defined]  # set by area_permission
    found = selectors.signals(area=area.code)
    return render(
        request,
        "signals/area_map.html",
        {
            "area": area,
            "open_count": found.filter(status__in=selectors.open_statuses()).count(),
            "total": found.count(),
        },  # fmt: skip
    )


@area_permission(VIEW_INTERNAL)
@require_safe
def area_points(request: HttpRequest, code: str) -> HttpResponse:
    area: Area = request.kompas_area  # type: ignore[attr-defined]  # set by area_permission
    return JsonResponse({"type": "FeatureCollection", "features": selectors.area_points(area)})


@require_safe
def suggest(request: HttpRequest) -> HttpResponse:
    """The category the classifier suggests for a description, when it is confident enough;
    an empty object otherwise."""
    from gebiedskompas.signals import classifier

    text = request.GET.get("omschrijving", "")[:MAX_DESCRIPTION]
    found = classifier.suggest(text, request.GET.get("gemeente", ""))
    if found is None:
        return JsonResponse({})
    return JsonResponse({"category": found.choice, "label": found.label,
                         "confidence": round(found.confidence, 3)})  # fmt: skip
