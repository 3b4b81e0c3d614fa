"""``imd``: the English Index of Multiple Deprivation combination of domains.

Published method: The English Indices of Deprivation 2019, Technical Report (MHCLG, Sept 2019),
chapter 3 ("Combining the domains"): each domain score is ranked, the rank is scaled to (0, 1]
with 1 for the most deprived area and transformed to an exponential distribution with constant
23, then the domains are combined with the IMD 2019 weights Income 22.5 %, Employment 22.5 %,
Education 13.5 %, Health 13.5 %, Crime 9.3 %, Barriers to Housing and Services 9.3 %, Living
Environment 9.3 %. The transformation (also given in the Scottish ID 2003 appendix)::

    X = -23 · ln(1 - R · (1 - exp(-100/23)))     # R = rank / N, rank N = most deprived

so X runs from ~0 (least deprived) to 100 (most deprived) and a higher IMD score is more
deprived. We read the technical report as follows (anchors-monitoring.md §5.1):

- A domain given as one indicator is that indicator, oriented (higher_is_worse as is,
  higher_is_better negated): this is how published domain scores are passed in. A domain with
  several indicators is the mean of their z-scores against the reference areas (the IoD uses
  rates or factor-analysis weights within a domain; we use equal weights and say so).
- Tied domain scores share the average rank, so equal scores get equal X.
- Seven domains without weights get the IMD 2019 weights in the order listed above, used as
  published (they sum to 0.999, and the published IMD score is Σ w·X with exactly these
  numbers). Other given weights are normalised to sum 1; no weights and not seven domains means
  equal weights.

Parameters: ``domain_input``: ``scores`` (default) or ``ranks`` — each domain column holds a
published domain rank (1 = most deprived, the IoD convention) out of ``n_areas`` areas, so a
published IMD score can be reproduced from a handful of rows without the national file.
``rank`` 1 = the most deprived area.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from gebiedskompas.analysis.domain.methods.common import (
    FloatArray,
    build_result,
    ordinal_rank_desc_columns,
    param_float,
    param_str,
    prepare,
    rank_columns,
    resolve_weights,
)
from gebiedskompas.analysis.domain.model import AnalysisInput, AnalysisResult, Method, ParamValue
from gebiedskompas.core.errors import KompasError, gettext_noop

KEY = "imd"
EXPONENTIAL_CONSTANT: Final = 23.0
IMD2019_WEIGHTS: Final = (0.225, 0.225, 0.135, 0.135, 0.093, 0.093, 0.093)


def exponential_transform(r: FloatArray) -> FloatArray:
    """IoD 2019 technical report §3: X = -23 ln(1 - R(1 - e^(-100/23))) for R in (0, 1]."""
    c = EXPONENTIAL_CONSTANT
    out: FloatArray = -c * np.log1p(-r * (1.0 - np.exp(-100.0 / c)))
    return out


def run(inp: AnalysisInput) -> AnalysisResult:
    """Rank, transform and combine domain scores; higher score = more deprived, rank 1 = most.

    Raises KompasError for ``domain_input = "ranks"`` without a valid ``n_areas``, a domain with
    more than one indicator in that mode, or a rank outside 1..n_areas.
    """
    params = inp.parameters
    mode = param_str(params, "domain_input", "scores", ("scores", "ranks"), KEY)
    prep = prepare(inp, method=KEY)
    n = prep.values.shape[0]
    oriented = prep.values * prep.signs
    domain_values = np.empty((n, len(prep.domains)), dtype=np.float64)
    if mode == "ranks":
        n_areas = param_float(params, "n_areas", 0, KEY)
        if n_areas < 1 or n_areas != int(n_areas):
            raise KompasError(
                gettext_noop(
                    '{KEY}: domain_input = "ranks" needs n_areas, the '
                    "number of areas the published "
                    "ranks were taken over (32844 for the IoD 2019 LSOAs)"
                ),
                KEY=KEY,
            )
        for k, (d, sl) in enumerate(zip(prep.domains, prep.domain_slices, strict=True)):
            if sl.stop - sl.start != 1:
                raise KompasError(
                    gettext_noop(
                        '{KEY}: with domain_input = "ranks" domain {name!r} must have exactly one '
                        "column, its published rank"
                    ),
                    KEY=KEY,
                    name=d.name,
                )
            ranks = prep.values[:, sl.start]
            bad = np.flatnonzero((ranks < 1) | (ranks > n_areas) | (ranks != np.round(ranks)))
            if bad.size:
                raise KompasError(
                    gettext_noop(
                        "{KEY}: {prep_columns_sl_start!r} holds {ranks_bad_0!r} for area "
                        "{prep_index_bad_0!r}; a rank must be a whole number from 1 to {n_areas}"
                    ),
                    column=prep.columns[sl.start],
                    value=float(ranks[bad[0]]),
                    KEY=KEY,
                    prep_columns_sl_start=prep.columns[sl.start],
                    ranks_bad_0=ranks[bad[0]],
                    prep_index_bad_0=prep.index[bad[0]],
                    n_areas=int(n_areas),
                )
            domain_values[:, k] = (n_areas + 1.0 - ranks) / n_areas
        normalised = domain_values.copy()
        r = domain_values
    else:
        normalised = oriented.copy()
        ref = oriented[prep.reference]
        for k, sl in enumerate(prep.domain_slices):
            if sl.stop - sl.start == 1:
                domain_values[:, k] = oriented[:, sl.start]
                continue
            sd = ref[:, sl].std(axis=0, ddof=1) if ref.shape[0] > 1 else np.zeros(1)
            if not np.all(sd > 0):
                raise KompasError(
                    gettext_noop(
                        "{KEY}: domain {name!r} combines several indicators by z-score, and one "
                        "of them has no spread among the reference areas"
                    ),
                    KEY=KEY,
                    name=prep.domains[k].name,
                )
            z = (oriented[:, sl] - ref[:, sl].mean(axis=0)) / sd
            normalised[:, sl] = z
            domain_values[:, k] = z.mean(axis=1)
        # rank 1 = least deprived … N = most deprived, so R = rank / N is 1 at the most deprived.
        r = rank_columns(domain_values, method="average") / n
    x = exponential_transform(r)
    default = IMD2019_WEIGHTS if len(prep.domains) == len(IMD2019_WEIGHTS) else None
    weights, given = resolve_weights(prep.domains, default, method=KEY)
    w = weights / weights.sum() if given else weights
    total = x @ w
    all_ranks = ordinal_rank_desc_columns(np.column_stack([x, total]), prep.id_order)
    dom_ranks, rank = all_ranks[:, :-1], all_ranks[:, -1]
    used: dict[str, ParamValue] = {
        "domain_input": mode,
        "exponential_constant": EXPONENTIAL_CONSTANT,
    }
    if mode == "ranks":
        used["n_areas"] = int(param_float(params, "n_areas", 0, KEY))
    return build_result(
        method=KEY,
        prep=prep,
        domain_scores=x,
        domain_ranks=dom_ranks,
        score=total,
        rank=rank,
        need=x,
        contributions=x * w,
        indicator_contributions=None,
        normalised=normalised,
        weights=w,
        parameters=used,
        missing=inp.missing,
    )


METHOD = Method(
    key=KEY,
    title="Index of Multiple Deprivation (Engeland, IoD 2019)",
    reference="The English Indices of Deprivation 2019, Technical Report, ch. 3 (MHCLG 2019)",
    run=run,
)
