"""The public skims API: validation, conversion, networks, and networkx as a reference."""

from __future__ import annotations

import gc

import networkx as nx
import numpy as np
import pytest

from sim.kernels.tree import accumulate, load_tree
from sim.network.arrays import (
    DRIVE_MASK,
    WALK_MASK,
    Layer,
    MultimodalNetwork,
    csr_from_edges,
    layer_mask,
)
from sim.routing import (
    _REVERSED,
    reversed_graph,
    shortest_times,
    shortest_tree,
    skim,
    skim_tree,
)


def random_csr(seed, n, m, zero_share=0.1):
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    weight = rng.uniform(1.0, 100.0, m)
    weight[rng.random(m) < zero_share] = 0.0
    indptr, order = csr_from_edges(n, tail, head)
    return indptr, head[order].astype(np.int32), weight[order], tail[order]


def network_from_edges(n, tail, head, layer, time_s):
    """A MultimodalNetwork with only what routing reads filled in meaningfully."""
    tail, head = np.asarray(tail), np.asarray(head)
    indptr, order = csr_from_edges(n, tail, head)
    m = tail.shape[0]
    return MultimodalNetwork(
        x=np.arange(n, dtype=float),
        y=np.zeros(n),
        node_kind=np.zeros(n, np.int8),
        osmid=np.arange(n, dtype=np.int64),
        elevation=np.full(n, np.nan),
        indptr=indptr,
        indices=head[order].astype(np.int32),
        tail=tail[order].astype(np.int32),
        layer=np.asarray(layer, np.int8)[order],
        time_s=np.asarray(time_s, float)[order],
        length_m=np.ones(m),
        capacity=np.full(m, np.inf),
        fare=np.zeros(m),
        edge_line=np.full(m, -1, np.int32),
        lanes=np.zeros(m),
        highway=np.full(m, "", dtype=object).astype(str),
        name=np.full(m, "", dtype=object).astype(str),
        wayid=np.full(m, -1, np.int64),
    )


@pytest.fixture
def town():
    """Five nodes: a walk path 0-1-2-3 both ways, a fast one-way drive road 0 -> 3 -> 4."""
    walk = [(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)]
    drive = [(0, 3), (3, 4)]
    edges = walk + drive
    layer = [Layer.WALK] * len(walk) + [Layer.DRIVE] * len(drive)
    time_s = [60.0] * len(walk) + [30.0, 40.0]
    tail = np.array([e[0] for e in edges])
    head = np.array([e[1] for e in edges])
    return network_from_edges(5, tail, head, layer, time_s)


# --- against networkx ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_shortest_times_match_networkx(seed):
    n, m = 60, 240
    indptr, indices, weight, tail = random_csr(seed, n, m)
    allowed = np.random.default_rng(seed + 100).random(m) < 0.85
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    for e in np.flatnonzero(allowed):
        g.add_edge(int(tail[e]), int(indices[e]), weight=float(weight[e]))
    sources = np.arange(0, n, 7)
    cutoff = 150.0 if seed % 2 else np.inf
    got = shortest_times(indptr, indices, weight, sources, allowed=allowed, cutoff=cutoff)
    for i, s in enumerate(sources):
        ref = np.full(n, np.inf)
        for v, d in nx.single_source_dijkstra_path_length(g, int(s), cutoff=cutoff).items():
            ref[v] = d
        np.testing.assert_allclose(got[i], ref, rtol=1e-12)


def test_targets_are_a_slice_of_the_full_result():
    indptr, indices, weight, _ = random_csr(7, 80, 300)
    sources = np.arange(0, 80, 3)
    targets = np.array([4, 4, 0, 79, 33])
    full = shortest_times(indptr, indices, weight, sources, cutoff=120.0)
    few = shortest_times(indptr, indices, weight, sources, cutoff=120.0, targets=targets)
    assert few.shape == (sources.shape[0], 5)
    assert np.array_equal(few, full[:, targets])


def test_reversed_distances_equal_forward_distances_on_the_transpose():
    n, m = 70, 280
    indptr, indices, weight, tail = random_csr(3, n, m)
    net = network_from_edges(n, tail, indices, np.full(m, Layer.WALK), weight)
    dests = np.array([0, 5, 69])
    to_dest = skim(net, net.time_s, dests, mask=WALK_MASK)  # reverse=True
    from_all = skim(net, net.time_s, np.arange(n), mask=WALK_MASK, reverse=False)
    np.testing.assert_allclose(to_dest, from_all[:, dests].T, rtol=1e-12)
    transposed = csr_from_edges(n, net.indices, net.tail)
    t_indptr, t_order = transposed
    on_transpose = shortest_times(t_indptr, net.tail[t_order], net.time_s[t_order], dests)
    np.testing.assert_allclose(to_dest, on_transpose, rtol=1e-12)


# --- networks --------------------------------------------------------------------------------


def test_skim_selects_layers_by_mask(town):
    walk = skim(town, town.time_s, [4, 3], mask=WALK_MASK)
    assert walk[1].tolist() == [180.0, 120.0, 60.0, 0.0, np.inf]
    assert np.isinf(walk[0, :4]).all()
    both = skim(town, town.time_s, [4, 3], mask=WALK_MASK | DRIVE_MASK)
    assert both[0].tolist() == [70.0, 130.0, 100.0, 40.0, 0.0]  # 1 walks to 0 then drives
    assert both[1].tolist() == [30.0, 90.0, 60.0, 0.0, np.inf]
    forward = skim(town, town.time_s, [0], mask=layer_mask(Layer.DRIVE), reverse=False)
    assert forward[0].tolist() == [0.0, np.inf, np.inf, 30.0, 70.0]
    assert np.isinf(skim(town, town.time_s, [4], mask=0)[0, :4]).all()


def test_reverse_tree_loads_trips_to_a_destination(town):
    tree = skim_tree(town, town.time_s, 3, mask=WALK_MASK | DRIVE_MASK)
    assert tree.reverse and tree.root == 3 and tree.order[0] == 3
    assert tree.dist.tolist() == [30.0, 90.0, 60.0, 0.0, np.inf]
    cost = np.zeros(5)
    accumulate(tree.order, tree.order.shape[0], tree.pred, town.indices, town.time_s, cost)
    assert np.array_equal(cost[:4], tree.dist[:4])
    flow = np.zeros(town.n_edges)
    trips = np.array([10.0, 1.0, 2.0, 5.0, 7.0])  # node 4 cannot reach 3; node 3 is the root
    loaded = load_tree(tree.order, tree.order.shape[0], tree.pred, town.indices, trips, flow)
    assert loaded == 13.0
    by_edge = {(int(town.tail[e]), int(town.indices[e])): flow[e] for e in range(town.n_edges)}
    assert by_edge[(0, 3)] == 11.0  # node 1 walks to 0 and drives with node 0's trips
    assert by_edge[(1, 0)] == 1.0
    assert by_edge[(2, 3)] == 2.0
    assert sum(by_edge.values()) == 14.0


def test_reversed_csr_is_cached_per_network(town):
    first = reversed_graph(town)
    assert reversed_graph(town) is first
    assert town in _REVERSED
    other = town.with_edges(time_s=town.time_s * 2)
    assert reversed_graph(other) is not first
    n_cached = len(_REVERSED)
    del other
    gc.collect()
    assert len(_REVERSED) == n_cached - 1


def test_shortest_tree_forward():
    indptr = np.array([0, 2, 3, 3])
    indices = np.array([1, 2, 2], np.int32)
    tree = shortest_tree(indptr, indices, [1.0, 5.0, 1.0], 0)
    assert tree.dist.tolist() == [0.0, 1.0, 2.0]
    assert tree.pred.tolist() == [-1, 0, 2]
    assert tree.order.tolist() == [0, 1, 2]
    assert not tree.reverse


# --- conversion and validation ---------------------------------------------------------------


def test_inputs_are_converted_once():
    got = shortest_times([0, 1, 2, 2], [1, 2], np.array([5, 7], np.int32), 0, allowed=[True, False])
    assert got.dtype == np.float64 and got.shape == (1, 3)
    assert got.tolist() == [[0.0, 5.0, np.inf]]
    rindptr = np.array([0, 0, 1, 2], np.int32)
    got = shortest_times(rindptr, np.array([0, 1], np.int64), [5.0, 7.0], [2], eid=[0, 1])
    assert got.tolist() == [[12.0, 7.0, 0.0]]
    assert shortest_times([0, 0], [], [], []).shape == (0, 1)


GOOD = {"indptr": [0, 1, 2, 2], "indices": [1, 2], "weight": [5.0, 7.0], "sources": [0]}


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"weight": [5.0, -1.0]}, "weight"),
        ({"weight": [np.nan, 1.0]}, "weight"),
        ({"weight": [1.0]}, "weight"),
        ({"weight": ["a", "b"]}, "weight"),
        ({"sources": [3]}, "sources"),
        ({"sources": [-1]}, "sources"),
        ({"sources": [0.5]}, "sources"),
        ({"sources": [[0]]}, "sources"),
        ({"indptr": [0, 2, 1, 2]}, "indptr"),
        ({"indptr": [0, 1, 2, 3]}, "indptr"),
        ({"indices": [1, 5]}, "indices"),
        ({"allowed": [1, 1, 1]}, "allowed"),
        ({"allowed": [0.5, 1.0]}, "allowed"),
        ({"eid": [0, 2]}, "eid"),
        ({"eid": [0]}, "eid"),
        ({"cutoff": -1.0}, "cutoff"),
        ({"cutoff": np.nan}, "cutoff"),
        ({"cutoff": "far"}, "cutoff"),
        ({"targets": [0, 9]}, "targets"),
    ],
)
def test_bad_input_names_the_argument(changes, name):
    kwargs = {**GOOD, **changes}
    with pytest.raises(ValueError, match=f"`{name}`") as info:
        shortest_times(
            kwargs.pop("indptr"),
            kwargs.pop("indices"),
            kwargs.pop("weight"),
            kwargs.pop("sources"),
            **kwargs,
        )
    assert "\n" not in str(info.value)


def test_skim_validates_mask_and_weight(town):
    with pytest.raises(ValueError, match="`mask`"):
        skim(town, town.time_s, [0], mask=-1)
    with pytest.raises(ValueError, match="`mask`"):
        skim(town, town.time_s, [0], mask=True)
    with pytest.raises(ValueError, match="`weight`"):
        skim(town, town.time_s[:-1], [0], mask=WALK_MASK)
    with pytest.raises(ValueError, match="`network`"):
        skim("town", town.time_s, [0], mask=WALK_MASK)
    with pytest.raises(ValueError, match="`source`"):
        skim_tree(town, town.time_s, 9, mask=WALK_MASK)
