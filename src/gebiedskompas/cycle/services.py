"""Every write of the cycle app: one function per state change."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError
from gebiedskompas.cycle.models import AuthorRole, Story, StoryStatus
from gebiedskompas.indicators.models import Domain, Indicator

# A resident may send this many stories per hour from one address; enough for a neighbour
# writing about a few areas, too few for a script flooding the moderators.
RESIDENT_STORIES_PER_HOUR: Final = 5
MAX_TEXT: Final = 4000


class RateLimited(KompasError):
    """Too many stories from one address in the last hour."""


class NotAllowed(KompasError):
    """The acting user may not do this."""


def submitter_hash(ip_address: str) -> str:
    """A keyed hash of the submitter's address: enough to count, not to identify."""
    key = str(settings.SECRET_KEY).encode()
    return hashlib.sha256(key + b"|story|" + ip_address.encode()).hexdigest()


@dataclass(frozen=True)
class StoryInput:
    area_codes: Sequence[str]
    text: str
    theme: str
    date: date
    title: str = ""
    author: str = ""
    indicator_keys: Sequence[str] = ()


def _validate(data: StoryInput) -> tuple[list[Area], list[Indicator]]:
    text = data.text.strip()
    if not text:
        raise KompasError(_("Schrijf uw verhaal in het tekstveld."), column="text")
    if len(text) > MAX_TEXT:
        raise KompasError(
            _("Een verhaal heeft hoogstens %(max)d tekens.") % {"max": MAX_TEXT}, column="text"
        )
    if data.theme not in Domain.values:
        raise KompasError(_("Kies een thema uit de lijst."), column="theme", value=data.theme)
    if data.date > timezone.localdate():
        raise KompasError(_("De datum ligt in de toekomst."), column="date")
    areas = list(Area.objects.filter(code__in=list(data.area_codes)))
    if not areas:
        raise KompasError(_("Kies minstens één bestaand gebied."), column="areas")
    indicators = list(Indicator.objects.filter(key__in=list(data.indicator_keys)))
    return areas, indicators


def submit_resident_story(data: StoryInput, *, ip_address: str) -> Story:
    """A resident's story from the public form: stored pending moderation. Raises RateLimited
    after `RESIDENT_STORIES_PER_HOUR` stories from one address within an hour."""
    areas, indicators = _validate(data)
    fingerprint = submitter_hash(ip_address)
    with transaction.atomic():
        recent = Story.objects.filter(
            submitter_hash=fingerprint, created_at__gte=timezone.now() - timedelta(hours=1)
        ).count()
        if recent >= RESIDENT_STORIES_PER_HOUR:
            raise RateLimited(
                _("U heeft het afgelopen uur al %(n)d verhalen gestuurd.") % {"n": recent}
                + " "
                + _("Probeer het later opnieuw.")
            )
        story = Story.objects.create(
            author=data.author.strip()[:120],
            author_role=AuthorRole.RESIDENT,
            date=data.date,
            title=data.title.strip()[:160],
            text=data.text.strip(),
            theme=data.theme,
            is_resident=True,
            status=StoryStatus.PENDING,
            submitter_hash=fingerprint,
        )
        story.areas.set(areas)
        story.indicators.set(indicators)
    return story


def add_story(data: StoryInput, *, role: str, by: Any, organisation: str = "") -> Story:
    """A professional's or partner's story entered by staff: shown at once."""
    if not (by is not None and by.is_authenticated and by.is_staff):
        raise NotAllowed(_("Alleen medewerkers kunnen verhalen direct plaatsen."))
    if role not in (AuthorRole.PROFESSIONAL, AuthorRole.PARTNER):
        raise KompasError(_("Kies de rol professional of partner."), column="author_role")
    areas, indicators = _validate(data)
    with transaction.atomic():
        story = Story.objects.create(
            author=data.author.strip()[:120],
            author_role=role,
            organisation=organisation.strip()[:160],
            date=data.date,
            title=data.title.strip()[:160],
            text=data.text.strip(),
            theme=data.theme,
            is_resident=False,
            status=StoryStatus.APPROVED,
            created_by=by,
            moderated_by=by,
            moderated_at=timezone.now(),
        )
        story.areas.set(areas)
        story.indicators.set(indicators)
    return story


def moderate_story(story_id: int, *, approve: bool, by: Any) -> Story:
    """Approve or reject a pending story (staff only); a decided story may be decided again."""
    if not (by is not None and by.is_authenticated and by.is_staff):
        raise NotAllowed(_("Alleen medewerkers kunnen verhalen beoordelen."))
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story_id)
        story.status = StoryStatus.APPROVED if approve else StoryStatus.REJECTED
        story.moderated_by = by
        story.moderated_at = timezone.now()
        story.save(update_fields=["status", "moderated_by", "moderated_at"])
    return story
