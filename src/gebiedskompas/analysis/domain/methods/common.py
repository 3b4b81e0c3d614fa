"""What every method shares: input checks, the missing-value policy, weights and ranking.

Methods work on numpy arrays internally (one float matrix, areas × scored indicators) and build
their DataFrames once at the end, so a run over 14.5k areas stays within a small factor of a
bare numpy computation.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from gebiedskompas.analysis.domain.model import (
    AnalysisInput,
    AnalysisResult,
    Direction,
    DomainSpec,
    MissingPolicy,
    ParamValue,
)
from gebiedskompas.core.errors import KompasError, gettext_noop


def rank_columns(values: npt.ArrayLike, method: str) -> npt.NDArray[np.float64]:
    """``scipy.stats.rankdata(values, method=method, axis=0)``, with scipy.stats imported on
    first use: importing it takes most of a second, and every `kompas` command would pay that
    because the CLI lists the method keys."""
    from scipy.stats import rankdata

    return np.asarray(rankdata(values, method=method, axis=0), dtype=np.float64)


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Prepared:
    """The checked input of one run.

    ``values``: areas × scored indicators (columns in domain order, each column once per use),
    no NaN left. ``columns``: the column name of each matrix column. ``domain_slices``: per
    domain the matrix columns it owns. ``signs``: +1 where higher is worse, -1 where higher is
    better. ``reference``: boolean mask of the reference rows. ``id_order``: each area's position
    in sorted id order, used to break ties so ranks do not depend on row order.
    """

    index: pd.Index
    values: FloatArray
    columns: tuple[str, ...]
    domains: tuple[DomainSpec, ...]
    domain_slices: tuple[slice, ...]
    signs: FloatArray
    reference: npt.NDArray[np.bool_]
    id_order: IntArray
    affected: tuple[Hashable, ...]
    neutral: pd.DataFrame


def prepare(inp: AnalysisInput, *, method: str) -> Prepared:
    """Check the input and apply the missing-value policy; raise KompasError with the cause."""
    table = inp.table
    if not inp.domains:
        raise KompasError(
            gettext_noop("{method}: no domains given; name at least one domain with indicators"),
            method=method,
        )
    names = [d.name for d in inp.domains]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise KompasError(
            gettext_noop("{method}: domain {duplicates_0!r} is named twice"),
            method=method,
            duplicates_0=duplicates[0],
        )
    if not table.index.is_unique:
        dup = table.index[table.index.duplicated()][0]
        raise KompasError(
            gettext_noop("{method}: area id {dup!r} occurs more than once"),
            value=dup,
            method=method,
            dup=dup,
        )
    columns: list[str] = []
    signs: list[float] = []
    slices: list[slice] = []
    neutral_cols: list[str] = []
    for d in inp.domains:
        if not d.scored:
            raise KompasError(
                gettext_noop(
                    "{method}: domain {name!r} has no indicator with a direction (higher_is_better "
                    "or higher_is_worse) to score"
                ),
                method=method,
                name=d.name,
            )
        start = len(columns)
        for ind in d.indicators:
            if ind.column not in table.columns:
                raise KompasError(
                    gettext_noop(
                        "{method}: column {column!r} of domain {name!r} is not in the table"
                    ),
                    column=ind.column,
                    method=method,
                    name=d.name,
                )
            if not ind.is_scored:
                neutral_cols.append(ind.column)
                continue
            columns.append(ind.column)
            signs.append(1.0 if ind.direction is Direction.HIGHER_IS_WORSE else -1.0)
        slices.append(slice(start, len(columns)))
    for col in dict.fromkeys(columns + neutral_cols):
        if not pd.api.types.is_numeric_dtype(table[col]):
            raise KompasError(
                gettext_noop("{method}: column {col!r} is not numeric"),
                column=col,
                method=method,
                col=col,
            )
    if len(table) == 0:
        raise KompasError(gettext_noop("{method}: the table has no areas"), method=method)

    values = table[columns].to_numpy(dtype=np.float64, copy=True)
    if inp.reference_areas is None:
        reference = np.ones(len(table), dtype=np.bool_)
    else:
        missing_refs = [a for a in inp.reference_areas if a not in table.index]
        if missing_refs:
            raise KompasError(
                gettext_noop("{method}: reference area {missing_refs_0!r} is not in the table"),
                value=missing_refs[0],
                method=method,
                missing_refs_0=missing_refs[0],
            )
        reference = np.asarray(table.index.isin(list(inp.reference_areas)), dtype=np.bool_)

    index = table.index
    neutral = table[list(dict.fromkeys(neutral_cols))].astype(float)
    affected: tuple[Hashable, ...] = ()
    gaps = np.isnan(values)
    if gaps.any():
        rows = gaps.any(axis=1)
        affected = tuple(index[rows])
        if inp.missing is MissingPolicy.EXCLUDE:
            keep = ~rows
            values = values[keep]
            reference = reference[keep]
            index = index[keep]
            neutral = neutral.loc[keep]
        else:
            ref_values = values[reference]
            with np.errstate(all="ignore"):
                counts = (~np.isnan(ref_values)).sum(axis=0)
            for j in np.flatnonzero(gaps.any(axis=0)):
                if counts[j] == 0:
                    raise KompasError(
                        gettext_noop(
                            "{method}: column {columns_j!r} has no value in "
                            "any reference area, so there is "
                            "no median to impute"
                        ),
                        column=columns[j],
                        method=method,
                        columns_j=columns[j],
                    )
                median = float(np.nanmedian(ref_values[:, j]))
                values[gaps[:, j], j] = median
    if len(index) == 0:
        raise KompasError(
            gettext_noop(
                "{method}: no area is left after excluding areas with missing values "
                '({n_affected} excluded); use missing = "impute_median" or fill the gaps'
            ),
            method=method,
            n_affected=len(affected),
        )
    if not reference.any():
        raise KompasError(
            gettext_noop("{method}: no reference area is left to compare with"), method=method
        )
    return Prepared(
        index=index,
        values=values,
        columns=tuple(columns),
        domains=inp.domains,
        domain_slices=tuple(slices),
        signs=np.asarray(signs, dtype=np.float64),
        reference=reference,
        id_order=id_order_of(index),
        affected=affected,
        neutral=neutral,
    )


def id_order_of(index: pd.Index) -> IntArray:
    """Each area's position in sorted id order (the tie-break that keeps ranks order-free)."""
    if index.is_monotonic_increasing:  # the usual case (sorted area codes): no sort needed
        return np.arange(len(index), dtype=np.int64)
    try:
        order = np.argsort(np.asarray(index), kind="stable")
    except TypeError:  # mixed id types: compare as text
        order = np.argsort(np.asarray(index.astype(str)), kind="stable")
    positions = np.empty(len(index), dtype=np.int64)
    positions[order] = np.arange(len(index), dtype=np.int64)
    return positions


def resolve_weights(
    domains: Sequence[DomainSpec], default: Sequence[float] | None, *, method: str
) -> tuple[FloatArray, bool]:
    """Domain weights as floats and whether they were given (True) or are the default.

    All weights given, or none (then ``default``, or equal weights). Negative weights, a mix of
    given and missing weights, or all zero raise KompasError.
    """
    given = [d.weight for d in domains]
    if all(w is None for w in given):
        if default is not None:
            return np.asarray(default, dtype=np.float64), False
        return np.full(len(domains), 1.0 / len(domains)), False
    missing = [d.name for d in domains if d.weight is None]
    if missing:
        raise KompasError(
            gettext_noop(
                "{method}: domain {missing_0!r} has no weight while others have one; give every "
                "domain a weight or none"
            ),
            method=method,
            missing_0=missing[0],
        )
    weights = np.asarray([float(w) for w in given if w is not None], dtype=np.float64)
    bad = [d.name for d, w in zip(domains, weights, strict=True) if not np.isfinite(w) or w < 0]
    if bad:
        raise KompasError(
            gettext_noop("{method}: the weight of domain {bad_0!r} must be 0 or more"),
            method=method,
            bad_0=bad[0],
        )
    if weights.sum() <= 0:
        raise KompasError(
            gettext_noop("{method}: at least one domain weight must be above 0"), method=method
        )
    return weights, True


def ordinal_rank_desc(values: FloatArray, id_order: IntArray) -> IntArray:
    """Rank 1 for the largest value; ties go to the smaller area id, so the ranks are a
    permutation of 1..n that does not depend on the order of the input rows."""
    order = np.lexsort((id_order, -values))
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(1, len(values) + 1, dtype=np.int64)
    return ranks


def ordinal_rank_desc_columns(values: FloatArray, id_order: IntArray) -> IntArray:
    """:func:`ordinal_rank_desc` for every column of a 2-D array at once."""
    n = values.shape[0]
    identity = bool(np.array_equal(id_order, np.arange(n)))
    by_id = np.arange(n) if identity else np.argsort(id_order, kind="stable")
    sorted_vals = values if identity else values[by_id]
    order = np.argsort(-sorted_vals, axis=0, kind="stable")
    ranks = np.empty(values.shape, dtype=np.int64)
    cols = np.arange(values.shape[1])
    ranks_sorted = np.empty_like(ranks)
    ranks_sorted[order, cols[np.newaxis, :]] = np.arange(1, n + 1, dtype=np.int64)[:, np.newaxis]
    ranks[by_id] = ranks_sorted
    return ranks


def domain_means(prep: Prepared, matrix: FloatArray) -> FloatArray:
    """Per domain the mean of its indicator columns: areas × domains."""
    out = np.empty((matrix.shape[0], len(prep.domain_slices)), dtype=np.float64)
    for k, sl in enumerate(prep.domain_slices):
        out[:, k] = matrix[:, sl].mean(axis=1)
    return out


def indicator_labels(prep: Prepared) -> list[str]:
    """Column labels for per-indicator frames: ``<domain>:<column>`` (a column may serve twice)."""
    labels: list[str] = []
    for d, sl in zip(prep.domains, prep.domain_slices, strict=True):
        labels.extend(f"{d.name}:{c}" for c in prep.columns[sl])
    return labels


def build_result(
    *,
    method: str,
    prep: Prepared,
    domain_scores: FloatArray,
    domain_ranks: IntArray | FloatArray,
    score: FloatArray,
    rank: IntArray | FloatArray,
    need: FloatArray,
    contributions: FloatArray,
    indicator_contributions: FloatArray | None,
    normalised: FloatArray,
    weights: FloatArray,
    parameters: Mapping[str, ParamValue],
    missing: MissingPolicy,
    bands: pd.DataFrame | None = None,
    flags: pd.DataFrame | None = None,
    extra_columns: Mapping[str, FloatArray | IntArray] | None = None,
) -> AnalysisResult:
    """Assemble the result frames from arrays (one place that fixes the column layout)."""
    names = [d.name for d in prep.domains]
    data: dict[str, FloatArray | IntArray] = {}
    for k, name in enumerate(names):
        data[f"{name}_score"] = domain_scores[:, k]
        data[f"{name}_rank"] = domain_ranks[:, k]
    data["score"] = score
    data["rank"] = rank
    if extra_columns:
        data.update(extra_columns)
    scores = pd.DataFrame(data, index=prep.index)
    labels = indicator_labels(prep)
    norm = pd.DataFrame(normalised, index=prep.index, columns=labels)
    if len(prep.neutral.columns):
        norm = pd.concat([norm, prep.neutral.add_prefix("neutral:")], axis=1)
    return AnalysisResult(
        method=method,
        scores=scores,
        need=pd.DataFrame(need, index=prep.index, columns=names),
        contributions=pd.DataFrame(contributions, index=prep.index, columns=names),
        indicator_contributions=(
            None
            if indicator_contributions is None
            else pd.DataFrame(indicator_contributions, index=prep.index, columns=labels)
        ),
        normalised=norm,
        weights={n: float(w) for n, w in zip(names, weights, strict=True)},
        parameters=dict(parameters),
        missing=missing,
        affected_areas=prep.affected,
        domains=prep.domains,
        bands=bands,
        flags=flags,
    )


def param_float(params: Mapping[str, ParamValue], key: str, default: float, method: str) -> float:
    """A numeric parameter, or KompasError naming it."""
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KompasError(
            gettext_noop("{method}: parameter {key!r} must be a number, not {text!r}"),
            method=method,
            key=key,
            text=value,
        )
    return float(value)


def param_str(
    params: Mapping[str, ParamValue], key: str, default: str, allowed: Sequence[str], method: str
) -> str:
    """A text parameter from a fixed set, or KompasError listing the allowed values."""
    value = params.get(key, default)
    if not isinstance(value, str) or value not in allowed:
        raise KompasError(
            gettext_noop("{method}: parameter {key!r} is {text!r}; expected one of {join_allowed}"),
            method=method,
            key=key,
            text=value,
            join_allowed=", ".join(allowed),
        )
    return value


def param_thresholds(
    params: Mapping[str, ParamValue], key: str, default: tuple[float, ...], method: str
) -> tuple[float, ...]:
    """An increasing tuple of numbers of the default's length, or KompasError."""
    value = params.get(key, default)
    if not isinstance(value, tuple | list) or len(value) != len(default):
        raise KompasError(
            gettext_noop(
                "{method}: parameter {key!r} must be {n_default} increasing numbers, not {text!r}"
            ),
            method=method,
            key=key,
            n_default=len(default),
            text=value,
        )
    numbers = tuple(float(v) for v in value)
    if any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)):
        raise KompasError(
            gettext_noop("{method}: parameter {key!r} must be increasing, not {text!r}"),
            method=method,
            key=key,
            text=value,
        )
    return numbers


def band_labels(
    values: FloatArray, edges: Sequence[float], labels: Sequence[str]
) -> pd.Categorical:
    """Label each value by the interval of ``edges`` it falls in (len(labels) = len(edges)+1).

    Intervals are closed on the side of the middle band: a value exactly on an edge belongs to
    the band nearer the centre, matching "90–110" including both 90 and 110. Returns an
    ordered categorical with ``labels`` as categories.
    """
    centre = len(labels) // 2
    edge_array = np.asarray(edges, dtype=np.float64)
    left = np.searchsorted(edge_array, values, side="left")  # value == edge → lower band
    right = np.searchsorted(edge_array, values, side="right")  # value == edge → upper band
    codes = np.where(right <= centre, right, np.where(left >= centre, left, centre))
    dtype = pd.CategoricalDtype(list(labels), ordered=True)
    return pd.Categorical.from_codes(codes.astype(np.int64), dtype=dtype)
