"""Background tasks of the web layer, run by `kompas worker`."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def warm_page_cache(municipality: str = "") -> dict[str, Any]:
    """Render the public wijkfoto pages the cache lacks (scheduled: warm_page_cache)."""
    from gebiedskompas.web.warming import warm_pages

    return dict(warm_pages(municipality or None).as_dict())
