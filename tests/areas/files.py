"""Write small boundary files for tests: GeoJSON text, GeoPackage and shapefile via pyogrio."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely

X0, Y0 = 200_000.0, 450_000.0  # RD New, the demo's corner of the map


def square(x: float, y: float, size: float) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def write_layer(
    path: Path,
    geometries: Sequence[shapely.Geometry | None],
    fields: dict[str, Sequence[str]],
    *,
    crs: str | None,
    driver: str | None = None,
) -> Path:
    """A GeoPackage, shapefile or GeoJSON file (by suffix) with these features."""
    wkb = np.array([None if g is None else shapely.to_wkb(g) for g in geometries], dtype=object)
    with warnings.catch_warnings():
        # A file without CRS is the point of some tests; pyogrio warns about writing one.
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        _write(
            path, wkb, fields, crs=crs, driver=driver, has_null=any(g is None for g in geometries)
        )
    return path


def _write(
    path: Path,
    wkb: np.ndarray,  # type: ignore[type-arg]  # an object array of WKB bytes
    fields: dict[str, Sequence[str]],
    *,
    crs: str | None,
    driver: str | None,
    has_null: bool,
) -> None:
    pyogrio.raw.write(
        path,
        wkb,
        [np.array(values, dtype=object) for values in fields.values()],
        list(fields),
        geometry_type="Unknown" if has_null else "Polygon",
        crs=crs,
        driver=driver,
        promote_to_multi=False,
    )


def write_geojson(
    path: Path,
    features: Sequence[tuple[dict[str, object], shapely.Geometry | None]],
    *,
    crs: str | None = None,
) -> Path:
    """GeoJSON text as a user's tool would write it; `crs` adds an (old-style) crs member."""
    collection: dict[str, object] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": properties,
                "geometry": None if g is None else json.loads(shapely.to_geojson(g)),
            }
            for properties, g in features
        ],
    }
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection), "utf-8")
    return path
