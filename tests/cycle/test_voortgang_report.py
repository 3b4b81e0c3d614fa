"""The voortgangsrapportage: its PDF's text says what the data says; the command writes it."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from gebiedskompas.cli import main
from gebiedskompas.core.errors import KompasError
from gebiedskompas.cycle import services
from gebiedskompas.indicators.models import Indicator, Observation
from gebiedskompas.reports import voortgang
from tests.cycle.conftest import World
from tests.web.factories import IndicatorFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _cycle(world: World) -> None:
    inwoners = Indicator.objects.get(key="inwoners")
    Observation.objects.create(area=world.stadsdeel, indicator=inwoners, period="2025",
                               value=53_000)  # fmt: skip
    agenda = services.create_agenda("SD999901", title="Stadsdeelagenda Noord", start_year=2025,
                                    end_year=2028, by=world.manager)  # fmt: skip
    grow = services.add_priority(agenda.pk, title="Groeiende wijk", by=world.manager)
    services.add_target(grow.pk, indicator_key="inwoners", value=60_000, year=2028,
                        direction="up", by=world.manager)  # fmt: skip
    shrink = services.add_priority(agenda.pk, title="Kleinere huishoudens", by=world.manager)
    services.add_target(shrink.pk, indicator_key="inwoners", value=40_000, year=2028,
                        direction="down", by=world.manager)  # fmt: skip
    IndicatorFactory(key="zonder_cijfers", name="Zonder cijfers")
    services.add_target(shrink.pk, indicator_key="zonder_cijfers", value=1, year=2028,
                        direction="down", by=world.manager)  # fmt: skip
    for step in ("proposed", "adopted"):
        services.change_agenda_status(agenda.pk, step, by=world.manager)
    plan = services.create_plan("SD999901", 2025, by=world.manager)
    done = services.add_action(plan.pk, title="Spreekuur schuldhulp", owner="Werk en Inkomen",
                               start=date(2025, 2, 1), budget_planned=20_000, budget_spent=18_000,
                               by=world.manager)  # fmt: skip
    services.change_action_status(done.pk, "in_progress", by=world.manager)
    services.change_action_status(done.pk, "done", by=world.manager)
    services.add_action(plan.pk, title="Straatverlichting", owner="Openbare Ruimte",
                        start=date(2025, 5, 1), budget_planned=5_000, by=world.manager)  # fmt: skip
    services.record_barrier("SD999901", category="financiering", description="Geld komt laat",
                            raised_by="Verbinder", raised_on=date(2025, 6, 1),
                            by=world.manager)  # fmt: skip
    # Outside the period: not in the report.
    services.record_barrier("SD999901", category="data", description="Oud probleem",
                            raised_by="Verbinder", raised_on=date(2023, 6, 1),
                            by=world.manager)  # fmt: skip


def test_report_pdf_text_holds_summary_targets_actions_budget_barriers(world: World) -> None:
    _cycle(world)
    report = voortgang.build_report("GM9999", 2025, 2026)
    text = _text(voortgang.progress_pdf(report))
    assert "Voortgangsrapportage Gemeente Proefstad 2025–2026" in text
    # Executive summary: one area, two priorities, targets: 1 on track (up, 52000→53000),
    # 1 off track (down to 40000), 1 without data (an indicator without figures).
    assert "1 gebieden met een gebiedsagenda, samen 2 speerpunten" in text
    assert "Doelen: 1 van 3 op koers, 1 niet op koers, 1 zonder gegevens" in text
    assert "Acties: 2, waarvan 1 afgerond" in text
    assert "€ 18.000 besteed van € 25.000 begroot" in text
    assert "Knelpunten: 1, waarvan 1 nog open" in text
    assert "Stadsdeelagenda Noord 2025–2028" in text
    assert "omhoog: 60.000 (2028) 53.000 (2025) op koers" in text
    assert "Spreekuur schuldhulp" in text and "Straatverlichting" in text
    assert "Geld komt laat" in text and "Oud probleem" not in text


def test_report_without_agendas_says_so_and_bad_period_is_refused(world: World) -> None:
    report = voortgang.build_report("GM9999", 2025, 2026)
    assert report.sections == [] and "geen gebiedsagenda" in report.summary[0]
    with pytest.raises(KompasError, match="ends before it starts"):
        voortgang.build_report("GM9999", 2026, 2025)
    with pytest.raises(KompasError, match="unknown municipality"):
        voortgang.build_report("GM0000", 2025, 2026)


def test_cli_writes_the_report(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _cycle(world)
    out = tmp_path / "voortgang.pdf"
    code = main(["report", "voortgang", "--municipality", "GM9999", "--period", "2025-2026",
                 "-o", str(out), "--json"])  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["file"] == str(out)
    assert "Spreekuur schuldhulp" in _text(out.read_bytes())
    assert main(["report", "voortgang", "--municipality", "GM9999", "--period", "twee",
                 "-o", str(out)]) == 1  # fmt: skip
    assert "period 'twee'" in capsys.readouterr().err


def test_report_sums_up_initiatives_and_budget_rounds_where_there_are_any(world: World) -> None:
    from django.utils import timezone

    from gebiedskompas.participation import services as participation
    from gebiedskompas.participation.models import Ballot

    year = timezone.localdate().year
    for code in ("SD999901", "WK999902"):
        agenda = services.create_agenda(code, title=f"Agenda {code}", start_year=year,
                                        end_year=year + 3, by=world.manager)  # fmt: skip
        services.change_agenda_status(agenda.pk, "proposed", by=world.manager)
    # In the stadsdeel (a wijk below it): three initiatives, two granted, one of them paid.
    made = [
        participation.apply_initiative(
            participation.InitiativeInput("WK999901", title, "Samen doen", budget_asked=asked)
        )[0]
        for title, asked in (("Straatfeest", 500), ("Moestuin", 1200), ("Graffiti", 300))
    ]
    for initiative in made:
        participation.assess_initiative(initiative.pk, criteria={}, advice="", by=world.manager)
    participation.decide_initiative(made[0].pk, decision="granted", reason="Mooi",
                                    by=world.manager)  # fmt: skip
    participation.decide_initiative(made[1].pk, decision="partly_granted", reason="Deels",
                                    amount=800, by=world.manager)  # fmt: skip
    participation.decide_initiative(made[2].pk, decision="refused", reason="Nee",
                                    by=world.manager)  # fmt: skip
    participation.record_payment(made[0].pk, amount=450, by=world.manager)
    # A budget round with two ideas on the ballot and three votes.
    budget_round = participation.create_round(
        participation.RoundInput(area_code="WK999901", name="Buurtbudget", budget=1000),
        by=world.manager,
    )
    participation.change_phase(budget_round.pk, "ideas", by=world.manager)
    ideas = [participation.submit_idea(budget_round.pk, title=t) for t in ("Bankje", "Boom")]
    participation.change_phase(budget_round.pk, "check", by=world.manager)
    for idea in ideas:
        participation.check_idea(idea.pk, feasible=True, cost=600, by=world.manager)
    participation.change_phase(budget_round.pk, "voting", by=world.manager)
    for choice in (ideas[0], ideas[0], ideas[1]):
        Ballot.objects.create(round=budget_round, choices=[[choice.pb_id, 1]])
    participation.change_phase(budget_round.pk, "results", by=world.manager)

    report = voortgang.build_report("GM9999", year, year)
    text = _text(voortgang.progress_pdf(report))
    assert "Bewonersinitiatieven en buurtbegrotingen" in text
    expected = ("Bewonersinitiatieven: 3 aangevraagd, 2 toegekend; € 1.300 toegekend, "
                "€ 450 uitbetaald.")  # fmt: skip
    rounds = "Buurtbegrotingen: 1, met 2 ideeën, 3 stemmen en 1 gekozen ideeën."
    assert text.count(expected) == 2  # in the stadsdeel's section and the summary
    assert text.count(rounds) == 2
    # The wijk without any has no such section.
    [wijk] = [s for s in report.sections if s.area.code == "WK999902"]
    assert wijk.participation is None
    assert report_document_participation(report) == [[expected, rounds], []]
    page = _client_page(world, year)
    assert expected in page and rounds in page


def report_document_participation(report: voortgang.Report) -> list[list[str]]:
    return [s["participation"] for s in voortgang.report_document(report)["sections"]]


def _client_page(world: World, year: int) -> str:
    from django.test import Client

    client = Client()
    client.force_login(world.manager)
    return client.get(f"/voortgang/?gemeente=GM9999&periode={year}-{year}").content.decode()
