"""The demo municipality's gebiedscyclus: a full cycle for GM9999, deterministic from the seed.

Per stadsdeel an agenda 2025–2028 adopted by the council, citing a gebiedsanalyse of the
buurten; plans for 2025 and 2026 with actions in several states, funding per source, progress
updates and milestones; gebiedsbudget and handgeld with allocations; activities of several
departments and partners of which a few overlap (real koppelkansen, one group of three); and
barriers, some recurring across stadsdelen. Built once: when GM9999 has agendas it is left alone.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Final

import numpy as np
import shapely

from gebiedskompas.areas.domain.geometry import geometry_from_wkb
from gebiedskompas.areas.models import Area, Level
from gebiedskompas.cycle import services
from gebiedskompas.cycle.models import Activity, AreaAgenda, CouplingOpportunity

MUNICIPALITY: Final = "GM9999"
PERIOD: Final = (2025, 2028)

# (title, indicator, direction, change towards the target as a share of the latest value)
PRIORITIES: Final = (
    ("Prettig wonen in de buurt", "rapportcijfer_leefbaarheid", "up", 0.05),
    ("Minder huishoudens met een laag inkomen", "huishoudens_met_een_laag_inkomen", "down", 0.1),
    ("Veilige straten", "totaal_vernieling", "down", -0.05),  # already met: on track
)
ACTIONS: Final = (
    # (title, owner, priority index, planned, spent share, status path)
    ("Buurtbudget voor bewonersinitiatieven", "Team Gebiedsgericht Werken", 0, 40_000, 0.6,
     ["in_progress"]),
    ("Schuldhulp dichtbij: spreekuur in het wijkcentrum", "Afdeling Werk en Inkomen", 1,
     60_000, 0.9, ["in_progress", "done"]),
    ("Extra straatverlichting en schouw", "Afdeling Openbare Ruimte", 2, 25_000, 0.0, []),
    ("Jongerenwerk in de avond", "Welzijn Voorbeeld", 2, 35_000, 0.3,
     ["in_progress", "on_hold"]),
    ("Portiekgesprekken met de corporatie", "Woonstede Voorbeeld", 0, 10_000, 0.0,
     ["cancelled"]),
)  # fmt: skip
BARRIERS: Final = (
    ("financiering", "Subsidie voor bewonersinitiatieven komt pas na het zomerreces vrij."),
    ("samenwerking", "Afdelingen plannen hun werk in de wijk los van elkaar."),
    ("regelgeving", "De verordening staat handgeld aan informele groepen niet toe."),
    ("capaciteit", "Geen vaste wijkcoördinator sinds het voorjaar."),
    ("data", "Cijfers over jeugdhulp komen een jaar te laat voor het gebiedsplan."),
)


def _analysis_run() -> int | None:
    from gebiedskompas.analysis.models import AnalysisRun
    from gebiedskompas.analysis.services import run_analysis
    from gebiedskompas.core.errors import KompasError

    existing = AnalysisRun.objects.filter(municipality__code=MUNICIPALITY).order_by("pk").first()
    if existing is not None:
        return existing.pk
    try:
        return run_analysis(
            method="zscore", municipality=MUNICIPALITY, level="buurt", period="2024"
        ).pk
    except KompasError:
        return None


def _latest(area: Area, key: str) -> float | None:
    from gebiedskompas.indicators.models import Observation

    row = (
        Observation.objects.filter(area=area, indicator__key=key, value__isnull=False)
        .order_by("-period")
        .values_list("value", flat=True)
        .first()
    )
    return row


def _wijk_points(stadsdeel: Area) -> list[shapely.Point]:
    points = []
    for wijk in Area.objects.filter(parent=stadsdeel, level=Level.WIJK).order_by("code"):
        if wijk.geometry_rd:
            points.append(geometry_from_wkb(wijk.geometry_rd).representative_point())
    return points


def build_cycle(*, seed: int = 2026) -> dict[str, int]:
    """Build the demo's cycle once; returns counts (all zero when it was there already)."""
    from django.contrib.auth import get_user_model

    from gebiedskompas.accounts.permissions import forget

    municipality = Area.objects.get(code=MUNICIPALITY)
    counts = {"agendas": 0, "actions": 0, "activities": 0, "koppelkansen": 0, "barriers": 0}
    if AreaAgenda.objects.filter(area__municipality=municipality).exists():
        return counts
    # The demo acts as its functional administrator (a superuser: every check passes).
    by = get_user_model().objects.filter(username="beheerder", is_superuser=True).first()
    if by is None:
        return counts
    forget(by)
    rng = np.random.default_rng(seed)
    services.ensure_cycle_phases(MUNICIPALITY)
    run_id = _analysis_run()
    first, last = PERIOD
    stadsdelen = list(
        Area.objects.filter(municipality=municipality, level=Level.STADSDEEL).order_by("code")
    )
    for n, stadsdeel in enumerate(stadsdelen):
        agenda = services.create_agenda(
            stadsdeel.code,
            title=f"Stadsdeelagenda {stadsdeel.name.removeprefix('Stadsdeel ')}",
            start_year=first,
            end_year=last,
            by=by,
        )
        priorities = []
        for title, key, direction, change in PRIORITIES:
            priority = services.add_priority(
                agenda.pk,
                title=title,
                motivation="Uit de gebiedsanalyse en de gesprekken met bewoners en partners.",
                analysis_run_id=run_id,
                indicator_keys=[key],
                owner="Gebiedsmanager " + stadsdeel.name,
                by=by,
            )
            latest = _latest(stadsdeel, key)
            if latest is not None:
                factor = 1 + change if direction == "up" else 1 - change
                services.add_target(
                    priority.pk, indicator_key=key, value=Decimal(f"{latest * factor:.3f}"),
                    year=last, direction=direction, by=by,
                )  # fmt: skip
            priorities.append(priority)
        services.change_agenda_status(
            agenda.pk, "consultation", by=by, note="Bewonersavonden en partnertafel"
        )
        services.change_agenda_status(agenda.pk, "proposed", by=by)
        services.change_agenda_status(
            agenda.pk, "adopted", by=by, decision_reference=f"Raadsbesluit 2025/{10 + n}",
            adopted_on=date(2025, 3, 20),
        )  # fmt: skip
        counts["agendas"] += 1
        for year in (2025, 2026):
            plan = services.create_plan(
                stadsdeel.code, year, agenda_id=agenda.pk, by=by,
                title=f"Gebiedsplan {stadsdeel.name} {year}",
            )  # fmt: skip
            budget = services.set_area_budget(
                stadsdeel.code, year=year, kind="area", amount=150_000, by=by
            )
            services.set_area_budget(
                stadsdeel.code, year=year, kind="handgeld", amount=15_000, by=by
            )
            for i, (title, owner, p, planned, share, path) in enumerate(ACTIONS):
                if year == 2026 and i >= 3:
                    continue
                action = services.add_action(
                    plan.pk, title=title, owner=owner, priority_id=priorities[p].pk,
                    start=date(year, 2 + i, 1), end=date(year, 12, 31), by=by,
                )  # fmt: skip
                spent = Decimal(int(planned * share * float(rng.uniform(0.8, 1.0))))
                source = "Gebiedsbudget" if i == 0 else owner
                services.set_action_funding(
                    action.pk, source=source, planned=planned, committed=min(planned, spent * 2),
                    spent=spent, by=by,
                )  # fmt: skip
                if i == 0:
                    services.allocate_budget(budget.pk, planned=planned, spent=spent,
                                             action_id=action.pk, by=by)  # fmt: skip
                statuses = path if year == 2025 else path[:1]
                for status in statuses:
                    services.change_action_status(action.pk, status, by=by)
                if statuses:
                    services.add_action_update(
                        action.pk, text=f"{title}: gestart met de eerste bijeenkomsten.",
                        on=date(year, 4 + i, 15), by=by,
                    )  # fmt: skip
                    services.add_milestone(
                        action.pk, title="Evaluatie met bewoners", due=date(year, 11, 1), by=by
                    )
                counts["actions"] += 1
        for k, (category, text) in enumerate(BARRIERS):
            if (n + k) % 2:  # every category in two or three stadsdelen
                continue
            barrier = services.record_barrier(
                stadsdeel.code, category=category, description=text,
                raised_by="Gebiedsverbinder", raised_on=date(2025, 4 + k, 10), by=by,
            )  # fmt: skip
            if k == 1:
                services.escalate_barrier(barrier.pk, to="Directieteam", by=by, on=date(2025, 6, 1))
            if k == 0:
                services.resolve_barrier(
                    barrier.pk, resolution="Voorschot uit het handgeld.", by=by,
                    on=date(2025, 9, 1),
                )  # fmt: skip
            counts["barriers"] += 1
        counts["activities"] += _activities(municipality, stadsdeel, n)
    detection = services.detect_couplings(MUNICIPALITY)
    counts["koppelkansen"] = detection.found
    # Decide the best one as a note, so the page shows both open and decided ones.
    best = CouplingOpportunity.objects.filter(municipality=municipality).order_by("-score").first()
    if best is not None:
        services.decide_coupling(
            best.pk, accept=True, outcome="note", reason="Samen één bewonersbrief", by=by
        )
    return counts


def _activities(municipality: Area, stadsdeel: Area, n: int) -> int:
    """Activities of departments and partners in the stadsdeel: in the first wijk a sewer
    replacement, a street reconstruction along the same line and a renovation beside it (a
    group of three koppelkansen); elsewhere a youth programme for the whole wijk and a
    playground inside it (a pair), and a project of the same owner that is never paired."""
    points = _wijk_points(stadsdeel)
    if not points:
        return 0
    p = points[0]
    line = shapely.LineString([(p.x - 150, p.y), (p.x + 150, p.y)])
    items: list[tuple[str, str, date, date | None, Any, Area | None]] = [
        ("Rioolvervanging", "Afdeling Riolering", date(2026, 3, 1), date(2026, 10, 31),
         line, None),
        ("Herinrichting straat", "Afdeling Openbare Ruimte", date(2026, 5, 1),
         date(2027, 3, 31), line.buffer(6), None),
        ("Renovatie 120 woningen", "Woonstede Voorbeeld", date(2026, 9, 1), None,
         shapely.Point(p.x + 40, p.y + 30).buffer(40), None),
        ("Vervanging lantaarnpalen", "Afdeling Openbare Ruimte", date(2025, 1, 1),
         date(2025, 3, 1), shapely.Point(p.x + 2000, p.y + 2000), None),
    ]  # fmt: skip
    wijken = list(Area.objects.filter(parent=stadsdeel, level=Level.WIJK).order_by("code"))
    if len(points) > 1 and n % 2 == 0:
        q = points[1]
        items += [
            ("Jongerenprogramma Zomer", "Welzijn Voorbeeld", date(2026, 6, 1),
             date(2026, 9, 1), None, wijken[1]),
            ("Speelplek vernieuwen", "Afdeling Openbare Ruimte", date(2026, 7, 1),
             date(2026, 8, 15), shapely.Point(q.x, q.y), None),
        ]  # fmt: skip
    for i, (title, owner, start, end, geometry, area) in enumerate(items):
        Activity.objects.create(
            municipality=municipality,
            external_id=f"{stadsdeel.code}-{i + 1}",
            title=f"{title} {stadsdeel.name.removeprefix('Stadsdeel ')}",
            owner=owner,
            start=start,
            end=end,
            area=area or (wijken[0] if wijken else stadsdeel),
            geometry_rd=shapely.to_wkb(geometry) if geometry is not None else None,
        )
    return len(items)
