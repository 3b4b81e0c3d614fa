"""On a phone-sized screen a resident submits an idea and votes with a code; axe finds nothing
on the form pages, the ballot or the confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from gebiedskompas.participation import services
from gebiedskompas.participation.models import Ballot, Idea
from gebiedskompas.participation.services import SYSTEM, RoundInput
from tests.browser.conftest import axe_violations
from tests.participation.conftest import Place, build_place, ready_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def place(transactional_db: None) -> Place:
    return build_place()


def test_a_resident_submits_an_idea_on_a_phone(
    axe_page: Any, live_server: Any, place: Place
) -> None:
    budget_round = services.create_round(
        RoundInput(area_code=place.wijk.code, name="Buurtbudget Wijk 1", budget=5000), by=SYSTEM
    )
    services.change_phase(budget_round.pk, "ideas", by=SYSTEM)
    page = axe_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/buurtbegroting/{budget_round.pk}/")
    page.get_by_role("link", name="Idee indienen").click()
    assert axe_violations(page) == []
    page.get_by_label("Titel van uw idee").fill("Bloembakken in de straat")
    page.get_by_label("Omschrijving").fill("Meer groen voor iedereen")
    page.get_by_label("Geschatte kosten in euro (niet verplicht)").fill("1200")
    page.get_by_role("button", name="Idee versturen").click()
    page.wait_for_selector("text=uw idee is ontvangen")
    assert axe_violations(page) == []
    # Nothing on the page is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert Idea.objects.get().title == "Bloembakken in de straat"


def test_a_resident_votes_with_a_code_on_a_phone(
    axe_page: Any, live_server: Any, place: Place
) -> None:
    ready = ready_round(place, ballot_type="knapsack", max_choices=2, budget=900)
    page = axe_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/buurtbegroting/{ready.round.pk}/")
    page.get_by_role("link", name="Stemmen").click()
    assert axe_violations(page) == []
    page.get_by_label("Uw stemcode").fill(ready.codes[0].lower())
    page.get_by_role("button", name="Verder").click()
    page.wait_for_selector("text=Uw stembiljet")
    assert axe_violations(page) == []
    # Over budget first: the ballot comes back with the reason and the choices kept.
    page.get_by_label("Speeltuin").check()
    page.get_by_label("Bomen").check()
    page.get_by_role("button", name="Stem uitbrengen").click()
    page.wait_for_selector("text=meer dan het budget")
    assert page.get_by_label("Speeltuin").is_checked()
    assert axe_violations(page) == []
    page.get_by_label("Speeltuin").uncheck()
    page.get_by_label("Bankje").check()
    page.get_by_role("button", name="Stem uitbrengen").click()
    page.wait_for_selector("text=uw stem is geteld")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert sorted(Ballot.objects.get().choices) == sorted(
        [[ready.ids["Bomen"], 1], [ready.ids["Bankje"], 1]]
    )


def test_a_resident_without_a_letter_votes_by_e_mail_on_a_phone(
    axe_page: Any, live_server: Any, place: Place
) -> None:
    import re

    from django.core import mail

    ready = ready_round(place, voters=2, email_voting=True)
    page = axe_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/buurtbegroting/{ready.round.pk}/stemmen/")
    page.get_by_role("link", name="Stem met uw e-mailadres").click()
    assert axe_violations(page) == []
    page.get_by_label("Uw e-mailadres").fill("ada@example.org")
    page.get_by_label("Postcode").fill("1234 ab")
    page.get_by_label("Huisnummer en toevoeging").fill("2")
    page.get_by_role("button", name="Stuur mij een stemlink").click()
    page.wait_for_selector("text=Kijk in uw e-mail")
    assert axe_violations(page) == []
    link = re.search(r"https?://\S+/stemmen/email/\S+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(link.group(0))
    page.get_by_label("Bomen").check()
    page.get_by_role("button", name="Stem uitbrengen").click()
    page.wait_for_selector("text=uw stem is geteld")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert Ballot.objects.filter(round=ready.round).count() == 1
