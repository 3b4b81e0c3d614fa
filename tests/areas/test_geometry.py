"""Reading boundary files: CRS, reprojection, repair, fields and levels (no database)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shapely

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.domain.geometry import (
    SIMPLIFY_TOLERANCE_M,
    describe_geometry,
    detect_fields,
    rd_to_wgs84,
    read_area_file,
    repair_polygon,
    wgs84_to_rd,
)
from gebiedskompas.core.errors import KompasError
from tests.areas.files import X0, Y0, square, write_geojson, write_layer

pytestmark = pytest.mark.unit

BOW_TIE_RD = shapely.Polygon(
    [(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000), (X0, Y0)]
)


@pytest.mark.parametrize(
    ("x", "y"),
    [(155_000, 463_000), (258_000, 471_000), (13_000, 380_000), (250_000, 600_000)],
    ids=["amersfoort-origin", "enschede", "zeeuws-vlaanderen", "groningen"],
)
def test_rd_to_wgs84_and_back_stays_within_one_metre(x: float, y: float) -> None:
    point = shapely.Point(x, y)
    back = wgs84_to_rd(rd_to_wgs84(point))
    assert back.distance(point) < 1.0


def test_rd_origin_lands_on_amersfoort_in_wgs84() -> None:
    lon_lat = rd_to_wgs84(shapely.Point(155_000, 463_000))
    assert lon_lat.x == pytest.approx(5.38720621, abs=1e-4)
    assert lon_lat.y == pytest.approx(52.15517440, abs=1e-4)


def test_bow_tie_is_repaired_into_its_two_triangles() -> None:
    repaired, reason = repair_polygon(BOW_TIE_RD)
    assert reason.startswith("Self-intersection")
    assert repaired is not None and repaired.is_valid
    assert repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(500_000)


def test_polygon_collapsed_to_a_line_cannot_be_repaired() -> None:
    flat = shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 20, Y0 + 20), (X0, Y0)])
    repaired, reason = repair_polygon(flat)
    assert repaired is None
    assert reason


def test_described_geometry_keeps_area_and_simplifies_the_map_shape() -> None:
    # A circle with 2 000 vertices: the map shape loses most of them, the area stays exact.
    circle = shapely.Point(X0, Y0).buffer(800, quad_segs=500)
    described = describe_geometry(circle)
    assert described.area_m2 == pytest.approx(circle.area)
    assert shapely.from_wkb(described.wkb_rd).equals(circle)
    shape = shapely.from_geojson(described.geojson_wgs84)
    assert shapely.get_num_coordinates(shape) < shapely.get_num_coordinates(circle) / 4
    assert wgs84_to_rd(shape).hausdorff_distance(circle) < SIMPLIFY_TOLERANCE_M + 1
    min_lon, min_lat, max_lon, max_lat = described.bbox_wgs84
    assert 5.9 < min_lon < max_lon < 6.1 and 52.0 < min_lat < max_lat < 52.1


def test_geojson_with_bow_tie_is_repaired_with_a_warning_naming_the_feature(
    tmp_path: Path,
) -> None:
    path = write_geojson(
        tmp_path / "buurten.geojson",
        [
            ({"statcode": "BU99990001", "statnaam": "Strikje"}, rd_to_wgs84(BOW_TIE_RD)),
            ({"statcode": "BU99990002", "statnaam": "Vierkant"}, rd_to_wgs84(square(X0, Y0, 500))),
        ],
    )
    parsed = read_area_file(path)
    [warning] = parsed.warnings
    assert "buurten.geojson" in warning
    assert "BU99990001 (Strikje)" in warning
    assert "Self-intersection" in warning and "repaired" in warning
    bow_tie = parsed.features[0].geometry
    assert bow_tie is not None
    assert bow_tie.area_m2 == pytest.approx(500_000, rel=1e-3)


def test_geometry_that_no_repair_makes_a_polygon_is_refused_naming_the_feature(
    tmp_path: Path,
) -> None:
    flat = shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 20, Y0 + 20), (X0, Y0)])
    path = write_geojson(
        tmp_path / "plat.geojson",
        [({"code": "BU99990003", "naam": "Streep"}, flat)],
        crs="urn:ogc:def:crs:EPSG::28992",
    )
    with pytest.raises(KompasError, match=r"plat\.geojson: feature 1, BU99990003 \(Streep\)"):
        read_area_file(path)


def test_unknown_crs_is_refused_with_the_systems_accepted(tmp_path: Path) -> None:
    mercator = shapely.box(730_000, 6_800_000, 731_000, 6_801_000)
    path = write_layer(
        tmp_path / "mercator.gpkg",
        [mercator],
        {"code": ["WK999901"], "naam": ["Ergens"]},
        crs="EPSG:3857",
    )
    with pytest.raises(KompasError) as caught:
        read_area_file(path)
    message = str(caught.value)
    assert message.startswith("mercator.gpkg: ")
    assert "EPSG:3857" in message and "not supported" in message
    assert "EPSG:4326" in message and "EPSG:28992" in message


def test_missing_crs_with_unrecognisable_coordinates_is_refused(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "vreemd.shp",
        [shapely.box(900_000, 5_000_000, 901_000, 5_001_000)],
        {"code": ["WK999901"], "naam": ["Ergens"]},
        crs=None,
    )
    with pytest.raises(KompasError, match="no coordinate reference system.*fit neither"):
        read_area_file(path)


def test_shapefile_without_prj_in_rd_range_is_read_as_rd_with_a_warning(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "zonder_prj.shp",
        [square(X0, Y0, 1000)],
        {"BU_CODE": ["BU99990001"], "BU_NAAM": ["Hoek"]},
        crs=None,
    )
    assert not path.with_suffix(".prj").exists()
    parsed = read_area_file(path)
    assert parsed.crs == "EPSG:28992"
    assert any("no coordinate reference system" in w and "EPSG:28992" in w for w in parsed.warnings)
    geometry = parsed.features[0].geometry
    assert geometry is not None and geometry.area_m2 == pytest.approx(1_000_000)


def test_geojson_without_crs_but_rd_coordinates_is_read_as_rd_with_a_warning(
    tmp_path: Path,
) -> None:
    path = write_geojson(
        tmp_path / "rd_zonder_crs.geojson",
        [({"statcode": "BU99990001", "statnaam": "Hoek"}, square(X0, Y0, 1000))],
    )
    parsed = read_area_file(path)
    assert parsed.crs == "EPSG:28992"
    assert any("RD New metres" in w for w in parsed.warnings)
    geometry = parsed.features[0].geometry
    assert geometry is not None and geometry.area_m2 == pytest.approx(1_000_000)


def test_geojson_declaring_rd_is_read_without_warning(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "rd.geojson",
        [({"statcode": "BU99990001", "statnaam": "Hoek"}, square(X0, Y0, 1000))],
        crs="urn:ogc:def:crs:EPSG::28992",
    )
    parsed = read_area_file(path)
    assert parsed.crs == "EPSG:28992" and parsed.warnings == ()


def test_file_declaring_rd_with_degrees_is_refused(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "verkeerd.gpkg",
        [shapely.box(6.8, 52.2, 6.9, 52.3)],
        {"code": ["WK999901"], "naam": ["Ergens"]},
        crs="EPSG:28992",
    )
    with pytest.raises(KompasError, match="says EPSG:28992.*outside the Netherlands"):
        read_area_file(path)


def test_wgs84_and_rd_files_give_the_same_area(tmp_path: Path) -> None:
    shape = square(X0, Y0, 1000)
    rd = write_layer(
        tmp_path / "rd.gpkg", [shape], {"code": ["BU99990001"], "naam": ["A"]}, crs="EPSG:28992"
    )
    wgs = write_layer(
        tmp_path / "wgs.shp",
        [rd_to_wgs84(shape)],
        {"code": ["BU99990001"], "naam": ["A"]},
        crs="EPSG:4326",
    )
    from_rd = read_area_file(rd).features[0].geometry
    from_wgs = read_area_file(wgs).features[0].geometry
    assert from_rd is not None and from_wgs is not None
    assert from_wgs.area_m2 == pytest.approx(from_rd.area_m2, rel=1e-4)
    assert shapely.from_wkb(from_wgs.wkb_rd).hausdorff_distance(shape) < 1.0


def test_null_geometry_is_a_warning_naming_the_feature_not_an_error(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "gaten.geojson",
        [
            ({"statcode": "BU99990001", "statnaam": "Vol"}, rd_to_wgs84(square(X0, Y0, 500))),
            ({"statcode": "BU99990002", "statnaam": "Leeg"}, None),
        ],
    )
    parsed = read_area_file(path)
    assert [f.code for f in parsed.features] == ["BU99990001", "BU99990002"]
    assert parsed.features[1].geometry is None
    [warning] = parsed.warnings
    assert "feature 2, BU99990002 (Leeg): no geometry" in warning


def test_file_without_any_geometry_is_refused(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "leeg.geojson", [({"statcode": "BU99990002"}, None)])
    with pytest.raises(KompasError, match="none of its 1 features has a geometry"):
        read_area_file(path, name_field="statcode")


@pytest.mark.parametrize(
    ("fields", "level", "expected"),
    [
        (["statcode", "statnaam", "gemeentecode", "wijkcode"], None, ("statcode", "statnaam")),
        (["WK_CODE", "WK_NAAM", "GM_CODE", "GM_NAAM", "BU_CODE", "BU_NAAM"], None,
         ("BU_CODE", "BU_NAAM")),
        (["buurtcode", "buurtnaam", "wijkcode", "wijknaam"], AreaLevel.WIJK,
         ("wijkcode", "wijknaam")),
        (["code", "name", "province"], None, ("code", "name")),
        (["CODE", "Naam"], None, ("CODE", "Naam")),
    ],
    ids=["cbs-statcode", "pdok-buurt-beside-wijk", "level-picks-wijk", "tmap", "upper-case"],
)  # fmt: skip
def test_code_and_name_fields_are_recognised(
    fields: list[str], level: AreaLevel | None, expected: tuple[str, str]
) -> None:
    found = detect_fields(fields, code_field=None, name_field=None, level=level, file="f.gpkg")
    assert found == expected


def test_missing_code_field_error_lists_the_fields() -> None:
    with pytest.raises(KompasError) as caught:
        detect_fields(["gebied", "titel"], code_field=None, name_field=None, level=None, file="x")
    assert "no code field found" in str(caught.value)
    assert "the fields are: gebied, titel" in str(caught.value)


def test_named_field_that_does_not_exist_error_lists_the_fields() -> None:
    with pytest.raises(KompasError, match="the name field titel does not exist; the fields are"):
        detect_fields(["code", "naam"], code_field=None, name_field="titel", level=None, file="x")


def test_repeated_code_is_refused_naming_both_features(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "dubbel.geojson",
        [
            ({"statcode": "BU99990001", "statnaam": "A"}, square(X0, Y0, 10)),
            ({"statcode": "BU99990001", "statnaam": "B"}, square(X0 + 10, Y0, 10)),
        ],
    )
    with pytest.raises(KompasError, match="code BU99990001 occurs in features 1 and 2"):
        read_area_file(path)


def test_own_code_without_level_is_refused_and_accepted_with_one(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "stadsdelen.geojson",
        [({"code": "SD9999-noord", "naam": "Noord"}, square(X0, Y0, 1000))],
    )
    with pytest.raises(KompasError, match=r"SD9999-noord is not a CBS code.*--level"):
        read_area_file(path)
    parsed = read_area_file(path, level="stadsdeel")
    assert parsed.features[0].level is AreaLevel.STADSDEEL


def test_level_contradicting_a_cbs_code_is_refused(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "buurten.geojson",
        [({"statcode": "BU99990001", "statnaam": "A"}, square(X0, Y0, 10))],
    )
    with pytest.raises(KompasError, match="BU99990001 is a CBS buurt code, but the level asked"):
        read_area_file(path, level="wijk")
    with pytest.raises(KompasError, match='unknown level "district"'):
        read_area_file(path, level="district")


def test_point_geometry_is_refused_naming_the_feature(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "punten.geojson",
        [({"statcode": "BU99990001", "statnaam": "Punt"}, shapely.Point(X0, Y0))],
    )
    with pytest.raises(KompasError, match=r"BU99990001 \(Punt\): the geometry is a Point"):
        read_area_file(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("leeg.geojson", b"", "the file is empty (0 bytes)"),
        ("kapot.geojson", b"{not json", "cannot be read as GeoJSON, GeoPackage or shapefile"),
        ("tabel.csv", b"code,naam\nBU99990001,A\n", '".csv" files are not read'),
    ],
    ids=["zero-bytes", "broken-json", "csv"],
)
def test_unreadable_files_are_refused_naming_the_file(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(KompasError) as caught:
        read_area_file(path)
    assert str(caught.value).startswith(name)
    assert message in str(caught.value)


def test_multipolygon_in_wgs84_keeps_its_parts(tmp_path: Path) -> None:
    two = shapely.MultiPolygon([square(X0, Y0, 100), square(X0 + 500, Y0, 100)])
    path = write_geojson(
        tmp_path / "delen.geojson",
        [({"statcode": "BU99990001", "statnaam": "Eiland"}, rd_to_wgs84(two))],
    )
    geometry = read_area_file(path).features[0].geometry
    assert geometry is not None
    assert json.loads(geometry.geojson_wgs84)["type"] == "MultiPolygon"
    assert math.isclose(geometry.area_m2, 20_000, rel_tol=1e-3)
