"""The installation's checks, shared by `kompas doctor` and the health endpoint.

Each check returns a Check: ``ok``, ``warning`` (works, but not as a production installation
should) or ``failed`` (something is broken; `kompas doctor` exits 1), with a message saying what
is wrong and what to do.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from gebiedskompas.core import config

OK, WARNING, FAILED = "ok", "warning", "failed"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _production() -> bool:
    return not settings.DEBUG


def check_secret_key() -> Check:
    key = settings.SECRET_KEY
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure"):
        return Check(
            "secret_key",
            FAILED,
            "the secret key is short or guessable: set KOMPAS_SECRET_KEY to 50+ random characters",
        )
    if _production() and not config.get("KOMPAS_SECRET_KEY"):
        return Check(
            "secret_key",
            WARNING,
            "the secret key was generated into the data folder "
            "(secret_key): fine for one server, but set KOMPAS_SECRET_KEY when several "
            "servers share a database, and keep it out of backups you hand out",
        )
    return Check("secret_key", OK, "set")


def check_debug() -> Check:
    if settings.DEBUG:
        return Check(
            "debug",
            WARNING,
            "KOMPAS_DEBUG is on: never in production (it shows settings and code on errors)",
        )
    return Check("debug", OK, "off")


def check_allowed_hosts() -> Check:
    hosts = [h for h in settings.ALLOWED_HOSTS if h != "testserver"]
    if not hosts:
        return Check(
            "allowed_hosts",
            FAILED,
            "KOMPAS_ALLOWED_HOSTS is empty: the server "
            "answers no request; list the host names users type",
        )
    if "*" in hosts:
        return Check(
            "allowed_hosts",
            FAILED,
            "KOMPAS_ALLOWED_HOSTS holds '*': any Host header "
            "is accepted (password-reset links and caches can be poisoned); list the "
            "host names",
        )
    if _production() and set(hosts) <= {"127.0.0.1", "localhost", "::1"}:
        return Check(
            "allowed_hosts",
            WARNING,
            "KOMPAS_ALLOWED_HOSTS only holds local names: "
            "set the public host name the reverse proxy passes on",
        )
    return Check("allowed_hosts", OK, ", ".join(hosts))


def check_https() -> Check:
    if _production() and not settings.SECURE:
        return Check(
            "https",
            WARNING,
            "KOMPAS_SECURE is off: cookies are sent without Secure "
            "and there is no HSTS; switch it on behind an HTTPS proxy",
        )
    return Check("https", OK, "on" if settings.SECURE else "off (debug)")


def check_mail() -> Check:
    if not settings.EMAIL_HOST:
        status = WARNING if _production() else OK
        return Check(
            "mail",
            status,
            "KOMPAS_EMAIL_HOST is not set: mail is written to the log, nobody receives it",
        )
    if settings.EMAIL_HOST_USER and not settings.EMAIL_HOST_PASSWORD:
        return Check("mail", FAILED, "KOMPAS_EMAIL_USER is set without KOMPAS_EMAIL_PASSWORD")
    return Check("mail", OK, f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}")


def check_database(alias: str = "default") -> Check:
    try:
        connections[alias].ensure_connection()
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except (DatabaseError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check(f"database:{alias}", FAILED, f"cannot reach the database: {first}")
    return Check(f"database:{alias}", OK, connections[alias].vendor)


def pending_migrations(alias: str = "default") -> list[str]:
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def check_migrations() -> Check:
    try:
        pending = pending_migrations()
    except (DatabaseError, OSError) as exc:
        return Check("migrations", FAILED, f"cannot read the migration state: {exc}")
    if pending:
        shown = ", ".join(pending[:5]) + (" …" if len(pending) > 5 else "")
        return Check(
            "migrations",
            FAILED,
            f"{len(pending)} migrations not applied ({shown}): run `kompas migrate`",
        )
    return Check("migrations", OK, "all applied")


def heartbeat_age(now: datetime | None = None) -> float | None:
    """Seconds since the most recent beat of a running worker; None when none runs."""
    from gebiedskompas.ops.models import Heartbeat

    latest = (
        Heartbeat.objects.filter(stopped_at__isnull=True)
        .order_by("-beat_at")
        .values_list("beat_at", flat=True)
        .first()
    )
    if latest is None:
        return None
    return max(0.0, ((now or timezone.now()) - latest).total_seconds())


def check_worker(now: datetime | None = None) -> Check:
    try:
        age = heartbeat_age(now)
    except DatabaseError as exc:
        return Check("worker", FAILED, f"cannot read the heartbeats: {exc}")
    if age is None:
        return Check(
            "worker",
            FAILED,
            "no worker is running: start `kompas worker` (scheduled "
            "escalations and purges and background imports wait for it)",
        )
    if age > settings.KOMPAS_WORKER_STALE_SECONDS:
        return Check(
            "worker",
            FAILED,
            f"the worker's last heartbeat is {age:.0f} s old (limit "
            f"{settings.KOMPAS_WORKER_STALE_SECONDS} s): it hangs or died; restart it",
        )
    return Check("worker", OK, f"heartbeat {age:.0f} s ago")


def check_failed_tasks(now: datetime | None = None) -> Check:
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    since = (now or timezone.now()) - timedelta(days=1)
    failed = DBTaskResult.objects.failed().filter(finished_at__gte=since)
    count = failed.count()
    if count:
        names = sorted({r.task_path.rsplit(".", 1)[-1] for r in failed[:20]})
        return Check(
            "tasks",
            WARNING,
            f"{count} background tasks failed in the last 24 hours "
            f"({', '.join(names)}): see Task Results in the admin",
        )
    return Check("tasks", OK, "no failures in the last 24 hours")


def check_disk() -> Check:
    data_dir = config.data_dir()
    if not data_dir.is_dir():
        return Check("disk", FAILED, f"the data folder {data_dir} does not exist")
    probe = data_dir / ".kompas-doctor-probe"
    try:
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check("disk", FAILED, f"cannot write in the data folder {data_dir}: {exc}")
    free_mb = shutil.disk_usage(data_dir).free // (1024 * 1024)
    if free_mb < settings.KOMPAS_MIN_FREE_DISK_MB:
        return Check(
            "disk",
            FAILED,
            f"{free_mb} MB free on the disk of {data_dir} (minimum "
            f"{settings.KOMPAS_MIN_FREE_DISK_MB} MB, KOMPAS_MIN_FREE_DISK_MB)",
        )
    return Check("disk", OK, f"{free_mb} MB free in {data_dir}")


def run_checks(now: datetime | None = None) -> list[Check]:
    checks = [
        check_secret_key(),
        check_debug(),
        check_allowed_hosts(),
        check_https(),
        check_mail(),
        check_disk(),
    ]
    databases = [check_database(alias) for alias in settings.DATABASES]
    checks += databases
    if databases[0].status == OK:
        migrations = check_migrations()
        checks.append(migrations)
        if migrations.status == OK:  # the worker's tables may not exist yet
            checks += [check_worker(now), check_failed_tasks(now)]
    return checks


_MIGRATED_AT: list[float] = []  # when all migrations were last seen applied (this process)


def health() -> tuple[bool, dict[str, object]]:
    """The health endpoint's answer: healthy when the database answers and every migration is
    applied (a positive migration check is reused for a minute); the worker's heartbeat age is
    reported but does not make the web server unhealthy."""
    database = check_database()
    body: dict[str, object] = {"database": database.status == OK}
    migrated = False
    if database.status == OK:
        if _MIGRATED_AT and time.monotonic() - _MIGRATED_AT[0] < 60:
            migrated = True
        else:
            migrated = check_migrations().status == OK
            _MIGRATED_AT[:] = [time.monotonic()] if migrated else []
    body["migrations"] = migrated
    age = heartbeat_age() if database.status == OK else None
    body["worker_heartbeat_age_seconds"] = None if age is None else round(age, 1)
    stale = age is None or age > settings.KOMPAS_WORKER_STALE_SECONDS
    healthy = database.status == OK and migrated
    body["status"] = "failed" if not healthy else ("degraded" if stale else "ok")
    return healthy, body
