"""Run the real `kompas` command in a child process on its own data folder and database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG = "postgresql://postgres@127.0.0.1:5432"


def env_for(data_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOMPAS_")}
    env |= {"KOMPAS_DATA_DIR": str(data_dir), "KOMPAS_DATABASE_URL": database_url}
    env |= extra
    return env


def kompas(
    env: dict[str, str], *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "gebiedskompas.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"kompas {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


@contextmanager
def scratch_databases(*names: str) -> Iterator[list[str]]:
    """Fresh, empty PostgreSQL databases (dropped afterwards); URLs in order."""
    import psycopg

    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [f"{PG}/{name}" for name in names]
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cbs_rows(wijken: int, buurten_per_wijk: int, code: str = "9997") -> list[list[str]]:
    """A CBS KWB-style table of one municipality (GM<code>) with wijken and buurten."""
    rows = [
        [
            "1",
            "Proefstad",
            "Proefstad",
            "Gemeente",
            f"GM{code}",
            "1",
            str(wijken * buurten_per_wijk * 100),
            "0",
            "0",
            "300",
        ]
    ]
    n = 2
    for w in range(1, wijken + 1):
        wk = f"WK{code}{w:02d}"
        rows.append(
            [
                str(n),
                f"Wijk {w}",
                "Proefstad",
                "Wijk",
                wk,
                "1",
                str(buurten_per_wijk * 100),
                "0",
                "0",
                "280",
            ]
        )
        n += 1
        for b in range(1, buurten_per_wijk + 1):
            rows.append(
                [
                    str(n),
                    f"Buurt {w}.{b}",
                    "Proefstad",
                    "Buurt",
                    f"BU{code}{w:02d}{b:02d}",
                    "1",
                    "100",
                    str(40 + b % 20),
                    str(60 - b % 20),
                    str(200 + b),
                ]
            )
            n += 1
    return rows
