"""Medellín end to end on *synthetic* fetched streets.

A user who fetched OpenStreetMap streets (``ladera network fetch medellin``, needs internet) gets
those instead of the bundled centre lines (tests/test_medellin_network.py). This test saves a
regular street grid over the Aburrá valley where the fetch would put it, then runs the bundled
Medellín scenarios on it: zones, estratos, official Metro and Metrocable lines and stations, bus
routes, Line K removed and restored. It proves the fetched path, not Medellín's numbers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pytest

from sim.city import load_city
from sim.network.arrays import Layer, TransitMode

ROOT = Path(__file__).resolve().parents[1]
SPACING_DEG = 0.0045  # about 500 m


def grid_graph(lon0: float, lat0: float, lon1: float, lat1: float) -> nx.MultiDiGraph:
    xs = np.arange(lon0, lon1 + SPACING_DEG, SPACING_DEG)
    ys = np.arange(lat0, lat1 + SPACING_DEG, SPACING_DEG)
    g = nx.MultiDiGraph(crs="EPSG:4326", simplified=False)
    node = {}
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            node[i, j] = len(node) + 1
            g.add_node(node[i, j], x=float(x), y=float(y), street_count=4)
    way = 1
    for (i, j), u in node.items():
        for di, dj in ((1, 0), (0, 1)):
            v = node.get((i + di, j + dj))
            if v is None:
                continue
            arterial = i % 6 == 0 or j % 6 == 0
            tags = {"highway": "primary" if arterial else "residential", "oneway": False,
                    "osmid": way, "name": f"Calle {j}" if di else f"Carrera {i}",
                    "length": float(ox.distance.great_circle(g.nodes[u]["y"], g.nodes[u]["x"],
                                                             g.nodes[v]["y"], g.nodes[v]["x"]))}  # fmt: skip
            g.add_edge(u, v, **tags)
            g.add_edge(v, u, **tags, reversed=True)
            way += 1
    return g


@pytest.fixture(scope="module")
def medellin_streets(tmp_path_factory):
    cache = Path(os.environ["LADERA_CACHE_DIR"])
    city = load_city("medellin")
    out = cache / "cities" / "medellin" / city.streets.fetched_name
    stations = json.loads(city.path("movilidad_metro_estaciones.geojson").read_text())
    pts = np.array([f["geometry"]["coordinates"] for f in stations["features"]])
    from sim.zones import load_zones

    zones = load_zones(city)
    lon = np.concatenate([pts[:, 0], zones.lon])
    lat = np.concatenate([pts[:, 1], zones.lat])
    keep = (lon > -75.70) & (lon < -75.45) & (lat > 6.10) & (lat < 6.40)
    g = grid_graph(lon[keep].min() - 0.01, lat[keep].min() - 0.01,
                   lon[keep].max() + 0.01, lat[keep].max() + 0.01)  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(g, out)
    yield out
    out.unlink(missing_ok=True)


@pytest.mark.timeout(900)
def test_line_k_against_2003_on_synthetic_streets(medellin_streets, tmp_path):
    from sim.network.cache import load_network, street_source
    from sim.runner import run_scenario
    from sim.scenario import load_scenario, with_overrides

    city = load_city("medellin")
    assert street_source(city).kind == "osm-fetched"  # the fetch wins over the centre lines
    net = load_network(city)
    cables = net.lines.name[net.lines.mode == TransitMode.CABLE]
    assert any("Metrocable K" in n for n in cables)
    assert (net.layer == Layer.CABLE).sum() > 0
    runs = {}
    for name in ("baseline_2003", "line_k"):
        s = load_scenario(ROOT / "scenarios" / "medellin" / f"{name}.toml")
        s = with_overrides(s, {"households": 3000, "days": 4})
        runs[name] = run_scenario(s, results=tmp_path, progress=False, figures=False,
                                  base_network=net).summary  # fmt: skip
    base, k = runs["baseline_2003"], runs["line_k"]
    assert base["mode_shares"]["cable"] == 0.0  # every cable line is out of service in 2003
    assert k["cable_boardings_per_hour"] > 0
    assert set(base["by_class"]) <= {"1", "2", "3", "4", "5", "6"}  # estratos
    assert k["interventions"][-1]["stations"][:1] == ["Acevedo"]
    assert k["capex"] == pytest.approx(129e9)  # COP of 2020
