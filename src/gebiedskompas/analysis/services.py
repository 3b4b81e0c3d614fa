"""Every write of the analysis app: start a run (and store it), recompute a stored run.

A run reads observations through :mod:`gebiedskompas.analysis.selectors`, builds the engine's
:class:`~gebiedskompas.analysis.domain.model.AnalysisInput`, runs a method from the registry,
optionally the sensitivity analysis, and stores it all in one transaction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from gebiedskompas.analysis import selectors
from gebiedskompas.analysis.defaults import DEFAULT_INDICATOR_SET, DomainChoice, IndicatorChoice
from gebiedskompas.analysis.domain.fingerprint import table_fingerprint
from gebiedskompas.analysis.domain.methods import METHODS
from gebiedskompas.analysis.domain.model import (
    AnalysisInput,
    AnalysisResult,
    Direction,
    MissingPolicy,
    ParamValue,
)
from gebiedskompas.analysis.domain.sensitivity import (
    leave_one_indicator_out,
    ordinal_ranks,
    weight_sensitivity,
)
from gebiedskompas.analysis.models import AnalysisResultRow, AnalysisRun
from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, gettext_noop

MAX_SENSITIVITY_DRAWS = 10_000
_WEIGHT_ITEM = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$")


def software_version() -> str:
    try:
        return metadata.version("gebiedskompas")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "unknown"


def method_or_error(key: str) -> str:
    if key not in METHODS:
        raise KompasError(
            gettext_noop("unknown method {key!r}; expected one of {join_methods}"),
            value=key,
            key=key,
            join_methods=", ".join(METHODS),
        )
    return key


def missing_or_error(value: str) -> MissingPolicy:
    try:
        return MissingPolicy(value)
    except ValueError as exc:
        allowed = ", ".join(p.value for p in MissingPolicy)
        raise KompasError(
            gettext_noop("unknown missing-value policy {value!r}; expected one of {allowed}"),
            value=value,
            allowed=allowed,
        ) from exc


def parse_weights(text: str) -> dict[str, float]:
    """``"sociaal=2,economie=1.5"`` → {"sociaal": 2.0, "economie": 1.5}; KompasError otherwise."""
    out: dict[str, float] = {}
    if not text.strip():
        return out
    for item in text.split(","):
        match = _WEIGHT_ITEM.match(item)
        if match is None:
            raise KompasError(
                gettext_noop(
                    "bad weights {text!r}: {item!r} is not domain=weight; expected e.g. "
                    "sociaal=2,economie=1 (weights 0 or more)"
                ),
                value=text,
                text=text,
                item=item.strip(),
            )
        name, weight = match.group(1), float(match.group(2))
        if name in out:
            raise KompasError(
                gettext_noop("bad weights {text!r}: domain {name!r} is named twice"),
                value=text,
                text=text,
                name=name,
            )
        out[name] = weight
    return out


def _domain_weights(
    weights: Mapping[str, float] | None, indicator_set: Sequence[DomainChoice], kept: Sequence[str]
) -> dict[str, float] | None:
    """All kept domains weighted (1 where not named) when any weight is given; None otherwise."""
    if not weights:
        return None
    known = [d.name for d in indicator_set]
    for name in weights:
        if name not in known:
            raise KompasError(
                gettext_noop(
                    "unknown domain {name!r} in the weights; the domains are {join_known}"
                ),
                value=name,
                name=name,
                join_known=", ".join(known),
            )
    return {name: float(weights.get(name, 1.0)) for name in kept}


def _number(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def _row_dict(frame: pd.DataFrame | None, pos: int) -> dict[str, Any]:
    if frame is None:
        return {}
    row = frame.iloc[pos]
    return {str(k): _number(v) for k, v in row.items()}


@dataclass(frozen=True)
class Computed:
    """A method run on data read now: the input, the result and the input's fingerprint."""

    data: selectors.AnalysisTable
    inp: AnalysisInput
    result: AnalysisResult
    fingerprint: str
    references: Mapping[str, selectors.Reference] = field(default_factory=dict)


def base_year_or_error(parameters: Mapping[str, ParamValue] | None) -> str | None:
    """The ``base_year`` parameter of a ``baseline`` run as a period text, or None."""
    value = (parameters or {}).get("base_year")
    if value is None or value == "":
        return None
    text = (
        str(int(value)) if isinstance(value, int | float) and not isinstance(value, bool) else value
    )
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}", text):
        raise KompasError(
            gettext_noop("base year {value!r} is not a year; expected e.g. 2020"), value=value
        )
    return text


def compute(
    *,
    method: str,
    municipality: Area,
    level: str,
    period: str,
    weights: Mapping[str, float] | None = None,
    indicator_set: Sequence[DomainChoice] = DEFAULT_INDICATOR_SET,
    missing: MissingPolicy = MissingPolicy.EXCLUDE,
    parameters: Mapping[str, ParamValue] | None = None,
    fixed_periods: Mapping[str, str] | None = None,
) -> Computed:
    """Read the data and run the method, storing nothing."""
    data = selectors.analysis_table(
        municipality, level, period, indicator_set, fixed_periods=fixed_periods
    )
    domain_weights = _domain_weights(weights, indicator_set, [d.name for d in data.domains])
    references: dict[str, selectors.Reference] = {}
    if method == "baseline":
        # Rotterdam-style: 100 is the municipality's own value (in the base year), not the mean
        # of its areas; the mean remains only for a column the municipality has no value for.
        references = selectors.municipality_references(
            municipality, data, base_year_or_error(parameters)
        )
    inp = AnalysisInput(
        table=data.table,
        domains=data.domain_specs(),
        reference_values={c: r.value for c, r in references.items() if r.value is not None},
        missing=missing,
        parameters=dict(parameters or {}),
    )
    if domain_weights is not None:
        inp = inp.with_weights(domain_weights)
    result = METHODS[method].run(inp)
    return Computed(data, inp, result, table_fingerprint(data.table), references)


def run_analysis(
    *,
    method: str,
    municipality: str,
    level: str,
    period: str,
    weights: Mapping[str, float] | None = None,
    indicator_set: Sequence[DomainChoice] = DEFAULT_INDICATOR_SET,
    missing: str = MissingPolicy.EXCLUDE.value,
    parameters: Mapping[str, ParamValue] | None = None,
    sensitivity: int = 0,
    top_k: int = 10,
    seed: int = 0,
    user: AbstractBaseUser | None = None,
) -> AnalysisRun:
    """Analyse the stored areas of one municipality, level and period, and store the run.

    ``weights``: per domain (others 1; none = the method's default). ``sensitivity``: number of
    Monte-Carlo weight draws (0 = none); with it, leave-one-indicator-out runs too. Raises
    KompasError (one line, fit for the CLI and the form) for an unknown method, municipality,
    domain or missing policy, a level without areas, a period without data, or bad weights.
    """
    method = method_or_error(method)
    policy = missing_or_error(missing)
    if sensitivity < 0 or sensitivity > MAX_SENSITIVITY_DRAWS:
        raise KompasError(
            gettext_noop(
                "sensitivity draws must be from 0 to {MAX_SENSITIVITY_DRAWS}, not {sensitivity}"
            ),
            MAX_SENSITIVITY_DRAWS=MAX_SENSITIVITY_DRAWS,
            sensitivity=sensitivity,
        )
    gemeente = selectors.municipality_or_error(municipality)
    computed = compute(
        method=method,
        municipality=gemeente,
        level=level,
        period=period,
        weights=weights,
        indicator_set=indicator_set,
        missing=policy,
        parameters=parameters,
    )
    sensitivity_data = (
        _sensitivity(computed, draws=sensitivity, top_k=top_k, seed=seed) if sensitivity else {}
    )
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            method=method,
            level=level,
            municipality=gemeente,
            period=period,
            parameters={
                "given": _jsonable(dict(parameters or {})),
                "used": _jsonable(dict(computed.result.parameters)),
                **(
                    {"references": {c: asdict(r) for c, r in computed.references.items()}}
                    if computed.references
                    else {}
                ),
            },
            weights={k: float(v) for k, v in (weights or {}).items()},
            weights_used={k: float(v) for k, v in computed.result.weights.items()},
            indicator_set=_indicator_set_json(computed.data),
            skipped_indicators=list(computed.data.skipped),
            missing_policy=policy.value,
            affected_areas=[str(a) for a in computed.result.affected_areas],
            data_fingerprint=computed.fingerprint,
            software_version=software_version(),
            area_count=len(computed.result.scores),
            sensitivity=sensitivity_data,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        AnalysisResultRow.objects.bulk_create(_rows(run, computed))
    return run


@dataclass(frozen=True)
class Recomputation:
    """A stored run computed again: ``same_data`` when the input fingerprint matches,
    ``same_result`` when every area has the same position and score (to 1e-9)."""

    run: AnalysisRun
    fingerprint: str
    same_data: bool
    same_result: bool
    result: AnalysisResult


def recompute(run: AnalysisRun) -> Recomputation:
    """Run the stored run's method again on the data as it is now, with the same indicator set,
    periods, weights, parameters and missing-value policy. Stores nothing."""
    computed = compute(
        method=method_or_error(run.method),
        municipality=run.municipality,
        level=run.level,
        period=run.period,
        weights=run.weights or None,
        indicator_set=indicator_set_from_json(run.indicator_set),
        missing=missing_or_error(run.missing_policy),
        parameters=_params_from_json(run.parameters.get("given", {})),
        fixed_periods={
            i["column"]: i["period"] for d in run.indicator_set for i in d["indicators"]
        },
    )
    positions = ordinal_ranks(computed.result)
    scores = computed.result.scores["score"]
    stored = list(run.rows.values_list("area__code", "position", "score"))
    same_result = len(stored) == len(positions) and all(
        code in positions.index
        and int(positions[code]) == position
        and math.isclose(float(scores[code]), score, rel_tol=0, abs_tol=1e-9)
        for code, position, score in stored
    )
    return Recomputation(
        run=run,
        fingerprint=computed.fingerprint,
        same_data=computed.fingerprint == run.data_fingerprint,
        same_result=same_result,
        result=computed.result,
    )


def _jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def _params_from_json(params: Mapping[str, Any]) -> dict[str, ParamValue]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


def _indicator_set_json(data: selectors.AnalysisTable) -> list[dict[str, Any]]:
    return [
        {
            "name": d.name,
            "indicators": [{**i.as_dict(), "period": data.periods[i.column]} for i in d.indicators],
        }
        for d in data.domains
    ]


def indicator_set_from_json(items: Sequence[Mapping[str, Any]]) -> tuple[DomainChoice, ...]:
    return tuple(
        DomainChoice(
            str(d["name"]),
            tuple(
                IndicatorChoice(
                    str(i["key"]),
                    Direction(i["direction"]),
                    per=str(i.get("per", "")),
                    scale=float(i.get("scale", 1000.0)),
                )
                for i in d["indicators"]
            ),
        )
        for d in items
    )


def _rows(run: AnalysisRun, computed: Computed) -> list[AnalysisResultRow]:
    result = computed.result
    scores = result.scores
    domains = [d.name for d in result.domains]
    positions = ordinal_ranks(result)
    area_ids = dict(
        Area.objects.filter(code__in=[str(c) for c in scores.index]).values_list("code", "id")
    )
    imputed = (
        set(map(str, result.affected_areas))
        if result.missing is MissingPolicy.IMPUTE_MEDIAN
        else set()
    )
    raw = computed.data.table
    rows = []
    for pos, code in enumerate(scores.index):
        score_row = scores.iloc[pos]
        bands = result.bands.iloc[pos] if result.bands is not None else None
        rows.append(
            AnalysisResultRow(
                run=run,
                area_id=area_ids[str(code)],
                position=int(positions.iloc[pos]),
                method_rank=float(score_row["rank"]),
                score=float(score_row["score"]),
                band="" if bands is None else str(bands["overall"]),
                flags=int(score_row["flags"]) if "flags" in scores.columns else None,
                domain_scores={d: _number(score_row[f"{d}_score"]) for d in domains},
                domain_ranks={d: _number(score_row[f"{d}_rank"]) for d in domains},
                contributions=_row_dict(result.contributions, pos),
                domain_bands={} if bands is None else {d: str(bands[d]) for d in domains},
                indicator_contributions=_row_dict(result.indicator_contributions, pos),
                values={str(k): _number(v) for k, v in raw.loc[code].items()},
                normalised=_row_dict(result.normalised, pos),
                is_imputed=str(code) in imputed,
            )
        )
    return rows


def _sensitivity(computed: Computed, *, draws: int, top_k: int, seed: int) -> dict[str, Any]:
    ws = weight_sensitivity(computed.result, draws=draws, top_k=top_k, seed=seed)
    method = METHODS[computed.result.method]
    scored = {i.column for d in computed.inp.domains for i in d.scored}
    loo: pd.DataFrame | None = None
    if len(scored) >= 2:
        loo = leave_one_indicator_out(
            method, computed.inp.with_weights(dict(computed.result.weights))
        )
    areas: dict[str, dict[str, Any]] = {}
    for code, row in ws.table.iterrows():
        entry: dict[str, Any] = {
            "base_rank": int(row["base_rank"]),
            "rank_p05": int(row["rank_p05"]),
            "rank_p95": int(row["rank_p95"]),
            "rank_low": int(row["rank_low"]),
            "rank_high": int(row["rank_high"]),
            "p_top_k": float(row["p_top_k"]),
        }
        if loo is not None and code in loo.index:
            entry["loo_rank_min"] = _number(loo.at[code, "rank_min"])
            entry["loo_rank_max"] = _number(loo.at[code, "rank_max"])
            entry["loo_max_shift"] = _number(loo.at[code, "max_shift"])
        areas[str(code)] = entry
    return {
        "draws": ws.draws,
        "concentration": ws.concentration,
        "top_k": ws.top_k,
        "seed": ws.seed,
        "weights": dict(ws.weights),
        "leave_one_out": loo is not None,
        "areas": areas,
    }


__all__ = [
    "Computed",
    "Recomputation",
    "compute",
    "indicator_set_from_json",
    "parse_weights",
    "recompute",
    "run_analysis",
    "software_version",
]
