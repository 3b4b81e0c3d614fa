"""Warm the page cache: render the public wijkfoto of every area that is not cached for the
current data version, so the first reader after an import gets a cached page too.

Each page is built by calling the view as a reader without a session, so what is cached is
exactly the page such a reader is served (see ``web.caching.public_page``), with its figures
part for signed-in readers cached on the way.

Run by the worker on a schedule (``warm_page_cache`` in KOMPAS_SCHEDULE) and by
``kompas cache warm``. Pages already cached are skipped after one look-up, so a run after
nothing changed costs little; a run that starts while an import commits renders the pages of
the version it read, and the next run renders the new ones.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.models import Area
from gebiedskompas.web import caching

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarmResult:
    rendered: int
    already: int
    seconds: float

    def as_dict(self) -> dict[str, float]:
        return {"rendered": self.rendered, "already": self.already, "seconds": self.seconds}


def warm_pages(
    municipality: str | None = None, *, languages: tuple[str, ...] | None = None
) -> WarmResult:
    """Render the public wijkfoto of every area (of one municipality, by code) in every
    interface language, where the cache does not hold it yet. Areas of a municipality are taken
    together, so its disclosure control runs once (see indicators.selectors.municipality_cells)."""
    from django.urls import reverse

    from gebiedskompas.web.views import area_detail

    started = time.perf_counter()
    query = Area.objects.exclude(level=AreaLevel.LAND)
    if municipality:
        query = query.filter(municipality__code=municipality) | Area.objects.filter(
            code=municipality
        )
    codes = list(query.order_by("municipality_id", "level", "code").values_list("code", flat=True))
    rendered = already = 0
    for language in languages or tuple(code for code, _name in settings.LANGUAGES):
        with translation.override(language):
            for code in codes:
                path = reverse("web:area", args=[code])
                if caching.public_page_cached("wijkfoto", path):
                    already += 1
                    continue
                caching.visit_as_public(area_detail, path, code=code)
                rendered += 1
    result = WarmResult(rendered, already, round(time.perf_counter() - started, 1))
    log.info("page cache warmed: %s", result.as_dict())
    return result
