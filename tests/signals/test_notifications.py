"""The escalation ladder per municipality with a frozen clock, its e-mails to the role holders,
and the messages to reporters (only with consent), read from Django's locmem outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from gebiedskompas.accounts.models import Organisation
from gebiedskompas.signals import services
from gebiedskompas.signals.models import Escalation, EscalationStep, Signal
from tests.accounts.helpers import grant, user_with
from tests.signals.conftest import Place

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2026, 6, 1, 10, tzinfo=AMS)  # zwerfafval: 3 working days → Thu 4 June 10:00


@pytest.fixture(autouse=True)
def _outbox(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _signal(place: Place, key: str = "k", **extra: Any) -> Signal:
    lat, lon = place.inside()
    values: dict[str, Any] = {"category_code": "zwerfafval", "idempotency_key": key,
                              "description": "Vuilniszakken", "lat": lat, "lon": lon,
                              "reported_at": MONDAY, **extra}  # fmt: skip
    return services.create_signal(services.SignalInput(**values)).signal


def _person(role: str, area: Any, name: str, **options: Any) -> Any:
    user = user_with(None, username=name)
    user.email = f"{name}@gemeente.example"
    user.save()
    grant(user, role, area, **options)
    return user


Capture = Callable[..., Any]


def test_default_ladder_mails_team_lead_then_area_manager_then_alderman_once(
    place: Place, django_capture_on_commit_callbacks: Capture
) -> None:
    wijk = place.town.buurten[0].parent
    other = Organisation.objects.create(code="gm9999-groen", name="Groen", kind="department")
    _person("teamleider", place.town.gemeente, "tl-reiniging", organisation=place.department)
    _person("teamleider", place.town.gemeente, "tl-groen", organisation=other)
    _person("gebiedsmanager", wijk, "gm-zonnehoek")
    _person("gebiedsmanager", place.town.buurten[3].parent, "gm-elders")
    _person("wethouder", place.town.gemeente, "weth-openbare-ruimte")
    signal = _signal(place)

    def run(moment: datetime) -> list[str]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.escalate_overdue(moment)
        return sorted(address for m in mail.outbox for address in m.to)

    assert run(datetime(2026, 6, 4, 9, 59, tzinfo=AMS)) == []  # before the deadline
    assert run(datetime(2026, 6, 4, 10, tzinfo=AMS)) == ["tl-reiniging@gemeente.example"]
    assert run(datetime(2026, 6, 4, 10, tzinfo=AMS)) == []  # the same moment again: nothing
    assert run(datetime(2026, 6, 8, 23, tzinfo=AMS)) == []  # +2 working days: not yet
    assert run(datetime(2026, 6, 9, 10, tzinfo=AMS)) == ["gm-zonnehoek@gemeente.example"]
    assert run(datetime(2026, 6, 16, 9, tzinfo=AMS)) == []  # +5 from 9 June is 16 June 10:00
    assert run(datetime(2026, 6, 16, 10, tzinfo=AMS)) == ["weth-openbare-ruimte@gemeente.example"]
    assert run(datetime(2026, 7, 1, tzinfo=AMS)) == []
    steps = list(Escalation.objects.filter(signal=signal).values_list("step", "recipients"))
    assert steps == [("team_lead", "tl-reiniging"), ("area_manager", "gm-zonnehoek"),
                     ("alderman", "weth-openbare-ruimte")]  # fmt: skip


def test_a_municipalitys_own_ladder_replaces_the_default(
    place: Place, django_capture_on_commit_callbacks: Capture
) -> None:
    EscalationStep.objects.create(municipality=place.town.gemeente, order=1, code="manager",
                                  label="gebiedsmanager", after_working_days=1,
                                  role="gebiedsmanager")  # fmt: skip
    _person("gebiedsmanager", place.town.gemeente, "gm")
    signal = _signal(place)
    with django_capture_on_commit_callbacks(execute=True):
        at_deadline = services.escalate_overdue(datetime(2026, 6, 4, 12, tzinfo=AMS))
    assert at_deadline.escalated == []  # no team-lead rung in this ladder
    with django_capture_on_commit_callbacks(execute=True):
        later = services.escalate_overdue(datetime(2026, 6, 5, 10, tzinfo=AMS))
    assert later.escalated == [(str(signal.reference), "manager")]
    assert [m.to for m in mail.outbox] == [["gm@gemeente.example"]]
    assert "te laat" in mail.outbox[0].subject


def test_escalation_without_anyone_in_the_role_is_recorded_and_mails_nobody(
    place: Place, django_capture_on_commit_callbacks: Capture
) -> None:
    signal = _signal(place)
    with django_capture_on_commit_callbacks(execute=True):
        services.escalate_overdue(datetime(2026, 6, 4, 12, tzinfo=AMS))
    assert mail.outbox == []
    assert Escalation.objects.get(signal=signal).recipients == "(teamleider: niemand)"


def test_signal_page_shows_its_escalations(place: Place) -> None:
    from django.test import Client

    signal = _signal(place)
    services.escalate_overdue(datetime(2026, 6, 4, 12, tzinfo=AMS))
    client = Client()
    client.force_login(user_with("afdeling", place.town.gemeente, username="afd"))
    page = client.get(f"/meldingen/{signal.reference}/").content.decode()
    assert "team_lead" in page and "(teamleider: niemand)" in page


def test_reporter_with_consent_hears_of_the_states_that_matter(
    place: Place, django_capture_on_commit_callbacks: Capture
) -> None:
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    reporter = services.ReporterInput("Piet", "piet@example.org", "", True)
    with django_capture_on_commit_callbacks(execute=True):
        signal = _signal(place, reporter=reporter)
        for status in ("in_progress", "scheduled", "closed", "reopened", "on_hold"):
            services.change_status(signal, status, by=handler, note="Opgeruimd op dinsdag")
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        "Uw melding: gemeld (Zwerfafval)",
        "Uw melding: in behandeling (Zwerfafval)",
        "Uw melding: afgehandeld (Zwerfafval)",
        "Uw melding: heropend (Zwerfafval)",
    ]
    assert all(m.to == ["piet@example.org"] for m in mail.outbox)
    assert "We pakken uw melding binnen 3 werkdagen op." in mail.outbox[0].body
    assert "Opgeruimd op dinsdag" in mail.outbox[2].body


def test_no_message_without_consent_or_address(
    place: Place, django_capture_on_commit_callbacks: Capture
) -> None:
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    with django_capture_on_commit_callbacks(execute=True):
        without = _signal(place, "a", reporter=services.ReporterInput("Piet", "p@example.org"))
        phone_only = _signal(place, "b", reporter=services.ReporterInput("An", "", "06", True))
        for signal in (without, phone_only):
            services.change_status(signal, "closed", by=handler)
    assert mail.outbox == []


def test_a_refused_change_sends_nothing(
    place: Place, django_capture_on_commit_callbacks: Capture
) -> None:
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    signal = _signal(place, reporter=services.ReporterInput("Piet", "piet@example.org", "", True))
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.TransitionRefused),
    ):
        services.change_status(signal, "reopened", by=handler)
    assert mail.outbox == []
