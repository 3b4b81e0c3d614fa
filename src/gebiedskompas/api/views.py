"""REST endpoints under /api/v1/ (Dutch API Design Rules). Every endpoint decides with
`accounts.permissions.can`; reads go through selectors, writes through `api.services`."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, generics, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gebiedskompas.accounts.permissions import area_filter, can, can_within, scope_roots
from gebiedskompas.accounts.roles import VIEW_ANALYSIS, VIEW_INTERNAL
from gebiedskompas.analysis.models import AnalysisRun
from gebiedskompas.api import services
from gebiedskompas.api.caching import public_answer
from gebiedskompas.api.errors import PROBLEM, Problem
from gebiedskompas.api.renderers import CSVRenderer
from gebiedskompas.api.serializers import (
    AnalyseSerializer,
    GebiedSerializer,
    GebiedWijziging,
    IndicatorSerializer,
    NieuweWaarneming,
    WaarnemingResultaat,
    WaarnemingSerializer,
)
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.indicators.exports import LICENCE, observations_frame
from gebiedskompas.indicators.models import Indicator

API_VERSION = "1.0.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def _problems(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(Problem, description="application/problem+json") for code in codes
    }


class KompasAPIView(APIView):
    """Adds the API-Version header to every answer."""

    renderer_classes = [JSONRenderer]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # PostgreSQL text cannot hold NUL; refuse it as bad input instead of failing in a query.
        bad = [k for k, v in [*request.query_params.items(), *kwargs.items()] if "\x00" in str(v)]
        if bad:
            raise exceptions.ValidationError({name: ["bevat een NUL-teken"] for name in bad})

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["API-Version"] = API_VERSION
        return response


def _deny(request: Request) -> None:
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated()
    raise exceptions.PermissionDenied()


# --- gebieden -----------------------------------------------------------------------------------


class GebiedList(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = GebiedSerializer

    @extend_schema(
        summary="Gebieden",
        parameters=[
            OpenApiParameter("niveau", str, enum=list(Level.values)),
            OpenApiParameter("gemeente", str, description="CBS-code van de gemeente"),
            OpenApiParameter("ouder", str, description="code van het bovenliggende gebied"),
            OpenApiParameter("zoek", str, description="deel van de naam of de hele code"),
        ],
        responses={200: GebiedSerializer(many=True), **_problems(400, 404, 429)},
    )
    @public_answer
    def get(self, request: Request) -> Response:
        qs: QuerySet[Area] = Area.objects.select_related("parent", "municipality").order_by("code")
        niveau = request.query_params.get("niveau")
        if niveau:
            if niveau not in Level.values:
                raise exceptions.ValidationError(
                    {"niveau": [f"kies uit {', '.join(Level.values)}"]}
                )
            qs = qs.filter(level=niveau)
        if gemeente := request.query_params.get("gemeente"):
            qs = qs.filter(municipality__code=gemeente)
        if ouder := request.query_params.get("ouder"):
            qs = qs.filter(parent__code=ouder)
        if zoek := request.query_params.get("zoek", "").strip()[:100]:
            qs = qs.filter(Q(name__icontains=zoek) | Q(code__iexact=zoek))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class GebiedDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = GebiedSerializer

    def _area(self, code: str) -> Area:
        area = Area.objects.select_related("parent", "municipality").filter(code=code).first()
        if area is None:
            raise exceptions.NotFound(gettext("Onbekend gebied: {code}").format(code=code))
        return area

    @extend_schema(summary="Eén gebied", responses={200: GebiedSerializer, **_problems(404, 429)})
    @public_answer
    def get(self, request: Request, code: str) -> Response:
        return Response(self.get_serializer(self._area(code)).data)

    @extend_schema(
        summary="Naam van een gebied wijzigen (functioneel beheerder)",
        request=GebiedWijziging,
        responses={200: GebiedSerializer, **_problems(400, 401, 403, 404, 429)},
    )
    def patch(self, request: Request, code: str) -> Response:
        area = self._area(code)
        if not can(request.user, "edit_area", area):
            _deny(request)
        data = GebiedWijziging(data=request.data)
        data.is_valid(raise_exception=True)
        services.rename_area(area, data.validated_data["naam"], by=request.user)
        return Response(self.get_serializer(area).data)


# --- indicatoren --------------------------------------------------------------------------------


class IndicatorList(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = IndicatorSerializer

    @extend_schema(
        summary="Indicatoren",
        parameters=[OpenApiParameter("domein", str)],
        responses={200: IndicatorSerializer(many=True), **_problems(404, 429)},
    )
    @public_answer
    def get(self, request: Request) -> Response:
        qs = Indicator.objects.all()
        if domein := request.query_params.get("domein"):
            qs = qs.filter(domain=domein)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class IndicatorDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = IndicatorSerializer

    @extend_schema(summary="Eén indicator", responses={200: IndicatorSerializer, **_problems(404)})
    @public_answer
    def get(self, request: Request, key: str) -> Response:
        indicator = Indicator.objects.filter(key=key).first()
        if indicator is None:
            raise exceptions.NotFound(gettext("Onbekende indicator: {key}").format(key=key))
        return Response(self.get_serializer(indicator).data)


# --- waarnemingen -------------------------------------------------------------------------------


class WaarnemingList(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    """Observations; for readers without internal rights on the area, with disclosure control
    (counts rounded, small areas and derivable cells suppressed): the open data."""

    serializer_class = WaarnemingSerializer
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        summary="Waarnemingen (open data)",
        description=f"{LICENCE}. Met format=csv als CSV-bestand (zonder paginering). Geef "
        "gebied of indicator op.",
        parameters=[
            OpenApiParameter("gebied", str, description="code; met alle onderliggende gebieden"),
            OpenApiParameter("indicator", str, description="sleutel van de indicator"),
            OpenApiParameter("periode", str, description="bijvoorbeeld 2024"),
            OpenApiParameter("niveau", str, enum=list(Level.values)),
            OpenApiParameter("format", str, enum=["json", "csv"]),
        ],
        responses={
            (200, "application/json"): WaarnemingSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **_problems(400, 404, 429),
        },
    )
    @public_answer
    def get(self, request: Request) -> Response:
        params = request.query_params
        gebied, indicator = params.get("gebied") or None, params.get("indicator") or None
        niveau = params.get("niveau") or None
        if not gebied and not indicator:
            raise exceptions.ValidationError(
                {
                    "gebied": ["geef gebied of indicator op"],
                    "indicator": ["geef gebied of indicator op"],
                }
            )
        if niveau and niveau not in Level.values:
            raise exceptions.ValidationError({"niveau": [f"kies uit {', '.join(Level.values)}"]})
        area = Area.objects.filter(code=gebied).first() if gebied else None
        if gebied and area is None:
            raise exceptions.NotFound(gettext("Onbekend gebied: {gebied}").format(gebied=gebied))
        public = not can(request.user, VIEW_INTERNAL, area)
        frame = observations_frame(
            area=gebied, indicator=indicator, period=params.get("periode") or None,
            level=niveau, public=public,
        )  # fmt: skip
        rows = [
            {
                "gebied": r.area_code,
                "gebiedsnaam": r.area_name,
                "niveau": r.level,
                "indicator": r.indicator,
                "periode": r.period,
                "waarde": None if r.value != r.value or r.value is None else float(r.value),
                "status": r.status,
            }
            for r in frame.itertuples(index=False)
        ]
        if request.accepted_renderer.format == "csv":
            response = Response(rows, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="waarnemingen.csv"'
        else:
            page = self.paginate_queryset(rows)
            response = self.get_paginated_response(page)
        response["Link"] = f'<{LICENCE_URL}>; rel="license"'
        response["X-Kompas-Openbaar"] = "ja" if public else "nee"
        return response

    @extend_schema(
        summary="Een waarneming vastleggen (analist van de gemeente)",
        request=NieuweWaarneming,
        responses={201: WaarnemingResultaat, **_problems(400, 401, 403, 404, 429)},
    )
    def post(self, request: Request) -> Response:
        data = NieuweWaarneming(data=request.data)
        data.is_valid(raise_exception=True)
        area = Area.objects.filter(code=data.validated_data["gebied"]).first()
        if area is None:
            raise exceptions.NotFound(
                gettext("Onbekend gebied: {gebied}").format(gebied=data.validated_data["gebied"])
            )
        if not can(request.user, "write_observations", area):
            _deny(request)
        summary = services.add_observation(
            area_code=area.code,
            indicator_key=data.validated_data["indicator"],
            period=data.validated_data["periode"],
            value=data.validated_data["waarde"],
            by=request.user,
        )
        return Response(
            {"nieuw": summary.new, "gewijzigd": summary.updated, "ongewijzigd": summary.unchanged},
            status=status.HTTP_201_CREATED,
        )


# --- analyses -----------------------------------------------------------------------------------


def _runs_for(user: Any) -> QuerySet[AnalysisRun]:
    qs = AnalysisRun.objects.select_related("municipality").order_by("-created_at", "-id")
    roots = scope_roots(user, VIEW_ANALYSIS)
    if roots is None:
        return qs
    municipalities = Area.objects.filter(area_filter(user, VIEW_ANALYSIS)).values("municipality_id")
    return qs.filter(municipality_id__in=municipalities)


class AnalyseList(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = AnalyseSerializer

    @extend_schema(
        summary="Gebiedsanalyses (voor wie ze mag lezen)",
        responses={200: AnalyseSerializer(many=True), **_problems(401, 404, 429)},
    )
    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        page = self.paginate_queryset(_runs_for(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AnalyseDetail(KompasAPIView, generics.GenericAPIView):  # type: ignore[type-arg]  # DRF generic
    serializer_class = AnalyseSerializer

    @extend_schema(
        summary="Eén gebiedsanalyse met de rangorde",
        responses={200: AnalyseSerializer, **_problems(401, 403, 404, 429)},
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = AnalysisRun.objects.select_related("municipality").filter(pk=run_id).first()
        if run is None:
            raise exceptions.NotFound(gettext("Onbekende analyse: {run_id}").format(run_id=run_id))
        if not can_within(request.user, VIEW_ANALYSIS, run.municipality):
            _deny(request)
        return Response(
            AnalyseSerializer(run, context={"request": request, "with_rows": True}).data
        )


# --- schema, documentation, unknown paths -------------------------------------------------------


class OpenApiView(SpectacularJSONAPIView):
    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["API-Version"] = API_VERSION
        return response


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the drf-spectacular-sidecar static files, its start-up script served as a
    separate file, so the page needs no inline script and no CDN (CSP ``script-src 'self'``)."""

    url_name = "api:openapi"


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    body = {
        "type": "https://developer.overheid.nl/problemen/404",
        "title": "Niet gevonden",
        "status": 404,
        "detail": f"Onbekende resource: {request.path}",
        "instance": request.get_full_path(),
    }
    response = JsonResponse(body, status=404, content_type=PROBLEM)
    response["API-Version"] = API_VERSION
    return response
