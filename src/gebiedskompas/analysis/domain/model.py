"""Plain data for the analysis engine: what goes into a method and what comes out.

No Django here. A method takes an :class:`AnalysisInput` (areas × indicators, grouped in domains
with weights and directions) and returns an :class:`AnalysisResult` that carries the scores and
ranks together with everything they were computed from, so "why is this buurt on top" can be
answered from the result alone (STYLE.md §3, "Results carry their inputs").
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

import pandas as pd

ParamValue = float | int | str | bool | tuple[float, ...]
"""A method parameter as it can be written in a TOML config and stored with a run."""


class Direction(StrEnum):
    """Which way an indicator points; neutral indicators are carried along but never scored."""

    HIGHER_IS_BETTER = "higher_is_better"
    HIGHER_IS_WORSE = "higher_is_worse"
    NEUTRAL = "neutral"


class MissingPolicy(StrEnum):
    """What a run does with an area that lacks a value for a scored indicator.

    ``exclude`` drops the area from the run; ``impute_median`` fills the gap with the median of
    the reference areas for that indicator. Either way the result lists the areas affected.
    """

    EXCLUDE = "exclude"
    IMPUTE_MEDIAN = "impute_median"


@dataclass(frozen=True)
class IndicatorSpec:
    """One column of the input table and the direction in which it is good."""

    column: str
    direction: Direction

    @property
    def is_scored(self) -> bool:
        return self.direction is not Direction.NEUTRAL


@dataclass(frozen=True)
class DomainSpec:
    """A domain (theme) with its indicators; ``weight`` None means "the method's default"."""

    name: str
    weight: float | None
    indicators: tuple[IndicatorSpec, ...]

    @property
    def scored(self) -> tuple[IndicatorSpec, ...]:
        return tuple(ind for ind in self.indicators if ind.is_scored)


@dataclass(frozen=True)
class AnalysisInput:
    """Everything a method needs.

    ``table``: one row per area, indexed by area id (unique), one float column per indicator.
    ``reference_areas``: the rows that define "normal" (z-score mean and sd, median imputation,
    the baseline default); None means all rows. ``reference_values``: per column the value that
    scores 100 in ``baseline`` (the municipality's value in the base year). ``parameters``:
    method-specific settings, documented in each method module.
    """

    table: pd.DataFrame
    domains: tuple[DomainSpec, ...]
    reference_areas: tuple[Hashable, ...] | None = None
    reference_values: Mapping[str, float] | None = None
    missing: MissingPolicy = MissingPolicy.EXCLUDE
    parameters: Mapping[str, ParamValue] = field(default_factory=dict)

    def with_weights(self, weights: Mapping[str, float]) -> AnalysisInput:
        """The same input with domain weights replaced (domains not named keep theirs)."""
        domains = tuple(replace(d, weight=weights.get(d.name, d.weight)) for d in self.domains)
        return replace(self, domains=domains)

    def without_indicator(self, column: str) -> AnalysisInput:
        """The same input without one indicator; a domain left with nothing scored is dropped."""
        domains = []
        for d in self.domains:
            kept = tuple(ind for ind in d.indicators if ind.column != column)
            if any(ind.is_scored for ind in kept):
                domains.append(replace(d, indicators=kept))
        return replace(self, domains=tuple(domains))


@dataclass(frozen=True)
class AnalysisResult:
    """Scores, ranks and flags, with the inputs and choices they came from.

    ``scores`` (index: area id) has ``<domain>_score`` and ``<domain>_rank`` per domain, ``score``
    and ``rank`` (1 = most in need, except ``svi`` where ``rank`` is the overall percentile rank)
    and, for ``svi``, ``flags``. ``need``: per domain the oriented domain value whose weighted
    sum orders the areas (higher = more in need); sensitivity analysis reweights it.
    ``contributions``: per area and domain the part of ``score`` each domain makes up; the row
    sums equal ``score``. ``indicator_contributions``: the same per indicator, where the method
    is additive in its indicators (None for ``imd``). ``normalised``: the indicator values on the
    method's scale (oriented, so the direction is already applied). ``weights``: the domain
    weights actually used. ``affected_areas``: areas dropped or imputed by the missing-value
    policy. ``bands``: per domain and overall a band label, where the method defines bands.
    ``flags``: per domain the count of flagged indicators and ``total`` (``svi``).
    """

    method: str
    scores: pd.DataFrame
    need: pd.DataFrame
    contributions: pd.DataFrame
    indicator_contributions: pd.DataFrame | None
    normalised: pd.DataFrame
    weights: Mapping[str, float]
    parameters: Mapping[str, ParamValue]
    missing: MissingPolicy
    affected_areas: tuple[Hashable, ...]
    domains: tuple[DomainSpec, ...]
    bands: pd.DataFrame | None = None
    flags: pd.DataFrame | None = None

    def explain(self, area: Hashable) -> pd.DataFrame:
        """Why this area scores as it does: each domain's contribution, largest need first.

        Columns: ``domain``, ``weight``, ``domain_score``, ``contribution``, ``share`` (of the
        area's score; NaN when the score is 0). Raises KeyError for an unknown area.
        """
        pos = self.contributions.index.get_loc(area)
        if not isinstance(pos, int):
            raise KeyError(area)
        row = self.contributions.iloc[pos]
        total = float(self.scores["score"].iloc[pos])
        frame = pd.DataFrame(
            {
                "domain": list(row.index),
                "weight": [self.weights[str(name)] for name in row.index],
                "domain_score": [float(self.scores[f"{d}_score"].iloc[pos]) for d in row.index],
                "contribution": row.to_numpy(dtype=float),
            }
        )
        frame["share"] = frame["contribution"] / total if total != 0 else float("nan")
        need_row = self.need.iloc[pos]
        frame["need"] = need_row.to_numpy(dtype=float) * frame["weight"].to_numpy(dtype=float)
        return frame.sort_values("need", ascending=False, kind="stable").drop(columns="need")


@dataclass(frozen=True)
class Method:
    """A registry entry: a stable key, a title for people, the document it follows, and run."""

    key: str
    title: str
    reference: str
    run: Callable[[AnalysisInput], AnalysisResult]
