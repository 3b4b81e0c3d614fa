"""Writing wijkfoto PDFs to files: one area, or every area of a level in a municipality."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import translation

from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, gettext_noop
from gebiedskompas.cycle.selectors import stories_for_area
from gebiedskompas.indicators.selectors import area_with_ancestors
from gebiedskompas.reports import maps, pdf
from gebiedskompas.reports.profile import area_profile

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Written:
    code: str
    path: Path
    size: int


def wijkfoto_bytes(code: str, *, public: bool = True) -> bytes:
    """The PDF of one area, as the public sees it unless `public` is False."""
    area = area_with_ancestors(code)
    if area is None:
        raise KompasError(gettext_noop("unknown area code {code}"), value=code, code=code)
    profile = area_profile(area, public=public)
    return pdf.wijkfoto_pdf(
        profile, maps.area_map_svg(area), list(stories_for_area(area, limit=10))
    )


def write_wijkfoto(code: str, output: Path, *, public: bool = True, language: str = "") -> Written:
    with translation.override(language or settings.LANGUAGE_CODE):
        document = wijkfoto_bytes(code, public=public)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(document)
    return Written(code, output, len(document))


def write_wijkfotos(
    *,
    level: str,
    municipality: str,
    directory: Path,
    public: bool = True,
    language: str = "",
    progress: Progress | None = None,
) -> list[Written]:
    """One PDF per area of `level` in `municipality`, named ``wijkfoto-CODE.pdf``."""
    if not Area.objects.filter(code=municipality, level="gemeente").exists():
        raise KompasError(
            gettext_noop("unknown municipality {municipality}"),
            value=municipality,
            municipality=municipality,
        )
    codes = list(
        Area.objects.filter(municipality__code=municipality, level=level)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if level == "gemeente":
        codes = [municipality]
    if not codes:
        raise KompasError(
            gettext_noop("{municipality} has no areas at level {level}"),
            value=level,
            municipality=municipality,
            level=level,
        )
    written = []
    for done, code in enumerate(codes, start=1):
        written.append(
            write_wijkfoto(
                code, directory / f"wijkfoto-{code}.pdf", public=public, language=language
            )
        )
        if progress:
            progress("wijkfoto", done, len(codes))
    return written
