from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gebiedskompas.core.uploads import UploadRefused, check_uploaded
from gebiedskompas.i18n import error_message
from gebiedskompas.signals.domain.photos import PHOTO_SUFFIXES
from gebiedskompas.signals.services import MAX_DESCRIPTION


class SignalForm(forms.Form):
    """The public intake form: no account needed; contact details only with consent."""

    category = forms.ChoiceField(label=_("Waar gaat uw melding over?"))
    description = forms.CharField(
        label=_("Omschrijving"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Wat is er aan de hand? Noem geen namen van anderen."),
    )
    lat = forms.FloatField(
        label=_("Breedtegraad"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Wordt ingevuld als u een punt op de kaart kiest."),
    )
    lon = forms.FloatField(label=_("Lengtegraad"), required=False, min_value=-180, max_value=180)
    address = forms.CharField(
        label=_("Of: adres of omschrijving van de plek"), max_length=300, required=False
    )
    photo = forms.FileField(
        label=_("Foto (niet verplicht)"),
        required=False,
        help_text=_(
            "JPEG, PNG of WebP, ten hoogste 10 MB. Locatiegegevens in de foto worden verwijderd."
        ),
    )
    name = forms.CharField(label=_("Uw naam (niet verplicht)"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mailadres (niet verplicht)"), required=False)
    phone = forms.CharField(
        label=_("Telefoonnummer (niet verplicht)"), max_length=40, required=False
    )
    contact_address = forms.CharField(
        label=_("Uw adres, als u per post antwoord wilt (niet verplicht)"),
        max_length=300,
        required=False,
    )
    consent = forms.BooleanField(
        label=_(
            "Ik geef toestemming om mijn gegevens te gebruiken voor berichten over deze melding"
        ),
        required=False,
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Kies een onderwerp")), *categories]

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if photo:
            try:
                check_uploaded(photo, PHOTO_SUFFIXES, settings.MAX_PHOTO_BYTES)
            except UploadRefused as exc:
                raise forms.ValidationError(error_message(exc)) from exc
        return photo

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_point = data.get("lat") is not None and data.get("lon") is not None
        if not has_point and not (data.get("address") or "").strip():
            self.add_error("address", _("Kies een punt op de kaart of vul een adres in."))
        contact = ("email", "phone", "name", "contact_address")
        if any(data.get(name) for name in contact) and not data.get("consent"):
            self.add_error(
                "consent",
                _(
                    "Zonder toestemming bewaren wij uw contactgegevens niet; "
                    "vink aan of laat ze leeg."
                ),
            )
        return data


STAFF_CHANNELS = [
    ("phone", _("telefoon")),
    ("counter", _("balie")),
    ("partner", _("partner")),
    ("email", _("e-mail")),
]


class StaffIntakeForm(SignalForm):
    """Intake by staff (phone, counter, partner, e-mail): the public form plus the channel."""

    channel = forms.ChoiceField(label=_("Binnengekomen via"), choices=STAFF_CHANNELS)

    field_order = ["channel"]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Notitie"), max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    department = forms.TypedChoiceField(label=_("Afdeling"), coerce=int, required=False,
                                        empty_value=None)  # fmt: skip
    person = forms.TypedChoiceField(label=_("Medewerker"), coerce=int, required=False,
                                    empty_value=None)  # fmt: skip

    def __init__(
        self,
        *args: Any,
        departments: list[tuple[int, str]],
        people: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("geen afdeling")), *departments]
        self.fields["person"].choices = [("", _("niemand in het bijzonder")), *people]


SPLIT_PARTS = 3


class SplitForm(forms.Form):
    """Up to three parts, each a department and what it should do; two at least."""

    def __init__(self, *args: Any, departments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, SPLIT_PARTS + 1):
            self.fields[f"department_{n}"] = forms.TypedChoiceField(
                label=_("Afdeling deel %(n)s") % {"n": n}, coerce=int, required=False,
                empty_value=None, choices=[("", "—"), *departments],
            )  # fmt: skip
            self.fields[f"description_{n}"] = forms.CharField(
                label=_("Opdracht deel %(n)s") % {"n": n}, max_length=MAX_DESCRIPTION,
                required=False,
            )  # fmt: skip

    def parts(self) -> list[tuple[int, str]]:
        data = self.cleaned_data
        return [
            (data[f"department_{n}"], data.get(f"description_{n}") or "")
            for n in range(1, SPLIT_PARTS + 1)
            if data.get(f"department_{n}") is not None
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if len(self.parts()) < 2:
            raise forms.ValidationError(_("Kies ten minste twee afdelingen om over te splitsen."))
        return data


class MergeForm(forms.Form):
    into = forms.UUIDField(label=_("Kenmerk van de melding waarmee u samenvoegt"))
