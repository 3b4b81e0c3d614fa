"""How stable is a ranking? Monte-Carlo over the weights, and leaving one indicator out.

The seeds warn of a weighting nobody can explain that decides the outcome by itself (the Venray
example in the Oss report); issue 6 asks to show each area's rank with whiskers. Every method
orders areas by a weighted sum of per-domain "need" (``AnalysisResult.need``), so new weights
only need one matrix product: weights are drawn from a Dirichlet distribution centred on the
chosen weights (mean = chosen weights; ``concentration`` sets how tightly, larger = closer), as
in the uncertainty analysis of the OECD/JRC Handbook on Constructing Composite Indicators (2008),
step 7.

Ranks here are always ordinal, 1 = most in need, ties to the smaller area id — also for
``svi``, whose own ``rank`` column is a percentile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gebiedskompas.analysis.domain.methods.common import (
    FloatArray,
    id_order_of,
    ordinal_rank_desc,
    ordinal_rank_desc_columns,
)
from gebiedskompas.analysis.domain.model import AnalysisInput, AnalysisResult, Method
from gebiedskompas.core.errors import KompasError, gettext_noop


@dataclass(frozen=True)
class WeightSensitivity:
    """Per area (index): ``base_rank`` (chosen weights), ``rank_p05`` and ``rank_p95`` (5th and
    95th percentile of the drawn ranks), ``rank_low``/``rank_high`` (that interval widened to
    include ``base_rank``, so a whisker always spans its dot) and ``p_top_k`` (share of draws
    with rank ≤ ``top_k``), plus the settings that reproduce it."""

    table: pd.DataFrame
    weights: Mapping[str, float]
    draws: int
    concentration: float
    top_k: int
    seed: int


def ordinal_ranks(result: AnalysisResult, weights: Mapping[str, float] | None = None) -> pd.Series:
    """Ordinal rank per area (1 = most in need) under the result's or the given weights."""
    w = _weight_vector(result, weights)
    need = result.need.to_numpy(dtype=np.float64) @ w
    ranks = ordinal_rank_desc(need, id_order_of(result.need.index))
    return pd.Series(ranks, index=result.need.index, name="rank")


def _weight_vector(result: AnalysisResult, weights: Mapping[str, float] | None) -> FloatArray:
    source = result.weights if weights is None else weights
    return np.asarray([float(source[str(d)]) for d in result.need.columns], dtype=np.float64)


def weight_sensitivity(
    result: AnalysisResult,
    *,
    draws: int = 1000,
    concentration: float = 50.0,
    top_k: int = 10,
    seed: int = 0,
) -> WeightSensitivity:
    """Draw ``draws`` weight vectors around the result's weights and rank the areas each time.

    Domains with weight 0 keep weight 0. Same ``seed`` → same table. Raises KompasError for
    ``draws`` < 1, ``concentration`` ≤ 0 or ``top_k`` < 1.
    """
    if draws < 1:
        raise KompasError(
            gettext_noop("sensitivity: the number of draws must be at least 1, not {draws}"),
            draws=draws,
        )
    if not concentration > 0:
        raise KompasError(
            gettext_noop("sensitivity: concentration must be above 0, not {concentration}"),
            concentration=concentration,
        )
    if top_k < 1:
        raise KompasError(
            gettext_noop("sensitivity: top k must be at least 1, not {top_k}"), top_k=top_k
        )
    need = result.need.to_numpy(dtype=np.float64)
    w = _weight_vector(result, None)
    w = w / w.sum()
    id_order = id_order_of(result.need.index)
    base = ordinal_rank_desc(need @ w, id_order)
    rng = np.random.default_rng(seed)
    positive = w > 0
    drawn = np.zeros((len(w), draws), dtype=np.float64)
    if positive.sum() > 1:
        drawn[positive] = rng.dirichlet(concentration * w[positive], size=draws).T
    else:
        drawn[positive] = 1.0
    n = need.shape[0]
    ranks = np.empty((n, draws), dtype=np.int32)
    chunk = max(1, 4_000_000 // max(n, 1))
    for start in range(0, draws, chunk):
        stop = min(draws, start + chunk)
        ranks[:, start:stop] = ordinal_rank_desc_columns(need @ drawn[:, start:stop], id_order)
    p05, p95 = np.percentile(ranks, [5, 95], axis=1, method="inverted_cdf")
    table = pd.DataFrame(
        {
            "base_rank": base,
            "rank_p05": p05.astype(np.int64),
            "rank_p95": p95.astype(np.int64),
            "rank_low": np.minimum(p05, base).astype(np.int64),
            "rank_high": np.maximum(p95, base).astype(np.int64),
            "p_top_k": (ranks <= top_k).mean(axis=1),
        },
        index=result.need.index,
    )
    return WeightSensitivity(
        table=table,
        weights={str(d): float(x) for d, x in zip(result.need.columns, w, strict=True)},
        draws=draws,
        concentration=concentration,
        top_k=top_k,
        seed=seed,
    )


def leave_one_indicator_out(method: Method, inp: AnalysisInput) -> pd.DataFrame:
    """Rerun ``method`` once without each scored indicator and compare the ranks.

    Returns per area (index): ``base_rank``, one column ``without:<column>`` per scored
    indicator (ordinal rank in that run; NaN where the missing-value policy dropped the area),
    ``rank_min``, ``rank_max`` and ``max_shift`` (largest absolute change from ``base_rank``).
    A domain left without indicators is dropped; the other domains keep the weights the base
    run used. Raises KompasError when only one scored indicator is given.
    """
    base = method.run(inp)
    columns = list(dict.fromkeys(i.column for d in inp.domains for i in d.scored))
    if len(columns) < 2:
        raise KompasError(
            gettext_noop("sensitivity: leaving one indicator out needs at least two indicators")
        )
    out = pd.DataFrame({"base_rank": ordinal_ranks(base)})
    for col in columns:
        reduced = inp.without_indicator(col)
        kept = {d.name: base.weights[d.name] for d in reduced.domains}
        rerun = method.run(reduced.with_weights(kept))
        out[f"without:{col}"] = ordinal_ranks(rerun).reindex(out.index).astype(float)
    runs = out[[c for c in out.columns if c.startswith("without:")]]
    out["rank_min"] = runs.min(axis=1)
    out["rank_max"] = runs.max(axis=1)
    out["max_shift"] = runs.sub(out["base_rank"], axis=0).abs().max(axis=1)
    return out
