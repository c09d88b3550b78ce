"""Map helpers: zone geometry for GIS files (and, later, figures).

Zones of a bundle whose ids are H3 cells (Porto Alegre's hexagon grid) become their hexagons,
from the ``h3`` package; other zones (or without ``h3``) stay points at their centres, and
:func:`zone_geometry` says which it gave.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["hexagons", "write_zones_gpkg", "zone_geometry"]


def hexagons(ids: pd.Series | list[str]) -> list[Any] | None:
    """The H3 hexagon of each id as a shapely polygon (lon, lat), or ``None`` when ``h3`` is
    not installed or some id is not a valid H3 cell."""
    try:
        import h3
    except ImportError:
        return None
    from shapely.geometry import Polygon

    cells = [str(i) for i in ids]
    if not cells or not all(h3.is_valid_cell(c) for c in cells):
        return None
    return [Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in cells]


def zone_geometry(zones: pd.DataFrame) -> tuple[list[Any], str]:
    """Geometry of each zone (rows of ``zones``: ``zone``, ``lon``, ``lat``) and its kind:
    ``"h3 hexagons"`` or ``"points"`` (zone centres)."""
    from shapely.geometry import Point

    polygons = hexagons(zones["zone"]) if "zone" in zones else None
    if polygons is not None:
        return polygons, "h3 hexagons"
    lon, lat = zones["lon"].to_numpy(float), zones["lat"].to_numpy(float)
    return [Point(x, y) for x, y in zip(lon, lat, strict=True)], "points"


def write_zones_gpkg(zones: pd.DataFrame, path: Path, *, layer: str = "zones") -> str:
    """Write every column of ``zones`` to a GeoPackage layer (EPSG:4326) with the zones'
    geometry (:func:`zone_geometry`); returns the geometry kind written."""
    import geopandas as gpd

    geometry, kind = zone_geometry(zones)
    if kind == "points" and "zone" in zones and _looks_h3(zones["zone"]):
        warnings.warn("zones.gpkg: zone ids look like H3 cells but the `h3` package is not "
                      "installed: zones written as points", stacklevel=2)  # fmt: skip
    frame = gpd.GeoDataFrame(zones.reset_index(drop=True), geometry=geometry, crs="EPSG:4326")
    frame.to_file(path, driver="GPKG", layer=layer)
    return kind


def _looks_h3(ids: pd.Series) -> bool:
    text = ids.astype(str)
    return bool(len(text)) and bool(np.all(text.str.fullmatch(r"[0-9a-f]{15}")))
