from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gebiedskompas.cycle.services import MAX_TEXT
from gebiedskompas.indicators.models import Domain


class StoryForm(forms.Form):
    """A resident's story: the name is optional and never an e-mail address."""

    title = forms.CharField(label=_("Titel (niet verplicht)"), max_length=160, required=False)
    text = forms.CharField(
        label=_("Uw verhaal"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Wat ziet of merkt u in de buurt? Noem geen namen van anderen."),
    )
    theme = forms.ChoiceField(label=_("Thema"), choices=Domain.choices)
    date = forms.DateField(
        label=_("Datum van uw waarneming"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    author = forms.CharField(
        label=_("Uw naam (niet verplicht)"),
        max_length=120,
        required=False,
        help_text=_("Laat leeg om anoniem te blijven. Wij vragen en tonen geen e-mailadres."),
    )
