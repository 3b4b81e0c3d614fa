"""Import signals from a Signalen public export (CSV + categories JSON) or a Fixi metadata export.

Both validate every row first and report all bad rows (up to a limit) with file, row and column;
then write in one transaction, so a failed import leaves the database as it was. A re-import is
idempotent: each row's key is ``<format>:<municipality>:<id>``, and rows seen before count as
unchanged (or updated, when a Signalen row that was open is now resolved).

Areas: the exports name no CBS buurt. With buurt boundaries loaded for the municipality a
Signalen row's point is placed by point in polygon (points outside the municipality are skipped
and counted); otherwise a row goes to the wijk whose name matches (Signalen's ``wijk``, Fixi's
``regionName``) and else to the municipality itself. When the municipality is not in the area
registry, a gemeente-level stand-in is created under the code given (``--municipality``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.text import slugify

from gebiedskompas.accounts.models import Organisation, OrganisationKind
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import InputError, KompasError, Problem, gettext_noop
from gebiedskompas.signals.domain.workflow import Status
from gebiedskompas.signals.models import Category, Channel, Signal, StatusChange
from gebiedskompas.signals.services import (
    OutsideMunicipality,
    _set_status,
    compute_deadline,
    locate,
)

FORMATS = ("signalen", "fixi")
LOCAL = ZoneInfo("Europe/Amsterdam")
SIGNALEN_COLUMNS = ("id", "created_at", "category", "category_slug", "subcategory",
                    "subcategory_slug", "lat", "lng", "wijk", "status_on_last_scrape",
                    "resolved_date")  # fmt: skip
FIXI_COLUMNS = ("id", "categoryName", "teamName", "source", "created", "regionName")
FIXI_CHANNELS = {
    "website": Channel.WEB, "e-form": Channel.WEB, "telephone": Channel.PHONE,
    "desk": Channel.COUNTER, "email": Channel.EMAIL, "citizen-android": Channel.APP,
    "citizen-ios": Channel.APP, "buitenbeter": Channel.APP, "verbeterdebuurt": Channel.APP,
    "whats-app": Channel.SOCIAL, "twitter": Channel.SOCIAL, "facebook": Channel.SOCIAL,
    "instagram": Channel.SOCIAL,
}  # fmt: skip
_DAYS = re.compile(r"binnen\s+(\d+)\s+(werkdag|werkdagen|dag|dagen)", re.IGNORECASE)
_WIJK_PREFIX = re.compile(r"^wijk\s+\d+\s+", re.IGNORECASE)


@dataclass
class ImportSummary:
    file: str
    format: str
    municipality: str
    municipality_created: bool = False
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    categories_created: int = 0
    departments_created: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    placed: Counter[str] = field(default_factory=Counter)  # buurt / wijk / gemeente

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "format": self.format, "municipality": self.municipality,
            "municipality_created": self.municipality_created, "new": self.new,
            "unchanged": self.unchanged, "updated": self.updated,
            "categories_created": self.categories_created,
            "departments_created": self.departments_created,
            "skipped": dict(self.skipped), "placed_at": dict(self.placed),
        }  # fmt: skip

    def __str__(self) -> str:
        text = (
            f"{self.file}: {self.new} new, {self.unchanged} unchanged, {self.updated} updated "
            f"signals for {self.municipality}"
        )
        if self.municipality_created:
            text += " (stand-in municipality created)"
        if self.skipped:
            text += "; skipped: " + ", ".join(f"{n} {why}" for why, n in self.skipped.items())
        if self.placed:
            text += "; placed at " + ", ".join(f"{k}: {n}" for k, n in sorted(self.placed.items()))
        return text


@dataclass(frozen=True)
class _Row:
    number: int
    external_id: str
    main: tuple[str, str]  # (code, name)
    sub: tuple[str, str] | None
    reported_at: datetime
    channel: str
    lat: float | None = None
    lon: float | None = None
    region: str = ""
    address: str = ""
    team: str = ""
    closed_on: date | None = None
    closed: bool = False
    status_note: str = ""


def _open_text(path: Path) -> io.TextIOBase:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return io.StringIO(raw.decode("utf-8-sig"))


def _records(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(_open_text(path))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise KompasError(
            gettext_noop("columns missing: {join_missing}; expected {join_required}"),
            file=path.name,
            row=1,
            join_missing=", ".join(missing),
            join_required=", ".join(required),
        )
    for number, record in enumerate(reader, start=2):
        yield number, {k: (v or "").strip() for k, v in record.items() if k is not None}


def _float(value: str, name: str, column: str, number: int, problems: list[Problem]) -> float:
    try:
        return float(value)
    except ValueError:
        problems.append(
            Problem(gettext_noop("{value!r} is not a number"), name, number, column, value)
        )
        return 0.0


def _signalen_rows(path: Path) -> list[_Row]:
    rows: list[_Row] = []
    problems: list[Problem] = []
    for number, r in _records(path, SIGNALEN_COLUMNS):
        bad = len(problems)
        for column in ("id", "created_at", "category", "subcategory_slug"):
            if not r[column]:
                problems.append(Problem(gettext_noop("is empty"), path.name, number, column))
        lat = _float(r["lat"], path.name, "lat", number, problems)
        lon = _float(r["lng"], path.name, "lng", number, problems)
        reported: datetime | None = None
        try:
            reported = datetime.fromisoformat(r["created_at"]) if r["created_at"] else None
            if reported is not None and reported.tzinfo is None:
                reported = reported.replace(tzinfo=LOCAL)
        except ValueError:
            problems.append(Problem(gettext_noop("{value!r} is not an ISO 8601 time"), path.name,
                                    number, "created_at", r["created_at"]))  # fmt: skip
        state = r["status_on_last_scrape"]
        if state not in ("open", "resolved"):
            problems.append(Problem(gettext_noop("{value!r} is not open or resolved"), path.name,
                                    number, "status_on_last_scrape", state))  # fmt: skip
        closed_on: date | None = None
        if r["resolved_date"]:
            try:
                closed_on = date.fromisoformat(r["resolved_date"])
            except ValueError:
                problems.append(Problem(gettext_noop("{date!r} is not a date (YYYY-MM-DD)"),
                                        path.name, number, "resolved_date",
                                        date=r["resolved_date"]))  # fmt: skip
        if len(problems) > bad or reported is None:
            continue
        main_code = r["category_slug"] or slugify(r["category"])
        rows.append(
            _Row(
                number, r["id"], (main_code, r["category"]),
                (r["subcategory_slug"], r["subcategory"] or r["subcategory_slug"]),
                reported, Channel.IMPORT, lat=lat, lon=lon, region=r["wijk"],
                address=r.get("address", ""), closed_on=closed_on, closed=state == "resolved",
                status_note="afgehandeld volgens de Signalen-export (datum: eerste dag niet meer "
                "open gezien)",
            )
        )  # fmt: skip
    if problems:
        raise InputError(problems)
    return rows


def _fixi_rows(path: Path) -> list[_Row]:
    rows: list[_Row] = []
    problems: list[Problem] = []
    for number, r in _records(path, FIXI_COLUMNS):
        bad = len(problems)
        for column in ("id", "categoryName", "created"):
            if not r[column]:
                problems.append(Problem(gettext_noop("is empty"), path.name, number, column))
        reported: datetime | None = None
        try:
            # "2025-06-26 11:25:42.0000000", local time; the 7-digit fraction is always zero.
            reported = datetime.fromisoformat(r["created"][:19]).replace(tzinfo=LOCAL)
        except ValueError:
            problems.append(Problem(gettext_noop("{value!r} is not a date and time"), path.name,
                                    number, "created", r["created"]))  # fmt: skip
        if len(problems) > bad or reported is None:
            continue
        rows.append(
            _Row(
                number, r["id"], (slugify(r["categoryName"]), r["categoryName"]), None, reported,
                FIXI_CHANNELS.get(r["source"], Channel.OTHER), region=r["regionName"],
                team=r["teamName"], closed=True,
                status_note="de Fixi-export kent geen status; als afgehandeld ingelezen",
            )
        )  # fmt: skip
    if problems:
        raise InputError(problems)
    return rows


def _handling(text: str) -> tuple[int, str]:
    found = _DAYS.search(text)
    if not found:
        return 5, "working"
    return int(found.group(1)), ("working" if found.group(2).lower().startswith("werk") else
                                 "calendar")  # fmt: skip


def _municipality(code: str, name: str) -> tuple[Area, bool]:
    area = Area.objects.filter(code=code).first()
    if area is not None:
        if area.level != Level.GEMEENTE:
            raise KompasError(
                gettext_noop("{code} is a {level}, not a gemeente"),
                column="municipality",
                code=code,
                level=area.level,
            )
        return area, False
    area = Area.objects.create(code=code, name=name or code, level=Level.GEMEENTE)
    area.municipality = area
    area.save(update_fields=["municipality"])
    return area, True


def _norm(name: str) -> str:
    return _WIJK_PREFIX.sub("", name.strip()).lower()


def import_signals(
    path: Path,
    *,
    fmt: str,
    municipality: str,
    municipality_name: str = "",
    categories: Path | None = None,
) -> ImportSummary:
    """Import a Signalen or Fixi export for `municipality` (a CBS code such as GM0106)."""
    if fmt not in FORMATS:
        raise KompasError(
            gettext_noop("unknown format {fmt!r}; expected {formats}"),
            fmt=fmt,
            formats=" or ".join(FORMATS),
        )
    if not path.is_file():
        raise KompasError(gettext_noop("{path}: no such file"), path=path)
    rows = _signalen_rows(path) if fmt == "signalen" else _fixi_rows(path)
    tree: dict[str, Any] = {}
    if categories is not None:
        try:
            tree = json.loads(categories.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KompasError(
                gettext_noop("{name}: not a readable JSON file ({exc})"),
                name=categories.name,
                exc=exc,
            ) from exc
    summary = ImportSummary(path.name, fmt, municipality)
    with transaction.atomic():
        gemeente, summary.municipality_created = _municipality(municipality, municipality_name)
        _write(rows, fmt, gemeente, tree, summary)
    return summary


def _write(
    rows: list[_Row], fmt: str, gemeente: Area, tree: dict[str, Any], summary: ImportSummary
) -> None:
    cats = {c.code: c for c in Category.objects.filter(municipality=gemeente)}
    departments: dict[str, Organisation] = {}

    def category(code: str, name: str, parent: Category | None) -> Category:
        slug = code
        if parent is not None and code == parent.code:
            # Signalen's "overig › overig": one slug for a main and its sub; codes are unique.
            code = f"{parent.code}-{code}"
        if code in cats:
            return cats[code]
        info = tree.get(slug, {}) if parent is not None else {}
        days, kind = _handling(str(info.get("handling_message", "")))
        cats[code] = Category.objects.create(
            municipality=gemeente, code=code[:100], name=name[:200], parent=parent,
            description=str(info.get("description", "")),
            reporter_text=str(info.get("handling_message", "")),
            handling_days=days, handling_day_kind=kind,
        )  # fmt: skip
        summary.categories_created += 1
        return cats[code]

    def department(name: str) -> Organisation | None:
        if not name:
            return None
        if name not in departments:
            code = f"{gemeente.code.lower()}-{slugify(name)}"[:60]
            org, new = Organisation.objects.get_or_create(
                code=code,
                defaults={"name": name[:200], "kind": OrganisationKind.DEPARTMENT,
                          "municipality": gemeente},
            )  # fmt: skip
            summary.departments_created += new
            departments[name] = org
        return departments[name]

    # Categories of the JSON tree first, so each gets its description and handling time.
    for code, info in tree.items():
        main_code = str(info.get("parent_slug") or slugify(str(info.get("parent", ""))))
        main = category(main_code, str(info.get("parent", main_code)), None)
        category(code, str(info.get("name", code)), main)

    wijken = {
        _norm(a.name): a
        for a in Area.objects.filter(municipality=gemeente, level__in=[Level.WIJK, Level.STADSDEEL])
    }
    has_buurten = (
        Area.objects.filter(municipality=gemeente, level=Level.BUURT)
        .exclude(geojson_wgs84="")
        .exists()
    )
    keys = {f"{fmt}:{gemeente.code}:{r.external_id}": r for r in rows}
    existing = {
        s.idempotency_key: s
        for s in Signal.objects.filter(idempotency_key__in=list(keys)).select_related("category")
    }
    new_signals: list[Signal] = []
    zone = timezone.get_current_timezone()
    closing: list[tuple[Signal, _Row]] = []
    for key, row in keys.items():
        if key in existing:
            signal = existing[key]
            if row.closed and signal.status not in (Status.CLOSED, Status.CANCELLED):
                at = _closed_at(row) or timezone.now()
                _set_status(signal, Status.CLOSED, by=None, note=row.status_note, at=at)
                summary.updated += 1
            else:
                summary.unchanged += 1
            continue
        main = category(row.main[0], row.main[1], None)
        cat = category(row.sub[0], row.sub[1], main) if row.sub else main
        area: Area = gemeente
        verified = False
        if has_buurten and row.lat is not None and row.lon is not None:
            try:
                found = locate(gemeente, row.lat, row.lon)
            except OutsideMunicipality:
                summary.skipped[f"outside {gemeente.code}"] += 1
                continue
            if found is not None:
                area, verified = found, True
        if not verified and _norm(row.region) in wijken:
            area = wijken[_norm(row.region)]
        summary.placed[area.level] += 1
        closed_at = _closed_at(row) if row.closed else None
        signal = Signal(
            municipality=gemeente, area=area, location_verified=verified, category=cat,
            lat=row.lat, lon=row.lon, address=row.address[:300], channel=row.channel,
            department=department(row.team), idempotency_key=key, reported_at=row.reported_at,
            deadline=compute_deadline(cat, row.reported_at, zone),
            status=(Status.CLOSED if row.closed else Status.REPORTED).value, closed_at=closed_at,
        )  # fmt: skip
        new_signals.append(signal)
        closing.append((signal, row))
    Signal.objects.bulk_create(new_signals, batch_size=2000)
    history: list[tuple[int, str, str, str, datetime]] = []
    reported, closed = Status.REPORTED.value, Status.CLOSED.value
    for signal, row in closing:
        history.append((signal.pk, "", reported, f"ingelezen uit {fmt}", row.reported_at))
        if row.closed:
            at = signal.closed_at or row.reported_at
            history.append((signal.pk, reported, closed, row.status_note, at))
    _insert_history(history)
    summary.new = len(new_signals)


def _insert_history(rows: list[tuple[int, str, str, str, datetime]]) -> None:
    """Insert StatusChange rows (signal id, from, to, note, at; no `by`) with executemany.

    A 7-year export gives two history rows per signal, 165,000 for Katwijk's; building a model
    instance per row and letting bulk_create prepare every value took a third of the import's
    time. The rows are plain here and only the time needs the backend's adaptation."""
    meta = StatusChange._meta
    if {f.name for f in meta.concrete_fields} != {"id", "signal", "from_status", "to_status",
                                                  "note", "by", "at"}:  # fmt: skip
        raise RuntimeError("StatusChange has new fields: give them a value in _insert_history")
    connection = connections[router.db_for_write(StatusChange)]
    quote = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in ("signal", "from_status", "to_status",
                                                         "note", "at")]  # fmt: skip
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            cursor.executemany(
                sql, [(*row[:4], adapt(row[4])) for row in rows[start : start + 10_000]]
            )


def _closed_at(row: _Row) -> datetime | None:
    if row.closed_on is None:
        return None
    return datetime.combine(row.closed_on, time(0), tzinfo=LOCAL)
