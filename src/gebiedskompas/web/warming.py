"""Warm the page cache: render the public wijkfoto of every area that is not cached for the
current data version, so the first reader after an import gets a cached page too.

Each page is built by calling the view as a reader without a session, so what is cached is
exactly the page such a reader is served (see ``web.caching.public_page``).

Run by the worker on a schedule (``warm_page_cache`` in KOMPAS_SCHEDULE, every minute by
default) and by ``kompas cache warm``. A run for a data version already warmed stops after one
look-up; otherwise pages already cached are skipped after one look-up each. A run that starts
while an import commits renders the pages of the version it read, and the next run renders the
new ones.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from gebiedskompas.areas import versioning
from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area
from gebiedskompas.web import caching

log = logging.getLogger(__name__)


WARMED_KEY = "kompas:warmed"


@dataclass(frozen=True)
class WarmResult:
    rendered: int
    already: int
    seconds: float
    # Nothing looked at: every page was warmed for this data version before.
    up_to_date: bool = False

    def as_dict(self) -> dict[str, float | bool]:
        return {
            "rendered": self.rendered,
            "already": self.already,
            "seconds": self.seconds,
            "up_to_date": self.up_to_date,
        }


def warm_pages(
    municipality: str | None = None, *, languages: tuple[str, ...] | None = None
) -> WarmResult:
    """Render the public wijkfoto of every area (of one municipality, by code) in every
    interface language, where the cache does not hold it yet. Areas of a municipality are taken
    together, so its disclosure control runs once (see indicators.selectors.municipality_cells)."""
    from django.urls import reverse

    from gebiedskompas.web.views import area_detail

    started = time.perf_counter()
    languages = languages or tuple(code for code, _name in settings.LANGUAGES)
    # A run over every area records the data version it warmed; a later run for the same
    # version stops after one look-up, so the worker can look every minute.
    done_for = (versioning.stamp(), languages)
    store = caching.page_cache()
    if not municipality and store.get(WARMED_KEY) == done_for:
        return WarmResult(0, 0, round(time.perf_counter() - started, 1), up_to_date=True)
    query = Area.objects.exclude(level=AreaLevel.LAND)
    if municipality:
        query = query.filter(municipality__code=municipality) | Area.objects.filter(
            code=municipality
        )
    codes = list(query.order_by("municipality_id", "level", "code").values_list("code", flat=True))
    rendered = already = 0
    for language in languages:
        with translation.override(language):
            for code in codes:
                path = reverse("web:area", args=[code])
                if caching.public_page_cached("wijkfoto", path):
                    already += 1
                    continue
                caching.visit_as_public(area_detail, path, code=code)
                rendered += 1
    if not municipality:
        store.set(WARMED_KEY, done_for, None)
    result = WarmResult(rendered, already, round(time.perf_counter() - started, 1))
    log.info("page cache warmed: %s", result.as_dict())
    return result
