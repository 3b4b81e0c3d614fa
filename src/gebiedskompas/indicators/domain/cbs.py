"""Read CBS StatLine tables (Kerncijfers wijken en buurten and theme tables) into plain rows.

Accepts the tables as the ``cbsodata`` client exports them (labels in dimension columns, codes
in ``Codering_N``, level in ``SoortRegio_N``, empty cells missing) and as CBS writes them itself
(``;``, byte-order mark, padded strings). Validates every cell first and reports all problems
found, so that nothing is written from a bad file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gebiedskompas.areas.domain.codes import SOORT_REGIO, AreaLevel, is_cbs_code, level_of
from gebiedskompas.core.errors import InputError, KompasError, Problem, Refusal, gettext_noop
from gebiedskompas.core.periods import parse_period
from gebiedskompas.core.tabular import check_single_header, read_table_chunks
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


@dataclass
class CbsLayout:
    """What the header (and metadata) of a CBS table says: which column holds what."""

    name: str
    code_col: str
    level_col: str | None
    change_col: str | None
    name_col: str | None
    period_col: str | None
    dimension_cols: list[str]
    measure_cols: list[str]
    mapping: list[Mapping_]


class CbsReader:
    """Reads a CBS table chunk by chunk, validating every cell.

    ``chunks()`` yields a ``ParsedTable`` per chunk as long as no problem has been found; after
    the first problem it goes on validating (so one round of fixes suffices) but yields nothing
    more, and ``problems`` holds what was found. The caller writes each chunk inside one
    transaction and raises ``InputError(problems)`` at the end if there are any, so a bad file
    writes nothing.
    """

    def __init__(
        self,
        path: Path,
        *,
        catalogue: list[Entry],
        year: int | None = None,
        metadata: Mapping[str, ColumnMeta] | None = None,
        display_name: str | None = None,
        max_problems: int = 50,
        chunk_rows: int = 2000,
    ) -> None:
        self.name = display_name or path.name
        self.year = year
        self.metadata = metadata
        self.max_problems = max_problems
        self.problems: list[Problem] = []
        self._chunks = read_table_chunks(path, display_name=self.name, chunk_rows=chunk_rows)
        self._first = next(self._chunks)
        self.layout = self._layout(list(self._first.columns), catalogue)
        check_single_header(self._first, self.layout.measure_cols, self.name)
        self._seen: dict[tuple[str, ...], int] = {}
        self._periods: dict[str, str | None] = {}
        self._totals: dict[str, str] = {}
        self.new_indicators: dict[str, dict[str, object]] = {}

    def _layout(self, columns: list[str], catalogue: list[Entry]) -> CbsLayout:
        name, metadata = self.name, self.metadata
        code_col = next((c for c in columns if CODE_COLUMN.match(c)), None)
        if code_col is None:
            raise KompasError(
                gettext_noop(
                    "no column with area codes (Codering_N, e.g. Codering_3) found; the columns "
                    "are: {columns}"
                ),
                file=name,
                columns=", ".join(columns[:12]) + (" …" if len(columns) > 12 else ""),
            )
        level_col = next((c for c in columns if LEVEL_COLUMN.match(c)), None)
        change_col = next((c for c in columns if CHANGE_COLUMN.match(c)), None)
        period_col = "Perioden" if "Perioden" in columns else None
        if period_col is None and self.year is None:
            raise KompasError(
                gettext_noop(
                    "the table has no Perioden column; give the year of the figures with --year"
                ),
                file=name,
            )
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
                gettext_noop("the table has no measure columns (CBS keys like AantalInwoners_5)"),
                file=name,
            )
        try:
            mapping = map_columns(measure_cols, catalogue, metadata)
        except UnmappableColumns as exc:
            raise KompasError(exc.reason, file=name, column=exc.columns[0], **exc.params) from exc
        return CbsLayout(
            name=name,
            code_col=code_col,
            level_col=level_col,
            change_col=change_col,
            name_col=next((c for c in NAME_COLUMNS if c in columns), None),
            period_col=period_col,
            dimension_cols=dimension_cols,
            measure_cols=measure_cols,
            mapping=mapping,
        )

    def _problem(
        self, message: str, row: int | None = None, column: str | None = None, **params: object
    ) -> None:
        self.problems.append(Problem(message, file=self.name, row=row, column=column, **params))

    @property
    def is_full(self) -> bool:
        return len(self.problems) >= self.max_problems

    def chunks(self) -> Iterator[ParsedTable]:
        yield from self._parse(self._first)
        for frame in self._chunks:
            if self.is_full:
                break
            yield from self._parse(frame)

    def _parse(self, frame: pd.DataFrame) -> Iterator[ParsedTable]:
        lay = self.layout
        before = len(self.problems)
        codes = frame[lay.code_col]
        rows: list[int] = [int(r) for r in frame.index]
        code_list: list[str] = [str(c) for c in codes.tolist()]
        for row, code in zip(rows, code_list, strict=True):
            if not code:
                self._problem(gettext_noop("the area code is empty"), row, lay.code_col)
            elif not is_cbs_code(code):
                self._problem(
                    gettext_noop(
                        '"{code}" is not a CBS area code (NL00, or GM, WK or BU and digits)'
                    ),
                    row,
                    lay.code_col,
                    code=code,
                )
        if lay.level_col:
            labels = frame[lay.level_col].tolist()
            for row, code, label in zip(rows, code_list, labels, strict=True):
                level = SOORT_REGIO.get(str(label).lower())
                if level is None:
                    self._problem(
                        gettext_noop(
                            '"{label}" is not a known SoortRegio (expected Land, Gemeente, Wijk '
                            "or Buurt)"
                        ),
                        row,
                        lay.level_col,
                        label=label,
                    )
                elif is_cbs_code(code) and level_of(code) is not level:
                    self._problem(
                        gettext_noop('SoortRegio "{label}" does not match the code {code}'),
                        row,
                        lay.level_col,
                        label=label,
                        code=code,
                    )
        if lay.period_col:
            raw_periods = frame[lay.period_col].tolist()
            for row, label in zip(rows, raw_periods, strict=True):
                if label not in self._periods:
                    try:
                        self._periods[label] = str(parse_period(label))
                    except ValueError as exc:
                        self._periods[label] = None
                        params = exc.params if isinstance(exc, Refusal) else {}
                        template = exc.template if isinstance(exc, Refusal) else str(exc)
                        self._problem(template, row, lay.period_col, **params)
            period_series = pd.Series([self._periods[p] for p in raw_periods], index=frame.index)
        else:
            period_series = pd.Series(str(self.year), index=frame.index)
        # Duplicate rows: the same area, period and dimension values twice, across chunks too.
        dims = [frame[d].tolist() for d in lay.dimension_cols]
        for i, (row, code) in enumerate(zip(rows, code_list, strict=True)):
            key = (code, str(period_series.iat[i]), *(str(d[i]) for d in dims))
            first = self._seen.setdefault(key, row)
            if first != row:
                self._problem(
                    gettext_noop("area {code} appears twice (also in row {first})"),
                    row,
                    lay.code_col,
                    code=code,
                    first=first,
                )
        values = self._numbers(frame)
        if len(self.problems) > before or self.problems:
            return
        areas = pd.DataFrame(
            {
                "code": code_list,
                "name": frame[lay.name_col].tolist() if lay.name_col else code_list,
                "level": [level_of(c).value for c in code_list],
                "change_indicator": frame[lay.change_col].tolist() if lay.change_col else "",
            }
        ).drop_duplicates("code")
        observations, new_indicators = _long_rows(
            frame,
            values,
            lay.mapping,
            codes,
            period_series,
            lay.dimension_cols,
            self.metadata,
            self._totals,
        )
        self.new_indicators.update(new_indicators)
        yield ParsedTable(
            areas=areas,
            observations=observations,
            new_indicators=new_indicators,
            columns_mapped={m.column: m.key for m in lay.mapping},
        )

    def _numbers(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Each measure column as float64 (NaN for an empty cell or CBS's "."), bad cells
        reported. All columns are converted in one call (a call per column costs more than the
        conversion); only a column holding a cell that is no number is looked at on its own,
        to read it with a decimal comma where CBS wrote one."""
        cols = self.layout.measure_cols
        cells = frame[cols].to_numpy(dtype=object)
        n = len(frame)
        flat = cells.ravel(order="F")  # column after column
        numbers = (
            pd.to_numeric(pd.Series(flat, dtype=object), errors="coerce")
            .to_numpy(dtype="float64")
            .reshape((n, len(cols)), order="F")
            .copy()
        )
        empty = (cells == "") | (cells == ".")
        values: dict[str, np.ndarray] = {}
        for j in np.flatnonzero((np.isnan(numbers) & ~empty).any(axis=0)).tolist():
            column = cols[j]
            raw = frame[column]
            cleaned = raw.replace({"": None, ".": None})
            converted = pd.to_numeric(
                cleaned.str.replace(",", ".", regex=False) if _decimal_comma(raw) else cleaned,
                errors="coerce",
            )
            bad = converted.isna() & cleaned.notna()
            for row in raw.index[bad][: self.max_problems]:
                self._problem(
                    gettext_noop('"{text}" is not a number'), int(row), column, text=raw[row]
                )
            numbers[:, j] = converted.to_numpy(dtype="float64")
        numbers[empty] = np.nan
        for j, column in enumerate(cols):
            values[column] = numbers[:, j]
        return values


def parse_cbs_table(
    path: Path,
    *,
    catalogue: list[Entry],
    year: int | None = None,
    metadata: Mapping[str, ColumnMeta] | None = None,
    display_name: str | None = None,
    max_problems: int = 50,
) -> ParsedTable:
    """The whole table as one ``ParsedTable``; raises ``InputError`` with every problem found."""
    reader = CbsReader(
        path,
        catalogue=catalogue,
        year=year,
        metadata=metadata,
        display_name=display_name,
        max_problems=max_problems,
        chunk_rows=100_000,
    )
    parts = list(reader.chunks())
    if reader.problems:
        raise InputError(reader.problems)
    return ParsedTable(
        areas=pd.concat([p.areas for p in parts]).drop_duplicates("code"),
        observations=pd.concat([p.observations for p in parts], ignore_index=True),
        new_indicators=reader.new_indicators,
        columns_mapped=parts[0].columns_mapped if parts else {},
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
    values: dict[str, np.ndarray],
    mapping: list[Mapping_],
    codes: pd.Series,
    periods: pd.Series,
    dimension_cols: list[str],
    metadata: Mapping[str, ColumnMeta] | None,
    totals: dict[str, str],
) -> tuple[pd.DataFrame, dict[str, dict[str, object]]]:
    other_dims = [d for d in dimension_cols if d != MARGINS]
    if not other_dims and MARGINS not in frame.columns:
        return _plain_long_rows(values, mapping, codes, periods, metadata)
    # A category of another dimension (Financieringsvorm = PGB) makes its own indicator; the
    # total category ("Totaal", "Totaal woningen", …) keeps the plain key.
    suffix = pd.Series("", index=frame.index)
    labels = pd.Series("", index=frame.index)
    for dim in other_dims:
        cat = frame[dim]
        # CBS lists a dimension's total first ("Totaal", "Totaal woningen", "Totaal alle
        # jeugdzorg in natura"); a later "Totaal jeugdhulp in natura" is a category of its own.
        if dim not in totals:
            first_total = next((c for c in cat.unique() if c.lower().startswith("totaal")), None)
            if first_total is not None:
                totals[dim] = first_total  # decided once per table, not per chunk
        is_total = (cat == totals[dim]) if dim in totals else (cat == "")
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
                "value": values[m.column],
                "kind": kind,
                "label": pd.Categorical(labels.values),
            }
        )
        parts.append(part)
        for key, label in part[["key", "label"]].drop_duplicates().itertuples(index=False):
            if m.entry is not None and key == m.key:
                continue
            new_indicators[key] = _new_indicator(m, key, label, metadata)
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


def _new_indicator(
    m: Mapping_, key: str, label: str, metadata: Mapping[str, ColumnMeta] | None
) -> dict[str, object]:
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
    return base


def _plain_long_rows(
    values: dict[str, np.ndarray],
    mapping: list[Mapping_],
    codes: pd.Series,
    periods: pd.Series,
    metadata: Mapping[str, ColumnMeta] | None,
) -> tuple[pd.DataFrame, dict[str, dict[str, object]]]:
    """The long rows of a table with no dimension but the area and period (the KWB): one
    block of rows per measure column, built from arrays at once rather than a frame per column
    (the same rows, in the same order, as the general path)."""
    n, m_count = len(codes), len(mapping)
    code_ids, code_names = pd.factorize(codes, sort=False)
    period_ids, period_names = pd.factorize(periods.astype(str), sort=False)
    block = np.repeat(np.arange(m_count), n)
    keys = [m.key for m in mapping]
    key_cats, key_ids = np.unique(np.array(keys, dtype=object), return_inverse=True)

    def categorical(ids: np.ndarray, names: Sequence[str]) -> pd.Categorical[str]:
        # The stubs type the result by its codes (int), not by its categories (str).
        return pd.Categorical.from_codes(ids, dtype=pd.CategoricalDtype(list(names)))  # type: ignore[return-value]

    long = pd.DataFrame(
        {
            "code": categorical(np.tile(code_ids, m_count), [str(c) for c in code_names]),
            "key": categorical(key_ids[block], [str(k) for k in key_cats]),
            "source_key": categorical(block, [m.column for m in mapping]),
            "period": categorical(np.tile(period_ids, m_count), [str(p) for p in period_names]),
            "value": np.concatenate([values[m.column] for m in mapping])
            if mapping
            else np.array([], dtype="float64"),
            "margin_lower": np.nan,
            "margin_upper": np.nan,
        }
    )
    new_indicators = {
        m.key: _new_indicator(m, m.key, "", metadata) for m in mapping if m.entry is None
    }
    return long, new_indicators


__all__ = ["ParsedTable", "parse_cbs_table", "snake_key", "AreaLevel"]
