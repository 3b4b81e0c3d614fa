"""The voortgangsrapportage: what happened in the areas of a municipality over a period, for the
college and council.

Per area with an agenda covering the period: its priorities, targets against the latest values
(on track / off track / no data), the actions of the period's plans and their status, budget
use, barriers and a summary of signals, residents' initiatives and budget rounds where there
are any; an executive summary on top. The web page and the PDF
(typst, in the wijkfoto's style) read the same `Report`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from gebiedskompas.areas.models import Area, Level
from gebiedskompas.core.errors import KompasError, gettext_noop
from gebiedskompas.cycle import selectors
from gebiedskompas.cycle.domain.targets import PROGRESS_LABELS, Progress
from gebiedskompas.cycle.models import Action, AreaAgenda, Barrier


def _euro(value: Decimal) -> str:
    whole = f"{value:,.0f}".replace(",", ".")
    return f"€ {whole}"


def _number(value: float) -> str:
    """In the language's notation, at most three decimals, no trailing zeros."""
    rounded: float | int = round(value, 3)
    if rounded == int(rounded):
        rounded = int(rounded)
    return number_format(rounded, decimal_pos=None, use_l10n=True, force_grouping=True)


@dataclass
class AreaSection:
    area: Area
    agenda: AreaAgenda
    priorities: list[dict[str, Any]]
    actions: list[dict[str, str]]
    action_counts: dict[str, int]
    budget: selectors.BudgetTotals
    barriers: list[dict[str, str]]
    signals: dict[str, int] | None
    targets: Counter[str] = field(default_factory=Counter)
    participation: Participation | None = None


@dataclass
class Report:
    municipality: Area
    first_year: int
    last_year: int
    sections: list[AreaSection]
    summary: list[str]
    made_on: date

    @property
    def period(self) -> str:
        return f"{self.first_year}–{self.last_year}"


def _signals(area: Area, first: int, last: int) -> dict[str, int] | None:
    try:
        from gebiedskompas.signals.models import Signal
    except ImportError:  # pragma: no cover - signals is part of the installation
        return None
    below = Q(area=area) | Q(area__parent=area) | Q(area__parent__parent=area)
    found = Signal.objects.filter(below, reported_at__year__gte=first, reported_at__year__lte=last)
    total = found.count()
    if not total:
        return None
    return {"total": total, "closed": found.filter(status="closed").count()}


@dataclass(frozen=True)
class Participation:
    """Residents' initiatives submitted and budget rounds started in the period, in the area
    and below."""

    initiatives: int
    granted: int  # granted in full or in part (paid and reported ones included)
    amount_granted: Decimal
    amount_paid: Decimal
    rounds: int
    ideas: int
    votes: int  # ballots cast
    winners: int  # ideas the round's method selected

    def lines(self) -> list[str]:
        out = []
        if self.initiatives:
            out.append(
                _("Bewonersinitiatieven: %(n)d aangevraagd, %(granted)d toegekend; "
                  "%(amount)s toegekend, %(paid)s uitbetaald.")
                % {"n": self.initiatives, "granted": self.granted,
                   "amount": _euro(self.amount_granted), "paid": _euro(self.amount_paid)}
            )  # fmt: skip
        if self.rounds:
            out.append(
                _("Buurtbegrotingen: %(n)d, met %(ideas)d ideeën, %(votes)d stemmen en "
                  "%(winners)d gekozen ideeën.")
                % {"n": self.rounds, "ideas": self.ideas, "votes": self.votes,
                   "winners": self.winners}
            )  # fmt: skip
        return out


def _participation(area: Area, first: int, last: int) -> Participation | None:
    """Like `_signals`: None where the area (and below) had no initiative or round."""
    from django.db.models import Count, Sum

    from gebiedskompas.participation.domain.initiatives import InitiativeStatus
    from gebiedskompas.participation.models import Ballot, BudgetRound, Idea, Initiative

    below = Q(area=area) | Q(area__parent=area) | Q(area__parent__parent=area)
    granted = Q(status__in=[InitiativeStatus.GRANTED, InitiativeStatus.PARTLY_GRANTED,
                            InitiativeStatus.PAID, InitiativeStatus.REPORTED])  # fmt: skip
    initiatives = Initiative.objects.filter(
        below, submitted_at__year__gte=first, submitted_at__year__lte=last
    ).aggregate(
        n=Count("pk"),
        granted=Count("pk", filter=granted),
        amount=Sum("amount_granted", filter=granted),
        paid=Sum("amount_paid"),
    )
    rounds = BudgetRound.objects.filter(
        below, created_at__year__gte=first, created_at__year__lte=last
    )
    ideas = Idea.objects.filter(round__in=rounds).aggregate(
        n=Count("pk"), winners=Count("pk", filter=Q(selected=True))
    )
    found = Participation(
        initiatives=initiatives["n"],
        granted=initiatives["granted"],
        amount_granted=initiatives["amount"] or Decimal("0"),
        amount_paid=initiatives["paid"] or Decimal("0"),
        rounds=rounds.count(),
        ideas=ideas["n"],
        votes=Ballot.objects.filter(round__in=rounds).count(),
        winners=ideas["winners"],
    )
    return found if found.initiatives or found.rounds else None


def _agenda_for(area: Area, first: int, last: int) -> AreaAgenda | None:
    """The newest adopted (or, failing that, newest) agenda overlapping the period."""
    overlapping = AreaAgenda.objects.filter(
        area=area, start_year__lte=last, end_year__gte=first
    ).order_by("-version")
    return overlapping.filter(status="adopted").first() or overlapping.first()


def build_report(municipality_code: str, first: int, last: int) -> Report:
    """The report over the years `first` to `last` (inclusive) for every area of the
    municipality with an agenda overlapping the period, stadsdelen first, by code."""
    municipality = Area.objects.filter(code=municipality_code, level=Level.GEMEENTE).first()
    if municipality is None:
        raise KompasError(
            gettext_noop("unknown municipality {municipality_code!r}"), column="municipality",
            value=municipality_code, municipality_code=municipality_code,
        )  # fmt: skip
    if last < first:
        raise KompasError(
            gettext_noop("the period {first}-{last} ends before it starts"),
            column="period",
            first=first,
            last=last,
        )
    order = {Level.GEMEENTE: 0, Level.STADSDEEL: 1, Level.WIJK: 2, Level.BUURT: 3}
    areas = sorted(
        {
            a.area
            for a in AreaAgenda.objects.filter(
                Q(area=municipality) | Q(area__municipality=municipality),
                start_year__lte=last,
                end_year__gte=first,
            ).select_related("area__parent")
        },
        key=lambda a: (order.get(a.level, 9), a.code),
    )
    sections = []
    for area in areas:
        agenda = _agenda_for(area, first, last)
        assert agenda is not None
        targets: Counter[str] = Counter()
        priorities = []
        for priority, rows in selectors.target_rows(agenda, public=False):
            items = []
            for row in rows:
                targets[row.assessment.progress] += 1
                latest = (
                    f"{_number(row.assessment.latest)} ({row.assessment.latest_period})"
                    if row.assessment.latest is not None
                    else "–"
                )
                items.append(
                    {
                        "indicator": row.target.indicator.name,
                        "target": f"{row.target.get_direction_display()}: "
                        f"{_number(float(row.target.value))} ({row.target.year})",
                        "latest": latest,
                        "verdict": row.label,
                        "progress": row.assessment.progress.value,
                    }
                )
            priorities.append({"title": priority.title, "owner": priority.owner, "targets": items})
        actions = list(
            Action.objects.filter(plan__area=area, plan__year__gte=first, plan__year__lte=last)
            .select_related("plan", "priority")
            .order_by("plan__year", "start", "pk")
        )
        counts = Counter(a.get_status_display() for a in actions)
        zero = Decimal("0.00")
        budget = selectors.BudgetTotals(
            planned=sum((a.budget_planned for a in actions), zero),
            committed=sum((a.budget_committed for a in actions), zero),
            spent=sum((a.budget_spent for a in actions), zero),
        )
        barriers = [
            {
                "category": b.get_category_display(),
                "text": b.description,
                "state": (_("opgelost") + f": {b.resolution}")
                if b.resolved_on
                else (_("geëscaleerd naar %(to)s") % {"to": b.escalated_to})
                if b.escalated_to
                else _("open"),
            }
            for b in Barrier.objects.filter(
                Q(area=area) | Q(action__plan__area=area),
                raised_on__year__gte=first,
                raised_on__year__lte=last,
            ).order_by("raised_on", "pk")
        ]
        sections.append(
            AreaSection(
                area=area,
                agenda=agenda,
                priorities=priorities,
                actions=[
                    {
                        "title": a.title,
                        "owner": a.owner,
                        "year": str(a.plan.year),
                        "status": a.get_status_display(),
                        "budget": f"{_euro(a.budget_spent)} / {_euro(a.budget_planned)}",
                    }
                    for a in actions
                ],
                action_counts=dict(sorted(counts.items())),
                budget=budget,
                barriers=barriers,
                signals=_signals(area, first, last),
                targets=targets,
                participation=_participation(area, first, last),
            )
        )
    return Report(
        municipality=municipality,
        first_year=first,
        last_year=last,
        sections=sections,
        summary=_summary(sections),
        made_on=timezone.localdate(),
    )


def _summary(sections: list[AreaSection]) -> list[str]:
    if not sections:
        return [_("Er is voor deze periode geen gebiedsagenda.")]
    targets: Counter[str] = Counter()
    for s in sections:
        targets.update(s.targets)
    actions = sum(len(s.actions) for s in sections)
    done = sum(1 for s in sections for a in s.actions if a["status"] == _("afgerond"))
    planned = sum((s.budget.planned for s in sections), Decimal("0"))
    spent = sum((s.budget.spent for s in sections), Decimal("0"))
    open_barriers = sum(1 for s in sections for b in s.barriers if b["state"] == _("open"))
    total_targets = sum(targets.values())
    lines = [
        _("%(n)d gebieden met een gebiedsagenda, samen %(p)d speerpunten.")
        % {"n": len(sections), "p": sum(len(s.priorities) for s in sections)},
        _("Doelen: %(on)d van %(total)d op koers, %(off)d niet op koers, %(none)d zonder gegevens.")
        % {
            "on": targets[Progress.ON_TRACK],
            "total": total_targets,
            "off": targets[Progress.OFF_TRACK],
            "none": targets[Progress.NO_DATA],
        },
        _("Acties: %(n)d, waarvan %(done)d afgerond.") % {"n": actions, "done": done},
        _("Budget van de acties: %(spent)s besteed van %(planned)s begroot.")
        % {"spent": _euro(spent), "planned": _euro(planned)},
        _("Knelpunten: %(n)d, waarvan %(open)d nog open.")
        % {"n": sum(len(s.barriers) for s in sections), "open": open_barriers},
    ]
    taking_part = [s.participation for s in sections if s.participation is not None]
    if taking_part:
        zero = Decimal("0")
        lines += Participation(
            initiatives=sum(p.initiatives for p in taking_part),
            granted=sum(p.granted for p in taking_part),
            amount_granted=sum((p.amount_granted for p in taking_part), zero),
            amount_paid=sum((p.amount_paid for p in taking_part), zero),
            rounds=sum(p.rounds for p in taking_part),
            ideas=sum(p.ideas for p in taking_part),
            votes=sum(p.votes for p in taking_part),
            winners=sum(p.winners for p in taking_part),
        ).lines()
    return lines


def report_document(report: Report) -> dict[str, Any]:
    """The JSON data of the PDF."""
    from django.utils.translation import get_language

    title = _("Voortgangsrapportage %(name)s %(period)s") % {
        "name": report.municipality.name,
        "period": report.period,
    }
    return {
        "lang": (get_language() or "nl")[:2],
        "title": title,
        "intro": _("Gemaakt op %(today)s met Gebiedskompas.")
        % {"today": date_format(report.made_on, "j F Y")},
        "footer": title,
        "labels": {
            "summary": _("Samenvatting"),
            "priorities": _("Speerpunten en doelen"),
            "actions": _("Acties"),
            "budget": _("Budget"),
            "barriers": _("Knelpunten"),
            "signals": _("Meldingen"),
            "participation": _("Bewonersinitiatieven en buurtbegrotingen"),
            "columns_targets": [_("Indicator"), _("Doel"), _("Laatste waarde"), _("Oordeel")],
            "columns_actions": [
                _("Actie"), _("Eigenaar"), _("Jaar"), _("Status"), _("Besteed / begroot"),
            ],  # fmt: skip
            "none": _("Geen."),
        },
        "summary": report.summary,
        "sections": [
            {
                "heading": f"{s.area.name} ({s.area.get_level_display()} {s.area.code})",
                "agenda": f"{s.agenda.title} {s.agenda.start_year}–{s.agenda.end_year}, "
                + _("versie %(v)d, %(status)s")
                % {"v": s.agenda.version, "status": s.agenda.get_status_display()},
                "priorities": s.priorities,
                "actions": s.actions,
                "action_counts": ", ".join(f"{k}: {v}" for k, v in s.action_counts.items()),
                "budget": _("%(spent)s besteed, %(committed)s verplicht, %(planned)s begroot")
                % {
                    "spent": _euro(s.budget.spent),
                    "committed": _euro(s.budget.committed),
                    "planned": _euro(s.budget.planned),
                },
                "barriers": s.barriers,
                "signals": _("%(total)d meldingen, waarvan %(closed)d afgehandeld.")
                % s.signals
                if s.signals
                else "",
                "participation": s.participation.lines() if s.participation else [],
            }
            for s in report.sections
        ],
        "legend": _("Oordeel over een doel: %(on)s, %(off)s of %(none)s, naar de laatste waarde "
                    "van de indicator in het gebied.")
        % {k: PROGRESS_LABELS[p] for k, p in
           (("on", Progress.ON_TRACK), ("off", Progress.OFF_TRACK), ("none", Progress.NO_DATA))},
    }  # fmt: skip


def progress_pdf(report: Report) -> bytes:
    from gebiedskompas.reports.pdf import render_pdf

    return render_pdf(report_document(report), {}, template="voortgang.typ")


def write_progress_report(
    municipality_code: str, period: str, output: Path, *, language: str = ""
) -> Path:
    """Write the PDF; `period` as ``2025-2026`` (or one year)."""
    from django.conf import settings
    from django.utils import translation

    try:
        parts = [int(p) for p in period.split("-")]
    except ValueError:
        raise KompasError(
            gettext_noop("period {period!r} is not YEAR-YEAR, e.g. 2025-2026"),
            column="period",
            value=period,
            period=period,
        ) from None
    if len(parts) not in (1, 2):
        raise KompasError(
            gettext_noop("period {period!r} is not YEAR-YEAR"),
            column="period",
            value=period,
            period=period,
        )
    first, last = parts[0], parts[-1]
    with translation.override(language or settings.LANGUAGE_CODE):
        document = progress_pdf(build_report(municipality_code, first, last))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(document)
    return output
