"""Every ``KOMPAS_*`` setting, declared once with its type, default and help.

The Django settings module and the generated reference page (docs/reference/settings.md) both read
this table; a test fails when a setting is used without an entry here or the page is stale.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    type: Callable[[str], object]
    default: object
    help: str


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "KOMPAS_DATA_DIR",
        str,
        "./kompas-data",
        "Folder for the SQLite database, uploads and generated reports.",
    ),
    Setting(
        "KOMPAS_DATABASE_URL",
        str,
        "",
        "Database URL; empty means SQLite in the data folder. "
        "Example: postgresql://user:pass@host:5432/kompas.",
    ),
    Setting(
        "KOMPAS_SECRET_KEY",
        str,
        "",
        "Django secret key; when empty, a random one is kept in the data folder.",
    ),
    Setting("KOMPAS_DEBUG", _bool, False, "Show debug pages. Never on in production."),
    Setting(
        "KOMPAS_ALLOWED_HOSTS",
        _csv,
        ["127.0.0.1", "localhost"],
        "Comma-separated host names the server answers to.",
    ),
    Setting(
        "KOMPAS_PUBLIC_MIN_POPULATION",
        int,
        50,
        "Smallest number of inhabitants for which rates and means are shown publicly.",
    ),
    Setting(
        "KOMPAS_DOCUMENT_MAX_MB",
        int,
        20,
        "Largest decision document (PDF or office file) accepted on a gebiedsagenda, in MB.",
    ),
    Setting(
        "KOMPAS_SECURE",
        _bool,
        False,
        "Serve over HTTPS only: secure cookies, HSTS and redirect to https.",
    ),
    Setting("KOMPAS_LANGUAGE", str, "nl", "Default interface language (nl or en)."),
    Setting(
        "KOMPAS_PAGE_CACHE_SECONDS",
        int,
        86400,
        "How long a rendered wijkfoto or ranking stays cached (seconds; 0: off). Entries are "
        "keyed by the data version, so an import shows at once whatever this is.",
    ),
    Setting(
        "KOMPAS_PAGE_CACHE_ENTRIES",
        int,
        100_000,
        "Most rendered pages kept in the page cache (files under the data folder's cache/); "
        "beyond it a third is dropped. A national installation has about 18,000 areas.",
    ),
    Setting(
        "KOMPAS_LOGIN_FAILURE_LIMIT",
        int,
        5,
        "Failed sign-ins (per user name and address) before the account is locked out.",
    ),
    Setting(
        "KOMPAS_LOGIN_LOCKOUT_MINUTES",
        int,
        30,
        "Minutes a locked-out sign-in stays locked.",
    ),
    Setting(
        "KOMPAS_FORM_RATE",
        str,
        "20/hour",
        "Most submissions of a public form (sign-in included) per address, as N/second, "
        "N/minute, N/hour or N/day.",
    ),
    Setting(
        "KOMPAS_REPORTER_RETENTION_DAYS",
        int,
        365,
        "Days a reporter's name, e-mail and phone are kept after their signal is closed or "
        "cancelled (installation default; a municipality's beheerder may set its own period). "
        "`kompas purge` and the worker remove them after that.",
    ),
    Setting(
        "KOMPAS_SIGNAL_PHOTO_RETENTION_DAYS",
        int,
        90,
        "Days a signal's photo that staff marked as showing persons is kept after the signal is "
        "closed or cancelled (installation default; per municipality in Beheer › "
        "Bewaartermijnen). Photos not so marked stay with the signal.",
    ),
    Setting(
        "KOMPAS_VOTING_CODE_RETENTION_DAYS",
        int,
        90,
        "Days a budget round's voting codes are kept after its voting closed (the round moved "
        "to results); installation default, per municipality in Beheer › Bewaartermijnen. "
        "Ballots and results stay.",
    ),
    Setting(
        "KOMPAS_RESIDENT_CONTACT_RETENTION_DAYS",
        int,
        365,
        "Days the contact details of an idea's submitter or an initiative's applicant are kept "
        "after the round's voting closed or the initiative was refused or accounted for "
        "(installation default; per municipality in Beheer › Bewaartermijnen).",
    ),
    Setting(
        "KOMPAS_SIGNAL_NEARBY_METRES",
        int,
        50,
        "Distance within which an open signal of the same category counts as a possible "
        "duplicate (similar open signals nearby).",
    ),
    Setting(
        "KOMPAS_SIGNAL_NEARBY_DAYS",
        int,
        14,
        "Days before or after a signal within which one nearby counts as a possible duplicate.",
    ),
    Setting(
        "KOMPAS_SIGNAL_SUGGEST_THRESHOLD",
        float,
        0.6,
        "Lowest classifier confidence (0-1) at which the intake form suggests a category; "
        "train the classifier with `kompas signals train`.",
    ),
    Setting(
        "KOMPAS_API_ANON_RATE",
        str,
        "120/minute",
        "Most API requests per minute (or second/hour/day) from one address without a key.",
    ),
    Setting(
        "KOMPAS_API_USER_RATE",
        str,
        "1200/minute",
        "Most API requests per signed-in user or API key.",
    ),
    Setting(
        "KOMPAS_OIDC_CLIENT_ID",
        str,
        "",
        "OpenID Connect client id; single sign-on is active when this and the endpoints are set.",
    ),
    Setting("KOMPAS_OIDC_CLIENT_SECRET", str, "", "OpenID Connect client secret."),
    Setting(
        "KOMPAS_OIDC_AUTHORIZATION_ENDPOINT",
        str,
        "",
        "The identity provider's authorization endpoint (from its discovery document).",
    ),
    Setting("KOMPAS_OIDC_TOKEN_ENDPOINT", str, "", "The identity provider's token endpoint."),
    Setting("KOMPAS_OIDC_USERINFO_ENDPOINT", str, "", "The identity provider's userinfo endpoint."),
    Setting(
        "KOMPAS_OIDC_JWKS_ENDPOINT",
        str,
        "",
        "The identity provider's JWKS endpoint (keys that sign ID tokens).",
    ),
    Setting("KOMPAS_OIDC_SIGN_ALGO", str, "RS256", "Algorithm the provider signs ID tokens with."),
    Setting("KOMPAS_OIDC_SCOPES", str, "openid email profile", "Scopes asked at sign-in."),
    Setting(
        "KOMPAS_OIDC_ROLE_CLAIM",
        str,
        "groups",
        "Claim (in the ID token or userinfo) holding the user's groups or roles.",
    ),
    Setting(
        "KOMPAS_OIDC_ROLE_MAP",
        str,
        "",
        "Comma-separated GROUP=ROLE@AREA entries mapping claim values to roles, e.g. "
        "'gk-analisten=analist@GM0153,gk-ops=operator' (no @AREA: installation-wide). Roles from "
        "the provider are replaced at every sign-in.",
    ),
    Setting(
        "KOMPAS_WORKERS",
        int,
        1,
        "Server processes for `kompas serve`. Above 1 (Linux/macOS) gunicorn runs that many "
        "processes with threads each; 1 runs waitress in one process (works everywhere).",
    ),
    Setting("KOMPAS_THREADS", int, 8, "Request threads per server process."),
    Setting(
        "KOMPAS_DATABASE_REPLICA_URLS",
        _csv,
        [],
        "Comma-separated database URLs of read replicas (PostgreSQL streaming replicas): reads "
        "go to them, writes to KOMPAS_DATABASE_URL. Empty: no replicas.",
    ),
    Setting(
        "KOMPAS_DATABASE_POOL",
        _bool,
        False,
        "Keep a psycopg connection pool per server process (PostgreSQL only; leave off behind "
        "pgbouncer in transaction mode).",
    ),
    Setting(
        "KOMPAS_METRICS_TOKEN",
        str,
        "",
        "Bearer token Prometheus sends to read /metrics; empty: only signed-in operators may.",
    ),
    Setting(
        "KOMPAS_SCHEDULE",
        str,
        "escalate_signals=15m,purge_personal_data=1d,warm_page_cache=1m",
        "Jobs `kompas worker` runs on a schedule, as JOB=INTERVAL (s, m, h or d); an interval "
        "of 0 switches a job off. Jobs: escalate_signals, purge_personal_data, warm_page_cache "
        "(render the public wijkfoto pages the page cache lacks, e.g. after an import).",
    ),
    Setting(
        "KOMPAS_WORKER_HEARTBEAT_SECONDS",
        int,
        10,
        "Seconds between the worker's heartbeats (and checks of the schedule).",
    ),
    Setting(
        "KOMPAS_WORKER_STALE_SECONDS",
        int,
        120,
        "A worker whose last heartbeat is older is taken as dead: `kompas doctor` and the "
        "health endpoint say so, and its running task is run again or marked failed.",
    ),
    Setting(
        "KOMPAS_TASK_MAX_ATTEMPTS",
        int,
        2,
        "Times a background task is started before a task whose worker died is marked failed "
        "instead of queued again.",
    ),
    Setting(
        "KOMPAS_MAX_PHOTO_MB",
        int,
        10,
        "Largest photo accepted with a signal (MB); every upload is also checked by content.",
    ),
    Setting(
        "KOMPAS_MAX_TABLE_MB",
        int,
        200,
        "Largest CSV, XLSX or gzip file accepted at /beheer/inlezen/ (MB).",
    ),
    Setting(
        "KOMPAS_MAX_METADATA_MB",
        int,
        20,
        "Largest CBS metadata file (DataProperties.json) accepted at /beheer/inlezen/ (MB).",
    ),
    Setting(
        "KOMPAS_MIN_FREE_DISK_MB",
        int,
        1024,
        "`kompas doctor` fails when the data folder's disk has less free space (MB).",
    ),
    Setting(
        "KOMPAS_EMAIL_HOST",
        str,
        "",
        "SMTP server for outgoing mail; empty: mail is written to the log (fine for a trial, "
        "`kompas doctor` warns in production).",
    ),
    Setting("KOMPAS_EMAIL_PORT", int, 587, "SMTP port."),
    Setting("KOMPAS_EMAIL_USER", str, "", "SMTP user name."),
    Setting("KOMPAS_EMAIL_PASSWORD", str, "", "SMTP password."),
    Setting("KOMPAS_EMAIL_USE_TLS", _bool, True, "Use STARTTLS to the SMTP server."),
    Setting(
        "KOMPAS_EMAIL_FROM",
        str,
        "gebiedskompas@localhost",
        "Sender address of mail from Gebiedskompas.",
    ),
    Setting(
        "KOMPAS_SESSION_HOURS",
        int,
        8,
        "Hours a sign-in stays valid; the session also ends when the browser closes.",
    ),
    Setting(
        "KOMPAS_USER",
        str,
        "",
        "User name the kompas commands that change data act for, as with --as USER: the "
        "command is checked against that user's roles. Empty: the installation operator.",
    ),
)

BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}


def get(name: str, environ: Mapping[str, str] | None = None) -> object:
    """The value of a declared setting from the environment, or its default.

    Raises ``KeyError`` for an undeclared name and ``ValueError`` naming the variable when the
    environment holds a value of the wrong type.
    """
    setting = BY_NAME[name]
    env = os.environ if environ is None else environ
    raw = env.get(name)
    if raw is None:
        return setting.default
    try:
        return setting.type(raw)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    return Path(str(get("KOMPAS_DATA_DIR", environ))).expanduser().resolve()


def reference_markdown() -> str:
    """The settings reference page, generated from ``SETTINGS``."""
    lines = [
        "# Settings reference",
        "",
        "Generated from `gebiedskompas.core.config`; do not edit by hand "
        "(`kompas docs` regenerates it).",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for s in SETTINGS:
        default = ",".join(s.default) if isinstance(s.default, list) else s.default
        lines.append(f"| `{s.name}` | `{default}` | {s.help} |")
    return "\n".join(lines) + "\n"
