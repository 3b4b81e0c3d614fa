"""What the API shows of the gebiedscyclus: agendas with priorities and targets, plans,
actions, activities, koppelkansen and knelpunten (Dutch field names, explicit field lists, so a
new model field is not published by accident), and the inputs of the writes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gebiedskompas.api.serializers import _link
from gebiedskompas.cycle.domain.workflow import ActionStatus, AgendaStatus
from gebiedskompas.cycle.models import (
    Action,
    Activity,
    AreaAgenda,
    AreaPlan,
    Barrier,
    BarrierCategory,
    CouplingOpportunity,
    CouplingStatus,
    Priority,
    Target,
)

AGENDA_STATUSES = [s.value for s in AgendaStatus]
ACTION_STATUSES = [s.value for s in ActionStatus]
COUPLING_STATUSES = list(CouplingStatus.values)
COUPLING_DECISIONS = [CouplingStatus.ACCEPTED.value, CouplingStatus.DISMISSED.value]
BARRIER_STATUSES = ["open", "opgelost"]
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


def _self(serializer: serializers.Serializer, name: str, pk: int) -> dict[str, dict[str, str]]:  # type: ignore[type-arg]  # DRF generic
    return {"self": _link(serializer.context.get("request"), name, pk)}


class DoelSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    indicator = serializers.CharField(source="indicator.key")
    streefwaarde = serializers.DecimalField(source="value", max_digits=14, decimal_places=3)
    jaar = serializers.IntegerField(source="year")
    richting = serializers.CharField(source="direction")

    class Meta:
        model = Target
        fields = ["indicator", "streefwaarde", "jaar", "richting"]


class SpeerpuntSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    titel = serializers.CharField(source="title")
    motivering = serializers.CharField(source="motivation")
    gebiedsanalyse = serializers.IntegerField(source="analysis_run_id", allow_null=True)
    indicatoren = serializers.SerializerMethodField()
    eigenaar = serializers.CharField(source="owner")
    organisatie = serializers.CharField(source="organisation")
    volgorde = serializers.IntegerField(source="order")
    doelen = DoelSerializer(source="targets", many=True)

    class Meta:
        model = Priority
        fields = ["id", "titel", "motivering", "gebiedsanalyse", "indicatoren", "eigenaar",
                  "organisatie", "status", "volgorde", "doelen"]  # fmt: skip

    def get_indicatoren(self, priority: Priority) -> list[str]:
        return sorted(i.key for i in priority.indicators.all())


class GebiedsagendaSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    gebied = serializers.CharField(source="area.code")
    titel = serializers.CharField(source="title")
    vanafJaar = serializers.IntegerField(source="start_year")  # noqa: N815
    totEnMetJaar = serializers.IntegerField(source="end_year")  # noqa: N815
    status = serializers.ChoiceField(choices=AGENDA_STATUSES)
    versie = serializers.IntegerField(source="version")
    vervangt = serializers.IntegerField(source="supersedes_id", allow_null=True)
    besluit = serializers.CharField(source="decision_reference")
    vastgesteldOp = serializers.DateField(source="adopted_on", allow_null=True)  # noqa: N815
    speerpunten = SpeerpuntSerializer(source="priorities", many=True)
    _links = serializers.SerializerMethodField()

    class Meta:
        model = AreaAgenda
        fields = ["id", "gebied", "titel", "vanafJaar", "totEnMetJaar", "status", "versie",
                  "vervangt", "besluit", "vastgesteldOp", "speerpunten", "_links"]  # fmt: skip

    def get__links(self, agenda: AreaAgenda) -> dict[str, dict[str, str]]:
        return _self(self, "api:gebiedsagenda", agenda.pk)


class NieuweGebiedsagenda(serializers.Serializer):  # type: ignore[type-arg]  # input
    gebied = serializers.CharField(max_length=40)
    titel = serializers.CharField(max_length=200)
    vanafJaar = serializers.IntegerField(min_value=1900, max_value=2200)  # noqa: N815
    totEnMetJaar = serializers.IntegerField(min_value=1900, max_value=2200)  # noqa: N815


class GebiedsagendaWijziging(serializers.Serializer):  # type: ignore[type-arg]  # input
    status = serializers.ChoiceField(choices=AGENDA_STATUSES)
    toelichting = serializers.CharField(required=False, allow_blank=True, default="")
    besluit = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    vastgesteldOp = serializers.DateField(required=False, allow_null=True, default=None)  # noqa: N815


class NieuwSpeerpunt(serializers.Serializer):  # type: ignore[type-arg]  # input
    titel = serializers.CharField(max_length=200)
    motivering = serializers.CharField(required=False, allow_blank=True, default="")
    gebiedsanalyse = serializers.IntegerField(required=False, allow_null=True, default=None)
    indicatoren = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, default=list
    )
    eigenaar = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    organisatie = serializers.CharField(
        max_length=160, required=False, allow_blank=True, default=""
    )


class GebiedsplanSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    gebied = serializers.CharField(source="area.code")
    jaar = serializers.IntegerField(source="year")
    gebiedsagenda = serializers.IntegerField(source="agenda_id", allow_null=True)
    titel = serializers.CharField(source="title")
    aantalActies = serializers.SerializerMethodField()  # noqa: N815
    _links = serializers.SerializerMethodField()

    class Meta:
        model = AreaPlan
        fields = ["id", "gebied", "jaar", "gebiedsagenda", "titel", "aantalActies", "_links"]

    def get_aantalActies(self, plan: AreaPlan) -> int:  # noqa: N802
        return len(plan.actions.all())

    def get__links(self, plan: AreaPlan) -> dict[str, dict[str, str]]:
        return _self(self, "api:gebiedsplan", plan.pk)


class NieuwGebiedsplan(serializers.Serializer):  # type: ignore[type-arg]  # input
    gebied = serializers.CharField(max_length=40)
    jaar = serializers.IntegerField(min_value=1900, max_value=2200)
    gebiedsagenda = serializers.IntegerField(required=False, allow_null=True, default=None)
    titel = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ActieSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    gebiedsplan = serializers.IntegerField(source="plan_id")
    gebied = serializers.CharField(source="plan.area.code")
    jaar = serializers.IntegerField(source="plan.year")
    speerpunt = serializers.IntegerField(source="priority_id", allow_null=True)
    titel = serializers.CharField(source="title")
    omschrijving = serializers.CharField(source="description")
    eigenaar = serializers.CharField(source="owner")
    start = serializers.DateField()
    einde = serializers.DateField(source="end", allow_null=True)
    begroot = serializers.DecimalField(source="budget_planned", max_digits=12, decimal_places=2)
    verplicht = serializers.DecimalField(source="budget_committed", max_digits=12, decimal_places=2)
    besteed = serializers.DecimalField(source="budget_spent", max_digits=12, decimal_places=2)
    bron = serializers.CharField(source="budget_source")
    status = serializers.ChoiceField(choices=ACTION_STATUSES)
    _links = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = ["id", "gebiedsplan", "gebied", "jaar", "speerpunt", "titel", "omschrijving",
                  "eigenaar", "start", "einde", "begroot", "verplicht", "besteed", "bron",
                  "status", "_links"]  # fmt: skip

    def get__links(self, action: Action) -> dict[str, dict[str, str]]:
        return _self(self, "api:actie", action.pk)


class NieuweActie(serializers.Serializer):  # type: ignore[type-arg]  # input
    gebiedsplan = serializers.IntegerField()
    titel = serializers.CharField(max_length=200)
    eigenaar = serializers.CharField(max_length=160)
    start = serializers.DateField()
    einde = serializers.DateField(required=False, allow_null=True, default=None)
    speerpunt = serializers.IntegerField(required=False, allow_null=True, default=None)
    omschrijving = serializers.CharField(required=False, allow_blank=True, default="")
    begroot = serializers.DecimalField(**MONEY, required=False, default=0)
    verplicht = serializers.DecimalField(**MONEY, required=False, default=0)
    besteed = serializers.DecimalField(**MONEY, required=False, default=0)
    bron = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class ActieWijziging(serializers.Serializer):  # type: ignore[type-arg]  # input
    status = serializers.ChoiceField(choices=ACTION_STATUSES)
    toelichting = serializers.CharField(required=False, allow_blank=True, default="")


class ActiviteitSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    gemeente = serializers.CharField(source="municipality.code")
    kenmerk = serializers.CharField(source="external_id")
    titel = serializers.CharField(source="title")
    eigenaar = serializers.CharField(source="owner")
    start = serializers.DateField()
    einde = serializers.DateField(source="end", allow_null=True)
    gebied = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "gemeente", "kenmerk", "titel", "eigenaar", "start", "einde", "gebied",
                  "_links"]  # fmt: skip

    def get_gebied(self, activity: Activity) -> str | None:
        return activity.area.code if activity.area_id and activity.area else None

    def get__links(self, activity: Activity) -> dict[str, dict[str, str]]:
        return _self(self, "api:activiteit", activity.pk)


class NieuweActiviteit(serializers.Serializer):  # type: ignore[type-arg]  # input
    gebied = serializers.CharField(max_length=40, help_text="code van het gebied (of gemeente)")
    titel = serializers.CharField(max_length=200)
    start = serializers.DateField()
    einde = serializers.DateField(required=False, allow_null=True, default=None)
    eigenaar = serializers.CharField(
        max_length=160,
        required=False,
        allow_blank=True,
        default="",
        help_text="standaard de organisatie van de sleutel of gebruiker",
    )
    kenmerk = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class ActiviteitWijziging(serializers.Serializer):  # type: ignore[type-arg]  # input
    gebied = serializers.CharField(max_length=40, required=False)
    titel = serializers.CharField(max_length=200, required=False)
    start = serializers.DateField(required=False)
    einde = serializers.DateField(required=False, allow_null=True)


class KoppelActiviteit(serializers.Serializer):  # type: ignore[type-arg]  # output
    id = serializers.IntegerField()
    titel = serializers.CharField()
    eigenaar = serializers.CharField()
    gebied = serializers.CharField(allow_null=True)


class KoppelkansSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    gemeente = serializers.CharField(source="municipality.code")
    activiteitA = serializers.SerializerMethodField()  # noqa: N815
    activiteitB = serializers.SerializerMethodField()  # noqa: N815
    overlap = serializers.FloatField(source="score")
    afstandM = serializers.FloatField(source="distance_m")  # noqa: N815
    tussenruimteDagen = serializers.IntegerField(source="gap_days")  # noqa: N815
    status = serializers.ChoiceField(choices=COUPLING_STATUSES)
    toelichting = serializers.CharField(source="reason")
    besluitOp = serializers.DateTimeField(source="decided_at", allow_null=True)  # noqa: N815
    _links = serializers.SerializerMethodField()

    class Meta:
        model = CouplingOpportunity
        fields = ["id", "gemeente", "activiteitA", "activiteitB", "overlap", "afstandM",
                  "tussenruimteDagen", "status", "toelichting", "besluitOp", "_links"]  # fmt: skip

    def _activity(self, activity: Activity) -> dict[str, Any]:
        return {
            "id": activity.pk,
            "titel": activity.title,
            "eigenaar": activity.owner,
            "gebied": activity.area.code if activity.area_id and activity.area else None,
        }

    def get_activiteitA(self, c: CouplingOpportunity) -> dict[str, Any]:  # noqa: N802
        return self._activity(c.activity_a)

    def get_activiteitB(self, c: CouplingOpportunity) -> dict[str, Any]:  # noqa: N802
        return self._activity(c.activity_b)

    def get__links(self, c: CouplingOpportunity) -> dict[str, dict[str, str]]:
        return _self(self, "api:koppelkans", c.pk)


class KoppelkansBesluit(serializers.Serializer):  # type: ignore[type-arg]  # input
    status = serializers.ChoiceField(choices=COUPLING_DECISIONS)
    toelichting = serializers.CharField(required=False, allow_blank=True, default="")


class KnelpuntSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]  # DRF generic
    gebied = serializers.CharField(source="area.code")
    actie = serializers.IntegerField(source="action_id", allow_null=True)
    categorie = serializers.ChoiceField(source="category", choices=BarrierCategory.values)
    omschrijving = serializers.CharField(source="description")
    gemeldDoor = serializers.CharField(source="raised_by")  # noqa: N815
    gemeldOp = serializers.DateField(source="raised_on")  # noqa: N815
    geescaleerdNaar = serializers.CharField(source="escalated_to")  # noqa: N815
    geescaleerdOp = serializers.DateField(source="escalated_on", allow_null=True)  # noqa: N815
    oplossing = serializers.CharField(source="resolution")
    opgelostOp = serializers.DateField(source="resolved_on", allow_null=True)  # noqa: N815
    _links = serializers.SerializerMethodField()

    class Meta:
        model = Barrier
        fields = ["id", "gebied", "actie", "categorie", "omschrijving", "gemeldDoor", "gemeldOp",
                  "geescaleerdNaar", "geescaleerdOp", "oplossing", "opgelostOp",
                  "_links"]  # fmt: skip

    def get__links(self, barrier: Barrier) -> dict[str, dict[str, str]]:
        return _self(self, "api:knelpunt", barrier.pk)


class NieuwKnelpunt(serializers.Serializer):  # type: ignore[type-arg]  # input
    gebied = serializers.CharField(max_length=40)
    categorie = serializers.ChoiceField(choices=BarrierCategory.values)
    omschrijving = serializers.CharField()
    gemeldDoor = serializers.CharField(max_length=160)  # noqa: N815
    gemeldOp = serializers.DateField(required=False, allow_null=True, default=None)  # noqa: N815
    actie = serializers.IntegerField(required=False, allow_null=True, default=None)
    geescaleerdNaar = serializers.CharField(  # noqa: N815
        max_length=160, required=False, allow_blank=True, default=""
    )
