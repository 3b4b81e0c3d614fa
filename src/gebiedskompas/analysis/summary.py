"""A stored run as the CLI prints it: a ranking table (text) and the same as plain data."""

from __future__ import annotations

from typing import Any

from gebiedskompas.analysis import selectors
from gebiedskompas.analysis.models import AnalysisResultRow, AnalysisRun


def top_domains(row: AnalysisResultRow, run: AnalysisRun, n: int = 2) -> list[str]:
    """The domains that weigh most in this area's need, largest first.

    For every method the area's place follows the weighted sum of its per-domain need, so the
    domain with the largest weighted domain rank position (the smallest domain rank, 1 = most in
    need) under a weight above 0 is the one that pushes it up most.
    """
    weights = run.weights_used
    ranked = sorted(
        (name for name in run.domain_names if weights.get(name, 0) > 0),
        key=lambda name: (row.domain_ranks.get(name) or float("inf"), name),
    )
    return ranked[:n]


def run_summary(run: AnalysisRun, top: int = 10) -> tuple[dict[str, Any], str]:
    rows = selectors.result_rows(run, top or None)
    data: dict[str, Any] = {
        "run": run.pk,
        "method": run.method,
        "municipality": run.municipality.code,
        "level": run.level,
        "period": run.period,
        "weights": run.weights_used,
        "missing": run.missing_policy,
        "affected_areas": run.affected_areas,
        "skipped_indicators": run.skipped_indicators,
        "data_fingerprint": run.data_fingerprint,
        "software_version": run.software_version,
        "area_count": run.area_count,
        "indicator_set": run.indicator_set,
        "ranking": [],
    }
    lines = [
        f"run {run.pk}: {run.method}, {run.level} of {run.municipality.code}, {run.period}, "
        f"{run.area_count} areas; weights "
        + ", ".join(f"{k}={v:.3g}" for k, v in run.weights_used.items()),
        f"{'rank':>4}  {'code':<12} {'name':<24} {'score':>9}  {'band':<16} top domain",
    ]
    sens = run.sensitivity.get("areas", {}) if run.sensitivity else {}
    for row in rows:
        tops = top_domains(row, run)
        entry: dict[str, Any] = {
            "rank": row.position,
            "code": row.area.code,
            "name": row.area.name,
            "score": row.score,
            "method_rank": row.method_rank,
            "band": row.band,
            "flags": row.flags,
            "top_domains": tops,
            "contributions": row.contributions,
        }
        line = (
            f"{row.position:>4}  {row.area.code:<12} {row.area.name[:24]:<24} "
            f"{row.score:>9.3f}  {row.band or '-':<16} {tops[0] if tops else '-'}"
        )
        if row.area.code in sens:
            s = sens[row.area.code]
            entry["sensitivity"] = s
            top_k = run.sensitivity["top_k"]
            line += f"  (rank {s['rank_p05']}–{s['rank_p95']}, P(top {top_k}) {s['p_top_k']:.2f})"
        data["ranking"].append(entry)
        lines.append(line)
    if run.affected_areas:
        verb = "excluded" if run.missing_policy == "exclude" else "imputed"
        lines.append(f"{verb} for missing values: {', '.join(run.affected_areas)}")
    if run.skipped_indicators:
        lines.append(f"left out for lack of data: {', '.join(run.skipped_indicators)}")
    lines.append(f"data fingerprint {run.data_fingerprint[:16]}…, software {run.software_version}")
    return data, "\n".join(lines)
