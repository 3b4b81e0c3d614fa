"""Sign-in: lock-out after repeated failures, the TOTP second factor, form rate limits."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.web, pytest.mark.django_db]
PASSWORD = "een-lang-wachtwoord-42"


@pytest.fixture
def medewerker() -> object:
    return get_user_model().objects.create_user("medewerker", password=PASSWORD, is_staff=True)


def _login(client: Client, password: str, username: str = "medewerker") -> object:
    return client.post("/inloggen/", {"username": username, "password": password})


def test_a_correct_password_signs_in(medewerker: object) -> None:
    client = Client()
    response = _login(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session.get("_auth_user_id")


def test_repeated_failures_lock_the_account_out_even_for_the_right_password(
    medewerker: object,
) -> None:
    client = Client()
    statuses = [_login(client, "fout-wachtwoord").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429], "locked at the fifth failure"
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429
    assert "Tijdelijk geblokkeerd" in locked.content.decode()
    assert not client.session.get("_auth_user_id")


@override_settings(FORM_RATE="3/minute")
def test_the_sign_in_form_is_rate_limited_per_address() -> None:
    client = Client()
    statuses = [_login(client, "x", username=f"user{i}").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "te vaak verstuurd" in _login(client, "x").content.decode()


def _device(user: object) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


# django-otp slows down guessing after a wrong code; the test enters the right one at once.
@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_a_user_with_totp_must_enter_a_code_before_any_page(medewerker: object) -> None:
    device = _device(medewerker)
    client = Client()
    response = _login(client, PASSWORD)
    assert response["Location"].startswith("/inloggen/code/")
    blocked = client.get("/analyse/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/inloggen/code/")
    wrong = client.post("/inloggen/code/", {"otp_token": "000000", "next": "/"})
    assert "Deze code klopt niet" in wrong.content.decode()
    token = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    ok = client.post("/inloggen/code/", {"otp_token": token, "next": "/zoeken"})
    assert ok.status_code == 302 and ok["Location"] == "/zoeken"
    assert client.get("/zoeken").status_code == 200


def test_a_user_turns_totp_on_with_a_generated_code(medewerker: object) -> None:
    client = Client()
    client.force_login(medewerker)  # type: ignore[arg-type]
    page = client.get("/account/tweestapsverificatie/").content.decode()
    secret = re.search(r'<code class="otp-secret">([A-Z2-7=]+)</code>', page)
    assert secret is not None
    device = TOTPDevice.objects.get(user=medewerker, confirmed=False)
    token = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    response = client.post("/account/tweestapsverificatie/", {"otp_token": token})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "staat aan" in client.get("/account/tweestapsverificatie/").content.decode()


def test_sign_out_needs_a_post() -> None:
    assert Client().get("/uitloggen/").status_code == 405
    assert Client().post("/uitloggen/").status_code == 302
