"""Voting by e-mail: a one-time link instead of a letter code, checked against the address
register where eligibility needs it, counted once per register row (letter and e-mail together)
or once per e-mail address, and stored apart from the address, which is kept only as a hash."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from gebiedskompas.core.errors import KompasError
from gebiedskompas.participation import services
from gebiedskompas.participation.models import Ballot, EmailVerification, VotingCode
from tests.participation.conftest import Place, ready_round

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

LINK = re.compile(r"https?://\S+/stemmen/email/(\S+)/")
HOUSEHOLD = (
    b"adres;postcode;gebied;geboortedatum\n"
    b"Dorpsstraat 1;1234 AB;BU99990101;1980-01-01\n"
    b"Dorpsstraat 1;1234 AB;BU99990101;1982-02-02\n"
    b"Kerkpad 7 a;1234 AC;BU99990101;1990-03-03\n"
)


@pytest.fixture(autouse=True)
def _locmem_mail(settings: object) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]


def _ask(round_id: int, email: str, postcode: str = "", number: str = "") -> str:
    """Request a link; returns the token from the e-mail, or "" when the mail has no link."""
    before = len(mail.outbox)
    services.request_email_vote(
        round_id, email=email, postcode=postcode, number=number,
        link_for=lambda t: f"https://kompas.example/b/{round_id}/stemmen/email/{t}/",
    )  # fmt: skip
    assert len(mail.outbox) == before + 1 and mail.outbox[-1].to == [email.strip()]
    found = LINK.search(mail.outbox[-1].body)
    return found.group(1) if found else ""


def _household_round(place: Place) -> tuple[services.BudgetRound, dict[str, str], list[str]]:
    ready = ready_round(place, voters=0, email_voting=True)
    result = services.import_register(ready.round.pk, HOUSEHOLD, by=services.SYSTEM)
    return ready.round, ready.ids, [code for _, _, code in result.letters]


def test_a_resident_votes_by_e_mail_once_per_register_row_with_letters_alike(
    place: Place,
) -> None:
    budget_round, ids, letters = _household_round(place)
    pk, bomen = budget_round.pk, [(ids["Bomen"], 1)]
    with pytest.raises(KompasError, match="niet in het adressenbestand") as refused:
        _ask(pk, "ada@example.org", "1234 AB", "3")
    assert refused.value.problem.column == "postcode" and not mail.outbox

    token = _ask(pk, "ada@example.org", "1234ab", "1")  # postcode as typed, any case
    assert token
    assert services.cast_ballot_by_email(pk, token, bomen).changed is False
    assert Ballot.objects.count() == 1
    assert VotingCode.objects.filter(is_used=True).count() == 1  # one of the two at no. 1
    with pytest.raises(services.BallotError) as again:
        services.cast_ballot_by_email(pk, token, bomen)
    assert again.value.reason == "bad_link"

    # The same address again: the mail says so, and no link is made.
    assert _ask(pk, "ADA@example.org ", "1234 AB", "1") == ""
    assert "al gestemd" in mail.outbox[-1].body
    # The housemate votes by letter; now nobody at no. 1 is left, by letter or by e-mail.
    # Letters are in register order: the first two go to no. 1, one of which is now used.
    assert [services.code_status(pk, c) for c in letters[2:]] == ["unused"]
    assert sorted(services.code_status(pk, c) for c in letters[:2]) == ["unused", "used"]
    for code in letters:
        if services.code_status(pk, code) == "unused":
            services.cast_ballot(pk, code, bomen)
    assert _ask(pk, "bob@example.org", "1234 AB", "1") == ""
    assert "op dit adres" in mail.outbox[-1].body
    assert Ballot.objects.count() == 3  # three register rows, three ballots
    # Kerkpad 7 a was matched on "7A" and its letter is used, so e-mail is refused there too.
    assert _ask(pk, "cor@example.org", "1234 AC", "7 A") == ""


def test_a_link_expires_and_works_only_in_its_own_round(place: Place) -> None:
    budget_round, ids, _ = _household_round(place)
    token = _ask(budget_round.pk, "ada@example.org", "1234 AB", "1")
    later = timezone.now() + services.EMAIL_LINK_VALIDITY + timedelta(seconds=1)
    with pytest.raises(services.BallotError) as expired:
        services.cast_ballot_by_email(budget_round.pk, token, [(ids["Bomen"], 1)], now=later)
    assert expired.value.reason == "bad_link" and not Ballot.objects.exists()
    other = ready_round(place, voters=0, email_voting=True).round
    with pytest.raises(services.BallotError):
        services.email_link(other.pk, token)


def test_without_a_register_each_e_mail_address_votes_once(place: Place) -> None:
    ready = ready_round(place, voters=0, email_voting=True, residents_only=False)
    pk, bomen = ready.round.pk, [(ready.ids["Bomen"], 1)]
    first, second = _ask(pk, "ada@example.org"), _ask(pk, "Ada@Example.org")
    services.cast_ballot_by_email(pk, first, bomen)
    with pytest.raises(services.BallotError) as twice:
        services.cast_ballot_by_email(pk, second, bomen)
    assert twice.value.reason == "used_email" and Ballot.objects.count() == 1
    services.cast_ballot_by_email(pk, _ask(pk, "bob@example.org"), bomen)
    assert Ballot.objects.count() == 2 and not VotingCode.objects.exists()


def test_the_database_keeps_no_e_mail_address_and_closing_drops_unused_links(
    place: Place,
) -> None:
    budget_round, ids, _ = _household_round(place)
    services.cast_ballot_by_email(
        budget_round.pk, _ask(budget_round.pk, "ada@example.org", "1234 AB", "1"),
        [(ids["Bomen"], 1)],
    )  # fmt: skip
    _ask(budget_round.pk, "bob@example.org", "1234 AC", "7a")  # requested, never used
    stored = list(EmailVerification.objects.values_list())
    assert len(stored) == 2
    assert not any("example.org" in str(value) for row in stored for value in row)
    assert EmailVerification.objects.filter(
        email_key=services.email_key(budget_round.pk, "ada@example.org")
    ).exists()
    services.change_phase(budget_round.pk, "results", by=services.SYSTEM)
    assert list(EmailVerification.objects.values_list("is_used", flat=True)) == [True]


def test_rounds_without_e_mail_voting_refuse_a_request(place: Place) -> None:
    ready = ready_round(place, voters=1)
    with pytest.raises(KompasError, match="code uit uw brief"):
        _ask(ready.round.pk, "ada@example.org", "1234 AB", "1")


@pytest.mark.web
def test_a_resident_without_a_letter_votes_through_the_e_mail_pages(place: Place) -> None:
    budget_round, ids, _ = _household_round(place)
    client = Client()
    base = f"/buurtbegroting/{budget_round.pk}/stemmen/"
    assert "Stem met uw e-mailadres" in client.get(base).content.decode()
    wrong = client.post(base + "email/", {"email": "ada@example.org", "postcode": "9999 ZZ",
                                          "number": "1"})  # fmt: skip
    assert wrong.status_code == 422 and "niet in het adressenbestand" in wrong.content.decode()
    sent = client.post(base + "email/", {"email": "ada@example.org", "postcode": "1234 AB",
                                         "number": "1"})  # fmt: skip
    assert "Kijk in uw e-mail" in sent.content.decode()
    link = re.search(r"https?://testserver(/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    ballot = client.get(link.group(1))
    assert ballot.status_code == 200 and "Bomen" in ballot.content.decode()
    done = client.post(link.group(1), {"step": "ballot", "idea": [ids["Bomen"]]})
    assert "los van uw e-mailadres" in done.content.decode()
    assert Ballot.objects.get().choices == [[ids["Bomen"], 1]]
    reused = client.get(link.group(1))
    assert reused.status_code == 404 and "onbekend, verlopen of al gebruikt" in (
        reused.content.decode()
    )


@pytest.mark.web
def test_the_e_mail_request_form_is_rate_limited(place: Place, settings: object) -> None:
    settings.FORM_RATE = "3/hour"  # type: ignore[attr-defined]
    budget_round, _, _ = _household_round(place)
    url = f"/buurtbegroting/{budget_round.pk}/stemmen/email/"
    client = Client()
    codes = [
        client.post(
            url, {"email": f"x{n}@example.org", "postcode": "1234 AB", "number": "1"}
        ).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429] and len(mail.outbox) == 3


@pytest.mark.web
def test_a_resident_signed_in_with_the_municipal_login_votes_once_per_account(
    place: Place, settings: object
) -> None:
    from django.contrib.auth import get_user_model

    budget_round, ids, letters = _household_round(place)
    url = f"/buurtbegroting/{budget_round.pk}/stemmen/inlog/"
    assert Client().get(url).status_code == 404  # the round does not offer it
    type(budget_round).objects.filter(pk=budget_round.pk).update(login_voting=True)
    assert Client().get(url).status_code == 404  # nor does the installation (no sign-on)
    settings.OIDC_RP_CLIENT_ID = "kompas"  # type: ignore[attr-defined]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://login.example/auth"  # type: ignore[attr-defined]

    anonymous = Client().get(url).content.decode()
    assert "Log eerst in" in anonymous and "/oidc/authenticate/" in anonymous
    local = Client()
    local.force_login(get_user_model().objects.create_user("ada"))
    assert "Log eerst in" in local.get(url).content.decode()  # a local account does not count

    resident = Client()
    resident.force_login(get_user_model().objects.create_user("oidc:zq-resident"))
    assert (
        "Stem met uw gemeentelijke inlog"
        in resident.get(f"/buurtbegroting/{budget_round.pk}/stemmen/").content.decode()
    )
    wrong = resident.post(url, {"postcode": "1234 AB", "number": "99"})
    assert wrong.status_code == 422 and "niet in het adressenbestand" in wrong.content.decode()
    started = resident.post(url, {"postcode": "1234 AC", "number": "7a"})
    assert started.status_code == 302
    done = resident.post(started["Location"], {"step": "ballot", "idea": [ids["Bomen"]]})
    assert "los van uw e-mailadres of inlog" in done.content.decode()
    assert Ballot.objects.count() == 1
    assert services.code_status(budget_round.pk, letters[2]) == "used"  # Kerkpad 7 a's row
    again = resident.post(url, {"postcode": "1234 AB", "number": "1"})
    assert again.status_code == 422 and "Met dit account is al gestemd" in again.content.decode()
    assert Ballot.objects.count() == 1
    stored = repr(list(EmailVerification.objects.values_list()))
    assert "zq-resident" not in stored  # hex hashes only


@pytest.mark.django_db(transaction=True)
def test_concurrent_links_and_the_letter_of_one_register_row_count_once() -> None:
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole-database writes)")
    from tests.participation.conftest import build_place

    ready = ready_round(build_place(), voters=0, email_voting=True)
    single = b"adres;postcode;gebied;geboortedatum\nKerkpad 7;1234 AC;BU99990101;1990-03-03\n"
    letter = services.import_register(ready.round.pk, single, by=services.SYSTEM).letters[0][2]
    emails = ["ada@example.org"] * 3 + ["bob@example.org", "cor@example.org", "dirk@example.org"]
    tokens = [_ask(ready.round.pk, e, "1234 AC", "7") for e in emails]
    bomen = [(ready.ids["Bomen"], 1)]
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(tokens) + 2)

    def cast(token: str) -> None:
        try:
            barrier.wait()
            if token:
                services.cast_ballot_by_email(ready.round.pk, token, bomen)
            else:
                services.cast_ballot(ready.round.pk, letter, bomen)
            outcomes.append("counted")
        except services.BallotError as exc:
            outcomes.append(exc.reason)
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(t,)) for t in [*tokens, "", ""]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert outcomes.count("counted") == 1 and len(outcomes) == 8
    assert set(outcomes) - {"counted"} <= {"address_used", "used_code", "used_email"}
    assert Ballot.objects.filter(round=ready.round).count() == 1


@pytest.mark.parametrize(
    ("address", "number"),
    [
        ("Dorpsstraat 12", "12"),
        ("Kerkpad 7 a", "7A"),
        ("Lange Laan 12-2", "12-2"),
        ("2e Hugo de Grootstraat 5 bis", "5BIS"),
        ("Hofje", ""),
    ],
)
def test_the_house_number_is_read_from_the_register_address(address: str, number: str) -> None:
    assert services.house_number(address) == number


def test_a_register_row_without_a_house_number_is_refused_when_e_mail_votes(
    place: Place,
) -> None:
    from gebiedskompas.core.errors import InputError

    ready = ready_round(place, voters=0, email_voting=True)
    register = b"adres;postcode;gebied;geboortedatum\nHofje;1234 AB;BU99990101;1980-01-01\n"
    with pytest.raises(InputError) as refused:
        services.import_register(ready.round.pk, register, by=services.SYSTEM, file="a.csv")
    problem = refused.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "adres", "Hofje")
    assert not VotingCode.objects.exists()
    # A separate huisnummer column is used as given.
    with_number = register.replace(b"geboortedatum\n", b"geboortedatum;huisnummer\n")
    with_number = with_number.replace(b"1980-01-01\n", b"1980-01-01;3 hs\n")
    services.import_register(ready.round.pk, with_number, by=services.SYSTEM)
    assert _ask(ready.round.pk, "ada@example.org", "1234AB", "3HS")
