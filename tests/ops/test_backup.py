"""`kompas backup` then `kompas restore` into an empty installation gives identical exports.

The backup is taken of the test database itself (SQLite by the online backup API when the suite
runs on SQLite, pg_dump when it runs on PostgreSQL, dumpdata on either) and restored by the real
command into a fresh installation of the same engine, whose export is compared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from gebiedskompas.indicators.exports import export_observations
from gebiedskompas.indicators.services import import_cbs
from gebiedskompas.ops.backup import create_backup, read_manifest
from tests.indicators.cbs_files import write_cbs
from tests.ops.helpers import cbs_rows, env_for, kompas, scratch_databases

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _fill(tmp: Path) -> str:
    import_cbs(write_cbs(tmp / "kwb.csv", cbs_rows(3, 4)), year=2024)
    photo = Path(settings.MEDIA_ROOT) / "signals" / "2026" / "foto.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"\xff\xd8 a photo")
    out = tmp / "before.csv"
    export_observations(fmt="csv", output=out)
    return out.read_text()


def _restore_and_export(tmp: Path, env: dict[str, str], archive: Path, *, again: bool) -> str:
    kompas(env, "restore", str(archive))
    out = tmp / "after.csv"
    kompas(env, "export", "observations", "--format", "csv", "-o", str(out))
    restored = Path(env["KOMPAS_DATA_DIR"]) / "uploads" / "signals" / "2026" / "foto.jpg"
    assert restored.read_bytes() == b"\xff\xd8 a photo"
    if again:
        refused = kompas(env, "restore", str(archive), check=False)
        assert refused.returncode == 1 and "already holds data" in refused.stderr
    return out.read_text()


@pytest.mark.parametrize("method", ["native", "dumpdata"])
def test_restore_into_an_empty_installation_gives_identical_exports(
    tmp_path: Path, method: str, sqlite_install: Callable[..., dict[str, str]]
) -> None:
    before = _fill(tmp_path)
    assert before.count("\n") > 12 * 4
    archive = create_backup(tmp_path / "backup.tar.gz", method=method).path
    manifest = read_manifest(archive)
    expected = {"sqlite": "sqlite-backup", "postgresql": "pg_dump"}[connection.vendor]
    assert manifest["method"] == (expected if method == "native" else "dumpdata")
    assert "uploads/signals/2026/foto.jpg" in manifest["sha256"]
    if connection.vendor == "sqlite":
        # An empty installation: migrated, no data (a fresh one migrates first, much slower).
        target = sqlite_install(tmp_path / "target")
        after = _restore_and_export(tmp_path, target, archive, again=method == "native")
    else:
        with scratch_databases(f"wt_ops_restore_{method}") as (url,):
            target = env_for(tmp_path / "target", url)
            after = _restore_and_export(tmp_path, target, archive, again=method == "native")
    assert after == before


def test_a_damaged_archive_is_refused_by_name(tmp_path: Path) -> None:
    env = env_for(tmp_path / "x")
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not an archive")
    result = kompas(env, "restore", str(bad), check=False)
    assert result.returncode == 1 and "is not a Gebiedskompas backup" in result.stderr
