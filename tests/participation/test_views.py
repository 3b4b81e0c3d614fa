"""The pages: a resident submits an idea and votes; staff check ideas and move phases."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gebiedskompas.participation import services
from gebiedskompas.participation.models import Ballot, Idea, Initiative, VotingCode
from gebiedskompas.participation.services import SYSTEM, RoundInput
from tests.accounts.helpers import user_with
from tests.participation.conftest import Place, ready_round

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def _csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def _token(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_a_resident_submits_an_idea_once_even_when_sending_twice(place: Place) -> None:
    budget_round = services.create_round(
        RoundInput(area_code=place.wijk.code, name="Buurtbudget", budget=5000), by=SYSTEM
    )
    services.change_phase(budget_round.pk, "ideas", by=SYSTEM)
    client = _csrf_client()
    url = f"/buurtbegroting/{budget_round.pk}/idee/"
    form = {
        "csrfmiddlewaretoken": _token(client, url),
        "title": "Bloembakken",
        "description": "Meer groen in de straat",
        "estimated_cost": "1200",
        "token": "abc123",
    }
    assert "uw idee is ontvangen" in client.post(url, form).content.decode()
    assert "uw idee is ontvangen" in client.post(url, form).content.decode()
    assert Idea.objects.count() == 1
    page = client.get(f"/buurtbegroting/{budget_round.pk}/").content.decode()
    assert "Bloembakken" in page and "nog niet getoetst" in page


def test_a_form_without_csrf_token_is_refused(place: Place) -> None:
    budget_round = services.create_round(
        RoundInput(area_code=place.wijk.code, name="B", budget=5000), by=SYSTEM
    )
    services.change_phase(budget_round.pk, "ideas", by=SYSTEM)
    response = _csrf_client().post(
        f"/buurtbegroting/{budget_round.pk}/idee/", {"title": "x", "description": "y"}
    )
    assert response.status_code == 403 and not Idea.objects.exists()


def test_the_idea_form_is_rate_limited(place: Place, settings) -> None:  # noqa: ANN001
    settings.FORM_RATE = "2/hour"
    budget_round = services.create_round(
        RoundInput(area_code=place.wijk.code, name="B", budget=5000), by=SYSTEM
    )
    services.change_phase(budget_round.pk, "ideas", by=SYSTEM)
    client = Client()
    url = f"/buurtbegroting/{budget_round.pk}/idee/"
    codes = [
        client.post(url, {"title": f"i{n}", "description": "d", "token": str(n)}).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    assert Idea.objects.count() == 2


def test_a_resident_votes_with_a_code_and_a_second_try_is_refused(place: Place) -> None:
    ready = ready_round(place, ballot_type="knapsack")
    client = Client()
    url = f"/buurtbegroting/{ready.round.pk}/stemmen/"
    page = client.post(url, {"step": "code", "code": ready.codes[0]}).content.decode()
    assert "Uw stembiljet" in page and "Speeltuin" in page
    over = client.post(
        url,
        {"step": "ballot", "code": ready.codes[0],
         "idea": [ready.ids["Speeltuin"], ready.ids["Bomen"], ready.ids["Bankje"]]},
    )  # fmt: skip
    assert over.status_code == 422
    assert "meer dan het budget van € 1000" in over.content.decode()
    assert not VotingCode.objects.filter(is_used=True).exists()
    done = client.post(
        url, {"step": "ballot", "code": ready.codes[0], "idea": [ready.ids["Speeltuin"]]}
    )
    assert "uw stem is geteld" in done.content.decode()
    again = client.post(url, {"step": "code", "code": ready.codes[0]}).content.decode()
    assert "Met deze stemcode is al gestemd." in again
    unknown = client.post(url, {"step": "code", "code": "ZZZZ-ZZZZ-ZZZZ"}).content.decode()
    assert "Deze stemcode kennen wij niet" in unknown
    assert Ballot.objects.count() == 1


def test_points_and_ranks_are_read_from_the_ballot_form(place: Place) -> None:
    ready = ready_round(place, ballot_type="cumulative", points=10)
    client = Client()
    url = f"/buurtbegroting/{ready.round.pk}/stemmen/"
    ids = ready.ids
    too_many = client.post(
        url, {"step": "ballot", "code": ready.codes[0], f"points-{ids['Bomen']}": "11"}
    )
    assert "ten hoogste 10 punten" in too_many.content.decode()
    client.post(
        url,
        {"step": "ballot", "code": ready.codes[0], f"points-{ids['Bomen']}": "7",
         f"points-{ids['Bankje']}": "3"},
    )  # fmt: skip
    assert sorted(Ballot.objects.get().choices) == sorted([[ids["Bomen"], 7], [ids["Bankje"], 3]])


def test_results_page_explains_winners_and_losers(place: Place) -> None:
    ready = ready_round(place, method="mes")
    for code in ready.codes[:3]:
        both = [(ready.ids["Bankje"], 1), (ready.ids["Speeltuin"], 1)]
        services.cast_ballot(ready.round.pk, code, both)
    for code in ready.codes[3:]:
        services.cast_ballot(ready.round.pk, code, [(ready.ids["Bomen"], 1)])
    url = f"/buurtbegroting/{ready.round.pk}/uitslag/"
    assert "De uitslag is er nog niet" in Client().get(url).content.decode()
    services.change_phase(ready.round.pk, "results", by=SYSTEM)
    page = Client().get(url).content.decode()
    assert "5 bewoners stemden" in page
    assert "Speeltuin — niet gekozen" in page
    assert "hadden samen nog € 300 van hun deel over, minder dan de € 600" in page
    assert "Met alleen „meeste stemmen” was dit idee wel gekozen." in page
    assert (
        "Bomen — gekozen" in page
        and "100% van hun gezamenlijke deel; ieder ten hoogste € 200,00" in page
    )


def test_staff_check_ideas_and_move_the_phase(place: Place) -> None:
    budget_round = services.create_round(
        RoundInput(area_code=place.wijk.code, name="B", budget=5000), by=SYSTEM
    )
    services.change_phase(budget_round.pk, "ideas", by=SYSTEM)
    idea = services.submit_idea(budget_round.pk, title="Skatebaan")
    staff = Client()
    staff.force_login(user_with("gebiedsverbinder", place.wijk, username="v"))
    url = f"/beheer/buurtbegroting/{budget_round.pk}/"
    staff.post(url, {"action": "phase", "to": "check"})
    refused = staff.post(
        url, {"idea": idea.pk, "feasible": "no", "public_reason": ""}, follow=True
    ).content.decode()
    assert "geef een openbare reden" in refused
    staff.post(url, {"idea": idea.pk, "feasible": "no", "public_reason": "Geen plek voor"})
    assert Idea.objects.get().status == "rejected"
    page = staff.post(url, {"action": "phase", "to": "voting"}, follow=True).content.decode()
    assert "geen enkel idee op het stembiljet" in page
    public = Client().get(f"/buurtbegroting/{budget_round.pk}/").content.decode()
    assert "Skatebaan" in public and "Geen plek voor" in public


def test_an_applicant_follows_the_initiative_through_a_private_link(place: Place) -> None:
    client = Client()
    response = client.post(
        "/initiatieven/nieuw/",
        {"area": place.buurt.code, "title": "Buurtmoestuin", "description": "Samen tuinieren",
         "budget_asked": "800", "name": "Ada", "email": "ada@example.org", "token": "t1"},
    )  # fmt: skip
    page = response.content.decode()
    link = re.search(r'href="(/initiatieven/status/[^"]+/)"', page)
    assert link, page
    initiative = Initiative.objects.get()
    verbinder = Client()
    verbinder.force_login(user_with("gebiedsverbinder", place.wijk, username="v"))
    detail = f"/beheer/initiatieven/{initiative.pk}/"
    assert "ada@example.org" in verbinder.get(detail).content.decode()
    verbinder.post(detail, {"step": "assess", "criterion_support_in_area": "on", "advice": "Ok"})
    verbinder.post(detail, {"step": "decide", "decision": "granted", "reason": "Mooi plan"})
    status = client.get(link.group(1)).content.decode()
    assert "Toegekend" in status and "Mooi plan" in status and "ada@example.org" not in status
    assert client.get("/initiatieven/status/onzin/").status_code == 404
    manager = Client()
    manager.force_login(user_with("gebiedsmanager", place.wijk, username="m"))
    assert "ada@example.org" not in manager.get(detail).content.decode()  # no view_reporter


def test_the_ballot_and_results_read_in_english(place: Place) -> None:
    ready = ready_round(place, ballot_type="cumulative", points=10, method="mes")
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    url = f"/buurtbegroting/{ready.round.pk}/stemmen/"
    page = client.post(url, {"step": "code", "code": ready.codes[0]}).content.decode()
    assert "Distribute at most 10 points over the ideas." in page
    services.cast_ballot(ready.round.pk, ready.codes[1], [(ready.ids["Bomen"], 10)])
    services.change_phase(ready.round.pk, "results", by=SYSTEM)
    results = client.get(f"/buurtbegroting/{ready.round.pk}/uitslag/").content.decode()
    assert "1 residents voted" in results and "1 vote · cost € 400" in results


def test_the_applicant_files_the_report_afterwards_through_the_private_link(place: Place) -> None:
    initiative, token = services.apply_initiative(
        services.InitiativeInput(
            area_code=place.buurt.code, title="Buurtmoestuin", description="Samen tuinieren",
            budget_asked="800",
        )
    )  # fmt: skip
    link = f"/initiatieven/status/{token}/"
    client = _csrf_client()
    assert "Verslag versturen" not in client.get(link).content.decode()
    early = client.post(link, {"csrfmiddlewaretoken": _token(client, link), "report": "Te vroeg"})
    assert early.status_code == 409
    assert Initiative.objects.get().report == ""
    services.assess_initiative(initiative.pk, criteria={}, advice="", by=SYSTEM)
    services.decide_initiative(initiative.pk, decision="granted", reason="Mooi", by=SYSTEM)
    services.record_payment(initiative.pk, amount=800, by=SYSTEM)
    assert "Verslag versturen" in client.get(link).content.decode()

    empty = client.post(link, {"csrfmiddlewaretoken": _token(client, link), "report": "  "})
    assert empty.status_code == 422 and "Dit veld is vereist" in empty.content.decode()
    assert Initiative.objects.get().status == "paid"
    text_file = SimpleUploadedFile("bon.txt", b"geen foto")
    refused = client.post(
        link, {"csrfmiddlewaretoken": _token(client, link), "report": "Zo ging het",
               "photo": text_file},
    )  # fmt: skip
    assert (
        refused.status_code == 422
        and "bestandstype .txt wordt niet aangenomen" in refused.content.decode()
    )
    assert Initiative.objects.get().status == "paid"
    sent = client.post(
        link,
        {"csrfmiddlewaretoken": _token(client, link), "report": "Dertig buren zaaiden mee.",
         "spending": "zaden € 120, gereedschap € 680",
         "photo": SimpleUploadedFile("tuin.jpg", _jpeg_with_gps())},
    )  # fmt: skip
    assert sent.status_code == 302
    page = client.get(link).content.decode()
    assert "Dertig buren zaaiden mee." in page and "gereedschap € 680" in page
    assert "Verslag versturen" not in page
    done = Initiative.objects.get()
    assert (done.status, done.reported_by_applicant) == ("reported", True)
    latest = done.history.first()
    assert latest.history_user is None
    assert latest.history_change_reason == "verslag van de aanvrager via de statuslink"
    again = client.post(link, {"csrfmiddlewaretoken": _token(client, link), "report": "Anders"})
    assert again.status_code == 409 and Initiative.objects.get().report.startswith("Dertig")

    verbinder = Client()
    verbinder.force_login(user_with("gebiedsverbinder", place.wijk, username="v"))
    detail = verbinder.get(f"/beheer/initiatieven/{initiative.pk}/").content.decode()
    assert "gereedschap € 680" in detail and "via de statuslink" in detail
    photo = verbinder.get(f"/beheer/initiatieven/{initiative.pk}/foto/")
    content = b"".join(photo.streaming_content)  # type: ignore[attr-defined]
    assert photo.status_code == 200 and content.startswith(b"\xff\xd8")
    assert b"PhoneMaker" not in content  # metadata stripped as for a signal's photo
    assert client.get(f"/beheer/initiatieven/{initiative.pk}/foto/").status_code == 302


def _jpeg_with_gps() -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", (8, 8), "green")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
