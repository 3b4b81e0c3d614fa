"""Demo data for participation in GM9999: last year's budget round with its result, this
year's round open for voting (with voting codes and some ballots), and two initiatives.

Deterministic from the seed and idempotent: a round or initiative that exists is left alone.
The demo's voting codes are derived from the seed (``demo_code``), so they can be tried out;
real rounds get random codes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from gebiedskompas.areas.models import Area, Level
from gebiedskompas.participation import services
from gebiedskompas.participation.models import BudgetRound
from gebiedskompas.participation.services import (
    CODE_ALPHABET,
    SYSTEM,
    ContactInput,
    InitiativeInput,
    RoundInput,
)

IDEAS = (
    ("Speeltuin vernieuwen", 18_000, "Nieuwe toestellen voor de speeltuin aan het plein."),
    ("Bankjes langs het water", 4_000, "Zes bankjes om even uit te rusten."),
    ("Geveltuinen", 3_000, "Tegels eruit, planten erin: materiaal voor twintig geveltuinen."),
    ("Buurtkast met boeken", 1_500, "Een kast waar iedereen boeken ruilt."),
    ("Verlichting fietspad", 12_000, "Beter licht op het fietspad naar het station."),
    ("Moestuin bij de school", 6_000, "Een moestuin voor kinderen en ouderen."),
    ("Waterpunt in het park", 5_000, "Een kraan om water te tappen."),
)
REJECTED = (
    ("Nieuwe rotonde", "Een rotonde kost meer dan het hele budget en valt onder verkeersbeleid."),
)
BUDGET = 30_000
VOTERS, BALLOTS = 120, 80
DEMO_CODES_SHOWN = 3


@dataclass
class ParticipationDemo:
    rounds_created: int = 0
    initiatives_created: int = 0


def demo_code(seed: int, round_no: int, n: int) -> str:
    """The n-th demo voting code of a demo round: fixed by the seed, as a letter would show it."""
    digest = hashlib.sha256(f"kompas-demo-{seed}-{round_no}-{n}".encode()).digest()
    raw = "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:12])
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def _register(wijk: Area) -> bytes:
    buurten = list(
        Area.objects.filter(parent=wijk, level=Level.BUURT)
        .order_by("code")
        .values_list("code", flat=True)
    ) or [wijk.code]
    lines = ["adres;postcode;gebied;geboortedatum"]
    for i in range(VOTERS):
        lines.append(
            f"Demostraat {i + 1};9999 AA;{buurten[i % len(buurten)]};{1950 + i % 55}-06-01"
        )
    return ("\n".join(lines) + "\n").encode()


def _round(gemeente: Area, wijk: Area, seed: int, round_no: int, year: int) -> BudgetRound | None:
    name = f"Buurtbudget {wijk.name} {year}"
    if BudgetRound.objects.filter(area=wijk, name=name).exists():
        return None
    rng = np.random.default_rng(seed + 800 + round_no)
    budget_round = services.create_round(
        RoundInput(
            area_code=wijk.code,
            name=name,
            budget=BUDGET,
            ballot_type="knapsack",
            description=(
                f"Bewoners van {wijk.name} beslissen samen over € {BUDGET:,} voor hun wijk."
            ).replace(",", "."),
            max_choices=4,
            min_age=16,
            may_change_ballot=round_no == 2,
            email_voting=round_no == 2,  # demo: postcode 9999 AA, Demostraat 1, 2, …
        ),
        by=SYSTEM,
    )
    services.change_phase(budget_round.pk, "ideas", by=SYSTEM)
    ideas = [
        services.submit_idea(
            budget_round.pk,
            title=title,
            description=text,
            estimated_cost=cost,
            contact=ContactInput(name="Demo Bewoner") if i == 0 else None,
        )
        for i, (title, cost, text) in enumerate(IDEAS)
    ]
    rejected = [services.submit_idea(budget_round.pk, title=t) for t, _ in REJECTED]
    services.change_phase(budget_round.pk, "check", by=SYSTEM)
    for idea, (_, cost, _) in zip(ideas, IDEAS, strict=True):
        services.check_idea(idea.pk, feasible=True, cost=cost, by=SYSTEM)
    for idea, (_, reason) in zip(rejected, REJECTED, strict=True):
        services.check_idea(idea.pk, feasible=False, public_reason=reason, by=SYSTEM)
    services.change_phase(budget_round.pk, "voting", by=SYSTEM)
    services.import_register(
        budget_round.pk,
        _register(wijk),
        by=SYSTEM,
        file="demo-adressen.csv",
        make_code=lambda n: demo_code(seed, round_no, n),
    )
    appeal = np.array([3.0, 2.0, 2.5, 1.0, 1.5, 2.0, 0.8])
    ids = [idea.pb_id for idea in ideas]
    costs = np.array([c for _, c, _ in IDEAS])
    # The first codes stay unused, so a visitor can try voting with them.
    for n in range(DEMO_CODES_SHOWN, DEMO_CODES_SHOWN + BALLOTS):
        order = rng.choice(len(ids), size=len(ids), replace=False, p=appeal / appeal.sum())
        chosen, spent = [], 0
        for p in order[: int(rng.integers(1, 5))]:
            if spent + costs[p] <= BUDGET:
                chosen.append((ids[p], 1))
                spent += costs[p]
        services.cast_ballot(budget_round.pk, demo_code(seed, round_no, n), chosen)
    if round_no == 1:
        services.change_phase(budget_round.pk, "results", by=SYSTEM)
    return budget_round


def _initiatives(wijk: Area, seed: int) -> int:
    created = 0
    buurt = Area.objects.filter(parent=wijk, level=Level.BUURT).order_by("code").first() or wijk
    feest, token = services.apply_initiative(
        InitiativeInput(
            area_code=buurt.code,
            title="Straatfeest Burendag",
            description="Een middag met muziek, eten en spelletjes voor de hele straat.",
            budget_asked=Decimal(750),
            location="Demostraat, tussen nr. 1 en 40",
            participants="Twaalf buren organiseren; de hele straat is welkom.",
            contact=ContactInput(name="Demo Aanvrager", email="aanvrager@example.org"),
            idempotency_key=f"demo-{seed}-initiative-1",
        ),
        token=f"demo-{seed}-straatfeest",
    )
    if token:
        created += 1
        services.assess_initiative(
            feest.pk,
            criteria={"support_in_area": True, "own_effort": True, "not_commercial": True,
                      "feasible_and_safe": True, "fits_area_agenda": False},
            advice="Veel buren doen mee; de muziekinstallatie is duur, een kleinere volstaat.",
            by=SYSTEM,
        )  # fmt: skip
        services.decide_initiative(
            feest.pk,
            decision="partly_granted",
            amount=500,
            reason="Toegekend zonder de gehuurde geluidsinstallatie; die valt buiten de regeling.",
            by=SYSTEM,
        )
        services.record_payment(feest.pk, amount=500, by=SYSTEM)
        services.record_report(
            feest.pk, report="Ruim zestig buren kwamen; er is een buurtapp begonnen.", by=SYSTEM
        )
    _tuin, token = services.apply_initiative(
        InitiativeInput(
            area_code=wijk.code,
            title="Pluktuin op het braakliggende veld",
            description="Fruitbomen en bessenstruiken die iedereen mag plukken.",
            budget_asked=Decimal(2_400),
            participants="Bewonersgroep De Groene Hoek (8 mensen).",
            idempotency_key=f"demo-{seed}-initiative-2",
        ),
        token=f"demo-{seed}-pluktuin",
    )
    return created + (1 if token else 0)


def build_participation_demo(gemeente: Area, *, seed: int = 2026) -> ParticipationDemo:
    """Rounds and initiatives in the first wijk (by code) of the demo municipality."""
    summary = ParticipationDemo()
    wijk = Area.objects.filter(municipality=gemeente, level=Level.WIJK).order_by("code").first()
    if wijk is None:
        return summary
    for round_no, year in ((1, 2025), (2, 2026)):
        if _round(gemeente, wijk, seed, round_no, year) is not None:
            summary.rounds_created += 1
    summary.initiatives_created = _initiatives(wijk, seed)
    return summary
