"""``zscore``: standard scores against the reference areas, as Amsterdam's area monitors do.

Practice documented in the research notes (``anchors-monitoring.md`` §5.5, Amsterdam: "z-score
vs current city value, SD across wijken, 5 bands at ±0.5 and ±1 SD"). Each indicator is
standardised with the mean and standard deviation of the reference areas (default: all areas),
signed so that a positive z is worse; a domain is the mean of its indicators' z, the overall
score the weighted mean of the domains (weights normalised to sum 1; equal by default).

Parameters: ``ddof`` (default 1, the sample standard deviation) and ``bands`` (four increasing
numbers, default ``(-1, -0.5, 0.5, 1)``). Band labels, from good to bad: ``much_better``
(< −1), ``better`` (−1 to −0.5), ``average`` (−0.5 to 0.5, both included), ``worse``,
``much_worse`` (> 1). ``rank`` 1 = the highest overall z, the area most in need.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gebiedskompas.analysis.domain.methods.common import (
    band_labels,
    build_result,
    domain_means,
    ordinal_rank_desc_columns,
    param_float,
    param_thresholds,
    prepare,
    resolve_weights,
)
from gebiedskompas.analysis.domain.model import AnalysisInput, AnalysisResult, Method
from gebiedskompas.core.errors import KompasError, gettext_noop

KEY = "zscore"
DEFAULT_BANDS = (-1.0, -0.5, 0.5, 1.0)
BAND_LABELS = ("much_better", "better", "average", "worse", "much_worse")


def run(inp: AnalysisInput) -> AnalysisResult:
    """Standardise, orient (positive = worse), average per domain, weight; rank 1 = worst.

    Raises KompasError when a column has no spread among the reference areas (its z would be
    undefined) or fewer reference areas than ``ddof + 1``.
    """
    params = inp.parameters
    ddof = int(param_float(params, "ddof", 1, KEY))
    edges = param_thresholds(params, "bands", DEFAULT_BANDS, KEY)
    prep = prepare(inp, method=KEY)
    ref = prep.values[prep.reference]
    if ref.shape[0] <= ddof:
        raise KompasError(
            gettext_noop(
                "{KEY}: {n_rows} reference area(s) is too few for a standard deviation "
                "(ddof = {ddof})"
            ),
            KEY=KEY,
            n_rows=ref.shape[0],
            ddof=ddof,
        )
    mean = ref.mean(axis=0)
    sd = ref.std(axis=0, ddof=ddof)
    flat = np.flatnonzero(~(sd > 0))
    if flat.size:
        col = prep.columns[flat[0]]
        raise KompasError(
            gettext_noop(
                "{KEY}: column {col!r} has the same value in every reference area, so it cannot "
                "be standardised"
            ),
            column=col,
            KEY=KEY,
            col=col,
        )
    z = (prep.values - mean) * (prep.signs / sd)
    weights, _ = resolve_weights(prep.domains, None, method=KEY)
    w = weights / weights.sum()
    dom = domain_means(prep, z)
    total = dom @ w
    all_ranks = ordinal_rank_desc_columns(np.column_stack([dom, total]), prep.id_order)
    dom_ranks, rank = all_ranks[:, :-1], all_ranks[:, -1]
    per_indicator = np.empty_like(z)
    for k, sl in enumerate(prep.domain_slices):
        per_indicator[:, sl] = z[:, sl] * (w[k] / (sl.stop - sl.start))
    bands = pd.DataFrame(
        {
            **{
                d.name: band_labels(dom[:, k], edges, BAND_LABELS)
                for k, d in enumerate(prep.domains)
            },
            "overall": band_labels(total, edges, BAND_LABELS),
        },
        index=prep.index,
    )
    return build_result(
        method=KEY,
        prep=prep,
        domain_scores=dom,
        domain_ranks=dom_ranks,
        score=total,
        rank=rank,
        need=dom,
        contributions=dom * w,
        indicator_contributions=per_indicator,
        normalised=z,
        weights=w,
        parameters={"ddof": ddof, "bands": edges},
        missing=inp.missing,
        bands=bands,
    )


METHOD = Method(
    key=KEY,
    title="Z-scores t.o.v. referentiegebieden",
    reference="Amsterdam area monitors (z vs city, bands ±0.5/±1 SD); anchors-monitoring.md §5.5",
    run=run,
)
