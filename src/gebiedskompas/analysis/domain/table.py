"""``kompas analyse table FILE.csv --config CONFIG.toml``: any method on any table.

The config (TOML, issue 6)::

    method = "svi"             # baseline | zscore | imd | svi
    id = "FIPS"                # the id column
    missing = "exclude"        # optional: exclude | impute_median
    separator = ","            # optional: the CSV field separator
    decimal = "."              # optional: the decimal mark
    missing_values = ["", "NA"]  # optional: cell texts that mean "no value"
    reference_areas = ["..."]  # optional: ids of the reference rows
    [parameters]               # optional: method parameters, see each method module
    [reference_values]         # optional, baseline: column = value scoring 100
    [[domains]]
    name = "theme1"
    weight = 1.0               # optional; all domains or none
    indicators = [ { column = "EP_POV150", direction = "higher_is_worse" } ]

Output columns: the id column, ``<domain>_score`` and ``<domain>_rank`` per domain, ``score``,
``rank`` and, for ``svi``, ``flags`` (see :class:`~gebiedskompas.analysis.domain.model.
AnalysisResult`). Errors name the file, the row as a spreadsheet shows it (header = row 1), the
column and the value; all bad cells are reported at once (up to InputError.MAX_REPORTED).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gebiedskompas.analysis.domain.methods import METHODS
from gebiedskompas.analysis.domain.methods.common import FloatArray
from gebiedskompas.analysis.domain.model import (
    AnalysisInput,
    Direction,
    DomainSpec,
    IndicatorSpec,
    MissingPolicy,
    ParamValue,
)
from gebiedskompas.core.errors import InputError, KompasError, Problem, gettext_noop

DEFAULT_MISSING_VALUES = ("", "NA", "NaN", "nan")


def analyse_table(csv_path: str | Path, config_path: str | Path) -> pd.DataFrame:
    """Run the configured method on the CSV; return one row per area in file order.

    Raises KompasError (or InputError listing every bad cell) for an unreadable or empty file,
    bad TOML, an unknown method, direction or missing policy, a missing column, a non-numeric
    cell or a duplicated id.
    """
    config_path = Path(config_path)
    csv_path = Path(csv_path)
    config = _read_config(config_path)
    cfg_name = config_path.name
    method_key = _require_str(config, "method", cfg_name)
    if method_key not in METHODS:
        raise KompasError(
            gettext_noop('unknown method "{method_key}"; expected one of {join_sorted_methods}'),
            file=cfg_name,
            value=method_key,
            method_key=method_key,
            join_sorted_methods=", ".join(sorted(METHODS)),
        )
    id_column = _require_str(config, "id", cfg_name)
    missing_text = config.get("missing", MissingPolicy.EXCLUDE.value)
    try:
        missing = MissingPolicy(missing_text)
    except ValueError:
        raise KompasError(
            gettext_noop(
                'unknown missing-value policy "{missing_text}"; expected exclude or impute_median'
            ),
            file=cfg_name,
            value=missing_text,
            missing_text=missing_text,
        ) from None
    domains = _read_domains(config, cfg_name)
    separator = str(config.get("separator", ","))
    decimal = str(config.get("decimal", "."))
    na_texts = config.get("missing_values", list(DEFAULT_MISSING_VALUES))
    if not isinstance(na_texts, list) or not all(isinstance(v, str) for v in na_texts):
        raise KompasError(gettext_noop("missing_values must be a list of texts"), file=cfg_name)
    columns = list(dict.fromkeys(i.column for d in domains for i in d.indicators))
    table = _read_csv(csv_path, id_column, columns, separator, decimal, set(na_texts))
    parameters = _read_parameters(config, cfg_name)
    reference_values = _read_reference_values(config, cfg_name)
    reference_areas = config.get("reference_areas")
    if reference_areas is not None:
        if not isinstance(reference_areas, list):
            raise KompasError(gettext_noop("reference_areas must be a list of ids"), file=cfg_name)
        reference_areas = tuple(str(a) for a in reference_areas)
    inp = AnalysisInput(
        table=table,
        domains=domains,
        reference_areas=reference_areas,
        reference_values=reference_values,
        missing=missing,
        parameters=parameters,
    )
    try:
        result = METHODS[method_key].run(inp)
    except InputError:
        raise
    except KompasError as error:
        raise KompasError(
            error.problem.template,
            file=csv_path.name,
            column=error.problem.column,
            value=error.problem.value,
            **error.problem.params,
        ) from error
    wanted = [f"{d.name}_{part}" for d in domains for part in ("score", "rank")]
    wanted += ["score", "rank"] + (["flags"] if "flags" in result.scores.columns else [])
    out = result.scores[wanted].copy()
    out.index.name = id_column
    return out.reset_index()


def _read_config(path: Path) -> dict[str, Any]:  # Any: TOML values are heterogeneous
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise KompasError(
            gettext_noop("cannot read the config: {strerror}"),
            file=path.name,
            strerror=error.strerror,
        ) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise KompasError(gettext_noop("the config is not UTF-8 text"), file=path.name) from None
    except tomllib.TOMLDecodeError as error:
        raise KompasError(
            gettext_noop("not valid TOML: {error}"), file=path.name, error=error
        ) from None


def _require_str(config: Mapping[str, Any], key: str, file: str) -> str:
    value = config.get(key)
    if value is None:
        raise KompasError(gettext_noop('the config lacks "{key}"'), file=file, key=key)
    if not isinstance(value, str) or not value:
        raise KompasError(
            gettext_noop('"{key}" must be a non-empty text, not {text!r}'),
            file=file,
            key=key,
            text=value,
        )
    return value


def _read_domains(config: Mapping[str, Any], file: str) -> tuple[DomainSpec, ...]:
    raw = config.get("domains")
    if not isinstance(raw, list) or not raw:
        raise KompasError(
            gettext_noop(
                "the config needs at least one [[domains]] table with name and indicators"
            ),
            file=file,
        )
    domains = []
    allowed = ", ".join(d.value for d in Direction)
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise KompasError(gettext_noop("domain {n} must be a table"), file=file, n=n)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise KompasError(gettext_noop("domain {n} needs a name"), file=file, n=n)
        weight = item.get("weight")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int | float)):
            raise KompasError(
                gettext_noop("domain {name!r}: weight must be a number, not {weight!r}"),
                file=file,
                value=weight,
                name=name,
                weight=weight,
            )
        indicators = item.get("indicators")
        if not isinstance(indicators, list) or not indicators:
            raise KompasError(
                gettext_noop("domain {name!r} needs a list of indicators"), file=file, name=name
            )
        specs = []
        for ind in indicators:
            column = ind.get("column") if isinstance(ind, dict) else None
            if not isinstance(column, str) or not column:
                raise KompasError(
                    gettext_noop("domain {name!r}: every indicator needs a column"),
                    file=file,
                    name=name,
                )
            direction = ind.get("direction")
            try:
                specs.append(IndicatorSpec(column, Direction(direction)))
            except ValueError:
                raise KompasError(
                    gettext_noop(
                        "domain {name!r}, indicator {column}: unknown "
                        'direction "{direction}"; expected '
                        "one of {allowed}"
                    ),
                    file=file,
                    column=column,
                    value=direction,
                    name=name,
                    direction=direction,
                    allowed=allowed,
                ) from None
        domains.append(DomainSpec(name, None if weight is None else float(weight), tuple(specs)))
    return tuple(domains)


def _read_parameters(config: Mapping[str, Any], file: str) -> dict[str, ParamValue]:
    raw = config.get("parameters", {})
    if not isinstance(raw, dict):
        raise KompasError(gettext_noop("[parameters] must be a table"), file=file)
    params: dict[str, ParamValue] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            params[key] = tuple(float(v) for v in value)
        elif isinstance(value, bool | int | float | str):
            params[key] = value
        else:
            raise KompasError(
                gettext_noop("parameter {key!r} has an unsupported value {text!r}"),
                file=file,
                key=key,
                text=value,
            )
    return params


def _read_reference_values(config: Mapping[str, Any], file: str) -> dict[str, float] | None:
    raw = config.get("reference_values")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise KompasError(
            gettext_noop("[reference_values] must be a table of column = number"), file=file
        )
    out = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise KompasError(
                gettext_noop("reference value of {key!r} must be a number, not {text!r}"),
                file=file,
                key=key,
                text=value,
            )
        out[str(key)] = float(value)
    return out


def _read_csv(
    path: Path,
    id_column: str,
    columns: list[str],
    separator: str,
    decimal: str,
    na_texts: set[str],
) -> pd.DataFrame:
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as error:
        raise KompasError(
            gettext_noop("cannot read the file: {strerror}"), file=name, strerror=error.strerror
        ) from None
    if size == 0:
        raise KompasError(
            gettext_noop("the file is empty; expected a header row and data rows"), file=name
        )
    try:
        raw = pd.read_csv(
            path, sep=separator, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except pd.errors.EmptyDataError:
        raise KompasError(
            gettext_noop("the file is empty; expected a header row and data rows"), file=name
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise KompasError(
            gettext_noop("cannot read as CSV: {error}"), file=name, error=error
        ) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    header = list(raw.columns)
    problems: list[Problem] = []
    for col in [id_column, *columns]:
        if col not in header:
            problems.append(
                Problem(
                    gettext_noop("column {col!r} is not in the header (found: {join_header})"),
                    file=name,
                    row=1,
                    column=col,
                    col=col,
                    join_header=", ".join(header),
                )
            )
    if problems:
        raise InputError(problems)
    if raw.empty:
        raise KompasError(gettext_noop("the file has a header but no data rows"), file=name, row=2)
    ids = raw[id_column].str.strip()
    for pos in np.flatnonzero((ids == "").to_numpy()):
        problems.append(
            Problem(gettext_noop("the id is empty"), file=name, row=int(pos) + 2, column=id_column)
        )
    for pos in np.flatnonzero(ids.duplicated().to_numpy()):
        first = int(np.flatnonzero((ids == ids.iloc[pos]).to_numpy())[0]) + 2
        problems.append(
            Problem(
                gettext_noop('id "{id}" occurs again (first in row {first})'),
                file=name,
                row=int(pos) + 2,
                column=id_column,
                value=ids.iloc[pos],
                id=ids.iloc[pos],
                first=first,
            )
        )
    data: dict[str, FloatArray] = {}
    for col in columns:
        text = raw[col].str.strip()
        is_na = text.isin(na_texts)
        normalised = text.str.replace(decimal, ".", regex=False) if decimal != "." else text
        numbers = pd.to_numeric(normalised.where(~is_na), errors="coerce")
        bad = numbers.isna() & ~is_na
        bad |= np.isinf(numbers.fillna(0.0))
        for pos in np.flatnonzero(bad.to_numpy()):
            value = raw[col].iloc[pos]
            problems.append(
                Problem(
                    gettext_noop('"{value}" is not a number'),
                    file=name,
                    row=int(pos) + 2,
                    column=col,
                    value=value,
                )
            )
        data[col] = numbers.to_numpy(dtype=np.float64)
    if problems:
        problems.sort(key=lambda p: (p.row or 0, header.index(p.column) if p.column else 0))
        raise InputError(problems)
    return pd.DataFrame(data, index=pd.Index(ids, name=id_column))
