"""Every write to the indicator catalogue and the observations: one import pipeline.

The CLI, the web upload and the tests call these functions. Each import validates the whole file
first, then writes in one transaction: a bad file, an error or a killed process leaves the
database as it was. Importing the same file again changes nothing and says so.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import F

from gebiedskompas.areas import versioning
from gebiedskompas.areas.domain.codes import NETHERLANDS
from gebiedskompas.areas.models import Area
from gebiedskompas.areas.services import AreaRow, ensure_cbs_area_refs
from gebiedskompas.core.errors import InputError, KompasError, gettext_noop
from gebiedskompas.indicators import bulk
from gebiedskompas.indicators.aggregation import ImportAggregation
from gebiedskompas.indicators.domain.catalogue import (
    Entry,
    load_catalogue,
    metadata_by_column,
)
from gebiedskompas.indicators.domain.cbs import CbsReader
from gebiedskompas.indicators.models import ImportBatch, Indicator, Observation, Status

Progress = Callable[[str, int, int], None]

# Rows of a CBS table read, checked and written at a time: bounds the importer's memory.
CBS_CHUNK_ROWS = 300

INDICATOR_FIELDS = {
    f.name
    for f in Indicator._meta.get_fields()
    if getattr(f, "concrete", False) and f.name not in ("id",)
}


@dataclass
class ImportSummary:
    file: str
    kind: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    areas_created: int = 0
    indicators_created: int = 0
    batch_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        text = (
            f"{self.file}: {self.new} new, {self.updated} updated, {self.unchanged} unchanged "
            f"observations; {self.areas_created} areas and {self.indicators_created} "
            "indicators created"
        )
        for warning in self.warnings:
            text += f"\nwarning: {warning}"
        return text


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _catalogue() -> list[Entry]:
    return load_catalogue()


def ensure_indicators(specs: Mapping[str, Mapping[str, Any]]) -> tuple[int, dict[str, Indicator]]:
    """Indicator rows for these keys, created from their catalogue fields where missing."""
    existing = {i.key: i for i in Indicator.objects.filter(key__in=list(specs))}
    created = []
    for key, spec in specs.items():
        if key in existing:
            continue
        fields = {k: v for k, v in spec.items() if k in INDICATOR_FIELDS}
        fields["key"] = key
        fields.setdefault("name", key)
        fields.setdefault("domain", "overig")
        created.append(Indicator(**fields))
    if created:
        Indicator.objects.bulk_create(created)
        versioning.changed()
        existing = {i.key: i for i in Indicator.objects.filter(key__in=list(specs))}
    return len(created), existing


def sync_catalogue() -> int:
    """Create an Indicator row for every catalogue entry that has none yet."""
    specs = {e.key: e.data for e in _catalogue()}
    created, _ = ensure_indicators(specs)
    return created


def import_cbs(
    path: Path,
    *,
    year: int | None = None,
    metadata_path: Path | None = None,
    user: Any = None,
    display_name: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a CBS StatLine table; see ``indicators.domain.cbs`` for the formats read."""
    name = display_name or path.name
    metadata = None
    if metadata_path is not None:
        try:
            metadata = metadata_by_column(json.loads(metadata_path.read_text("utf-8")))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise KompasError(
                gettext_noop("cannot read the CBS metadata ({exc})"),
                file=metadata_path.name,
                exc=exc,
            ) from exc
    catalogue = _catalogue()
    reader = CbsReader(
        path,
        catalogue=catalogue,
        year=year,
        metadata=metadata,
        display_name=name,
        chunk_rows=CBS_CHUNK_ROWS,
    )
    by_key = {e.key: e.data for e in catalogue}
    summary = ImportSummary(file=name, kind="cbs")
    sha = sha256_of(path)
    batch: list[ImportBatch] = []
    aggregation = ImportAggregation()
    indicators: dict[str, Indicator] = {}
    expected = _data_lines(path) * len(reader.layout.measure_cols)
    done = 0
    with bulk.small_page_cache(), transaction.atomic():
        with bulk.secondary_index_dropped(expected), bulk.open_copies():
            # On PostgreSQL each chunk's COPY is left open while the next chunk is read and
            # checked (the database stores one chunk while Python parses the next); it is
            # finished before the next query.
            for parsed in reader.chunks():
                bulk.finish_copy()
                specs: dict[str, Mapping[str, Any]] = {}
                for key in parsed.observations["key"].unique():
                    specs[key] = parsed.new_indicators.get(key) or by_key.get(key) or {"name": key}
                if not specs.keys() <= indicators.keys():  # the first chunk, mostly
                    created, more = ensure_indicators(specs)
                    summary.indicators_created += created
                    indicators.update(more)
                years = {str(p)[:4] for p in parsed.observations["period"].unique()}
                area_year = int(years.pop()) if len(years) == 1 else year
                rows = [AreaRow(*r) for r in parsed.areas.itertuples(index=False)]
                check_import_rights(user, (r.code for r in rows))
                new_areas, areas = ensure_cbs_area_refs(rows, year=area_year)
                summary.areas_created += len(new_areas)
                frame = parsed.observations
                frame = frame.assign(
                    area_id=frame["code"].map({c: a.pk for c, a in areas.items()}),
                    indicator_id=frame["key"].map({k: i.pk for k, i in indicators.items()}),
                )
                aggregation.before_write(
                    areas.values(),
                    frame["indicator_id"].unique(),
                    periods={str(p) for p in frame["period"].unique()},
                    created={areas[code].pk for code in new_areas},
                )
                write_observations(
                    frame,
                    summary,
                    kind="cbs",
                    file_name=name,
                    sha=sha,
                    user=user,
                    batch=batch,
                    leave_open=True,
                    aggregation=aggregation,
                )
                aggregation.add(frame)
                done += len(frame)
                del parsed, frame  # not kept while the next chunk is read
                if progress:
                    progress("importing", min(done, expected), max(expected, done))
            bulk.finish_copy()
            if reader.problems:
                # Raised inside the transaction: whatever the earlier chunks wrote is rolled
                # back.
                raise InputError(reader.problems)
            if summary.new or summary.updated:
                if progress:
                    progress("aggregating", max(expected, done), max(expected, done))
                # Before the indexes are built again: the held-back rows go in as cheaply as
                # the others did.
                aggregation.store()
        if batch:
            batch[0].summary = {
                "new": summary.new,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            }
            batch[0].save(update_fields=["summary"])
        if summary.new or summary.updated:
            aggregation.recompute_others()
    return summary


def check_import_rights(user: Any, codes: Iterable[str]) -> None:
    """Refuse an import by ``user`` that touches a municipality they may not import into.

    ``user`` None means the operator at the command line. A municipality not yet in the
    registry can only be created by someone with installation-wide rights.
    """
    if user is None:
        return
    from gebiedskompas.accounts.permissions import can
    from gebiedskompas.accounts.roles import IMPORT_DATA
    from gebiedskompas.areas.models import Area
    from gebiedskompas.core.errors import PermissionDenied

    codes = list(codes)
    wanted = {"GM" + c[2:6] for c in codes if len(c) >= 6 and c[:2] in ("GM", "WK", "BU")}
    known = {a.code: a for a in Area.objects.filter(code__in=sorted(wanted))}
    refused = sorted(code for code in wanted if not can(user, IMPORT_DATA, known.get(code)))
    # The national figures are everyone's reference: only installation-wide rights set them.
    if NETHERLANDS in codes and not can(user, IMPORT_DATA, None):
        refused.insert(0, NETHERLANDS)
    if refused:
        raise PermissionDenied(
            gettext_noop("you may not import figures for {codes}"),
            codes=", ".join(refused[:5]) + (" …" if len(refused) > 5 else ""),
        )


def _data_lines(path: Path) -> int:
    """Data rows of a text file, counted cheaply (0 for a workbook: unknown up front)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def write_observations(
    frame: pd.DataFrame,
    summary: ImportSummary,
    *,
    kind: str,
    file_name: str,
    sha: str,
    user: Any = None,
    table_id: str = "",
    batch: list[ImportBatch] | None = None,
    leave_open: bool = False,
    aggregation: ImportAggregation | None = None,
) -> None:
    """Diff rows (area_id, indicator_id, period, value, margin_lower, margin_upper, source_key)
    against the stored observations; insert new ones, update changed ones, and add the counts to
    ``summary``. ``batch`` (a list holding at most one ImportBatch) lets the chunks of one import
    share one batch; it is made only when something changes; with ``leave_open`` the new rows'
    COPY on PostgreSQL is left open (``bulk.open_copies``) and the caller saves the batch's
    summary. ``aggregation`` takes the rows it holds back (``ImportAggregation.held``), all new.
    Rows of areas without any stored
    observation are new without a diff: one query finds those areas, and a first import skips
    reading and merging stored rows altogether."""
    keys = ["area_id", "indicator_id", "period"]
    frame = frame.drop(columns=[c for c in ("code", "key") if c in frame.columns])
    frame = frame.astype(
        {
            "area_id": "int64",
            "indicator_id": "int64",
            "period": "str",
            "value": "float64",
            "margin_lower": "float64",
            "margin_upper": "float64",
        }
    )
    held = frame.iloc[:0]
    if aggregation is not None:
        mask = aggregation.held(frame)
        if mask.any():
            held, frame = frame[mask], frame[~mask]
    is_fresh = ~frame["area_id"].isin(
        _areas_with_observations(frame["area_id"].unique(), frame["period"].unique())
    )
    if is_fresh.all():  # a first import: no copies of the chunk
        fresh, stored = frame, frame.iloc[:0]
    else:
        fresh, stored = frame[is_fresh], frame[~is_fresh]
    existing = pd.DataFrame(
        columns=["id", *keys, "old_value", "old_lower", "old_upper", "old_published"]
    )
    if not stored.empty:
        existing = pd.DataFrame.from_records(
            # Looked up by area: "indicator_id + 0" keeps the (indicator, period) index out of
            # the plan. The planner's statistics do not know the rows this import has written
            # so far, and through that index every chunk read all of them (a third yearly
            # table took four times as long as the first).
            Observation.objects.annotate(indicator_plain=F("indicator_id") + 0)
            .filter(
                indicator_plain__in=[int(i) for i in stored["indicator_id"].unique()],
                period__in=[str(p) for p in stored["period"].unique()],
                area_id__in=[int(a) for a in stored["area_id"].unique()],
            )
            .values_list(
                "id",
                "area_id",
                "indicator_id",
                "period",
                "value",
                "margin_lower",
                "margin_upper",
                "is_published",
            ),
            columns=existing.columns,
        )
    if existing.empty:
        merged = stored.assign(
            id=np.nan, old_value=np.nan, old_lower=np.nan, old_upper=np.nan, old_published=True
        )
    else:
        existing = existing.astype(
            {
                "area_id": "int64",
                "indicator_id": "int64",
                "period": "str",
                "old_value": "float64",
                "old_lower": "float64",
                "old_upper": "float64",
            }
        )
        merged = stored.merge(existing, on=keys, how="left")
    is_new = merged["id"].isna()

    def same(a: pd.Series, b: pd.Series) -> pd.Series:
        return (a.isna() & b.isna()) | np.isclose(a.fillna(0), b.fillna(0), rtol=0, atol=1e-9) & (
            a.notna() == b.notna()
        )

    unchanged = (
        (~is_new)
        & same(merged["value"], merged["old_value"])
        & same(merged["margin_lower"], merged["old_lower"])
        & same(merged["margin_upper"], merged["old_upper"])
        & merged["old_published"].astype(bool)
    )
    changed = (~is_new) & ~unchanged
    new_count = len(fresh) + int(is_new.sum()) + len(held)
    changed_count = int(changed.sum())
    summary.new += new_count
    summary.updated += changed_count
    summary.unchanged += int(unchanged.sum())
    if not new_count and not changed_count:
        return
    holder = batch if batch is not None else []
    if not holder:
        holder.append(
            ImportBatch.objects.create(
                kind=kind,
                file_name=file_name,
                sha256=sha,
                table_id=table_id,
                created_by=user if getattr(user, "pk", None) else None,
            )
        )
    current = holder[0]
    summary.batch_id = current.pk

    def clean(v: object) -> object:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    columns = [*keys, "value", "margin_lower", "margin_upper", "source_key"]
    new = fresh if not is_new.any() else pd.concat([fresh[columns], merged.loc[is_new, columns]])
    upd = merged[changed]
    bulk.update_observations(
        [
            (
                clean(r.value),
                Status.MISSING.value if clean(r.value) is None else Status.OK.value,
                clean(r.margin_lower),
                clean(r.margin_upper),
                current.pk,
                r.source_key,
                int(r.id),
            )
            for r in upd.itertuples(index=False)
        ]
    )
    if not leave_open:
        current.summary = {
            "new": summary.new,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        }
        current.save(update_fields=["summary"])
    if aggregation is not None:
        aggregation.stage(held, current.pk)
    # Last: the COPY may be left open.
    bulk.insert_new_observations(new, current.pk, leave_open=leave_open)


def _areas_with_observations(area_ids: np.ndarray, periods: np.ndarray) -> list[int]:
    """Those of these areas that have a stored observation of one of these periods (one index
    probe each: a subquery per area, so the planner cannot choose a scan of every row of the
    periods, which its statistics take for none while an import is writing them). Rows of an
    area without one are new: they differ from every stored row in area or period."""
    found: list[int] = []
    ids = [int(a) for a in area_ids]
    wanted = [str(p) for p in periods]
    table = Observation._meta.db_table
    areas = Area._meta.db_table
    in_periods = ", ".join(["%s"] * len(wanted))
    with connection.cursor() as cursor:
        step = 900 - len(wanted)  # SQLite's 999 parameters per statement
        for start in range(0, len(ids), step):
            part = ids[start : start + step]
            cursor.execute(
                f"SELECT a.id FROM {areas} a WHERE a.id IN ({', '.join(['%s'] * len(part))}) "
                f"AND (SELECT 1 FROM {table} o WHERE o.area_id = a.id "
                f"AND o.period IN ({in_periods}) LIMIT 1) IS NOT NULL",
                [*part, *wanted],
            )
            found.extend(row[0] for row in cursor.fetchall())
    return found


def add_indicator(**fields: Any) -> Indicator:
    """Add an indicator to the catalogue (``kompas indicators add``)."""
    key = str(fields.get("key", ""))
    if not key:
        raise KompasError(gettext_noop("an indicator needs a key"))
    if Indicator.objects.filter(key=key).exists():
        raise KompasError(gettext_noop("an indicator with key {key} already exists"), key=key)
    fields = {k: v for k, v in fields.items() if k in INDICATOR_FIELDS and v is not None}
    indicator = Indicator(**fields)
    indicator.full_clean()
    indicator.save()
    return indicator


def batches(limit: int = 20) -> Iterable[ImportBatch]:
    return ImportBatch.objects.all()[:limit]


def import_csv(
    path: Path,
    *,
    area_column: str,
    period: str,
    mapping: Mapping[str, str] | None = None,
    user: Any = None,
    display_name: str | None = None,
) -> ImportSummary:
    """Import the municipality's or a partner's own figures (CSV or XLSX).

    ``mapping`` maps source columns to indicator keys; without it every column other than the
    area column must be named after an indicator key. Areas must already exist.
    """
    from gebiedskompas.areas.models import Area
    from gebiedskompas.core.errors import InputError, Problem
    from gebiedskompas.core.periods import parse_period
    from gebiedskompas.core.tabular import check_single_header, read_table

    name = display_name or path.name
    try:
        canonical_period = str(parse_period(period))
    except ValueError as exc:
        raise KompasError(gettext_noop("--period: {exc}"), exc=exc) from exc
    frame = read_table(path, display_name=name)
    if area_column not in frame.columns:
        raise KompasError(
            gettext_noop('no column "{area_column}" with area codes; the columns are: {columns}'),
            file=name,
            area_column=area_column,
            columns=", ".join(frame.columns),
        )
    sources = dict(mapping) if mapping else {c: c for c in frame.columns if c != area_column}
    missing_cols = [c for c in sources if c not in frame.columns]
    if missing_cols:
        raise KompasError(
            gettext_noop("--map names columns the file does not have: {join_missing_cols}"),
            file=name,
            join_missing_cols=", ".join(missing_cols),
        )
    indicators = {i.key: i for i in Indicator.objects.filter(key__in=list(sources.values()))}
    unknown = [k for k in sources.values() if k not in indicators]
    if unknown:
        raise KompasError(
            gettext_noop(
                "unknown indicators: {join_unknown}; add them with 'kompas indicators add' or "
                "map the columns with --map COLUMN=KEY"
            ),
            file=name,
            join_unknown=", ".join(unknown),
        )
    check_single_header(frame, list(sources), name)
    problems: list[Problem] = []
    codes = frame[area_column]
    areas = dict(Area.objects.filter(code__in=list(codes.unique())).values_list("code", "id"))
    for row, code in codes.items():
        if not code:
            problems.append(
                Problem(gettext_noop("the area code is empty"), name, int(row), area_column)
            )  # type: ignore[call-overload]
        elif code not in areas:
            problems.append(
                Problem(
                    gettext_noop('unknown area "{code}"'), name, int(row), area_column, code=code
                )
            )  # type: ignore[call-overload]
    dups = codes[codes.duplicated() & (codes != "")]
    for row, code in dups.items():
        problems.append(
            Problem(
                gettext_noop("area {code} appears twice"), name, int(row), area_column, code=code
            )
        )  # type: ignore[call-overload]
    parts = []
    for source, key in sources.items():
        raw = frame[source]
        cleaned = raw.replace({"": None})
        text = cleaned.str.replace(",", ".", regex=False) if cleaned.notna().any() else cleaned
        numbers = pd.to_numeric(text, errors="coerce")
        for row in raw.index[numbers.isna() & cleaned.notna()]:
            problems.append(
                Problem(
                    gettext_noop('"{text}" is not a number'),
                    name,
                    int(row),
                    source,
                    text=raw[row],
                )
            )
        parts.append(
            pd.DataFrame(
                {
                    "area_id": codes.map(areas),
                    "indicator_id": indicators[key].pk,
                    "period": canonical_period,
                    "value": numbers.astype("float64"),
                    "margin_lower": np.nan,
                    "margin_upper": np.nan,
                    "source_key": source,
                }
            )
        )
    if problems:
        raise InputError(problems)
    check_import_rights(user, areas)
    summary = ImportSummary(file=name, kind="csv")
    frame_long = pd.concat(parts, ignore_index=True)
    with transaction.atomic():
        write_observations(
            frame_long, summary, kind="csv", file_name=name, sha=sha256_of(path), user=user
        )
        if summary.new or summary.updated:
            from gebiedskompas.indicators.aggregation import recompute_for_areas

            recompute_for_areas(list(areas.values()), periods=[canonical_period])
    return summary
