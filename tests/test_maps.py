"""Zone geometry for GIS files: H3 hexagons where the ids are cells, else points."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.maps import write_zones_gpkg, zone_geometry

MINI = Path(__file__).parent / "data" / "mini_city" / "zones.csv"


def test_h3_ids_become_hexagons_and_every_column_is_written(tmp_path: Path) -> None:
    import geopandas as gpd  # the test extra installs it and h3; a missing one is a failure

    zones = pd.read_csv(MINI).rename(columns={"id": "zone"})
    assert write_zones_gpkg(zones, tmp_path / "z.gpkg") == "h3 hexagons"
    back = gpd.read_file(tmp_path / "z.gpkg", layer="zones")
    assert set(back.geom_type) == {"Polygon"} and len(back) == len(zones)
    assert list(back.columns[:-1]) == list(zones.columns)  # every column, then geometry
    assert all(len(p.exterior.coords) == 7 for p in back.geometry)  # six corners, closed
    # a resolution-9 cell is about 0.1 km2
    area = back.to_crs("EPSG:31982").area
    assert 0.08e6 < area.median() < 0.12e6


def test_other_ids_stay_points() -> None:
    zones = pd.DataFrame({"zone": ["1", "2"], "lon": [-75.5, -75.6], "lat": [6.2, 6.3]})
    geometry, kind = zone_geometry(zones)
    assert kind == "points" and geometry[0].x == -75.5
