"""The ``kompas`` command: thin subcommands over the services.

Each command parses its arguments, calls one service and prints a short summary (or ``--json``).
A user error (``KompasError``) prints one line and exits 1; wrong usage exits 2.

Commands that change data (``import …``, ``fetch cbs``, ``koppelkansen``, ``analyse``) act
for a user with ``--as USER`` (or the environment variable KOMPAS_USER) and are then checked
with that user's roles through ``accounts.permissions``, as the web and the API are. Without
either, the command acts as the installation operator: whoever can run ``kompas`` on the server
can already read and change its database, so the command line is not a boundary by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gebiedskompas.core.errors import KompasError, gettext_noop

Handler = Callable[[argparse.Namespace], int]


def _setup(args: argparse.Namespace) -> None:
    if getattr(args, "data_dir", None):
        os.environ["KOMPAS_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedskompas.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    else:
        print(text)


def _acting(args: argparse.Namespace) -> Any:
    """The user the command acts for (``--as`` or KOMPAS_USER), or None for the operator."""
    from gebiedskompas.core import config

    name = getattr(args, "as_user", None) or str(config.get("KOMPAS_USER"))
    if not name:
        return None
    from gebiedskompas.accounts.services import acting_user

    return acting_user(name)


def _require(
    args: argparse.Namespace, action: str | tuple[str, ...], area: str | None, doing: str
) -> Any:
    """The acting user, after checking they may do `action` for `area` (None: everywhere)."""
    user = _acting(args)
    from gebiedskompas.accounts.services import require_acting

    require_acting(user, action, area, doing=doing)
    return user


def _progress(enabled: bool) -> Callable[[str, int, int], None] | None:
    if not enabled:
        return None
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit="step", file=sys.stderr, leave=False)
        bar["bar"].set_description(stage)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


# --- commands -------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate(verbosity=1)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _migrate()
    from django.db import connections

    from gebiedskompas.core import config
    from gebiedskompas.ops.server import choose_server, serve

    workers = args.workers or int(config.get("KOMPAS_WORKERS"))  # type: ignore[call-overload]
    threads = args.threads or int(config.get("KOMPAS_THREADS"))  # type: ignore[call-overload]
    connections.close_all()  # never hand an open database connection to forked processes
    chosen = args.server or choose_server(workers)
    print(
        f"Gebiedskompas draait op http://{args.host}:{args.port}/ ({chosen}, {workers} "
        f"proces(sen) × {threads} threads; stoppen: Ctrl+C of SIGTERM)",
        flush=True,
    )
    serve(host=args.host, port=args.port, workers=workers, threads=threads, server=chosen)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.ops.worker import run_worker

    run_worker(
        batch=args.batch,
        interval=args.interval,
        max_tasks=args.max_tasks,
        schedule=not args.no_schedule,
        queues=args.queues,
    )
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from gebiedskompas.ops.checks import FAILED, run_checks

    checks = run_checks()
    marks = {"ok": "ok  ", "warning": "WARN", "failed": "FAIL"}
    text = "\n".join(f"{marks[c.status]} {c.name:<18} {c.message}" for c in checks)
    _print(args, [c.as_dict() for c in checks], text)
    return 1 if any(c.status == FAILED for c in checks) else 0


def cmd_purge(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.ops.retention import purge_personal_data

    report = purge_personal_data(dry_run=args.dry_run, municipality_codes=args.municipality or ())
    _print(args, report.as_dict(), str(report))
    return 0


def cmd_cache_warm(args: argparse.Namespace) -> int:
    _migrate()
    if args.background:
        from gebiedskompas.web.tasks import warm_page_cache

        return _enqueued(args, warm_page_cache.enqueue(args.municipality or ""))
    from gebiedskompas.web.warming import warm_pages

    result = warm_pages(args.municipality or None)
    _print(
        args,
        result.as_dict(),
        "every page is cached for the current data version"
        if result.up_to_date
        else f"{result.rendered} pages rendered, {result.already} already cached "
        f"({result.seconds} s)",
    )
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.ops.retention import municipalities, periods_of

    rows = [
        {"municipality": area.code, "kind": p.kind.name, "days": p.days,
         "own": p.own is not None, "default": p.default}
        for area in municipalities(args.municipalities or ())
        for p in periods_of(area)
    ]  # fmt: skip
    text = "\n".join(
        f"{r['municipality']} {r['kind']}: {r['days']} days"
        + ("" if r["own"] else " (installation default)")
        for r in rows
    )
    _print(args, rows, text or "no municipalities")
    return 0


def cmd_retention_set(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.accounts.roles import MANAGE_ROLES
    from gebiedskompas.ops.retention import set_periods

    by = _require(args, MANAGE_ROLES, args.municipality, "set retention periods")
    if args.days == "default":
        days: int | None = None
    else:
        try:
            days = int(args.days)
        except ValueError:
            raise KompasError(
                gettext_noop("days: give a whole number of days or 'default', got {days!r}"),
                days=args.days,
            ) from None
    found = set_periods(args.municipality, {args.kind: days}, by=by)
    chosen = next(p for p in found if p.kind.name == args.kind)
    data = {"municipality": args.municipality, "kind": args.kind, "days": chosen.days,
            "own": chosen.own is not None}  # fmt: skip
    suffix = "" if chosen.own is not None else " (installation default)"
    _print(args, data, f"{args.municipality} {args.kind}: {chosen.days} days{suffix}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from gebiedskompas.ops.backup import create_backup

    summary = create_backup(Path(args.output), method=args.method)
    _print(args, summary.as_dict(), str(summary))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from gebiedskompas.ops.backup import restore_backup

    result = restore_backup(Path(args.file), force=args.force)
    _print(args, result, f"restored {args.file} ({result['method']}, made {result['created_at']})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.areas.selectors import municipalities
    from gebiedskompas.demo import MUNICIPALITY_CODE as DEMO_CODE
    from gebiedskompas.demo import build_demo

    others = municipalities().exclude(code=DEMO_CODE)
    if others.exists() and not args.force:
        raise KompasError(
            gettext_noop(
                "this database already holds {others_count} real municipalities; the demo adds "
                "log-ins with known passwords, so it refuses to run here (use --force to insist, "
                "or --data-dir for a separate demo database)"
            ),
            others_count=others.count(),
        )
    summary = build_demo(seed=args.seed, progress=_progress(sys.stderr.isatty()))
    _print(args, summary.as_dict() if hasattr(summary, "as_dict") else str(summary), str(summary))
    if args.no_serve:
        return 0
    args.workers, args.threads, args.server = 1, 8, "waitress"
    return cmd_serve(args)


def _enqueued(args: argparse.Namespace, result: Any) -> int:
    _print(args, {"task": str(result.id)}, f"queued as task {result.id} (kompas worker runs it)")
    return 0


def cmd_import_cbs(args: argparse.Namespace) -> int:
    _migrate()
    if args.background:
        from gebiedskompas.ops.tasks import import_cbs_file

        return _enqueued(args, import_cbs_file.enqueue(
            str(Path(args.file).resolve()), args.year,
            str(Path(args.metadata).resolve()) if args.metadata else ""))  # fmt: skip
    from gebiedskompas.indicators.services import import_cbs

    # Every municipality in the file is checked against the acting user's rights.
    summary = import_cbs(
        Path(args.file),
        year=args.year,
        metadata_path=Path(args.metadata) if args.metadata else None,
        progress=_progress(not args.json and sys.stderr.isatty()),
        user=_acting(args),
    )
    _print(args, summary.as_dict(), str(summary))
    return 0


def cmd_import_csv(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.indicators.services import import_csv

    mapping: dict[str, str] = {}
    for item in args.map or []:
        if "=" not in item:
            raise KompasError(gettext_noop('--map expects SOURCE=KEY, got "{item}"'), item=item)
        source, key = item.split("=", 1)
        mapping[source.strip()] = key.strip()
    if args.background:
        from gebiedskompas.ops.tasks import import_csv_file

        return _enqueued(args, import_csv_file.enqueue(
            str(Path(args.file).resolve()), args.area_column, args.period, mapping))  # fmt: skip
    summary = import_csv(
        Path(args.file),
        area_column=args.area_column,
        period=args.period,
        mapping=mapping,
        user=_acting(args),
    )
    _print(args, summary.as_dict(), str(summary))
    return 0


def cmd_import_areas(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.areas.geo_import import import_area_file

    # A boundary file may hold any municipality: installation-wide rights.
    _require(args, "edit_area", None, "import area boundaries")
    summary = import_area_file(
        Path(args.file),
        level=args.level,
        code_field=args.code_field,
        name_field=args.name_field,
        year=args.year,
    )
    _print(args, summary.as_dict(), str(summary))
    return 0


def cmd_import_stadsdelen(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.areas.services import import_stadsdelen

    _require(args, "edit_area", None, "import stadsdelen")
    changed = import_stadsdelen(Path(args.file))
    _print(args, {"wijken_moved": changed}, f"{changed} wijken placed under a stadsdeel")
    return 0


def cmd_import_codemap(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.areas.services import import_code_mapping

    _require(args, "edit_area", None, "import code mappings")
    new, unchanged = import_code_mapping(Path(args.file))
    _print(
        args,
        {"new": new, "unchanged": unchanged},
        f"{new} new, {unchanged} unchanged code mappings",
    )
    return 0


def cmd_fetch_cbs(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.indicators.cbs_odata import fetch_and_import

    _require(args, "import_data", args.gemeente, "import figures")
    summary = fetch_and_import(
        args.table_id, gemeente=args.gemeente, base_url=args.base_url, year=args.year
    )
    _print(args, summary.as_dict(), str(summary))
    return 0


def cmd_indicators_list(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.indicators.exports import indicator_rows

    rows = indicator_rows(domain=args.domain)
    text = "\n".join(f"{r['key']:<45} {r['domain']:<14} {r['name']}" for r in rows)
    _print(args, rows, text or "no indicators")
    return 0


def cmd_indicators_add(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.indicators.services import add_indicator

    indicator = add_indicator(
        key=args.key,
        name=args.name,
        domain=args.domain,
        unit=args.unit or "",
        direction=args.direction,
        kind=args.kind,
        aggregation=args.aggregation,
        weight=args.weight or "",
        numerator=args.numerator or "",
        denominator=args.denominator or "",
        definition=args.definition or "",
        source=args.source or "",
        min_population=args.min_population,
        is_count=args.aggregation == "sum",
        cap_low=args.cap_low,
        cap_high=args.cap_high,
    )
    _print(args, {"key": indicator.key}, f"added indicator {indicator.key}")
    return 0


def cmd_areas_list(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.areas.selectors import areas

    rows = [
        {
            "code": a.code,
            "name": a.name,
            "level": a.level,
            "parent": a.parent.code if a.parent else None,
        }
        for a in areas(level=args.level, municipality=args.municipality)
    ]
    text = "\n".join(f"{r['code']:<14} {r['level']:<10} {r['name']}" for r in rows)
    _print(args, rows, text or "no areas")
    return 0


def cmd_export_observations(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.indicators.exports import export_observations

    count = export_observations(
        fmt=args.format,
        output=Path(args.output) if args.output else None,
        area=args.area,
        indicator=args.indicator,
        period=args.period,
        level=args.level,
        public=args.public,
    )
    if args.output:
        print(f"wrote {count} rows to {args.output}", file=sys.stderr)
    return 0


def cmd_check_totals(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.indicators.exports import total_differences

    rows = total_differences(municipality=args.municipality)
    lines = [
        f"{r['area']:<12} {r['indicator']:<40} {r['period']:<8} published {r['published']:>12g}"
        f"  computed {r['computed']:>12g}"
        for r in rows
    ]
    text = "\n".join(lines) if lines else "published totals match the sums of their buurten"
    _print(args, rows, text)
    return 0


def cmd_analyse_table(args: argparse.Namespace) -> int:
    from gebiedskompas.analysis.domain.table import analyse_table

    result = analyse_table(Path(args.file), Path(args.config))
    if args.output:
        result.to_csv(args.output, index=False)
        print(f"wrote {len(result)} rows to {args.output}", file=sys.stderr)
    else:
        print(result.to_csv(index=False), end="")
    return 0


def cmd_analyse_areas(args: argparse.Namespace) -> int:
    missing = [
        flag
        for flag, value in (
            ("--method", args.method),
            ("--level", args.level),
            ("--municipality", args.municipality),
            ("--period", args.period),
        )
        if not value
    ]
    if missing:
        args.analyse_parser.error(f"the following arguments are required: {', '.join(missing)}")
    _migrate()
    from gebiedskompas.analysis.services import parse_weights, run_analysis
    from gebiedskompas.analysis.summary import run_summary

    user = _require(args, "run_analysis", args.municipality, "run an analysis")
    run = run_analysis(
        method=args.method,
        municipality=args.municipality,
        level=args.level,
        period=args.period,
        weights=parse_weights(args.weights or ""),
        missing=args.missing,
        sensitivity=args.sensitivity,
        parameters={"base_year": args.base_year} if args.base_year else None,
        user=user,
    )
    data, text = run_summary(run, top=args.top)
    _print(args, data, text)
    return 0


def _analyse_area_options(p: argparse.ArgumentParser) -> None:
    from gebiedskompas.analysis.domain.methods import METHODS

    p.add_argument("--method", help=f"one of {', '.join(METHODS)}")
    p.add_argument("--level", help="buurt, wijk or stadsdeel")
    p.add_argument("--municipality", help="municipality code, e.g. GM0153")
    p.add_argument("--period", help="e.g. 2024")
    p.add_argument("--weights", help="domain weights, e.g. sociaal=2,economie=1 (others 1)")
    p.add_argument(
        "--base-year",
        help="baseline: score 100 at the municipality's value in this year (default: the "
        "period each indicator is read from)",
    )
    p.add_argument("--top", type=int, default=10, help="rows to print (default 10; 0 = all)")
    p.add_argument(
        "--missing",
        default="exclude",
        help="exclude (default) or impute_median: what to do with an area lacking a value",
    )
    p.add_argument(
        "--sensitivity",
        type=int,
        default=0,
        metavar="N",
        help="N Monte-Carlo weight draws and leave-one-indicator-out (default 0: none)",
    )
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")
    _as_option(p)


def _as_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="act for this user, checked against their roles (default: KOMPAS_USER; without "
        "either: the installation operator)",
    )


def cmd_pb_tally(args: argparse.Namespace) -> int:
    from gebiedskompas.participation.domain.allocation import Profile, allocate
    from gebiedskompas.participation.domain.pabulib import read_pb

    election = read_pb(Path(args.file))
    result = allocate(args.method, Profile.from_election(election))
    names = {p.project_id: p.fields.get("name", "") for p in election.projects}
    lines = [
        f"{result.method}: {len(result.winners)} winners, cost {result.cost} of budget "
        f"{result.budget}"
    ]
    for project_id in result.winners:
        outcome = result.outcome(project_id)
        lines.append(
            f"  {project_id:<10} {outcome.cost:>12} {outcome.votes:>7} votes  {names[project_id]}"
        )
    _print(args, result.summary(), "\n".join(lines))
    return 0


def cmd_pb_import(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.participation.services import SYSTEM, import_pb

    budget_round, ballots = import_pb(
        Path(args.file), area_code=args.area, by=SYSTEM, name=args.name or ""
    )
    data = {
        "round": budget_round.pk,
        "area": budget_round.area.code,
        "ideas": budget_round.ideas.count(),
        "ballots": ballots,
    }
    _print(
        args,
        data,
        f"round {budget_round.pk} in {budget_round.area.code}: {data['ideas']} ideas, "
        f"{ballots} ballots",
    )
    return 0


def cmd_pb_export(args: argparse.Namespace) -> int:
    from gebiedskompas.participation.domain.pabulib import write_pb
    from gebiedskompas.participation.services import export_pb

    election = export_pb(args.round)
    path = write_pb(election, Path(args.output), anonymise=True)
    data = {"round": args.round, "file": str(path), "projects": len(election.projects),
            "votes": len(election.votes)}  # fmt: skip
    _print(args, data, f"wrote {path}: {data['projects']} projects, {data['votes']} votes")
    return 0


def cmd_pb_codes(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.participation.services import SYSTEM, import_register, write_letters

    result = import_register(args.round, Path(args.register), by=SYSTEM)
    write_letters(result, Path(args.output))
    _print(
        args,
        result.summary(),
        f"{result.file}: {result.new} new codes, {result.unchanged} unchanged, "
        f"{result.not_eligible} not eligible; letters in {args.output}",
    )
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from gebiedskompas.docs import write_reference

    for path in write_reference(Path(args.output)):
        print(f"wrote {path}")
    return 0


# --- parser ---------------------------------------------------------------------------------


def cmd_report_wijkfoto(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.reports.services import write_wijkfoto, write_wijkfotos

    if args.code and (args.level or args.municipality):
        raise KompasError(
            gettext_noop("give an area CODE, or --level with --municipality, not both")
        )
    if args.code:
        written = [write_wijkfoto(args.code, Path(args.output), language=args.language)]
    elif args.level and args.municipality:
        written = write_wijkfotos(
            level=args.level,
            municipality=args.municipality,
            directory=Path(args.output),
            language=args.language,
            progress=_progress(sys.stderr.isatty()),
        )
    else:
        raise KompasError(gettext_noop("give an area CODE, or --level and --municipality"))
    rows = [{"code": w.code, "path": str(w.path), "bytes": w.size} for w in written]
    _print(args, rows, f"wrote {len(written)} wijkfoto PDF(s) to {args.output}")
    return 0


def cmd_signals_list(args: argparse.Namespace) -> int:
    from gebiedskompas.signals import selectors

    found = selectors.signals(area=args.area or "", status=args.status or "", overdue=args.overdue)
    rows = [selectors.as_row(s) for s in found[: args.limit]]
    lines = [
        f"{r['reference']}  {r['status']:<11} {r['area']:<12} {r['category']:<30} "
        f"deadline {r['deadline'] or '-'}{'  OVERDUE' if r['overdue'] else ''}"
        for r in rows
    ]
    _print(args, rows, "\n".join(lines) if lines else "no signals found")
    return 0


def cmd_signals_escalate(args: argparse.Namespace) -> int:
    from datetime import datetime

    from gebiedskompas.signals.services import escalate_overdue

    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError as exc:
            raise KompasError(
                gettext_noop("--now {now!r} is not an ISO 8601 time"), now=args.now
            ) from exc
        if now.tzinfo is None:
            from django.utils import timezone

            now = timezone.make_aware(now)
    summary = escalate_overdue(now)
    _print(args, summary.as_dict(), str(summary))
    return 0


def cmd_signals_train(args: argparse.Namespace) -> int:
    from gebiedskompas.signals import classifier

    if args.municipality:
        results: list[Any] = [classifier.train(args.municipality)]
    else:
        results = classifier.train_all()
    if not results:
        raise KompasError(gettext_noop("no handled (closed) signals to learn from"))
    trained = [r for r in results if isinstance(r, classifier.TrainResult)]
    _print(
        args,
        [
            r.as_dict() if isinstance(r, classifier.TrainResult) else {"error": r.message}
            for r in results
        ],  # fmt: skip
        "\n".join(
            str(r) if isinstance(r, classifier.TrainResult) else f"error: {r.message}"
            for r in results
        ),  # fmt: skip
    )
    return 0 if trained else 1


def cmd_signals_stats(args: argparse.Namespace) -> int:
    from gebiedskompas.signals import stats

    out = stats.stats(args.level, args.period, args.municipality or "",
                      store=not args.no_store)  # fmt: skip
    lines = [
        f"{a['area']:<12} {a['name'][:28]:<28} {a['signals']:>6} signals "
        f"{a['per_1000'] if a['per_1000'] is not None else '-':>7}/1000  "
        f"median {a['median_handling_days'] if a['median_handling_days'] is not None else '-'} d  "
        f"on time {a['share_on_time'] if a['share_on_time'] is not None else '-'}%  "
        f"open {a['open_backlog']}"
        for a in out["areas"]
    ]
    if "written" in out:
        w = out["written"]
        lines.append(f"observations: {w['new']} new, {w['updated']} updated, "
                     f"{w['unchanged']} unchanged")  # fmt: skip
    _print(args, out, "\n".join(lines) if out["areas"] else "no areas at that level")
    return 0


def cmd_import_signals(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.signals.importers import import_signals

    _require(args, "import_data", args.municipality, "import signals")
    summary = import_signals(
        Path(args.file),
        fmt=args.format,
        municipality=args.municipality,
        municipality_name=args.municipality_name or "",
        categories=Path(args.categories) if args.categories else None,
    )
    _print(args, summary.as_dict(), str(summary))
    return 0


def cmd_import_activities(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.cycle.importers import import_activities

    if _acting(args) is not None and not args.municipality:
        raise KompasError(
            gettext_noop("with --as, name the --municipality the activities belong to")
        )
    # A file holds one municipality's activities; the importer refuses rows outside it.
    _require(args, "import_data", args.municipality, "import activities")
    result = import_activities(Path(args.file), municipality_code=args.municipality or "")
    _print(
        args,
        result.as_dict(),
        f"{result.municipality}: {result.created} activities created, {result.updated} updated",
    )
    return 0


def cmd_report_voortgang(args: argparse.Namespace) -> int:
    _migrate()
    from gebiedskompas.reports.voortgang import write_progress_report

    path = write_progress_report(
        args.municipality, args.period, Path(args.output), language=args.language
    )
    _print(args, {"file": str(path), "bytes": path.stat().st_size}, f"wrote {path}")
    return 0


def cmd_koppelkansen(args: argparse.Namespace) -> int:
    from gebiedskompas.cycle import selectors, services

    codes = [args.municipality] if args.municipality else selectors.municipalities_with_activities()
    for code in codes:  # detection rewrites each municipality's open koppelkansen
        _require(args, ("edit_activity", "edit_plan"), code, "detect koppelkansen")
    data: list[dict[str, Any]] = []
    lines: list[str] = []
    for code in codes:
        found = services.detect_couplings(
            code, distance_m=args.distance_m, window_days=args.window_days
        )
        lines.append(
            f"{code}: {found.found} koppelkansen ({found.created} new, {found.removed} gone)"
        )
        for row in selectors.coupling_rows(code, limit=args.limit):
            data.append(row)
            lines.append(
                f"  {row['score']:.2f}  {row['status']:<9} {row['a']['owner']}: {row['a']['title']}"
                f"  ×  {row['b']['owner']}: {row['b']['title']}"
            )
    _print(args, data, "\n".join(lines) if lines else "no activities registered")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kompas",
        description="Gebiedskompas: figures, analysis and plans per area for a municipality.",
    )
    parser.add_argument("--data-dir", help="data folder (default ./kompas-data or KOMPAS_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        container: Any, name: str, handler: Handler, help_text: str, *, json_flag: bool = True
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = container.add_parser(
            name, help=help_text, description=help_text
        )
        p.set_defaults(handler=handler)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print a machine-readable summary")
        return p

    p = add(sub, "demo", cmd_demo, "build the fictitious demo municipality and serve it")
    p.add_argument("--no-serve", action="store_true", help="only build the demo")
    p.add_argument("--force", action="store_true", help="build it even beside real municipalities")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)

    p = add(sub, "serve", cmd_serve, "serve the web application", json_flag=False)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=0, help="processes (default KOMPAS_WORKERS)")
    p.add_argument("--threads", type=int, default=0, help="threads each (default KOMPAS_THREADS)")
    p.add_argument(
        "--server",
        choices=["waitress", "gunicorn"],
        help="default: gunicorn for several processes on Linux/macOS, else waitress",
    )

    p = add(
        sub,
        "worker",
        cmd_worker,
        "run background tasks and scheduled jobs until stopped (SIGTERM: finish the task, stop)",
        json_flag=False,
    )
    p.add_argument("--batch", action="store_true", help="run the waiting tasks, then stop")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls (1)")
    p.add_argument("--max-tasks", type=int, help="stop after this many tasks")
    p.add_argument("--no-schedule", action="store_true", help="do not enqueue scheduled jobs")
    p.add_argument("--queues", default="default", help="comma-separated queue names")

    add(
        sub,
        "doctor",
        cmd_doctor,
        "check configuration, database, migrations, worker and disk; exit 1 when one fails",
    )

    p = add(
        sub,
        "purge",
        cmd_purge,
        "remove residents' personal data past its municipality's retention period; shows per "
        "municipality and kind what went (or would go) and logs each run",
    )
    p.add_argument("--dry-run", action="store_true", help="only count what would be removed")
    p.add_argument(
        "--municipality",
        action="append",
        metavar="GM…",
        help="only this municipality (repeatable; default: all); lists every kind for it",
    )

    p = add(
        sub,
        "retention",
        cmd_retention,
        "show each municipality's retention period per kind of personal data",
    )
    p.add_argument(
        "--municipality", action="append", dest="municipalities", metavar="GM…",
        help="only this one (repeatable)",
    )  # fmt: skip
    ret_sub = p.add_subparsers(dest="what", metavar="WHAT")
    p = add(
        ret_sub,
        "set",
        cmd_retention_set,
        "set a municipality's own retention period for one kind ('default': back to the "
        "installation default)",
    )
    p.add_argument("municipality", metavar="GM…")
    p.add_argument("kind", help="e.g. signals.reporters (see kompas retention)")
    p.add_argument("days", help="whole days, or 'default'")
    _as_option(p)

    cache = sub.add_parser("cache", help="the cache of rendered pages")
    cache_sub = cache.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(cache_sub, "warm", cmd_cache_warm, "render the public wijkfoto pages not yet cached")
    p.add_argument("--municipality", help="only this municipality's areas (GM code)")
    p.add_argument("--background", action="store_true", help="queue it for kompas worker")

    p = add(sub, "backup", cmd_backup, "write the database and uploads to one archive")
    p.add_argument("-o", "--output", required=True, help="the archive to write (.tar.gz)")
    p.add_argument(
        "--method",
        default="",
        choices=["", "native", "dumpdata"],
        help="native: SQLite backup API or pg_dump (default when available); dumpdata: JSON",
    )

    p = add(sub, "restore", cmd_restore, "restore an archive of kompas backup into this install")
    p.add_argument("file")
    p.add_argument("--force", action="store_true", help="overwrite an installation with data")

    add(sub, "migrate", cmd_migrate, "create or update the database tables", json_flag=False)

    imp = sub.add_parser("import", help="import areas or figures from a file")
    imp_sub = imp.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(imp_sub, "cbs", cmd_import_cbs, "import a CBS StatLine table (KWB or theme table)")
    p.add_argument("file")
    p.add_argument("--year", type=int, help="year of the figures when the table has no Perioden")
    p.add_argument("--metadata", help="the table's DataProperties.json")
    p.add_argument("--background", action="store_true", help="queue it for kompas worker")
    p = add(imp_sub, "csv", cmd_import_csv, "import own or partner figures from CSV or XLSX")
    p.add_argument("file")
    p.add_argument("--area-column", required=True, help="column holding area codes")
    p.add_argument("--period", required=True, help="period of the figures, e.g. 2024 or 2024-Q1")
    p.add_argument("--map", action="append", metavar="SRC=KEY", help="column SRC → indicator KEY")
    p.add_argument("--background", action="store_true", help="queue it for kompas worker")
    p = add(imp_sub, "areas", cmd_import_areas, "import area boundaries (GeoJSON, GPKG, shapefile)")
    p.add_argument("file")
    p.add_argument("--level", choices=["gemeente", "stadsdeel", "wijk", "buurt"])
    p.add_argument("--code-field")
    p.add_argument("--name-field")
    p.add_argument("--year", type=int)
    p = add(imp_sub, "stadsdelen", cmd_import_stadsdelen, "group wijken into stadsdelen (CSV)")
    p.add_argument("file", help="two columns: wijk code, stadsdeel name")

    p = add(imp_sub, "codemap", cmd_import_codemap, "load old → new area codes after a redivision")
    p.add_argument("file", help="columns old_code, new_code, year[, share]")

    p = add(imp_sub, "signals", cmd_import_signals, "import signals from Signalen or Fixi (CSV)")
    p.add_argument("file", help="the export; .csv or .csv.gz")
    p.add_argument("--format", required=True, choices=["signalen", "fixi"])
    p.add_argument(
        "--municipality",
        required=True,
        help="CBS code of the municipality, e.g. GM0106; a stand-in is created when absent",
    )
    p.add_argument("--municipality-name", help="name for a stand-in municipality")
    p.add_argument("--categories", help="Signalen categories JSON (slug → name, parent, text)")

    p = add(
        imp_sub,
        "activities",
        cmd_import_activities,
        "import activities of departments and partners (CSV, XLSX, GeoJSON)",
    )
    p.add_argument(
        "file", help="columns id, title, owner, area_code, start, end, and wkt or lat/lon"
    )
    p.add_argument("--municipality", help="CBS code; needed when no row names an area")

    p = add(
        sub,
        "koppelkansen",
        cmd_koppelkansen,
        "find activities of different owners that overlap in place and time",
    )
    p.add_argument("--municipality", help="CBS code, e.g. GM0153 (default: every municipality)")
    p.add_argument(
        "--distance-m",
        type=float,
        default=50.0,
        help="pair activities at most this far apart (metres, default 50)",
    )
    p.add_argument(
        "--window-days",
        type=int,
        default=90,
        help="pair periods at most this many days apart (default 90)",
    )
    p.add_argument("--limit", type=int, default=50, help="list at most this many (default 50)")
    _as_option(p)

    for importer in imp_sub.choices.values():
        _as_option(importer)

    fetch = sub.add_parser("fetch", help="download figures from an open-data service")
    fetch_sub = fetch.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(fetch_sub, "cbs", cmd_fetch_cbs, "download a CBS table and its metadata, then import")
    p.add_argument("table_id", help="CBS table identifier, e.g. 85984NED")
    p.add_argument("--gemeente", help="only this municipality, e.g. GM0153")
    p.add_argument("--year", type=int)
    p.add_argument("--base-url", default="https://opendata.cbs.nl/ODataApi/odata")
    _as_option(p)

    ind = sub.add_parser("indicators", help="the indicator catalogue")
    ind_sub = ind.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(ind_sub, "list", cmd_indicators_list, "list the indicators")
    p.add_argument("--domain")
    p = add(ind_sub, "add", cmd_indicators_add, "add an indicator for own or partner data")
    p.add_argument("key")
    p.add_argument("--name", required=True)
    p.add_argument("--domain", default="overig")
    p.add_argument("--unit")
    p.add_argument(
        "--direction",
        default="neutral",
        choices=["higher_is_better", "higher_is_worse", "neutral"],
    )
    p.add_argument("--kind", default="objective", choices=["objective", "subjective"])
    p.add_argument(
        "--aggregation", default="none", choices=["sum", "ratio", "weighted_mean", "none"]
    )
    p.add_argument("--weight", help="indicator key to weigh a mean by")
    p.add_argument("--numerator")
    p.add_argument("--denominator")
    p.add_argument("--definition")
    p.add_argument("--source")
    p.add_argument("--min-population", type=int, default=50)
    p.add_argument("--cap-low", type=float, help="publicly, a percentage below this shows as '< N'")
    p.add_argument(
        "--cap-high", type=float, help="publicly, a percentage above this shows as '> N'"
    )

    sig = sub.add_parser("signals", help="signals (meldingen): list, escalate, train, stats")
    sig_sub = sig.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(sig_sub, "list", cmd_signals_list, "list signals, newest first")
    p.add_argument("--area", help="an area code; signals in it and below")
    p.add_argument("--status", help="e.g. reported, in_progress, closed")
    p.add_argument("--overdue", action="store_true", help="only open signals past their deadline")
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    p = add(sig_sub, "escalate", cmd_signals_escalate, "run the escalation ladder once")
    p.add_argument("--now", help="the moment to escalate at (ISO 8601; default: now)")

    p = add(
        sig_sub,
        "train",
        cmd_signals_train,
        "train the category suggestion on handled signals; prints cross-validated scores",
    )
    p.add_argument("--municipality", help="e.g. GM9999 (default: every municipality)")
    p = add(
        sig_sub,
        "stats",
        cmd_signals_stats,
        "signals per area and period as indicators (per 1,000, handling time, on time, open)",
    )
    p.add_argument("--level", default="wijk", choices=["gemeente", "stadsdeel", "wijk", "buurt"])
    p.add_argument("--period", required=True, help="YYYY, YYYY-Qn or YYYY-MM")
    p.add_argument("--municipality", help="only this municipality, e.g. GM9999")
    p.add_argument("--no-store", action="store_true", help="print only; do not write indicators")

    areas_p = sub.add_parser("areas", help="the area registry")
    areas_sub = areas_p.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(areas_sub, "list", cmd_areas_list, "list areas")
    p.add_argument("--level", choices=["gemeente", "stadsdeel", "wijk", "buurt"])
    p.add_argument("--municipality", help="e.g. GM0153")

    exp = sub.add_parser("export", help="write figures to a file")
    exp_sub = exp.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(
        exp_sub, "observations", cmd_export_observations, "export observations", json_flag=False
    )
    p.add_argument("--area", help="an area code; its descendants are included")
    p.add_argument("--indicator")
    p.add_argument("--period")
    p.add_argument("--level", choices=["gemeente", "stadsdeel", "wijk", "buurt"])
    p.add_argument("--public", action="store_true", help="apply disclosure control")
    p.add_argument("--format", required=True, choices=["csv", "xlsx", "json"])
    p.add_argument("-o", "--output", help="file to write (default: standard output)")

    chk = sub.add_parser("check", help="consistency checks")
    chk_sub = chk.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(chk_sub, "totals", cmd_check_totals, "list published totals that differ from sums")
    p.add_argument("--municipality")

    ana = sub.add_parser(
        "analyse",
        help="composite indices and rankings",
        description="Rank the stored areas of a municipality (the options below, or the "
        "subcommand areas), or analyse any CSV table (subcommand table).",
    )
    _analyse_area_options(ana)
    ana.set_defaults(handler=cmd_analyse_areas, analyse_parser=ana)
    ana_sub = ana.add_subparsers(dest="what", metavar="WHAT", required=False)
    p = add(
        ana_sub,
        "areas",
        cmd_analyse_areas,
        "rank the stored areas of a municipality and store the run",
        json_flag=False,
    )
    _analyse_area_options(p)
    p.set_defaults(analyse_parser=p)
    p = add(
        ana_sub,
        "table",
        cmd_analyse_table,
        "analyse any CSV table with a TOML config",
        json_flag=False,
    )
    p.add_argument("file")
    p.add_argument("--config", required=True)
    p.add_argument("-o", "--output")

    rep = sub.add_parser("report", help="write reports (wijkfoto PDF)")
    rep_sub = rep.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(rep_sub, "wijkfoto", cmd_report_wijkfoto, "write the wijkfoto of an area as PDF")
    p.add_argument("code", nargs="?", help="an area code, e.g. WK015300")
    p.add_argument("--level", choices=["gemeente", "stadsdeel", "wijk", "buurt"])
    p.add_argument("--municipality", help="all areas of --level in this municipality, e.g. GM0153")
    p.add_argument("-o", "--output", required=True, help="the PDF file, or a folder for --level")
    p.add_argument("--language", default="", choices=["", "nl", "en"], help="default: nl")
    p = add(
        rep_sub, "voortgang", cmd_report_voortgang,
        "write the progress report (voortgangsrapportage) of a municipality as PDF",
    )  # fmt: skip
    p.add_argument("--municipality", required=True, help="e.g. GM0153")
    p.add_argument("--period", required=True, help="years, e.g. 2025-2026")
    p.add_argument("-o", "--output", required=True, help="the PDF file")
    p.add_argument("--language", default="", choices=["", "nl", "en"], help="default: nl")

    pb = sub.add_parser("pb", help="participatory budgeting: Pabulib files, rounds, voting codes")
    pb_sub = pb.add_subparsers(dest="what", metavar="WHAT", required=True)
    p = add(pb_sub, "tally", cmd_pb_tally, "count a Pabulib .pb file and print the winners")
    p.add_argument("file", help="a .pb or .pb.gz file")
    p.add_argument(
        "--method",
        required=True,
        choices=["greedy", "mes", "mes-complete"],
        help="greedy by votes, Method of Equal Shares, or MES completed with add1 then greedy",
    )
    p = add(pb_sub, "import", cmd_pb_import, "import a .pb file as a budget round (results phase)")
    p.add_argument("file", help="a .pb or .pb.gz file")
    p.add_argument("--area", required=True, help="the area code the round belongs to")
    p.add_argument("--name", help="the round's name (default: the file's description)")
    p = add(pb_sub, "export", cmd_pb_export, "export a budget round, anonymised, as a .pb file")
    p.add_argument("round", type=int, help="the round's number")
    p.add_argument("-o", "--output", required=True, help="the .pb or .pb.gz file to write")
    p = add(pb_sub, "codes", cmd_pb_codes, "make voting codes for an address register (CSV)")
    p.add_argument("round", type=int, help="the round's number")
    p.add_argument("register", help="CSV with adres;postcode;gebied;geboortedatum[;huisnummer]")
    p.add_argument("-o", "--output", required=True, help="CSV of codes for the letters")

    p = add(
        sub, "docs", cmd_docs, "regenerate the reference pages in docs/reference", json_flag=False
    )
    p.add_argument("--output", default="docs/reference")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.handler not in (cmd_analyse_table, cmd_docs, cmd_pb_tally):
            _setup(args)
        return int(args.handler(args))
    except KompasError as exc:
        print(f"kompas: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
