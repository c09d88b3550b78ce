"""Supply-side cost functions (sim/congestion.py) against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from sim.congestion import (
    MAX_MISSED_VEHICLES,
    STANDING_MULTIPLIER,
    RoadCosts,
    TransitCrowding,
    crowding_multiplier,
    failure_to_board_wait,
)
from sim.network.arrays import Layer, NodeKind, assemble


def roads() -> RoadCosts:
    """Edge 0: 2 lanes, 60 s, mid-block 3,000 pcu/h, one signal stop line (cycle 90 s, g/C 0.5,
    saturation 1,800 pcu/h/lane); edge 1: an unsignalised local street (100 s, 900 pcu/h) with
    a 10 s priority delay; edge 2: a walk edge (ignored)."""
    nodes = {"x": [0.0, 0.01, 0.02, 0.03], "y": [0.0] * 4, "node_kind": [NodeKind.DRIVE] * 4}
    edges = {
        "layer": [Layer.DRIVE, Layer.DRIVE, Layer.WALK],
        "time_s": [60.0, 100.0, 500.0],
        "length_m": [1000.0, 800.0, 700.0],
        "capacity": [3000.0, 900.0, np.inf],
        "lanes": [2.0, 1.0, 0.0],
        "signals": [1.0, 0.0, 0.0],
        "cycle_s": [90.0, 0.0, 0.0],
        "green_ratio": [0.5, 1.0, 1.0],
        "saturation_flow": [1800.0, 1800.0, 0.0],
        "priority_delay_s": [0.0, 10.0, 0.0],
    }
    net, _ = assemble(nodes, [0, 1, 2], [1, 2, 3], edges)
    return RoadCosts(net)


def test_hand_computed_signal_below_capacity():
    rc = roads()
    # approach capacity c = 2 lanes x 1,800 x 0.5 = 1,800 pcu/h; v = 1,440 -> X = 0.8
    # d1 = 0.5 x 90 x 0.5^2 / (1 - 0.8 x 0.5) = 11.25 / 0.6 = 18.75 s
    # d2 = 900 x 1 x [(0.8 - 1) + sqrt(0.04 + 8 x 0.5 x 1 x 0.8 / 1800)] = 3.9566 s
    # BPR = 60 (1 + 0.15 (1440 / 3000)^4) = 60.4778 s
    t = rc.times([1440.0, 0.0])
    assert rc.signal_delay([1440.0, 0.0])[0] == pytest.approx(18.75 + 3.9566, abs=1e-3)
    assert rc.running([1440.0, 0.0])[0] == pytest.approx(60.4778, abs=1e-3)
    assert t[0] == pytest.approx(60.4778 + 18.75 + 3.9566, abs=1e-3)
    assert rc.vc([1440.0, 0.0])[0] == pytest.approx(0.8)  # the signal is the bottleneck


def test_hand_computed_signal_over_capacity_and_empty():
    rc = roads()
    # X = 1.2: d1 = 0.5 x 90 x 0.25 / (1 - 1 x 0.5) = 22.5; d2 = 900 [0.2 + sqrt(0.04 +
    # 4 x 1.2 / 1800)] = 365.90
    assert rc.signal_delay([2160.0, 0.0])[0] == pytest.approx(22.5 + 365.903, abs=1e-2)
    # empty: the uniform delay of a red light only, 0.5 x 90 x 0.25 = 11.25 s
    assert rc.free_times()[0] == pytest.approx(60.0 + 11.25)


def test_hand_computed_bpr_link_with_priority_delay():
    rc = roads()
    # 100 (1 + 0.15 x (900 / 900)^4) + 10 = 125 s; at zero flow 110 s
    assert rc.times([0.0, 900.0])[1] == pytest.approx(125.0)
    assert rc.free_times()[1] == pytest.approx(110.0)
    assert rc.vc([0.0, 450.0])[1] == pytest.approx(0.5)
    # flows may be given per network edge too
    assert rc.times(np.array([1440.0, 900.0, 5.0])) == pytest.approx(rc.times([1440.0, 900.0]))


@pytest.mark.parametrize("v", [0.0, 500.0, 1440.0, 1799.0, 1801.0, 2500.0])
def test_marginal_is_the_derivative(v):
    rc = roads()
    flow = np.array([v, v / 2])
    h = 1e-3
    numeric = (rc.times(flow + h) - rc.times(np.maximum(flow - h, 0))) / (2 * h)
    if v == 0.0:
        numeric = (rc.times(flow + h) - rc.times(flow)) / h
    assert rc.marginal(flow) == pytest.approx(numeric, rel=1e-4, abs=1e-6)


def test_crowding_multiplier_bounded_and_smooth():
    cap, seats = 100.0, 0.5
    loads = np.linspace(0, 300, 3001)
    mult, dmult = crowding_multiplier(loads, cap, seats)
    assert mult[loads <= 30].max() == pytest.approx(1.0)  # up to 60% of the seats
    assert mult[np.searchsorted(loads, 50.0)] == pytest.approx(1.15)  # seats full
    full = 0.5 * 1.5 + 0.5 * STANDING_MULTIPLIER  # half seated at 1.5, half standing at 2.32
    assert mult[np.searchsorted(loads, 100.0)] == pytest.approx(full)
    assert np.allclose(mult[loads >= 100.0], full) and np.all(dmult[loads > 100.0] == 0)
    assert np.all(np.diff(mult) >= -1e-12) and mult.max() <= STANDING_MULTIPLIER
    # the derivative matches finite differences away from the kinks
    mid = (loads > 31) & (loads < 99) & (np.abs(loads - 50) > 1)
    numeric = np.gradient(mult, loads)
    assert dmult[mid] == pytest.approx(numeric[mid], rel=1e-3, abs=1e-6)


def test_failure_to_board_is_bounded():
    h, cap = 600.0, 1000.0
    wait, dwait = failure_to_board_wait([500.0, 1000.0, 1500.0, 9000.0], cap, h)
    # (L - C) / C vehicles missed, at most MAX_MISSED_VEHICLES headways
    assert wait.tolist() == pytest.approx([0.0, 0.0, 300.0, MAX_MISSED_VEHICLES * h])
    assert dwait.tolist() == pytest.approx([0.0, 0.0, h / cap, 0.0])


def two_line_crowding():
    """A bus line 0 -> 1 -> 2 (stops S0, S1, S2; 2 hops of 100 passengers an hour each)."""
    from sim.network.arrays import TransitMode
    from sim.network.build import add_lines
    from sim.network.transit import TransitLine

    nodes = {"x": [0.0, 0.01, 0.02, 0.0, 0.01, 0.02], "y": [0.0] * 6,
             "node_kind": [NodeKind.WALK] * 3 + [NodeKind.DRIVE] * 3}  # fmt: skip
    edges = {"layer": [Layer.DRIVE] * 2, "time_s": [100.0, 100.0], "length_m": [1000.0] * 2,
             "capacity": [900.0] * 2, "lanes": [1.0] * 2}  # fmt: skip
    streets, _ = assemble(nodes, [3, 4], [4, 5], edges)
    line = TransitLine(name="B", route_id="B", mode=TransitMode.BUS, stop_ids=("a", "b", "c"),
                       stop_names=("a", "b", "c"), lon=[0.0, 0.01, 0.02], lat=[0.0] * 3,
                       run_time_s=[100.0, 100.0], headway_s=3600.0, vehicle_capacity=100.0,
                       fare=1.0, fare_system="s")  # fmt: skip
    net, _ = add_lines(streets, [line], max_snap_m=1.0)
    return net


def test_crowding_is_local_to_the_full_segment():
    net = two_line_crowding()
    crowd = TransitCrowding(net)
    flow = np.zeros(net.n_edges)
    hops = crowd.ivt
    first, second = hops[np.argsort(net.x[net.tail[hops]])]
    flow[first], flow[second] = 250.0, 20.0  # the first segment at 2.5 x capacity
    mult, _ = crowd.ivt_multiplier(flow)
    by_edge = dict(zip(hops.tolist(), mult.tolist(), strict=True))
    assert by_edge[second] == pytest.approx(1.0) and by_edge[first] > 1.5
    wait, _ = crowd.boarding_wait(flow)
    joins = dict(zip(crowd.boarding.tolist(), crowd.joins.tolist(), strict=True))
    for e, w in zip(crowd.boarding.tolist(), wait.tolist(), strict=True):
        # boarders of the full segment miss 1.5 buses; boarders of the next one none
        assert w == pytest.approx(1.5 * 3600.0 if joins[e] == first else 0.0)
