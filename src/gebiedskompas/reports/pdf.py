"""The wijkfoto as PDF, typeset by typst from the same profile and SVG charts as the web page.

Text and numbers go to typst as JSON (no markup escaping), charts and the map as the SVG files
`reports.charts` renders for the page. Offline: typst's embedded fonts, no packages.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gebiedskompas.cycle.models import Story
from gebiedskompas.reports.profile import AreaProfile, Highlight, cell_text


def _highlights(title: str, items: Sequence[Highlight]) -> dict[str, Any]:
    return {
        "title": title,
        "items": [
            {"icon": h.assessment.icon, "label": h.assessment.label, "text": h.text} for h in items
        ],
    }


def profile_document(
    profile: AreaProfile, map_svg: str | None, stories: Sequence[Story]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON data of the PDF and its SVG files (name → SVG text)."""
    area = profile.area
    files: dict[str, str] = {}
    if map_svg:
        files["map.svg"] = map_svg
    highlights = []
    if profile.differences and profile.municipality is not None:
        highlights.append(
            _highlights(
                _("Grootste verschillen met %(name)s") % {"name": profile.municipality.name},
                profile.differences,
            )
        )
    if profile.improved:
        highlights.append(_highlights(_("Verbeterd sinds de vorige meting"), profile.improved))
    if profile.worsened:
        highlights.append(_highlights(_("Verslechterd sinds de vorige meting"), profile.worsened))
    groups = []
    for group in profile.groups:
        rows = []
        for row in group.rows:
            spark = None
            if row.sparkline:
                spark = f"spark-{row.indicator.key}.svg"
                files[spark] = row.sparkline
            assessment = (
                f"{row.assessment.icon} {row.assessment.label}" if row.assessment.icon else "–"
            )
            rows.append(
                {
                    "name": row.indicator.name,
                    "kind": _("beleving") if row.is_subjective else "",
                    "value": cell_text(row.area, row.indicator),
                    "margin": row.margin_text(),
                    "parent": cell_text(row.parent, row.indicator) if row.parent else "",
                    "municipality": cell_text(row.municipality, row.indicator)
                    if row.municipality
                    else "",
                    "peers": cell_text(row.peers, row.indicator) if row.peers else "",
                    "assessment": assessment,
                    "spark": spark,
                    "spark_summary": _("Trend van %(name)s") % {"name": row.indicator.name},
                    "no_trend": _("geen gegevens") if not row.has_data else "",
                    "period": row.period,
                }
            )
        groups.append({"label": group.label[:1].upper() + group.label[1:], "rows": rows})
    level = area.get_level_display()
    subtitle = f"{level[:1].upper()}{level[1:]} {area.code}"
    if profile.parent is not None:
        subtitle += " · " + _("ligt in %(name)s") % {"name": profile.parent.name}
    peers = ""
    if profile.peers:
        peers = _(
            "Vergelijkbare gebieden (gemiddelde in de kolom ‘vergelijkbaar’): %(areas)s; "
            "gekozen op %(keys)s."
        ) % {
            "areas": ", ".join(p.name for p in profile.peers),
            "keys": ", ".join(i.name.lower() for i in profile.peer_keys),
        }
    data = {
        "lang": (get_language() or "nl")[:2],
        "title": _("Wijkfoto %(name)s") % {"name": area.name},
        "subtitle": subtitle,
        "intro": _("Cijfers tot en met %(date)s; gemaakt op %(today)s met Gebiedskompas.")
        % {
            "date": profile.data_date or "–",
            "today": date_format(timezone.localdate(), "j F Y"),
        },
        "footer": f"{_('Wijkfoto')} {area.name} ({area.code}) · "
        + _("cijfers tot en met %(date)s") % {"date": profile.data_date or "–"},
        "labels": {
            "highlights": _("Opvallend"),
            "map": _("Kaart"),
            "stories": _("Verhalen bij de cijfers"),
            "sources": _("Bronnen"),
        },
        "highlights": highlights,
        "map": "map.svg" if map_svg else None,
        "map_caption": _("%(name)s (dikke lijn) met de gebieden erin en de buren (grijs).")
        % {"name": area.name},
        "map_summary": _("Kaart van %(name)s") % {"name": area.name},
        "peers": peers,
        "columns": [
            _("Indicator"),
            area.name,
            profile.parent.name if profile.parent else "",
            profile.municipality.name if profile.municipality else "",
            _("Vergelijkbaar"),
            _("t.o.v. %(name)s") % {"name": profile.reference},
            _("Trend"),
            _("Periode"),
        ],
        "groups": groups,
        "stories": [
            {
                "head": f"{story.title or story.get_theme_display()} — "
                f"{story.get_author_role_display()}, {date_format(story.date, 'j F Y')}",
                "text": story.text,
            }
            for story in stories
        ],
        "sources": profile.sources,
        "legend": _(
            "▲ beter, ▼ slechter, ↑ hoger, ↓ lager, = vergelijkbaar (binnen een kwart "
            "standaardafwijking tussen gebieden van hetzelfde niveau); ‘geheim’: niet openbaar "
            "om redenen van betrouwbaarheid of geheimhouding; ‘–’: geen gegevens."
        ),
    }
    return data, files


def render_pdf(
    data: dict[str, Any], files: dict[str, str], *, template: str = "wijkfoto.typ"
) -> bytes:
    """Typeset `template` (a file in reports/typst) with `data` as data.json and `files`."""
    import typst

    source = resources.files("gebiedskompas.reports").joinpath(f"typst/{template}")
    with tempfile.TemporaryDirectory(prefix="kompas-pdf-") as folder:
        root = Path(folder)
        (root / template).write_text(source.read_text("utf-8"), encoding="utf-8")
        (root / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for name, svg in files.items():
            (root / name).write_text(svg, encoding="utf-8")
        result = typst.compile(
            str(root / template), root=str(root), format="pdf", ignore_system_fonts=True
        )
    return bytes(result)


def wijkfoto_pdf(profile: AreaProfile, map_svg: str | None, stories: Sequence[Story]) -> bytes:
    data, files = profile_document(profile, map_svg, stories)
    return render_pdf(data, files)
