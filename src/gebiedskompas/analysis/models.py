"""Stored analysis runs (gebiedsanalyse): what was computed, from what, and the result.

A run keeps everything needed to recompute it and to check that the data has not changed since:
method, parameters, weights, the indicator set with directions, domains and the periods used,
the missing-value policy and the areas it affected, a sha256 fingerprint of the input table and
the software version. The result is one :class:`AnalysisResultRow` per area, so a priority in an
area agenda can cite "rank 3 of 60 in run 17".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gebiedskompas.areas.models import Area, Level


class MissingPolicyChoice(models.TextChoices):
    EXCLUDE = "exclude", _("gebied uitsluiten")
    IMPUTE_MEDIAN = "impute_median", _("aanvullen met de mediaan")


class AnalysisRun(models.Model):
    method = models.CharField(_("methode"), max_length=20)
    level = models.CharField(_("niveau"), max_length=12, choices=Level.choices)
    municipality = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="analysis_runs", verbose_name=_("gemeente")
    )
    period = models.CharField(_("periode"), max_length=10)
    # Method parameters as given and as used (bands, orientation, …): {"given": …, "used": …}.
    parameters = models.JSONField(default=dict)
    # Domain weights as chosen ({"sociaal": 2.0, …}) and as the method used them (normalised).
    weights = models.JSONField(default=dict)
    weights_used = models.JSONField(default=dict)
    # [{"name": "sociaal", "indicators": [{"key", "column", "direction", "per", "scale",
    #   "period"}]}], plus the indicators skipped for lack of data.
    indicator_set = models.JSONField(default=list)
    skipped_indicators = models.JSONField(default=list)
    missing_policy = models.CharField(
        max_length=16, choices=MissingPolicyChoice.choices, default=MissingPolicyChoice.EXCLUDE
    )
    affected_areas = models.JSONField(default=list)
    data_fingerprint = models.CharField(max_length=64)
    software_version = models.CharField(max_length=40)
    area_count = models.PositiveIntegerField(default=0)
    # Monte-Carlo over the weights and leave-one-indicator-out: settings and per area the
    # interval; empty when the run was made without --sensitivity.
    sensitivity = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("gebiedsanalyse")
        verbose_name_plural = _("gebiedsanalyses")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "level", "period"])]

    def __str__(self) -> str:
        return f"{self.method} {self.level} {self.period} ({self.pk})"

    @property
    def domain_names(self) -> list[str]:
        return [str(d["name"]) for d in self.indicator_set]


class AnalysisResultRow(models.Model):
    """One area's outcome in a run. ``position`` is the ordinal rank (1 = most in need, ties to
    the smaller code) for every method; ``method_rank`` is the method's own rank column (for
    ``svi`` the overall percentile rank)."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="rows")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    method_rank = models.FloatField()
    score = models.FloatField()
    band = models.CharField(max_length=20, blank=True, default="")
    flags = models.PositiveIntegerField(null=True, blank=True)
    # {domain: value}: the domain's score, its rank, its part of ``score`` and its band.
    domain_scores = models.JSONField(default=dict)
    domain_ranks = models.JSONField(default=dict)
    contributions = models.JSONField(default=dict)
    domain_bands = models.JSONField(default=dict)
    # {"<domain>:<column>": part of score} where the method is additive in its indicators.
    indicator_contributions = models.JSONField(default=dict)
    # {column: raw input value} and {"<domain>:<column>": the value on the method's scale}.
    values = models.JSONField(default=dict)
    normalised = models.JSONField(default=dict)
    is_imputed = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "area"], name="analysis_row_unique_area"),
            models.UniqueConstraint(
                fields=["run", "position"], name="analysis_row_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.position}. {self.area_id}"
