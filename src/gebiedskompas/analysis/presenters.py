"""What the analysis pages show, built from a stored run: rows with labels, the charts.

Kept out of the views so they stay thin, and out of the templates so they stay simple.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gebiedskompas.analysis import charts, selectors
from gebiedskompas.analysis.domain.methods import METHODS
from gebiedskompas.analysis.forms import domain_label
from gebiedskompas.analysis.models import AnalysisResultRow, AnalysisRun
from gebiedskompas.analysis.summary import top_domains
from gebiedskompas.indicators.models import Indicator

BAND_LABELS = {
    "unfavourable": gettext_lazy("ongunstig"),
    "less_favourable": gettext_lazy("minder gunstig"),
    "average": gettext_lazy("gemiddeld"),
    "favourable": gettext_lazy("gunstig"),
    "much_better": gettext_lazy("veel beter"),
    "better": gettext_lazy("beter"),
    "worse": gettext_lazy("slechter"),
    "much_worse": gettext_lazy("veel slechter"),
}
ADDITIVE_IN_INDICATORS = ("baseline", "zscore", "svi")


def number(value: float | None, decimals: int = 2) -> str:
    if value is None:
        return "–"
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def band_label(band: str) -> str:
    return str(BAND_LABELS.get(band, band)) if band else "–"


def method_title(key: str) -> str:
    method = METHODS.get(key)
    return method.title if method else key


@dataclass(frozen=True)
class RankingRow:
    row: AnalysisResultRow
    score: str
    band: str
    top_domains: list[str]
    sensitivity: dict[str, Any] | None


def ranking(run: AnalysisRun) -> list[RankingRow]:
    sens = run.sensitivity.get("areas", {}) if run.sensitivity else {}
    return [
        RankingRow(
            row=row,
            score=number(row.score),
            band=band_label(row.band),
            top_domains=[domain_label(d) for d in top_domains(row, run)],
            sensitivity=sens.get(row.area.code),
        )
        for row in selectors.result_rows(run)
    ]


def sensitivity_chart(run: AnalysisRun, rows: list[RankingRow], top: int = 20) -> SafeString | None:
    if not run.sensitivity:
        return None
    items = [
        charts.Whisker(
            label=r.row.area.name,
            rank=int(r.sensitivity["base_rank"]),
            low=int(r.sensitivity["rank_low"]),
            high=int(r.sensitivity["rank_high"]),
            text=_("rang %(rank)s, 5–95 %%: %(low)s–%(high)s")
            % {
                "rank": r.sensitivity["base_rank"],
                "low": r.sensitivity["rank_p05"],
                "high": r.sensitivity["rank_p95"],
            },
        )
        for r in rows[:top]
        if r.sensitivity
    ]
    svg = charts.rank_whiskers(
        items,
        count=run.area_count,
        chart_id="sensitivity-chart",
        title=_("Stabiliteit van de rangorde"),
        desc=_(
            "Per gebied de rang (punt) en het 5–95 %%-interval van de rang (lijn) bij "
            "%(draws)s trekkingen van de gewichten rond de gekozen gewichten. De tabel "
            "hierboven geeft dezelfde getallen."
        )
        % {"draws": run.sensitivity["draws"]},
    )
    return mark_safe(svg)  # noqa: S308 — built by charts.py, which escapes every text


@dataclass(frozen=True)
class IndicatorLine:
    domain: str
    key: str
    name: str
    direction: str
    period: str
    value: str
    normalised: str
    contribution: str


def explanation(run: AnalysisRun, row: AnalysisResultRow) -> dict[str, Any]:
    """The "why" of one area: per domain its score and contribution, per indicator its value,
    its value on the method's scale and (where the method is additive) its contribution."""
    names = dict(
        Indicator.objects.filter(
            key__in=[i["key"] for d in run.indicator_set for i in d["indicators"]]
        ).values_list("key", "name")
    )
    domains = []
    bars = []
    for name in run.domain_names:
        contribution = row.contributions.get(name)
        domains.append(
            {
                "name": domain_label(name),
                "weight": number(run.weights_used.get(name), 3),
                "score": number(row.domain_scores.get(name)),
                "rank": number(row.domain_ranks.get(name), 0 if run.method != "svi" else 4),
                "band": band_label(row.domain_bands.get(name, "")),
                "contribution": number(contribution),
            }
        )
        bars.append(
            charts.Bar(domain_label(name), float(contribution or 0.0), number(contribution))
        )
    lines = []
    direction_labels = {
        "higher_is_better": _("hoger is beter"),
        "higher_is_worse": _("hoger is slechter"),
    }
    for domain in run.indicator_set:
        for ind in domain["indicators"]:
            label = f"{domain['name']}:{ind['column']}"
            name = names.get(ind["key"], ind["key"])
            if ind.get("per"):
                name = _("%(name)s per %(scale)s %(per)s") % {
                    "name": name,
                    "scale": number(ind["scale"], 0),
                    "per": names.get(ind["per"], ind["per"]).lower(),
                }
            lines.append(
                IndicatorLine(
                    domain=domain_label(domain["name"]),
                    key=ind["key"],
                    name=name,
                    direction=str(direction_labels.get(ind["direction"], ind["direction"])),
                    period=ind["period"],
                    value=number(row.values.get(ind["column"])),
                    normalised=number(row.normalised.get(label)),
                    contribution=number(row.indicator_contributions.get(label))
                    if row.indicator_contributions
                    else "–",
                )
            )
    total = sum(v for v in row.contributions.values() if v is not None)
    chart = charts.bar_chart(
        bars,
        chart_id="why-chart",
        title=_("Bijdrage per domein aan de score van %(name)s") % {"name": row.area.name},
        desc=_(
            "Staafdiagram: de bijdrage van elk domein (domeinscore maal gewicht) aan de score "
            "%(score)s; de bijdragen tellen op tot de score. Dezelfde getallen staan in de tabel."
        )
        % {"score": number(row.score)},
    )
    return {
        "domains": domains,
        "indicators": lines,
        "chart": mark_safe(chart),  # noqa: S308 — escaped in charts.py
        "contribution_total": number(total),
        "is_additive_in_indicators": run.method in ADDITIVE_IN_INDICATORS,
    }
