"""What the benches share: `kompas serve` in a subprocess on a free port, timed requests as a
browser makes them, and percentiles."""

from __future__ import annotations

import contextlib
import gzip
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(env: dict[str, str], *, threads: int = 4, wait_seconds: float = 60) -> Iterator[str]:
    """`kompas serve` (the production server) with `env`; yields its base URL once it answers,
    and stops it afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gebiedskompas.cli", "serve", "--port", str(port),
         "--threads", str(threads)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/zoeken", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def timed(url: str, n: int) -> list[float]:
    """Each request as a browser makes it: accepting a compressed page, which is unpacked."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            assert response.status == 200 and body, url
        times.append(time.perf_counter() - start)
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
