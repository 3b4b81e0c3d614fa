"""Benchmark: the wijkfoto and the ranking page at one-municipality and at larger scale.

Generates a synthetic installation (gemeenten › wijken › buurten, square geometry with bounding
boxes, every area × indicator × year observed), serves it with waitress (`kompas serve`, the
production server) in a subprocess, and times each page against a trivial view (`/zoeken`, the
empty search page: same base template, no query) on the same server in the same run. It does
that twice, for one municipality and for `--municipalities`, and prints p50/p99, the ratios to
the trivial view (targets ≤ 3× p50, ≤ 10× p99) and the ratio large / one-municipality scale
(target ≤ 1.5×). Run from the repo root:

    python bench/area_page.py                      # 50 × 60 buurten × 10 years × 40 indicators
    python bench/area_page.py --national           # 342 × 42 buurten (≈ 14.4k) × 10 × 100
    KOMPAS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/benchdb python bench/area_page.py

With PostgreSQL the databases ``<name>_m1`` and ``<name>_mN`` are (re)created next to the given
one. Use ``--requests`` to change the number of timed requests per page.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _serving import p, served, timed  # noqa: E402

SRC = ROOT / "src"
WIJK_SIZE = 6
YEARS = tuple(range(2015, 2025))
STRUCTURAL = (
    "bevolkingsdichtheid",
    "koopwoningen",
    "percentage_meergezinswoning",
    "gemiddelde_huishoudensgrootte",
    "woz_waarde",
)


# --- data -------------------------------------------------------------------------------------


def generate(municipalities: int, buurten: int, indicators: int, years: int, seed: int) -> dict:
    """Fill the configured database (migrated) with the synthetic installation. Runs in a
    subprocess with Django set up for that database."""
    import numpy as np
    from django.db import connection, transaction

    from gebiedskompas.areas.models import Area, AreaYear
    from gebiedskompas.indicators.domain.catalogue import load_catalogue
    from gebiedskompas.indicators.models import Indicator

    rng = np.random.default_rng(seed)
    catalogue = [e for e in load_catalogue() if e.data.get("domain") != "gebied"]
    wanted = ["inwoners", *STRUCTURAL]
    entries = [e for e in catalogue if e.key in wanted]
    entries += [e for e in catalogue if e.key not in wanted][: max(0, indicators - len(entries))]
    fields = {f.name for f in Indicator._meta.get_fields() if hasattr(f, "column")}
    Indicator.objects.bulk_create(
        [
            Indicator(
                **{k: v for k, v in e.data.items() if k in fields and k not in ("id", "direction")},
                direction=e.data.get("direction")
                if e.data.get("direction") != "neutral"
                else ["higher_is_better", "higher_is_worse", "neutral"][n % 3],
            )
            for n, e in enumerate(entries)
        ]
    )
    ids = dict(Indicator.objects.values_list("key", "id"))
    counts = {key for key, is_count in Indicator.objects.values_list("key", "is_count") if is_count}
    size = 0.01
    created = 0
    with transaction.atomic():
        for m in range(municipalities):
            gx, gy = 3.5 + (m % 20) * 0.2, 50.8 + (m // 20) * 0.15
            code = f"GM{m + 1:04d}"
            n_wijken = max(1, buurten // WIJK_SIZE)
            cols = int(np.ceil(np.sqrt(buurten)))

            def square(x: float, y: float, w: float, h: float) -> dict:
                ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
                return {
                    "geojson_wgs84": json.dumps({"type": "Polygon", "coordinates": [ring]}),
                    "min_x": x,
                    "min_y": y,
                    "max_x": x + w,
                    "max_y": y + h,
                }

            gemeente = Area.objects.create(
                code=code,
                name=f"Gemeente {m + 1}",
                level="gemeente",
                **square(gx, gy, cols * size, cols * size),
            )
            gemeente.municipality = gemeente
            gemeente.save(update_fields=["municipality"])
            wijken = Area.objects.bulk_create(
                [
                    Area(
                        code=f"WK{m + 1:04d}{w:02d}",
                        name=f"Wijk {m + 1}-{w}",
                        level="wijk",
                        parent=gemeente,
                        municipality=gemeente,
                        **square(gx + w * size, gy, size, cols * size),
                    )
                    for w in range(n_wijken)
                ]
            )
            wijken = list(Area.objects.filter(parent=gemeente).order_by("code"))
            Area.objects.bulk_create(
                [
                    Area(
                        code=f"BU{m + 1:04d}{b // WIJK_SIZE:02d}{b % WIJK_SIZE:02d}",
                        name=f"Buurt {m + 1}-{b}",
                        level="buurt",
                        parent=wijken[min(b // WIJK_SIZE, n_wijken - 1)],
                        municipality=gemeente,
                        **square(gx + (b % cols) * size, gy + (b // cols) * size, size, size),
                    )
                    for b in range(buurten)
                ]
            )
            area_ids = list(Area.objects.filter(municipality=gemeente).values_list("id", flat=True))
            AreaYear.objects.bulk_create(
                [
                    AreaYear(area_id=a, year=y, change_indicator="1")
                    for a in area_ids
                    for y in YEARS[-years:]
                ]
            )
            rows = []
            for area_id in area_ids:
                base = rng.uniform(500, 5000)
                for key, indicator_id in ids.items():
                    level = rng.uniform(5, 80)
                    for t, year in enumerate(YEARS[-years:]):
                        if key == "inwoners":
                            value = round(base * (1 + 0.01 * t))
                        elif key in counts:
                            value = round(base * level / 100)
                        else:
                            value = round(level * (1 + 0.01 * t) + rng.normal(0, 1), 1)
                        rows.append((area_id, indicator_id, str(year), value, "ok", True, ""))
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO indicators_observation (area_id, indicator_id, period, value, "
                    "status, is_published, source_key) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )
            created += len(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"observations": created, "areas": Area.objects.count(), "indicators": len(ids)}


# --- serving and timing -------------------------------------------------------------------------


def run_scale(
    label: str, env: dict[str, str], args: argparse.Namespace, municipalities: int
) -> dict:
    generate_cmd = [
        sys.executable,
        __file__,
        "--generate",
        json.dumps(
            {
                "municipalities": municipalities,
                "buurten": args.buurten,
                "indicators": args.indicators,
                "years": args.years,
                "seed": 2026,
            }
        ),
    ]
    start = time.perf_counter()
    out = subprocess.run(generate_cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(out.stderr)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"[{label}] generated {info['areas']} areas, {info['observations']:,} observations "
        f"in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    with served(env) as base:
        pages = {
            "trivial": "/zoeken",
            "wijkfoto": "/gebieden/BU00010102/",
            "ranking": "/ranglijst/?indicator=koopwoningen&niveau=buurt&gemeente=GM0001",
        }
        results = {}
        for path in pages.values():
            timed(base + path, 5)  # warm up
        for name, path in pages.items():
            results[name] = timed(base + path, args.requests)
        # First visits: each buurt's wijkfoto once, so none comes from the page cache.
        cold = [
            f"/gebieden/BU0001{b // WIJK_SIZE:02d}{b % WIJK_SIZE:02d}/" for b in range(args.buurten)
        ]
        cold = [c for c in cold if c != pages["wijkfoto"]][: min(args.requests, 40)]
        results["wijkfoto-cold"] = [timed(base + path, 1)[0] for path in cold]
        # What the worker does after an import (kompas cache warm), then first visits of the
        # pages nobody opened yet: served as warmed.
        start = time.perf_counter()
        warm = subprocess.run(
            [sys.executable, "-m", "gebiedskompas.cli", "cache", "warm", "--municipality",
             "GM0001", "--json"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        warmed = json.loads(warm.stdout)
        seconds = time.perf_counter() - start
        print(
            f"[{label}] warmed {warmed['rendered']} pages (nl and en) in {seconds:.1f} s "
            f"({warmed['rendered'] / seconds:.0f} pages/s, one process)",
            flush=True,
        )
        unvisited = [f"/gebieden/WK0001{w:02d}/" for w in range(max(1, args.buurten // WIJK_SIZE))]
        unvisited += [
            f"/gebieden/BU0001{b // WIJK_SIZE:02d}{b % WIJK_SIZE:02d}/" for b in range(args.buurten)
        ]
        unvisited = [u for u in unvisited if u not in cold and u != pages["wijkfoto"]]
        results["wijkfoto-warmed"] = [timed(base + path, 1)[0] for path in unvisited]
        return results


def environment(scale: str, tmp: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "KOMPAS_DATA_DIR": str(tmp / scale)}
    url = os.environ.get("KOMPAS_DATABASE_URL", "")
    if url:
        import psycopg

        base, _, name = url.rpartition("/")
        db = f"{name}_{scale}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
            conn.execute(f'CREATE DATABASE "{db}"')
        env["KOMPAS_DATABASE_URL"] = f"{base}/{db}"
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int, default=50)
    parser.add_argument("--buurten", type=int, default=60, help="buurten per municipality")
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--national", action="store_true", help="342 × 42 buurten × 100 ind.")
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedskompas.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        print(json.dumps(generate(**json.loads(args.generate))))
        return
    if args.national:
        args.municipalities, args.buurten, args.indicators = 342, 42, 100
    tmp = Path(tempfile.mkdtemp(prefix="kompas-bench-"))
    engine = "PostgreSQL" if os.environ.get("KOMPAS_DATABASE_URL") else "SQLite"
    print(
        f"{engine}; {args.buurten} buurten per municipality, {args.indicators} indicators, "
        f"{args.years} years; {args.requests} timed requests per page"
    )
    try:
        scales = {}
        for label, count in (("m1", 1), (f"m{args.municipalities}", args.municipalities)):
            scales[label] = run_scale(label, environment(label, tmp), args, count)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    small, large = scales["m1"], scales[f"m{args.municipalities}"]
    print(
        "\nwijkfoto and ranking: repeat visits, served from the page cache (keyed by the data "
        "version);\nwijkfoto-cold: first visits of other buurten before the worker warmed the "
        "cache, each built from the database;\nwijkfoto-warmed: first visits of the remaining "
        "wijken and buurten after `kompas cache warm` (what the worker runs after an import)."
    )
    print(
        f"\n{'page':<16} {'scale':<6} {'p50 ms':>8} {'p99 ms':>8} {'p50/triv':>9} {'p99/triv':>9}"
    )
    for page in ("trivial", "wijkfoto", "ranking", "wijkfoto-warmed", "wijkfoto-cold"):
        for label, result in (("m1", small), (f"m{args.municipalities}", large)):
            t50, t99 = p(result[page], 0.5), p(result[page], 0.99)
            r50 = t50 / p(result["trivial"], 0.5)
            r99 = t99 / p(result["trivial"], 0.99)
            print(f"{page:<16} {label:<6} {t50 * 1e3:8.1f} {t99 * 1e3:8.1f} {r50:9.2f} {r99:9.2f}")
    for page in ("wijkfoto", "ranking", "wijkfoto-warmed", "wijkfoto-cold"):
        ratio = statistics.median(large[page]) / statistics.median(small[page])
        print(
            f"{page}: p50 at {args.municipalities} municipalities / at one = {ratio:.2f}"
            " (target ≤ 1.5)"
        )


if __name__ == "__main__":
    main()
