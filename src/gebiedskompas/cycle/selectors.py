"""Every read of the cycle app a page, report or command needs."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from gebiedskompas.areas.models import Area
from gebiedskompas.cycle.models import Story, StoryStatus
from gebiedskompas.indicators.models import Indicator


def stories_for_area(
    area: Area, *, theme: str = "", text: str = "", limit: int | None = None
) -> QuerySet[Story]:
    """Approved stories about the area, newest first, optionally of one theme and containing
    a word; with their indicators (two queries when evaluated)."""
    query = Story.objects.filter(areas=area, status=StoryStatus.APPROVED)
    if theme:
        query = query.filter(theme=theme)
    text = text.strip()
    if text:
        query = query.filter(Q(text__icontains=text) | Q(title__icontains=text))
    query = query.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.only("key", "name"))
    ).order_by("-date", "-created_at")
    return query[:limit] if limit else query


def pending_stories() -> QuerySet[Story]:
    """Residents' stories waiting for moderation, oldest first, with their areas."""
    return (
        Story.objects.filter(status=StoryStatus.PENDING)
        .prefetch_related(Prefetch("areas", queryset=Area.objects.only("code", "name")))
        .order_by("created_at")
    )
