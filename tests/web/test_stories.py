"""Stories: a resident's story waits for moderation, is rate-limited, searchable per theme."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gebiedskompas.cycle import services
from gebiedskompas.cycle.models import AuthorRole, Story, StoryStatus
from tests.web.factories import Town

pytestmark = [pytest.mark.web, pytest.mark.django_db]


def post_story(client: Client, code: str, text: str, **extra: str):  # type: ignore[no-untyped-def]  # a test client response
    return client.post(
        reverse("web:story-new", args=[code]),
        {"text": text, "theme": "leefbaarheid", "date": "2024-05-01", **extra},
        REMOTE_ADDR="192.0.2.7",
    )


@pytest.fixture
def staff(db: None):  # type: ignore[no-untyped-def]  # a user
    # A superuser holds every role (accounts.permissions), moderation included.
    return get_user_model().objects.create_user(
        "moderator", password="x" * 16, is_staff=True, is_superuser=True
    )


def test_resident_story_is_pending_until_approved(client: Client, town: Town, staff) -> None:  # type: ignore[no-untyped-def]
    response = post_story(client, town.wijk.code, "Het speelveld is opgeknapt.", author="Fatima")
    assert response.status_code == 302
    story = Story.objects.get()
    assert story.status == StoryStatus.PENDING and story.is_resident
    assert story.submitter_hash and "192.0.2.7" not in story.submitter_hash
    page = client.get(reverse("web:area", args=[town.wijk.code])).content.decode()
    assert "Het speelveld is opgeknapt." not in page

    client.force_login(staff)
    moderation = client.get(reverse("web:moderation")).content.decode()
    assert "Het speelveld is opgeknapt." in moderation
    client.post(reverse("web:moderation"), {"story": story.pk, "decision": "approve"})
    client.logout()
    page = client.get(reverse("web:area", args=[town.wijk.code])).content.decode()
    assert "Het speelveld is opgeknapt." in page and "Bewoner" in page and "1 mei 2024" in page


def test_story_form_needs_csrf(town: Town) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = post_story(strict, town.wijk.code, "Zonder token.")
    assert response.status_code == 403
    assert not Story.objects.exists()


def test_resident_stories_are_rate_limited_per_address(client: Client, town: Town) -> None:
    for n in range(services.RESIDENT_STORIES_PER_HOUR):
        assert post_story(client, town.wijk.code, f"Verhaal {n}").status_code == 302
    response = post_story(client, town.wijk.code, "Eén te veel")
    assert response.status_code == 429
    assert "al 5 verhalen gestuurd" in response.content.decode()
    assert Story.objects.count() == services.RESIDENT_STORIES_PER_HOUR


def test_empty_story_is_refused_beside_the_field(client: Client, town: Town) -> None:
    response = post_story(client, town.wijk.code, "")
    assert response.status_code == 200
    assert "utrecht-form-field--invalid" in response.content.decode()


def test_moderation_needs_staff(client: Client, town: Town) -> None:
    response = client.get(reverse("web:moderation"))
    assert response.status_code == 302 and "next=/verhalen/beoordelen/" in response["Location"]


def test_stories_searchable_per_theme_and_text(client: Client, town: Town, staff) -> None:  # type: ignore[no-untyped-def]
    for theme, text in (("veiligheid", "Donkere steeg bij het station"), ("wonen", "Nieuwe flat")):
        services.add_story(
            services.StoryInput([town.wijk.code], text, theme, date(2024, 3, 1)),
            role=AuthorRole.PROFESSIONAL,
            by=staff,
            organisation="Politie",
        )
    url = reverse("web:area-stories", args=[town.wijk.code])
    by_theme = client.get(url + "?thema=veiligheid").content.decode()
    assert "Donkere steeg" in by_theme and "Nieuwe flat" not in by_theme
    by_text = client.get(url + "?q=flat").content.decode()
    assert "Nieuwe flat" in by_text and "Donkere steeg" not in by_text


def test_only_staff_may_add_approved_stories(town: Town) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(services.NotAllowed):
        services.add_story(
            services.StoryInput([town.wijk.code], "x", "wonen", date(2024, 1, 1)),
            role=AuthorRole.PARTNER,
            by=AnonymousUser(),
        )


def test_story_dated_in_the_future_is_refused_beside_the_date(client: Client, town: Town) -> None:
    response = post_story(client, town.wijk.code, "Morgen gebeurt het.", date="2999-01-01")
    html = response.content.decode()
    assert response.status_code == 200
    date_field = html.split('for="id_date"', 1)[1].split("</div>", 1)[0]
    assert "De datum ligt in de toekomst." in date_field
    assert not Story.objects.exists()


def _pending_story(client: Client, town: Town) -> Story:
    post_story(client, town.wijk.code, "De stoep ligt open.")
    return Story.objects.get(status=StoryStatus.PENDING)


def test_a_gebiedsverbinder_of_the_area_may_approve_a_story(client: Client, town: Town) -> None:
    from tests.accounts.helpers import user_with

    story = _pending_story(client, town)
    verbinder = user_with("gebiedsverbinder", town.wijk)
    services.moderate_story(story.pk, approve=True, by=verbinder)
    story.refresh_from_db()
    assert story.status == StoryStatus.APPROVED and story.moderated_by == verbinder
    assert (
        "De stoep ligt open."
        in client.get(reverse("web:area-stories", args=[town.wijk.code])).content.decode()
    )


def test_the_moderation_page_lets_a_gebiedsverbinder_approve_in_the_ui(
    client: Client, town: Town
) -> None:
    from tests.accounts.helpers import user_with

    story = _pending_story(client, town)
    client.force_login(user_with("gebiedsverbinder", town.wijk))
    page = client.get(reverse("web:moderation")).content.decode()
    assert "De stoep ligt open." in page
    response = client.post(reverse("web:moderation"), {"story": story.pk, "decision": "approve"})
    assert response.status_code == 302
    assert Story.objects.get(pk=story.pk).status == StoryStatus.APPROVED


@pytest.mark.parametrize("who", ["other area", "wethouder"])
def test_others_may_not_approve_a_story(client: Client, town: Town, who: str) -> None:
    from gebiedskompas.areas.models import Area
    from tests.accounts.helpers import user_with

    story = _pending_story(client, town)
    if who == "other area":
        elsewhere = Area.objects.create(
            code="WK099901", name="Andere wijk", level="wijk", parent=town.gemeente,
            municipality=town.gemeente,
        )  # fmt: skip
        user = user_with("gebiedsverbinder", elsewhere)
    else:
        user = user_with("wethouder", town.gemeente)
    with pytest.raises(services.NotAllowed, match="niet beoordelen"):
        services.moderate_story(story.pk, approve=True, by=user)
    client.force_login(user)
    assert "De stoep ligt open." not in client.get(reverse("web:moderation")).content.decode()
    client.post(reverse("web:moderation"), {"story": story.pk, "decision": "approve"})
    assert Story.objects.get(pk=story.pk).status == StoryStatus.PENDING


def test_adding_a_story_needs_the_right_in_its_areas(town: Town) -> None:
    from tests.accounts.helpers import user_with

    data = services.StoryInput([town.wijk.code], "Buurtapp loopt goed", "wonen", date(2024, 1, 1))
    with pytest.raises(services.NotAllowed):
        services.add_story(data, role=AuthorRole.PARTNER, by=user_with("wethouder", town.wijk))
    story = services.add_story(
        data, role=AuthorRole.PARTNER, by=user_with("partner", town.wijk), organisation="Welzijn"
    )
    assert story.status == StoryStatus.APPROVED
