"""A test town (GM9999, buurten with square boundaries) with two signal categories."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from gebiedskompas.accounts.models import Organisation, OrganisationKind
from gebiedskompas.signals.models import Category
from tests.web.factories import Town, build_town


@dataclass
class Place:
    town: Town
    main: Category
    sub: Category
    department: Organisation

    def inside(self, index: int = 0) -> tuple[float, float]:
        """(lat, lon) at the centre of the town's buurt number `index`."""
        ring = json.loads(self.town.buurten[index].geojson_wgs84)["coordinates"][0]
        lons, lats = [p[0] for p in ring[:-1]], [p[1] for p in ring[:-1]]
        return sum(lats) / len(lats), sum(lons) / len(lons)


def build_place() -> Place:
    town = build_town()
    department = Organisation.objects.create(
        code="gm9999-reiniging", name="Reiniging", kind=OrganisationKind.DEPARTMENT,
        municipality=town.gemeente,
    )  # fmt: skip
    main = Category.objects.create(municipality=town.gemeente, code="afval", name="Afval")
    sub = Category.objects.create(
        municipality=town.gemeente, code="zwerfafval", name="Zwerfafval", parent=main,
        default_department=department, handling_days=3,
        reporter_text="We pakken uw melding binnen 3 werkdagen op.",
    )  # fmt: skip
    return Place(town, main, sub, department)


@pytest.fixture
def place(db: Any) -> Place:
    return build_place()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Test users get a password; hashing it the production way costs a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
