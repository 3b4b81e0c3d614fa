"""REST endpoints of the gebiedscyclus under /api/v1/ (Dutch API Design Rules).

An adopted agenda (and one a newer adopted version superseded) is a public document: anyone,
signed in or not, may list and read it with its priorities and targets. Reading other agendas,
plans, actions and knelpunten needs ``view_internal`` on the area (lists keep only what the
caller may read); writing them ``edit_plan`` (gebiedsmanager, gebiedsverbinder, beheerder); a
department or partner (``edit_activity``) also records knelpunten of an area in its scope or of
its own actions. Activities: readers with ``view_internal``, and departments and partners
(``edit_activity``) for their own organisation's activities, which they also create and change.
Koppelkansen: readers of either activity's place; deciding one needs ``edit_plan`` or
``edit_activity`` there. Every decision goes through `accounts.permissions`; writes through
`cycle.services` or `api.services`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from gebiedskompas.accounts.permissions import area_filter, can, can_somewhere
from gebiedskompas.accounts.roles import EDIT_ACTIVITY, EDIT_PLAN, VIEW_INTERNAL
from gebiedskompas.api import cycle_serializers as s
from gebiedskompas.api import services
from gebiedskompas.api.views import KompasAPIView, _deny, _problems
from gebiedskompas.areas.models import Area
from gebiedskompas.cycle import services as cycle
from gebiedskompas.cycle.models import (
    Action,
    Activity,
    AreaAgenda,
    AreaPlan,
    Barrier,
    CouplingOpportunity,
)
from gebiedskompas.cycle.selectors import PUBLIC_AGENDA_STATUSES

WRITE_ERRORS = _problems(400, 401, 403, 404, 429)
READ_ERRORS = _problems(400, 401, 403, 404, 429)
LIST_ERRORS = _problems(400, 401, 404, 429)


def _valid(serializer: type[Any], request: Request) -> dict[str, Any]:
    """The request body checked by `serializer` (a 400 problem naming the fields if not)."""
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data  # type: ignore[no-any-return]


def _created(body: Any) -> Response:
    return Response(body, status=status.HTTP_201_CREATED)


def _signed_in(request: Request) -> None:
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated()


def _area_param(request: Request) -> Area | None:
    code = request.query_params.get("gebied")
    if not code:
        return None
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise exceptions.NotFound(gettext("Onbekend gebied: {code}").format(code=code))
    return area


def _area_to_edit(request: Request, code: str, action: str) -> Area:
    """The area a write names, refused (problem+json) when unknown or not the caller's to do
    `action` in."""
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise exceptions.NotFound(gettext("Onbekend gebied: {code}").format(code=code))
    if not can(request.user, action, area):
        _deny(request)
    return area


def _subtree(field: str, area: Area) -> Q:
    """Rows whose area at `field` is `area` or lies below it (areas nest four deep)."""
    q = Q(**{field: area}) | Q(**{f"{field}__municipality": area})
    chain = f"{field}__parent"
    for _ in range(3):
        q |= Q(**{chain: area})
        chain += "__parent"
    return q


def _year(request: Request) -> int | None:
    text = request.query_params.get("periode", "")
    if not text:
        return None
    if not (len(text) >= 4 and text[:4].isdigit()):
        raise exceptions.ValidationError({"periode": ["geef een jaar, bijvoorbeeld 2024"]})
    return int(text[:4])


def _status(request: Request, allowed: list[str]) -> str:
    value = request.query_params.get("status", "")
    if value and value not in allowed:
        raise exceptions.ValidationError({"status": [f"kies uit {', '.join(allowed)}"]})
    return value


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({name: ["geef een geheel getal"]}) from None


FILTERS = [
    OpenApiParameter("gebied", str, description="code; met alle onderliggende gebieden"),
    OpenApiParameter("periode", str, description="jaar, bijvoorbeeld 2024"),
]


def _status_param(choices: list[str]) -> OpenApiParameter:
    return OpenApiParameter("status", str, enum=choices)


class _List(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    def page(self, qs: QuerySet[Any]) -> Response:
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- gebiedsagendas -----------------------------------------------------------------------------


def _agendas() -> QuerySet[AreaAgenda]:
    return AreaAgenda.objects.select_related("area").prefetch_related(
        "priorities__targets__indicator", "priorities__indicators"
    )


def _readable_agendas(user: Any) -> Q:
    """A filter keeping the agendas `user` may read: the public ones, and any other in an area
    where the user has view_internal."""
    internal = area_filter(user, VIEW_INTERNAL, "area")
    if not internal:  # view_internal everywhere
        return internal
    return Q(status__in=PUBLIC_AGENDA_STATUSES) | internal


def _agenda(request: Request, agenda_id: int) -> AreaAgenda:
    agenda = _agendas().filter(pk=agenda_id).first()
    if agenda is None:
        raise exceptions.NotFound(
            gettext("Onbekende gebiedsagenda: {agenda_id}").format(agenda_id=agenda_id)
        )
    public = agenda.status in PUBLIC_AGENDA_STATUSES
    if not public and not can(request.user, VIEW_INTERNAL, agenda.area):
        _deny(request)
    return agenda


class GebiedsagendaList(_List):
    serializer_class = s.GebiedsagendaSerializer

    @extend_schema(
        summary="Gebiedsagenda's: vastgestelde voor iedereen, andere voor wie het gebied intern "
        "mag lezen",
        parameters=[*FILTERS, _status_param(s.AGENDA_STATUSES)],
        responses={200: s.GebiedsagendaSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        qs = _agendas().filter(_readable_agendas(request.user))
        if area := _area_param(request):
            qs = qs.filter(_subtree("area", area))
        if (year := _year(request)) is not None:
            qs = qs.filter(start_year__lte=year, end_year__gte=year)
        if value := _status(request, s.AGENDA_STATUSES):
            qs = qs.filter(status=value)
        return self.page(qs.order_by("area__code", "-start_year", "-version"))

    @extend_schema(
        summary="Een gebiedsagenda beginnen (gebiedsmanager)",
        request=s.NieuweGebiedsagenda,
        responses={201: s.GebiedsagendaSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        _signed_in(request)
        v = _valid(s.NieuweGebiedsagenda, request)
        area = _area_to_edit(request, v["gebied"], EDIT_PLAN)
        agenda = cycle.create_agenda(
            area.code,
            title=v["titel"],
            start_year=v["vanafJaar"],
            end_year=v["totEnMetJaar"],
            by=request.user,
        )
        return _created(self.get_serializer(_agenda(request, agenda.pk)).data)


class GebiedsagendaDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = s.GebiedsagendaSerializer

    @extend_schema(
        summary="Eén gebiedsagenda met speerpunten en doelen (vastgesteld: openbaar)",
        responses={200: s.GebiedsagendaSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, agenda_id: int) -> Response:
        return Response(self.get_serializer(_agenda(request, agenda_id)).data)

    @extend_schema(
        summary="De status van een gebiedsagenda wijzigen (gebiedsmanager)",
        description="Volgt de levenscyclus concept → in consultatie → voorgelegd → vastgesteld; "
        "een vastgestelde nieuwe versie vervangt de vorige.",
        request=s.GebiedsagendaWijziging,
        responses={200: s.GebiedsagendaSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, agenda_id: int) -> Response:
        agenda = _agenda(request, agenda_id)
        if not can(request.user, EDIT_PLAN, agenda.area):
            _deny(request)
        v = _valid(s.GebiedsagendaWijziging, request)
        cycle.change_agenda_status(
            agenda.pk,
            v["status"],
            by=request.user,
            note=v["toelichting"],
            decision_reference=v["besluit"],
            adopted_on=v["vastgesteldOp"],
        )
        return Response(self.get_serializer(_agenda(request, agenda.pk)).data)


class SpeerpuntList(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = s.SpeerpuntSerializer

    @extend_schema(
        summary="Een speerpunt toevoegen (gebiedsmanager)",
        description="Op een vastgestelde agenda komt het speerpunt in een nieuwe versie; het "
        "antwoord is de agenda waarin het staat.",
        request=s.NieuwSpeerpunt,
        responses={201: s.GebiedsagendaSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, agenda_id: int) -> Response:
        agenda = _agenda(request, agenda_id)
        if not can(request.user, EDIT_PLAN, agenda.area):
            _deny(request)
        v = _valid(s.NieuwSpeerpunt, request)
        priority = cycle.add_priority(
            agenda.pk,
            title=v["titel"],
            by=request.user,
            motivation=v["motivering"],
            analysis_run_id=v["gebiedsanalyse"],
            indicator_keys=v["indicatoren"],
            owner=v["eigenaar"],
            organisation=v["organisatie"],
        )
        return _created(
            s.GebiedsagendaSerializer(
                _agenda(request, priority.agenda_id), context=self.get_serializer_context()
            ).data
        )


# --- gebiedsplannen and acties ------------------------------------------------------------------


def _plans() -> QuerySet[AreaPlan]:
    return AreaPlan.objects.select_related("area").prefetch_related("actions")


def _plan(request: Request, plan_id: int) -> AreaPlan:
    plan = _plans().filter(pk=plan_id).first()
    if plan is None:
        raise exceptions.NotFound(
            gettext("Onbekend gebiedsplan: {plan_id}").format(plan_id=plan_id)
        )
    if not can(request.user, VIEW_INTERNAL, plan.area):
        _deny(request)
    return plan


class GebiedsplanList(_List):
    serializer_class = s.GebiedsplanSerializer

    @extend_schema(
        summary="Gebiedsplannen (voor wie de gebieden intern mag lezen)",
        parameters=FILTERS,
        responses={200: s.GebiedsplanSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        _signed_in(request)
        qs = _plans().filter(area_filter(request.user, VIEW_INTERNAL, "area"))
        if area := _area_param(request):
            qs = qs.filter(_subtree("area", area))
        if (year := _year(request)) is not None:
            qs = qs.filter(year=year)
        return self.page(qs.order_by("area__code", "-year"))

    @extend_schema(
        summary="Een gebiedsplan voor een jaar maken (gebiedsmanager)",
        request=s.NieuwGebiedsplan,
        responses={201: s.GebiedsplanSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        _signed_in(request)
        v = _valid(s.NieuwGebiedsplan, request)
        area = _area_to_edit(request, v["gebied"], EDIT_PLAN)
        if (
            v["gebiedsagenda"] is not None
            and not AreaAgenda.objects.filter(pk=v["gebiedsagenda"], area=area).exists()
        ):
            raise exceptions.ValidationError(
                {"gebiedsagenda": [f"geen agenda van {area.code}: {v['gebiedsagenda']}"]}
            )
        plan = cycle.create_plan(
            area.code, v["jaar"], by=request.user, agenda_id=v["gebiedsagenda"], title=v["titel"]
        )
        return _created(self.get_serializer(_plan(request, plan.pk)).data)


class GebiedsplanDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = s.GebiedsplanSerializer

    @extend_schema(
        summary="Eén gebiedsplan", responses={200: s.GebiedsplanSerializer, **READ_ERRORS}
    )
    def get(self, request: Request, plan_id: int) -> Response:
        return Response(self.get_serializer(_plan(request, plan_id)).data)


def _actions() -> QuerySet[Action]:
    return Action.objects.select_related("plan__area")


def _action(request: Request, action_id: int) -> Action:
    action = _actions().filter(pk=action_id).first()
    if action is None:
        raise exceptions.NotFound(
            gettext("Onbekende actie: {action_id}").format(action_id=action_id)
        )
    if not can(request.user, VIEW_INTERNAL, action.plan.area):
        _deny(request)
    return action


class ActieList(_List):
    serializer_class = s.ActieSerializer

    @extend_schema(
        summary="Acties uit de gebiedsplannen",
        parameters=[
            *FILTERS,
            _status_param(s.ACTION_STATUSES),
            OpenApiParameter("gebiedsplan", int, description="id van het gebiedsplan"),
        ],
        responses={200: s.ActieSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        _signed_in(request)
        qs = _actions().filter(area_filter(request.user, VIEW_INTERNAL, "plan__area"))
        if area := _area_param(request):
            qs = qs.filter(_subtree("plan__area", area))
        if (year := _year(request)) is not None:
            qs = qs.filter(plan__year=year)
        if value := _status(request, s.ACTION_STATUSES):
            qs = qs.filter(status=value)
        if plan := request.query_params.get("gebiedsplan"):
            qs = qs.filter(plan_id=_int(plan, "gebiedsplan"))
        return self.page(qs.order_by("plan__area__code", "start", "pk"))

    @extend_schema(
        summary="Een actie aan een gebiedsplan toevoegen (gebiedsmanager)",
        request=s.NieuweActie,
        responses={201: s.ActieSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        _signed_in(request)
        v = _valid(s.NieuweActie, request)
        plan = _plan(request, v["gebiedsplan"])
        if not can(request.user, EDIT_PLAN, plan.area):
            _deny(request)
        action = cycle.add_action(
            plan.pk,
            title=v["titel"],
            owner=v["eigenaar"],
            start=v["start"],
            by=request.user,
            end=v["einde"],
            priority_id=v["speerpunt"],
            budget_planned=v["begroot"],
            budget_committed=v["verplicht"],
            budget_spent=v["besteed"],
            budget_source=v["bron"],
            description=v["omschrijving"],
        )
        return _created(self.get_serializer(_action(request, action.pk)).data)


class ActieDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = s.ActieSerializer

    @extend_schema(summary="Eén actie", responses={200: s.ActieSerializer, **READ_ERRORS})
    def get(self, request: Request, action_id: int) -> Response:
        return Response(self.get_serializer(_action(request, action_id)).data)

    @extend_schema(
        summary="De status van een actie wijzigen (gebiedsmanager)",
        request=s.ActieWijziging,
        responses={200: s.ActieSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, action_id: int) -> Response:
        action = _action(request, action_id)
        if not can(request.user, EDIT_PLAN, action.plan.area):
            _deny(request)
        v = _valid(s.ActieWijziging, request)
        cycle.change_action_status(
            action.pk,
            v["status"],
            by=request.user,
            note=v["toelichting"],
        )
        return Response(self.get_serializer(_action(request, action.pk)).data)


# --- activiteiten -------------------------------------------------------------------------------


def _activity_scope(user: Any) -> Q:
    """Activities the user may read: with ``view_internal`` on their area or municipality, or
    their own organisation's in the scope of ``edit_activity``."""
    internal = area_filter(user, VIEW_INTERNAL, "area") | area_filter(
        user, VIEW_INTERNAL, "municipality"
    )
    if not can_somewhere(user, EDIT_ACTIVITY):
        return internal
    own = area_filter(user, EDIT_ACTIVITY, "area") | area_filter(
        user, EDIT_ACTIVITY, "municipality"
    )
    owners = services.activity_owners(user)
    if owners is not None:
        own &= Q(owner__in=sorted(owners))
    return internal | own


def _activities() -> QuerySet[Activity]:
    return Activity.objects.select_related("area", "municipality")


def _activity(request: Request, activity_id: int) -> Activity:
    activity = _activities().filter(pk=activity_id).first()
    if activity is None:
        raise exceptions.NotFound(
            gettext("Onbekende activiteit: {activity_id}").format(activity_id=activity_id)
        )
    place = activity.area or activity.municipality
    if not (
        can(request.user, VIEW_INTERNAL, place)
        or services.can_write_activity(request.user, activity)
    ):
        _deny(request)
    return activity


class ActiviteitList(_List):
    serializer_class = s.ActiviteitSerializer

    @extend_schema(
        summary="Activiteiten van afdelingen en partners",
        parameters=[
            *FILTERS,
            OpenApiParameter("eigenaar", str, description="naam van de eigenaar"),
        ],
        responses={200: s.ActiviteitSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        _signed_in(request)
        qs = _activities().filter(_activity_scope(request.user))
        if area := _area_param(request):
            qs = qs.filter(_subtree("area", area) | Q(municipality=area, area__isnull=True))
        if (year := _year(request)) is not None:
            qs = qs.filter(start__year__lte=year).filter(
                Q(end__isnull=True) | Q(end__year__gte=year)
            )
        if owner := request.query_params.get("eigenaar", "")[:160]:
            qs = qs.filter(owner=owner)
        return self.page(qs.order_by("start", "pk"))

    @extend_schema(
        summary="Een activiteit van de eigen organisatie vastleggen (afdeling, partner)",
        request=s.NieuweActiviteit,
        responses={201: s.ActiviteitSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        _signed_in(request)
        v = _valid(s.NieuweActiviteit, request)
        area = _area_to_edit(request, v["gebied"], EDIT_ACTIVITY)
        activity = services.create_activity(
            area_code=area.code,
            title=v["titel"],
            start=v["start"],
            end=v["einde"],
            owner=v["eigenaar"],
            external_id=v["kenmerk"],
            by=request.user,
        )
        return _created(self.get_serializer(_activity(request, activity.pk)).data)


class ActiviteitDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = s.ActiviteitSerializer

    @extend_schema(summary="Eén activiteit", responses={200: s.ActiviteitSerializer, **READ_ERRORS})
    def get(self, request: Request, activity_id: int) -> Response:
        return Response(self.get_serializer(_activity(request, activity_id)).data)

    @extend_schema(
        summary="Een activiteit van de eigen organisatie wijzigen (afdeling, partner)",
        request=s.ActiviteitWijziging,
        responses={200: s.ActiviteitSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, activity_id: int) -> Response:
        activity = _activity(request, activity_id)
        if not services.can_write_activity(request.user, activity):
            _deny(request)
        given = _valid(s.ActiviteitWijziging, request)
        names = {"gebied": "area_code", "titel": "title", "start": "start", "einde": "end"}
        changes = {names[k]: value for k, value in given.items()}
        services.update_activity(activity.pk, by=request.user, **changes)
        return Response(self.get_serializer(_activity(request, activity.pk)).data)


# --- koppelkansen -------------------------------------------------------------------------------


def _couplings() -> QuerySet[CouplingOpportunity]:
    return CouplingOpportunity.objects.select_related(
        "municipality", "activity_a__area", "activity_b__area"
    )


def _may_read_coupling(user: Any, c: CouplingOpportunity) -> bool:
    places = [c.municipality] + [
        a.area for a in (c.activity_a, c.activity_b) if a.area_id is not None
    ]
    return any(can(user, VIEW_INTERNAL, p) for p in places) or any(
        services.can_write_activity(user, a) for a in (c.activity_a, c.activity_b)
    )


def _coupling(request: Request, coupling_id: int) -> CouplingOpportunity:
    found = _couplings().filter(pk=coupling_id).first()
    if found is None:
        raise exceptions.NotFound(
            gettext("Onbekende koppelkans: {coupling_id}").format(coupling_id=coupling_id)
        )
    if not _may_read_coupling(request.user, found):
        _deny(request)
    return found


class KoppelkansList(_List):
    serializer_class = s.KoppelkansSerializer

    @extend_schema(
        summary="Koppelkansen: activiteiten die in plaats en tijd overlappen",
        parameters=[FILTERS[0], _status_param(s.COUPLING_STATUSES)],
        responses={200: s.KoppelkansSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        _signed_in(request)
        readable = Activity.objects.filter(_activity_scope(request.user)).values("pk")
        qs = _couplings().filter(Q(activity_a__in=readable) | Q(activity_b__in=readable))
        if area := _area_param(request):
            qs = qs.filter(
                _subtree("activity_a__area", area)
                | _subtree("activity_b__area", area)
                | Q(municipality=area)
            )
        if value := _status(request, s.COUPLING_STATUSES):
            qs = qs.filter(status=value)
        return self.page(qs.order_by("-score", "pk"))


class KoppelkansDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = s.KoppelkansSerializer

    @extend_schema(summary="Eén koppelkans", responses={200: s.KoppelkansSerializer, **READ_ERRORS})
    def get(self, request: Request, coupling_id: int) -> Response:
        return Response(self.get_serializer(_coupling(request, coupling_id)).data)

    @extend_schema(
        summary="Over een koppelkans beslissen: benutten of afwijzen (met reden)",
        request=s.KoppelkansBesluit,
        responses={200: s.KoppelkansSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, coupling_id: int) -> Response:
        coupling = _coupling(request, coupling_id)
        v = _valid(s.KoppelkansBesluit, request)
        cycle.decide_coupling(
            coupling.pk,
            accept=v["status"] == s.CouplingStatus.ACCEPTED,
            by=request.user,
            reason=v["toelichting"],
        )
        return Response(self.get_serializer(_coupling(request, coupling.pk)).data)


# --- knelpunten ---------------------------------------------------------------------------------


def _barriers() -> QuerySet[Barrier]:
    return Barrier.objects.select_related("area")


def _barrier(request: Request, barrier_id: int) -> Barrier:
    barrier = _barriers().filter(pk=barrier_id).first()
    if barrier is None:
        raise exceptions.NotFound(
            gettext("Onbekend knelpunt: {barrier_id}").format(barrier_id=barrier_id)
        )
    if not can(request.user, VIEW_INTERNAL, barrier.area):
        _deny(request)
    return barrier


class KnelpuntList(_List):
    serializer_class = s.KnelpuntSerializer

    @extend_schema(
        summary="Knelpunten (belemmeringen) uit de praktijk",
        parameters=[
            *FILTERS,
            OpenApiParameter("status", str, enum=s.BARRIER_STATUSES),
        ],
        responses={200: s.KnelpuntSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        _signed_in(request)
        qs = _barriers().filter(area_filter(request.user, VIEW_INTERNAL, "area"))
        if area := _area_param(request):
            qs = qs.filter(_subtree("area", area))
        if (year := _year(request)) is not None:
            qs = qs.filter(raised_on__year=year)
        value = _status(request, s.BARRIER_STATUSES)
        if value:
            qs = qs.filter(resolved_on__isnull=value == "open")
        return self.page(qs.order_by("-raised_on", "pk"))

    @extend_schema(
        summary="Een knelpunt vastleggen (gebiedsmanager, gebiedsverbinder; afdeling of "
        "partner voor een gebied in de eigen scope of een eigen actie)",
        request=s.NieuwKnelpunt,
        responses={201: s.KnelpuntSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        _signed_in(request)
        v = _valid(s.NieuwKnelpunt, request)
        area = Area.objects.filter(code=v["gebied"]).first()
        if area is None:
            raise exceptions.NotFound(
                gettext("Onbekend gebied: {gebied}").format(gebied=v["gebied"])
            )
        if not cycle.may_record_barrier(request.user, area):
            _deny(request)
        # cycle.record_barrier checks the action too: a partner's own actions only.
        barrier = cycle.record_barrier(
            area.code,
            category=v["categorie"],
            description=v["omschrijving"],
            raised_by=v["gemeldDoor"],
            by=request.user,
            raised_on=v["gemeldOp"],
            action_id=v["actie"],
            escalated_to=v["geescaleerdNaar"],
        )
        # The one who recorded it sees it back, even without view_internal (a partner).
        return _created(self.get_serializer(_barriers().get(pk=barrier.pk)).data)


class KnelpuntDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = s.KnelpuntSerializer

    @extend_schema(summary="Eén knelpunt", responses={200: s.KnelpuntSerializer, **READ_ERRORS})
    def get(self, request: Request, barrier_id: int) -> Response:
        return Response(self.get_serializer(_barrier(request, barrier_id)).data)
