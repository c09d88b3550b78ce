"""Tests of sim.metrics: hand-computed cases first, then properties checked with hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import metrics as m

# --- accessibility -----------------------------------------------------------------------------


def test_cumulative_accessibility_hand_matrix_counts_the_boundary():
    times = np.array([[10.0, 30.0, 31.0], [np.nan, 45.0, np.inf]])
    jobs = np.array([100.0, 20.0, 5.0])
    got = m.cumulative_accessibility(times, jobs)
    # row 0: t=30 is inside the 30-min budget, t=31 only from 45 on; row 1: NaN and inf never
    np.testing.assert_array_equal(got, [[120.0, 125.0, 125.0], [0.0, 20.0, 20.0]])


def test_cumulative_accessibility_custom_thresholds_shape():
    times = np.array([[5.0, 15.0], [25.0, 0.0]])
    got = m.cumulative_accessibility(times, [1, 2], thresholds=[0, 20])
    np.testing.assert_array_equal(got, [[0.0, 3.0], [2.0, 2.0]])


def test_gravity_accessibility_exponential_hand_values():
    times = np.array([[0.0, 10.0], [np.inf, 20.0]])
    got = m.gravity_accessibility(times, [10.0, 5.0], beta=0.1)
    np.testing.assert_allclose(got, [10 + 5 * math.exp(-1), 5 * math.exp(-2)], rtol=1e-12)


def test_gravity_accessibility_power_form_floors_time_at_one_minute():
    got = m.gravity_accessibility([[0.5, 4.0, np.nan]], [10.0, 8.0, 99.0], beta=1.0, form="power")
    np.testing.assert_allclose(got, [10.0 + 8.0 / 4.0])


def test_gravity_with_zero_beta_counts_every_reachable_job():
    times = np.array([[1.0, 500.0, np.nan]])
    assert m.gravity_accessibility(times, [1.0, 2.0, 4.0], beta=0.0)[0] == 3.0


@pytest.mark.parametrize(
    ("times", "jobs", "kwargs", "match"),
    [
        ([1.0, 2.0], [1.0, 1.0], {}, "`times_min` must be 2-D"),
        ([[1.0, -2.0]], [1.0, 1.0], {}, "`times_min` must be non-negative"),
        ([[1.0, 2.0]], [1.0], {}, "`jobs` must have one entry per destination"),
        ([[1.0, 2.0]], [1.0, np.nan], {}, "`jobs` must not contain NaN"),
        ([[1.0, 2.0]], [1.0, -1.0], {}, "`jobs` must be non-negative"),
        ([[1.0, 2.0]], [1.0, 1.0], {"beta": -0.1}, "`beta`"),
        ([[1.0, 2.0]], [1.0, 1.0], {"form": "gaussian"}, "`form` must be one of"),
        ([[1.0, 2.0]], [1.0, 1.0], {"form": "logistic", "sd_min": 0.0}, "`cutoff_min` and"),
    ],
)
def test_gravity_accessibility_rejects_bad_input(times, jobs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        m.gravity_accessibility(times, jobs, **kwargs)


def test_cumulative_accessibility_rejects_negative_threshold():
    with pytest.raises(ValueError, match="`thresholds` must be non-negative"):
        m.cumulative_accessibility([[1.0]], [1.0], thresholds=[-5])


# --- Gini and Lorenz ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4], 0.25),  # sum|xi-xj| = 20 over 16 pairs, / (2 * 2.5)
        ([4, 3, 2, 1], 0.25),  # order does not matter
        ([0, 0, 0, 1], 0.75),  # 6 / 16 / (2 * 0.25)
        ([5, 5, 5], 0.0),
        ([0, 0, 0], 0.0),  # all zero: perfect equality by convention
        ([7], 0.0),
    ],
)
def test_gini_hand_values(values, expected):
    assert m.gini(values) == pytest.approx(expected, abs=1e-15)


def test_weighted_gini_hand_value():
    # [1, 2] with weights [3, 1] is [1, 1, 1, 2]: 6 ordered pairs differ by 1, mean 1.25
    assert m.gini([1.0, 2.0], weights=[3, 1]) == pytest.approx(6 / 16 / 2.5)


@pytest.mark.parametrize(
    ("values", "weights", "match"),
    [
        ([1.0, -1.0], None, "`values` must be non-negative"),
        ([1.0, np.nan], None, "`values` must not contain NaN"),
        ([], None, "`values` must not be empty"),
        ([[1.0, 2.0]], None, "`values` must be 1-D"),
        ([1.0, 2.0], [1.0], "`weights` must have the same length as `values`"),
        ([1.0, 2.0], [1.0, -1.0], "`weights` must be non-negative"),
        ([1.0, 2.0], [0.0, 0.0], "`weights` must sum to a positive number"),
    ],
)
def test_inequality_functions_reject_bad_input(values, weights, match):
    for fn in (m.gini, m.lorenz, m.palma):
        with pytest.raises(ValueError, match=match):
            fn(values, weights)


def test_lorenz_hand_curve():
    pop, val = m.lorenz([3.0, 1.0, 4.0, 2.0])
    np.testing.assert_allclose(pop, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(val, [0, 0.1, 0.3, 0.6, 1])


def test_lorenz_of_all_zero_is_the_diagonal():
    pop, val = m.lorenz([0.0, 0.0])
    np.testing.assert_array_equal(pop, val)


values_st = st.lists(
    st.floats(min_value=0, max_value=1e3, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=25,
)


@st.composite
def weighted_values(draw):
    values = draw(values_st)
    weights = draw(st.lists(st.integers(0, 5), min_size=len(values), max_size=len(values)))
    if sum(weights) == 0:
        weights[0] = 1
    return np.array(values), np.array(weights, dtype=float)


def _gini_brute_force(x):
    x = np.asarray(x, dtype=float)
    mu = x.mean()
    if mu == 0:
        return 0.0
    return np.abs(x[:, None] - x[None, :]).mean() / (2 * mu)


@given(values_st)
def test_gini_matches_mean_absolute_difference(values):
    assert m.gini(values) == pytest.approx(_gini_brute_force(values), abs=1e-9)


@given(weighted_values())
def test_weighted_gini_equals_gini_of_replicated_data(vw):
    values, weights = vw
    replicated = np.repeat(values, weights.astype(int))
    assert m.gini(values, weights) == pytest.approx(m.gini(replicated), abs=1e-9)


@given(values_st, st.floats(min_value=1e-3, max_value=1e3))
def test_gini_is_scale_invariant_and_below_one(values, scale):
    g = m.gini(values)
    assert 0.0 <= g < 1.0
    assert m.gini(np.array(values) * scale) == pytest.approx(g, abs=1e-9)


@given(weighted_values())
def test_lorenz_endpoints_convexity_and_gini_area(vw):
    values, weights = vw
    pop, val = m.lorenz(values, weights)
    assert pop[0] == 0 and val[0] == 0
    assert pop[-1] == pytest.approx(1.0) and val[-1] == pytest.approx(1.0)
    assert (np.diff(pop) >= 0).all() and (np.diff(val) >= -1e-12).all()
    assert (val <= pop + 1e-12).all()  # on or below the diagonal
    # convex: slopes (value share per population share) never fall
    dp, dv = np.diff(pop), np.diff(val)
    keep = dp > 0
    slopes = dv[keep] / dp[keep]
    assert (np.diff(slopes) >= -1e-9 * max(1.0, slopes.max())).all()
    # the Gini is one minus twice the area under the Lorenz curve
    area = float(np.sum(dp * (val[1:] + val[:-1]) / 2))
    assert m.gini(values, weights) == pytest.approx(1 - 2 * area, abs=1e-9)


# --- Palma and quantile ratio ------------------------------------------------------------------


def test_palma_ten_equal_people_one_to_ten():
    # bottom 40% hold 1+2+3+4 = 10, the top 10% hold 10: both 10/55
    assert m.palma(np.arange(1, 11)) == pytest.approx(1.0)


def test_palma_ten_equal_people_squares():
    # bottom 40%: 1+4+9+16 = 30; top 10%: 100
    assert m.palma(np.arange(1, 11) ** 2) == pytest.approx(100 / 30)


def test_palma_splits_the_person_at_the_cut():
    # five people: the top 10% is half of the richest (5 of 20), the bottom 40% is 1+2 = 3
    assert m.palma([10.0, 1.0, 2.0, 3.0, 4.0]) == pytest.approx(5 / 3)


def test_palma_of_equal_and_all_zero_distributions():
    assert m.palma([3.0] * 7) == pytest.approx(0.25)
    assert m.palma([0.0] * 7) == pytest.approx(0.25)
    assert m.palma([0.0] * 9 + [1.0]) == math.inf


def test_palma_with_weights_hand_value():
    # [1, 5] weights [4, 6] = four 1s and six 5s: bottom 40% = 4, top 10% = 5, total 34
    assert m.palma([5.0, 1.0], weights=[6, 4]) == pytest.approx(5 / 4)


@settings(max_examples=200)
@given(weighted_values())
def test_weighted_palma_equals_palma_of_replicated_data(vw):
    values, weights = vw
    replicated = np.repeat(values, weights.astype(int))
    got, expected = m.palma(values, weights), m.palma(replicated)
    if math.isinf(expected):
        assert math.isinf(got)
    else:
        assert got == pytest.approx(expected, rel=1e-7, abs=1e-12)


def test_palma_ranked_by_income_group():
    # four poor people with good access, five middle, one rich person with little access
    values = np.array([4.0] * 4 + [1.0] * 5 + [2.0])
    groups = np.array([1] * 4 + [2] * 5 + [3])
    assert m.palma(values, groups=groups) == pytest.approx(2 / 16)  # pro-poor, below 0.25
    # ranked by the values themselves the same data look unequal: 4 / (1+1+1+1) = 1
    assert m.palma(values) == pytest.approx(1.0)


def test_palma_by_group_splits_groups_pro_rata_whatever_the_order_inside():
    groups = [1, 1, 1, 2, 2]
    # group 1 holds 3 over 3 people; the 40% cut takes two thirds of it (2 of total 5);
    # the top 10% is half a group-2 person: 0.5
    assert m.palma([3.0, 0.0, 0.0, 1.0, 1.0], groups=groups) == pytest.approx(0.25)
    assert m.palma([0.0, 0.0, 3.0, 1.0, 1.0], groups=groups) == pytest.approx(0.25)


def test_palma_by_group_rejects_wrong_shape():
    with pytest.raises(ValueError, match="`groups` must have the same shape"):
        m.palma([1.0, 2.0], groups=[1])


@pytest.mark.parametrize(
    "data",
    [
        pd.Series([10.0, 20.0, 40.0], index=[1, 2, 3]),
        {"q1": 10.0, "q2": 20.0, "q5": 40.0},
        [10, 20, 40],
    ],
)
def test_quantile_ratio_poorest_over_richest(data):
    assert m.quantile_ratio(data) == pytest.approx(0.25)


def test_quantile_ratio_edge_cases():
    assert m.quantile_ratio([1.0, 0.0]) == math.inf
    assert math.isnan(m.quantile_ratio([0.0, 0.0]))
    with pytest.raises(ValueError, match="at least two classes"):
        m.quantile_ratio([1.0])
    with pytest.raises(ValueError, match="`values_by_class` must be non-negative"):
        m.quantile_ratio([-1.0, 1.0])
    with pytest.raises(ValueError, match="`values_by_class` must not contain NaN"):
        m.quantile_ratio(pd.Series([1.0, np.nan]))


# --- fare burden, class tables, winners and losers ---------------------------------------------


def test_fare_burden_hand_value():
    # 3,000 a trip, 44 trips, 1,320,000 a month: 132,000 / 1,320,000
    assert m.fare_burden(3000, 1_320_000) == pytest.approx(0.1)
    assert isinstance(m.fare_burden(3000, 1_320_000), float)
    got = m.fare_burden([3000, 6000], 1_320_000, trips_per_month=22)
    np.testing.assert_allclose(got, [0.05, 0.1])


@pytest.mark.parametrize(
    ("cost", "income", "kwargs", "match"),
    [
        (1.0, 0.0, {}, "`income_per_month` must be positive"),
        (-1.0, 10.0, {}, "`money_cost_per_trip` must be non-negative"),
        (1.0, 10.0, {"trips_per_month": -1}, "`trips_per_month`"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], {}, "do not broadcast"),
    ],
)
def test_fare_burden_rejects_bad_input(cost, income, kwargs, match):
    with pytest.raises(ValueError, match=match):
        m.fare_burden(cost, income, **kwargs)


def test_by_class_means_weighted_and_skipping_nan():
    df = pd.DataFrame(
        {
            "estrato": [2, 1, 2, 1, 2],
            "x": [2.0, 1.0, 4.0, 3.0, np.nan],
            "y": [30.0, 10.0, 40.0, 20.0, 50.0],
            "w": [1.0, 1.0, 1.0, 3.0, 2.0],
        }
    )
    plain = m.by_class(df, "estrato", ["x", "y"])
    assert list(plain.index) == [1, 2] and plain.index.name == "estrato"
    np.testing.assert_allclose(plain["x"], [2.0, 3.0])
    np.testing.assert_allclose(plain["y"], [15.0, 40.0])
    assert list(plain["n"]) == [2, 3]
    weighted = m.by_class(df, "estrato", ["x", "y"], weights="w")
    np.testing.assert_allclose(weighted["x"], [(1 + 9) / 4, (2 + 4) / 2])
    np.testing.assert_allclose(weighted["y"], [(10 + 60) / 4, (30 + 40 + 100) / 4])
    # a mapping of arrays and an array of weights give the same table
    arrays = {c: df[c].to_numpy() for c in ["estrato", "x", "y"]}
    pd.testing.assert_frame_equal(
        m.by_class(arrays, "estrato", ["x", "y"], weights=df["w"].to_numpy()), weighted
    )


def test_by_class_rejects_bad_columns():
    df = pd.DataFrame({"c": [1, 2], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="`value_cols` names column 'z'"):
        m.by_class(df, "c", ["z"])
    with pytest.raises(ValueError, match="`class_col` names column 'k'"):
        m.by_class(df, "k", "x")
    with pytest.raises(ValueError, match="`weights` must have the same length"):
        m.by_class(df, "c", "x", weights=[1.0])


def test_winners_losers_hand_table_lower_is_better():
    base = [10.0, 10.0, 10.0, 10.0, 20.0, 20.0]
    new = [7.0, 10.0, 12.0, 10.0 + 1e-12, 20.0, 15.0]
    classes = ["a", "a", "a", "a", "b", "b"]
    got = m.winners_losers(base, new, classes, better="lower")
    expected = pd.DataFrame(
        {
            "n": [4, 2],
            "share_better": [0.25, 0.5],
            "share_worse": [0.25, 0.0],
            "share_unchanged": [0.5, 0.5],
            "mean_change": [(-3 + 0 + 2 + 1e-12) / 4, -2.5],
        },
        index=pd.Index(["a", "b"], name="class"),
    )
    pd.testing.assert_frame_equal(got, expected)


def test_winners_losers_higher_is_better_swaps_the_shares():
    base = [10.0, 10.0, 10.0, 10.0, 20.0, 20.0]
    new = [7.0, 10.0, 12.0, 10.0, 20.0, 15.0]
    classes = [1, 1, 1, 1, 2, 2]
    lower = m.winners_losers(base, new, classes)
    higher = m.winners_losers(base, new, classes, better="higher")
    np.testing.assert_array_equal(higher["share_better"], lower["share_worse"])
    np.testing.assert_array_equal(higher["share_worse"], lower["share_better"])
    np.testing.assert_array_equal(higher["mean_change"], lower["mean_change"])


def test_winners_losers_weights_and_tolerance():
    got = m.winners_losers([1.0, 1.0], [2.0, 1.5], [0, 0], better="higher", weights=[3, 1])
    assert got.loc[0, "share_better"] == pytest.approx(1.0)
    assert got.loc[0, "mean_change"] == pytest.approx((3 * 1.0 + 0.5) / 4)
    loose = m.winners_losers([1.0, 1.0], [2.0, 1.5], [0, 0], better="higher", tol=0.6)
    assert loose.loc[0, "share_better"] == pytest.approx(0.5)
    assert loose.loc[0, "share_unchanged"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"new": [1.0]}, "`new` must have the same shape as `base`"),
        ({"classes": [1]}, "`classes` must have the same shape"),
        ({"better": "more"}, "`better` must be 'lower' or 'higher'"),
        ({"tol": -1.0}, "`tol`"),
        ({"base": [np.inf, 1.0]}, "`base` must not contain NaN or infinity"),
    ],
)
def test_winners_losers_rejects_bad_input(kwargs, match):
    args = {"base": [1.0, 2.0], "new": [1.0, 2.0], "classes": [1, 2]} | kwargs
    with pytest.raises(ValueError, match=match):
        m.winners_losers(**args)


# --- emissions, benefits, confidence intervals -------------------------------------------------


def test_co2_kg():
    assert m.co2_kg(1000.0) == pytest.approx(180.0)
    assert m.co2_kg(1000.0, g_per_km=m.MOTORBIKE_G_CO2_PER_KM) == pytest.approx(90.0)
    np.testing.assert_allclose(m.co2_kg(np.array([0.0, 10.0])), [0.0, 1.8])
    with pytest.raises(ValueError, match="`vkt_km` must be non-negative"):
        m.co2_kg(-1.0)


def test_emission_factors_follow_from_fuel_use():
    # (factor in g/km, litres per km, kg CO2 per litre)
    cases = [
        (m.CAR_G_CO2_PER_KM, 0.078, m.PETROL_KG_CO2_PER_L),
        (m.MOTORBIKE_G_CO2_PER_KM, 0.039, m.PETROL_KG_CO2_PER_L),
        (m.BUS_G_CO2_PER_KM, 0.37, m.DIESEL_KG_CO2_PER_L),
    ]
    for factor, litres_per_km, kg_per_litre in cases:
        assert math.isclose(factor, litres_per_km * kg_per_litre * 1000, rel_tol=0.01)


def test_benefit_per_capex_hand_values():
    delta = pd.Series({1: -100.0, 2: -50.0, 3: 0.0})
    households = {3: 500, 1: 1000, 2: 2000}  # another order: aligned on the class
    got = m.benefit_per_capex(delta, households, 1e9, trips_per_year=500)
    np.testing.assert_allclose(got["annual_benefit"], [5e7, 5e7, 0.0])
    np.testing.assert_allclose(got["benefit_per_capex"], [0.05, 0.05, 0.0])
    np.testing.assert_allclose(got["benefit_share"], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(got["households"], [1000, 2000, 500])
    assert list(got.index) == [1, 2, 3]


def test_benefit_per_capex_annualises_capex_with_the_capital_recovery_factor():
    got = m.benefit_per_capex([-1.0], [1.0], 1000.0, trips_per_year=100, discount_rate=0.12)
    # CRF(12%, 30 years) = 0.12 / (1 - 1.12**-30) = 0.1241437
    assert got["benefit_per_capex"].iloc[0] == pytest.approx(100 / (1000 * 0.1241437), rel=1e-6)
    flat = m.benefit_per_capex([-1.0], [1.0], 1000.0, trips_per_year=100, discount_rate=0.0)
    assert flat["benefit_per_capex"].iloc[0] == pytest.approx(100 / (1000 / 30))


def test_benefit_per_capex_rejects_bad_input():
    with pytest.raises(ValueError, match="`households_by_class` must have the same classes"):
        m.benefit_per_capex({1: -1.0}, {2: 1.0}, 1.0, trips_per_year=1.0)
    with pytest.raises(ValueError, match="`capex` must be a positive"):
        m.benefit_per_capex([-1.0], [1.0], 0.0, trips_per_year=1.0)
    with pytest.raises(ValueError, match="`households_by_class` must be non-negative"):
        m.benefit_per_capex([-1.0], [-1.0], 1.0, trips_per_year=1.0)


def test_confidence_interval_hand_computation():
    # mean 3, s = sqrt(2.5), se = s / sqrt(5) = 0.7071068, t(0.975, 4) = 2.7764451
    mean, lo, hi = m.confidence_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert mean == 3.0
    assert lo == pytest.approx(3 - 2.7764451 * 0.7071068, abs=1e-6)
    assert hi == pytest.approx(3 + 2.7764451 * 0.7071068, abs=1e-6)
    _, lo90, hi90 = m.confidence_interval([1.0, 2.0, 3.0, 4.0, 5.0], level=0.9)
    assert hi90 - 3 == pytest.approx(2.1318468 * 0.7071068, abs=1e-6)


def test_confidence_interval_of_one_sample_is_unknown():
    mean, lo, hi = m.confidence_interval([4.2])
    assert mean == 4.2 and math.isnan(lo) and math.isnan(hi)


def test_confidence_interval_rejects_bad_input():
    with pytest.raises(ValueError, match="`level` must be in"):
        m.confidence_interval([1.0, 2.0], level=1.0)
    with pytest.raises(ValueError, match="`samples` must not be empty"):
        m.confidence_interval([])
