"""Junction control rules (sim/network/junctions.py) on hand-drawn graphs, the peak headway
rule on the mini city, and the junction attributes of the bundled city."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim.network import junctions as J

DEG_M = 111_195.0


def drawn(nodes: dict[str, tuple[float, float, bool]], ways: list[tuple[str, str, str, str]]):
    """Nodes name -> (x m, y m, signal?); ways (a, b, highway, name), both directions."""
    G = nx.MultiDiGraph()
    for n, (x, y, sig) in nodes.items():
        G.add_node(n, x=x / DEG_M, y=y / DEG_M, **({"highway": "traffic_signals"} if sig else {}))
    for a, b, hwy, name in ways:
        for u, v in ((a, b), (b, a)):
            G.add_edge(u, v, highway=hwy, name=name)
    return G


def crossing():
    """A primary avenue W-E crossing a residential street S-N at J, stop-line signals 10 m
    before J on all four approaches (J itself untagged), and a lone pedestrian signal P on the
    avenue 300 m east of J."""
    nodes = {
        "W": (-200, 0, False), "Ws": (-10, 0, True), "J": (0, 0, False), "Es": (10, 0, True),
        "P": (300, 0, True), "E": (500, 0, False), "S": (0, -200, False),
        "Ss": (0, -10, True), "Ns": (0, 10, True), "N": (0, 200, False),
    }  # fmt: skip
    ways = [("W", "Ws", "primary", "Av"), ("Ws", "J", "primary", "Av"),
            ("J", "Es", "primary", "Av"), ("Es", "P", "primary", "Av"),
            ("P", "E", "primary", "Av"), ("S", "Ss", "residential", "Rua"),
            ("Ss", "J", "residential", "Rua"), ("J", "Ns", "residential", "Rua"),
            ("Ns", "N", "residential", "Rua")]  # fmt: skip
    return drawn(nodes, ways)


def test_each_approach_stops_once_at_a_junction_drawn_with_several_signal_nodes():
    G = crossing()
    assert J.add_signal_attributes(G) == 4 + 2  # four approaches to J, two at P
    stops = {(u, v): d["signals"] for u, v, d in G.edges(data=True)}
    # approaches enter the cluster {Ws, J, Es, Ss, Ns} once; inside it and leaving it, nothing
    for approach in (("W", "Ws"), ("P", "Es"), ("S", "Ss"), ("N", "Ns")):
        assert stops[approach] == 1
    for inside_or_leaving in (("Ws", "J"), ("J", "Es"), ("Ss", "J"), ("Ns", "N"), ("Ws", "W")):
        assert stops[inside_or_leaving] == 0
    # the lone pedestrian signal stops both directions once
    assert stops[("E", "P")] == 1 and stops[("Es", "P")] == 1 and stops[("P", "E")] == 0
    clusters = {n: d["signal_cluster"] for n, d in G.nodes(data=True)}
    assert len({clusters[n] for n in ("Ws", "J", "Es", "Ss", "Ns")}) == 1
    assert clusters["P"] != clusters["J"] and clusters["W"] == -1


def test_webster_timing_by_the_classes_meeting():
    G = crossing()
    J.add_signal_attributes(G)
    d = {(u, v): dd for u, v, dd in G.edges(data=True)}
    # primary (y 0.45) crossed by residential (y 0.20): Y = 0.65, L = 8 s,
    # C = (1.5 x 8 + 5) / 0.35 = 48.6 s, g/C = (1 - 8 / 48.6) x 0.45 / 0.65
    cycle = 17.0 / 0.35
    assert d[("P", "Es")]["signals"] == 1  # P -> Es enters J's cluster from the east
    assert d[("P", "Es")]["cycle_s"] == pytest.approx(cycle)
    assert d[("P", "Es")]["green_ratio"] == pytest.approx((1 - 8 / cycle) * 0.45 / 0.65)
    assert d[("S", "Ss")]["green_ratio"] == pytest.approx((1 - 8 / cycle) * 0.20 / 0.65)
    # the pedestrian signal: a pedestrian stage (y 0.20) crosses the avenue
    assert d[("E", "P")]["green_ratio"] == pytest.approx((1 - 8 / cycle) * 0.45 / 0.65)
    # a primary-primary junction needs more than the longest cycle allowed
    assert J.webster_timing(0.45, 0.45)[0] == pytest.approx(J.MAX_CYCLE_S)


def test_priority_delay_for_minor_approaches_only():
    nodes = {"A": (-100, 0, False), "X": (0, 0, False), "B": (100, 0, False),
             "C": (0, -100, False)}  # fmt: skip
    G = drawn(nodes, [("A", "X", "secondary", "Av"), ("X", "B", "secondary", "Av"),
                      ("C", "X", "residential", "Rua")])  # fmt: skip
    J.add_signal_attributes(G)
    J.add_priority_delays(G)
    d = {(u, v): dd["priority_delay_s"] for u, v, dd in G.edges(data=True)}
    assert d[("C", "X")] == J.PRIORITY_DELAY_S[3]  # entering a secondary road
    assert d[("A", "X")] == d[("B", "X")] == 0.0  # the major road does not wait


def test_peak_rule_divides_midday_headways(mini_city):
    from sim.network.transit import GtfsOptions, read_gtfs_with_report

    g = mini_city.transit.gtfs[0]
    assert g.peak_frequency_factor == pytest.approx(1.96)
    path = mini_city.path(g.file)
    midday, _ = read_gtfs_with_report(path, GtfsOptions(fare=4.7))
    peak, report = read_gtfs_with_report(path, GtfsOptions(fare=4.7, peak_frequency_factor=1.96))
    assert report.frequency_factor == pytest.approx(1.96)
    mid = np.array([ln.headway_s for ln in midday])
    pk = np.array([ln.headway_s for ln in peak])
    uncapped = mid < 3600.0  # headways are capped at an hour after the rule
    assert uncapped.sum() > 20
    assert pk[uncapped] == pytest.approx(mid[uncapped] / 1.96)
    assert np.all(pk[~uncapped] <= 3600.0)


@pytest.mark.slow
def test_bundled_city_signals_and_junction_arrays(poa_network):
    net = poa_network
    from sim.network.arrays import Layer

    drive = net.layer == Layer.DRIVE
    assert net.meta["signal_approaches"] > 1500 and net.meta["signal_clusters"] > 500
    assert net.signals[drive].sum() == net.meta["signal_approaches"]
    sig = drive & (net.signals > 0)
    assert np.all((net.green_ratio[sig] > 0.1) & (net.green_ratio[sig] < 0.9))
    assert np.all((net.cycle_s[sig] >= J.MIN_CYCLE_S) & (net.cycle_s[sig] <= J.MAX_CYCLE_S))
    assert np.all(net.signals[~drive] == 0) and np.all(net.saturation_flow[drive] == 1800.0)
    assert Path(net.meta.get("city", "porto_alegre")).name == "porto_alegre"
