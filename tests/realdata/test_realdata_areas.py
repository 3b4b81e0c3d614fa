"""Real boundary files from ../shared/data/grenzen: Enschede's wijken (2022) and buurten (2014)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from gebiedskompas.areas.geo_import import import_area_file
from gebiedskompas.areas.models import Area

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]


def test_enschede_wijken_2022_import_with_valid_geometry(shared_data: Path) -> None:
    path = shared_data / "grenzen" / "enschede_wijken_2022_tmap.geojson"
    summary = import_area_file(path, year=2022)
    assert summary.warnings == []
    assert (summary.created, summary.updated, summary.unchanged) == (10 + 1, 0, 0)
    wijken = Area.objects.filter(level="wijk", code__startswith="WK0153")
    assert wijken.count() == 10
    published_km2 = {
        f["properties"]["code"]: f["properties"]["area"]
        for f in json.loads(path.read_text("utf-8"))["features"]
    }
    for wijk in wijken:
        assert wijk.parent is not None and wijk.parent.code == "GM0153"
        assert wijk.geometry_rd is not None
        shape = shapely.from_wkb(bytes(wijk.geometry_rd))
        assert shape.is_valid and not shape.is_empty
        # The file's own area attribute (km²) agrees with the boundary measured in RD New.
        assert wijk.area_m2 / 1e6 == pytest.approx(published_km2[wijk.code], rel=0.02)
        assert shapely.from_geojson(wijk.geojson_wgs84).is_valid
    binnensingel = Area.objects.get(code="WK015300")
    assert binnensingel.name == "Wijk 00 Binnensingelgebied"
    assert 6.87 < binnensingel.min_x < binnensingel.max_x < 6.92

    again = import_area_file(path, year=2022)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)


def test_enschede_buurten_2014_report_the_two_without_geometry(shared_data: Path) -> None:
    path = shared_data / "grenzen" / "enschede_buurten_2014_coarse.geojson"
    summary = import_area_file(path, year=2014)
    assert summary.created == 70 + 10 + 1
    assert summary.without_geometry == 2
    assert len(summary.warnings) == 2
    joined = "\n".join(summary.warnings)
    assert "BU01530900 (Dorp Lonneker): no geometry" in joined
    assert "BU01530609 (het Brunink): no geometry" in joined
    assert "2 without geometry" in str(summary)

    buurten = Area.objects.filter(level="buurt", code__startswith="BU0153")
    assert buurten.count() == 70
    assert buurten.filter(geometry_rd__isnull=True).count() == 2
    for buurt in buurten.exclude(geometry_rd__isnull=True):
        assert shapely.from_wkb(bytes(buurt.geometry_rd)).is_valid
        assert buurt.parent is not None and buurt.parent.code == "WK" + buurt.code[2:8]
    lonneker = Area.objects.get(code="BU01530900")
    assert lonneker.name == "Dorp Lonneker" and not lonneker.has_geometry


def test_wijken_and_gemeente_boundaries_fit_together(shared_data: Path) -> None:
    grenzen = shared_data / "grenzen"
    import_area_file(grenzen / "enschede_gemeente_2022_tmap.geojson")
    import_area_file(grenzen / "enschede_wijken_2022_tmap.geojson")
    gemeente = Area.objects.get(code="GM0153")
    assert gemeente.name == "Enschede"
    assert gemeente.geometry_rd is not None
    outline = shapely.from_wkb(bytes(gemeente.geometry_rd))
    wijken = shapely.union_all(
        [
            shapely.from_wkb(bytes(w))
            for w in Area.objects.filter(parent=gemeente).values_list("geometry_rd", flat=True)
        ]
    )
    # tmap generalised both layers separately: they agree to within a few percent.
    assert wijken.symmetric_difference(outline).area / outline.area < 0.05
