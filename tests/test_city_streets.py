"""Streets from a city's own centre lines, on hand-made pieces: snapping and noding, level
crossings, road classes, the bus-route skeleton, connectors and bus stops."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sim.network.bus_routes import BusRoute, BusService, bus_lines, stop_positions
from sim.network.skeleton import CIRCUITY, bus_skeleton, connectors
from sim.network.street_classes import (
    carriageway_direction,
    count_routes_along,
    normalise_name,
    street_class,
)
from sim.network.streets_geojson import Centrelines, node_segments


def centrelines(*rows: tuple[str, list[tuple[float, float]]]) -> Centrelines:
    return Centrelines(
        geometry=np.array([shapely.LineString(xy) for _, xy in rows], dtype=object),
        name=np.array([name for name, _ in rows], dtype=object),
        kind=np.array([name.split()[0] for name, _ in rows], dtype=object),
        source=np.zeros(len(rows), np.int64),
    )


def nodes_of(noded, seg: int) -> set[tuple[float, float, int]]:
    """The nodes (coordinate to the centimetre, level) along one noded segment."""
    xy, levels = noded.coords[seg], noded.levels[seg]
    return {(round(x, 2), round(y, 2), int(v)) for (x, y), v in zip(xy, levels, strict=True)}


# ---------------------------------------------------------------------------- snapping, noding
def test_a_junction_that_misses_by_two_metres_is_snapped_and_the_street_split():
    lines = centrelines(("CL 1", [(0, 0), (100, 0)]), ("CR 2", [(50, 60), (50, 2)]))
    noded = node_segments(lines, snap_m=3.0)
    shared = nodes_of(noded, 0) & nodes_of(noded, 1)
    assert shared == {(50.0, 0.0, 0)}  # CR 2 ends on CL 1, which got a vertex there
    assert noded.report["snapped_ends"] == 1


def test_a_dead_end_farther_than_the_snapping_distance_stays_a_dead_end():
    lines = centrelines(("CL 1", [(0, 0), (100, 0)]), ("CR 2", [(50, 60), (50, 5)]))
    noded = node_segments(lines, snap_m=3.0)
    assert not nodes_of(noded, 0) & nodes_of(noded, 1)


def test_ends_a_few_centimetres_apart_are_one_point():
    lines = centrelines(("CL 1", [(0, 0), (50, 0)]), ("CL 1", [(50.2, 0.1), (100, 0)]))
    noded = node_segments(lines)
    assert nodes_of(noded, 0) & nodes_of(noded, 1)


def test_a_crossing_drawn_with_a_vertex_is_a_junction():
    lines = centrelines(
        ("CL 1", [(0, 0), (49, 0), (100, 0)]),  # a vertex 1 m from the crossing
        ("CR 2", [(50, -50), (50, 50)]),
    )
    noded = node_segments(lines)
    assert (50.0, 0.0, 0) in nodes_of(noded, 0) & nodes_of(noded, 1)
    assert noded.report["crossings_noded"] == 1


def test_a_crossing_drawn_without_any_vertex_is_a_bridge():
    lines = centrelines(("CL 1", [(0, 0), (100, 0)]), ("CR 2", [(50, -50), (50, 50)]))
    noded = node_segments(lines)
    assert not nodes_of(noded, 0) & nodes_of(noded, 1)
    assert noded.apart[:, :2].tolist() == [[50.0, 0.0]]


def test_a_street_that_goes_on_across_an_expressway_never_meets_it():
    lines = centrelines(
        ("AUTOPISTA NORTE", [(0, 0), (50, 0), (100, 0)]),  # a vertex right at the crossing
        ("CL 111B", [(50, -50), (50, 0)]),  # split on the bridge...
        ("CL 111B", [(50, 0), (50, 50)]),  # ...and going on
        ("CR 64", [(80, 40), (80, 1.5)]),  # a ramp-like end 1.5 m from the expressway
    )
    noded = node_segments(lines)
    bridge = nodes_of(noded, 1) & nodes_of(noded, 2)
    assert bridge == {(50.0, 0.0, 0)}  # the two halves of the bridge meet each other...
    assert not nodes_of(noded, 0) & (nodes_of(noded, 1) | nodes_of(noded, 2))  # ...not it
    assert nodes_of(noded, 0) & nodes_of(noded, 3) == {(80.0, 0.0, 1)}  # the end joins it


def test_two_expressways_cross_without_a_vertex_at_different_levels():
    lines = centrelines(
        ("AUTOPISTA NORTE", [(0, 0), (100, 0)]),
        ("Autopista Medellín Bogotá", [(50, -50), (50, 50)]),
    )
    noded = node_segments(lines)
    assert not nodes_of(noded, 0) & nodes_of(noded, 1)


# ------------------------------------------------------------------------------ road classes
@pytest.mark.parametrize(
    ("name", "kind", "routes", "expected"),
    [
        ("AUTOPISTA NORTE", "AUTOPISTA", 12, "trunk"),
        ("AVENIDA REGIONAL", "AVENIDA", 0, "trunk"),
        ("AVENIDA REGIONAL PARALELA", "AVENIDA", 0, "secondary"),  # a named avenue
        ("AVENIDA ORIENTAL", "AVENIDA", 9, "primary"),
        ("CL 107", "CL", 8, "primary"),
        ("CL 107", "CL", 3, "secondary"),
        ("CL 107", "CL", 1, "tertiary"),
        ("CL 107", "CL", 0, "residential"),
        ("SR 42B #121-42", "SR", 0, "footway"),
        ("SR 42B", "SR", 1, "footway"),  # one route beside a passage is a drawing offset
        ("CR 49 #96-59", "CR", 9, "primary"),  # an address name, but nine routes use it
        ("CL 120 #49C-49", "CL", 0, "footway"),
        ("PEATONAL", "PEATONAL", 0, "pedestrian"),
    ],
)
def test_road_class_rules(name, kind, routes, expected):
    assert street_class(name, kind, routes) == expected


def test_names_read_like_street_names():
    assert normalise_name("CL 107") == "Calle 107"
    assert normalise_name("CR 42B") == "Carrera 42B"
    assert normalise_name("AUTOPISTA NORTE") == "Autopista Norte"
    assert normalise_name("SR 42B #121-42") == "Servidumbre 42B #121-42"
    assert normalise_name(None) == ""


def test_routes_count_along_a_street_not_across_it():
    street = shapely.LineString([(0, 0), (100, 0)])
    along = shapely.LineString([(-200, 8), (300, 8)])  # drawn 8 m off the centre line
    across = shapely.LineString([(50, -200), (50, 200)])
    far = shapely.LineString([(-200, 60), (300, 60)])
    assert count_routes_along([street], [along, along, across, far]).tolist() == [2]


def test_carriageways_are_one_way_keeping_right():
    east = shapely.LineString([(0, 0), (500, 0)])  # the southern carriageway, drawn eastwards
    west = shapely.LineString([(0, 25), (500, 25)])  # the northern one, also drawn eastwards
    alone = shapely.LineString([(0, 500), (500, 500)])
    names = ["AUTOPISTA NORTE"] * 2 + ["AUTOPISTA MEDELLIN BOGOTA"]
    # traffic keeps right: eastbound on the southern one (twin on its left), westbound north
    assert carriageway_direction([east, west, alone], names).tolist() == [1, -1, 0]


# ----------------------------------------------------------------------- skeleton, connectors
def test_routes_drawn_apart_on_one_street_become_one_road_and_crossings_junctions():
    a = shapely.LineString([(0, 0), (1000, 0)])
    b = shapely.LineString([(0, 9), (1000, 9)])  # the same street, drawn 9 m away
    c = shapely.LineString([(500, -400), (500, 400)])  # a cross street
    pieces, info = bus_skeleton([a, b, c], ["A", "B", "C"], [], np.empty((0, 2)), np.empty(0, bool))
    xy = np.vstack([p for p in pieces.coords])
    assert np.abs(xy[:, 1]).max() > 300  # the cross street is there
    along = [p for p in pieces.coords if abs(p[0, 1]) < 40 and abs(p[1, 1]) < 40]
    assert all(t["highway"] == "tertiary" for t in pieces.tags)  # <= 2 routes per road
    # one road along y ~ 0: its points are all within the merge radius of the first route
    assert np.abs(np.vstack(along)[:, 1]).max() <= 9.0
    ends = {tuple(np.round(p, 6)) for piece in pieces.coords for p in piece}
    on_both = [e for e in ends if abs(e[0] - 500) <= 30 and abs(e[1]) <= 30]
    assert on_both  # the cross street meets the road
    assert info["skeleton_links"] >= 2


def test_far_places_are_connected_nearest_first():
    network = np.array([[0.0, 0.0], [100.0, 0.0]])
    places = np.array([[150.0, 0.0], [5000.0, 0.0], [9000.0, 0.0]])  # near, far, farther
    pieces, far = connectors(places, network)
    assert far.tolist() == [False, True, True]
    assert len(pieces.coords) == 2
    # the farthest place joins the far one, not the network 9 km away
    assert pieces.coords[1].tolist() == [[9000.0, 0.0], [5000.0, 0.0]]
    assert pieces.tags[1]["length"] == pytest.approx(4000 * CIRCUITY)


# -------------------------------------------------------------------------------- bus stops
def test_stops_every_300_m_with_one_at_each_station():
    pos = stop_positions(1000.0, np.array([420.0]), 300.0)
    assert pos[0] == 0.0 and pos[-1] == 1000.0
    assert 420.0 in pos.tolist()
    assert np.diff(pos).max() <= 300.0 + 1e-9
    assert len(pos) == 5  # 0, 210, 420, 710, 1000


SERVICE = BusService(
    stop_spacing_m=300.0, station_stop_m=150.0, headway_s=360.0, vehicle_capacity=60.0,
    speed_mps=6.0, dwell_s=20.0, fare=2300.0, fare_system="tpc", integrated_kinds=("RI",),
    integrated_fare=1400.0, integrated_fare_system="metro",
)  # fmt: skip


def route(number: str, kind: str, lonlat: list[tuple[float, float]], oid: int = 1) -> BusRoute:
    return BusRoute(oid, f"R{oid}", number, "TEST", kind, (np.array(lonlat, float),))


def test_bus_lines_follow_the_stated_rules():
    # about 1.2 km east-west along the equator, in a metric CRS of degrees x 111 km
    crs = "EPSG:3857"
    open_route = route("RUTA 002-I", "RI", [(0.0, 0.0), (0.011, 0.0)], oid=1)
    loop = route("RUTA 010 BUS", "RU", [(0.0, 0.0), (0.005, 0.0), (0.005, 0.005), (0.0, 0.0)], 2)
    micro = route("RUTA 010 MICRO", "RU", [(0.0, 0.0), (0.004, 0.0), (0.0, 0.0001)], 3)
    sunday = route("RUTA 010 DOMINGOS Y FESTIVOS", "RU", [(0.0, 0.0), (0.01, 0.0)], 4)
    station = np.array([[0.006 * 111_319.49, 50.0]])  # 50 m off the open route
    lines = bus_lines([open_route, loop, micro, sunday], SERVICE, station, ["Acevedo"], crs=crs)
    by_route = {}
    for ln in lines:
        by_route.setdefault(ln.route_id.split("#")[0], []).append(ln)
    assert set(by_route) == {"R1", "R2", "R3"}  # the Sunday variant does not run at the peak
    assert len(by_route["R1"]) == 2 and len(by_route["R2"]) == 1  # open: both ways; loop: one
    there = by_route["R1"][0]
    assert there.fare_system == "metro" and there.fare == 1400.0  # integrated with the metro
    assert by_route["R2"][0].fare_system == "tpc" and by_route["R2"][0].fare == 2300.0
    assert there.headway_s == 360.0
    assert by_route["R2"][0].headway_s == 720.0  # bus and micro variants share route 010
    assert "Acevedo (bus)" in there.stop_names  # a stop where it passes the station
    assert np.diff(there.hop_length_m).size == there.n_stops - 2
    assert there.hop_length_m.max() <= 300.0 + 1e-6
    assert there.run_time_s[0] == pytest.approx(there.hop_length_m[0] / 6.0 + 20.0)
