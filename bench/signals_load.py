"""Load benchmark: 50 concurrent clients submit signals through the public form and Open311.

Builds a small installation in a temporary data folder (one municipality, a grid of buurten with
boundaries, one category, a partner with an API key), serves it with the production server
(`kompas serve`, waitress) on loopback, and lets `--clients` threads submit `--signals` signals
in all (half by the web form with its CSRF token and idempotency token, half by Open311 with an
Idempotency-Key header), bounded by `--seconds`. A request that fails (connection error, 5xx,
429) is retried with the SAME idempotency key. Afterwards the stored signals are counted per key.

Prints the throughput, p50/p95 of a submission against a trivial view (`/zoeken`) loaded by the
same clients in the same run (target ≤ 3× p50), and the count check: submitted = stored, 0 lost,
0 duplicated. Run from the repo root:

    python bench/signals_load.py                      # SQLite, 50 clients, 1000 signals
    KOMPAS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/benchsig python bench/signals_load.py
    ... --pg-restart   # also restart PostgreSQL halfway (pg_ctlcluster; needs the rights)

`--pg-restart` restarts the server's database cluster: never run it on a shared machine.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serving import served  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
GRID = 4  # buurten per side
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RETRIES = 30


# --- in the server's database (run as a subprocess with Django set up) -----------------------


def setup() -> dict:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model

    from gebiedskompas.accounts.models import Organisation
    from gebiedskompas.accounts.services import assign_role, ensure_default_roles, issue_token
    from gebiedskompas.areas.models import Area, Level
    from gebiedskompas.signals.models import Category

    ensure_default_roles()
    x0, y0, size = 5.0, 52.0, 0.01

    def square(x: float, y: float, s: float) -> str:
        ring = [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]
        return json.dumps({"type": "Polygon", "coordinates": [ring]})

    gm = Area.objects.create(code="GM9999", name="Gemeente Voorbeeld", level=Level.GEMEENTE,
                             geojson_wgs84=square(x0, y0, size * GRID))  # fmt: skip
    gm.municipality = gm
    gm.save()
    outline = square(x0, y0, size * GRID)
    wijk = Area.objects.create(code="WK999901", name="Wijk", level=Level.WIJK, parent=gm,
                               municipality=gm, geojson_wgs84=outline)  # fmt: skip
    for i in range(GRID):
        for j in range(GRID):
            x, y = x0 + i * size, y0 + j * size
            Area.objects.create(
                code=f"BU9999{i:02d}{j:02d}", name=f"Buurt {i}-{j}", level=Level.BUURT,
                parent=wijk, municipality=gm, geojson_wgs84=square(x, y, size),
                min_x=x, max_x=x + size, min_y=y, max_y=y + size,
            )  # fmt: skip
    department = Organisation.objects.create(code="reiniging", name="Reiniging",
                                             kind="department", municipality=gm)  # fmt: skip
    main = Category.objects.create(municipality=gm, code="afval", name="Afval")
    Category.objects.create(municipality=gm, code="zwerfafval", name="Zwerfafval", parent=main,
                            default_department=department, handling_days=3)  # fmt: skip
    from gebiedskompas.accounts.models import ApiToken

    partner = get_user_model().objects.create_user("partner-api")
    assign_role(partner, "afdeling", "GM9999")
    key = issue_token(partner, "bench")
    return {"api_key": key, "token_pk": ApiToken.objects.get(user=partner).pk,
            "box": [x0, y0, x0 + size * GRID, y0 + size * GRID]}  # fmt: skip


def count(keys: list[str]) -> dict:
    from django.db.models import Count

    from gebiedskompas.signals.models import Signal

    stored = dict(
        Signal.objects.filter(idempotency_key__in=keys)
        .values_list("idempotency_key")
        .annotate(n=Count("pk"))
        .values_list("idempotency_key", "n")
    )
    return {
        "stored": len(stored),
        "duplicated": sum(n - 1 for n in stored.values() if n > 1),
        "lost": len(set(keys) - set(stored)),
        "total_signals": Signal.objects.count(),
    }


# --- the load --------------------------------------------------------------------------------


@dataclass
class Tally:
    submit_times: list[float] = field(default_factory=list)
    trivial_times: list[float] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # idempotency keys as stored
    retries: int = 0
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _send(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request
) -> tuple[int, str]:
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


class Client(threading.Thread):
    def __init__(self, n: int, base: str, info: dict, jobs: list[str], tally: Tally,
                 deadline: float, trivial: int) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.n, self.base, self.info, self.jobs, self.tally = n, base, info, jobs, tally
        self.deadline, self.trivial = deadline, trivial
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def point(self, i: int) -> tuple[float, float]:
        x0, y0, x1, y1 = self.info["box"]
        fx, fy = ((self.n * 7 + i * 13) % 97 + 0.5) / 98, ((self.n * 11 + i * 5) % 89 + 0.5) / 90
        return y0 + fy * (y1 - y0), x0 + fx * (x1 - x0)

    def retrying(self, make: object, ok: object) -> bool:
        """Call `make` (one attempt: status, body, seconds of the submitting request) until `ok`;
        every attempt of one signal carries the same idempotency key."""
        for attempt in range(RETRIES):
            try:
                status, body, seconds = make()  # type: ignore[operator]
            except OSError:
                status, body, seconds = 0, "", 0.0
            if ok(status, body):  # type: ignore[operator]
                with self.tally.lock:
                    self.tally.submit_times.append(seconds)
                return True
            with self.tally.lock:
                self.tally.retries += 1
            time.sleep(min(0.05 * 2**attempt, 2.0))
        return False

    def form(self, i: int) -> None:
        token = uuid.uuid4().hex
        key = f"form:{token}"
        with self.tally.lock:
            self.tally.keys.append(key)
        lat, lon = self.point(i)

        def make() -> tuple[int, str, float]:
            status, page = _send(
                self.opener, urllib.request.Request(self.base + "/meldingen/nieuw/")
            )
            found = CSRF.search(page)
            if status != 200 or not found:
                return status or 599, "", 0.0
            data = urllib.parse.urlencode({
                "csrfmiddlewaretoken": found.group(1), "category": "GM9999/zwerfafval",
                "description": f"Zwerfafval bij de container, client {self.n} melding {i}",
                "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "token": token,
            }).encode()  # fmt: skip
            request = urllib.request.Request(self.base + "/meldingen/nieuw/", data=data,
                                             headers={"Referer": self.base + "/"})  # fmt: skip
            start = time.perf_counter()
            status, body = _send(self.opener, request)
            return status, body, time.perf_counter() - start

        if not self.retrying(make, lambda s, b: s == 200 and "kenmerk" in b):
            self.tally.failed.append(key)

    def open311(self, i: int) -> None:
        retry_key = uuid.uuid4().hex
        with self.tally.lock:
            self.tally.keys.append(f"open311:{self.info['token_pk']}:{retry_key}")
        lat, lon = self.point(i)
        data = urllib.parse.urlencode({
            "api_key": self.info["api_key"], "service_code": "zwerfafval",
            "description": f"Open311: afval, client {self.n} melding {i}",
            "lat": f"{lat:.6f}", "long": f"{lon:.6f}",
        }).encode()  # fmt: skip

        def make() -> tuple[int, str, float]:
            request = urllib.request.Request(self.base + "/open311/v2/requests.json", data=data,
                                             headers={"Idempotency-Key": retry_key})  # fmt: skip
            start = time.perf_counter()
            status, body = _send(self.opener, request)
            return status, body, time.perf_counter() - start

        if not self.retrying(make, lambda s, b: s in (200, 201) and "service_request_id" in b):
            self.tally.failed.append(retry_key)

    def trivial_view(self) -> None:
        start = time.perf_counter()
        try:
            status, _body = _send(self.opener, urllib.request.Request(self.base + "/zoeken"))
        except OSError:
            return
        if status == 200:
            with self.tally.lock:
                self.tally.trivial_times.append(time.perf_counter() - start)

    def run(self) -> None:
        # The trivial view is asked between submissions, so it is timed under the same load.
        for i, kind in enumerate(self.jobs):
            if time.perf_counter() > self.deadline:
                return
            (self.form if kind == "form" else self.open311)(i)
            if i % max(1, len(self.jobs) // max(1, self.trivial)) == 0:
                self.trivial_view()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def django_call(env: dict[str, str], what: str, payload: object) -> dict:
    out = subprocess.run([sys.executable, __file__, "--inside", what, json.dumps(payload)],
                         env=env, capture_output=True, text=True, check=False)  # fmt: skip
    if out.returncode != 0:
        sys.exit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def restart_postgres(after: float, command: list[str]) -> threading.Thread:
    def act() -> None:
        time.sleep(after)
        print(f"restarting PostgreSQL: {' '.join(command)}", flush=True)
        subprocess.run(command, check=False)

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--signals", type=int, default=1000, help="in all, half per channel")
    parser.add_argument("--seconds", type=float, default=180, help="stop submitting after this")
    parser.add_argument("--trivial", type=int, default=10, help="trivial-view requests per client")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--pg-restart", action="store_true",
                        help="restart PostgreSQL halfway through (pg_ctlcluster)")  # fmt: skip
    parser.add_argument("--pg-restart-command", default="pg_ctlcluster 15 main restart")
    parser.add_argument("--inside", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedskompas.settings")
        import django

        django.setup()
        what, payload = args.inside
        print(json.dumps(setup() if what == "setup" else count(json.loads(payload))))
        return
    url = os.environ.get("KOMPAS_DATABASE_URL", "")
    if args.pg_restart and not url:
        sys.exit("--pg-restart needs KOMPAS_DATABASE_URL (PostgreSQL)")
    tmp = Path(tempfile.mkdtemp(prefix="kompas-signals-bench-"))
    env = {**os.environ, "PYTHONPATH": str(SRC), "KOMPAS_DATA_DIR": str(tmp),
           "KOMPAS_FORM_RATE": "1000000/hour", "KOMPAS_API_USER_RATE": "1000000/minute",
           "KOMPAS_API_ANON_RATE": "1000000/minute"}  # fmt: skip
    if url:
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        info = django_call(env, "setup", None)
        with served(env, threads=args.threads, wait_seconds=30) as base_url:
            share, rest = divmod(args.signals, args.clients)
            per_client = [share + (1 if n < rest else 0) for n in range(args.clients)]
            tally = Tally()
            start = time.perf_counter()
            deadline = start + args.seconds
            clients = [
                Client(n, base_url, info, ["form" if (n + i) % 2 == 0 else "open311"
                                           for i in range(per_client[n])], tally, deadline,
                       args.trivial)
                for n in range(args.clients)
            ]  # fmt: skip
            if args.pg_restart:
                restart_postgres(args.seconds / 4, args.pg_restart_command.split())
            for c in clients:
                c.start()
            for c in clients:
                c.join()
            elapsed = time.perf_counter() - start
            counted = django_call(env, "count", tally.keys)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    submitted = len(tally.keys)
    sub50, sub95 = pct(tally.submit_times, 0.5), pct(tally.submit_times, 0.95)
    triv50, triv95 = pct(tally.trivial_times, 0.5), pct(tally.trivial_times, 0.95)
    engine = "PostgreSQL" if url else "SQLite"
    print(f"{engine}; {args.clients} clients, waitress {args.threads} threads; "
          f"{submitted} signals submitted in {elapsed:.1f} s "
          f"({submitted / elapsed:.1f} signals/s, form GETs included)")  # fmt: skip
    print(f"submit (the POST of the form or Open311): p50 {sub50 * 1000:.0f} ms, "
          f"p95 {sub95 * 1000:.0f} ms")  # fmt: skip
    print(f"trivial view /zoeken under the same load: p50 {triv50 * 1000:.0f} ms, "
          f"p95 {triv95 * 1000:.0f} ms")  # fmt: skip
    ratio50 = sub50 / triv50 if triv50 else float("inf")
    ratio95 = sub95 / triv95 if triv95 else float("inf")
    print(f"ratio submit / trivial: p50 {ratio50:.2f}x (target <= 3x), p95 {ratio95:.2f}x")
    print(f"retries with the same idempotency key: {tally.retries}; "
          f"gave up: {len(tally.failed)}")  # fmt: skip
    print(f"count check: submitted {submitted}, stored {counted['stored']}, lost "
          f"{counted['lost']}, duplicated {counted['duplicated']} "
          f"(signals in the database: {counted['total_signals']})")  # fmt: skip
    ok = counted["stored"] == submitted and not counted["lost"] and not counted["duplicated"]
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
