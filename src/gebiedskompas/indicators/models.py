"""Indicator catalogue, observations and the import batches they came from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gebiedskompas.areas.models import Area


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", _("hoger is beter")
    HIGHER_IS_WORSE = "higher_is_worse", _("hoger is slechter")
    NEUTRAL = "neutral", _("neutraal")


class Kind(models.TextChoices):
    OBJECTIVE = "objective", _("objectief")
    SUBJECTIVE = "subjective", _("subjectief (beleving)")


class Aggregation(models.TextChoices):
    SUM = "sum", _("som")
    RATIO = "ratio", _("verhouding van twee sommen")
    WEIGHTED_MEAN = "weighted_mean", _("gewogen gemiddelde")
    NONE = "none", _("niet optelbaar")


class Domain(models.TextChoices):
    DEMOGRAFIE = "demografie", _("demografie")
    WONEN = "wonen", _("wonen")
    SOCIAAL = "sociaal", _("sociaal")
    ZORG = "zorg", _("zorg")
    VEILIGHEID = "veiligheid", _("veiligheid")
    ECONOMIE = "economie", _("economie en inkomen")
    ONDERWIJS = "onderwijs", _("onderwijs")
    FYSIEK = "fysiek", _("fysieke omgeving")
    ENERGIE = "energie", _("energie")
    VOORZIENINGEN = "voorzieningen", _("voorzieningen")
    LEEFBAARHEID = "leefbaarheid", _("leefbaarheid")
    MOBILITEIT = "mobiliteit", _("mobiliteit")
    GEBIED = "gebied", _("gebied en regio")
    OVERIG = "overig", _("overig")


class Indicator(models.Model):
    key = models.SlugField(_("sleutel"), max_length=80, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    definition = models.TextField(_("definitie"), blank=True, default="")
    unit = models.CharField(_("eenheid"), max_length=60, blank=True, default="")
    domain = models.CharField(_("domein"), max_length=20, choices=Domain.choices)
    direction = models.CharField(
        _("richting"), max_length=20, choices=Direction.choices, default=Direction.NEUTRAL
    )
    kind = models.CharField(_("soort"), max_length=12, choices=Kind.choices, default=Kind.OBJECTIVE)
    source = models.CharField(_("bron"), max_length=200, blank=True, default="")
    aggregation = models.CharField(
        _("aggregatie"), max_length=16, choices=Aggregation.choices, default=Aggregation.NONE
    )
    numerator = models.CharField(max_length=80, blank=True, default="")
    denominator = models.CharField(max_length=80, blank=True, default="")
    weight = models.CharField(max_length=80, blank=True, default="")
    scale = models.FloatField(default=1.0)
    min_population = models.PositiveIntegerField(_("minimale bevolking"), default=0)
    # Public output of a sensitive percentage shows a value beyond a cap as the cap ("< 5",
    # "> 90"), as municipalities do for, e.g., shares of benefit recipients.
    cap_low = models.FloatField(_("ondergrens openbaar percentage"), null=True, blank=True)
    cap_high = models.FloatField(_("bovengrens openbaar percentage"), null=True, blank=True)
    is_count = models.BooleanField(default=False)
    decimals = models.PositiveSmallIntegerField(default=0)
    # The CBS key without its numeric suffix (AantalInwoners) and the title of its group in the
    # CBS theme tree: together they identify a column across table years.
    cbs_key = models.CharField(max_length=120, blank=True, default="", db_index=True)
    cbs_group = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicatoren")
        ordering = ["domain", "position", "key"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One import run of one file; every observation remembers the batch that last set it."""

    kind = models.CharField(max_length=20)  # cbs | csv | areas | demo | computed
    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    table_id = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}"


class Status(models.TextChoices):
    OK = "ok", _("ok")
    SUPPRESSED = "suppressed", _("geheim")
    MISSING = "missing", _("ontbreekt")


class Observation(models.Model):
    # No separate indexes on area and indicator: the unique (area, indicator, period) and the
    # (indicator, period) indexes lead with them, and every index slows bulk imports down.
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="observations", db_index=False
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="observations", db_index=False
    )
    period = models.CharField(max_length=10)
    value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OK)
    # Lower and upper bound of the confidence interval, where a survey source gives them.
    margin_lower = models.FloatField(null=True, blank=True)
    margin_upper = models.FloatField(null=True, blank=True)
    # Computed from the buurten by the indicator's rule; beside a published value, or alone.
    computed_value = models.FloatField(null=True, blank=True)
    is_published = models.BooleanField(default=True)
    # No index on the batch: the observation names its batch, nothing looks observations up by
    # batch (batches are provenance and are not deleted), and the index cost a national import
    # about a tenth of its time.
    batch = models.ForeignKey(
        ImportBatch, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    source_key = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "indicator", "period"], name="observation_unique"
            ),
        ]
        indexes = [models.Index(fields=["indicator", "period"])]

    def __str__(self) -> str:
        return f"{self.area_id}/{self.indicator_id}/{self.period}"
