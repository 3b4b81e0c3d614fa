"""Read CBS StatLine tables (Kerncijfers wijken en buurten and theme tables) into plain rows.

Accepts the tables as the ``cbsodata`` client exports them (labels in dimension columns, codes
in ``Codering_N``, level in ``SoortRegio_N``, empty cells missing) and as CBS writes them itself
(``;``, byte-order mark, padded strings). Validates every cell first and reports all problems
found, so that nothing is written from a bad file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gebiedskompas.areas.domain.codes import SOORT_REGIO, AreaLevel, is_cbs_code, level_of
from gebiedskompas.core.errors import InputError, KompasError, Problem
from gebiedskompas.core.periods import parse_period
from gebiedskompas.core.tabular import check_single_header, read_table
from gebiedskompas.indicators.domain.catalogue import (
    ColumnMeta,
    Entry,
    Mapping_,
    UnmappableColumns,
    map_columns,
    snake_key,
)

CODE_COLUMN = re.compile(r"^Codering_\d+$")
LEVEL_COLUMN = re.compile(r"^SoortRegio_\d+$")
CHANGE_COLUMN = re.compile(r"^Indelingswijziging\w*_\d+$")
NAME_COLUMNS = ("WijkenEnBuurten", "Wijken", "Buurten", "RegioS", "Gemeenten")
TEXT_COLUMNS = re.compile(r"^(Gemeentenaam|MeestVoorkomendePostcode)_\d+$")
SKIP = {"ID"}
MARGINS = "Marges"


@dataclass
class ParsedTable:
    """A CBS table as plain rows.

    ``areas``: code, name, level, change_indicator (one row per area).
    ``observations``: code, key, source_key, period, value, margin_lower, margin_upper.
    ``new_indicators``: key → dict of catalogue fields for indicators the catalogue lacks.
    """

    areas: pd.DataFrame
    observations: pd.DataFrame
    new_indicators: dict[str, dict[str, object]] = field(default_factory=dict)
    columns_mapped: dict[str, str] = field(default_factory=dict)


def parse_cbs_table(
    path: Path,
    *,
    catalogue: list[Entry],
    year: int | None = None,
    metadata: Mapping[str, ColumnMeta] | None = None,
    display_name: str | None = None,
    max_problems: int = 50,
) -> ParsedTable:
    name = display_name or path.name
    frame = read_table(path, display_name=name)
    columns = list(frame.columns)
    code_col = next((c for c in columns if CODE_COLUMN.match(c)), None)
    if code_col is None:
        raise KompasError(
            "no column with area codes (Codering_N, e.g. Codering_3) found; the columns are: "
            + ", ".join(columns[:12])
            + (" …" if len(columns) > 12 else ""),
            file=name,
        )
    level_col = next((c for c in columns if LEVEL_COLUMN.match(c)), None)
    change_col = next((c for c in columns if CHANGE_COLUMN.match(c)), None)
    name_col = next((c for c in NAME_COLUMNS if c in columns), None)
    period_col = "Perioden" if "Perioden" in columns else None
    dimension_cols = [
        c
        for c in columns
        if not re.search(r"_\d+$", c)
        and c not in SKIP
        and c not in NAME_COLUMNS
        and c != "Perioden"
    ]
    measure_cols = [
        c
        for c in columns
        if re.search(r"_\d+$", c)
        and c not in (code_col, level_col, change_col)
        and not TEXT_COLUMNS.match(c)
        and not (metadata and metadata.get(c) and metadata[c].datatype == "String")
    ]
    if not measure_cols:
        raise KompasError(
            "the table has no measure columns (CBS keys like AantalInwoners_5)", file=name
        )
    check_single_header(frame, measure_cols, name)

    problems: list[Problem] = []

    def problem(message: str, row: int | None = None, column: str | None = None) -> None:
        problems.append(Problem(message, file=name, row=row, column=column))

    # Areas: code and level.
    codes = frame[code_col]
    rows: list[int] = [int(r) for r in frame.index]
    code_list: list[str] = [str(c) for c in codes.tolist()]
    for row, code in zip(rows, code_list, strict=True):
        if not code:
            problem("the area code is empty", row, code_col)
        elif not is_cbs_code(code):
            problem(f'"{code}" is not a CBS area code (GM, WK or BU and digits)', row, code_col)
    if level_col:
        for row, code, label in zip(rows, code_list, frame[level_col].tolist(), strict=True):
            level = SOORT_REGIO.get(str(label).lower())
            if level is None:
                problem(
                    f'"{label}" is not a known SoortRegio (expected Gemeente, Wijk or Buurt)',
                    row,
                    level_col,
                )
            elif is_cbs_code(code) and level_of(code) is not level:
                problem(f'SoortRegio "{label}" does not match the code {code}', row, level_col)

    # Periods.
    if period_col:
        periods = {}
        for label in frame[period_col].unique():
            try:
                periods[label] = str(parse_period(label))
            except ValueError as exc:
                first_row = int(frame.index[frame[period_col] == label][0])
                problem(str(exc), first_row, period_col)
        period_series = frame[period_col].map(periods)
    else:
        if year is None:
            raise KompasError(
                "the table has no Perioden column; give the year of the figures with --year",
                file=name,
            )
        period_series = pd.Series(str(year), index=frame.index)

    # Duplicate rows: the same area, period and dimension values twice.
    key_cols = [code_col, *dimension_cols]
    dup_frame = frame[key_cols].assign(_p=period_series)
    dups = dup_frame.duplicated(keep="first")
    for dup_row in dup_frame.index[dups]:
        first = dup_frame.index[(dup_frame == dup_frame.loc[dup_row]).all(axis=1)][0]
        problem(
            f"area {frame.at[dup_row, code_col]!s} appears twice (also in row {first})",
            int(dup_row),
            code_col,
        )

    # Numeric cells.
    values = {}
    for column in measure_cols:
        raw = frame[column]
        cleaned = raw.replace({"": None, ".": None})
        numbers = pd.to_numeric(
            cleaned.str.replace(",", ".", regex=False) if _decimal_comma(raw) else cleaned,
            errors="coerce",
        )
        bad = numbers.isna() & cleaned.notna()
        for row in raw.index[bad][:max_problems]:
            problem(f'"{raw[row]}" is not a number', int(row), column)
        values[column] = numbers.astype("float64")
        if len(problems) > max_problems:
            break
    if problems:
        raise InputError(problems)

    try:
        mapping = map_columns(measure_cols, catalogue, metadata)
    except UnmappableColumns as exc:
        raise KompasError(exc.reason, file=name, column=exc.columns[0]) from exc

    areas = pd.DataFrame(
        {
            "code": codes.values,
            "name": frame[name_col].values if name_col else codes.values,
            "level": [level_of(c).value for c in codes.values],
            "change_indicator": frame[change_col].values if change_col else "",
        }
    ).drop_duplicates("code")
    observations, new_indicators = _long_rows(
        frame, values, mapping, codes, period_series, dimension_cols, metadata
    )
    return ParsedTable(
        areas=areas,
        observations=observations,
        new_indicators=new_indicators,
        columns_mapped={m.column: m.key for m in mapping},
    )


def _decimal_comma(raw: pd.Series) -> bool:
    sample = raw[raw != ""].head(200)
    return (
        bool(len(sample))
        and sample.str.fullmatch(r"-?\d+,\d+").mean() > 0.5
        and not sample.str.contains(r"\.").any()
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:30]


def _long_rows(
    frame: pd.DataFrame,
    values: dict[str, pd.Series],
    mapping: list[Mapping_],
    codes: pd.Series,
    periods: pd.Series,
    dimension_cols: list[str],
    metadata: Mapping[str, ColumnMeta] | None,
) -> tuple[pd.DataFrame, dict[str, dict[str, object]]]:
    other_dims = [d for d in dimension_cols if d != MARGINS]
    # A category of another dimension (Financieringsvorm = PGB) makes its own indicator; the
    # total category ("Totaal", "Totaal woningen", …) keeps the plain key.
    suffix = pd.Series("", index=frame.index)
    labels = pd.Series("", index=frame.index)
    for dim in other_dims:
        cat = frame[dim]
        # CBS lists a dimension's total first ("Totaal", "Totaal woningen", "Totaal alle
        # jeugdzorg in natura"); a later "Totaal jeugdhulp in natura" is a category of its own.
        totals = [c for c in cat.unique() if c.lower().startswith("totaal")]
        is_total = (cat == totals[0]) if totals else (cat == "")
        is_total = is_total | (cat == "")
        suffix = suffix.where(is_total, suffix + "__" + cat.map(_slug))
        labels = labels.where(is_total, labels + " (" + cat + ")")
    margin = (
        frame[MARGINS].str.lower()
        if MARGINS in frame.columns
        else pd.Series("waarde", index=frame.index)
    )
    kind = np.where(
        margin.str.contains("ondergrens"),
        "lower",
        np.where(margin.str.contains("bovengrens"), "upper", "value"),
    )

    parts = []
    new_indicators: dict[str, dict[str, object]] = {}
    for m in mapping:
        keys = (m.key + suffix) if suffix.ne("").any() else pd.Series(m.key, index=frame.index)
        part = pd.DataFrame(
            {
                "code": codes.values,
                "key": pd.Categorical(keys.values),
                "source_key": pd.Categorical([m.column] * len(frame)),
                "period": pd.Categorical(periods.values),
                "value": values[m.column].values,
                "kind": kind,
                "label": pd.Categorical(labels.values),
            }
        )
        parts.append(part)
        for key, label in part[["key", "label"]].drop_duplicates().itertuples(index=False):
            if m.entry is not None and key == m.key:
                continue
            base: dict[str, object] = dict(m.entry.data) if m.entry is not None else {}
            meta = metadata.get(m.column) if metadata else None
            base.setdefault("name", meta.title if meta else m.column.rsplit("_", 1)[0])
            base["name"] = f"{base['name']}{label}"
            base["key"] = key
            if meta:
                base.setdefault("definition", meta.description)
                base.setdefault("unit", meta.unit)
            base.setdefault("cbs_key", m.column.rsplit("_", 1)[0])
            base.setdefault("cbs_group", meta.group if meta else "")
            if key != m.key:
                base["cbs_key"] = ""  # a category split is no direct CBS column
            new_indicators[key] = base
    long = pd.concat(parts, ignore_index=True)
    for column in ("key", "source_key", "period", "label", "code"):
        long[column] = long[column].astype("category")
    value_rows = long[long["kind"] == "value"].drop(columns=["kind", "label"])
    index = ["code", "key", "period"]
    for bound, column in (("lower", "margin_lower"), ("upper", "margin_upper")):
        bounds = long[long["kind"] == bound].set_index(index)["value"].rename(column)
        value_rows = value_rows.join(bounds, on=index)
        if column not in value_rows:
            value_rows[column] = np.nan
    return value_rows.reset_index(drop=True), new_indicators


__all__ = ["ParsedTable", "parse_cbs_table", "snake_key", "AreaLevel"]
