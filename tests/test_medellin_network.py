"""Medellín built offline from its bundled data: the Malla Vial centre lines of the north-east,
the bus-route skeleton, connectors, the SRTM clip, the official lines and the bus routes.

The network is built once for the module (about a minute on two cores).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.city import load_city
from sim.geo import haversine_m
from sim.network.arrays import Layer, NodeKind, TransitMode

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def city():
    return load_city("medellin")


@pytest.fixture(scope="module")
def net(city):
    from sim.network.cache import load_network, street_source

    assert street_source(city).kind == "centrelines"  # nothing fetched in the test cache
    return load_network(city)


@pytest.fixture(scope="module")
def noded(city):
    from sim.network.streets_geojson import node_segments, read_centrelines

    assert city.streets.centrelines is not None
    files = [city.path(f) for f in city.streets.centrelines.files]
    lines = read_centrelines(files, city.metric_crs)
    return lines, node_segments(lines, snap_m=city.streets.centrelines.snap_m)


def test_built_from_the_bundle_with_every_layer(net):
    counts = net.summary()
    assert counts["nodes"]["walk"] > 8_000 and counts["nodes"]["drive"] > 6_000
    assert counts["lines_by_mode"]["bus"] > 400  # 282 routes, open ones both ways
    assert any("Metrocable K" in n for n in net.lines.name)
    report = net.meta["transit_report"]
    assert report["stops_dropped"] == 0 and report["bus_routes"]["stops_dropped"] == 0
    assert "centre lines" in net.meta["street_source"]
    x0, y0, x1, y1 = counts["bbox"]
    assert x0 < -75.65 and x1 > -75.45 and y0 < 6.1 and y1 > 6.4  # the whole valley


def _names_at(net, lon: float, lat: float, radius_m: float) -> list[set[str]]:
    """Street names at each street node within ``radius_m`` of a point."""
    street = np.isin(net.layer, [Layer.WALK, Layer.DRIVE])
    d = haversine_m(net.x, net.y, lon, lat)
    out = []
    for n in np.flatnonzero((d <= radius_m) & (net.node_kind != NodeKind.STOP)):
        edges = np.flatnonzero(street & ((net.tail == n) | (net.indices == n)))
        out.append({part for name in net.name[edges] for part in str(name).split("; ")})
    return out


#: Crossings in the published data where a street goes on across an expressway (or two
#: expressways cross) without a junction: the Autopista Norte, the Avenida Regional at
#: Acevedo, and the viaduct of the Autopista Medellín-Bogotá over metro line A, the Avenida
#: Regional Paralela and the Autopista Norte just north of Acevedo. (lon, lat) of the crossing.
CROSSINGS = [
    ("Autopista Norte", "Calle 111B", -75.561408, 6.303458),
    ("Autopista Norte", "Calle 111B", -75.561385, 6.303399),
    ("Autopista Norte", "Calle 94", -75.569525, 6.288141),
    ("Autopista Norte", "Calle 95", -75.569489, 6.288256),
    ("Autopista Norte", "Calle 120", -75.558579, 6.311460),
    ("Avenida Regional", "Calle 104", -75.559426, 6.299424),
    ("Autopista Medellín Bogotá", "Avenida Regional Paralela Al Rio", -75.557405, 6.310602),
    ("Autopista Medellín Bogotá", "Calle 121", -75.557691, 6.310847),
    ("Autopista Medellín Bogotá", "Autopista Norte", -75.558513, 6.311413),
]


@pytest.mark.parametrize(("upper", "lower", "lon", "lat"), CROSSINGS)
def test_named_level_crossings_stay_apart(net, noded, city, upper, lower, lon, lat):
    from pyproj import Transformer

    from sim.network.street_classes import normalise_name

    lines, result = noded
    x, y = Transformer.from_crs("EPSG:4326", city.metric_crs, always_xy=True).transform(lon, lat)
    hits = result.apart[np.hypot(result.apart[:, 0] - x, result.apart[:, 1] - y) < 1.0]
    pairs = {frozenset(normalise_name(lines.name[int(k)]) for k in row[2:]) for row in hits}
    assert frozenset({upper, lower}) in pairs  # the rule kept this crossing apart...
    for names in _names_at(net, lon, lat, radius_m=3.0):
        assert not {upper, lower} <= names  # ...and no street node there joins the two


def test_the_metro_viaduct_near_acevedo_touches_no_street(net):
    # metro line A passes under the Autopista Medellín-Bogotá here: rail is its own layer,
    # reached from the streets only at stations
    lon, lat = -75.557267, 6.310505
    street = net.node_kind != NodeKind.STOP
    assert haversine_m(net.x[street], net.y[street], lon, lat).min() > 20.0
    metro_a = np.flatnonzero(np.char.startswith(net.lines.name.astype(str), "Metro A"))
    stops = np.isin(net.stop_line, metro_a)
    assert set(net.stop_name[stops]) >= {"Acevedo", "Tricentenario", "Niquía", "La Estrella"}
    board = (net.layer == Layer.BOARD) & np.isin(net.edge_line, metro_a)
    assert set(net.tail[board]) <= set(net.stop_walk[stops])  # boarding only at its stations


def _line_k(net):
    li = int(np.flatnonzero(net.lines.name == "Metrocable K → Santo Domingo")[0])
    stops = np.flatnonzero(net.stop_line == li)
    return stops, net.stop_walk[stops]


def test_line_k_stations_snap_within_50_m(net):
    stops, walk = _line_k(net)
    assert list(net.stop_name[stops]) == ["Acevedo", "Andalucía", "Popular", "Santo Domingo"]
    node = net.stop_node[stops]
    gap = haversine_m(net.x[node], net.y[node], net.x[walk], net.y[walk])
    assert gap.max() <= 50.0, gap


def test_walking_up_to_santo_domingo_is_slower_than_down(net):
    _, walk = _line_k(net)
    acevedo, santo_domingo = int(walk[0]), int(walk[-1])
    assert net.elevation[santo_domingo] - net.elevation[acevedo] > 350  # SRTM: ~1,450 -> 1,850 m
    e = np.flatnonzero(net.layer == Layer.WALK)
    graph = csr_matrix((net.time_s[e], (net.tail[e], net.indices[e])), shape=(net.n_nodes,) * 2)
    t = dijkstra(graph, indices=[acevedo, santo_domingo])
    up, down = t[0, santo_domingo], t[1, acevedo]
    assert np.isfinite(up) and np.isfinite(down)
    assert up > 1.1 * down


def test_road_classes_and_directions_on_the_bundle(net):
    drive = net.layer == Layer.DRIVE
    autopista = drive & (net.name == "Autopista Norte")
    assert set(net.highway[autopista]) == {"trunk"}
    speed = 3.6 * net.length_m[autopista] / net.time_s[autopista]
    assert np.allclose(speed, 80.0, rtol=0.01)
    pairs = set(zip(net.tail[autopista].tolist(), net.indices[autopista].tolist(), strict=True))
    assert any((v, u) not in pairs for u, v in pairs)  # carriageways are one way
    assert not np.isin(net.highway[drive], ["footway", "pedestrian"]).any()
    walk = net.layer == Layer.WALK
    assert (net.highway[walk] == "footway").sum() > 1_000  # the hillside passages
    assert (net.highway[drive] == "primary").sum() > 100  # busy bus streets


def test_integrated_buses_meet_the_metro(net):
    bus = net.lines.mode == TransitMode.BUS
    systems = {v: k for k, v in net.meta["fare_systems"].items()}
    fare_system = np.array([systems[s] for s in net.lines.fare_system])
    integrated = bus & (fare_system == "metro")
    assert integrated.sum() > 30 and (bus & (fare_system == "tpc")).sum() > 200
    transfer = net.layer == Layer.TRANSFER
    to_line = net.edge_line[transfer]
    assert np.isin(to_line, np.flatnonzero(integrated)).any()  # metro -> feeder transfers
    assert set(net.lines.fare[integrated]) == {1400.0}


def test_homes_lie_on_the_streets_inside_their_zone(city, net):
    import shapely

    from sim.placement import zone_polygons
    from sim.population import synthesise
    from sim.zones import load_zones

    zones = load_zones(city)
    hh = synthesise(city, zones, net, 3000, np.random.default_rng(1))
    polygons = zone_polygons(city, zones)
    inside = [
        polygons[z] is None
        or shapely.contains_xy(polygons[z], net.x[n], net.y[n])
        or polygons[z].distance(shapely.Point(net.x[n], net.y[n])) < 0.003  # a connector's end
        for z, n in zip(hh.home_zone.tolist(), hh.home_node.tolist(), strict=True)
    ]
    assert np.mean(inside) > 0.97
    popular = int(np.flatnonzero(np.char.strip(zones.name.astype(str)) == "Popular")[0])
    homes = hh.home_node[hh.home_zone == popular]
    assert len(np.unique(homes)) > 0.5 * len(homes)  # spread over the hillside, not one node


@pytest.mark.timeout(600)
def test_line_k_against_2003_on_the_bundled_streets(net, tmp_path):
    from sim.runner import run_scenario
    from sim.scenario import load_scenario, with_overrides

    runs = {}
    for name in ("baseline_2003", "line_k"):
        s = load_scenario(ROOT / "scenarios" / "medellin" / f"{name}.toml")
        s = with_overrides(s, {"households": 2000, "choice.max_iterations": 10})
        result = run_scenario(s, results=tmp_path, progress=False, figures=False,
                              base_network=net)  # fmt: skip
        runs[name] = result
    base, k = runs["baseline_2003"].summary, runs["line_k"].summary
    assert base["cable_boardings_per_hour"] == 0.0
    assert k["cable_boardings_per_hour"] > 0
    assert base["mode_shares"]["bus"] > 0.05  # the 2013 buses run in 2003 too
    folder = runs["line_k"].path
    assert folder is not None
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "centre lines" in manifest["inputs"]["street_source"]
