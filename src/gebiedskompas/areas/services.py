"""Every write to the area registry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

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


class AreaRef(NamedTuple):
    """The registry fields an importer needs of an area, without loading the model."""

    pk: int
    code: str
    name: str
    level: str
    parent_id: int | None
    municipality_id: int | None


def ensure_cbs_areas(rows: Iterable[AreaRow], *, year: int | None) -> tuple[int, dict[str, Area]]:
    """``ensure_cbs_area_refs``, with the areas as model objects."""
    created, refs = ensure_cbs_area_refs(rows, year=year)
    codes = list(refs)
    areas: dict[str, Area] = {}
    for start in range(0, len(codes), 900):  # SQLite's 999 parameters per statement
        areas.update((a.code, a) for a in Area.objects.filter(code__in=codes[start : start + 900]))
    return len(created), areas


def ensure_cbs_area_refs(
    rows: Iterable[AreaRow], *, year: int | None
) -> tuple[list[str], dict[str, AreaRef]]:
    """Create unknown areas (parents from their CBS codes) and record the year's division.

    Existing areas keep their parent (a wijk may have been placed under a stadsdeel) but take a
    newer name. Returns the codes of the areas created and all areas by code (those of the rows
    and their parents). Call inside the importer's transaction.
    """
    rows = list(rows)
    wanted = {r.code: r for r in rows}
    # Parents named only by code (a buurt file without its wijk rows) are created too.
    for row in list(rows):
        code = row.code
        while (code := parent_code(code) or "") and code not in wanted:
            wanted[code] = AreaRow(code, code, _level(code))
    existing = _refs(list(wanted))
    known_before = set(existing)
    created: list[str] = []
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    # One bulk insert per level, top down, so each level finds its parents already stored.
    for level in AreaLevel:  # top down
        fresh = [r for r in wanted.values() if r.level == level and r.code not in existing]
        if not fresh:
            continue
        new_rows = []
        for r in fresh:
            parent = existing.get(parent_code(r.code) or "") if is_cbs_code(r.code) else None
            municipality = existing.get("GM" + r.code[2:6])
            new_rows.append(
                (
                    r.code,
                    r.name,
                    r.level,
                    parent.pk if parent else None,
                    municipality.pk if municipality else None,
                    "",
                    year,
                    stamp,
                    stamp,
                )
            )
        _insert_rows(Area._meta.db_table, _NEW_AREA_COLUMNS, new_rows)
        versioning.changed()
        refs = _refs([r.code for r in fresh])
        if level is AreaLevel.GEMEENTE:
            Area.objects.filter(pk__in=[a.pk for a in refs.values()]).update(
                municipality_id=F("id")
            )
            refs = {code: ref._replace(municipality_id=ref.pk) for code, ref in refs.items()}
        existing.update(refs)
        created.extend(r.code for r in fresh)
    for row in rows:
        ref = existing[row.code]
        if row.name != row.code and ref.name != row.name and _is_newest(ref, year):
            # A newer table brings the current name; an older one must not bring back an old one.
            Area.objects.filter(pk=ref.pk).update(name=row.name, updated_at=now)
            existing[row.code] = ref._replace(name=row.name)
    if year is not None:
        # Only areas that were there before can already have this year's row.
        known = [r.code for r in rows if r.code in known_before]
        present: set[str] = set()
        for start in range(0, len(known), 900):
            present.update(
                AreaYear.objects.filter(
                    year=year, area__code__in=known[start : start + 900]
                ).values_list("area__code", flat=True)
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


_NEW_AREA_COLUMNS = (
    "code",
    "name",
    "level",
    "parent_id",
    "municipality_id",
    "geojson_wgs84",
    "valid_from",
    "created_at",
    "updated_at",
)


def _refs(codes: list[str]) -> dict[str, AreaRef]:
    refs: dict[str, AreaRef] = {}
    for start in range(0, len(codes), 900):  # SQLite's 999 parameters per statement
        for row in Area.objects.filter(code__in=codes[start : start + 900]).values_list(
            "id", "code", "name", "level", "parent_id", "municipality_id"
        ):
            refs[row[1]] = AreaRef(*row)
    return refs


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


def _is_newest(area: AreaRef, year: int | None) -> bool:
    if year is None or area.name == area.code:
        return True
    latest = (
        AreaYear.objects.filter(area_id=area.pk)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
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
