"""Trends and early warning: change since the previous period, per indicator and per domain.

Monitors in practice show "development since the previous measurement" (Swing's wijkprofiel,
Rotterdam's "vergelijk met" switch; anchors-monitoring.md §1 and §3). A boundary change
(``Indelingswijziging`` at CBS) makes a change meaningless for that area, so the caller passes
the (area, period) pairs where an area's boundary changed: a change whose span includes such a
period is excluded or flagged. A domain's change is the mean of its indicators' standardised
improvements (improvement divided by the spread of that indicator's change across areas in the
same period), so indicators in different units can be averaged; positive = better.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from gebiedskompas.analysis.domain.model import Direction, DomainSpec
from gebiedskompas.core.errors import KompasError, gettext_noop

OBSERVATION_COLUMNS = ("area", "indicator", "period", "value")
SPREAD_TOLERANCE = 1e-9


def indicator_changes(
    observations: pd.DataFrame,
    directions: Mapping[str, Direction],
    *,
    breaks: Collection[tuple[Hashable, Hashable]] = (),
    on_break: Literal["exclude", "flag"] = "exclude",
) -> pd.DataFrame:
    """Change of every (area, indicator) since its previous observed period.

    ``observations``: long table with columns ``area``, ``indicator``, ``period`` (sortable) and
    ``value``; one row per (area, indicator, period). ``breaks``: (area, period) pairs at which
    the area's boundary changed. Returns columns ``area``, ``indicator``, ``period``,
    ``previous_period``, ``value``, ``previous_value``, ``change``, ``relative_change``
    (change / |previous value|, NaN when that is 0), ``improvement`` (change signed so positive
    is better; NaN for neutral indicators) and ``is_break``. Rows for the first period of a
    series are not returned. Raises KompasError for a missing column, a duplicated observation
    or an indicator without a direction.
    """
    missing = [c for c in OBSERVATION_COLUMNS if c not in observations.columns]
    if missing:
        raise KompasError(
            gettext_noop("trends: the observations lack column {missing_0!r}"),
            column=missing[0],
            missing_0=missing[0],
        )
    if on_break not in ("exclude", "flag"):
        raise KompasError(
            gettext_noop("trends: on_break is {on_break!r}; expected exclude or flag"),
            on_break=on_break,
        )
    obs = observations.loc[:, list(OBSERVATION_COLUMNS)].copy()
    dup = obs.duplicated(["area", "indicator", "period"])
    if dup.any():
        row = obs[dup].iloc[0]
        raise KompasError(
            gettext_noop(
                "trends: area {area!r}, indicator {indicator!r}, period {period!r} occurs more "
                "than once"
            ),
            area=row["area"],
            indicator=row["indicator"],
            period=row["period"],
        )
    unknown = sorted(set(obs["indicator"]) - set(directions))
    if unknown:
        raise KompasError(
            gettext_noop("trends: indicator {unknown_0!r} has no direction"), unknown_0=unknown[0]
        )
    obs = obs.sort_values(["area", "indicator", "period"], kind="stable").reset_index(drop=True)
    grouped = obs.groupby(["area", "indicator"], sort=False)
    obs["previous_period"] = grouped["period"].shift(1)
    obs["previous_value"] = grouped["value"].shift(1)
    out = obs[obs["previous_period"].notna()].copy()
    out["value"] = out["value"].astype(float)
    out["previous_value"] = out["previous_value"].astype(float)
    out["change"] = out["value"] - out["previous_value"]
    prev_abs = out["previous_value"].abs()
    out["relative_change"] = out["change"].where(prev_abs > 0) / prev_abs.where(prev_abs > 0)
    sign = out["indicator"].map(
        {
            k: (1.0 if d is Direction.HIGHER_IS_BETTER else -1.0)
            if d is not Direction.NEUTRAL
            else np.nan
            for k, d in directions.items()
        }
    )
    out["improvement"] = out["change"] * sign.astype(float)
    out["is_break"] = False
    if breaks:
        brk = pd.DataFrame(list(breaks), columns=["area", "break_period"])
        spans = out.reset_index().merge(brk, on="area", how="inner")
        crossing = spans[
            (spans["previous_period"] < spans["break_period"])
            & (spans["break_period"] <= spans["period"])
        ]
        out.loc[crossing["index"].unique(), "is_break"] = True
    if on_break == "exclude":
        out = out[~out["is_break"]]
    columns = [
        "area",
        "indicator",
        "period",
        "previous_period",
        "value",
        "previous_value",
        "change",
        "relative_change",
        "improvement",
        "is_break",
    ]
    return out.loc[:, columns].reset_index(drop=True)


def domain_changes(changes: pd.DataFrame, domains: Sequence[DomainSpec]) -> pd.DataFrame:
    """Per (area, domain, period) the mean standardised improvement of its indicators.

    ``changes``: the output of :func:`indicator_changes`. Neutral indicators and changes across
    a boundary break do not count. Returns columns ``area``, ``domain``, ``period``, ``score``
    (positive = better), ``n_better``, ``n_worse``, ``n_indicators``, ``n_breaks``.
    """
    membership = pd.DataFrame(
        [(d.name, i.column) for d in domains for i in d.scored], columns=["domain", "indicator"]
    )
    data = changes.merge(membership, on="indicator", how="inner")
    n_breaks = (
        data[data["is_break"]].groupby(["area", "domain", "period"]).size().rename("n_breaks")
    )
    data = data[~data["is_break"] & data["improvement"].notna()].copy()
    groups = data.groupby(["indicator", "period"])["improvement"]
    spread = groups.transform(lambda s: s.std(ddof=0))
    # Equal changes everywhere (+0.4 in every area) leave a spread of rounding noise (~1e-15),
    # not 0; dividing by it would blow a uniform change up to 1e13. Below a relative tolerance
    # the indicator carries no relative signal and counts as 0.
    scale = groups.transform(lambda s: s.abs().max())
    has_spread = spread > SPREAD_TOLERANCE * scale
    data["standardised"] = (data["improvement"] / spread.where(has_spread)).fillna(0.0)
    grouped = data.groupby(["area", "domain", "period"])
    out = pd.DataFrame(
        {
            "score": grouped["standardised"].mean(),
            "n_better": grouped["improvement"].apply(lambda s: int((s > 0).sum())),
            "n_worse": grouped["improvement"].apply(lambda s: int((s < 0).sum())),
            "n_indicators": grouped.size(),
        }
    )
    out = out.join(n_breaks, how="outer")
    out["n_breaks"] = out["n_breaks"].fillna(0).astype(int)
    for col in ("n_better", "n_worse", "n_indicators"):
        out[col] = out[col].fillna(0).astype(int)
    return out.reset_index()


def areas_worsening(
    domain_change: pd.DataFrame,
    *,
    min_domains: int = 2,
    threshold: float = 0.0,
    period: Hashable | None = None,
) -> pd.DataFrame:
    """Areas whose score fell (below ``-threshold``) on at least ``min_domains`` domains at once.

    ``domain_change``: the output of :func:`domain_changes`; ``period`` defaults to the latest.
    Returns columns ``area``, ``period``, ``n_worsening``, ``domains`` (comma-separated, sorted)
    and ``mean_score``, most domains first, then lowest mean score.
    """
    if min_domains < 1:
        raise KompasError(
            gettext_noop("trends: min_domains must be at least 1, not {min_domains}"),
            min_domains=min_domains,
        )
    if domain_change.empty:
        return pd.DataFrame(columns=["area", "period", "n_worsening", "domains", "mean_score"])
    chosen = domain_change["period"].max() if period is None else period
    rows = domain_change[
        (domain_change["period"] == chosen) & (domain_change["score"] < -threshold)
    ]
    grouped = rows.groupby("area")
    out = pd.DataFrame(
        {
            "n_worsening": grouped.size(),
            "domains": grouped["domain"].apply(lambda s: ",".join(sorted(map(str, s)))),
            "mean_score": grouped["score"].mean(),
        }
    ).reset_index()
    out["period"] = pd.Series([chosen] * len(out), index=out.index, dtype=object)
    out = out[["area", "period", "n_worsening", "domains", "mean_score"]]
    out = out[out["n_worsening"] >= min_domains]
    return out.sort_values(
        ["n_worsening", "mean_score", "area"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)
