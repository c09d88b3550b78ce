"""The numba day against independent references on the mini city (a real OSM network)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.kernels import day as K
from sim.model import CommuteModel
from sim.network.arrays import Layer
from sim.zones import load_zones

ROOT = Path(__file__).resolve().parents[1]


def matrix(net, edges, weight, n_extra=0):
    """Sparse matrix of the given edges, keeping the cheapest of parallel edges."""
    n = net.n_nodes + n_extra
    best = {}
    for e, w in zip(edges.tolist(), weight.tolist(), strict=True):
        key = (int(net.tail[e]), int(net.indices[e]))
        best[key] = min(w, best.get(key, np.inf))
    return best, n


def to_csr(best, n):
    keys = np.array(list(best), np.int64).reshape(-1, 2)
    vals = np.maximum(np.array(list(best.values())), 1e-12)  # scipy drops explicit zeros
    return csr_matrix((vals, (keys[:, 0], keys[:, 1])), shape=(n, n))


@pytest.fixture(scope="module")
def model(mini_city, mini_network):
    zones = load_zones(mini_city)
    m = CommuteModel(mini_city, households=1500, seed=3, network=mini_network, zones=zones,
                     agents=False)  # fmt: skip
    # everybody values time like the path search does, so household skims equal tree costs
    hh = replace(m.households, vot=np.full(m.households.n, float(np.median(m.households.vot))))
    params = replace(m.params, routing_classes=1)
    return CommuteModel(mini_city, seed=3, network=mini_network, zones=zones, population=hh,
                        params=params, agents=False)  # fmt: skip


@pytest.fixture(scope="module")
def day_one(model):
    """Edge times and slot weights of the network state the first day ran on."""
    times_before, _ = model.edge_times()
    state = model.costs.state(model.car_flow, model.transit_flow)
    weights_before = model.costs.kernel_costs(state, model.classes).transit[0]
    model.step()
    return times_before, weights_before


def test_car_and_walk_skims_equal_scipy(model, day_one):
    net = model.network
    drive = np.flatnonzero(net.layer == Layer.DRIVE)
    walk = np.flatnonzero(net.layer == Layer.WALK)
    car = to_csr(*matrix(net, drive, day_one[0][drive]))
    foot = to_csr(*matrix(net, walk, net.time_s[walk]))
    zone_drive = model.blocks.nodes[model.graph.zone_node[1]]
    zone_walk = model.blocks.nodes[model.graph.zone_node[0]]
    for d in range(model.dest.n):
        ref_car = dijkstra(car.T, indices=model.dest.drive_node[d])[zone_drive] / 60
        ref_walk = dijkstra(foot.T, indices=model.dest.walk_node[d])[zone_walk] / 60
        assert np.allclose(model.zone_skim[2][:, d], ref_car, rtol=1e-5)
        assert np.allclose(model.zone_skim[0][:, d], ref_walk, rtol=1e-5)


def test_transit_tree_equals_an_expanded_graph_reference(model, day_one):
    """Reference: scipy on the transit layer plus a sink reached from every last hop."""
    net, bg = model.network, model.blocks
    weight = day_one[1]
    w_edge = np.full(net.n_edges, np.inf)
    lo, hi = bg.slot_off[2], bg.slot_off[3]
    w_edge[bg.slot_edge[lo:hi]] = weight[lo:hi]
    transit = np.unique(bg.slot_edge[lo:hi])
    walk = np.flatnonzero(net.layer == Layer.WALK)
    foot = to_csr(*matrix(net, walk, net.time_s[walk]))
    hops = np.flatnonzero(np.isin(net.layer, [Layer.BUS, Layer.METRO, Layer.CABLE]))
    stop_index = {int(v): i for i, v in enumerate(net.stop_node)}
    egress_cap = 60 * model.params.egress_walk_max_min
    hh = model.households
    checked = 0
    for d in range(model.dest.n):
        egress = dijkstra(foot.T, indices=model.dest.walk_node[d])
        best, n = matrix(net, transit, w_edge[transit], n_extra=1)
        sink = n - 1
        for e in hops:
            walk_s = egress[net.stop_walk[stop_index[int(net.indices[e])]]]
            if walk_s <= egress_cap:
                key = (int(net.tail[e]), sink)
                best[key] = min(
                    best.get(key, np.inf), w_edge[e] + model.params.walk_weight * walk_s
                )
        ref = dijkstra(to_csr(best, n).T, indices=sink)
        mine = np.flatnonzero(hh.work_zone == d)
        expected = ref[hh.home_node[mine]] / 60
        got = model.skims[mine, K.ALT_TRANSIT]
        ok = np.isfinite(expected)
        assert np.array_equal(ok, np.isfinite(got))
        assert np.allclose(got[ok], expected[ok], rtol=1e-6)
        checked += int(ok.sum())
    assert checked > 100


def test_every_household_travels_and_car_flows_balance(model, day_one):
    assert (model.mode >= 0).all()
    net = model.network
    q = model.households.weight * model.params.peak_hour_factor
    drive = net.layer == Layer.DRIVE
    out_flow = np.bincount(net.tail[drive], weights=model.car_flow[drive], minlength=net.n_nodes)
    in_flow = np.bincount(net.indices[drive], weights=model.car_flow[drive], minlength=net.n_nodes)
    pce = np.where(model.mode == K.CAR, 1.0, np.where(model.mode == K.MOTO,
                                                      model.params.moto_pce, 0.0))  # fmt: skip
    origin = np.bincount(model.households.drive_node, weights=q * pce, minlength=net.n_nodes)
    absorbed = np.zeros(net.n_nodes)
    np.add.at(absorbed, model.dest.drive_node[model.households.work_zone], q * pce)
    # conservation at every node: what leaves minus what arrives = trips starting - ending here
    assert np.allclose(out_flow - in_flow, origin - absorbed, atol=1e-6)
    # every transit trip boards at least once
    transit_trips = np.isin(model.mode, [K.BUS, K.METRO, K.CABLE]).sum() * q
    assert model.boardings().sum() >= transit_trips - 1e-6


SNIPPET = """
import hashlib, numpy as np, numba, sys
from sim.scenario import load_scenario, with_overrides
from sim.runner import build_model
s = with_overrides(load_scenario(sys.argv[1]), {"households": 800})
m, _ = build_model(s)
m.run(3)
digest = hashlib.sha256()
for a in (m.mode, m.travel_time_s, m.car_flow, m.transit_flow, m.perceived):
    digest.update(np.ascontiguousarray(a).tobytes())
print(numba.get_num_threads(), digest.hexdigest())
"""


def run_snippet(env_extra: dict[str, str]) -> tuple[str, str]:
    env = {**os.environ, **env_extra}
    scenario = str(ROOT / "tests" / "data" / "scenarios" / "mini_cable.toml")
    out = subprocess.run([sys.executable, "-c", SNIPPET, scenario], capture_output=True,
                         text=True, env=env, check=True, timeout=900)  # fmt: skip
    threads, digest = out.stdout.split()
    return threads, digest


def test_same_seed_same_results_on_one_and_two_threads(mini_network):
    t1, one = run_snippet({"NUMBA_NUM_THREADS": "1"})
    t2, two = run_snippet({"NUMBA_NUM_THREADS": "2"})
    assert (t1, t2) == ("1", "2")
    assert one == two


def test_run_pass_refuses_arguments_that_do_not_fit(model):
    """The day's public wrapper checks types, kinds and shapes before the kernel runs."""
    from sim.assign import new_out

    kcosts = model.costs.kernel_costs(model.costs.state(model.car_flow, model.transit_flow),
                                      model.classes)  # fmt: skip
    out = new_out(model.trips.n, model.zones.n, model.dest.n, model.classes.n,
                  model.blocks.n_slots)  # fmt: skip
    state = K.State(model.walk_s, model.km_ff, model.perceived, model.taste)
    params = model._params(dynamic=False)
    short = model.ktrips._replace(vot=model.ktrips.vot[:-1])
    with pytest.raises(ValueError, match=r"`trips.vot` has shape"):
        K.run_pass(model.graph, kcosts, short, params, state, out)
    ints = state._replace(walk_s=state.walk_s.astype(np.int64))
    with pytest.raises(TypeError, match=r"`state.walk_s` must be an array of floats"):
        K.run_pass(model.graph, kcosts, model.ktrips, params, ints, out)
    with pytest.raises(TypeError, match=r"`costs` must be a Costs"):
        K.run_pass(model.graph, tuple(kcosts), model.ktrips, params, state, out)


TOY = """
import numpy as np, sys
sys.path.insert(0, sys.argv[1])
from sim.choice import ChoiceParams
from sim.model import CommuteModel
from tests.toy import households, toy_city, two_route_network, two_zones
m = CommuteModel(toy_city(), seed=1, network=two_route_network(), zones=two_zones(50.0),
                 population=households(50, weight=60.0), params=ChoiceParams(peak_hour_factor=1.0),
                 agents=False)
m.run(4)
print(" ".join(f"{v:.9f}" for v in m.car_flow))
"""


def test_day_kernel_runs_without_jit_and_agrees():
    def run(disable: str) -> list[float]:
        env = {**os.environ, "NUMBA_DISABLE_JIT": disable}
        out = subprocess.run([sys.executable, "-c", TOY, str(ROOT)], capture_output=True,
                             text=True, env=env, check=True, timeout=900)  # fmt: skip
        return [float(v) for v in out.stdout.split()]

    jit, plain = run("0"), run("1")
    assert sum(jit) > 0
    assert np.allclose(jit, plain)
