"""The day on hand-computed toy networks: equilibrium, logit shares, conservation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.choice import ChoiceParams
from sim.model import CommuteModel
from tests.toy import households, toy_city, two_route_network, two_zones


def bpr(t0: float, x: float, cap: float) -> float:
    return t0 * (1 + 0.15 * (x / cap) ** 4)


def make_model(n: int, q_per_hour: float, seed: int = 1, **params) -> CommuteModel:
    p = ChoiceParams(peak_hour_factor=1.0, **params)
    return CommuteModel(
        toy_city(),
        seed=seed,
        network=two_route_network(),
        zones=two_zones(float(n)),
        population=households(n, weight=q_per_hour / n),
        params=p,
        agents=False,
    )


def test_two_routes_converge_to_wardrop_equilibrium():
    q = 3000.0
    model = make_model(200, q)
    model.run(150)
    net = model.network
    # route A's first link is D0(2) -> D2(4); route B's is D0 -> D3(5)
    a = np.flatnonzero((net.tail == 2) & (net.indices == 4))[0]
    b = np.flatnonzero((net.tail == 2) & (net.indices == 5))[0]
    x_a, x_b = model.car_flow[a], model.car_flow[b]

    def excess(x):
        return 2 * bpr(300, x, 1000) - 2 * bpr(450, q - x, 2000)

    x_star = brentq(excess, 0, q)
    assert x_a + x_b == pytest.approx(q, rel=1e-9)  # every trip is on one of the routes
    assert x_a == pytest.approx(x_star, abs=0.02 * q)
    assert abs(model.relative_gap) < 0.02
    # at equilibrium both routes take the same time
    t_a, t_b = 2 * bpr(300, x_a, 1000), 2 * bpr(450, x_b, 2000)
    assert t_a == pytest.approx(t_b, rel=0.05)


def test_uncongested_logit_shares_match_closed_form():
    # huge capacities keep free-flow times: car 10 min vs walk 11 km at 5 km/h (132 min)
    n = 20_000
    params = dict(asc={"car": 0.0, "walk": 190.0}, max_walk_min=1000.0, scale=0.1,
                  walk_mode_weight=1.5)  # fmt: skip
    model = CommuteModel(
        toy_city(),
        seed=3,
        network=two_route_network(cap_a=1e12, cap_b=1e12, walk_m=11_000.0),
        zones=two_zones(float(n)),
        population=households(n, vot=1e9),  # money does not matter
        params=ChoiceParams(peak_hour_factor=1.0, **params),
        agents=False,
    )
    model.step()
    walk_min = 11_000 / (5 / 3.6) / 60 * 1.5  # walking the whole way weighs 1.5
    car_min = 600 / 60
    v_walk, v_car = 0.1 * (190.0 - walk_min), 0.1 * (0.0 - car_min)
    p_car = np.exp(v_car) / (np.exp(v_car) + np.exp(v_walk))
    share = float(np.mean(model.mode == 4))
    sigma = np.sqrt(p_car * (1 - p_car) / n)
    assert abs(share - p_car) < 4 * sigma
    assert 0.2 < p_car < 0.8  # the test only means something if both modes are chosen


def test_every_household_makes_one_trip_and_loads_sum_to_trips():
    q = 1000.0
    model = make_model(500, q, seed=5)
    model.step()
    assert (model.mode == 4).all()  # only car is available
    # day one: MSA flow equals the all-or-nothing load; all trips leave D0 (node 2)
    out_of_origin = model.car_flow[model.network.tail == 2].sum()
    into_destination = model.car_flow[model.network.indices == 3].sum()
    assert out_of_origin == pytest.approx(q)
    assert into_destination == pytest.approx(q)


def three_mode_model(n: int = 4000, **params) -> CommuteModel:
    """Households owning a car and a motorbike at W0: walk, car and motorbike all available."""
    base = dict(asc={"walk": 120.0, "car": 0.0, "motorbike": 0.0}, max_walk_min=1000.0,
                walk_mode_weight=1.6)  # fmt: skip
    return CommuteModel(
        toy_city(),
        seed=11,
        network=two_route_network(cap_a=1e12, cap_b=1e12),
        zones=two_zones(float(n)),
        population=households(n, car=True, moto=True, vot=1e9),
        params=ChoiceParams(peak_hour_factor=1.0, **{**base, **params}),
        agents=False,
    )


def test_persistent_tastes_move_switchers_only_to_the_alternative_that_improved():
    from dataclasses import replace

    model = three_mode_model()
    model.run(3)
    before = model.mode.copy()
    assert len(np.unique(before)) == 3  # all three alternatives are chosen
    model.params = replace(model.params, asc={**model.params.asc, "motorbike": 8.0})
    model.step()
    switched = model.mode != before
    assert switched.mean() > 0.02
    # a better motorbike draws households to it; nobody trades walk for car or back
    assert (model.mode[switched] == 5).all()


def test_expected_cost_is_the_logsum_of_todays_options():
    from scipy.special import logsumexp

    model = three_mode_model(n=50, scale=0.2)
    model.step()
    asc = model.params.asc_vector()
    skims = model.skims[0]
    avail = np.isfinite(skims)
    assert avail.sum() == 3  # walk, car and motorbike; no transit in the toy
    expected = -logsumexp(0.2 * (asc[avail] - skims[avail])) / 0.2
    assert model.expected_cost_min()[0] == pytest.approx(expected)
    # the expected cost is below every option's cost less its constant: choice has value
    assert model.expected_cost_min()[0] < np.min(skims[avail] - asc[avail])


def test_vehicle_km_equal_the_road_load_times_length():
    # with motorbikes counted as one car each, the vehicle-km the households report equal the
    # vehicle-km loaded on the roads
    model = three_mode_model(moto_pce=1.0)
    model.step()
    net = model.network
    drive = model.costs.is_drive
    loaded = float(np.dot(model.last.car_flow[drive], net.length_m[drive]) / 1000)
    assert model.car_vkt() == pytest.approx(loaded)
    km = model.vehicle_km()
    assert km["car"] > 0 and km["motorbike"] > 0
    assert model.co2_kg() == pytest.approx(0.180 * km["car"] + 0.090 * km["motorbike"])
