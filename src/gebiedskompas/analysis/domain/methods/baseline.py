"""``baseline``: indices against a reference = 100, as in the Rotterdam Wijkprofiel.

Published method (https://wijkprofiel.rotterdam.nl/nl/2016/vragen; research notes
``anchors-monitoring.md`` §1): a score of 100 is the city value in the base year (2014); a theme
is the unweighted mean of its indicator scores, an index the mean of its themes; colour bands
< 70, 70–90, 90–110 and > 110. How Rotterdam turns a raw value into a score is not published,
so our reading is stated here and in the docstring of :func:`run`:

- higher is better: ``100 · x / ref``; higher is worse: the mirror ``200 − 100 · x / ref``, so
  > 100 is always better, a value at the reference scores exactly 100 and a value 0 on a "worse"
  indicator (no crime) stays finite (a ratio ``ref / x`` would not);
- the index is the weighted mean of the themes when weights are given, the plain mean otherwise.

Parameters: ``bands`` (three increasing numbers, default ``(70, 90, 110)``), and
``orientation``: ``higher_is_better`` (default; scores > 100 are better) or ``higher_is_worse``
(scores mirrored around 100, so > 100 is worse, as in a problem index; bands mirrored too).
``rank`` 1 = the area most in need (lowest index when > 100 is better).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gebiedskompas.analysis.domain.methods.common import (
    FloatArray,
    band_labels,
    build_result,
    domain_means,
    ordinal_rank_desc_columns,
    param_str,
    param_thresholds,
    prepare,
    resolve_weights,
)
from gebiedskompas.analysis.domain.model import AnalysisInput, AnalysisResult, Method
from gebiedskompas.core.errors import KompasError, gettext_noop

KEY = "baseline"
DEFAULT_BANDS = (70.0, 90.0, 110.0)
BAND_LABELS = ("unfavourable", "less_favourable", "average", "favourable")


def run(inp: AnalysisInput) -> AnalysisResult:
    """Score every area against the reference values (100 = reference, > 100 better).

    ``inp.reference_values`` maps each scored column to its reference (the municipality's value
    in the base year); a column without one uses the mean of the reference areas. A reference of
    0 or below cannot be scaled and raises KompasError naming the column.
    """
    params = inp.parameters
    edges = param_thresholds(params, "bands", DEFAULT_BANDS, KEY)
    orientation = param_str(
        params, "orientation", "higher_is_better", ("higher_is_better", "higher_is_worse"), KEY
    )
    prep = prepare(inp, method=KEY)
    refs = np.empty(len(prep.columns), dtype=np.float64)
    given = inp.reference_values or {}
    ref_rows = prep.values[prep.reference]
    for j, col in enumerate(prep.columns):
        ref = float(given[col]) if col in given else float(ref_rows[:, j].mean())
        if not np.isfinite(ref) or ref <= 0:
            raise KompasError(
                gettext_noop(
                    "{KEY}: the reference value of column {col!r} is "
                    "{ref!r}; an index of 100 at the "
                    "reference needs a reference above 0"
                ),
                column=col,
                value=ref,
                KEY=KEY,
                col=col,
                ref=ref,
            )
        refs[j] = ref
    # sign +1 = higher is worse → mirrored; -1 = higher is better → plain ratio.
    ratio = 100.0 * prep.values / refs
    aligned: FloatArray = np.where(prep.signs > 0, 200.0 - ratio, ratio)
    weights, _ = resolve_weights(prep.domains, None, method=KEY)
    w = weights / weights.sum()
    themes = domain_means(prep, aligned)
    index = themes @ w
    need = -themes
    all_ranks = ordinal_rank_desc_columns(np.column_stack([need, -index]), prep.id_order)
    theme_ranks, rank = all_ranks[:, :-1], all_ranks[:, -1]
    per_indicator = np.empty_like(aligned)
    for k, sl in enumerate(prep.domain_slices):
        per_indicator[:, sl] = aligned[:, sl] * (w[k] / (sl.stop - sl.start))
    mirrored = orientation == "higher_is_worse"
    shown_themes = 200.0 - themes if mirrored else themes
    shown_index = 200.0 - index if mirrored else index
    shown_edges = tuple(200.0 - e for e in reversed(edges)) if mirrored else edges
    shown_labels = tuple(reversed(BAND_LABELS)) if mirrored else BAND_LABELS
    bands = pd.DataFrame(
        {
            **{
                d.name: band_labels(shown_themes[:, k], shown_edges, shown_labels)
                for k, d in enumerate(prep.domains)
            },
            "overall": band_labels(shown_index, shown_edges, shown_labels),
        },
        index=prep.index,
    )
    contributions = shown_themes * w
    shown_per_indicator = per_indicator
    if mirrored:
        shown_per_indicator = np.empty_like(per_indicator)
        for k, sl in enumerate(prep.domain_slices):
            n = sl.stop - sl.start
            shown_per_indicator[:, sl] = (200.0 - aligned[:, sl]) * (w[k] / n)
    return build_result(
        method=KEY,
        prep=prep,
        domain_scores=shown_themes,
        domain_ranks=theme_ranks,
        score=shown_index,
        rank=rank,
        need=need,
        contributions=contributions,
        indicator_contributions=shown_per_indicator,
        normalised=aligned,
        weights=w,
        parameters={
            "bands": edges,
            "orientation": orientation,
            "reference_values": tuple(float(r) for r in refs),
        },
        missing=inp.missing,
        bands=bands,
    )


METHOD = Method(
    key=KEY,
    title="Index t.o.v. referentie = 100 (Rotterdam Wijkprofiel)",
    reference="Rotterdam Wijkprofiel, https://wijkprofiel.rotterdam.nl/nl/2016/vragen",
    run=run,
)
