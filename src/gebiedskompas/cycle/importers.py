"""Import activities (any department's or partner's projects) from CSV, XLSX or GeoJSON.

A table has the columns ``id, title, owner, area_code, start, end`` (ISO dates; ``end`` may be
empty for an open-ended activity), with ``wkt`` or ``lat``/``lon`` instead of or beside
``area_code``. WKT is read as RD New (EPSG:28992) metres, unless all its coordinates fit in
longitude/latitude degrees, then as WGS84; ``lat``/``lon`` are WGS84. A GeoJSON feature carries
the same properties and its geometry in WGS84 (RFC 7946).

Every row is checked first and all bad rows are reported (up to a limit) with file, row and
column (rows as a spreadsheet shows them, header = row 1; for GeoJSON the feature's number);
then everything is written in one transaction. A re-import is idempotent: an activity is known by
its municipality and ``id`` and updated in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import shapely
from django.db import transaction
from shapely.geometry.base import BaseGeometry

from gebiedskompas.areas.domain.geometry import wgs84_to_rd
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import InputError, KompasError, Problem, gettext_noop
from gebiedskompas.core.tabular import read_table
from gebiedskompas.cycle.models import Activity

REQUIRED: Final = ("id", "title", "owner", "start")
TABLE_SUFFIXES: Final = (".csv", ".xlsx", ".gz")
GEOJSON_SUFFIXES: Final = (".geojson", ".json")


@dataclass(frozen=True)
class ImportResult:
    municipality: str
    created: int
    updated: int

    def as_dict(self) -> dict[str, Any]:
        return {"municipality": self.municipality, "created": self.created, "updated": self.updated}


@dataclass(frozen=True)
class _Row:
    number: int
    external_id: str
    title: str
    owner: str
    start: date
    end: date | None
    area: Area | None
    geometry: BaseGeometry | None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    frame = read_table(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise KompasError(
            gettext_noop(
                "missing column(s) {join_missing}; expected id, title, owner, area_code, start, "
                "end (and wkt or lat/lon)"
            ),
            file=path.name,
            row=1,
            join_missing=", ".join(missing),
        )
    for number, record in zip(frame.index, frame.to_dict("records"), strict=True):
        yield int(number), {str(k): _text(v) for k, v in record.items()}


def _geojson_records(path: Path) -> Iterator[tuple[int, dict[str, str], BaseGeometry | None]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KompasError(
            gettext_noop("not valid GeoJSON: {exc}"), file=path.name, exc=exc
        ) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise KompasError(gettext_noop("a GeoJSON FeatureCollection was expected"), file=path.name)
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        geometry = None
        raw = (feature or {}).get("geometry")
        if raw:
            try:
                geometry = wgs84_to_rd(shapely.from_geojson(json.dumps(raw)))
            except shapely.errors.GEOSException:
                geometry = shapely.Point()  # reported as invalid below
        yield number, {str(k).lower(): _text(v) for k, v in properties.items()}, geometry


def _date(value: str, column: str, where: dict[str, Any], problems: list[Problem]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(
            Problem(
                gettext_noop('"{value}" is not a date (expected YYYY-MM-DD)'),
                column=column,
                value=value,
                **where,
            )
        )
        return None


def _wkt(value: str) -> BaseGeometry:
    geometry = shapely.from_wkt(value)
    minx, miny, maxx, maxy = geometry.bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return wgs84_to_rd(geometry)
    return geometry


def _check(
    number: int,
    record: dict[str, str],
    geometry: BaseGeometry | None,
    areas: dict[str, Area],
    where: dict[str, Any],
    problems: list[Problem],
) -> _Row | None:
    before = len(problems)
    for column in REQUIRED:
        if not record.get(column):
            problems.append(Problem(gettext_noop("{column} is empty"), column=column, **where))
    start = _date(record["start"], "start", where, problems) if record.get("start") else None
    end = _date(record["end"], "end", where, problems) if record.get("end") else None
    if start and end and end < start:
        problems.append(
            Problem(
                gettext_noop("ends ({end}) before it starts ({start})"),
                column="end",
                **where,
                end=end,
                start=start,
            )
        )
    area = None
    code = record.get("area_code", "")
    if code:
        area = areas.get(code)
        if area is None:
            problems.append(
                Problem(
                    gettext_noop("unknown area {code!r}"),
                    column="area_code",
                    value=code,
                    **where,
                    code=code,
                )
            )
    if geometry is None and record.get("wkt"):
        try:
            geometry = _wkt(record["wkt"])
        except shapely.errors.GEOSException:
            problems.append(
                Problem(gettext_noop("not valid WKT"), column="wkt", value=record["wkt"], **where)
            )
    if geometry is None and (record.get("lat") or record.get("lon")):
        try:
            lat, lon = float(record.get("lat", "")), float(record.get("lon", ""))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            geometry = wgs84_to_rd(shapely.Point(lon, lat))
        except ValueError:
            problems.append(
                Problem(
                    gettext_noop("lat and lon must both be degrees (WGS84)"),
                    column="lat",
                    value=(record.get("lat"), record.get("lon")),
                    **where,
                )
            )
    if geometry is not None and (geometry.is_empty or not geometry.is_valid):
        problems.append(
            Problem(gettext_noop("the geometry is empty or invalid"), column="wkt", **where)
        )
    if geometry is None and area is None and len(problems) == before:
        problems.append(
            Problem(
                gettext_noop("no place: give area_code, wkt or lat/lon"),
                column="area_code",
                **where,
            )
        )
    if len(problems) > before or start is None:
        return None
    return _Row(
        number,
        record["id"],
        record["title"][:200],
        record["owner"][:160],
        start,
        end,
        area,
        geometry,
    )


def import_activities(path: Path, *, municipality_code: str = "") -> ImportResult:
    """Validate every row of the file, then create or update its activities in one transaction.

    The municipality is `municipality_code`, else the one all rows' areas lie in. Raises
    InputError listing the bad rows, KompasError for an unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise KompasError(gettext_noop("file not found"), file=str(path))
    suffix = path.suffix.lower()
    if suffix in GEOJSON_SUFFIXES:
        records = list(_geojson_records(path))
        label = "feature"
    elif suffix in TABLE_SUFFIXES:
        records = [(n, r, None) for n, r in _table_records(path)]
        label = "row"
    else:
        raise KompasError(gettext_noop("expected a .csv, .xlsx or .geojson file"), file=path.name)
    codes = {r.get("area_code", "") for _, r, _ in records} - {""}
    areas = {a.code: a for a in Area.objects.filter(code__in=codes).select_related("municipality")}
    problems: list[Problem] = []
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, record, geometry in records:
        where: dict[str, Any] = {"file": path.name, "row": number}
        if label == "feature":
            where = {"file": f"{path.name}, feature {number}"}
        row = _check(number, record, geometry, areas, where, problems)
        if row is not None:
            if row.external_id in seen:
                problems.append(
                    Problem(
                        gettext_noop("id {external_id!r} also on {label} {seen_row_external_id}"),
                        column="id",
                        **where,
                        external_id=row.external_id,
                        label=label,
                        seen_row_external_id=seen[row.external_id],
                    )
                )
                continue
            seen[row.external_id] = number
            rows.append(row)
    municipality = _pick_municipality(municipality_code, rows, path.name, problems)
    if problems:
        raise InputError(problems)
    if municipality is None:
        raise KompasError(gettext_noop("the file holds no activities"), file=path.name)
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            _activity, is_new = Activity.objects.update_or_create(
                municipality=municipality,
                external_id=row.external_id,
                defaults={
                    "title": row.title,
                    "owner": row.owner,
                    "start": row.start,
                    "end": row.end,
                    "area": row.area,
                    "geometry_rd": shapely.to_wkb(row.geometry) if row.geometry else None,
                },
            )
            created += is_new
            updated += not is_new
    return ImportResult(municipality.code, created, updated)


def _pick_municipality(
    code: str, rows: list[_Row], file: str, problems: list[Problem]
) -> Area | None:
    if code:
        found = Area.objects.filter(code=code, level="gemeente").first()
        if found is None:
            raise KompasError(
                gettext_noop("unknown municipality {code!r}"), column="municipality", code=code
            )
        for row in rows:
            if row.area is not None and row.area.municipality_id != found.pk:
                problems.append(
                    Problem(
                        gettext_noop("area {code} is not in {code_2}"),
                        file=file,
                        row=row.number,
                        column="area_code",
                        code=row.area.code,
                        code_2=found.code,
                    )
                )
        return found
    found_ids = {r.area.municipality_id for r in rows if r.area is not None}
    if len(found_ids) > 1:
        problems.append(
            Problem(
                gettext_noop("the areas lie in more than one municipality; give --municipality"),
                file=file,
            )
        )
        return None
    if not found_ids:
        if rows:
            problems.append(
                Problem(gettext_noop("no row names an area; give --municipality"), file=file)
            )
        return None
    return Area.objects.get(pk=found_ids.pop())
