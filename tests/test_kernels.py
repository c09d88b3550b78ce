"""The shortest-path kernels against independent references (scipy, brute force)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from sim.kernels.dijkstra import multi_sssp, multi_sssp_targets, sssp
from sim.kernels.tree import accumulate, load_tree
from sim.network.arrays import reverse_csr

ROOT = Path(__file__).resolve().parents[1]


# --- graphs and references ------------------------------------------------------------------


class Graph:
    """A random directed multigraph in CSR order, with everything the kernels take."""

    def __init__(self, n, tail, head, weight, allowed):
        order = np.argsort(tail, kind="stable")
        self.n = n
        self.tail = np.asarray(tail, np.int32)[order]
        self.indices = np.asarray(head, np.int32)[order]
        self.weight = np.asarray(weight, np.float64)[order]
        self.allowed = np.asarray(allowed, np.uint8)[order]
        self.indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(self.tail, minlength=n), out=self.indptr[1:])
        self.eid = np.arange(self.m, dtype=np.int64)

    @property
    def m(self):
        return int(self.indices.shape[0])

    def forward(self):
        return self.indptr, self.indices, self.eid, self.weight, self.allowed

    def reverse(self):
        rindptr, rindices, redge = reverse_csr(self.indptr, self.indices, self.n)
        return rindptr, rindices, redge, self.weight, self.allowed

    def scipy_matrix(self, transpose=False):
        """Usable edges only, self-loops dropped, parallel edges reduced to the cheapest.

        scipy would *sum* duplicate entries when building the matrix, so they are removed first.
        Explicit zeros stay: scipy's csgraph treats them as zero-weight edges of a sparse graph.
        """
        keep = (self.allowed != 0) & (self.tail != self.indices) & np.isfinite(self.weight)
        t, h, w = self.tail[keep], self.indices[keep], self.weight[keep]
        if transpose:
            t, h = h, t
        best = {}
        for a, b, c in zip(t.tolist(), h.tolist(), w.tolist(), strict=True):
            best[a, b] = min(c, best.get((a, b), np.inf))
        rows = np.array([k[0] for k in best], np.int64)
        cols = np.array([k[1] for k in best], np.int64)
        data = np.array(list(best.values()), np.float64)
        return sp.csr_array((data, (rows, cols)), shape=(self.n, self.n))


def run_sssp(indptr, indices, eid, weight, allowed, source, cutoff=np.inf):
    n = indptr.shape[0] - 1
    dist = np.full(n, -7.0)
    pred = np.full(n, -7, np.int64)
    order = np.full(n, -7, np.int32)
    n_settled = sssp(indptr, indices, eid, weight, allowed, source, cutoff, dist, pred, order)
    return dist, pred, order, n_settled


WEIGHTS = st.one_of(
    st.integers(0, 9).map(float),  # exact sums, ties, zero-weight edges
    st.floats(0.0, 50.0, allow_nan=False, allow_infinity=False),
    st.just(np.inf),
)


@st.composite
def graphs(draw, max_nodes=12, max_edges=40):
    n = draw(st.integers(1, max_nodes))
    m = draw(st.integers(0, max_edges))
    nodes = st.integers(0, n - 1)
    tail = draw(st.lists(nodes, min_size=m, max_size=m))
    head = draw(st.lists(nodes, min_size=m, max_size=m))
    if draw(st.booleans()) and m:  # force parallel edges with different weights
        tail.append(tail[0])
        head.append(head[0])
        m += 1
    weight = draw(st.lists(WEIGHTS, min_size=m, max_size=m))
    masked = draw(st.booleans())
    allowed = draw(st.lists(st.booleans(), min_size=m, max_size=m)) if masked else [True] * m
    return Graph(n, np.array(tail, np.int64), np.array(head, np.int64), weight, allowed)


CUTOFFS = st.one_of(st.just(np.inf), st.integers(0, 20).map(float), st.floats(0.0, 60.0))


def assert_same_dist(ours, ref):
    assert np.array_equal(np.isinf(ours), np.isinf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(ours[finite], ref[finite], rtol=1e-12, atol=1e-12)


def assert_valid_tree(g, dist, pred, order, n_settled, source, parent_of_edge):
    """Tree invariants, checked edge by edge."""
    settled = order[:n_settled]
    assert settled[0] == source
    assert len(set(settled.tolist())) == n_settled
    assert set(settled.tolist()) == set(np.flatnonzero(np.isfinite(dist)).tolist())
    assert np.all(np.diff(dist[settled]) >= 0)
    assert np.all(pred[np.isinf(dist)] == -1)
    assert pred[source] == -1
    rank = {v: k for k, v in enumerate(settled.tolist())}
    for v in settled[1:].tolist():
        e = pred[v]
        assert g.allowed[e]
        parent = parent_of_edge[e]
        assert rank[parent] < rank[v]
        assert dist[v] == dist[parent] + g.weight[e]


# --- sssp -----------------------------------------------------------------------------------


@settings(max_examples=250, deadline=None)
@given(g=graphs(), data=st.data())
def test_sssp_matches_scipy(g, data):
    source = data.draw(st.integers(0, g.n - 1))
    cutoff = data.draw(CUTOFFS)
    dist, pred, order, n_settled = run_sssp(*g.forward(), source, cutoff)
    ref = dijkstra(g.scipy_matrix(), directed=True, indices=source, limit=cutoff)
    assert_same_dist(dist, ref)
    assert_valid_tree(g, dist, pred, order, n_settled, source, g.tail)


@settings(max_examples=100, deadline=None)
@given(g=graphs(), data=st.data())
def test_reverse_sssp_matches_scipy_on_transpose(g, data):
    """A tree on ``reverse_csr`` gives distances *to* the root; ``pred`` holds forward ids."""
    root = data.draw(st.integers(0, g.n - 1))
    cutoff = data.draw(CUTOFFS)
    dist, pred, order, n_settled = run_sssp(*g.reverse(), root, cutoff)
    ref = dijkstra(g.scipy_matrix(transpose=True), directed=True, indices=root, limit=cutoff)
    assert_same_dist(dist, ref)
    to_root = dijkstra(g.scipy_matrix(), directed=True, limit=cutoff)[:, root]
    assert_same_dist(dist, to_root)
    assert_valid_tree(g, dist, pred, order, n_settled, root, g.indices)


def test_sssp_path_tie_and_cutoff_boundary():
    # 0 -> 1 (0 s), 1 -> 2 (5 s), 0 -> 2 (5 s), 2 -> 3 (1 s); cutoff 5 keeps node 2, drops 3
    g = Graph(4, np.array([0, 1, 0, 2]), np.array([1, 2, 2, 3]), [0.0, 5.0, 5.0, 1.0], [1] * 4)
    dist, pred, order, n_settled = run_sssp(*g.forward(), 0, 5.0)
    assert dist.tolist() == [0.0, 0.0, 5.0, np.inf]
    assert n_settled == 3
    assert pred[3] == -1
    dist, _, _, n_settled = run_sssp(*g.forward(), 0, 0.0)
    assert dist.tolist() == [0.0, 0.0, np.inf, np.inf]
    assert n_settled == 2


def test_disallowed_edge_is_not_used():
    g = Graph(3, np.array([0, 0, 1]), np.array([2, 1, 2]), [1.0, 1.0, 1.0], [0, 1, 1])
    dist, pred, _, _ = run_sssp(*g.forward(), 0)
    assert dist.tolist() == [0.0, 1.0, 2.0]
    assert g.tail[pred[2]] == 1


# --- many sources ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(g=graphs(), data=st.data())
def test_multi_sssp_equals_single(g, data):
    sources = np.array(
        data.draw(st.lists(st.integers(0, g.n - 1), min_size=0, max_size=9)), np.int64
    )
    cutoff = data.draw(CUTOFFS)
    out = np.full((sources.shape[0], g.n), -1.0)
    multi_sssp(*g.forward(), sources, cutoff, out)
    for i, s in enumerate(sources):
        assert np.array_equal(out[i], run_sssp(*g.forward(), s, cutoff)[0])


@settings(max_examples=60, deadline=None)
@given(g=graphs(), data=st.data())
def test_targets_variant_equals_full_slice(g, data):
    nodes = st.integers(0, g.n - 1)
    sources = np.array(data.draw(st.lists(nodes, min_size=1, max_size=9)), np.int64)
    targets = np.array(data.draw(st.lists(nodes, min_size=0, max_size=6)), np.int64)
    cutoff = data.draw(CUTOFFS)
    full = np.empty((sources.shape[0], g.n))
    multi_sssp(*g.reverse(), sources, cutoff, full)
    out = np.full((sources.shape[0], targets.shape[0]), -1.0)
    multi_sssp_targets(*g.reverse(), sources, targets, cutoff, out)
    assert np.array_equal(out, full[:, targets])


def test_targets_variant_resets_its_workspace_between_sources():
    """Early stopping leaves queued nodes behind; the next source must not see them."""
    rng = np.random.default_rng(3)
    n, m = 300, 1500
    g = Graph(n, rng.integers(0, n, m), rng.integers(0, n, m), rng.uniform(0, 10, m), [1] * m)
    sources = rng.integers(0, n, 200)  # more sources than chunks: a chunk reuses its workspace
    targets = np.array([sources[0], 5, 17])
    out = np.empty((200, 3))
    multi_sssp_targets(*g.forward(), sources, targets, np.inf, out)
    ref = dijkstra(g.scipy_matrix(), directed=True, indices=sources)[:, targets]
    np.testing.assert_allclose(out, ref, rtol=1e-12)


def test_thread_count_does_not_change_results():
    if numba.config.NUMBA_NUM_THREADS < 2:
        if os.environ.get("CI"):  # CI has 2 cores: a single thread there is a failure
            pytest.fail("CI runs numba on one thread: the thread-count test cannot compare")
        pytest.skip("needs two numba threads (a one-core machine)")
    rng = np.random.default_rng(11)
    n, m = 400, 2000
    g = Graph(n, rng.integers(0, n, m), rng.integers(0, n, m), rng.integers(0, 6, m), [1] * m)
    sources = rng.integers(0, n, 150)
    targets = rng.integers(0, n, 20)
    results = []
    previous = numba.get_num_threads()
    try:
        for threads in (1, 2, 1, 2):
            numba.set_num_threads(threads)
            full = np.empty((150, n))
            few = np.empty((150, 20))
            with numba.parallel_chunksize(1 if threads == 2 else 0):
                multi_sssp(*g.reverse(), sources, 12.0, full)
                multi_sssp_targets(*g.reverse(), sources, targets, np.inf, few)
            results.append((full, few))
    finally:
        numba.set_num_threads(previous)
    for full, few in results[1:]:
        assert np.array_equal(full, results[0][0])
        assert np.array_equal(few, results[0][1])


# --- trees ----------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(g=graphs(), data=st.data(), reverse=st.booleans())
def test_accumulate_weight_reproduces_dist(g, data, reverse):
    root = data.draw(st.integers(0, g.n - 1))
    graph = g.reverse() if reverse else g.forward()
    parent_of_edge = g.indices if reverse else g.tail
    dist, pred, order, n_settled = run_sssp(*graph, root, data.draw(CUTOFFS))
    out = np.full(g.n, np.nan)
    accumulate(order, n_settled, pred, parent_of_edge, g.weight, out)
    assert np.array_equal(out[order[:n_settled]], dist[order[:n_settled]])
    assert np.isnan(out[np.isinf(dist)]).all()  # unsettled nodes untouched


def test_accumulate_other_attribute():
    # 0 -> 1 -> 2 and a slow direct 0 -> 2; count edges on the path
    g = Graph(3, np.array([0, 1, 0]), np.array([1, 2, 2]), [1.0, 1.0, 5.0], [1, 1, 1])
    dist, pred, order, n_settled = run_sssp(*g.forward(), 0)
    hops = np.zeros(3)
    accumulate(order, n_settled, pred, g.tail, np.ones(3), hops)
    assert hops.tolist() == [0.0, 1.0, 2.0]


def brute_force_load(g, pred, dist, root, demand, parent_of_edge):
    flow = np.zeros(g.m)
    for v in np.flatnonzero(np.isfinite(dist)):
        node = v
        while node != root:
            e = pred[node]
            flow[e] += demand[v]
            node = parent_of_edge[e]
    return flow


@settings(max_examples=80, deadline=None)
@given(g=graphs(), data=st.data(), reverse=st.booleans())
def test_load_tree_matches_path_trace_and_conserves_flow(g, data, reverse):
    root = data.draw(st.integers(0, g.n - 1))
    graph = g.reverse() if reverse else g.forward()
    parent_of_edge = g.indices if reverse else g.tail
    dist, pred, order, n_settled = run_sssp(*graph, root, data.draw(CUTOFFS))
    demand = np.array(data.draw(st.lists(st.integers(0, 5), min_size=g.n, max_size=g.n)), float)
    start = np.array(data.draw(st.lists(st.integers(0, 3), min_size=g.m, max_size=g.m)), float)
    flow = start.copy()
    loaded = load_tree(order, n_settled, pred, parent_of_edge, demand, flow)

    added = flow - start
    assert np.array_equal(added, brute_force_load(g, pred, dist, root, demand, parent_of_edge))
    reached = np.isfinite(dist)
    reached[root] = False
    assert loaded == demand[reached].sum()
    tree_edges = pred[pred >= 0]
    assert np.all(added[np.setdiff1d(np.arange(g.m), tree_edges)] == 0)
    # conservation at the root and at every other reached node
    into_root = added[tree_edges[parent_of_edge[tree_edges] == root]].sum()
    assert into_root == loaded
    for v in np.flatnonzero(reached):
        from_children = added[tree_edges[parent_of_edge[tree_edges] == v]].sum()
        assert added[pred[v]] == from_children + demand[v]


def test_load_tree_docstring_example():
    indptr = np.array([0, 1, 2, 2])
    indices = np.array([1, 2], np.int32)
    w = np.array([5.0, 7.0])
    rindptr, rindices, redge = reverse_csr(indptr, indices, 3)
    dist, pred, order, n = run_sssp(rindptr, rindices, redge, w, np.ones(2, np.uint8), 2)
    assert order[:n].tolist() == [2, 1, 0]
    assert pred.tolist() == [0, 1, -1]
    assert dist.tolist() == [12.0, 7.0, 0.0]
    flow = np.zeros(2)
    assert load_tree(order, n, pred, indices, np.array([3.0, 1.0, 0.0]), flow) == 4.0
    assert flow.tolist() == [3.0, 4.0]


# --- the kernels' Python, for coverage ------------------------------------------------------

NO_JIT_CHECK = textwrap.dedent(
    """
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra
    from sim.kernels import dijkstra as dj, tree

    assert not hasattr(dj.sssp, "py_func"), "numba is not disabled"
    rng = np.random.default_rng(5)
    n, m = 30, 90
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = tail != head
    key = tail * n + head
    _, first = np.unique(key, return_index=True)
    keep &= np.isin(np.arange(m), first)  # no parallel edges
    tail, head = tail[keep], head[keep]
    order = np.argsort(tail, kind="stable")
    tail, head = tail[order], head[order].astype(np.int32)
    m = tail.shape[0]
    w = rng.integers(0, 10, m).astype(float)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    eid, ok = np.arange(m), np.ones(m, np.uint8)
    ref = dijkstra(sp.csr_array((w, head, indptr), shape=(n, n)), indices=np.arange(n))

    sources = np.arange(n)
    out = np.empty((n, n))
    dj.multi_sssp(indptr, head, eid, w, ok, sources, np.inf, out)
    assert np.array_equal(out, ref)
    few = np.empty((n, 4))
    dj.multi_sssp_targets(indptr, head, eid, w, ok, sources, np.array([0, 3, 3, 7]), 8.0, few)
    assert np.array_equal(few, np.where(ref <= 8.0, ref, np.inf)[:, [0, 3, 3, 7]])

    dist, pred = np.empty(n), np.empty(n, np.int64)
    order = np.empty(n, np.int32)
    k = dj.sssp(indptr, head, eid, w, ok, 0, np.inf, dist, pred, order)
    assert np.array_equal(dist, ref[0])
    acc = np.zeros(n)
    tree.accumulate(order, k, pred, tail, w, acc)
    assert np.array_equal(acc[np.isfinite(dist)], dist[np.isfinite(dist)])
    flow = np.zeros(m)
    demand = np.ones(n)
    loaded = tree.load_tree(order, k, pred, tail, demand, flow)
    assert loaded == k - 1 == flow[pred[pred >= 0]][tail[pred[pred >= 0]] == 0].sum()
    print("ok")
    """
)


def test_kernels_run_as_plain_python():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", NO_JIT_CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
