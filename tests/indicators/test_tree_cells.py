"""Disclosure control over a municipality's whole tree, kept per process under the data version:
every page shows a cell the same way, and a change shows on the next read."""

from __future__ import annotations

import pytest

from gebiedskompas.indicators.models import Observation
from gebiedskompas.indicators.selectors import (
    Shown,
    disclosed_cells,
    family_filter,
    indicators_by_id,
    municipality_cells,
)
from tests.web.factories import build_town

pytestmark = pytest.mark.integration


@pytest.mark.django_db(transaction=True)
def test_cells_are_kept_until_the_data_changes() -> None:
    town = build_town()
    indicators = indicators_by_id()
    first = municipality_cells(town.gemeente, indicators, public=True)
    assert municipality_cells(town.gemeente, indicators, public=True) is first
    # Staff get their own entry: true values, not the public ones.
    assert municipality_cells(town.gemeente, indicators, public=False) is not first

    big = town.big_buurt
    cell = first.table([big.code]).get(big.code, "inwoners", "2024")
    assert cell.shown == Shown.VALUE
    Observation.objects.filter(area=big, indicator__key="inwoners", period="2024").update(
        value=4321
    )
    # A bulk update does not send model signals: the importers raise the version themselves.
    from gebiedskompas.areas import versioning

    versioning.changed()
    again = municipality_cells(town.gemeente, indicators, public=True)
    assert again is not first
    assert again.table([big.code]).get(big.code, "inwoners", "2024").value == 4320  # rounded


@pytest.mark.django_db(transaction=True)
def test_clearing_the_cache_forgets_the_cells() -> None:
    from django.core.cache import cache

    town = build_town()
    indicators = indicators_by_id()
    first = municipality_cells(town.gemeente, indicators, public=True)
    cache.clear()
    assert municipality_cells(town.gemeente, indicators, public=True) is not first


@pytest.mark.django_db
def test_the_tree_shows_every_family_cell_as_the_family_alone_does() -> None:
    town = build_town()
    indicators = indicators_by_id()
    tree = municipality_cells(town.gemeente, indicators, public=True)
    for area in (town.small_buurt, town.big_buurt, town.wijk):
        shown = {area.code, area.parent.code, town.gemeente.code}
        family = disclosed_cells(family_filter([area]), indicators, public=True, keep=shown)
        assert tree.table(shown).cells == family.cells
    # The small buurt is below the percentage's minimum population: secret in both.
    code = town.small_buurt.code
    assert tree.table([code]).get(code, town.pct.key, "2024").shown == Shown.SECRET
