from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gebiedskompas.i18n import error_message
from gebiedskompas.participation.domain.initiatives import CRITERIA, InitiativeStatus
from gebiedskompas.participation.services import MAX_TEXT

CRITERIA_LABELS = {
    "support_in_area": _("Draagvlak in de buurt"),
    "fits_area_agenda": _("Past bij de gebiedsagenda"),
    "feasible_and_safe": _("Haalbaar en veilig"),
    "own_effort": _("Eigen inzet van bewoners"),
    "not_commercial": _("Geen commercieel doel"),
}


class _Tokened(forms.Form):
    """A hidden token per rendered form: a double submit stores one idea or initiative."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class IdeaForm(_Tokened):
    title = forms.CharField(label=_("Titel van uw idee"), max_length=200)
    description = forms.CharField(
        label=_("Omschrijving"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Wat wilt u laten doen, en voor wie?"),
    )
    location = forms.CharField(label=_("Waar (niet verplicht)"), max_length=300, required=False)
    estimated_cost = forms.DecimalField(
        label=_("Geschatte kosten in euro (niet verplicht)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    name = forms.CharField(label=_("Uw naam (niet verplicht)"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-mailadres (niet verplicht)"),
        required=False,
        help_text=_("Alleen om u te vragen naar uw idee; wij bewaren het een jaar."),
    )


class InitiativeForm(_Tokened):
    area = forms.ChoiceField(label=_("In welk gebied?"))
    title = forms.CharField(label=_("Naam van uw initiatief"), max_length=200)
    description = forms.CharField(
        label=_("Wat wilt u doen?"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5})
    )
    location = forms.CharField(label=_("Waar precies?"), max_length=300, required=False)
    starts_on = forms.DateField(
        label=_("Vanaf (datum)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Tot en met (datum)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    budget_asked = forms.DecimalField(
        label=_("Gevraagd bedrag in euro"), min_value=0, max_digits=10, decimal_places=2
    )
    participants = forms.CharField(
        label=_("Wie doen mee?"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    name = forms.CharField(label=_("Uw naam"), max_length=200)
    email = forms.EmailField(label=_("E-mailadres"))
    phone = forms.CharField(
        label=_("Telefoonnummer (niet verplicht)"), max_length=40, required=False
    )

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("Kies een gebied")), *areas]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Uw stemcode"),
        max_length=40,
        help_text=_("Staat in de brief die u kreeg, bijvoorbeeld ABCD-EFGH-JKLM."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class EmailVoteForm(forms.Form):
    email = forms.EmailField(
        label=_("Uw e-mailadres"),
        help_text=_("U krijgt een link waarmee u één keer kunt stemmen. Wij bewaren uw "
                    "e-mailadres niet, alleen een beveiligde vingerafdruk ervan."),
    )  # fmt: skip
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    number = forms.CharField(
        label=_("Huisnummer en toevoeging"),
        max_length=20,
        required=False,
        help_text=_("Bijvoorbeeld 12 of 12A."),
    )

    def __init__(self, *args: Any, register: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if register:
            self.fields["postcode"].required = True
            self.fields["number"].required = True
        else:
            del self.fields["postcode"]
            del self.fields["number"]


class CheckForm(forms.Form):
    idea = forms.IntegerField(widget=forms.HiddenInput)
    feasible = forms.ChoiceField(
        label=_("Besluit"),
        choices=[("yes", _("Op het stembiljet")), ("no", _("Gaat niet door"))],
        widget=forms.RadioSelect,
    )
    cost = forms.DecimalField(
        label=_("Kosten na toets (euro)"), required=False, min_value=0, decimal_places=2
    )
    public_reason = forms.CharField(
        label=_("Toelichting (openbaar)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssessForm(forms.Form):
    advice = forms.CharField(
        label=_("Advies van de gebiedsverbinder"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in CRITERIA:
            self.fields[f"criterion_{key}"] = forms.BooleanField(
                label=CRITERIA_LABELS[key], required=False
            )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[
            (InitiativeStatus.GRANTED.value, _("Toekennen")),
            (InitiativeStatus.PARTLY_GRANTED.value, _("Deels toekennen")),
            (InitiativeStatus.REFUSED.value, _("Afwijzen")),
        ],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Bedrag bij deels toekennen (euro)"), required=False, min_value=0, decimal_places=2
    )
    reason = forms.CharField(
        label=_("Motivering (ziet de aanvrager)"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PayForm(forms.Form):
    amount = forms.DecimalField(label=_("Uitbetaald bedrag (euro)"), min_value=0, decimal_places=2)


class ReportForm(forms.Form):
    report = forms.CharField(
        label=_("Verslag achteraf"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )


class ApplicantReportForm(forms.Form):
    """The applicant's report afterwards, on their private status page: text, a spending
    summary and optionally one photo (checked as a signal's photo is)."""

    report = forms.CharField(
        label=_("Hoe is het gegaan?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Wat hebt u gedaan, wie deden mee, wat leverde het op?"),
    )
    spending = forms.CharField(
        label=_("Waaraan is het geld besteed? (niet verplicht)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bijvoorbeeld: huur tent € 250, boodschappen € 180."),
    )
    photo = forms.FileField(
        label=_("Foto (niet verplicht)"),
        required=False,
        help_text=_(
            "JPEG, PNG of WebP, ten hoogste 10 MB. Locatiegegevens in de foto worden verwijderd."
        ),
    )

    def clean_photo(self) -> Any:
        from gebiedskompas.core.photos import MAX_PHOTO_BYTES, PHOTO_SUFFIXES
        from gebiedskompas.core.uploads import UploadRefused, check_upload

        photo = self.cleaned_data.get("photo")
        if photo:
            try:
                check_upload(photo.name, photo.size, PHOTO_SUFFIXES, MAX_PHOTO_BYTES)
            except UploadRefused as exc:
                raise forms.ValidationError(error_message(exc)) from exc
        return photo
