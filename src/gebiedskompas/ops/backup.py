"""`kompas backup` and `kompas restore`: the database and the uploads folder in one archive.

The archive is a .tar.gz holding ``manifest.json`` (format, engine, method, creation time,
software version, last migration per app, SHA-256 of each member), the database and
``uploads/``. The database is taken
- on SQLite with the online backup API (``sqlite3.Connection.backup``): a consistent copy while
  the server and worker keep running;
- on PostgreSQL with ``pg_dump --format=custom`` when a pg_dump at least as new as the server is
  installed, restored with ``pg_restore``;
- otherwise (or with ``method="dumpdata"``) as Django's ``dumpdata`` JSON, loaded with
  ``loaddata``: slower, but needs no client tools and moves between engines.
Restore goes into an empty installation (no tables yet, or only migrated ones without data);
migrations run afterwards, so a backup from an older release is upgraded on restore.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

from gebiedskompas.core.errors import KompasError, gettext_noop

log = logging.getLogger(__name__)

FORMAT = 1
# Rows Django recreates itself on migrate; left out of a dumpdata backup.
DUMPDATA_EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    engine: str
    method: str
    size: int
    uploads: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "engine": self.engine,
            "method": self.method,
            "bytes": self.size,
            "uploads": self.uploads,
        }

    def __str__(self) -> str:
        return (
            f"wrote {self.path} ({self.size} bytes): {self.engine} database by {self.method}, "
            f"{self.uploads} uploaded files"
        )


def _software_version() -> str:
    try:
        return version("gebiedskompas")
    except PackageNotFoundError:
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _last_migrations() -> dict[str, str]:
    last: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.values_list("app", "name"):
        last[app] = max(last.get(app, ""), name)
    return dict(sorted(last.items()))


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def pg_tool(name: str) -> str | None:
    """The path of pg_dump/pg_restore when installed and at least the server's major version
    (an older pg_dump refuses a newer server); else None."""
    path = shutil.which(name)
    if path is None:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+)\.", out.stdout)
    connection.ensure_connection()
    server_major = connection.pg_version // 10000  # type: ignore[attr-defined]
    if match is None or int(match.group(1)) < server_major:
        log.warning(
            "%s is older than the server (PostgreSQL %d); using dumpdata", name, server_major
        )
        return None
    return path


def _dump_database(folder: Path, method: str) -> tuple[str, str]:
    """Write the database into `folder`; returns (member name, method used)."""
    vendor = connection.vendor
    if method in ("", "native") and vendor == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        source = connection.connection  # the running sqlite3 connection: a consistent snapshot
        with contextlib.closing(sqlite3.connect(target)) as dest:
            source.backup(dest)
        return target.name, "sqlite-backup"
    if method in ("", "native") and vendor == "postgresql":
        tool = pg_tool("pg_dump")
        if tool is not None:
            target = folder / "database.pgdump"
            args, env = _pg_args()
            subprocess.run(
                [
                    tool,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(target),
                    *args,
                ],
                env=env,
                check=True,
                capture_output=True,
            )
            return target.name, "pg_dump"
        if method == "native":
            raise KompasError(
                gettext_noop("pg_dump (at least the server's version) is not installed")
            )
    if method not in ("", "native", "dumpdata"):
        raise KompasError(
            gettext_noop("unknown backup method {method!r} (native or dumpdata)"), method=method
        )
    target = folder / "database.json"
    with target.open("w", encoding="utf-8") as out:
        call_command(
            "dumpdata",
            exclude=DUMPDATA_EXCLUDE,
            natural_foreign=True,
            natural_primary=False,
            indent=None,
            stdout=out,
        )
    return target.name, "dumpdata"


def create_backup(output: Path, *, method: str = "") -> BackupSummary:
    """Write the database and the uploads folder to `output` (.tar.gz), atomically (a partial
    archive never carries the final name)."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    uploads = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="kompas-backup-", dir=output.parent) as tmp:
        folder = Path(tmp)
        member, used = _dump_database(folder, method)
        files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else []
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "software_version": _software_version(),
            "engine": connection.vendor,
            "method": used,
            "database": member,
            "migrations": _last_migrations(),
            "sha256": {member: _sha256(folder / member)}
            | {f"uploads/{p.relative_to(uploads).as_posix()}": _sha256(p) for p in files},
        }
        partial = folder / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(folder / member, arcname=member)
            for p in files:
                tar.add(p, arcname=f"uploads/{p.relative_to(uploads).as_posix()}")
        os.replace(partial, output)
    log.info("backup written to %s (%s, %d uploads)", output, used, len(files))
    return BackupSummary(output, connection.vendor, used, output.stat().st_size, len(files))


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.load(member)
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise KompasError(
            gettext_noop("{archive} is not a Gebiedskompas backup: {exc}"), archive=archive, exc=exc
        ) from exc
    if manifest.get("format") != FORMAT:
        raise KompasError(
            gettext_noop("{archive}: unknown backup format {format!r}"),
            archive=archive,
            format=manifest.get("format"),
        )
    return manifest


def _is_empty() -> bool:
    """No data yet: no tables, or migrated tables without areas, users or observations."""
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return True
    with connection.cursor() as cursor:
        for table in ("areas_area", "auth_user", "indicators_observation", "signals_signal"):
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
                if cursor.fetchone():
                    return False
    return True


@contextlib.contextmanager
def _extracted(archive: Path, manifest: dict[str, Any]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kompas-restore-") as tmp:
        folder = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(folder, filter="data")
        for name, digest in manifest["sha256"].items():
            if not (folder / name).is_file() or _sha256(folder / name) != digest:
                raise KompasError(
                    gettext_noop("{archive}: {name} is missing or damaged (checksum differs)"),
                    archive=archive,
                    name=name,
                )
        yield folder


def _restore_sqlite(source: Path) -> None:
    if connection.vendor != "sqlite":
        raise KompasError(
            gettext_noop(
                "this backup holds a SQLite database; restore it into a SQLite installation, or "
                "make the backup with --method dumpdata"
            )
        )
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(source)) as src:
        src.backup(connection.connection)


def _restore_pg(source: Path) -> None:
    if connection.vendor != "postgresql":
        raise KompasError(
            gettext_noop(
                "this backup holds a pg_dump; restore it into PostgreSQL, or make the backup "
                "with --method dumpdata"
            )
        )
    tool = pg_tool("pg_restore")
    if tool is None:
        raise KompasError(
            gettext_noop("pg_restore (at least the server's version) is not installed")
        )
    args, env = _pg_args()
    connections.close_all()
    result = subprocess.run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise KompasError(
            gettext_noop("pg_restore failed: {stderr}"),
            stderr=result.stderr.strip()[-500:],
        )


def _data_version() -> int:
    """The data version now, 0 where there is no database or table yet."""
    from django.db import DatabaseError

    from gebiedskompas.areas import versioning

    try:
        return versioning.current()
    except DatabaseError:
        return 0


def restore_backup(archive: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore `archive` into this (empty) installation, then run any newer migrations."""
    manifest = read_manifest(archive)
    if not force and not _is_empty():
        raise KompasError(
            gettext_noop(
                "this installation already holds data; restore into an empty one (a new "
                "KOMPAS_DATA_DIR or database), or use --force to overwrite"
            )
        )
    # Caches (pages, disclosed trees in running processes) are keyed by the data version;
    # the restored one may repeat a number used here before, so it is raised above both.
    version_before = _data_version()
    uploads = Path(settings.MEDIA_ROOT)
    if not force and uploads.is_dir() and any(uploads.iterdir()):
        raise KompasError(
            gettext_noop("the uploads folder {uploads} is not empty; use --force to overwrite"),
            uploads=uploads,
        )
    with _extracted(archive, manifest) as folder:
        member = folder / manifest["database"]
        if manifest["method"] == "sqlite-backup":
            _restore_sqlite(member)
        elif manifest["method"] == "pg_dump":
            _restore_pg(member)
        else:
            call_command("migrate", interactive=False, verbosity=0)
            # The data migrations stored rows of their own (the default roles, the data
            # version); the backup holds them as they were, perhaps under other keys.
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(member), verbosity=0)
        if (folder / "uploads").is_dir():
            shutil.copytree(folder / "uploads", uploads, dirs_exist_ok=True)
    connections.close_all()
    call_command("migrate", interactive=False, verbosity=0)
    from gebiedskompas.areas import versioning

    versioning.raise_above(version_before)
    log.info("restored %s (%s from %s)", archive, manifest["method"], manifest["created_at"])
    return {
        "file": str(archive),
        "method": manifest["method"],
        "created_at": manifest["created_at"],
        "uploads": sum(1 for name in manifest["sha256"] if name.startswith("uploads/")),
    }
