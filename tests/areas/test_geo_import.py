"""``import_area_file``: GeoPackage and shapefile import, parents, idempotence, atomicity."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from gebiedskompas.areas.domain.geometry import rd_to_wgs84
from gebiedskompas.areas.geo_import import import_area_file
from gebiedskompas.areas.models import Area, AreaYear
from gebiedskompas.core.errors import KompasError
from tests.areas.files import X0, Y0, square, write_geojson, write_layer

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# A 4 × 4 km gemeente GM9999 of four 2 km wijken, each of four 1 km buurten:
#   WK999902 | WK999903
#   WK999900 | WK999901
WIJKEN = {
    f"WK9999{i:02d}": square(X0 + 2000 * (i % 2), Y0 + 2000 * (i // 2), 2000) for i in range(4)
}
BUURTEN = {
    f"BU{wijk[2:]}{j:02d}": square(
        shape.bounds[0] + 1000 * (j % 2), shape.bounds[1] + 1000 * (j // 2), 1000
    )
    for wijk, shape in WIJKEN.items()
    for j in range(4)
}
# Stadsdelen with their own codes; their edges lie 100 m off the wijk edges, as drawn by hand.
STADSDELEN = {
    "SD9999-west": shapely.box(X0 - 50, Y0 - 50, X0 + 2100, Y0 + 4050),
    "SD9999-oost": shapely.box(X0 + 2100, Y0 - 50, X0 + 4050, Y0 + 4050),
}


def buurten_gpkg(tmp_path: Path) -> Path:
    return write_layer(
        tmp_path / "buurten.gpkg",
        list(BUURTEN.values()),
        {"buurtcode": list(BUURTEN), "buurtnaam": [f"Buurt {c[-4:]}" for c in BUURTEN]},
        crs="EPSG:28992",
    )


def wijken_shapefile(tmp_path: Path) -> Path:
    return write_layer(
        tmp_path / "wijken.shp",
        [rd_to_wgs84(s) for s in WIJKEN.values()],
        {"WK_CODE": list(WIJKEN), "WK_NAAM": [f"Wijk {c[-2:]}" for c in WIJKEN]},
        crs="EPSG:4326",
    )


def stadsdelen_gpkg(tmp_path: Path) -> Path:
    return write_layer(
        tmp_path / "stadsdelen.gpkg",
        list(STADSDELEN.values()),
        {"code": list(STADSDELEN), "naam": ["West", "Oost"]},
        crs="EPSG:28992",
    )


def parent_of(code: str) -> str | None:
    parent = Area.objects.get(code=code).parent
    return parent.code if parent else None


def test_geopackage_of_buurten_creates_them_with_parents_from_their_codes(
    tmp_path: Path,
) -> None:
    summary = import_area_file(buurten_gpkg(tmp_path), year=2024)
    assert (summary.created, summary.updated, summary.unchanged) == (16 + 4 + 1, 0, 0)
    assert str(summary).startswith("buurten.gpkg: 21 new, 0 updated, 0 unchanged areas")
    buurt = Area.objects.get(code="BU99990301")
    assert buurt.name == "Buurt 0301" and buurt.level == "buurt"
    assert parent_of("BU99990301") == "WK999903"
    assert parent_of("WK999903") == "GM9999"
    assert buurt.municipality is not None and buurt.municipality.code == "GM9999"
    assert buurt.area_m2 == pytest.approx(1_000_000)
    assert buurt.geometry_rd is not None
    assert shapely.from_wkb(bytes(buurt.geometry_rd)).equals(BUURTEN["BU99990301"])
    assert '"type":"Polygon"' in buurt.geojson_wgs84
    assert buurt.min_x is not None and 5.0 < buurt.min_x < buurt.max_x < 7.0
    assert AreaYear.objects.filter(year=2024, area__level="buurt").count() == 16


def test_reimporting_the_same_file_changes_nothing_and_says_so(tmp_path: Path) -> None:
    path = buurten_gpkg(tmp_path)
    import_area_file(path)
    stamps = dict(Area.objects.values_list("code", "updated_at"))
    again = import_area_file(path)
    assert (again.created, again.updated, again.unchanged, again.moved) == (0, 0, 16, 0)
    assert str(again).startswith("buurten.gpkg: 0 new, 0 updated, 16 unchanged areas")
    assert dict(Area.objects.values_list("code", "updated_at")) == stamps


def test_changed_boundary_and_name_count_as_updates(tmp_path: Path) -> None:
    import_area_file(buurten_gpkg(tmp_path))
    changed = dict(BUURTEN)
    changed["BU99990000"] = square(X0, Y0, 900)
    path = write_layer(
        tmp_path / "buurten_2025.gpkg",
        list(changed.values()),
        {"buurtcode": list(changed), "buurtnaam": [f"Buurt {c[-4:]}" for c in changed]},
        crs="EPSG:28992",
    )
    summary = import_area_file(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 15)
    assert Area.objects.get(code="BU99990000").area_m2 == pytest.approx(810_000)


def test_shapefile_in_wgs84_is_reprojected_to_rd(tmp_path: Path) -> None:
    summary = import_area_file(wijken_shapefile(tmp_path))
    assert summary.created == 4 + 1
    wijk = Area.objects.get(code="WK999901")
    assert wijk.name == "Wijk 01"
    assert wijk.geometry_rd is not None
    assert shapely.from_wkb(bytes(wijk.geometry_rd)).hausdorff_distance(WIJKEN["WK999901"]) < 1.0
    assert wijk.area_m2 == pytest.approx(4_000_000, rel=1e-4)


def test_own_code_stadsdelen_are_placed_spatially_and_take_their_wijken(tmp_path: Path) -> None:
    import_area_file(buurten_gpkg(tmp_path))
    import_area_file(wijken_shapefile(tmp_path))
    # GM9999 came from the codes only, so it has no boundary: its wijken's union stands in.
    assert Area.objects.get(code="GM9999").geometry_rd is None

    summary = import_area_file(stadsdelen_gpkg(tmp_path), level="stadsdeel")
    assert (summary.created, summary.moved) == (2, 4)
    assert "4 areas placed under a new parent" in str(summary)
    west = Area.objects.get(code="SD9999-west")
    assert west.level == "stadsdeel" and west.name == "West"
    assert parent_of("SD9999-west") == "GM9999" and parent_of("SD9999-oost") == "GM9999"
    assert west.municipality is not None and west.municipality.code == "GM9999"
    assert {c: parent_of(c) for c in WIJKEN} == {
        "WK999900": "SD9999-west",
        "WK999901": "SD9999-oost",
        "WK999902": "SD9999-west",
        "WK999903": "SD9999-oost",
    }
    assert parent_of("BU99990101") == "WK999901"

    again = import_area_file(stadsdelen_gpkg(tmp_path), level="stadsdeel")
    assert (again.created, again.updated, again.unchanged, again.moved) == (0, 0, 2, 0)


def test_wijken_imported_after_their_stadsdelen_go_under_them(tmp_path: Path) -> None:
    gemeente = write_layer(
        tmp_path / "gemeente.gpkg",
        [square(X0, Y0, 4000)],
        {"gemeentecode": ["GM9999"], "gemeentenaam": ["Voorbeeld"]},
        crs="EPSG:28992",
    )
    import_area_file(gemeente)
    import_area_file(stadsdelen_gpkg(tmp_path), level="stadsdeel")
    import_area_file(wijken_shapefile(tmp_path))
    assert parent_of("WK999900") == "SD9999-west"
    assert parent_of("WK999903") == "SD9999-oost"


def test_own_code_wijk_goes_under_the_stadsdeel_holding_most_of_it(tmp_path: Path) -> None:
    import_area_file(buurten_gpkg(tmp_path))
    import_area_file(wijken_shapefile(tmp_path))
    import_area_file(stadsdelen_gpkg(tmp_path), level="stadsdeel")
    # 64 % in Oost (from x + 2100 on), 36 % in West.
    haven = shapely.box(X0 + 1500, Y0, X0 + 3167, Y0 + 1000)
    path = write_geojson(
        tmp_path / "eigen_wijk.geojson",
        [({"code": "W-haven", "naam": "Havenkwartier"}, haven)],
        crs="urn:ogc:def:crs:EPSG::28992",
    )
    import_area_file(path, level="wijk")
    assert parent_of("W-haven") == "SD9999-oost"
    stored = Area.objects.get(code="W-haven")
    assert stored.municipality is not None and stored.municipality.code == "GM9999"


def test_own_code_area_outside_every_gemeente_is_refused_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    path = write_geojson(
        tmp_path / "gemengd.geojson",
        [
            ({"code": "BU99990000", "naam": "Buurt"}, square(X0, Y0, 1000)),
            ({"code": "SD9999-zee", "naam": "Zee"}, square(X0 + 50_000, Y0, 1000)),
        ],
        crs="urn:ogc:def:crs:EPSG::28992",
    )
    with pytest.raises(KompasError) as caught:
        import_area_file(path, level=None, code_field="code")
    assert "feature 2, SD9999-zee (Zee)" in str(caught.value)
    assert str(caught.value).startswith("gemengd.geojson")
    # The buurt, its wijk and gemeente were created before the error: all rolled back.
    assert Area.objects.count() == 0


def test_feature_without_geometry_keeps_the_boundary_loaded_before(tmp_path: Path) -> None:
    import_area_file(buurten_gpkg(tmp_path))
    path = write_geojson(
        tmp_path / "zonder.geojson",
        [({"buurtcode": "BU99990000", "buurtnaam": "Buurt 0000"}, None),
         ({"buurtcode": "BU99990001", "buurtnaam": "Buurt 0001"}, BUURTEN["BU99990001"])],
        crs="urn:ogc:def:crs:EPSG::28992",
    )  # fmt: skip
    summary = import_area_file(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    assert summary.without_geometry == 1
    assert any("BU99990000 (Buurt 0000): no geometry" in w for w in summary.warnings)
    assert Area.objects.get(code="BU99990000").area_m2 == pytest.approx(1_000_000)
    assert summary.as_dict()["warnings"] == summary.warnings


def test_code_existing_at_another_level_is_refused(tmp_path: Path) -> None:
    import_area_file(buurten_gpkg(tmp_path))
    import_area_file(stadsdelen_gpkg(tmp_path), level="stadsdeel")
    with pytest.raises(KompasError, match="SD9999-west \\(West\\): the area exists as a stadsdeel"):
        import_area_file(stadsdelen_gpkg(tmp_path), level="wijk")
