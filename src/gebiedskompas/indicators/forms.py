from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gebiedskompas.core.uploads import UploadRefused, check_uploaded
from gebiedskompas.i18n import error_message

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".gz")
METADATA_SUFFIXES = (".json",)


class UploadForm(forms.Form):
    KIND_CHOICES = [
        ("cbs", _("CBS-tabel (Kerncijfers wijken en buurten of thematabel)")),
        ("csv", _("Eigen cijfers of cijfers van partners (CSV of XLSX)")),
    ]
    kind = forms.ChoiceField(label=_("Soort bestand"), choices=KIND_CHOICES)
    file = forms.FileField(label=_("Bestand"))
    metadata = forms.FileField(
        label=_("CBS-metadata (DataProperties.json)"),
        required=False,
        help_text=_("Alleen voor CBS-tabellen; nodig als kolommen dezelfde CBS-sleutel delen."),
    )
    year = forms.IntegerField(
        label=_("Jaar"),
        required=False,
        min_value=1990,
        max_value=2100,
        help_text=_("Voor CBS-tabellen zonder kolom Perioden."),
    )
    period = forms.CharField(
        label=_("Periode"),
        required=False,
        max_length=20,
        help_text=_("Voor eigen cijfers, bijvoorbeeld 2024 of 2024-Q1."),
    )
    area_column = forms.CharField(label=_("Kolom met gebiedscodes"), required=False, max_length=100)
    mapping = forms.CharField(
        label=_("Kolommen koppelen aan indicatoren"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Eén per regel: KOLOM=indicatorsleutel. Leeg: kolomnamen zijn sleutels."),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]  # Django form hook
        upload = self.cleaned_data["file"]
        try:
            check_uploaded(upload, TABLE_SUFFIXES, settings.MAX_TABLE_BYTES)
        except UploadRefused as exc:
            raise forms.ValidationError(error_message(exc)) from exc
        return upload

    def clean_metadata(self):  # type: ignore[no-untyped-def]  # Django form hook
        upload = self.cleaned_data.get("metadata")
        if upload:
            try:
                check_uploaded(upload, METADATA_SUFFIXES, settings.MAX_METADATA_BYTES)
            except UploadRefused as exc:
                raise forms.ValidationError(error_message(exc)) from exc
        return upload

    def clean(self):  # type: ignore[no-untyped-def]  # Django form hook
        data = super().clean()
        if data.get("kind") == "csv":
            if not data.get("area_column"):
                self.add_error("area_column", _("Geef de kolom met gebiedscodes."))
            if not data.get("period"):
                self.add_error("period", _("Geef de periode van de cijfers."))
        mapping = {}
        for line in (data.get("mapping") or "").splitlines():
            if not line.strip():
                continue
            if "=" not in line:
                self.add_error("mapping", _("Schrijf elke regel als KOLOM=sleutel."))
                break
            source, key = line.split("=", 1)
            mapping[source.strip()] = key.strip()
        data["mapping_dict"] = mapping
        return data
