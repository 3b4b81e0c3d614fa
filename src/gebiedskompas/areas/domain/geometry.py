"""Area boundaries: read GeoJSON, GeoPackage and shapefiles into plain rows in RD New and WGS84.

Areas are measured and compared in RD New (EPSG:28992, metres); maps get WGS84 (EPSG:4326)
GeoJSON simplified in RD with a tolerance of `SIMPLIFY_TOLERANCE_M`, coordinates rounded to
`COORDINATE_DECIMALS` decimals (≈ 0.1 m). Files may be in EPSG:4326 or EPSG:28992 (or the
lon/lat equivalents OGC:CRS84 and ETRS89, EPSG:4258); anything else is refused.

A GeoJSON file without a ``crs`` member is WGS84 (RFC 7946, section 4), and GDAL reports it so;
when its coordinates are clearly RD metres instead, the file is read as RD New with a warning. A
file without any CRS (a shapefile without ``.prj``) is read as RD New or WGS84 when its
coordinates fit only one of them, again with a warning, and refused otherwise.

Invalid polygons (self-intersections, as a "bow-tie") are repaired with ``make_valid``, keeping
only the polygonal parts, and reported by feature; a feature whose repair leaves no polygon is
refused. Features without geometry are reported, not fatal: their area is kept without a boundary.
No Django.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import pyogrio
import pyogrio.errors
import pyproj
import shapely
from pyproj.exceptions import CRSError

from gebiedskompas.areas.domain.codes import AreaLevel, is_cbs_code, level_of
from gebiedskompas.core.errors import KompasError, gettext_noop

RD_NEW: Final = 28992
WGS84: Final = 4326
SIMPLIFY_TOLERANCE_M: Final = 5.0
COORDINATE_DECIMALS: Final = 6
SUFFIXES: Final = (".geojson", ".json", ".gpkg", ".shp", ".zip")

# Accepted source systems: RD New, and lon/lat systems that differ from WGS84 by less than a metre
# in the Netherlands (ETRS89 is how PDOK often labels lon/lat data).
_LONLAT_AUTHORITIES: Final = frozenset({("EPSG", "4326"), ("OGC", "CRS84"), ("EPSG", "4258")})
_RD_AUTHORITIES: Final = frozenset({("EPSG", "28992")})

# Bounds of RD New's domain (the Netherlands with a margin), and of lon/lat degrees.
_RD_RANGE: Final = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
_LONLAT_RANGE: Final = (-180.0, -90.0, 180.0, 90.0)

# Field names CBS, PDOK and municipalities use, most specific first. A code field is paired with
# the name field of the same source, so a buurt file that also holds wijk columns (BU_CODE,
# WK_CODE, ...) gets the buurt's name, not its wijk's.
CODE_NAME_FIELDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("statcode", ("statnaam",)),
    ("buurtcode", ("buurtnaam",)),
    ("bu_code", ("bu_naam",)),
    ("wijkcode", ("wijknaam",)),
    ("wk_code", ("wk_naam",)),
    ("stadsdeelcode", ("stadsdeelnaam", "stadsdeel")),
    ("gemeentecode", ("gemeentenaam",)),
    ("gm_code", ("gm_naam",)),
    ("gebiedcode", ("gebiednaam", "gebiedsnaam")),
    ("gebiedscode", ("gebiedsnaam", "gebiednaam")),
    ("code", ()),
    ("id", ()),
)
NAME_FIELDS: Final = (
    "statnaam",
    "naam",
    "name",
    "gebiedsnaam",
    "gebiednaam",
    "buurtnaam",
    "bu_naam",
    "wijknaam",
    "wk_naam",
    "stadsdeelnaam",
    "gemeentenaam",
    "gm_naam",
    "omschrijving",
)
LEVEL_FIELDS: Final = ("rubriek", "niveau", "level")

# shapely 2 ships no type information (no py.typed), so its geometries are Any to mypy.
Geometry: TypeAlias = Any  # see the line above
Coordinates = npt.NDArray[np.float64]


@dataclass(frozen=True)
class AreaGeometry:
    """One area's boundary as stored: RD New WKB, simplified WGS84 GeoJSON, area, bounding box.

    ``bbox_wgs84`` is (min lon, min lat, max lon, max lat) of the full, unsimplified boundary.
    """

    wkb_rd: bytes
    geojson_wgs84: str
    area_m2: float
    bbox_wgs84: tuple[float, float, float, float]


@dataclass(frozen=True)
class AreaFeature:
    """One feature of a boundary file; ``number`` is its 1-based position in the file."""

    number: int
    code: str
    name: str
    level: AreaLevel
    geometry: AreaGeometry | None

    @property
    def is_cbs(self) -> bool:
        return is_cbs_code(self.code)

    @property
    def label(self) -> str:
        """How messages name the feature: its code and, where it differs, its name."""
        return f"{self.code} ({self.name})" if self.name and self.name != self.code else self.code


@dataclass(frozen=True)
class AreaFile:
    """A boundary file read and checked: its features in file order, and what was noticed."""

    file: str
    crs: str
    code_field: str
    name_field: str
    features: tuple[AreaFeature, ...]
    warnings: tuple[str, ...]


# --- reprojection ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def reproject(geometry: Geometry, source: str, target: str) -> Geometry:
    """`geometry` from CRS `source` to `target` (e.g. ``"EPSG:28992"``), x = east, y = north."""
    transformer = _transformer(source, target)

    def move(coords: Coordinates) -> Coordinates:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def rd_to_wgs84(geometry: Geometry) -> Geometry:
    return reproject(geometry, f"EPSG:{RD_NEW}", f"EPSG:{WGS84}")


def wgs84_to_rd(geometry: Geometry) -> Geometry:
    return reproject(geometry, f"EPSG:{WGS84}", f"EPSG:{RD_NEW}")


# --- repair and description ------------------------------------------------------------------


def polygonal_part(geometry: Geometry) -> Geometry | None:
    """The polygons in `geometry` as one (Multi)Polygon, or None when it holds none."""
    parts = [
        part
        for part in shapely.get_parts(geometry)
        if isinstance(part, shapely.Polygon | shapely.MultiPolygon) and not part.is_empty
    ]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    polygons: list[shapely.Polygon] = []
    for part in parts:
        polygons.extend(shapely.get_parts(part).tolist())
    return shapely.MultiPolygon(polygons)


def repair_polygon(geometry: Geometry) -> tuple[Geometry | None, str]:
    """Repair an invalid (multi)polygon, keeping only its polygonal parts.

    Returns the geometry (unchanged when valid) and the reason it was invalid ("" when valid).
    The geometry is None when the repair leaves no polygon (e.g. all its points on one line).
    """
    if shapely.is_valid(geometry):
        return geometry, ""
    reason = str(shapely.is_valid_reason(geometry))
    return polygonal_part(shapely.make_valid(geometry)), reason


def describe_geometry(geometry_rd: Geometry) -> AreaGeometry:
    """The stored form of a valid (multi)polygon in RD New."""
    simplified = shapely.simplify(geometry_rd, SIMPLIFY_TOLERANCE_M, preserve_topology=True)
    display = shapely.transform(rd_to_wgs84(simplified), lambda c: np.round(c, COORDINATE_DECIMALS))
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in rd_to_wgs84(geometry_rd).bounds)
    return AreaGeometry(
        wkb_rd=bytes(shapely.to_wkb(geometry_rd, output_dimension=2, byte_order=1)),
        geojson_wgs84=str(shapely.to_geojson(display)),
        area_m2=float(geometry_rd.area),
        bbox_wgs84=(min_lon, min_lat, max_lon, max_lat),
    )


def geometry_from_wkb(wkb: bytes | memoryview) -> Geometry:
    """A stored RD geometry back as a shapely geometry (PostgreSQL hands out memoryviews)."""
    return shapely.from_wkb(bytes(wkb))


def overlap_share(part: Geometry, whole: Geometry) -> float:
    """Which share (0–1) of `part`'s area lies inside `whole`."""
    area = float(part.area)
    if area <= 0:
        return 1.0 if shapely.covers(whole, part) else 0.0
    return float(shapely.intersection(part, whole).area) / area


# --- fields ----------------------------------------------------------------------------------


def detect_fields(
    fields: Sequence[str],
    *,
    code_field: str | None,
    name_field: str | None,
    level: AreaLevel | None,
    file: str,
) -> tuple[str, str]:
    """The code and name fields: the given ones (checked), or recognised by their name.

    Matching is case-insensitive. With a level given, that level's usual fields go first (a
    buurt file often holds its wijk's code too). Raises `KompasError` listing the file's fields
    when a field is missing or none is recognised.
    """
    by_lower = {f.lower(): f for f in fields}
    available = ", ".join(fields) if fields else "(none)"

    def given(name: str, what: str) -> str:
        if name in fields:
            return name
        if name.lower() in by_lower:
            return by_lower[name.lower()]
        raise KompasError(
            gettext_noop("the {what} field {name} does not exist; the fields are: {available}"),
            file=file,
            what=what,
            name=name,
            available=available,
        )

    code = given(code_field, "code") if code_field else None
    name = given(name_field, "name") if name_field else None
    pairs = list(CODE_NAME_FIELDS)
    if level is not None:
        preferred = {
            AreaLevel.BUURT: ("buurtcode", "bu_code"),
            AreaLevel.WIJK: ("wijkcode", "wk_code"),
            AreaLevel.STADSDEEL: ("stadsdeelcode",),
            AreaLevel.GEMEENTE: ("gemeentecode", "gm_code"),
        }[level]
        pairs.sort(key=lambda pair: pair[0] not in preferred)
    if code is None:
        for candidate, _names in pairs:
            if candidate in by_lower:
                code = by_lower[candidate]
                break
        else:
            raise KompasError(
                gettext_noop(
                    "no code field found (expected one of {expected}); the fields are: "
                    "{available}; name one with --code-field"
                ),
                file=file,
                expected=", ".join(c for c, _ in CODE_NAME_FIELDS),
                available=available,
            )
    if name is None:
        paired = dict(pairs).get(code.lower(), ())
        for candidate in (*paired, *NAME_FIELDS):
            if candidate in by_lower and by_lower[candidate] != code:
                name = by_lower[candidate]
                break
        else:
            raise KompasError(
                gettext_noop(
                    "no name field found (expected one of {expected}); the fields are: "
                    "{available}; name one with --name-field"
                ),
                file=file,
                expected=", ".join(NAME_FIELDS),
                available=available,
            )
    return code, name


def parse_level(level: str | AreaLevel | None) -> AreaLevel | None:
    """A level given by a user; `KompasError` listing the levels when it is none of them."""
    if level is None or level == "":
        return None
    try:
        return AreaLevel(str(level).strip().lower())
    except ValueError as exc:
        raise KompasError(
            gettext_noop('unknown level "{level}"; expected one of {levels}'),
            level=level,
            levels=", ".join(lv.value for lv in AreaLevel),
        ) from exc


# --- coordinate reference system -------------------------------------------------------------


def _within(bounds: Sequence[float], box: tuple[float, float, float, float]) -> bool:
    min_x, min_y, max_x, max_y = bounds
    return box[0] <= min_x and max_x <= box[2] and box[1] <= min_y and max_y <= box[3]


def _bounds_text(bounds: Sequence[float]) -> str:
    return f"x {bounds[0]:.6g} … {bounds[2]:.6g}, y {bounds[1]:.6g} … {bounds[3]:.6g}"


def source_crs(
    declared: str | None, bounds: Sequence[float], *, file: str, warnings: list[str]
) -> str:
    """The CRS to read the file's coordinates in, as ``"EPSG:28992"``-style text.

    `declared` is what the file says (an authority code or WKT; None when it says nothing),
    `bounds` the coordinates' (min x, min y, max x, max y). Appends to `warnings` when the CRS
    is guessed; raises `KompasError` when it is unsupported or cannot be guessed.
    """
    is_rd_like = _within(bounds, _RD_RANGE)
    is_lonlat_like = _within(bounds, _LONLAT_RANGE)
    if not declared:
        if is_rd_like:
            warnings.append(
                f"{file}: no coordinate reference system given; the coordinates "
                f"({_bounds_text(bounds)}) are RD New metres, so read as EPSG:28992"
            )
            return f"EPSG:{RD_NEW}"
        if is_lonlat_like:
            warnings.append(
                f"{file}: no coordinate reference system given; the coordinates "
                f"({_bounds_text(bounds)}) are degrees, so read as WGS84 (EPSG:4326)"
            )
            return f"EPSG:{WGS84}"
        raise KompasError(
            gettext_noop(
                "the file has no coordinate reference system and its coordinates "
                "({bounds_text_bounds}) fit neither WGS84 (EPSG:4326) nor RD New (EPSG:28992); "
                "save it with its CRS"
            ),
            file=file,
            bounds_text_bounds=_bounds_text(bounds),
        )
    try:
        crs = pyproj.CRS.from_user_input(declared)
    except CRSError as exc:
        raise KompasError(
            gettext_noop(
                "its coordinate reference system cannot be read ({exc}); expected EPSG:4326 "
                "(WGS84) or EPSG:28992 (RD New)"
            ),
            file=file,
            exc=exc,
        ) from exc
    horizontal = crs.sub_crs_list[0] if crs.is_compound and crs.sub_crs_list else crs
    authority = horizontal.to_authority(min_confidence=70)
    if authority in _RD_AUTHORITIES:
        if not is_rd_like:
            raise KompasError(
                gettext_noop(
                    "the file says EPSG:28992 (RD New) but its coordinates ({bounds_text_bounds}) "
                    "lie outside the Netherlands in RD New; check the CRS the file was saved with"
                ),
                file=file,
                bounds_text_bounds=_bounds_text(bounds),
            )
        return f"EPSG:{RD_NEW}"
    if authority in _LONLAT_AUTHORITIES:
        if is_lonlat_like:
            return ":".join(authority) if authority else f"EPSG:{WGS84}"
        if is_rd_like:
            # GeoJSON without a crs member is WGS84 by RFC 7946, and GDAL says so even when the
            # writer put RD metres in it, as older tools did.
            warnings.append(
                f"{file}: the file says (or, as GeoJSON without a crs member, is taken as) WGS84, "
                f"but its coordinates ({_bounds_text(bounds)}) are RD New metres; read as "
                "EPSG:28992"
            )
            return f"EPSG:{RD_NEW}"
        raise KompasError(
            gettext_noop(
                "the file says {name} but its coordinates ({bounds_text_bounds}) are not "
                "degrees; check the CRS the file was saved with"
            ),
            file=file,
            name=crs.name,
            bounds_text_bounds=_bounds_text(bounds),
        )
    label = ":".join(authority) if authority else "without an EPSG code"
    raise KompasError(
        gettext_noop(
            'its coordinate reference system "{name}" ({label}) is not supported; expected '
            "EPSG:4326 (WGS84) or EPSG:28992 (RD New): reproject the file first, e.g. "
            "ogr2ogr -t_srs EPSG:28992"
        ),
        file=file,
        name=crs.name,
        label=label,
    )


# --- reading a file --------------------------------------------------------------------------


def _read_layer(path: Path, file: str, warnings: list[str]) -> tuple[dict[str, Any], Any, Any]:
    try:
        layers = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise KompasError(
            gettext_noop("cannot be read as GeoJSON, GeoPackage or shapefile ({exc})"),
            file=file,
            exc=exc,
        ) from exc
    spatial = [str(name) for name, geometry_type in layers if geometry_type]
    if not spatial:
        raise KompasError(gettext_noop("the file holds no layer with geometry"), file=file)
    if len(spatial) > 1:
        warnings.append(
            f"{file}: the file holds {len(spatial)} layers with geometry; read the first, "
            f"{spatial[0]}, and skipped " + ", ".join(spatial[1:])
        )
    try:
        meta, _fids, geometries, field_data = pyogrio.raw.read(
            path, layer=spatial[0], force_2d=True
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise KompasError(
            gettext_noop("cannot be read as GeoJSON, GeoPackage or shapefile ({exc})"),
            file=file,
            exc=exc,
        ) from exc
    return dict(meta), geometries, field_data


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_area_file(
    path: Path,
    *,
    level: str | AreaLevel | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    display_name: str | None = None,
) -> AreaFile:
    """Read, check and convert a boundary file; nothing is stored.

    Each feature's level follows from its CBS code; for other codes from `level`, or from a
    ``rubriek``/``niveau``/``level`` field. Raises `KompasError` naming the file (and feature,
    by its code and 1-based position) for: a missing, empty or unreadable file; a missing code or
    name field; an empty or repeated code; an unknown level; a CBS code of another level than
    `level`; a geometry that is not a polygon or cannot be repaired into one; an unsupported or
    unguessable CRS. Null geometries and repairs become warnings.
    """
    file = display_name or path.name
    if not path.exists():
        raise KompasError(gettext_noop("file not found"), file=str(path))
    if path.is_file() and path.stat().st_size == 0:
        raise KompasError(gettext_noop("the file is empty (0 bytes)"), file=file)
    if path.suffix.lower() not in SUFFIXES:
        raise KompasError(
            gettext_noop(
                '"{suffix}" files are not read; expected GeoJSON (.geojson, .json), GeoPackage '
                "(.gpkg) or a shapefile (.shp, or zipped)"
            ),
            file=file,
            suffix=path.suffix,
        )
    wanted_level = parse_level(level)
    warnings: list[str] = []
    meta, raw_geometries, field_data = _read_layer(path, file, warnings)
    fields = [str(f) for f in meta.get("fields", [])]
    if len(raw_geometries) == 0:
        raise KompasError(gettext_noop("the file holds no features"), file=file)
    code_name, name_name = detect_fields(
        fields, code_field=code_field, name_field=name_field, level=wanted_level, file=file
    )
    columns = dict(zip(fields, field_data, strict=True))
    level_column = next(
        (columns[f] for f in fields if f.lower() in LEVEL_FIELDS and f not in (code_name,)), None
    )

    geometries = shapely.from_wkb(raw_geometries)
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    if not present.any():
        raise KompasError(
            gettext_noop("none of its {n_geometries} features has a geometry"),
            file=file,
            n_geometries=len(geometries),
        )
    crs = source_crs(
        meta.get("crs"),
        [float(v) for v in shapely.total_bounds(geometries[present])],
        file=file,
        warnings=warnings,
    )

    codes = [_text(v) for v in columns[code_name]]
    names = [_text(v) for v in columns[name_name]]
    seen: dict[str, int] = {}
    features: list[AreaFeature] = []
    for index, (code, name, geometry, has_geometry) in enumerate(
        zip(codes, names, geometries, present, strict=True)
    ):
        number = index + 1
        if not code:
            raise KompasError(
                gettext_noop("feature {number} has no code in field {code_name}"),
                file=file,
                number=number,
                code_name=code_name,
            )
        if code in seen:
            raise KompasError(
                gettext_noop(
                    "code {code} occurs in features {seen_code} and {number}; expected one feature "
                    "per area"
                ),
                file=file,
                code=code,
                seen_code=seen[code],
                number=number,
            )
        seen[code] = number
        label = f"feature {number}, {code}" + (f" ({name})" if name and name != code else "")
        feature_level = _feature_level(
            code,
            wanted_level,
            _text(level_column[index]) if level_column is not None else "",
            label=label,
            file=file,
        )
        area_geometry = None
        if has_geometry:
            area_geometry = _convert(geometry, crs, label=label, file=file, warnings=warnings)
        else:
            warnings.append(f"{file}, {label}: no geometry; the area is kept without a boundary")
        features.append(AreaFeature(number, code, name or code, feature_level, area_geometry))
    return AreaFile(
        file=file,
        crs=crs,
        code_field=code_name,
        name_field=name_name,
        features=tuple(features),
        warnings=tuple(warnings),
    )


def _feature_level(
    code: str, wanted: AreaLevel | None, from_field: str, *, label: str, file: str
) -> AreaLevel:
    if is_cbs_code(code):
        level = level_of(code)
        if wanted is not None and wanted is not level:
            raise KompasError(
                gettext_noop(
                    "{label}: {code} is a CBS {text} code, but the level asked is {text_2}"
                ),
                file=file,
                label=label,
                code=code,
                text=level.value,
                text_2=wanted.value,
            )
        return level
    if wanted is not None:
        return wanted
    try:
        return AreaLevel(from_field.lower())
    except ValueError:
        raise KompasError(
            gettext_noop(
                "{label}: {code} is not a CBS code, so its level cannot follow from it; give the "
                "level (--level {levels})"
            ),
            file=file,
            label=label,
            code=code,
            levels="|".join(lv.value for lv in AreaLevel),
        ) from None


def _convert(
    geometry: Geometry, crs: str, *, label: str, file: str, warnings: list[str]
) -> AreaGeometry:
    polygonal = polygonal_part(geometry)
    if polygonal is None:
        raise KompasError(
            gettext_noop(
                "{label}: the geometry is a {geom_type}; expected a polygon or multipolygon"
            ),
            file=file,
            label=label,
            geom_type=geometry.geom_type,
        )
    if polygonal is not geometry and not isinstance(
        geometry, shapely.Polygon | shapely.MultiPolygon
    ):
        warnings.append(
            f"{file}, {label}: kept the polygons of a {geometry.geom_type} and dropped its "
            "other parts"
        )
    repaired, reason = repair_polygon(polygonal)
    if repaired is None:
        raise KompasError(
            gettext_noop(
                "{label}: invalid geometry ({reason}) that no repair turns into a polygon"
            ),
            file=file,
            label=label,
            reason=reason,
        )
    if reason:
        warnings.append(
            f"{file}, {label}: invalid geometry ({reason}) repaired; check its boundary"
        )
    in_rd = repaired if crs == f"EPSG:{RD_NEW}" else reproject(repaired, crs, f"EPSG:{RD_NEW}")
    in_rd, reason_rd = repair_polygon(in_rd)
    if in_rd is None:
        raise KompasError(
            gettext_noop(
                "{label}: the geometry becomes invalid in RD New ({reason_rd}) and cannot be "
                "repaired"
            ),
            file=file,
            label=label,
            reason_rd=reason_rd,
        )
    return describe_geometry(in_rd)


__all__ = [
    "RD_NEW",
    "WGS84",
    "SIMPLIFY_TOLERANCE_M",
    "AreaFeature",
    "AreaFile",
    "AreaGeometry",
    "describe_geometry",
    "detect_fields",
    "geometry_from_wkb",
    "overlap_share",
    "parse_level",
    "polygonal_part",
    "read_area_file",
    "repair_polygon",
    "reproject",
    "rd_to_wgs84",
    "source_crs",
    "wgs84_to_rd",
]
