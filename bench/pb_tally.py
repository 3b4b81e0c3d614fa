"""Benchmark: greedy and MES against pabutools on the largest elections, identical winners.

Times, in the same run, our rule (from a parsed file: building the profile and allocating) and
pabutools' rule (from its parsed instance and profile, ``Cost_Sat``, default ties: building its
satisfaction profile and allocating). Neither time includes reading the file. Prints both times,
the ratio (target ≥ 50×) and whether the winners are identical, for the five largest shared
Amsterdam elections and a seeded synthetic one with 200 projects and 100,000 voters. Run from the
repo root (pabutools is a dev dependency):

    python bench/pb_tally.py [--no-synthetic]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gebiedskompas.participation.domain.allocation import Profile, allocate  # noqa: E402
from gebiedskompas.participation.domain.pabulib import (  # noqa: E402
    PbElection,
    PbProject,
    PbVote,
    format_pb,
    read_pb,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "participatie"
LARGEST = ["309", "509", "631", "621", "252"]  # most voters (14,411 … 8,520)
SEED, N_PROJECTS, N_VOTERS = 20240415, 200, 100_000
REPEATS = 3


def synthetic() -> PbElection:
    """200 projects in 10 districts; voters favour their district and popular projects."""
    rng = np.random.default_rng(SEED)
    district = rng.integers(0, 10, N_PROJECTS)
    costs = rng.integers(5, 200, N_PROJECTS) * 1_000
    appeal = rng.lognormal(0.0, 1.0, N_PROJECTS)
    projects = tuple(
        PbProject(str(i + 1), Decimal(int(c)), {"name": f"Project {i + 1}"})
        for i, c in enumerate(costs)
    )
    home = rng.integers(0, 10, N_VOTERS)
    sizes = rng.integers(1, 11, N_VOTERS)
    votes = []
    weights = {d: appeal * np.where(district == d, 6.0, 1.0) for d in range(10)}
    for v in range(N_VOTERS):
        w = weights[int(home[v])]
        chosen = rng.choice(N_PROJECTS, size=int(sizes[v]), replace=False, p=w / w.sum())
        votes.append(PbVote(str(v + 1), tuple(str(int(p) + 1) for p in sorted(chosen))))
    meta = {
        "description": "synthetic",
        "budget": str(int(costs.sum() // 4)),
        "vote_type": "approval",
    }
    return PbElection(meta, projects, tuple(votes), ("project_id", "cost", "name"))


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def compare(label: str, election: PbElection) -> bool:
    from pabutools.election import Cost_Sat
    from pabutools.election.pabulib import parse_pabulib_from_string
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    instance, ballots = parse_pabulib_from_string(format_pb(election, anonymise=False))
    theirs_by_method = {
        "greedy": lambda: greedy_utilitarian_welfare(instance, ballots, sat_class=Cost_Sat),
        "mes": lambda: method_of_equal_shares(instance, ballots, sat_class=Cost_Sat),
    }
    all_same = True
    for method, theirs_fn in theirs_by_method.items():
        t_ours, ours = timed(lambda m=method: allocate(m, Profile.from_election(election)), REPEATS)
        t_theirs, theirs = timed(theirs_fn, 1)
        same = set(ours.winners) == {p.name for p in theirs}
        all_same &= same
        print(
            f"{label:<24} {method:<7} {len(election.projects):>4} projects {len(election.votes):>7}"
            f" voters  ours {t_ours:8.4f} s  pabutools {t_theirs:8.2f} s  "
            f"ratio {t_theirs / t_ours:7.0f}×  winners {'identical' if same else 'DIFFER'}",
            flush=True,
        )
    return all_same


def main() -> int:
    ok = True
    for number in LARGEST:
        path = SHARED / f"Netherlands_Amsterdam_{number}.pb.gz"
        if path.exists():
            ok &= compare(f"Amsterdam {number}", read_pb(path))
        else:
            print(f"skipped {path}: not present")
    if "--no-synthetic" not in sys.argv:
        ok &= compare("synthetic (seeded)", synthetic())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
