"""The staff pages: queue, signal page, transitions, notes, assignment, split, merge, intake, the
area map; each checked per role and area scope."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from gebiedskompas.signals import services
from gebiedskompas.signals.domain.workflow import ALLOWED, LABELS, Status
from gebiedskompas.signals.models import Note, Reporter, Signal
from tests.accounts.helpers import user_with
from tests.signals.conftest import Place

pytestmark = [pytest.mark.web, pytest.mark.django_db]
AMS = ZoneInfo("Europe/Amsterdam")


def _signal(place: Place, key: str = "k-1", index: int = 0, **extra: Any) -> Signal:
    lat, lon = place.inside(index)
    values: dict[str, Any] = {"category_code": "zwerfafval", "idempotency_key": key,
                              "description": "Zakken vuilnis naast de container",
                              "lat": lat, "lon": lon, **extra}  # fmt: skip
    return services.create_signal(services.SignalInput(**values)).signal


def _client(role: str | None, area: Any, name: str) -> Client:
    client = Client()
    client.force_login(user_with(role, area, username=name))
    return client


def _url(signal: Signal, action: str = "") -> str:
    return f"/meldingen/{signal.reference}/" + (f"{action}/" if action else "")


def test_work_list_shows_only_signals_in_the_users_areas_and_filters(place: Place) -> None:
    in_first = _signal(place, "a", index=0)
    in_second = _signal(place, "b", index=3, category_code="zwerfafval")
    services.change_status(in_second, "closed", by=user_with("operator", None, username="op"))
    wijk2 = place.town.buurten[3].parent
    everywhere = _client("afdeling", place.town.gemeente, "afd")
    only_second = _client("gebiedsverbinder", wijk2, "verbinder")
    page = everywhere.get("/meldingen/").content.decode()
    assert str(in_first.reference) in page and str(in_second.reference) in page
    page = only_second.get("/meldingen/").content.decode()
    assert str(in_first.reference) not in page and str(in_second.reference) in page
    page = everywhere.get("/meldingen/?status=reported").content.decode()
    assert str(in_first.reference) in page and str(in_second.reference) not in page
    page = everywhere.get("/meldingen/?category=afval").content.decode()
    assert str(in_first.reference) in page  # main category selects its sub categories
    assert _client("wethouder", place.town.gemeente, "weth").get("/meldingen/").status_code == 403


def test_work_list_overdue_filter(place: Place) -> None:
    late = _signal(place, "late", reported_at=datetime(2020, 6, 1, 10, tzinfo=AMS))
    fresh = _signal(place, "fresh")
    page = _client("afdeling", place.town.gemeente, "afd").get("/meldingen/?overdue=1")
    text = page.content.decode()
    assert str(late.reference) in text and str(fresh.reference) not in text
    assert "te laat" in text


def test_signal_page_offers_exactly_the_allowed_transitions(place: Place) -> None:
    signal = _signal(place)
    page = _client("afdeling", place.town.gemeente, "afd").get(_url(signal)).content.decode()
    for status in Status:
        button = f'name="status" value="{status.value}"'
        assert (button in page) == (status in ALLOWED[Status.REPORTED]), status
    assert "Zakken vuilnis" in page and "gemeld" in page


def test_readers_see_the_page_without_buttons_and_others_are_refused(place: Place) -> None:
    signal = _signal(place)
    reader = _client("wethouder", place.town.gemeente, "weth").get(_url(signal))
    assert reader.status_code == 200
    assert 'name="status"' not in reader.content.decode()
    outside = _client("afdeling", place.town.buurten[3].parent, "afd-elders")
    assert outside.get(_url(signal)).status_code == 403
    assert outside.post(_url(signal, "status"), {"status": "in_progress"}).status_code == 403
    nobody = _client(None, None, "burger")
    assert nobody.get(_url(signal)).status_code == 403
    assert Client().get(_url(signal)).status_code == 302


def test_reporter_details_only_for_roles_with_view_reporter(place: Place) -> None:
    reporter = services.ReporterInput("Piet Melder", "piet@example.org", "0612345678", True)
    signal = _signal(place, reporter=reporter)
    shown = _client("afdeling", place.town.gemeente, "afd").get(_url(signal)).content.decode()
    assert "piet@example.org" in shown and "Piet Melder" in shown
    for role in ("gebiedsmanager", "wethouder", "analist"):
        hidden = _client(role, place.town.gemeente, f"r-{role}").get(_url(signal)).content
        assert b"piet@example.org" not in hidden and b"0612345678" not in hidden, role
    points = _client("analist", place.town.gemeente, "an2").get(
        f"/gebieden/{place.town.gemeente.code}/meldingen.geojson"
    )
    assert b"piet" not in points.content.lower()


def test_transition_by_post_is_logged_and_a_refused_one_changes_nothing(place: Place) -> None:
    signal = _signal(place)
    client = _client("afdeling", place.town.gemeente, "afd")
    done = client.post(_url(signal, "status"), {"status": "in_progress", "note": "opgepakt"})
    assert done.status_code == 302
    signal.refresh_from_db()
    assert signal.status == "in_progress"
    refused = client.post(_url(signal, "status"), {"status": "reopened"})
    assert refused.status_code == 400
    assert "in behandeling kan niet naar heropend" in refused.content.decode()
    signal.refresh_from_db()
    assert signal.status == "in_progress"
    assert [c.to_status for c in signal.history.all()] == ["reported", "in_progress"]
    assert signal.history.last().by.username == "afd"


def test_every_transition_from_each_state_is_allowed_or_refused_by_the_table(
    place: Place,
) -> None:
    """For every pair of states: bring a fresh signal to the first (by allowed moves), then try
    the second; it must pass exactly when the table allows it, and change nothing otherwise."""
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    route = {Status.REPORTED: [], Status.IN_PROGRESS: [Status.IN_PROGRESS],
             Status.SCHEDULED: [Status.SCHEDULED], Status.ON_HOLD: [Status.ON_HOLD],
             Status.FORWARDED: [Status.FORWARDED], Status.CLOSED: [Status.CLOSED],
             Status.REOPENED: [Status.CLOSED, Status.REOPENED],
             Status.CANCELLED: [Status.CANCELLED]}  # fmt: skip
    assert set(route) == set(Status)
    for n, (start, target) in enumerate((a, b) for a in Status for b in Status):
        signal = _signal(place, f"t-{n}")
        for step in route[start]:
            services.change_status(signal, step, by=handler)
        if target in ALLOWED[start]:
            services.change_status(signal, target, by=handler)
            signal.refresh_from_db()
            assert signal.status == target.value, (start, target)
        else:
            with pytest.raises(services.TransitionRefused, match=f"naar {LABELS[target]}"):
                services.change_status(signal, target, by=handler)
            signal.refresh_from_db()
            assert signal.status == start.value, (start, target)


def test_note_and_assignment_are_logged_with_who(place: Place) -> None:
    signal = _signal(place)
    colleague = user_with("afdeling", place.town.gemeente, username="collega")
    client = _client("afdeling", place.town.gemeente, "afd")
    assert client.post(_url(signal, "notitie"), {"text": "Bewoner gebeld"}).status_code == 302
    assert client.post(_url(signal, "notitie"), {"text": ""}).status_code == 400
    answer = client.post(_url(signal, "toewijzen"),
                         {"department": place.department.pk, "person": colleague.pk})  # fmt: skip
    assert answer.status_code == 302
    signal.refresh_from_db()
    assert signal.assigned_to == colleague and signal.department == place.department
    notes = list(Note.objects.filter(signal=signal).values_list("kind", "text", "by__username"))
    assert notes == [("note", "Bewoner gebeld", "afd"),
                     ("assign", "toegewezen aan Reiniging (collega)", "afd")]  # fmt: skip
    page = client.get(_url(signal)).content.decode()
    assert "Bewoner gebeld" in page


def test_assigning_a_person_who_cannot_handle_the_area_is_refused(place: Place) -> None:
    signal = _signal(place)
    reader = user_with("wethouder", place.town.gemeente, username="weth")
    handler = user_with("afdeling", place.town.gemeente, username="afd")
    with pytest.raises(services.KompasError, match="weth mag meldingen"):
        services.assign(signal, department=None, person=reader.pk, by=handler)
    signal.refresh_from_db()
    assert signal.assigned_to is None


def test_split_over_departments_makes_child_signals_once(place: Place) -> None:
    from gebiedskompas.accounts.models import Organisation

    groen = Organisation.objects.create(code="gm9999-groen", name="Groen", kind="department",
                                        municipality=place.town.gemeente)  # fmt: skip
    signal = _signal(place)
    client = _client("afdeling", place.town.gemeente, "afd")
    form = {"department_1": place.department.pk, "description_1": "Vuil ruimen",
            "department_2": groen.pk, "description_2": "Struik snoeien"}  # fmt: skip
    assert client.post(_url(signal, "splitsen"), form).status_code == 302
    assert client.post(_url(signal, "splitsen"), form).status_code == 302  # twice: once
    children = Signal.objects.filter(parent=signal).order_by("description")
    assert [(c.department.name, c.description) for c in children] == [
        ("Groen", "Struik snoeien"), ("Reiniging", "Vuil ruimen")]  # fmt: skip
    assert all(c.deadline is not None and c.area == signal.area for c in children)
    one = client.post(_url(signal, "splitsen"), {"department_1": groen.pk})
    assert one.status_code == 400 and "ten minste twee" in one.content.decode()


def test_similar_nearby_and_merge_cancels_the_duplicate(place: Place) -> None:
    first = _signal(place, "one")
    lat, lon = place.inside(0)
    twin = _signal(place, "two", lat=lat + 0.0001, lon=lon)  # about 11 m north
    far = _signal(place, "three", index=4)
    old = _signal(place, "four", reported_at=datetime.now(tz=AMS) - timedelta(days=60))
    client = _client("afdeling", place.town.gemeente, "afd")
    page = client.get(_url(twin)).content.decode()
    assert str(first.reference) in page
    assert str(far.reference) not in page and str(old.reference) not in page
    answer = client.post(_url(twin, "samenvoegen"), {"into": str(first.reference)})
    assert answer.status_code == 302
    twin.refresh_from_db()
    assert twin.status == "cancelled" and twin.merged_into == first
    assert "samengevoegd met" in twin.history.last().note
    wrong = client.post(_url(far, "samenvoegen"), {"into": str(twin.reference)})
    assert wrong.status_code == 400  # a cancelled signal takes no duplicates
    far.refresh_from_db()
    assert far.status == "reported"


def test_staff_intake_records_the_channel_and_opens_the_signal(place: Place) -> None:
    lat, lon = place.inside(1)
    client = _client("afdeling", place.town.gemeente, "afd")
    form = {"channel": "phone", "category": "GM9999/zwerfafval",
            "description": "Bewoner belt: glas op straat", "lat": lat, "lon": lon,
            "name": "Mevrouw Jansen", "phone": "0201234567", "consent": "on",
            "token": "intake-1"}  # fmt: skip
    answer = client.post("/meldingen/aannemen/", form)
    assert answer.status_code == 302
    assert client.post("/meldingen/aannemen/", form).status_code == 302  # retry: one signal
    signal = Signal.objects.get()
    assert signal.channel == "phone" and signal.area == place.town.buurten[1]
    assert Reporter.objects.get(signal=signal).phone == "0201234567"
    assert signal.history.get().by.username == "afd"
    bad = client.post("/meldingen/aannemen/", {**form, "channel": "pigeon", "token": "x"})
    assert bad.status_code == 200 and Signal.objects.count() == 1


def test_area_map_lists_points_of_the_area_only(place: Place) -> None:
    inside = _signal(place, "a", index=0)
    other = _signal(place, "b", index=3)
    wijk1 = place.town.buurten[0].parent
    client = _client("gebiedsmanager", wijk1, "gm")
    assert client.get(f"/gebieden/{wijk1.code}/meldingen/").status_code == 200
    data = client.get(f"/gebieden/{wijk1.code}/meldingen.geojson").json()
    refs = {f["properties"]["reference"] for f in data["features"]}
    assert refs == {str(inside.reference)}
    wijk2 = place.town.buurten[3].parent
    assert client.get(f"/gebieden/{wijk2.code}/meldingen.geojson").status_code == 403
    assert str(other.reference) not in str(data)
