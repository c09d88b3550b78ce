"""Synthetic households: draws follow the zone tables, the gravity model balances, bad input
is one line."""

from __future__ import annotations

import numpy as np
import pytest

from sim.calibrate import alternative_shares, calibrate, target_alternative_shares
from sim.errors import DataError, ScenarioError
from sim.model import CommuteModel
from sim.modes import MODE_NAMES
from sim.population import destination_zones, gravity_matrix, synthesise
from sim.zones import load_zones


@pytest.fixture(scope="module")
def poa(poa_city, poa_network):
    zones = load_zones(poa_city)
    hh = synthesise(poa_city, zones, poa_network, 40_000, np.random.default_rng(0))
    return poa_city, zones, hh


def test_homes_follow_population(poa):
    _, zones, hh = poa
    counts = np.bincount(hh.home_zone, minlength=zones.n)
    expected = zones.population / zones.population.sum() * hh.n
    big = expected > 100
    # multinomial draws: within 5 standard deviations in every large zone
    assert (np.abs(counts[big] - expected[big]) < 5 * np.sqrt(expected[big])).all()
    assert counts[zones.population == 0].sum() == 0


def test_income_classes_are_quintiles_and_ownership_rises_with_income(poa):
    _, zones, hh = poa
    shares = np.bincount(hh.income_class, minlength=6)[1:] / hh.n
    assert np.allclose(shares, 0.2, atol=0.002)
    car = [hh.car[hh.income_class == c].mean() for c in range(1, 6)]
    assert all(a < b for a, b in zip(car, car[1:], strict=False))
    vot = [np.median(hh.vot[hh.income_class == c]) for c in range(1, 6)]
    assert all(a < b for a, b in zip(vot, vot[1:], strict=False))
    assert not (hh.car & hh.moto).any()
    # households live in richer zones when they are richer
    zone_income = zones.income[hh.home_zone]
    assert np.mean(zone_income[hh.income_class == 5]) > 1.5 * np.mean(
        zone_income[hh.income_class == 1]
    )


def test_gravity_model_is_doubly_constrained():
    rng = np.random.default_rng(1)
    minutes = rng.uniform(5, 90, size=(30, 12))
    origins = rng.uniform(0, 100, 30)
    jobs = rng.uniform(1, 50, 12)
    trips = gravity_matrix(origins, jobs, minutes, beta=0.08, iterations=2000, tol=1e-12)
    assert np.allclose(trips.sum(axis=1), origins, rtol=1e-6)
    assert np.allclose(trips.sum(axis=0), jobs * origins.sum() / jobs.sum(), rtol=1e-6)
    # each origin sends more trips to the destination near it
    near = gravity_matrix(np.ones(2), np.ones(2), np.array([[10.0, 40.0], [40.0, 10.0]]))
    assert near[0, 0] > near[0, 1] and near[1, 1] > near[1, 0]


def test_destination_zones_keep_every_job(poa):
    _, zones, _ = poa
    from sim.city import load_city
    from sim.network.cache import load_network

    dest = destination_zones(zones, load_network(load_city("porto_alegre")), cell_m=800)
    assert dest.jobs.sum() == pytest.approx(zones.jobs.sum())
    assert (dest.of_zone[zones.jobs > 0] >= 0).all()


@pytest.mark.parametrize("n", [0, -5, 2.5])
def test_households_must_be_positive_integers(mini_city, mini_network, n):
    zones = load_zones(mini_city)
    with pytest.raises(ScenarioError, match="`households` must be a positive integer"):
        synthesise(mini_city, zones, mini_network, n, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (
            "population",
            "-5",
            "row 2, column `population`: '-5' is not allowed; allowed: a number >= 0",
        ),
        ("jobs", "0", "`jobs` sums to 0"),
        ("population", "0", "`population` sums to 0"),
        ("jobs", "lots", "row 2, column `jobs`: 'lots' is not allowed"),
        ("jobs", "inf", "row 2, column `jobs`: 'inf' is not allowed"),
        ("population", "nan", "row 2, column `population`: 'nan' is not allowed"),
        (
            "jobs",
            "",
            "row 2, column `jobs` is blank; allowed: a number >= 0, or blank with "
            "`zones.blank_counts_are_zero = true`",
        ),
    ],
)
def test_bad_zone_tables(mini_dir, column, value, message):
    import pandas as pd

    from sim.city import load_city

    path = mini_dir / "zones.csv"
    df = pd.read_csv(path)
    if value in ("0",):
        df[column] = 0
    else:
        df[column] = df[column].astype(object)
        df.loc[0, column] = value
    df.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_zones(load_city(mini_dir / "city.toml"))
    assert message in str(err.value) and "zones.csv" in str(err.value)
    assert "\n" not in str(err.value)


def test_target_shares_must_sum_to_one():
    with pytest.raises(ScenarioError, match="sum to 1.1"):
        target_alternative_shares({"walk": 0.5, "bus": 0.6})
    with pytest.raises(ScenarioError, match="unknown modes"):
        target_alternative_shares({"walk": 0.5, "tram": 0.5})


def test_city_targets_must_sum_to_one(mini_dir):
    from sim.city import load_city

    toml = mini_dir / "city.toml"
    toml.write_text(toml.read_text().replace("walk = 0.3", "walk = 0.4"))
    with pytest.raises(ScenarioError, match="`mode_shares` sum to 1.1000, not 1"):
        load_city(toml)


def test_calibration_finds_constants_that_hold_on_a_fresh_run(mini_city, mini_network):
    from sim.choice import ChoiceParams

    targets = {"walk": 0.3, "bus": 0.3, "car": 0.3, "motorbike": 0.1}
    want = target_alternative_shares(targets)

    def make(asc):
        return CommuteModel(mini_city, households=2000, seed=2, network=mini_network,
                            params=ChoiceParams(asc=asc), agents=False)  # fmt: skip

    asc, history = calibrate(make, targets, days=6, iterations=8, tol=0.01)
    err_before = sum(abs(history[0][a] - want[a]) for a in want)
    err_after = sum(abs(history[-1][a] - want[a]) for a in want)
    assert err_after < 0.25 * err_before
    assert err_after < 0.04
    assert asc["walk"] == 0.0
    # the last entry is a fresh run with the constants returned: it reproduces
    again = make(asc)
    again.run(6)
    assert alternative_shares(again) == history[-1]


def test_agents_are_views_with_mesa_verbs(mini_city, mini_network):
    model = CommuteModel(mini_city, households=300, seed=4, network=mini_network)
    model.step()
    assert len(model.agents) == 300
    poor = model.agents.select(lambda a: a.income_class == 1)
    assert len(poor) == int((model.households.income_class == 1).sum())
    mean_time = model.agents.agg("travel_time_min", np.mean)
    assert mean_time == pytest.approx(np.nanmean(model.travel_time_s) / 60)
    groups = model.agents.groupby("mode")
    sizes = {k: len(v) for k, v in groups}
    for i, name in enumerate(MODE_NAMES):
        assert sizes.get(name, 0) == int((model.mode == i).sum())
    frame = model.datacollector.get_model_vars_dataframe()
    assert {"relative_gap", "share_bus_c1", "fare_burden_c1", "car_vkt"} <= set(frame.columns)


def test_scenarios_share_one_population_drawn_on_the_reference_network(mini_city, mini_network):
    """Faster roads change free-flow times, hence the gravity draw of work zones; drawn on the
    city's own network (``reference``) the households stay the same, tastes included."""
    from dataclasses import fields, replace

    from sim.network.arrays import Layer

    drive = mini_network.layer == Layer.DRIVE
    faster = replace(mini_network, time_s=np.where(drive, mini_network.time_s / 3,
                                                   mini_network.time_s))  # fmt: skip
    kw = dict(households=3000, seed=5, agents=False)
    base = CommuteModel(mini_city, network=mini_network, **kw)
    shared = CommuteModel(mini_city, network=faster, reference=mini_network, **kw)
    own = CommuteModel(mini_city, network=faster, **kw)
    for f in fields(base.households):
        a, b = getattr(base.households, f.name), getattr(shared.households, f.name)
        assert np.array_equal(a, b), f.name
    assert np.array_equal(base.taste, shared.taste)
    # transit paths are searched for the same value-of-time classes
    assert np.array_equal(shared.classes.m1, base.classes.m1)
    assert np.array_equal(shared.classes.klass, base.classes.klass)
    # drawn on the faster network instead, some households would work elsewhere
    assert (own.households.work_zone != base.households.work_zone).any()
    assert np.array_equal(own.households.home_node, base.households.home_node)


def test_fare_subsidy_names_an_income_class_of_the_city(mini_city, mini_network):
    from sim.choice import ChoiceParams

    params = ChoiceParams(fare_subsidy={"7": 0.5})  # estratos: classes 1..6
    with pytest.raises(ScenarioError, match=r'`fare_subsidy.7`.*allowed: "1", "2", .*"6"$'):
        CommuteModel(mini_city, households=500, seed=1, network=mini_network, params=params,
                     agents=False)  # fmt: skip
    ok = CommuteModel(mini_city, households=500, seed=1, network=mini_network, agents=False,
                      params=ChoiceParams(fare_subsidy={"1": 0.5}))  # fmt: skip
    poorest = ok.households.income_class == 1
    share = ok.trips.fare1[ok.trips.household >= 0]
    mine = poorest[ok.trips.household]
    assert np.all(share[mine] == 0.5) and np.all(share[~mine] == 1.0)
