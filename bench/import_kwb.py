"""Benchmark: import a national-scale KWB table and compare with a raw bulk insert.

Builds a file of ≈ 17k rows × 130 columns by giving the Enschede rows of the real KWB 2024 new,
distinct codes (or reads --file), imports it with the real pipeline on SQLite and, when reachable,
PostgreSQL, and prints observations/s, the ratio to a raw bulk insert of the same observation rows
into a bare table in the same run (executemany on SQLite, COPY on PostgreSQL), and the peak
memory of the import (the process's peak resident size during the import minus its size
before it, so tracing adds no overhead to the timing) against the file size.
Targets: ≤ 3× the raw insert, peak memory ≤ 4× the file size. Each database is measured
--repeat times (each from an empty database) and the median times are reported.
It also prints what the database needs to store the same rows in a table with the
observations' primary key and indexes kept up row by row, the floor (the same rows loaded into a
bare table and then given the observations' keys, indexes and foreign keys, built as pg_restore
does: the least any importer can spend storing them), and the times of a second and a third
year of the same table imported into the same installation.

    python bench/import_kwb.py [--file KWB.csv] [--copies 210] [--repeat 3] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KOMPAS_SHARED_DATA", REPO.parent / "shared" / "data"))
PG_URL = os.environ.get("KOMPAS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def build_national(copies: int, out: Path) -> Path:
    import pandas as pd

    src = SHARED / "kerncijfers" / "kwb2024_85984NED_enschede.csv"
    base = pd.read_csv(src, dtype=str, keep_default_na=False)
    parts = []
    for i in range(copies):
        digits = f"{5000 + i:04d}"
        part = base.copy()
        part["Codering_3"] = part["Codering_3"].str.replace("0153", digits, n=1, regex=False)
        part["WijkenEnBuurten"] = part["WijkenEnBuurten"] + f" ({digits})"
        part["Gemeentenaam_1"] = f"Bench {digits}"
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame.to_csv(out, index=False)
    return out


CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "gebiedskompas.settings"
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
call_command("migrate", verbosity=0)
from gebiedskompas.indicators.services import import_cbs
from gebiedskompas.indicators.models import Observation
path = Path(sys.argv[1])


# Each timed step starts on a quiet machine: the previous step's dirty pages written out
# (PostgreSQL's checkpoint, the kernel's page cache), so that no step pays for another.
def settle():
    if connection.vendor == "postgresql":
        try:
            with connection.cursor() as cur:
                cur.execute("CHECKPOINT")
        except Exception:  # a role without the right to: measured unsettled
            pass
    os.sync()


page = os.sysconf("SC_PAGE_SIZE")
with open("/proc/self/statm") as fh:
    before = int(fh.read().split()[1]) * page
settle()
t0 = time.perf_counter()
summary = import_cbs(path, year=2024)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
rows = list(Observation.objects.filter(is_published=True).values_list(
    "area_id", "indicator_id", "period", "value", "status", "source_key"))
with connection.cursor() as cur:
    cur.execute("DROP TABLE IF EXISTS bench_raw")
    cur.execute("CREATE TABLE bench_raw (area_id bigint, indicator_id bigint, period varchar(10),"
                " value double precision, status varchar(12), source_key varchar(120))")
settle()
t1 = time.perf_counter()
with transaction.atomic(), connection.cursor() as cur:
    if connection.vendor == "postgresql":
        with cur.cursor.copy("COPY bench_raw FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cur.executemany("INSERT INTO bench_raw VALUES (%s, %s, %s, %s, %s, %s)", rows)
raw = time.perf_counter() - t1
# The same rows into a table shaped like the observations, with their primary key, unique
# index and secondary indexes: what storing them costs the database before any parsing.
with connection.cursor() as cur:
    cur.execute("DROP TABLE bench_raw")
    table = Observation._meta.db_table
    if connection.vendor == "postgresql":
        cur.execute(f"CREATE TABLE bench_real (LIKE {table} INCLUDING ALL)")
    else:
        cur.execute("SELECT sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL",
                    [table])
        for (ddl,) in cur.fetchall():
            cur.execute(ddl.replace(f'"{table}"', "bench_real").replace(
                'INDEX "', 'INDEX "bench_'))
cols = "area_id, indicator_id, period, value, status, source_key, is_published"


# The rows, published, into a table shaped like the observations; then these statements.
def load(target, then=()):
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, True))
        else:
            cur.executemany(f"INSERT INTO {target} ({cols}) VALUES "
                            "(%s, %s, %s, %s, %s, %s, %s)", [(*row, True) for row in rows])
        for statement in then:
            cur.execute(statement)


settle()
t2 = time.perf_counter()
load("bench_real")
indexed = time.perf_counter() - t2
with connection.cursor() as cur:
    cur.execute("DROP TABLE bench_real")
# The least any importer can spend storing these rows with the observations' keys, indexes and
# foreign keys: load a bare table, then build them all (as pg_restore does), in one transaction.
with connection.cursor() as cur:
    if connection.vendor == "postgresql":
        cur.execute(f"CREATE TABLE bench_floor (LIKE {table} INCLUDING DEFAULTS INCLUDING "
                    "IDENTITY)")
        cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        builds = [d.replace(f"ON public.{table} ", "ON bench_floor ").replace(
            "INDEX ", "INDEX bench_", 1) for (d,) in cur.fetchall()]
        cur.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'", [table])
        builds += [f"ALTER TABLE bench_floor ADD CONSTRAINT bench_fk_{n} {d}"
                   for n, (d,) in enumerate(cur.fetchall())]
        builds.append("ANALYZE bench_floor")
    else:
        cur.execute("SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL",
                    [table])
        ddl = cur.fetchall()
        for kind, sql in ddl:
            if kind == "table":
                cur.execute(sql.replace(f'"{table}"', "bench_floor"))
        builds = [sql.replace(f'"{table}"', "bench_floor").replace('INDEX "', 'INDEX "bench_')
                  for kind, sql in ddl if kind == "index"]
settle()
t4 = time.perf_counter()
load("bench_floor", builds)
floor = time.perf_counter() - t4
with connection.cursor() as cur:
    cur.execute("DROP TABLE bench_floor")
# A second year of the same table into the same installation.
settle()
t3 = time.perf_counter()
import_cbs(path, year=2023)
second = time.perf_counter() - t3
# And a third: now into a table that holds more rows than the load brings.
settle()
t5 = time.perf_counter()
import_cbs(path, year=2022)
third = time.perf_counter() - t5
print(json.dumps({"seconds": seconds, "raw": raw, "new": summary.new, "peak": peak,
                  "rows": len(rows), "vendor": connection.vendor, "indexed": indexed,
                  "floor": floor, "second": second, "third": third}))
"""


def run_once(file: Path, env: dict[str, str]) -> dict[str, float] | str:
    import json

    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(file)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return out.stderr[-2000:]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def report(label: str, file: Path, results: list[dict[str, float]]) -> None:
    """The median of each time over the runs (the machine's noise moves single runs by
    ±10 %), each run's ratio, and the highest peak memory."""
    from statistics import median

    def mid(key: str) -> float:
        return median(r[key] for r in results)

    seconds, raw, indexed, second = mid("seconds"), mid("raw"), mid("indexed"), mid("second")
    floor, third = mid("floor"), mid("third")
    peak = max(r["peak"] for r in results)
    size = file.stat().st_size
    new = int(results[0]["new"])
    each = ", ".join(f"{r['seconds'] / r['raw']:.2f}x" for r in results)
    print(
        f"{label:<11} {new:>9,} observations in {seconds:6.1f} s ({new / seconds:,.0f}/s); "
        f"raw bulk insert {raw:5.1f} s; ratio {seconds / raw:4.2f}x (target <= 3x; runs: "
        f"{each}); peak memory {peak / 2**20:,.0f} MiB = {peak / size:4.2f}x the file "
        f"({size / 2**20:,.1f} MiB; target <= 4x)"
    )
    print(
        f"{'':<11} the same rows into a table with the observations' indexes: "
        f"{indexed:5.1f} s = {indexed / raw:4.2f}x the raw insert; "
        f"a second year into the same installation: {second:5.1f} s ({second / raw:4.2f}x), "
        f"a third: {third:5.1f} s ({third / raw:4.2f}x)"
    )
    print(
        f"{'':<11} floor (the rows into a bare table, then the observations' keys, indexes "
        f"and foreign keys built, as pg_restore does): {floor:5.1f} s = {floor / raw:4.2f}x the "
        f"raw insert; the import takes {seconds / floor:4.2f}x the floor"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--copies", type=int, default=210)
    parser.add_argument("--repeat", type=int, default=3, help="runs per database (median)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        file = args.file or build_national(args.copies, Path(tmp) / "kwb_national.csv")
        print(f"file: {file.name}, {sum(1 for _ in file.open()) - 1:,} rows")
        results: dict[str, list[dict[str, float]]] = {"SQLite": [], "PostgreSQL": []}
        # One database after the other: PostgreSQL's background writes after a load would
        # otherwise fall in the next SQLite run.
        for attempt in range(args.repeat):
            # Each run starts from an empty database of its own.
            env = {
                **os.environ,
                "KOMPAS_DATA_DIR": str(Path(tmp) / f"sqlite-{attempt}"),
                "KOMPAS_DATABASE_URL": "",
            }
            outcome = run_once(file, env)
            if isinstance(outcome, str):
                print(f"SQLite: failed\n{outcome}")
                return
            results["SQLite"].append(outcome)
            shutil.rmtree(Path(tmp) / f"sqlite-{attempt}", ignore_errors=True)
        for attempt in range(args.repeat):
            if args.no_postgres:
                break
            env = {**os.environ, "KOMPAS_DATA_DIR": str(Path(tmp) / f"pg-{attempt}")}
            import psycopg

            name = f"kompas_bench_{os.getpid()}_{attempt}"
            try:
                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(f"CREATE DATABASE {name}")
            except psycopg.Error as exc:
                print(f"PostgreSQL: not reachable at {PG_URL} ({exc}); skipped")
                args.no_postgres = True
                continue
            try:
                url = PG_URL.rsplit("/", 1)[0] + "/" + name
                outcome = run_once(file, {**env, "KOMPAS_DATABASE_URL": url})
            finally:
                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE {name}")
            if isinstance(outcome, str):
                print(f"PostgreSQL: failed\n{outcome}")
                return
            results["PostgreSQL"].append(outcome)
        for label, runs in results.items():
            if runs:
                report(label, file, runs)


if __name__ == "__main__":
    main()
