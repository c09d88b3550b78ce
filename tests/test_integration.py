"""Fare integration (sim/network/integration.py) on hand-built chains of lines.

Line i rides from stop P_i to stop Q_i (one hop); a rider changes from line i to line i + 1 by
walking from Q_i to P_{i+1} along a walk path of a chosen length. The only ways through are
integrated transfers (inside the fare system's walk limit) and going through the street
(alight, walk, board again and pay the full fare). A brute force over every choice of
integrated or street transfer, priced by the stated rule, must agree with the cheapest fare
the network offers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.network.arrays import Layer, NodeKind, TransitMode, assemble
from sim.network.build import add_lines
from sim.network.integration import WALK_SPEED_MPS, FareRules, with_fare_rules
from sim.network.transit import TransitLine
from tests.toy import cheapest_fare

DEG_M = 111_195.0  # metres per degree on the equator


def chain(fares, modes=None, gaps_m=None, *, rules=None, detour_m=None, headway_s=60.0):
    """Lines of one fare system "s" in a chain; returns (network, first stop, last stop).

    ``gaps_m[i]``: walk length from Q_i to P_{i+1} (straight, along the equator, unless
    ``detour_m[i]`` sends the path that far to the side and back).
    """
    n = len(fares)
    modes = modes or [TransitMode.METRO] * n
    gaps_m = gaps_m or [0.0] * (n - 1)
    detour_m = detour_m or [0.0] * (n - 1)
    xs, ys, walk = [], [], []

    def node(x_m, y_m=0.0):
        xs.append(x_m / DEG_M)
        ys.append(y_m / DEG_M)
        return len(xs) - 1

    stops, x = [], 0.0
    for i in range(n):
        p = node(x) if i == 0 else stops[-1][1] if gaps_m[i - 1] == 0 else None
        if p is None:
            q_prev = stops[-1][1]
            gap, side = gaps_m[i - 1], detour_m[i - 1]
            p = node(x + gap)
            if side > 0:  # Q -> M -> P, M to the side: the walk is longer than the gap
                m = node(x + gap / 2, side)
                legs = [(q_prev, m), (m, p)]
            else:
                legs = [(q_prev, p)]
            for a, b in legs:
                d = float(np.hypot(xs[a] - xs[b], ys[a] - ys[b]) * DEG_M)
                walk += [(a, b, d), (b, a, d)]
            x += gap
        x += 2000.0
        q = node(x)
        stops.append((p, q))
    n_walk = len(xs)
    kind = [NodeKind.WALK] * n_walk
    layer = [Layer.WALK] * len(walk)
    for p, q in stops:  # a road under each line, for its buses
        dp, dq = node(xs[p] * DEG_M), node(xs[q] * DEG_M)
        kind += [NodeKind.DRIVE] * 2
        walk += [(dp, dq, 2000.0), (dq, dp, 2000.0)]
        layer += [Layer.DRIVE] * 2
    tail = [a for a, _, _ in walk]
    head = [b for _, b, _ in walk]
    metres = np.array([d for _, _, d in walk])
    edges = {"layer": np.array(layer, np.int8), "time_s": metres / 1.4, "length_m": metres}
    nodes = {"x": xs, "y": ys, "node_kind": kind}
    streets, _ = assemble(nodes, np.array(tail, np.int64), np.array(head, np.int64), edges)
    streets = with_fare_rules(streets, {"s": rules or FareRules(bus_to_bus=True)})
    lines = [
        TransitLine(
            name=f"L{i}", route_id=f"L{i}", mode=modes[i], stop_ids=(f"P{i}", f"Q{i}"),
            stop_names=(f"P{i}", f"Q{i}"), lon=[xs[p], xs[q]], lat=[ys[p], ys[q]],
            run_time_s=[120.0], headway_s=headway_s, vehicle_capacity=100.0,
            fare=float(fares[i]), fare_system="s",
        )
        for i, (p, q) in enumerate(stops)
    ]  # fmt: skip
    net, _ = add_lines(streets, lines, max_snap_m=1.0)
    return net, stops[0][0], stops[-1][1]


def rule_fare(fares, modes, allowed, rules):
    """Least fare by the stated rule over every choice of integrated / street transfers."""
    best = np.inf
    for choice in itertools.product((True, False), repeat=len(fares) - 1):
        paid, level = fares[0], fares[0]
        ok = True
        for i, integrated in enumerate(choice):
            f = fares[i + 1]
            if not integrated:
                paid, level = paid + f, f
                continue
            both_bus = modes[i] == TransitMode.BUS and modes[i + 1] == TransitMode.BUS
            if not allowed[i] or (both_bus and not rules.bus_to_bus):
                ok = False
                break
            paid += max(0.0, f - level) + rules.top_up_share * f
            level = max(level, f)
        if ok:
            best = min(best, paid)
    return best


def test_a_trip_pays_its_dearest_leg_however_many_legs():
    # 3 legs with a cheap middle one: 3, then 1, then 3 pays 3 (the rule per transfer paid 5)
    net, a, b = chain([3.0, 1.0, 3.0])
    assert cheapest_fare(net, a, b) == pytest.approx(3.0)
    net, a, b = chain([2.0, 1.0, 3.0, 1.0])
    assert cheapest_fare(net, a, b) == pytest.approx(3.0)
    assert (net.stop_base >= 0).any()  # cheap lines are copied at the dearer levels


@pytest.mark.parametrize("seed", range(12))
def test_cheapest_fare_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    fares = [float(f) for f in rng.choice([1.0, 2.0, 3.0, 5.0], n)]
    modes = [TransitMode(int(m)) for m in rng.choice([2, 3, 4], n)]
    rules = FareRules(transfer_walk_m=300.0, bus_to_bus=bool(rng.integers(2)),
                      top_up_share=float(rng.choice([0.0, 0.5])))  # fmt: skip
    gaps = [float(g) for g in rng.choice([0.0, 150.0, 280.0, 450.0], n - 1)]
    net, a, b = chain(fares, modes, gaps, rules=rules)
    allowed = [g <= 300.0 for g in gaps]
    assert cheapest_fare(net, a, b) == pytest.approx(rule_fare(fares, modes, allowed, rules))


@pytest.mark.parametrize("gap_m", [0.0, 120.0, 380.0, 495.0])
def test_integrated_wherever_the_transfer_is_within_the_limit(gap_m):
    rules = FareRules(transfer_walk_m=500.0, bus_to_bus=True, top_up_share=0.5)
    net, a, b = chain([4.7, 4.7], [TransitMode.BUS] * 2, [gap_m], rules=rules)
    assert cheapest_fare(net, a, b) == pytest.approx(4.7 + 0.5 * 4.7)


def test_transfer_beyond_the_walk_limit_pays_again():
    # the stops are 100 m apart as the crow flies, 600 m on foot: a 300 m limit must not pass
    # it, whatever a straight-line radius would say
    rules = FareRules(transfer_walk_m=300.0, bus_to_bus=True)
    net, a, b = chain([4.7, 4.7], [TransitMode.BUS] * 2, [100.0], rules=rules,
                      detour_m=[295.0])  # fmt: skip
    assert cheapest_fare(net, a, b) == pytest.approx(9.4)
    walks = net.length_m[net.layer == Layer.PAID_WALK]
    assert walks.size == 0 or walks.max() <= 300.0
    wider = FareRules(transfer_walk_m=700.0, bus_to_bus=True)
    net, a, b = chain([4.7, 4.7], [TransitMode.BUS] * 2, [100.0], rules=wider, detour_m=[295.0])
    assert cheapest_fare(net, a, b) == pytest.approx(4.7)
    paid = net.layer == Layer.PAID_WALK
    assert net.length_m[paid].min() > 590.0  # the walk network's length, not 100 m
    assert np.allclose(net.time_s[paid], net.length_m[paid] / WALK_SPEED_MPS)


def test_bus_to_bus_integrates_only_when_stated():
    bus, cable = TransitMode.BUS, TransitMode.CABLE
    no = FareRules(bus_to_bus=False)
    net, a, b = chain([4.7, 4.7], [bus, bus], rules=no)
    assert cheapest_fare(net, a, b) == pytest.approx(9.4)
    net, a, b = chain([4.7, 4.7, 4.7], [bus, cable, bus], rules=no)  # bus-cable-bus integrates
    assert cheapest_fare(net, a, b) == pytest.approx(4.7)
    net, a, b = chain([4.7, 4.7], [bus, bus], rules=FareRules(bus_to_bus=True))
    assert cheapest_fare(net, a, b) == pytest.approx(4.7)


def test_other_fare_systems_and_unintegrated_systems_pay_again():
    net, a, b = chain([2.0, 3.0], rules=FareRules(integrated=False))
    assert cheapest_fare(net, a, b) == pytest.approx(5.0)
    assert not np.any(np.isin(net.layer, [Layer.TRANSFER, Layer.PAID_WALK]))


def test_time_window_is_enforced_conservatively():
    # 500 m limit = 6 min of walking; a 30 min window leaves 24 min, i.e. a mean wait of half a
    # headway of at most 48 min
    rules = FareRules(transfer_walk_m=500.0, window_min=30.0, bus_to_bus=True)
    ok = 2 * (30 * 60 - 500 / WALK_SPEED_MPS) - 1.0
    net, a, b = chain([4.7, 4.7], rules=rules, headway_s=ok)
    assert cheapest_fare(net, a, b) == pytest.approx(4.7)
    net, a, b = chain([4.7, 4.7], rules=rules, headway_s=ok + 2.0)
    assert cheapest_fare(net, a, b) == pytest.approx(9.4)
    assert not np.any(net.layer == Layer.TRANSFER)


def test_rebuilding_is_idempotent_and_keeps_lines():
    from sim.network.integration import with_integration, without_paid_layer

    net, a, b = chain([3.0, 1.0, 3.0], gaps_m=[100.0, 0.0])
    again = with_integration(net)
    assert again.n_nodes == net.n_nodes and again.n_edges == net.n_edges
    assert cheapest_fare(again, a, b) == pytest.approx(3.0)
    bare = without_paid_layer(net)
    assert not np.any(bare.node_kind == NodeKind.PAID) and (bare.stop_base < 0).all()
    assert bare.lines.n == net.lines.n and (bare.layer == Layer.BUS).sum() == 0
    assert np.isin(bare.layer, [Layer.TRANSFER, Layer.TRANSFER_OFF, Layer.PAID_WALK]).sum() == 0
