"""The solver's road sweep (:mod:`sim.kernels.roads`): link times as the road cost functions
give them, Wardrop's split on two routes, and link flows that stay those of the columns."""

from __future__ import annotations

import numpy as np
import pytest

from sim import equilibrium as E
from sim import warm
from sim.columns import Columns, road_parameters
from sim.kernels.roads import edge_time
from sim.model import CommuteModel
from tests.test_congestion import roads as hand_roads
from tests.test_equilibrium import _solved_columns, route_links, toy, wardrop_split


@pytest.mark.parametrize("network", ["hand", "mini"])
def test_edge_times_are_the_road_cost_functions(network, mini_city, mini_network):
    """The kernel's time and slope of every drive edge equal :class:`RoadCosts`' (numpy) from
    empty roads to twice their capacity: on the hand-built signal and priority junction of
    the congestion tests, and on the mini city's streets."""
    if network == "hand":
        roads = hand_roads()
        assert roads.signals.max() > 0 and roads.priority_s.max() > 0
    else:
        roads = CommuteModel(mini_city, 50, seed=1, network=mini_network, agents=False).costs.roads
    road = road_parameters(roads)
    rng = np.random.default_rng(3)
    for scale in (0.0, 0.5, 1.0, 2.0):
        v = rng.uniform(0.0, scale, roads.n) * roads.capacity_mid
        kernel = np.array([edge_time(i, v[i], road) for i in range(roads.n)])
        np.testing.assert_allclose(kernel[:, 0], roads.times(v), rtol=1e-12)
        np.testing.assert_allclose(kernel[:, 1], roads.marginal(v), rtol=1e-12, atol=1e-15)


def _two_columns(model: CommuteModel) -> Columns:
    """Everyone on the free-flow route, and a second column grown at the loaded costs."""
    columns, _, params = _solved_columns(model, iterations=0)
    assert columns.add(E._kernel_costs(model), params) == 1  # the other route, now cheaper
    return columns


def test_road_sweeps_reach_wardrops_split_on_two_routes():
    """From everyone on route A, the sweeps alone (no line search) reach the flow at which both
    routes take the same time (brentq on the BPR curves), and carry every driver over."""
    model = toy()
    columns = _two_columns(model)
    a, b = route_links(model)
    assert model.car_flow[b] == 0.0
    driving = model.car_flow[a]  # all but a walking share of about 1e-9
    assert columns.shift_roads(30) > 0
    assert model.car_flow[a] == pytest.approx(wardrop_split(driving), rel=1e-6)
    assert model.car_flow[a] + model.car_flow[b] == pytest.approx(driving, rel=1e-12)
    assert (columns.fcol >= 0).all()


def test_one_road_sweep_moves_a_lone_trip_by_its_own_newton_step():
    """A single trip: one shift is Newton's step on its cost difference, by hand from the road
    cost functions over the links one route uses and the other does not."""
    model = toy(n=1)
    columns = _two_columns(model)
    roads = model.costs.roads
    before = model.car_flow[roads.edges]
    x = before.max()
    columns.shift_roads(1)
    after = model.car_flow[roads.edges]
    a_only = (before > 0) & (after < before)
    b_only = (before == 0) & (after > 0)
    assert a_only.sum() >= 1 and b_only.sum() >= 1
    t0, s0 = roads.times(before + 0.0), roads.marginal(before + 0.0)
    gap = t0[a_only].sum() - t0[b_only].sum()
    step = min(x, gap / (s0[a_only].sum() + s0[b_only].sum()))
    np.testing.assert_allclose(after[b_only], step, rtol=1e-9)
    np.testing.assert_allclose(after[a_only], x - step, rtol=1e-9)


def test_link_flows_stay_those_the_columns_load(mini_city, mini_network):
    """After road sweeps the model's car flows are the columns' flows pushed along their paths,
    transit flows and mode probabilities do not move, and the road part of the gap vanishes."""
    model = CommuteModel(mini_city, 400, seed=7, network=mini_network, agents=False)
    columns, nonroute, params = _solved_columns(model, iterations=0)
    warm.load(model, columns)  # everyone on the free-flow columns
    assert columns.add(E._kernel_costs(model), params) > 0  # routes at the loaded costs
    prob, transit = model.prob.copy(), model.transit_flow.copy()

    def road_gap() -> float:
        columns.direction(E._kernel_costs(model), E._slot_slopes(model), params, nonroute,
                          model.prob, shares_only=True)  # fmt: skip
        return E._column_gap(model, columns.last_costs, columns.choice_costs).road

    before = road_gap()
    assert columns.shift_roads(5) > 0
    after = road_gap()
    car = model.car_flow.copy()
    warm.load(model, columns)
    np.testing.assert_allclose(car, model.car_flow, rtol=0, atol=1e-9 * car.max())
    np.testing.assert_array_equal(model.prob, prob)
    np.testing.assert_allclose(model.transit_flow, transit, rtol=0, atol=1e-9)
    assert before > 0 and after < 1e-6 * before  # on the kept columns, routes are at Wardrop
