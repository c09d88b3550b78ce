"""Each intervention's effect on the network arrays, checked by hand."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.interventions import (
    BundledLine,
    BusRoute,
    CableLine,
    Capex,
    FarePolicy,
    NewRoad,
    RemoveLine,
    RoadUpgrade,
    apply,
    select_roads,
    system_fare,
)
from sim.network.arrays import Layer, lines_in_service
from sim.network.road_classes import LANE_CAPACITY_VPH
from tests.toy import cheapest_fare, two_line_network

TOP, MID, BOTTOM = (-51.1620, -30.0750), (-51.1700, -30.0675), (-51.1780, -30.0600)


def cable(**kw):
    args = dict(type="cable_line", name="c", stations=(TOP, MID, BOTTOM), fare=4.7)
    return CableLine(**{**args, **kw})


def test_cable_line_adds_two_directions_with_capacity_and_ride_time(mini_network):
    net = mini_network
    out = apply(net, (cable(cabin_interval_s=12.0, cabin_capacity=8.0, speed_mps=5.0),))
    new = out.network
    hops = np.flatnonzero(new.layer == Layer.CABLE)
    assert hops.size == 4  # 3 stations, 2 directions
    assert np.allclose(new.capacity[hops], 3600 / 12 * 8)
    # ride time of each hop = length / speed, plus the dwell at the next station unless it is
    # the terminal (run times run departure to departure; the last ends on arrival)
    terminal = np.isin(new.indices[hops], [new.stop_node[new.stop_line == li][-1]
                                           for li in np.unique(new.edge_line[hops])])  # fmt: skip
    expected = new.length_m[hops] / 5.0 + np.where(terminal, 0.0, 20.0)
    assert np.allclose(new.time_s[hops], expected)
    board = np.flatnonzero((new.layer == Layer.BOARD) & (new.lines.mode[new.edge_line] == 4))
    assert np.allclose(new.time_s[board], 6.0)  # half the cabin interval
    assert np.allclose(new.fare[board], 4.7)
    report = out.reports[0]
    assert report["capacity_per_hour"] == pytest.approx(2400)
    assert report["length_m"] == pytest.approx(new.length_m[hops].sum() / 2)
    assert net.n_edges < new.n_edges and not np.any(net.layer == Layer.CABLE)


def _paid_nodes_of(net, lines):
    """Paid nodes the given lines' transfers leave from or arrive at, and those one paid walk
    away."""
    off = (net.layer == Layer.TRANSFER_OFF) & np.isin(net.edge_line, lines)
    on = (net.layer == Layer.TRANSFER) & np.isin(net.edge_line, lines)
    nodes = np.union1d(net.indices[off], net.tail[on])
    walk = (net.layer == Layer.PAID_WALK) & np.isin(net.tail, nodes)
    return set(nodes.tolist()) | set(net.indices[walk].tolist())


def test_cable_integrated_fare_system_gets_integrated_transfers(mini_network):
    # the mini city's EPTC rule (as Porto Alegre's): every integrated transfer pays half a fare
    new = apply(mini_network, (cable(integrated_with="eptc"),)).network
    transfers = np.flatnonzero(new.layer == Layer.TRANSFER)
    assert transfers.size > 0
    assert np.allclose(new.fare[transfers], 0.5 * 4.70)
    cable_lines = np.flatnonzero(new.lines.mode == 4)
    bus_lines = np.flatnonzero(new.lines.mode == 2)
    touches = np.isin(new.edge_line[transfers], cable_lines)
    # transfers run both into and out of the cable, through the buses' paid nodes
    assert touches.any() and (~touches).any()
    assert _paid_nodes_of(new, cable_lines) & _paid_nodes_of(new, bus_lines)
    # a cable of its own fare system shares no paid node with the buses: changing pays again
    unintegrated = apply(mini_network, (cable(),)).network
    cable_lines = np.flatnonzero(unintegrated.lines.mode == 4)
    bus_lines = np.flatnonzero(unintegrated.lines.mode == 2)
    assert not _paid_nodes_of(unintegrated, cable_lines) & _paid_nodes_of(unintegrated, bus_lines)


def test_road_upgrade_changes_only_selected_roads(mini_network):
    net = mini_network
    up = RoadUpgrade(type="road_upgrade", name="r", name_pattern="Bento Gon", add_lanes=1.0,
                     capacity_factor=1.5, speed_kph=60.0)  # fmt: skip
    sel = select_roads(net, up)
    assert sel.size > 0
    assert all("Bento Gon" in n for n in net.name[sel])
    new = apply(net, (up,)).network
    per_lane = net.capacity[sel] / np.maximum(net.lanes[sel], 1)
    assert np.allclose(new.lanes[sel], np.maximum(net.lanes[sel], 1) + 1)
    assert np.allclose(new.capacity[sel], per_lane * new.lanes[sel] * 1.5)
    assert np.allclose(new.time_s[sel], net.length_m[sel] / (60 / 3.6))
    other = np.setdiff1d(np.arange(net.n_edges), sel)
    assert np.array_equal(new.capacity[other], net.capacity[other])
    assert np.array_equal(new.time_s[other], net.time_s[other])


def test_road_selector_combines_with_and(mini_network):
    net = mini_network
    by_name = select_roads(net, RoadUpgrade(type="road_upgrade", name="a", name_pattern="."))
    box = (-51.175, -30.070, -51.165, -30.060)
    both = select_roads(net, RoadUpgrade(type="road_upgrade", name="b", name_pattern=".", bbox=box))
    assert 0 < both.size < by_name.size
    mx = (net.x[net.tail[both]] + net.x[net.indices[both]]) / 2
    assert ((mx >= box[0]) & (mx <= box[2])).all()


def test_new_road_adds_links_with_time_from_speed(mini_network):
    net = mini_network
    road = NewRoad(type="new_road", name="n", start=TOP, end=BOTTOM, lanes=2, speed_kph=40)
    out = apply(net, (road,))
    new = out.network
    added = np.flatnonzero(new.name == "n")
    assert added.size == 2
    assert np.allclose(new.time_s[added], new.length_m[added] / (40 / 3.6))
    assert (new.layer[added] == Layer.DRIVE).all()
    assert new.n_edges == net.n_edges + 2
    # bus hops still point at the same road edges (ids remapped through the re-sort)
    assert np.allclose(
        np.sort(new.time_s[new.bus_hop_roads]), np.sort(net.time_s[net.bus_hop_roads])
    )


def test_bus_route_runs_at_speed_factor_of_free_flow(mini_network):
    route = BusRoute(type="bus_route", name="b", stops=(TOP, MID, BOTTOM), headway_s=300,
                     speed_factor=1.5, dwell_s=10, fare=2.0)  # fmt: skip
    new = apply(mini_network, (route,)).network
    k0 = mini_network.bus_edges.size
    assert new.bus_edges.size == k0 + 4
    for k in range(k0, k0 + 4):
        roads = new.bus_hop_roads[new.bus_hop_indptr[k] : new.bus_hop_indptr[k + 1]]
        assert roads.size > 0
        assert new.time_s[new.bus_edges[k]] == pytest.approx(1.5 * new.time_s[roads].sum() + 10)


def test_fare_policy_sets_fares_and_subsidies(mini_network):
    policy = FarePolicy(type="fare_policy", name="f", fares={"bus": 3.0}, subsidy={"1": 0.5})
    out = apply(mini_network, (policy,))
    board = out.network.layer == Layer.BOARD
    assert np.allclose(out.network.fare[board], 3.0)
    assert np.allclose(out.network.lines.fare, 3.0)
    assert out.fare_subsidy == {"1": 0.5}
    assert np.allclose(mini_network.fare[board], 4.7)  # input untouched


def test_remove_and_bundled_line(mini_network):
    name = str(mini_network.lines.name[0])
    pattern = "^" + name.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[") + "$"
    new = apply(mini_network, (RemoveLine(type="remove_line", name="x", line_pattern=pattern),))
    board = (new.network.layer == Layer.BOARD) & (new.network.edge_line == 0)
    assert np.isinf(new.network.time_s[board]).all()
    kept = apply(mini_network, (BundledLine(type="bundled_line", name="k", line_pattern=pattern,
                                            capex=Capex(amount=5.0)),))  # fmt: skip
    assert kept.network is mini_network
    assert kept.reports[0]["capex"] == 5.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: cable(stations=(TOP,)), "at least 2 stations"),
        (lambda: cable(cabin_capacity=-1.0), "`cabin_capacity` must be > 0"),
        (lambda: Capex(amount=-1.0), "`capex.amount` must be >= 0"),
        (lambda: RoadUpgrade(type="road_upgrade", name="r"), "at least one selector"),
        (lambda: FarePolicy(type="fare_policy", name="f", subsidy={"1": 2.0}), "in [0, 1]"),
    ],
)
def test_bad_intervention_values(make, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (cable(stations=((-50.0, -30.0), MID)), "outside the city"),
        (cable(stations=(TOP, MID), max_snap_m=1e-3), "from the nearest walkable node"),
        (
            RoadUpgrade(type="road_upgrade", name="r", name_pattern="No Such Street"),
            "matches no road",
        ),
        (cable(integrated_with="nope"), "fare systems here"),
    ],
)
def test_bad_intervention_against_network(mini_network, item, message):
    with pytest.raises(ScenarioError, match=message) as err:
        apply(mini_network, (item,))
    assert "\n" not in str(err.value)


# -- networks are not shared through meta --------------------------------------------------------


def test_applying_a_cable_leaves_the_input_meta_alone(mini_network):
    before = copy.deepcopy(mini_network.meta)
    new = apply(mini_network, (cable(),)).network
    assert mini_network.meta == before
    assert "cable c" in new.meta["fare_systems"]
    assert "cable c" not in mini_network.meta["fare_systems"]
    # so a second scenario on the same base cannot integrate with the first one's cable
    with pytest.raises(ScenarioError, match="fare systems here"):
        apply(mini_network, (cable(name="d", integrated_with="cable c"),))


# -- new roads -----------------------------------------------------------------------------------


def test_new_road_lanes_carry_what_existing_primaries_do(mini_network):
    net = mini_network
    road = NewRoad(type="new_road", name="n", start=TOP, end=BOTTOM, lanes=2)
    new = apply(net, (road,)).network
    added = np.flatnonzero(new.name == "n")
    assert (new.highway[added] == "primary").all()
    # the per-lane capacity the loader gave this city's primaries (most of them: simplified
    # edges spanning a weaker class keep its bottleneck)
    old = (net.layer == Layer.DRIVE) & (net.highway == "primary")
    per_lane, counts = np.unique(net.capacity[old] / net.lanes[old], return_counts=True)
    assert np.allclose(new.capacity[added] / 2, per_lane[np.argmax(counts)])
    assert np.allclose(new.capacity[added] / 2, LANE_CAPACITY_VPH["primary"])


def test_new_road_keeps_a_long_name(mini_network):
    longest = max(len(n) for n in mini_network.name)
    name = "Nova Avenida " + "x" * longest
    new = apply(mini_network, (NewRoad(type="new_road", name=name, start=TOP, end=BOTTOM),))
    assert (new.network.name == name).sum() == 2


def test_cable_defaults_to_a_cabin_every_12_s():
    c = cable()
    assert c.cabin_interval_s == 12.0
    assert c.capacity_per_hour == pytest.approx(3000.0)  # 300 cabins x 10 people


# -- integrated fares ---------------------------------------------------------------------------


def test_fare_policy_rederives_transfer_fares():
    # toy: line A (cable, 1) and B (metro, 3) of one system; the policy makes the cable dearer
    net = two_line_network(fare_a=1.0, fare_b=3.0)
    policy = FarePolicy(type="fare_policy", name="f", fares={"cable": 5.0})
    new = apply(net, (policy,)).network
    assert new.lines.fare.tolist() == [5.0, 5.0, 3.0, 3.0]
    # A then B: 5 + 0; B then A: 3 + (5 - 3); B alone still 3
    assert cheapest_fare(new, 0, 2) == pytest.approx(5.0)
    assert cheapest_fare(new, 2, 0) == pytest.approx(5.0)
    assert cheapest_fare(new, 1, 2) == pytest.approx(3.0)
    assert cheapest_fare(net, 0, 2) == pytest.approx(3.0)  # input untouched


def test_cheap_integrated_cable_is_no_free_way_onto_the_buses(mini_network):
    # a cable of fare 0.45 integrated with the buses (4.70, half a fare a transfer): cable then
    # bus pays 0.45 + (4.70 - 0.45) + 2.35, the dearest leg plus the top-up; after a bus the
    # level paid is 4.70 and a bus or the cable costs only the top-up
    new = apply(mini_network, (cable(integrated_with="eptc", fare=0.45),)).network
    transfer = np.flatnonzero(new.layer == Layer.TRANSFER)
    onto_cable = new.lines.mode[new.edge_line[transfer]] == 4
    assert onto_cable.any() and (~onto_cable).any()
    onto_bus = np.round(new.fare[transfer[~onto_cable]], 9)
    assert set(onto_bus) == {round(4.70 - 0.45 + 2.35, 9), 2.35}
    assert np.allclose(new.fare[transfer[onto_cable]], 0.5 * 0.45)


def test_fare_required_unless_integrated(mini_network):
    with pytest.raises(ScenarioError, match="`fare` is required") as err:
        CableLine(type="cable_line", name="c", stations=(TOP, BOTTOM))
    assert "\n" not in str(err.value) and "integrated_with" in str(err.value)
    with pytest.raises(ScenarioError, match="`fare` is required"):
        BusRoute(type="bus_route", name="b", stops=(TOP, BOTTOM))
    with pytest.raises(ScenarioError, match="`fare` must be a number >= 0"):
        cable(fare=-1.0, integrated_with="eptc")
    # integrated: the fare of the system (every EPTC line of the mini city charges 4.70)
    integrated = CableLine(type="cable_line", name="c", stations=(TOP, BOTTOM),
                           integrated_with="eptc")  # fmt: skip
    out = apply(mini_network, (integrated,))
    n = out.network
    board = (n.layer == Layer.BOARD) & (n.lines.mode[n.edge_line] == 4)
    assert board.any() and np.allclose(n.fare[board], 4.70)
    assert out.reports[0]["fare"] == pytest.approx(4.70)
    bus = BusRoute(type="bus_route", name="b", stops=(TOP, BOTTOM), integrated_with="eptc")
    new = apply(mini_network, (bus,)).network
    assert np.allclose(new.lines.fare[-2:], 4.70)
    assert new.lines.fare_system[-1] == new.meta["fare_systems"]["eptc"]
    with pytest.raises(ScenarioError, match="fare systems here: eptc"):
        apply(mini_network, (BusRoute(type="bus_route", name="b", stops=(TOP, BOTTOM),
                                      integrated_with="nope"),))  # fmt: skip


def test_scenario_without_a_cable_fare_names_file_and_field(tmp_path):
    from sim.scenario import load_scenario

    path = tmp_path / "s.toml"
    path.write_text('name = "x"\n[[interventions]]\ntype = "cable_line"\nname = "c"\n'
                    "stations = [[-51.16, -30.07], [-51.17, -30.06]]\n")  # fmt: skip
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert str(path) in msg and "`fare` is required" in msg and "\n" not in msg


def test_system_fare_is_the_most_common_fare():
    net = two_line_network(fare_a=1.0, fare_b=3.0)  # two lines (rows) at 1, two at 3: a tie
    assert system_fare(net, "s") == 3.0
    new = apply(net, (FarePolicy(type="fare_policy", name="f", fares={"metro": 1.0}),)).network
    assert system_fare(new, "s") == 1.0


# -- remove_line / bundled_line -------------------------------------------------------------------


def test_line_patterns_ignore_case():
    net = two_line_network()
    out = apply(net, (RemoveLine(type="remove_line", name="x", line_pattern="^b "),))
    assert out.reports[0]["lines"] == ["B →", "B ←"]
    assert lines_in_service(out.network).tolist() == [True, True, False, False]
    kept = apply(net, (BundledLine(type="bundled_line", name="k", line_pattern="^a "),))
    assert kept.reports[0]["lines"] == ["A →", "A ←"]


def test_bundled_line_must_run():
    net = two_line_network()
    items = (RemoveLine(type="remove_line", name="x", line_pattern="^B "),
             BundledLine(type="bundled_line", name="k", line_pattern="^B "))  # fmt: skip
    with pytest.raises(ScenarioError, match="out of service") as err:
        apply(net, items)
    assert "bundled_line `k`" in str(err.value) and "\n" not in str(err.value)
    # a pattern that also matches a running line is fine, and reports the running ones
    wide = BundledLine(type="bundled_line", name="k", line_pattern="→")
    assert apply(net, (items[0], wide)).reports[1]["lines"] == ["A →"]


def test_removed_bus_lines_run_no_buses_on_the_roads(mini_city, mini_network):
    from sim.model import CommuteModel

    new = apply(mini_network, (RemoveLine(type="remove_line", name="all", line_pattern="."),))
    kw = dict(households=200, seed=1, agents=False)
    before = CommuteModel(mini_city, network=mini_network, **kw)
    after = CommuteModel(mini_city, network=new.network, reference=mini_network, **kw)
    assert before.bus_preload.sum() > 0
    assert after.bus_preload.sum() == 0
