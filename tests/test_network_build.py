"""The multimodal arrays: street layers equal the graphs they came from, transit links are
consistent, the cache hits, misses and invalidates as it should."""

from __future__ import annotations

import copy

import networkx as nx
import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.network import cache as cache_mod
from sim.network.arrays import Layer, NodeKind, lines_in_service
from sim.network.build import MAX_WAIT_S, add_lines, build_network, with_transfer_fares
from sim.network.edit import extend
from sim.network.load import street_graphs
from sim.network.transit import GtfsOptions, cable_line, read_gtfs
from tests.toy import cheapest_fare, two_line_network


def layer_matrix(net, layer):
    e = np.flatnonzero(net.layer == layer)
    # parallel edges: keep the fastest, as networkx's shortest path does
    order = np.argsort(-net.time_s[e])
    e = e[order]
    m = {}
    for k in e:
        m[(int(net.tail[k]), int(net.indices[k]))] = net.time_s[k]
    rows, cols = zip(*m.keys(), strict=True)
    return csr_matrix((list(m.values()), (rows, cols)), shape=(net.n_nodes, net.n_nodes))


@pytest.fixture(scope="module")
def mini_graphs(mini_city):
    return street_graphs(mini_city.path(mini_city.streets.osm))


@pytest.mark.parametrize("kind", ["walk", "drive"])
def test_arrays_reproduce_networkx_shortest_paths(mini_graphs, kind):
    walk, drive = mini_graphs
    graph, layer, weight = (
        (walk, Layer.WALK, "walk_time") if kind == "walk" else (drive, Layer.DRIVE, "travel_time")
    )
    net = build_network(walk, drive, [])
    node_of = {
        int(o): i for i, o in enumerate(net.osmid) if net.node_kind[i] == NodeKind[kind.upper()]
    }
    rng = np.random.default_rng(0)
    osm_ids = list(graph.nodes)
    sources = rng.choice(len(osm_ids), 15, replace=False)
    matrix = layer_matrix(net, layer)
    for s in sources:
        expected = nx.single_source_dijkstra_path_length(graph, osm_ids[s], weight=weight)
        got = dijkstra(matrix, indices=node_of[int(osm_ids[s])])
        targets = rng.choice(len(osm_ids), 30)
        for t in targets:
            assert got[node_of[int(osm_ids[t])]] == pytest.approx(expected[osm_ids[t]], rel=1e-9)


def test_bundled_city_arrays_match_networkx(poa_city, poa_network):
    """On the real Porto Alegre network: drive times from the arrays equal networkx's."""
    _, drive = street_graphs(
        poa_city.path(poa_city.streets.osm),
        elevation_path=poa_city.path(poa_city.streets.elevation),
    )
    net = poa_network
    node_of = {int(o): i for i, o in enumerate(net.osmid) if net.node_kind[i] == NodeKind.DRIVE}
    matrix = layer_matrix(net, Layer.DRIVE)
    rng = np.random.default_rng(1)
    ids = list(drive.nodes)
    for s in rng.choice(len(ids), 5, replace=False):
        expected = nx.single_source_dijkstra_path_length(drive, ids[s], weight="travel_time")
        got = dijkstra(matrix, indices=node_of[int(ids[s])])
        for t in rng.choice(len(ids), 50):
            assert got[node_of[int(ids[t])]] == pytest.approx(expected[ids[t]], rel=1e-9)


def test_transit_links_follow_the_lines(mini_network):
    net = mini_network
    assert net.lines.n > 0
    for li in range(net.lines.n):
        hops = np.flatnonzero((net.edge_line == li) & (net.layer == net.lines.mode[li]))
        boards = np.flatnonzero((net.edge_line == li) & (net.layer == Layer.BOARD))
        alights = np.flatnonzero((net.edge_line == li) & (net.layer == Layer.ALIGHT))
        stops = np.flatnonzero(net.stop_line == li)
        assert hops.size == boards.size == alights.size == stops.size - 1
        # boarding from the street carries the fare and half the headway (capped)
        wait = min(net.lines.headway_s[li] / 2, MAX_WAIT_S)
        assert np.allclose(net.time_s[boards], wait)
        assert np.allclose(net.fare[boards], net.lines.fare[li])
        assert (net.node_kind[net.tail[boards]] == NodeKind.WALK).all()
        # every hop's road path starts and ends near its stops (buses run on the roads)
        for e in hops:
            k = np.flatnonzero(net.bus_edges == e)
            assert k.size == 1


def test_bus_hops_follow_connected_roads(mini_network):
    net = mini_network
    for k in range(net.bus_edges.size):
        roads = net.bus_hop_roads[net.bus_hop_indptr[k] : net.bus_hop_indptr[k + 1]]
        assert (net.layer[roads] == Layer.DRIVE).all()
        # consecutive road edges share a node: the path is connected
        assert (net.indices[roads[:-1]] == net.tail[roads[1:]]).all()


def test_cable_line_added_with_transfers_and_capacity(mini_network):
    net = mini_network
    a, b = (-51.162, -30.075), (-51.178, -30.060)
    up, down = cable_line("test cable", [a[0], b[0]], [a[1], b[1]], stop_names=("Top", "Bottom"),
                          fare=4.7, fare_system="eptc")  # fmt: skip
    new, report = add_lines(net, [up, down], max_snap_m=300, clip=False)
    cable = np.flatnonzero(new.layer == Layer.CABLE)
    assert cable.size == 2
    assert new.capacity[cable] == pytest.approx(3600 / 12 * 10)  # default: a cabin every 12 s
    assert report["max_snap_m"] <= 300
    # the old network is untouched and its edges survive with the same attributes
    assert net.n_edges + 2 + 2 + 2 <= new.n_edges
    assert np.isclose(np.sort(new.time_s[new.layer == Layer.DRIVE]),
                      np.sort(net.time_s[net.layer == Layer.DRIVE])).all()  # fmt: skip
    # bus road paths are remapped to the same roads
    old_roads = np.sort(net.time_s[net.bus_hop_roads])
    assert np.allclose(np.sort(new.time_s[new.bus_hop_roads]), old_roads)


def test_cache_miss_then_hit_then_invalidated(mini_dir, tmp_path, monkeypatch):
    from sim.city import load_city

    monkeypatch.setenv("LADERA_CACHE_DIR", str(tmp_path / "cache"))
    city = load_city(mini_dir / "city.toml")
    assert cache_mod.cache_state(city) == "miss"
    first = cache_mod.load_network(city)
    assert first.meta["cache"] == "miss"
    assert cache_mod.cache_state(city) == "hit"
    second = cache_mod.load_network(city)
    assert second.meta["cache"] == "hit"
    for name in ("indptr", "indices", "time_s", "capacity", "bus_hop_roads", "stop_walk"):
        assert np.array_equal(getattr(first, name), getattr(second, name))
    assert np.array_equal(first.lines.name, second.lines.name)
    # changing an input file changes the key: the old entry is not used
    gtfs = mini_dir / "mini_gtfs.zip"
    gtfs.write_bytes(gtfs.read_bytes() + b"\0")  # still a valid zip? no: a new hash either way
    assert cache_mod.cache_state(load_city(mini_dir / "city.toml")) == "miss"


def test_failed_write_leaves_no_entry(mini_network, tmp_path, monkeypatch):
    target = tmp_path / "entry.npz"

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError):
        cache_mod.write_npz(mini_network, target)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_entry_is_rebuilt(mini_dir, tmp_path, monkeypatch):
    from sim.city import load_city

    monkeypatch.setenv("LADERA_CACHE_DIR", str(tmp_path / "cache"))
    city = load_city(mini_dir / "city.toml")
    path = cache_mod.entry_path(city)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an npz")
    net = cache_mod.load_network(city)
    assert net.meta["cache"] == "miss"
    assert cache_mod.read_npz(path).n_edges == net.n_edges


def test_gtfs_lines_clip_to_the_extract(mini_city, mini_network):
    lines = read_gtfs(mini_city.path("mini_gtfs.zip"), GtfsOptions(fare=4.7, fare_system="eptc"))
    report = mini_network.meta["transit_report"]
    assert report["lines_in"] == len(lines)
    assert report["lines_kept"] == mini_network.lines.n


def test_add_lines_leaves_the_input_meta_alone():
    net = two_line_network()
    before = copy.deepcopy(net.meta)
    up, down = cable_line("C", [0.0, 0.02], [0.0, 0.0], stop_names=("W0", "W2"), fare=1.0,
                          fare_system="own")  # fmt: skip
    new, _ = add_lines(net, [up, down], max_snap_m=1.0)
    assert net.meta == before == {"fare_systems": {"s": 0}}
    assert new.meta["fare_systems"] == {"s": 0, "own": 1}
    assert new.meta is not net.meta
    assert list(new.lines.fare_system) == [0, 0, 0, 0, 1, 1]


def test_extend_keeps_long_text_whole():
    net = two_line_network()
    name = "Avenida " + "muito " * 20 + "comprida"
    assert len(name) > net.name.dtype.itemsize // 4  # longer than any name so far
    new, new_id = extend(net, tail=np.array([0]), head=np.array([2]),
                         edges={"layer": int(Layer.DRIVE), "time_s": 1.0, "name": name,
                                "highway": "primary"})  # fmt: skip
    assert new.name[new_id[-1]] == name and new.highway[new_id[-1]] == "primary"
    assert new.meta == net.meta and new.meta is not net.meta


# -- integrated fares, fare systems, lines in service ------------------------------------------
# On the toy of tests/toy.py: line A (fare 1) W0 <-> W1, line B (fare 3) W1 <-> W2, one fare
# system. A trip pays its dearest leg: A then B pays 1 + (3 - 1) = 3, B then A 3 + 0 = 3, B
# alone 3, A alone 1. Before integrated fares were derived, A then B cost 1 (B rode free).


def test_integrated_transfer_pays_the_dearer_fare():
    net = two_line_network(fare_a=1.0, fare_b=3.0)
    assert cheapest_fare(net, 0, 2) == pytest.approx(3.0)  # A then B
    assert cheapest_fare(net, 2, 0) == pytest.approx(3.0)  # B then A
    assert cheapest_fare(net, 1, 2) == pytest.approx(3.0)  # B alone
    assert cheapest_fare(net, 0, 1) == pytest.approx(1.0)  # A alone
    # edge by edge: boarding B from the paid area costs 2 after A (level 1) and 0 after B
    # (level 3); boarding A costs nothing at either level (onto a level-3 copy of A after B)
    transfer = np.flatnonzero(net.layer == Layer.TRANSFER)
    to_b = np.isin(net.edge_line[transfer], [2, 3])
    assert set(np.round(net.fare[transfer[to_b]], 9)) == {0.0, 2.0}
    assert np.allclose(net.fare[transfer[~to_b]], 0.0)
    assert (net.stop_base >= 0).sum() == 4  # A's two directions copied at level 3
    rebuilt = with_transfer_fares(net)
    assert rebuilt.n_edges == net.n_edges and np.allclose(np.sort(rebuilt.fare), np.sort(net.fare))


def test_equal_fares_transfer_free():
    net = two_line_network(fare_a=2.0, fare_b=2.0)
    assert np.allclose(net.fare[net.layer == Layer.TRANSFER], 0.0)
    assert cheapest_fare(net, 0, 2) == pytest.approx(2.0)


def test_lines_in_service():
    net = two_line_network()
    assert lines_in_service(net).tolist() == [True, True, True, True]
    time_s = net.time_s.copy()
    board = net.layer == Layer.BOARD
    time_s[board & (net.edge_line == 2)] = np.inf  # B → cannot be boarded
    time_s[board & (net.edge_line == 3) & (net.tail == 2)] = np.inf  # nor B ← at W2
    out = lines_in_service(net.with_edges(time_s=time_s))
    assert out.dtype == np.bool_ and out.tolist() == [True, True, False, False]
    # one finite boarding edge is enough
    time_s[np.flatnonzero(board & (net.edge_line == 2))[0]] = 30.0
    assert lines_in_service(net.with_edges(time_s=time_s)).tolist() == [True, True, True, False]
