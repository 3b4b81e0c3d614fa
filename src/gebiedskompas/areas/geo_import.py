"""Import area boundaries (``kompas import areas``): GeoJSON, GeoPackage and shapefiles.

The file is read and checked completely first (``areas.domain.geometry``), then written in one
transaction: an error leaves the registry as it was. Importing the same file again changes
nothing and says so.

Parents follow from CBS codes (``BU01530101`` → ``WK015301`` → ``GM0153``). A municipality's own
codes (stadsdelen, or its own wijken) are placed spatially: the parent is the area of the nearest
higher level that holds most of the new area. Areas already in the registry whose parent skips a
level (a CBS wijk directly under its gemeente) move under the area of the skipped level that holds
most of them, once one exists: importing a municipality's stadsdelen groups its wijken.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.db import transaction
from django.utils import timezone

from gebiedskompas.areas import versioning
from gebiedskompas.areas.domain.codes import AreaLevel
from gebiedskompas.areas.domain.geometry import (
    AreaFeature,
    Geometry,
    geometry_from_wkb,
    overlap_share,
    read_area_file,
)
from gebiedskompas.areas.models import Area, AreaYear
from gebiedskompas.areas.services import AreaRow, ensure_cbs_areas
from gebiedskompas.core.errors import KompasError, gettext_noop

# A parent must hold at least this share of its child's area; below it the next level up is tried.
MIN_SHARE = 0.5
GEOMETRY_FIELDS = ["geometry_rd", "geojson_wgs84", "area_m2", "min_x", "min_y", "max_x", "max_y"]


@dataclass
class AreaImportSummary:
    """What an area import did. ``moved`` counts areas outside the file given a new parent."""

    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    without_geometry: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        text = (
            f"{self.file}: {self.created} new, {self.updated} updated, {self.unchanged} "
            "unchanged areas"
        )
        if self.moved:
            text += f"; {self.moved} areas placed under a new parent"
        if self.without_geometry:
            text += f"; {self.without_geometry} without geometry"
        for warning in self.warnings:
            text += f"\nwarning: {warning}"
        return text


def import_area_file(
    path: Path,
    *,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    year: int | None = None,
    display_name: str | None = None,
) -> AreaImportSummary:
    """Import a boundary file; see the module docstring. Raises ``KompasError`` naming the file
    and feature; nothing is stored then."""
    parsed = read_area_file(
        path, level=level, code_field=code_field, name_field=name_field, display_name=display_name
    )
    summary = store_area_features(parsed.features, year=year, file=parsed.file)
    summary.warnings[:0] = list(parsed.warnings)
    return summary


Snapshot = tuple[str, str, int | None, bytes | None]


def _snapshot(codes: Iterable[str]) -> dict[str, Snapshot]:
    return {
        code: (name, level, parent_id, bytes(wkb) if wkb is not None else None)
        for code, name, level, parent_id, wkb in Area.objects.filter(
            code__in=list(codes)
        ).values_list("code", "name", "level", "parent_id", "geometry_rd")
    }


@transaction.atomic
def store_area_features(
    features: Sequence[AreaFeature], *, year: int | None, file: str
) -> AreaImportSummary:
    """Create or update the areas of checked features, with parents, geometry and year.

    Used by `import_area_file` and the demo. Call with features from
    ``areas.domain.geometry``; raises ``KompasError`` naming the feature when an own-code area
    cannot be placed or a code exists at another level.
    """
    summary = AreaImportSummary(file=file)
    codes = [f.code for f in features]
    before = _snapshot(codes)
    for feature in features:
        old = before.get(feature.code)
        if old is not None and old[1] != feature.level.value:
            raise KompasError(
                gettext_noop(
                    "feature {number}, {label}: the area exists as a {old_1}, the file makes it a "
                    "{text}"
                ),
                file=file,
                number=feature.number,
                label=feature.label,
                old_1=old[1],
                text=feature.level.value,
            )

    cbs = [f for f in features if f.is_cbs]
    created, areas = ensure_cbs_areas(
        [AreaRow(f.code, f.name, f.level.value) for f in cbs], year=year
    )
    summary.created += created
    own = [f for f in features if not f.is_cbs]
    summary.created += _ensure_own_areas(own, areas, year=year)

    _store_geometry(features, areas, before)
    summary.without_geometry = sum(1 for f in features if f.geometry is None)
    for feature in own:
        area = areas[feature.code]
        if area.level == AreaLevel.GEMEENTE:
            continue
        old = before.get(feature.code)
        changed_shape = old is None or old[3] != (
            feature.geometry.wkb_rd if feature.geometry else old[3]
        )
        if area.parent_id is None or changed_shape:
            _place(feature, area, file=file, warnings=summary.warnings)

    municipalities = {a.municipality_id for a in areas.values() if a.municipality_id is not None}
    moved = tighten_parents(municipalities)
    after = _snapshot(codes)
    for code in codes:
        if code in before:
            if before[code] == after[code]:
                summary.unchanged += 1
            else:
                summary.updated += 1
    summary.moved = len(moved - set(codes))
    return summary


def _ensure_own_areas(
    features: Sequence[AreaFeature], areas: dict[str, Area], *, year: int | None
) -> int:
    existing = {a.code: a for a in Area.objects.filter(code__in=[f.code for f in features])}
    created = 0
    for feature in features:
        area = existing.get(feature.code)
        if area is None:
            area = Area.objects.create(
                code=feature.code, name=feature.name, level=feature.level, valid_from=year
            )
            if area.level == AreaLevel.GEMEENTE:
                area.municipality = area
                area.save(update_fields=["municipality"])
            created += 1
        elif area.name != feature.name:
            area.name = feature.name
            area.save(update_fields=["name", "updated_at"])
        areas[feature.code] = area
    if year is not None and features:
        present = set(
            AreaYear.objects.filter(
                year=year, area__code__in=[f.code for f in features]
            ).values_list("area__code", flat=True)
        )
        versioning.changed()
        AreaYear.objects.bulk_create(
            [AreaYear(area=areas[f.code], year=year) for f in features if f.code not in present]
        )
    return created


def _store_geometry(
    features: Sequence[AreaFeature], areas: dict[str, Area], before: dict[str, Snapshot]
) -> None:
    now = timezone.now()
    changed = []
    for feature in features:
        geometry = feature.geometry
        if geometry is None:
            continue  # keep a boundary loaded earlier
        old = before.get(feature.code)
        if old is not None and old[3] == geometry.wkb_rd:
            continue
        area = areas[feature.code]
        area.geometry_rd = geometry.wkb_rd
        area.geojson_wgs84 = geometry.geojson_wgs84
        area.area_m2 = geometry.area_m2
        area.min_x, area.min_y, area.max_x, area.max_y = geometry.bbox_wgs84
        area.updated_at = now
        changed.append(area)
    Area.objects.bulk_update(changed, [*GEOMETRY_FIELDS, "updated_at"], batch_size=500)


# --- spatial placement -----------------------------------------------------------------------


def _levels_above(level: AreaLevel, below: AreaLevel | None = None) -> list[AreaLevel]:
    """Levels between `below` (exclusive; None = the top) and `level`, nearest first."""
    floor = below.depth if below is not None else -1
    return sorted(
        (lv for lv in AreaLevel if floor < lv.depth < level.depth),
        key=lambda lv: -lv.depth,
    )


def container_shapes(
    level: AreaLevel, *, municipality_ids: Iterable[int] | None = None
) -> dict[int, Geometry]:
    """Shapes of the areas of one level: their own boundary, or without one the union of their
    nearest descendants' boundaries (a gemeente imported from a CBS table has none)."""
    query = Area.objects.filter(level=level)
    if municipality_ids is not None:
        query = query.filter(municipality_id__in=list(municipality_ids))
    rows = list(query.values_list("id", "geometry_rd", "municipality_id"))
    shapes = {pk: geometry_from_wkb(wkb) for pk, wkb, _m in rows if wkb is not None}
    bare = {pk: municipality for pk, wkb, municipality in rows if wkb is None}
    if bare:
        tree = list(
            Area.objects.filter(
                municipality_id__in={m for m in bare.values() if m is not None}
            ).values_list("id", "parent_id", "geometry_rd")
        )
        children: dict[int, list[int]] = defaultdict(list)
        wkb_of = {}
        for pk, parent_id, wkb in tree:
            if parent_id is not None:
                children[parent_id].append(pk)
            wkb_of[pk] = wkb
        for pk in bare:
            parts = []
            stack = list(children.get(pk, []))
            while stack:
                child = stack.pop()
                child_wkb = wkb_of.get(child)
                if child_wkb is not None:
                    parts.append(geometry_from_wkb(child_wkb))
                else:
                    stack.extend(children.get(child, []))
            if parts:
                shapes[pk] = shapely.union_all(parts)
    return shapes


def _best_container(shape: Geometry, candidates: dict[int, Geometry]) -> tuple[int | None, float]:
    best: int | None = None
    best_share = 0.0
    for pk, candidate in candidates.items():
        if not shapely.intersects(shape, candidate):
            continue
        share = overlap_share(shape, candidate)
        if share > best_share or (share == best_share and best is not None and pk < best):
            best, best_share = pk, share
    return best, best_share


def _place(feature: AreaFeature, area: Area, *, file: str, warnings: list[str]) -> None:
    """Give an own-code area its parent: the nearest higher area that holds most of it."""
    if feature.geometry is None:
        warnings.append(
            f"{file}, feature {feature.number}, {feature.label}: no geometry, so no parent can "
            "be found for this own code; place it in the admin"
        )
        return
    shape = geometry_from_wkb(feature.geometry.wkb_rd)
    fallback: tuple[int | None, float] = (None, 0.0)
    for level in _levels_above(AreaLevel(area.level)):
        municipality_ids = [area.municipality_id] if area.municipality_id else None
        best, share = _best_container(
            shape, container_shapes(level, municipality_ids=municipality_ids)
        )
        if best is not None and share >= MIN_SHARE:
            _set_parent(area, Area.objects.get(pk=best))
            return
        if best is not None and share > fallback[1]:
            fallback = (best, share)
    if fallback[0] is None:
        raise KompasError(
            gettext_noop(
                "feature {number}, {label}: no area of a higher level overlaps it, so its parent "
                "cannot be found; import its gemeente's (or wijken's) boundaries first"
            ),
            file=file,
            number=feature.number,
            label=feature.label,
        )
    parent = Area.objects.get(pk=fallback[0])
    warnings.append(
        f"{file}, feature {feature.number}, {feature.label}: placed under {parent.code} "
        f"({parent.name}), which holds only {fallback[1]:.0%} of it"
    )
    _set_parent(area, parent)


def _set_parent(area: Area, parent: Area) -> None:
    area.parent = parent
    area.municipality_id = (
        parent.pk if parent.level == AreaLevel.GEMEENTE else parent.municipality_id
    )
    area.save(update_fields=["parent", "municipality", "updated_at"])


def tighten_parents(municipality_ids: Iterable[int]) -> set[str]:
    """Move areas whose parent skips a level under the area of that level holding most of them.

    E.g. a CBS wijk under its gemeente goes under the municipality's stadsdeel that covers at
    least half of it. Returns the codes of the areas moved.
    """
    moved: set[str] = set()
    for municipality_id in sorted(set(municipality_ids)):
        rows = list(
            Area.objects.filter(municipality_id=municipality_id).values_list(
                "id", "code", "level", "parent_id", "geometry_rd"
            )
        )
        level_of = {pk: AreaLevel(level) for pk, _c, level, _p, _g in rows}
        present = set(level_of.values())
        shapes_by_level: dict[AreaLevel, dict[int, Geometry]] = {}
        for pk, code, level, parent_id, wkb in rows:
            own = AreaLevel(level)
            if own is AreaLevel.GEMEENTE or wkb is None:
                continue
            parent_level = level_of.get(parent_id) if parent_id is not None else None
            between = [lv for lv in _levels_above(own, parent_level) if lv in present]
            if not between:
                continue
            shape = geometry_from_wkb(wkb)
            for level_between in between:
                if level_between not in shapes_by_level:
                    shapes_by_level[level_between] = {
                        k: v
                        for k, v in container_shapes(
                            level_between, municipality_ids=[municipality_id]
                        ).items()
                    }
                best, share = _best_container(shape, shapes_by_level[level_between])
                if best is not None and share >= MIN_SHARE and best != pk:
                    Area.objects.filter(pk=pk).update(parent_id=best, updated_at=timezone.now())
                    versioning.changed()
                    moved.add(code)
                    break
    return moved
