"""The audit trail (django-simple-history, see docs/adr/0004-audit-trail.md).

An app owning a model adds ``history = HistoricalRecords()`` to it and runs makemigrations; the
history page (`/geschiedenis/<model>/<pk>/`) shows it once the model has an entry in
`accounts.history.AUDITED`. The area registry and the indicator catalogue are registered from
here, so their historical tables live in this app's migrations; the bulky geometry columns stay
out of the history.
"""

from __future__ import annotations

from typing import Any

from simple_history import register
from simple_history.models import HistoricalRecords

_AREA_EXCLUDED = [
    "geometry_rd",
    "geojson_wgs84",
    "min_x",
    "min_y",
    "max_x",
    "max_y",
    "created_at",
    "updated_at",
]


def _register(model: Any, **options: Any) -> None:
    if hasattr(model, "history"):
        return
    register(model, app="gebiedskompas.accounts", **options)


def register_area_models() -> None:
    from gebiedskompas.areas.models import Area, Cluster

    _register(Area, excluded_fields=_AREA_EXCLUDED)
    _register(Cluster, m2m_fields=[])


def register_catalogue_models() -> None:
    """The indicator catalogue sits in a higher layer than accounts, so it is looked up by name
    (its app's models are imported first: see INSTALLED_APPS)."""
    from django.apps import apps

    _register(apps.get_registered_model("indicators", "Indicator"))


__all__ = ["HistoricalRecords", "register_area_models", "register_catalogue_models"]
