"""Every write to the area registry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from gebiedskompas.areas import versioning
from gebiedskompas.areas.domain.codes import AreaLevel, is_cbs_code, parent_code
from gebiedskompas.areas.models import Area, AreaYear, CodeMapping
from gebiedskompas.core.errors import KompasError, gettext_noop


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    level: str
    change_indicator: str = ""


def ensure_cbs_areas(rows: Iterable[AreaRow], *, year: int | None) -> tuple[int, dict[str, Area]]:
    """Create unknown areas (parents from their CBS codes) and record the year's division.

    Existing areas keep their parent (a wijk may have been placed under a stadsdeel) but take a
    newer name. Returns the number of areas created and all areas by code. Call inside the
    importer's transaction.
    """
    rows = list(rows)
    wanted = {r.code: r for r in rows}
    # Parents named only by code (a buurt file without its wijk rows) are created too.
    for row in list(rows):
        code = row.code
        while (code := parent_code(code) or "") and code not in wanted:
            wanted[code] = AreaRow(code, code, _level(code))
    existing = {a.code: a for a in Area.objects.filter(code__in=list(wanted))}
    known_before = set(existing)
    created = 0
    # One bulk insert per level, top down, so each level finds its parents already stored.
    for level in AreaLevel:  # top down
        fresh = [
            Area(
                code=r.code,
                name=r.name,
                level=r.level,
                parent=existing.get(parent_code(r.code) or "") if is_cbs_code(r.code) else None,
                municipality=existing.get("GM" + r.code[2:6]),
                valid_from=year,
            )
            for r in wanted.values()
            if r.level == level and r.code not in existing
        ]
        if not fresh:
            continue
        _insert_areas(fresh)
        versioning.changed()
        if level is AreaLevel.GEMEENTE:
            Area.objects.filter(pk__in=[a.pk for a in fresh]).update(municipality_id=F("id"))
            for area in fresh:
                area.municipality_id = area.pk
        existing.update({a.code: a for a in fresh})
        created += len(fresh)
    for row in rows:
        area = existing[row.code]
        if row.name != row.code and area.name != row.name and _is_newest(area, year):
            # A newer table brings the current name; an older one must not bring back an old one.
            area.name = row.name
            area.save(update_fields=["name", "updated_at"])
    if year is not None:
        # Only areas that were there before can already have this year's row.
        known = [r.code for r in rows if r.code in known_before]
        present = set(
            AreaYear.objects.filter(year=year, area__code__in=known).values_list(
                "area__code", flat=True
            )
        )
        _insert_rows(
            AreaYear._meta.db_table,
            ("area_id", "year", "change_indicator"),
            [
                (existing[r.code].pk, year, r.change_indicator)
                for r in rows
                if r.code not in present
            ],
        )
    return created, existing


def _insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Insert plain rows: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


def _insert_areas(areas: list[Area]) -> None:
    """Insert new areas (no geometry yet) in one go and give the objects their keys.

    The ORM's bulk_create spends most of a national import's area time building SQL: SQLite
    allows it 999 parameters per statement, so 17k areas take hundreds of statements of 58 rows.
    """
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    _insert_rows(
        Area._meta.db_table,
        (
            "code",
            "name",
            "level",
            "parent_id",
            "municipality_id",
            "geojson_wgs84",
            "valid_from",
            "created_at",
            "updated_at",
        ),
        [
            (
                a.code,
                a.name,
                a.level,
                a.parent_id,
                a.municipality_id,
                "",
                a.valid_from,
                stamp,
                stamp,
            )
            for a in areas
        ],
    )
    keys: dict[str, int] = {}
    codes = [a.code for a in areas]
    for start in range(0, len(codes), 900):  # SQLite's 999 parameters per statement
        keys.update(
            Area.objects.filter(code__in=codes[start : start + 900]).values_list("code", "id")
        )
    for area in areas:
        area.pk = keys[area.code]
        area.created_at = area.updated_at = now
        area._state.adding = False
        area._state.db = connection.alias


def _is_newest(area: Area, year: int | None) -> bool:
    if year is None or area.name == area.code:
        return True
    latest = area.years.order_by("-year").values_list("year", flat=True).first()
    return latest is None or year >= latest


def _level(code: str) -> str:
    from gebiedskompas.areas.domain.codes import level_of

    return level_of(code).value


@transaction.atomic
def assign_stadsdelen(pairs: list[tuple[int, str, str]], *, file: str) -> int:
    """Group wijken into stadsdelen: rows of (row number, wijk code, stadsdeel name).

    Stadsdeel codes are the municipality's own: ``SD<gemeente digits>-<slug>``. Raises
    ``KompasError`` naming the row for an unknown wijk; nothing is changed then.
    """
    from django.utils.text import slugify

    wijken = {a.code: a for a in Area.objects.filter(code__in=[p[1] for p in pairs])}
    for row, code, _name in pairs:
        if code not in wijken:
            raise KompasError(gettext_noop("unknown wijk {code}"), file=file, row=row, code=code)
        if wijken[code].level != AreaLevel.WIJK:
            raise KompasError(gettext_noop("{code} is not a wijk"), file=file, row=row, code=code)
    changed = 0
    for _row, code, name in pairs:
        wijk = wijken[code]
        municipality = wijk.municipality or wijk.parent
        sd_code = f"SD{code[2:6]}-{slugify(name)}"[:40]
        stadsdeel, _ = Area.objects.get_or_create(
            code=sd_code,
            defaults={
                "name": name,
                "level": AreaLevel.STADSDEEL,
                "parent": municipality,
                "municipality": municipality,
            },
        )
        if wijk.parent_id != stadsdeel.pk:
            wijk.parent = stadsdeel
            wijk.save(update_fields=["parent", "updated_at"])
            changed += 1
    return changed


def import_stadsdelen(path: Path) -> int:
    """Read a two-column CSV/XLSX (wijk code, stadsdeel name) and group the wijken."""
    from gebiedskompas.core.tabular import read_table

    frame = read_table(path)
    if len(frame.columns) < 2:
        raise KompasError(
            gettext_noop("expected two columns: wijk code and stadsdeel name"),
            file=path.name,
            row=1,
        )
    code_col, name_col = frame.columns[0], frame.columns[1]
    pairs = []
    for row, code, name in zip(frame.index, frame[code_col], frame[name_col], strict=True):
        if not code or not name:
            raise KompasError(
                gettext_noop("wijk code and stadsdeel name are both needed"),
                file=path.name,
                row=int(row),
            )
        pairs.append((int(row), code, name))
    return assign_stadsdelen(pairs, file=path.name)


@transaction.atomic
def import_code_mapping(path: Path) -> tuple[int, int]:
    """Load old → new area codes after a redivision: columns old_code, new_code, year[, share].

    Returns (new, unchanged). A row naming an unknown new code is refused with its row number.
    """
    from gebiedskompas.core.errors import InputError, Problem
    from gebiedskompas.core.tabular import read_table

    frame = read_table(path)
    required = ["old_code", "new_code", "year"]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise KompasError(
            gettext_noop(
                "missing columns {join_missing}; expected old_code, new_code, year[, share]"
            ),
            file=path.name,
            row=1,
            join_missing=", ".join(missing),
        )
    problems: list[Problem] = []
    rows: list[tuple[str, str, int, float]] = []
    known = set(
        Area.objects.filter(code__in=list(frame["new_code"])).values_list("code", flat=True)
    )
    for row, old, new, year, share in zip(
        frame.index,
        frame["old_code"],
        frame["new_code"],
        frame["year"],
        frame["share"] if "share" in frame.columns else ["1"] * len(frame),
        strict=True,
    ):
        where = {"file": path.name, "row": int(row)}
        if new not in known:
            problems.append(
                Problem(gettext_noop('unknown area "{new}"'), column="new_code", **where, new=new)
            )  # type: ignore[arg-type]
        if not str(year).isdigit():
            problems.append(
                Problem(gettext_noop('"{year}" is not a year'), column="year", **where, year=year)
            )  # type: ignore[arg-type]
        try:
            share_value = float(str(share or "1").replace(",", "."))
        except ValueError:
            problems.append(
                Problem(
                    gettext_noop('"{text}" is not a number'), column="share", **where, text=share
                )
            )  # type: ignore[arg-type]
            continue
        if not 0 < share_value <= 1:
            problems.append(
                Problem(
                    gettext_noop("share must be above 0 and at most 1"), column="share", **where
                )
            )  # type: ignore[arg-type]
        if str(year).isdigit():
            rows.append((old, new, int(year), share_value))
    if problems:
        raise InputError(problems)
    new_count = 0
    for old, new, year, share in rows:
        _, created = CodeMapping.objects.update_or_create(
            old_code=old, new_code=new, year=year, defaults={"share": share}
        )
        new_count += int(created)
    return new_count, len(rows) - new_count
