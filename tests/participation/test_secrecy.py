"""The secret ballot as a property of the schema: nothing in the database joins a ballot to a
voting code, to an address or to the moment it was cast."""

from __future__ import annotations

import pytest
from django.db import connection

from gebiedskompas.participation import services
from gebiedskompas.participation.models import Ballot, EmailVerification, VotingCode
from tests.participation.conftest import Place, ready_round

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _columns(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, table)
    return {c.name: connection.introspection.get_field_type(c.type_code, c) for c in described}


def _foreign_keys(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {c["foreign_key"][0] for c in constraints.values() if c.get("foreign_key")}


def test_the_ballot_table_has_no_column_or_key_leading_to_a_code_or_a_voter() -> None:
    ballot, code = Ballot._meta.db_table, VotingCode._meta.db_table
    columns = _columns(ballot)
    assert set(columns) == {"id", "round_id", "choices", "change_key"}
    assert _foreign_keys(ballot) == {"participation_budgetround"}
    assert not any(t in columns.values() for t in ("DateTimeField", "DateField", "TimeField"))
    # A random id (uuid; char on SQLite), no sequence that orders ballots by casting time.
    assert columns["id"] in ("UUIDField", "CharField")
    # Nor does the code table point at a ballot or keep a time of use.
    assert set(_columns(code)) == {
        "id", "round_id", "code_hash", "register_ref", "address_key", "is_used"
    }  # fmt: skip
    assert _foreign_keys(code) == {"participation_budgetround"}
    # E-mail links keep keyed hashes only, point at no ballot or code, and no time of use.
    link = EmailVerification._meta.db_table
    assert set(_columns(link)) == {
        "id", "round_id", "token_hash", "email_key", "address_key", "expires_at", "is_used"
    }  # fmt: skip
    assert _foreign_keys(link) == {"participation_budgetround"}
    assert not any(
        f.related_model in (Ballot, VotingCode, EmailVerification)
        for model in (Ballot, VotingCode, EmailVerification)
        for f in model._meta.get_fields()
        if f.is_relation and f.model is model
    )


def test_a_changeable_ballot_cannot_be_matched_to_its_code_row(place: Place) -> None:
    ready = ready_round(place, may_change_ballot=True, voters=2)
    services.cast_ballot(ready.round.pk, ready.codes[0], [(ready.ids["Bomen"], 1)])
    code_row = VotingCode.objects.get(is_used=True)
    ballot = Ballot.objects.get()
    assert ballot.change_key not in (code_row.code_hash, code_row.register_ref)
    assert ballot.change_key == services.change_key(ready.round.pk, ready.codes[0])


def test_an_e_mail_ballot_carries_nothing_of_the_address_or_the_link(place: Place) -> None:
    ready = ready_round(place, voters=2, email_voting=True, may_change_ballot=True)
    tokens: list[str] = []
    services.request_email_vote(
        ready.round.pk, email="ada@example.org", postcode="1234 AB", number="2",
        link_for=lambda token: tokens.append(token) or token,
    )  # fmt: skip
    services.cast_ballot_by_email(ready.round.pk, tokens[0], [(ready.ids["Bomen"], 1)])
    ballot = Ballot.objects.get()
    assert ballot.change_key is None  # e-mail ballots cannot be changed: no key to find them
    assert set(ballot.choices[0]) <= {ready.ids["Bomen"], 1}
    stored = repr(list(EmailVerification.objects.values_list()))
    assert "@" not in stored and "example" not in stored  # hex hashes only


def test_ballots_without_change_carry_no_key(place: Place) -> None:
    ready = ready_round(place, voters=1)
    services.cast_ballot(ready.round.pk, ready.codes[0], [(ready.ids["Bomen"], 1)])
    assert Ballot.objects.get().change_key is None
    assert not hasattr(Ballot, "history") and not hasattr(VotingCode, "history")


@pytest.mark.django_db(transaction=True)
def test_closing_the_vote_leaves_no_shared_transaction_id_between_ballot_and_code() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("xmin is a PostgreSQL system column")
    from tests.participation.conftest import build_place

    ready = ready_round(build_place(), voters=3, email_voting=True)
    services.cast_ballot(ready.round.pk, ready.codes[1], [(ready.ids["Bomen"], 1)])

    def xmins(table: str, where: str = "") -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT xmin::text FROM {table} {where}")
            return {row[0] for row in cursor.fetchall()}

    ballots, used = Ballot._meta.db_table, VotingCode._meta.db_table
    assert xmins(ballots) == xmins(used, "WHERE is_used")  # cast together: linkable
    # A ballot by e-mail: the link, a code of its address and the ballot in one transaction.
    tokens: list[str] = []
    services.request_email_vote(
        ready.round.pk, email="ada@example.org", postcode="1234 AB", number="1",
        link_for=lambda token: tokens.append(token) or token,
    )  # fmt: skip
    services.cast_ballot_by_email(ready.round.pk, tokens[0], [(ready.ids["Bankje"], 1)])
    links = EmailVerification._meta.db_table
    services.change_phase(ready.round.pk, "results", by=services.SYSTEM)
    assert xmins(ballots) == xmins(used) == xmins(links) and len(xmins(used)) == 1
