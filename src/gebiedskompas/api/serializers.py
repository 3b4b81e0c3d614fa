"""What the API shows of areas, indicators, observations and analysis runs (Dutch field names,
as the resources themselves)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from gebiedskompas.analysis.models import AnalysisRun
from gebiedskompas.areas.models import Area
from gebiedskompas.indicators.models import Indicator


def _link(request: Any, name: str, *args: Any) -> dict[str, str]:
    path = reverse(name, args=args)
    return {"href": request.build_absolute_uri(path) if request else path}


class Link(serializers.Serializer):  # type: ignore[type-arg]  # for the schema
    href = serializers.CharField()


class GebiedLinks(serializers.Serializer):  # type: ignore[type-arg]  # for the schema
    self = Link()


class GebiedSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    naam = serializers.CharField(source="name", max_length=200)
    niveau = serializers.CharField(source="level", read_only=True)
    ouder = serializers.SerializerMethodField()
    gemeente = serializers.SerializerMethodField()
    geldigVanaf = serializers.IntegerField(source="valid_from", read_only=True, allow_null=True)  # noqa: N815
    geldigTot = serializers.IntegerField(source="valid_to", read_only=True, allow_null=True)  # noqa: N815
    _links = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = ["code", "naam", "niveau", "ouder", "gemeente", "geldigVanaf", "geldigTot",
                  "_links"]  # fmt: skip
        read_only_fields = ["code"]

    def get_ouder(self, area: Area) -> str | None:
        return area.parent.code if area.parent_id and area.parent else None

    def get_gemeente(self, area: Area) -> str | None:
        return area.municipality.code if area.municipality_id and area.municipality else None

    def get__links(self, area: Area) -> dict[str, dict[str, str]]:
        return {"self": _link(self.context.get("request"), "api:gebied", area.code)}


class GebiedWijziging(serializers.Serializer):  # type: ignore[type-arg]  # input
    naam = serializers.CharField(max_length=200, allow_blank=False, trim_whitespace=True)


class IndicatorSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    sleutel = serializers.CharField(source="key")
    naam = serializers.CharField(source="name")
    definitie = serializers.CharField(source="definition")
    eenheid = serializers.CharField(source="unit")
    domein = serializers.CharField(source="domain")
    richting = serializers.CharField(source="direction")
    soort = serializers.CharField(source="kind")
    bron = serializers.CharField(source="source")
    aggregatie = serializers.CharField(source="aggregation")
    minimaleBevolking = serializers.IntegerField(source="min_population")  # noqa: N815
    _links = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = ["sleutel", "naam", "definitie", "eenheid", "domein", "richting", "soort",
                  "bron", "aggregatie", "minimaleBevolking", "_links"]  # fmt: skip

    def get__links(self, indicator: Indicator) -> dict[str, dict[str, str]]:
        return {"self": _link(self.context.get("request"), "api:indicator", indicator.key)}


class WaarnemingSerializer(serializers.Serializer):  # type: ignore[type-arg]  # plain rows
    gebied = serializers.CharField()
    gebiedsnaam = serializers.CharField()
    niveau = serializers.CharField()
    indicator = serializers.CharField()
    periode = serializers.CharField()
    waarde = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=["ok", "suppressed", "missing"])


class NieuweWaarneming(serializers.Serializer):  # type: ignore[type-arg]  # input
    gebied = serializers.CharField(max_length=40)
    indicator = serializers.CharField(max_length=80)
    periode = serializers.RegexField(r"^\d{4}(-(Q[1-4]|\d{2}))?$", max_length=10)
    waarde = serializers.FloatField(allow_null=False)


class WaarnemingResultaat(serializers.Serializer):  # type: ignore[type-arg]  # output
    nieuw = serializers.IntegerField()
    gewijzigd = serializers.IntegerField()
    ongewijzigd = serializers.IntegerField()


class AnalyseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    methode = serializers.CharField(source="method")
    niveau = serializers.CharField(source="level")
    gemeente = serializers.CharField(source="municipality.code")
    periode = serializers.CharField(source="period")
    gewichten = serializers.DictField(source="weights_used", child=serializers.FloatField())
    aantalGebieden = serializers.IntegerField(source="area_count")  # noqa: N815
    gemaaktOp = serializers.DateTimeField(source="created_at")  # noqa: N815
    vingerafdruk = serializers.CharField(source="data_fingerprint")
    softwareversie = serializers.CharField(source="software_version")
    resultaten = serializers.SerializerMethodField()

    class Meta:
        model = AnalysisRun
        fields = ["id", "methode", "niveau", "gemeente", "periode", "gewichten", "aantalGebieden",
                  "gemaaktOp", "vingerafdruk", "softwareversie", "resultaten"]  # fmt: skip

    def get_resultaten(self, run: AnalysisRun) -> list[dict[str, Any]]:
        if not self.context.get("with_rows"):
            return []
        return [
            {
                "gebied": row.area.code,
                "positie": row.position,
                "score": row.score,
                "band": row.band,
            }  # fmt: skip
            for row in run.rows.select_related("area").order_by("position")
        ]
