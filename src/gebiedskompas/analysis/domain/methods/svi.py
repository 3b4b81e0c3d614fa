"""``svi``: the CDC/ATSDR Social Vulnerability Index ranking method.

Published method: CDC/ATSDR SVI 2020 Documentation (ATSDR, 2022), section "Methods"; SVI 2000
documentation for the percentile-rank formula; research notes ``anchors-monitoring.md`` §5.2.
Per variable the percentile rank ``EPL = (rank − 1) / (N − 1)`` over all areas of the run,
tied values sharing the lowest rank (as Excel ``PERCENTRANK.INC`` does), **rounded** half up to
four decimals; variables where higher is better are ranked in descending order. Theme:
``SPL = Σ EPL`` of its variables (the four-decimal values), ``RPL = PR(SPL)``; overall:
``SPL_THEMES = Σ SPL`` (the "sum of the sums"), ``RPL_THEMES = PR(SPL_THEMES)``; a flag for
every variable with ``EPL ≥ 0.90``, counted per theme and in total. ADR 0002 records the tie and
rounding reading and how it was checked against the published SVI 2020 county file (every
published percentile rank lies on the rounded grid k/(N − 1), half of them off the truncated
one: ``tests/analysis/test_published.py``).

Parameters: ``precision`` (decimals of every percentile rank, default 4; -1 = exact fractions),
``rounding`` (``round``, the default and what CDC publishes, or ``truncate``, what Excel's
``PERCENTRANK.INC(…, significance)`` shows) and ``flag_threshold`` (default 0.90). Domain
weights, if given, weight the theme sums in ``SPL_THEMES`` (CDC: all equal, which is the
default). ``reference_areas`` play no part: the ranking is over all areas in the run. Output:
``<theme>_score`` = SPL, ``<theme>_rank`` = RPL, ``score`` = SPL_THEMES, ``rank`` = RPL_THEMES,
``flags`` = F_TOTAL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gebiedskompas.analysis.domain.methods.common import (
    FloatArray,
    IntArray,
    build_result,
    param_float,
    param_str,
    prepare,
    rank_columns,
    resolve_weights,
)
from gebiedskompas.analysis.domain.model import AnalysisInput, AnalysisResult, Method
from gebiedskompas.core.errors import KompasError, gettext_noop

KEY = "svi"


ROUNDINGS = ("round", "truncate")


def percent_rank_units(
    values: FloatArray | IntArray, scale: int, rounding: str = "round"
) -> IntArray:
    """Percentile rank per column in units of 1/scale: ``less / (N − 1)`` rounded half up
    (``rounding = "round"``) or truncated (``"truncate"``, Excel PERCENTRANK.INC).

    ``less`` counts the values strictly below (ties share the lowest rank). Integer arithmetic,
    so 0.2899999… never truncates to 0.2899 and x.5 units always round up. Needs N ≥ 2.
    """
    n = values.shape[0]
    less = rank_columns(values, method="min").astype(np.int64) - 1
    if rounding == "truncate":
        units: IntArray = (less * scale) // (n - 1)
    else:
        units = (2 * less * scale + (n - 1)) // (2 * (n - 1))
    return units


def percent_rank(values: FloatArray, precision: int, rounding: str = "round") -> FloatArray:
    """Percentile rank of each column as floats; ``precision`` < 0 means exact fractions."""
    n = values.shape[0]
    if precision < 0:
        less = np.asarray(rank_columns(values, method="min"), dtype=np.float64) - 1.0
        out: FloatArray = less / (n - 1)
        return out
    scale = 10**precision
    ranked: FloatArray = percent_rank_units(values, scale, rounding) / scale
    return ranked


def run(inp: AnalysisInput) -> AnalysisResult:
    """Percentile-rank variables, sum per theme, re-rank; flag variables at ≥ 0.90.

    Raises KompasError with fewer than two areas (a percentile rank needs N − 1 > 0).
    """
    params = inp.parameters
    precision = int(param_float(params, "precision", 4, KEY))
    rounding = param_str(params, "rounding", "round", ROUNDINGS, KEY)
    threshold = param_float(params, "flag_threshold", 0.90, KEY)
    prep = prepare(inp, method=KEY)
    n = prep.values.shape[0]
    if n < 2:
        raise KompasError(
            gettext_noop("{KEY}: a percentile rank needs at least two areas, got {n}"), KEY=KEY, n=n
        )
    # Higher-is-better variables are ranked descending: rank the negated values.
    oriented: FloatArray = np.asarray(prep.values * prep.signs, dtype=np.float64)
    weights, given = resolve_weights(prep.domains, None, method=KEY)
    w = weights / weights.sum() * len(weights) if given else np.ones(len(weights))
    equal = bool(np.all(w == w[0]))
    if precision >= 0:
        scale = 10**precision
        epl_units = percent_rank_units(oriented, scale, rounding)
        spl_units = np.column_stack([epl_units[:, sl].sum(axis=1) for sl in prep.domain_slices])
        # Integer sums keep ties exact; with unequal weights the sum is a float.
        total_units: FloatArray = np.asarray(
            spl_units.sum(axis=1) if equal else spl_units.astype(np.float64) @ w, dtype=np.float64
        )
        rpl = percent_rank_units(spl_units, scale, rounding) / scale
        rpl_total = (
            percent_rank_units(np.asarray(total_units).reshape(-1, 1), scale, rounding)[:, 0]
            / scale
        )
        epl = epl_units / scale
        spl = spl_units / scale
        total = np.asarray(total_units, dtype=np.float64) / scale
    else:
        epl = percent_rank(oriented, precision)
        spl = np.column_stack([epl[:, sl].sum(axis=1) for sl in prep.domain_slices])
        total = spl @ w
        rpl = percent_rank(spl, precision)
        rpl_total = percent_rank(total[:, np.newaxis], precision)[:, 0]
    flagged = epl >= threshold
    theme_flags = np.column_stack([flagged[:, sl].sum(axis=1) for sl in prep.domain_slices])
    flag_total = theme_flags.sum(axis=1)
    names = [d.name for d in prep.domains]
    flags = pd.DataFrame(theme_flags, index=prep.index, columns=names)
    flags["total"] = flag_total
    per_indicator = np.empty_like(epl)
    for k, sl in enumerate(prep.domain_slices):
        per_indicator[:, sl] = epl[:, sl] * w[k]
    return build_result(
        method=KEY,
        prep=prep,
        domain_scores=spl,
        domain_ranks=rpl,
        score=total,
        rank=rpl_total,
        need=spl,
        contributions=spl * w,
        indicator_contributions=per_indicator,
        normalised=epl,
        weights=w,
        parameters={"precision": precision, "rounding": rounding, "flag_threshold": threshold},
        missing=inp.missing,
        flags=flags,
        extra_columns={"flags": flag_total.astype(np.int64)},
    )


METHOD = Method(
    key=KEY,
    title="Social Vulnerability Index (CDC/ATSDR)",
    reference="CDC/ATSDR SVI 2020 Documentation, Methods; percentile ranks rounded to 4 decimals",
    run=run,
)
