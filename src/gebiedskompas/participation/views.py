"""Pages for residents (rounds, ideas, voting, results, initiatives) and for staff (checks,
phases, assessment). Thin: authorise, validate, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gebiedskompas.accounts.permissions import can, permission_somewhere
from gebiedskompas.accounts.ratelimit import limit_posts
from gebiedskompas.accounts.roles import (
    ASSESS_INITIATIVE,
    MANAGE_BUDGET_ROUND,
    PARTICIPATE,
    VIEW_PUBLIC,
    VIEW_REPORTER,
)
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import KompasError
from gebiedskompas.i18n import error_message
from gebiedskompas.participation import selectors, services
from gebiedskompas.participation.domain.ballots import BallotType
from gebiedskompas.participation.domain.initiatives import CRITERIA, InitiativeStatus
from gebiedskompas.participation.domain.phases import ALLOWED, Phase
from gebiedskompas.participation.forms import (
    CRITERIA_LABELS,
    ApplicantReportForm,
    AssessForm,
    CheckForm,
    CodeForm,
    DecideForm,
    EmailVoteForm,
    IdeaForm,
    InitiativeForm,
    PayForm,
    ReportForm,
)
from gebiedskompas.participation.models import PHASE_CHOICES, BudgetRound

PHASE_LABELS = dict(PHASE_CHOICES)


def _refusal_text(reason: str, round_: BudgetRound) -> str:
    """The resident-facing Dutch text for a refused ballot or code."""
    texts = {
        "empty": _("Kies ten minste één idee."),
        "too_few": _("Kies ten minste %(n)s ideeën.") % {"n": round_.min_choices},
        "too_many": _("Kies ten hoogste %(n)s ideeën.") % {"n": round_.max_choices},
        "unknown_idea": _("Een gekozen idee staat niet op dit stembiljet."),
        "duplicate": _("U hebt een idee twee keer gekozen."),
        "over_budget": _("De gekozen ideeën kosten samen meer dan het budget van € %(b)s.")
        % {"b": round_.budget},
        "too_many_points": _("U kunt ten hoogste %(n)s punten verdelen.") % {"n": round_.points},
        "bad_points": _("Punten zijn hele getallen van 0 of meer."),
        "bad_rank": _("Geef elk idee een ander rangnummer (1 is het beste)."),
        "unknown_code": _("Deze stemcode kennen wij niet. Controleer de code in uw brief."),
        "used_code": _("Met deze stemcode is al gestemd."),
        "closed": _("De stemming is niet open."),
        "bad_link": _("Deze stemlink is onbekend, verlopen of al gebruikt. Vraag een nieuwe aan."),
        "used_email": _("Met dit e-mailadres is al gestemd."),
        "used_account": _("Met dit account is al gestemd."),
        "address_used": _("Voor iedereen die op dit adres mag stemmen is al gestemd."),
    }
    return texts.get(reason, _("Uw stem kon niet worden verwerkt."))


def _public_round(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Load the round of the URL for a public page: 404 when unknown or still in preparation."""

    @wraps(view)
    def wrapped(request: HttpRequest, round_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        found = selectors.round_or_none(round_id)
        if (
            found is None
            or found.phase == Phase.PREPARATION
            or not can(request.user, VIEW_PUBLIC, found.area)
        ):
            raise Http404
        return view(request, found, *args, **kwargs)

    return wrapped


def _deny(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


# --- public -------------------------------------------------------------------------------------


@require_GET
def rounds(request: HttpRequest) -> HttpResponse:
    return render(request, "participation/rounds.html", {"rounds": selectors.public_rounds()})


@require_GET
@_public_round
def round_detail(request: HttpRequest, budget_round: BudgetRound) -> HttpResponse:
    return render(
        request,
        "participation/round.html",
        {
            "round": budget_round,
            "ideas": selectors.ideas_by_status(budget_round),
            "phase_label": PHASE_LABELS[budget_round.phase],
            "plan": [(PHASE_LABELS[p.phase], p) for p in budget_round.plan.all()],
            "can_manage": can(request.user, MANAGE_BUDGET_ROUND, budget_round.area),
        },
    )


@limit_posts("idea-form")
@require_http_methods(["GET", "HEAD", "POST"])
@_public_round
def idea_new(request: HttpRequest, budget_round: BudgetRound) -> HttpResponse:
    if not can(request.user, PARTICIPATE, budget_round.area):
        return _deny(request)
    form = IdeaForm(request.POST or None)
    is_open = budget_round.phase == Phase.IDEAS
    if request.method == "POST" and is_open and form.is_valid():
        data = form.cleaned_data
        try:
            idea = services.submit_idea(
                budget_round.pk,
                title=data["title"],
                description=data["description"],
                location=data["location"],
                estimated_cost=data["estimated_cost"],
                contact=services.ContactInput(name=data["name"], email=data["email"]),
                idempotency_key=f"form:{data['token']}",
            )
        except KompasError as exc:
            form.add_error(exc.problem.column if exc.problem.column in form.fields else None,
                           error_message(exc))  # fmt: skip
        else:
            return render(
                request, "participation/idea_thanks.html", {"round": budget_round, "idea": idea}
            )
    return render(
        request,
        "participation/idea_form.html",
        {"round": budget_round, "form": form, "is_open": is_open},
    )


def _choices_from(request: HttpRequest, budget_round: BudgetRound, ids: list[str]) -> Any:
    """The ballot as (project id, value) pairs from the form, per ballot type."""
    kind = BallotType(budget_round.ballot_type)
    if kind in (BallotType.APPROVAL, BallotType.KNAPSACK):
        return [(pid, 1) for pid in request.POST.getlist("idea")]
    prefix = "points-" if kind == BallotType.CUMULATIVE else "rank-"
    pairs = []
    for pid in ids:
        raw = request.POST.get(prefix + pid, "").strip()
        if not raw:
            continue
        if not raw.isdigit():
            raise services.BallotError(
                raw, reason="bad_points" if prefix == "points-" else "bad_rank"
            )
        pairs.append((pid, int(raw)))
    if kind == BallotType.RANKING:
        ranks = [v for _, v in pairs]
        if len(set(ranks)) != len(ranks) or any(v < 1 for v in ranks):
            raise services.BallotError("ranks", reason="bad_rank")
    return pairs


@limit_posts("vote", rate="60/hour")
@require_http_methods(["GET", "HEAD", "POST"])
@_public_round
def vote(request: HttpRequest, budget_round: BudgetRound) -> HttpResponse:
    if not can(request.user, PARTICIPATE, budget_round.area):
        return _deny(request)
    context: dict[str, Any] = {
        "round": budget_round,
        "is_open": budget_round.phase == Phase.VOTING,
        "login_voting": budget_round.login_voting and _oidc_enabled(),
    }
    ideas = selectors.ballot_ideas(budget_round)
    code_form = CodeForm(request.POST if request.POST.get("step") == "code" else None)
    context["code_form"] = code_form
    if request.method != "POST" or not context["is_open"]:
        return render(request, "participation/vote_code.html", context)
    if request.POST.get("step") == "code":
        if not code_form.is_valid():
            return render(request, "participation/vote_code.html", context)
        code = code_form.cleaned_data["code"]
        status = services.code_status(budget_round.pk, code)
        if status == "unknown" or (status == "used" and not budget_round.may_change_ballot):
            code_form.add_error(
                "code", _refusal_text("unknown_code" if status == "unknown" else "used_code",
                                      budget_round)
            )  # fmt: skip
            return render(request, "participation/vote_code.html", context)
        return _ballot_page(request, budget_round, ideas, code, changing=status == "used")
    code = request.POST.get("code", "")
    try:
        choices = _choices_from(request, budget_round, [i.pb_id for i in ideas])
        result = services.cast_ballot(budget_round.pk, code, choices)
    except services.BallotError as exc:
        if exc.reason in ("unknown_code", "used_code", "closed"):
            code_form = CodeForm(initial={"code": ""})
            context["code_form"] = code_form
            context["error"] = _refusal_text(exc.reason, budget_round)
            return render(request, "participation/vote_code.html", context, status=409)
        return _ballot_page(
            request, budget_round, ideas, code, error=_refusal_text(exc.reason, budget_round)
        )
    return render(
        request, "participation/vote_done.html", {"round": budget_round, "changed": result.changed}
    )


@limit_posts("vote-email")
@require_http_methods(["GET", "HEAD", "POST"])
@_public_round
def vote_email(request: HttpRequest, budget_round: BudgetRound) -> HttpResponse:
    """Ask for a one-time voting link by e-mail (where the round allows it)."""
    if not can(request.user, PARTICIPATE, budget_round.area):
        return _deny(request)
    if not budget_round.email_voting:
        raise Http404
    register = services.needs_register(budget_round)
    form = EmailVoteForm(request.POST or None, register=register)
    context: dict[str, Any] = {
        "round": budget_round,
        "form": form,
        "is_open": budget_round.phase == Phase.VOTING,
        "register": register,
        "minutes": int(services.EMAIL_LINK_VALIDITY.total_seconds() // 60),
    }
    if request.method == "POST" and context["is_open"] and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_email_vote(
                budget_round.pk,
                email=data["email"],
                postcode=data.get("postcode", ""),
                number=data.get("number", ""),
                link_for=lambda token: request.build_absolute_uri(
                    reverse(
                        "participation:vote-email-link",
                        kwargs={"round_id": budget_round.pk, "token": token},
                    )
                ),
            )
        except KompasError as exc:
            form.add_error(exc.problem.column if exc.problem.column in form.fields else None,
                           error_message(exc))  # fmt: skip
        else:
            return render(request, "participation/vote_email_sent.html", context)
    status = 422 if form.errors else 200
    return render(request, "participation/vote_email.html", context, status=status)


def _oidc_enabled() -> bool:
    from gebiedskompas.accounts import oidc

    return oidc.is_enabled()


def _municipal_account(request: HttpRequest) -> str:
    """The municipal-login subject of the signed-in user, or "" (not signed in that way, or
    single sign-on not configured)."""
    from gebiedskompas.accounts import oidc

    name = str(getattr(request.user, "username", ""))
    if not oidc.is_enabled() or not name.startswith(oidc.USERNAME_PREFIX):
        return ""
    return name


@limit_posts("vote-login")
@require_http_methods(["GET", "HEAD", "POST"])
@_public_round
def vote_login(request: HttpRequest, budget_round: BudgetRound) -> HttpResponse:
    """Vote with the municipal login (OIDC), where the installation and the round have it:
    once per account; the address is checked against the register as for e-mail."""
    from gebiedskompas.accounts import oidc

    if not (budget_round.login_voting and oidc.is_enabled()):
        raise Http404
    if not can(request.user, PARTICIPATE, budget_round.area):
        return _deny(request)
    account = _municipal_account(request)
    register = services.needs_register(budget_round)
    form = EmailVoteForm(request.POST or None, register=register)
    del form.fields["email"]
    context: dict[str, Any] = {
        "round": budget_round,
        "form": form,
        "account": account,
        "is_open": budget_round.phase == Phase.VOTING,
        "register": register,
    }
    if request.method == "POST" and account and context["is_open"] and form.is_valid():
        data = form.cleaned_data
        try:
            token = services.start_login_vote(
                budget_round.pk,
                account=account,
                postcode=data.get("postcode", ""),
                number=data.get("number", ""),
            )
        except services.BallotError as exc:
            form.add_error(None, _refusal_text(exc.reason, budget_round))
        except KompasError as exc:
            form.add_error(exc.problem.column if exc.problem.column in form.fields else None,
                           error_message(exc))  # fmt: skip
        else:
            return redirect("participation:vote-email-link", round_id=budget_round.pk, token=token)
    status = 422 if form.errors else 200
    return render(request, "participation/vote_login.html", context, status=status)


@limit_posts("vote", rate="60/hour")
@require_http_methods(["GET", "HEAD", "POST"])
@_public_round
def vote_email_link(request: HttpRequest, budget_round: BudgetRound, token: str) -> HttpResponse:
    """The ballot behind a one-time e-mail link; the token in the link is the verification."""
    if not can(request.user, PARTICIPATE, budget_round.area):
        return _deny(request)
    context: dict[str, Any] = {"round": budget_round, "is_open": budget_round.phase == Phase.VOTING}
    try:
        if not context["is_open"]:
            raise services.BallotError("closed", reason="closed")
        services.email_link(budget_round.pk, token)
    except services.BallotError as exc:
        context["error"] = _refusal_text(exc.reason, budget_round)
        return render(request, "participation/vote_email_link.html", context, status=404)
    ideas = selectors.ballot_ideas(budget_round)
    if request.method != "POST":
        return _ballot_page(request, budget_round, ideas, "")
    try:
        choices = _choices_from(request, budget_round, [i.pb_id for i in ideas])
        services.cast_ballot_by_email(budget_round.pk, token, choices)
    except services.BallotError as exc:
        if exc.reason in services.CODE_REASONS:
            context["error"] = _refusal_text(exc.reason, budget_round)
            return render(request, "participation/vote_email_link.html", context, status=409)
        return _ballot_page(
            request, budget_round, ideas, "", error=_refusal_text(exc.reason, budget_round)
        )
    return render(request, "participation/vote_done.html", {"round": budget_round, "by_link": True})


def _ballot_page(
    request: HttpRequest,
    budget_round: BudgetRound,
    ideas: list[Any],
    code: str,
    *,
    changing: bool = False,
    error: str = "",
) -> HttpResponse:
    posted = request.POST
    rows = [
        {
            "idea": idea,
            "checked": idea.pb_id in posted.getlist("idea"),
            "value": posted.get(f"points-{idea.pb_id}") or posted.get(f"rank-{idea.pb_id}") or "",
        }
        for idea in ideas
    ]
    return render(
        request,
        "participation/vote_ballot.html",
        {
            "round": budget_round,
            "rows": rows,
            "code": code,
            "changing": changing,
            "error": error,
            "kind": budget_round.ballot_type,
        },
        status=422 if error else 200,
    )


@require_GET
@_public_round
def results(request: HttpRequest, budget_round: BudgetRound) -> HttpResponse:
    published = budget_round.phase in (Phase.RESULTS, Phase.EXECUTION)
    return render(
        request,
        "participation/results.html",
        {
            "round": budget_round,
            "published": published,
            "results": selectors.results(budget_round) if published else None,
            "method_label": budget_round.get_method_display(),
        },
    )


def _area_choices() -> list[tuple[str, str]]:
    found = Area.objects.filter(level__in=[Level.WIJK, Level.BUURT]).order_by("code")
    return [(a.code, f"{a.name} ({a.code})") for a in found]


@limit_posts("initiative-form")
@require_http_methods(["GET", "HEAD", "POST"])
def initiative_new(request: HttpRequest) -> HttpResponse:
    form = InitiativeForm(
        request.POST or None,
        areas=_area_choices(),
        initial={"area": request.GET.get("gebied", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            initiative, token = services.apply_initiative(
                services.InitiativeInput(
                    area_code=data["area"],
                    title=data["title"],
                    description=data["description"],
                    budget_asked=data["budget_asked"],
                    location=data["location"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    participants=data["participants"],
                    contact=services.ContactInput(data["name"], data["email"], data["phone"]),
                    idempotency_key=f"form:{data['token']}",
                )
            )
        except KompasError as exc:
            form.add_error(exc.problem.column if exc.problem.column in form.fields else None,
                           error_message(exc))  # fmt: skip
        else:
            return render(
                request,
                "participation/initiative_thanks.html",
                {"initiative": initiative, "token": token},
            )
    return render(request, "participation/initiative_form.html", {"form": form})


@limit_posts("initiative-report")
@require_http_methods(["GET", "HEAD", "POST"])
def initiative_status(request: HttpRequest, token: str) -> HttpResponse:
    """The applicant's private page; the token in the link is the authorisation. Once paid out,
    it carries the form for the short report afterwards."""
    try:
        initiative = services.initiative_by_token(token)
    except KompasError:
        raise Http404 from None
    may_report = initiative.status == InitiativeStatus.PAID
    form = ApplicantReportForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    status = 200
    if request.method == "POST":
        if not may_report:
            form = None
            messages.error(request, _("Een verslag kan alleen na de uitbetaling, en één keer."))
            status = 409
        elif form.is_valid():
            photo = form.cleaned_data.get("photo")
            try:
                services.report_by_applicant(
                    token,
                    report=form.cleaned_data["report"],
                    spending=form.cleaned_data["spending"],
                    photo_name=photo.name if photo else "",
                    photo_data=photo.read() if photo else b"",
                )
            except KompasError as exc:
                form.add_error("photo" if exc.problem.column is None else None, error_message(exc))
            else:
                messages.success(request, _("Dank u wel, uw verslag is ontvangen."))
                return redirect("participation:initiative-status", token=token)
        if form is not None and form.errors:
            status = 422
    return render(
        request,
        "participation/initiative_status.html",
        {
            "initiative": initiative,
            "steps": _steps(initiative),
            "report_form": form if may_report else None,
        },
        status=status,
    )


@require_GET
def initiative_photo(request: HttpRequest, initiative_id: int) -> HttpResponse:
    """The photo with an applicant's report, for staff who assess initiatives in the area."""
    initiative = selectors.initiative_or_none(initiative_id)
    if initiative is None:
        raise Http404
    if not can(request.user, ASSESS_INITIATIVE, initiative.area):
        return _deny(request)
    if not initiative.report_photo:
        raise Http404
    return FileResponse(initiative.report_photo.open("rb"))


def _steps(initiative: Any) -> list[tuple[str, bool]]:
    order = [
        (InitiativeStatus.SUBMITTED, _("Aanvraag ontvangen")),
        (InitiativeStatus.ASSESSING, _("In beoordeling")),
        ("decided", _("Besluit genomen")),
        (InitiativeStatus.PAID, _("Uitbetaald")),
        (InitiativeStatus.REPORTED, _("Verslag ontvangen")),
    ]
    reached = {
        InitiativeStatus.SUBMITTED: 1,
        InitiativeStatus.ASSESSING: 2,
        InitiativeStatus.GRANTED: 3,
        InitiativeStatus.PARTLY_GRANTED: 3,
        InitiativeStatus.REFUSED: 3,
        InitiativeStatus.PAID: 4,
        InitiativeStatus.REPORTED: 5,
    }[InitiativeStatus(initiative.status)]
    return [(label, n < reached) for n, (_key, label) in enumerate(order)]


# --- staff --------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def manage_round(request: HttpRequest, round_id: int) -> HttpResponse:
    budget_round = selectors.round_or_none(round_id)
    if budget_round is None:
        raise Http404
    if not can(request.user, MANAGE_BUDGET_ROUND, budget_round.area):
        return _deny(request)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "phase":
                services.change_phase(budget_round.pk, request.POST.get("to", ""), by=request.user)
                messages.success(request, _("De fase is gewijzigd."))
            else:
                form = CheckForm(request.POST)
                if not form.is_valid():
                    raise KompasError(
                        "; ".join(str(e) for errors in form.errors.values() for e in errors)
                    )
                data = form.cleaned_data
                services.check_idea(
                    data["idea"],
                    feasible=data["feasible"] == "yes",
                    cost=data["cost"],
                    public_reason=data["public_reason"],
                    by=request.user,
                )
                messages.success(request, _("De toets is opgeslagen."))
        except KompasError as exc:
            messages.error(request, error_message(exc))
        return redirect("participation:manage-round", round_id=budget_round.pk)
    ideas = selectors.ideas_by_status(budget_round)
    return render(
        request,
        "participation/manage_round.html",
        {
            "round": budget_round,
            "phase_label": PHASE_LABELS[budget_round.phase],
            "moves": [(p.value, PHASE_LABELS[p.value]) for p in _moves(budget_round)],
            "to_check": ideas["submitted"],
            "ideas": ideas,
            "codes": budget_round.codes.count(),
            "codes_used": budget_round.codes.filter(is_used=True).count(),
            "ballots": budget_round.ballots.count(),
        },
    )  # fmt: skip


def _moves(budget_round: BudgetRound) -> list[Phase]:
    order = list(Phase)
    return sorted(ALLOWED[Phase(budget_round.phase)], key=order.index)


@require_GET
@permission_somewhere(ASSESS_INITIATIVE)
def initiatives(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/initiatives.html",
        {"initiatives": selectors.initiatives_for(request.user)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def initiative_detail(request: HttpRequest, initiative_id: int) -> HttpResponse:
    initiative = selectors.initiative_or_none(initiative_id)
    if initiative is None:
        raise Http404
    if not can(request.user, ASSESS_INITIATIVE, initiative.area):
        return _deny(request)
    forms = {
        "assess": AssessForm(
            initial={"advice": initiative.connector_advice}
            | {f"criterion_{k}": v for k, v in (initiative.criteria or {}).items()}
        ),
        "decide": DecideForm(),
        "pay": PayForm(initial={"amount": initiative.amount_granted}),
        "report": ReportForm(),
    }
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step not in forms:
            raise Http404
        form = {"assess": AssessForm, "decide": DecideForm, "pay": PayForm,
                "report": ReportForm}[step](request.POST)  # fmt: skip
        forms[step] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if step == "assess":
                    services.assess_initiative(
                        initiative.pk,
                        criteria={k: data[f"criterion_{k}"] for k in CRITERIA},
                        advice=data["advice"],
                        by=request.user,
                    )
                elif step == "decide":
                    services.decide_initiative(
                        initiative.pk,
                        decision=data["decision"],
                        amount=data["amount"],
                        reason=data["reason"],
                        by=request.user,
                    )
                elif step == "pay":
                    services.record_payment(initiative.pk, amount=data["amount"], by=request.user)
                else:
                    services.record_report(initiative.pk, report=data["report"], by=request.user)
            except KompasError as exc:
                form.add_error(None, error_message(exc))
            else:
                messages.success(request, _("Opgeslagen."))
                return redirect("participation:initiative", initiative_id=initiative.pk)
    contact = getattr(initiative, "contact", None)
    status = InitiativeStatus(initiative.status)
    return render(
        request,
        "participation/initiative_detail.html",
        {
            "initiative": initiative,
            "forms": forms,
            "contact": contact if can(request.user, VIEW_REPORTER, initiative.area) else None,
            "criteria": [(CRITERIA_LABELS[k], initiative.criteria.get(k)) for k in CRITERIA],
            "may_assess": status in (InitiativeStatus.SUBMITTED, InitiativeStatus.ASSESSING),
            "may_decide": status == InitiativeStatus.ASSESSING,
            "may_pay": status in (InitiativeStatus.GRANTED, InitiativeStatus.PARTLY_GRANTED),
            "may_report": status == InitiativeStatus.PAID,
        },
    )  # fmt: skip
