"""Buses beside a busway or in a bus lane (sim/network/bus_lanes.py): which OSM ways count,
which drive edges run beside them, and that buses there do not slow with the cars."""

from __future__ import annotations

import bz2
from dataclasses import replace

import numpy as np
import pytest

from sim.network.arrays import Layer, NodeKind, assemble
from sim.network.bus_lanes import bus_only, has_bus_lane, mark_bus_lanes, read_busways
from tests.test_congestion import two_line_crowding

#: Porto Alegre's corridors as the bundled extract maps them (way "Corredor de Transporte
#: Coletivo Bento Gonçalves"), and a street buses merely use.
CORRIDOR = {"highway": "service", "access": "no", "bus": "designated"}
BUS_STREET = {"highway": "residential", "bus": "yes"}


def test_which_ways_are_for_buses_alone():
    assert bus_only(CORRIDOR)
    assert bus_only({"highway": "busway"})
    assert bus_only({"highway": "residential", "motor_vehicle": "no", "psv": "designated"})
    assert not bus_only(BUS_STREET)
    assert not bus_only({"highway": "service", "access": "no"})  # closed, not to buses
    assert has_bus_lane({"highway": "primary", "busway:right": "lane"})
    assert has_bus_lane({"highway": "primary", "bus:lanes": "|designated"})
    assert not has_bus_lane({"highway": "primary", "lanes": "3"})


OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="0.0" lon="0.0"/><node id="2" lat="0.0" lon="0.01"/>
 <node id="3" lat="0.001" lon="0.0"/><node id="4" lat="0.001" lon="0.01"/>
 <way id="10"><nd ref="1"/><nd ref="2"/>
  <tag k="highway" v="service"/><tag k="access" v="no"/><tag k="bus" v="designated"/></way>
 <way id="11"><nd ref="3"/><nd ref="4"/>
  <tag k="highway" v="primary"/><tag k="busway:right" v="lane"/></way>
 <way id="12"><nd ref="3"/><nd ref="1"/><tag k="highway" v="residential"/><tag k="bus" v="yes"/></way>
</osm>
"""


@pytest.mark.parametrize("name", ["x.osm", "x.osm.bz2"])
def test_busways_are_read_from_an_extract(tmp_path, name):
    path = tmp_path / name
    data = OSM.encode()
    path.write_bytes(bz2.compress(data) if name.endswith(".bz2") else data)
    lines, lanes = read_busways(path)
    assert len(lines) == 1
    np.testing.assert_allclose(lines[0], [[0.0, 0.0], [0.01, 0.0]])
    assert lanes == {11}


def _streets():
    """Drive edges near the equator (x: lon, 1e-4 deg ~ 11 m): 0 runs 11 m beside a busway
    along y = 0 from x = 0 to 0.01; 1 runs the other way 22 m from it; 2 is 110 m away; 3
    crosses it; 4 is beside it for a fifth of its length only; 5 lies on way 77."""
    x = [0.001, 0.009, 0.009, 0.001, 0.001, 0.009, 0.005, 0.005, 0.008, 0.03, 0.02, 0.03]
    y = [1e-4, 1e-4, -2e-4, -2e-4, 1e-3, 1e-3, -0.002, 0.002, 1e-4, 1e-4, 0.01, 0.01]
    nodes = {"x": x, "y": y, "node_kind": [NodeKind.DRIVE] * len(x)}
    tail, head = [0, 2, 4, 6, 8, 10], [1, 3, 5, 7, 9, 11]
    edges = {"layer": [Layer.DRIVE] * 6, "time_s": [60.0] * 6, "length_m": [900.0] * 6,
             "capacity": [1800.0] * 6, "lanes": [1.0] * 6, "wayid": [1, 2, 3, 4, 5, 77]}  # fmt: skip
    net, _ = assemble(nodes, tail, head, edges)
    pairs = zip(net.tail.tolist(), net.indices.tolist(), strict=True)
    return net, dict(zip(pairs, range(6), strict=True))


def test_drive_edges_beside_a_busway_or_on_a_bus_lane_way_are_marked():
    net, edge = _streets()
    busway = [np.array([[0.0, 0.0], [0.01, 0.0]])]
    lane = mark_bus_lanes(net, busway, {77})
    marked = {pair for pair, e in edge.items() if lane[e] > 0}
    assert marked == {(0, 1), (2, 3), (10, 11)}
    assert mark_bus_lanes(net, [], set()).sum() == 0.0


def test_buses_beside_a_busway_do_not_slow_with_the_cars():
    from sim.assign import NetworkCosts
    from sim.choice import ChoiceParams
    from sim.model.commute import DRIVE_MASK, TRANSIT_MASK, WALK_MASK
    from sim.network.blocks import block_graph

    base = two_line_crowding()
    drive = np.flatnonzero(base.layer == Layer.DRIVE)
    hop_roads = np.split(base.bus_hop_roads, base.bus_hop_indptr[1:-1])
    lane = np.zeros(base.n_edges)
    lane[hop_roads[0]] = 1.0  # the first hop runs beside a busway, the second with the cars
    times = {}
    for name, net in (("mixed", base), ("lane", replace(base, bus_lane=lane))):
        costs = NetworkCosts(net, block_graph(net, (WALK_MASK, DRIVE_MASK, TRANSIT_MASK)),
                             ChoiceParams())  # fmt: skip
        car = np.zeros(net.n_edges)
        car[drive] = 1500.0
        empty = costs.state(np.zeros(net.n_edges), np.zeros(net.n_edges)).time_s
        busy = costs.state(car, np.zeros(net.n_edges)).time_s
        times[name] = busy[net.bus_edges] / empty[net.bus_edges]
    assert times["mixed"][0] > 1.05 and times["mixed"][1] > 1.05
    assert times["lane"][0] == pytest.approx(1.0)
    assert times["lane"][1] == pytest.approx(times["mixed"][1])


def test_porto_alegres_corridors_are_found(poa_network):
    """The bundled extract's trunk corridors, and nothing like every avenue: Porto Alegre had
    56 km of corridors and 17 km of bus lanes in 2019 (O Sul, 13 Sep 2019), over the whole
    city; in directed edges a corridor counts twice (one carriageway each way)."""
    net = poa_network
    lane = net.bus_lane > 0
    assert np.all(net.layer[lane] == Layer.DRIVE)
    names = set(net.name[lane].tolist())
    for avenue in ("Avenida Bento Gonçalves", "Avenida Assis Brasil", "Avenida Protásio Alves",
                   "Avenida Farrapos", "Avenida João Pessoa", "Avenida Sertório"):  # fmt: skip
        assert avenue in names
    km = net.length_m[lane].sum() / 1000.0
    drive_km = net.length_m[net.layer == Layer.DRIVE].sum() / 1000.0
    assert 60.0 < km < 150.0 and km < 0.05 * drive_km
