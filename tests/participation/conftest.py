"""A small place (GM9999 with two wijken) and a round made ready to vote through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from gebiedskompas.areas.models import Area, Level
from gebiedskompas.participation import services
from gebiedskompas.participation.models import BudgetRound
from gebiedskompas.participation.services import SYSTEM, RoundInput
from tests.web.factories import AreaFactory


@dataclass
class Place:
    gemeente: Area
    wijk: Area
    buurt: Area
    other_buurt: Area  # in the other wijk


def build_place() -> Place:
    gemeente = AreaFactory(code="GM9999", name="Gemeente Proefstad", level=Level.GEMEENTE)
    gemeente.municipality = gemeente
    gemeente.save()
    wijken = [
        AreaFactory(
            code=f"WK9999{i:02d}", name=f"Wijk {i}", level=Level.WIJK, parent=gemeente,
            municipality=gemeente,
        )
        for i in (1, 2)
    ]  # fmt: skip
    buurten = [
        AreaFactory(
            code=f"BU9999{i:02d}01", name=f"Buurt {i}", level=Level.BUURT, parent=wijk,
            municipality=gemeente,
        )
        for i, wijk in ((1, wijken[0]), (2, wijken[1]))
    ]  # fmt: skip
    return Place(gemeente, wijken[0], buurten[0], buurten[1])


@pytest.fixture
def place(db: None) -> Place:
    return build_place()


@dataclass
class Ready:
    """A round in its voting phase with ideas on the ballot and unused codes."""

    round: BudgetRound
    ids: dict[str, str]  # idea title → project id
    codes: list[str] = field(default_factory=list)


def register_csv(rows: int, buurt: str = "BU99990101") -> bytes:
    lines = ["adres;postcode;gebied;geboortedatum"]
    lines += [f"Dorpsstraat {i};1234 AB;{buurt};1980-01-01" for i in range(1, rows + 1)]
    return ("\n".join(lines) + "\n").encode()


def ready_round(
    place: Place,
    *,
    costs: dict[str, int] | None = None,
    budget: int = 1000,
    voters: int = 5,
    **rules: Any,
) -> Ready:
    costs = costs or {"Bankje": 300, "Speeltuin": 600, "Bomen": 400}
    budget_round = services.create_round(
        RoundInput(area_code=place.wijk.code, name="Buurtbudget Wijk 1", budget=budget, **rules),
        by=SYSTEM,
    )
    services.change_phase(budget_round.pk, "ideas", by=SYSTEM)
    ideas = {
        title: services.submit_idea(budget_round.pk, title=title, estimated_cost=cost)
        for title, cost in costs.items()
    }
    services.change_phase(budget_round.pk, "check", by=SYSTEM)
    for title, idea in ideas.items():
        services.check_idea(idea.pk, feasible=True, cost=costs[title], by=SYSTEM)
    services.change_phase(budget_round.pk, "voting", by=SYSTEM)
    codes = services.import_register(budget_round.pk, register_csv(voters), by=SYSTEM)
    budget_round.refresh_from_db()
    return Ready(
        budget_round,
        {title: str(idea.pk) for title, idea in ideas.items()},
        [code for _, _, code in codes.letters],
    )


def as_decimal(value: int) -> Decimal:
    return Decimal(value)
