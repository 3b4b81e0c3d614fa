"""Benchmark: a national-scale database on PostgreSQL, built through the bulk path, with the plans
of the hot queries and the wijkfoto page timed against a trivial view.

Scale 1.0 is the Netherlands: 342 gemeenten, ≈ 3.3k wijken, ≈ 14.5k buurten, 10 years,
100 indicators, every area × indicator × year observed (≈ 18M observations). ``--scale 0.1``
keeps 10 % of the municipalities (same shape per municipality). Steps, each timed:

1. migrate a fresh database ``<name>_national`` next to KOMPAS_DATABASE_URL's;
2. areas with bulk_create, then all observations in ONE transaction through
   ``indicators.bulk.insert_observations`` (COPY) with the (indicator, period) index and the
   foreign keys dropped and rebuilt (``bulk.secondary_index_dropped``), then ANALYZE;
3. EXPLAIN (ANALYZE, BUFFERS) of the hot queries: the observations of one buurt (wijkfoto),
   one indicator × period for the buurten of a municipality (ranking), the buurten of a wijk;
4. ``kompas serve`` on it; p50/p99 of the wijkfoto page and the ranking page against ``/zoeken``.

    KOMPAS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench python bench/national_scale.py \
        --scale 0.1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _serving import p, served, timed  # noqa: E402

GEMEENTEN, WIJKEN_PER_GEMEENTE, BUURTEN_PER_WIJK = 342, 10, 4.3  # ≈ 3.4k wijken, 14.7k buurten
YEARS = [str(y) for y in range(2015, 2025)]


def _square(x: float, y: float, w: float) -> dict[str, object]:
    ring = [[x, y], [x + w, y], [x + w, y + w], [x, y + w], [x, y]]
    return {
        "geojson_wgs84": json.dumps({"type": "Polygon", "coordinates": [ring]}),
        "min_x": x,
        "min_y": y,
        "max_x": x + w,
        "max_y": y + w,
    }


def build(gemeenten: int, indicators: int, seed: int) -> dict[str, object]:
    from django.db import connection, transaction

    from gebiedskompas.areas.models import Area
    from gebiedskompas.indicators import bulk
    from gebiedskompas.indicators.domain.catalogue import load_catalogue
    from gebiedskompas.indicators.models import Indicator

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    fields = {f.name for f in Indicator._meta.get_fields() if hasattr(f, "column")}
    entries = [e for e in load_catalogue() if e.data.get("domain") != "gebied"][:indicators]
    Indicator.objects.bulk_create(
        [
            Indicator(**{k: v for k, v in e.data.items() if k in fields and k != "id"})
            for e in entries
        ]
    )
    indicator_ids = list(Indicator.objects.values_list("id", flat=True))
    with transaction.atomic():
        gms = Area.objects.bulk_create(
            [
                Area(
                    code=f"GM{m:04d}",
                    name=f"Gemeente {m}",
                    level="gemeente",
                    **_square(3.5 + (m % 20) * 0.2, 50.8 + (m // 20) * 0.15, 0.15),
                )
                for m in range(1, gemeenten + 1)
            ]
        )
        for gm in gms:
            gm.municipality = gm
        Area.objects.bulk_update(gms, ["municipality"])
        wks = Area.objects.bulk_create(
            [
                Area(
                    code=f"WK{gm.code[2:]}{w:02d}",
                    name=f"Wijk {gm.code}-{w}",
                    level="wijk",
                    parent=gm,
                    municipality=gm,
                    **_square(gm.min_x + w * 0.015, gm.min_y, 0.015),
                )
                for gm in gms
                for w in range(WIJKEN_PER_GEMEENTE)
            ]
        )
        buurten = []
        for n, wk in enumerate(wks):
            count = 4 + (1 if n % 10 < 3 else 0)  # 4.3 per wijk on average
            buurten += [
                Area(
                    code=f"BU{wk.code[2:]}{b:02d}",
                    name=f"Buurt {wk.code}-{b}",
                    level="buurt",
                    parent=wk,
                    municipality=wk.municipality,
                    **_square(wk.min_x, wk.min_y + b * 0.015, 0.015),
                )
                for b in range(count)
            ]
        Area.objects.bulk_create(buurten, batch_size=5000)
    area_ids = list(Area.objects.values_list("id", flat=True))
    timings["areas"] = time.perf_counter() - start
    expected = len(area_ids) * len(indicator_ids) * len(YEARS)

    def rows():  # type: ignore[no-untyped-def]
        for area_id in area_ids:
            base = rng.uniform(10, 1000)
            for indicator_id in indicator_ids:
                for t, year in enumerate(YEARS):
                    value = round(base * (1 + 0.01 * t) + rng.random(), 1)
                    yield (
                        area_id,
                        indicator_id,
                        year,
                        value,
                        "ok",
                        None,
                        None,
                        None,
                        True,
                        None,
                        "",
                    )

    start = time.perf_counter()
    with transaction.atomic(), bulk.secondary_index_dropped(expected):
        written = bulk.insert_observations(rows())
        timings["copy"] = time.perf_counter() - start
    timings["observations"] = time.perf_counter() - start
    start = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - start
    return {
        "areas": len(area_ids),
        "buurten": len(buurten),
        "wijken": len(wks),
        "indicators": len(indicator_ids),
        "observations": written,
        "seconds": timings,
    }


def explain() -> dict[str, str]:
    from gebiedskompas.areas.models import Area
    from gebiedskompas.indicators.models import Indicator, Observation

    buurt = Area.objects.filter(level="buurt").order_by("code")[1000 % Area.objects.count()]
    gemeente = buurt.municipality
    indicator_id = Observation.objects.filter(area=buurt).values_list("indicator_id", flat=True)[0]
    queries = {
        "wijkfoto: observations of one buurt": Observation.objects.filter(area=buurt),
        "ranking: one indicator × period, buurten of a municipality": Observation.objects.filter(
            indicator_id=indicator_id,
            period="2024",
            area__municipality=gemeente,
            area__level="buurt",
        ),
        "tree: buurten of a wijk": Area.objects.filter(parent_id=buurt.parent_id),
    }
    return {name: qs.explain(analyze=True, buffers=True) for name, qs in queries.items()} | {
        "_buurt": buurt.code,
        "_indicator": Indicator.objects.get(pk=indicator_id).key,
        "_gemeente": gemeente.code if gemeente else "",
    }


def child(step: str, gemeenten: int, indicators: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedskompas.settings")
    import django

    django.setup()
    if step == "build":
        from django.core.management import call_command

        start = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        migrated = time.perf_counter() - start
        info = build(gemeenten, indicators, 2026)
        info["seconds"]["migrate"] = migrated  # type: ignore[index]
        print(json.dumps(info))
    else:
        print(json.dumps(explain()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the 342 gemeenten")
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    gemeenten = max(1, round(GEMEENTEN * args.scale))
    if args.child:
        child(args.child, gemeenten, args.indicators)
        return
    url = os.environ.get("KOMPAS_DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set KOMPAS_DATABASE_URL to a PostgreSQL database (its server is used)")
    import psycopg

    base, _, name = url.rpartition("/")
    database = f"{name}_national"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    # A fresh data folder too: the page cache of an earlier run is of another database.
    shutil.rmtree(Path("/tmp") / f"kompas-bench-{database}", ignore_errors=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "KOMPAS_DATABASE_URL": f"{base}/{database}",
        "KOMPAS_DATA_DIR": str(Path("/tmp") / f"kompas-bench-{database}"),
        # The bench asks the API far more often than the public rate limit allows.
        "KOMPAS_API_ANON_RATE": "1000000/min",
    }

    def run(step: str) -> dict:  # type: ignore[type-arg]
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                step,
                "--scale",
                str(args.scale),
                "--indicators",
                str(args.indicators),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            sys.exit(out.stderr)
        return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]

    start = time.perf_counter()
    info = run("build")
    total = time.perf_counter() - start
    s = info["seconds"]
    print(
        f"scale {args.scale}: {gemeenten} gemeenten, {info['wijken']} wijken, "
        f"{info['buurten']} buurten, {info['indicators']} indicators × {len(YEARS)} years"
    )
    print(
        f"built {info['observations']:,} observations in {total:.0f} s: migrate "
        f"{s['migrate']:.0f} s, areas {s['areas']:.0f} s, COPY {s['copy']:.0f} s, index and "
        f"foreign keys {s['observations'] - s['copy']:.0f} s, ANALYZE {s['analyze']:.0f} s "
        f"({info['observations'] / s['observations']:,.0f} rows/s)",
        flush=True,
    )
    plans = run("explain")
    for query, plan in plans.items():
        if not query.startswith("_"):
            print(f"\n-- {query}\n{plan}")
    with served(env, wait_seconds=120) as site:
        pages = {
            "trivial": "/zoeken",
            "wijkfoto": f"/gebieden/{plans['_buurt']}/",
            "ranking": f"/ranglijst/?niveau=buurt&gemeente={plans['_gemeente']}",
            # The API's hot reads: one area, a municipality's buurten, one indicator's values
            # for a municipality's tree in one period.
            "api-gebied": f"/api/v1/gebieden/{plans['_buurt']}",
            "api-gebieden": f"/api/v1/gebieden?niveau=buurt&gemeente={plans['_gemeente']}",
            "api-waarnemingen": (
                f"/api/v1/waarnemingen?gebied={plans['_gemeente']}&indicator="
                f"{plans['_indicator']}&periode=2024"
            ),
        }
        for path in pages.values():
            timed(site + path, 3)
        results = {page: timed(site + path, args.requests) for page, path in pages.items()}
        # First visits of buurten across the country, before any warming: each built from
        # the database (its municipality's disclosure control included, once per process).
        rng = random.Random(7)
        spread = sorted(
            {f"BU{rng.randint(1, gemeenten):04d}{rng.randrange(10):02d}{rng.randrange(4):02d}"
             for _ in range(min(args.requests, 40))}
        )  # fmt: skip
        results["wijkfoto-cold"] = [timed(f"{site}/gebieden/{code}/", 1)[0] for code in spread]
        # What the worker does after an import, for one municipality, then first visits of
        # its buurten: served as warmed.
        gemeente = plans["_gemeente"]
        start = time.perf_counter()
        warm = subprocess.run(
            [sys.executable, "-m", "gebiedskompas.cli", "cache", "warm", "--municipality",
             gemeente, "--json"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        rendered = json.loads(warm.stdout)["rendered"]
        seconds = time.perf_counter() - start
        print(f"warmed {rendered} pages of {gemeente} (nl and en) in {seconds:.1f} s", flush=True)
        own = [f"/gebieden/BU{gemeente[2:]}{w:02d}{b:02d}/" for w in range(10) for b in range(4)]
        results["wijkfoto-warmed"] = [
            timed(site + path, 1)[0] for path in own if path != pages["wijkfoto"]
        ]
    print(
        "\nwijkfoto, ranking: repeat visits (page cache); wijkfoto-warmed: first visits after "
        "the worker's warming; wijkfoto-cold: first visits before it; api-*: the JSON API"
    )
    print(f"\n{'page':<16} {'p50 ms':>8} {'p99 ms':>8} {'p50/trivial':>12} {'p99/trivial':>12}")
    for page, values in results.items():
        ratio = p(values, 0.5) / p(results["trivial"], 0.5)
        ratio99 = p(values, 0.99) / p(results["trivial"], 0.99)
        print(
            f"{page:<16} {p(values, 0.5) * 1e3:8.1f} {p(values, 0.99) * 1e3:8.1f} "
            f"{ratio:12.2f} {ratio99:12.2f}"
        )


if __name__ == "__main__":
    main()
