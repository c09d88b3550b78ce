"""Warm starts (sim.warm): a scenario started from another's point, on the mini city."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim import build_model, load_scenario, with_overrides
from sim.interventions import apply
from sim.warm import edge_keys, edge_map
from tests.conftest import DATA

SCENARIOS = DATA / "scenarios"


@pytest.fixture(scope="module")
def make(mini_network):
    def make_model(name: str):
        s = with_overrides(load_scenario(SCENARIOS / name), {"households": 600})
        return build_model(s, base_network=mini_network)[0]

    return make_model


@pytest.fixture(scope="module")
def handed(make):
    """The baseline solved for 10 iterations, handing over its point after 4."""
    base = make("mini_baseline.toml")
    conv = base.equilibrate(max_iterations=10, hand_over=4, tol=1e-12)
    assert base.warm_state is not None and base.warm_state.iteration == 4
    return base, conv


def test_a_point_started_from_retraces_the_run_that_handed_it_over(make, handed):
    """The same scenario from its own point after 4 iterations goes on exactly as the run that
    handed it over: the same gaps, flows and probabilities to the last bit. ``compare``
    reports a baseline that handed its point over, and its scenarios start from that point:
    the baseline must take their path, or the two paths' solver errors show up as effects
    (with its own columns, the run differed in the last bits here, and by 0.008 min a trip
    for the far households of the Porto Alegre cable on seed 42)."""
    base, conv = handed
    again = make("mini_baseline.toml")
    c2 = again.equilibrate(max_iterations=10, warm=base.warm_state, tol=1e-12)
    assert c2.warm_from == 4 and c2.iterations == 6 and again.iterations == 10
    assert c2.warm_start["trips"] == again.trips.n and c2.warm_start["trips_new"] == 0
    assert c2.relative_gap == conv.relative_gap[4:]
    assert np.array_equal(again.car_flow, base.car_flow)
    assert np.array_equal(again.transit_flow, base.transit_flow)
    assert np.array_equal(again.prob, base.prob)


@pytest.mark.parametrize("name", ["mini_cable.toml", "mini_road.toml"])
def test_a_warm_start_reaches_the_equilibrium_a_cold_start_reaches(make, handed, name):
    """Started from the baseline's point, a scenario converges to the flows it reaches from
    empty roads (road flows and mode probabilities are unique at equilibrium)."""
    base, _ = handed
    warm, cold = make(name), make(name)
    cw = warm.equilibrate(max_iterations=50, warm=base.warm_state, tol=1e-8)
    cold.equilibrate(max_iterations=50, tol=1e-8)
    assert cw.warm_start["columns"] > 0 and cw.final_gap <= 1e-5
    assert np.abs(warm.car_flow - cold.car_flow).max() <= 1e-4 * cold.car_flow.max()
    assert np.abs(warm.prob - cold.prob).max() <= 1e-3


def test_trips_missing_from_the_point_keep_the_cold_start(make, handed):
    """A trip the point does not hold (another destination, say) starts as from empty roads;
    the others take the point's flows, and the link flows are those of the columns."""
    base, _ = handed
    state = base.warm_state
    key = state.trip_key.copy()
    key[:50, 2] = -7  # a destination no trip has
    model = make("mini_baseline.toml")
    conv = model.equilibrate(max_iterations=6, warm=replace(state, trip_key=key), tol=1e-12)
    assert conv.warm_start["trips_new"] == 50
    assert conv.final_gap < 1e-2


def test_edges_map_onto_a_network_with_a_new_line(mini_network):
    """Every edge of the city maps onto the city with a cable (renumbered as it may be), no
    two onto one, and each onto an edge with the same ends and layer."""
    s = load_scenario(SCENARIOS / "mini_cable.toml")
    cable = apply(mini_network, s.interventions).network
    emap = edge_map(edge_keys(mini_network), cable)
    assert (emap >= 0).all()
    assert np.unique(emap).size == emap.size
    assert cable.n_edges > mini_network.n_edges
    np.testing.assert_array_equal(cable.layer[emap], mini_network.layer)
    np.testing.assert_allclose(cable.x[cable.tail[emap]], mini_network.x[mini_network.tail])
    np.testing.assert_allclose(cable.y[cable.indices[emap]], mini_network.y[mini_network.indices])


def test_trips_without_an_origin_are_found(make, handed):
    """A trip with no origin in a layer (a stream entering by road has no walk origin) is
    found in the point as any other."""
    from types import SimpleNamespace

    from sim import warm as W

    base, _ = handed
    state = base.warm_state
    model = make("mini_road.toml")
    trips = replace(model.trips, walk_node=model.trips.walk_node.copy())
    trips.walk_node[:10] = -1
    key = state.trip_key.copy()
    key[:10, 4] = -1
    nmap = np.arange(state.n_nodes)
    view = SimpleNamespace(trips=trips, ktrips=model.ktrips)
    rows = W._trip_rows(view, replace(state, trip_key=key), nmap)
    np.testing.assert_array_equal(rows, np.arange(model.trips.n))


def test_a_point_that_does_not_carry_over_is_only_a_start(make, handed):
    """When most of the point's route flow finds no column (here: every trip is another's),
    the run takes all its iterations instead of counting the point's."""
    base, _ = handed
    state = base.warm_state
    key = state.trip_key.copy()
    key[:, 0] += 10_000  # no household of the point is in the model
    model = make("mini_road.toml")
    conv = model.equilibrate(max_iterations=6, warm=replace(state, trip_key=key), tol=1e-12)
    assert conv.warm_start["flow_share"] == 0.0
    assert conv.warm_from == 0 and conv.iterations == 6 and model.iterations == 6


def test_a_point_that_carries_over_says_so(make, handed):
    base, _ = handed
    model = make("mini_cable.toml")
    conv = model.equilibrate(max_iterations=6, warm=base.warm_state)
    assert conv.warm_start["flow_share"] >= 0.99 and conv.warm_from == 4
