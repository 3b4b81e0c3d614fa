"""The analysis form: method, level, municipality, period, missing-value policy, sensitivity and
one weight slider per domain of the default indicator set."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gebiedskompas.analysis import selectors
from gebiedskompas.analysis.defaults import domain_names
from gebiedskompas.analysis.domain.methods import METHODS
from gebiedskompas.analysis.models import AnalysisRun, MissingPolicyChoice

LEVELS = [("buurt", _("buurt")), ("wijk", _("wijk")), ("stadsdeel", _("stadsdeel"))]
DOMAIN_LABELS = {
    "sociaal": _("Sociaal"),
    "economie": _("Economie en inkomen"),
    "veiligheid": _("Veiligheid"),
    "wonen": _("Wonen"),
    "leefbaarheid": _("Leefbaarheid"),
}
DEFAULT_SENSITIVITY = 500


def domain_label(name: str) -> str:
    return str(DOMAIN_LABELS.get(name, name))


class RangeInput(forms.NumberInput):
    input_type = "range"


class AnalysisForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Methode"), choices=[(k, m.title) for k, m in METHODS.items()], initial="zscore"
    )
    level = forms.ChoiceField(label=_("Niveau"), choices=LEVELS, initial="buurt")
    municipality = forms.ChoiceField(label=_("Gemeente"))
    period = forms.ChoiceField(label=_("Periode"))
    missing = forms.ChoiceField(
        label=_("Ontbrekende waarden"),
        choices=MissingPolicyChoice.choices,
        initial=MissingPolicyChoice.EXCLUDE,
    )
    sensitivity = forms.IntegerField(
        label=_("Trekkingen gevoeligheidsanalyse"),
        min_value=0,
        max_value=5000,
        initial=DEFAULT_SENSITIVITY,
        help_text=_("0 = geen gevoeligheidsanalyse"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        municipalities = selectors.municipality_choices()
        self.fields["municipality"].choices = municipalities
        if municipalities:
            self.fields["municipality"].initial = municipalities[0][0]
        periods = selectors.period_choices()
        self.fields["period"].choices = [(p, p) for p in periods]
        if periods:
            self.fields["period"].initial = periods[0]
        for name in domain_names():
            self.fields[f"weight_{name}"] = forms.DecimalField(
                label=domain_label(name),
                min_value=0,
                max_value=5,
                decimal_places=1,
                initial=1,
                widget=RangeInput(attrs={"step": "0.5", "min": "0", "max": "5"}),
            )

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{name}"] for name in domain_names()]

    def weights(self) -> dict[str, float]:
        return {name: float(self.cleaned_data[f"weight_{name}"]) for name in domain_names()}

    @classmethod
    def initial_from_run(cls, run: AnalysisRun) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "method": run.method,
            "level": run.level,
            "municipality": run.municipality.code,
            "period": run.period,
            "missing": run.missing_policy,
            "sensitivity": run.sensitivity.get("draws", 0) if run.sensitivity else 0,
        }
        for name in domain_names():
            initial[f"weight_{name}"] = run.weights.get(name, 1)
        return initial
