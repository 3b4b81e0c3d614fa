"""Benchmark: every analysis method on 14,500 areas × 30 indicators in 6 domains.

For each method, prints the time of the registry method and of a straight vectorised numpy
computation of the same scores in the same run, their ratio (target ≤ 2×) and checks that both
agree; then weight sensitivity with 1,000 draws (target < 10 s). Run from the repo root:

    python bench/analysis.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gebiedskompas.analysis.domain.methods import METHODS  # noqa: E402
from gebiedskompas.analysis.domain.model import (  # noqa: E402
    AnalysisInput,
    Direction,
    DomainSpec,
    IndicatorSpec,
)
from gebiedskompas.analysis.domain.sensitivity import weight_sensitivity  # noqa: E402

N_AREAS, N_DOMAINS, PER_DOMAIN, SEED = 14_500, 6, 5, 20240601
REPEATS = 5


def build() -> tuple[AnalysisInput, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    k = N_DOMAINS * PER_DOMAIN
    values = rng.lognormal(mean=3.0, sigma=0.5, size=(N_AREAS, k))
    signs = np.where(rng.random(k) < 0.5, 1.0, -1.0)  # +1 higher is worse
    columns = [f"i{j:02d}" for j in range(k)]
    table = pd.DataFrame(values, columns=columns, index=[f"BU{i:08d}" for i in range(N_AREAS)])
    domains = tuple(
        DomainSpec(
            f"d{d}",
            None,
            tuple(
                IndicatorSpec(
                    columns[j],
                    Direction.HIGHER_IS_WORSE if signs[j] > 0 else Direction.HIGHER_IS_BETTER,
                )
                for j in range(d * PER_DOMAIN, (d + 1) * PER_DOMAIN)
            ),
        )
        for d in range(N_DOMAINS)
    )
    return AnalysisInput(table, domains), values, signs


def ranks_desc(a: np.ndarray) -> np.ndarray:
    """Ordinal ranks per column, 1 = largest (ids are generated sorted, so a stable sort
    breaks ties by id as the methods do)."""
    order = np.argsort(-a, axis=0, kind="stable")
    out = np.empty(a.shape, dtype=np.int64)
    out[order, np.arange(a.shape[1])] = np.arange(1, a.shape[0] + 1)[:, None]
    return out


def bands(a: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    centre = (len(edges) + 1) // 2
    left = np.searchsorted(edges, a, side="left")
    right = np.searchsorted(edges, a, side="right")
    return np.where(right <= centre, right, np.where(left >= centre, left, centre))


# Each reference computes what the method returns: domain scores, domain ranks, overall score
# and rank (and bands where the method has them).


def numpy_baseline(values: np.ndarray, signs: np.ndarray) -> np.ndarray:
    ratio = 100.0 * values / values.mean(axis=0)
    aligned = np.where(signs > 0, 200.0 - ratio, ratio)
    themes = aligned.reshape(N_AREAS, N_DOMAINS, PER_DOMAIN).mean(axis=2)
    index = themes.mean(axis=1)
    ranks_desc(-np.column_stack([themes, index]))
    bands(np.column_stack([themes, index]), (70.0, 90.0, 110.0))
    return index


def numpy_zscore(values: np.ndarray, signs: np.ndarray) -> np.ndarray:
    z = (values - values.mean(axis=0)) / values.std(axis=0, ddof=1) * signs
    dom = z.reshape(N_AREAS, N_DOMAINS, PER_DOMAIN).mean(axis=2)
    total = dom.mean(axis=1)
    ranks_desc(np.column_stack([dom, total]))
    bands(np.column_stack([dom, total]), (-1.0, -0.5, 0.5, 1.0))
    return total


def numpy_imd(values: np.ndarray, signs: np.ndarray) -> np.ndarray:
    oriented = values * signs
    z = (oriented - oriented.mean(axis=0)) / oriented.std(axis=0, ddof=1)
    dom = z.reshape(N_AREAS, N_DOMAINS, PER_DOMAIN).mean(axis=2)
    r = rankdata(dom, method="average", axis=0) / N_AREAS
    x = -23.0 * np.log(1.0 - r * (1.0 - np.exp(-100.0 / 23.0)))
    total = x.mean(axis=1)
    ranks_desc(np.column_stack([x, total]))
    return total


def numpy_svi(values: np.ndarray, signs: np.ndarray) -> np.ndarray:
    def pr(a: np.ndarray) -> np.ndarray:
        # (rank − 1) / (N − 1) rounded half up to 4 decimals, as CDC publishes (ADR 0002).
        less = rankdata(a, method="min", axis=0).astype(np.int64) - 1
        n1 = a.shape[0] - 1
        return (2 * less * 10_000 + n1) // (2 * n1)

    epl = pr(values * signs)
    spl = epl.reshape(N_AREAS, N_DOMAINS, PER_DOMAIN).sum(axis=2)
    pr(spl)
    flags = (epl >= 9000).reshape(N_AREAS, N_DOMAINS, PER_DOMAIN).sum(axis=2).sum(axis=1)
    del flags
    return pr(spl.sum(axis=1)[:, None])[:, 0] / 10_000


def best_of(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    total_start = time.perf_counter()
    inp, values, signs = build()
    references = {
        "baseline": (numpy_baseline, "score"),
        "zscore": (numpy_zscore, "score"),
        "imd": (numpy_imd, "score"),
        "svi": (numpy_svi, "rank"),
    }
    print(f"{N_AREAS} areas × {N_DOMAINS * PER_DOMAIN} indicators in {N_DOMAINS} domains")
    print(f"{'method':<10}{'method s':>10}{'numpy s':>10}{'ratio':>8}")
    methods_time = 0.0
    for key, method in METHODS.items():
        reference, column = references[key]
        result = method.run(inp)
        np.testing.assert_allclose(
            result.scores[column].to_numpy(), reference(values, signs), rtol=1e-9, atol=1e-9
        )
        t_method = best_of(lambda m=method: m.run(inp))
        t_numpy = best_of(lambda r=reference: r(values, signs))
        methods_time += t_method
        print(f"{key:<10}{t_method:>10.4f}{t_numpy:>10.4f}{t_method / t_numpy:>7.2f}×")
    print(f"all four methods once: {methods_time:.3f} s (target < 1 s)")
    result = METHODS["zscore"].run(inp)
    start = time.perf_counter()
    sens = weight_sensitivity(result, draws=1000, top_k=50, seed=1)
    t_sens = time.perf_counter() - start
    width = float((sens.table["rank_p95"] - sens.table["rank_p05"]).median())
    print(f"sensitivity, 1000 draws: {t_sens:.2f} s (target < 10 s); median 5–95 % width {width}")
    print(f"whole run: {time.perf_counter() - total_start:.2f} s")


if __name__ == "__main__":
    main()
