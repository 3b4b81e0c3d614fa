"""Write tests/fixtures/schema/<release>.sqlite.gz: the schema of a release plus a little data.

Run it from the repository root at the commit of each release, before the first migration of
the next release lands, and commit the file:

    PYTHONPATH=src python tests/ops/make_schema_fixture.py 0.1

tests/ops/test_upgrade.py then migrates every fixture forward to the current head.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(release: str) -> Path:
    data_dir = Path(tempfile.mkdtemp(prefix="kompas-fixture-"))
    os.environ.update(
        {
            "KOMPAS_DATA_DIR": str(data_dir),
            "KOMPAS_DATABASE_URL": "",
            "DJANGO_SETTINGS_MODULE": "gebiedskompas.settings",
        }
    )
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    from gebiedskompas.indicators.services import import_cbs
    from gebiedskompas.signals.services import ReporterInput, SignalInput, create_signal
    from tests.indicators.cbs_files import write_cbs
    from tests.ops.helpers import cbs_rows
    from tests.signals.conftest import build_place

    call_command("migrate", interactive=False, verbosity=0)
    import_cbs(write_cbs(data_dir / "kwb.csv", cbs_rows(2, 3)), year=2024)
    place = build_place()
    lat, lon = place.inside(0)
    create_signal(
        SignalInput(
            category_code="zwerfafval",
            idempotency_key="fixture-1",
            municipality_code="GM9999",
            description="Zwerfafval",
            lat=lat,
            lon=lon,
            reporter=ReporterInput(name="A. Melder", email="melder@example.org"),
        )
    )
    from django.db import connection

    connection.close()
    target = REPO / "tests" / "fixtures" / "schema" / f"{release}.sqlite.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    plain = data_dir / "release.sqlite3"
    plain.unlink(missing_ok=True)
    with sqlite3.connect(data_dir / "kompas.sqlite3") as source:
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        source.execute(f"VACUUM INTO '{plain}'")
    # Gzipped: a mostly empty schema compresses about 30-fold (1.1 MB → 40 kB).
    with plain.open("rb") as raw, gzip.open(target, "wb", compresslevel=9, mtime=0) as out:
        shutil.copyfileobj(raw, out)
    return target


if __name__ == "__main__":
    print(main(sys.argv[1]))
