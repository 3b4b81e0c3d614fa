"""A test town (GM9999 › SD999901 › two wijken › buurten) with RD boundaries on its wijken, and
users holding roles on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import shapely

from gebiedskompas.areas.models import Area
from tests.accounts.helpers import user_with
from tests.web.factories import Town, build_town

# Wijk 1 is a 1 km square at RD (155000, 463000) (Amersfoort), wijk 2 its eastern neighbour.
WIJK_BOXES = {"WK999901": (155_000, 463_000), "WK999902": (156_000, 463_000)}


@dataclass
class World:
    town: Town
    manager: Any  # gebiedsmanager on the stadsdeel
    department: Any  # afdeling on the gemeente: edits activities, not plans
    outsider: Any  # gebiedsmanager elsewhere

    @property
    def stadsdeel(self) -> Area:
        return Area.objects.get(code="SD999901")


@pytest.fixture
def world(db: Any) -> World:
    town = build_town()
    for code, (x, y) in WIJK_BOXES.items():
        Area.objects.filter(code=code).update(
            geometry_rd=shapely.to_wkb(shapely.box(x, y, x + 1000, y + 1000))
        )
    other = Area.objects.create(code="GM8888", name="Elders", level="gemeente")
    other.municipality = other
    other.save()
    return World(
        town=town,
        manager=user_with("gebiedsmanager", "SD999901"),
        department=user_with("afdeling", "GM9999"),
        outsider=user_with("gebiedsmanager", "GM8888"),
    )
