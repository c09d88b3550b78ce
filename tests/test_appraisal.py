"""Appraisal: every formula against a hand-computed example, then the run-directory wiring."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import appraisal as ap
from sim.appraisal_runs import appraisal_section, appraise_pair, write_appraisal
from sim.appraisal_spec import AppraisalSpec, days_per_year_of, peak_hours_a_year
from sim.city import load_city
from sim.errors import ScenarioError

SPEC = AppraisalSpec(
    discount_rate=0.0, discount_rate_source="test", period_years=10, period_source="test",
    price_year=2019, currency="BRL", peak_hour_share=0.25, peak_hour_share_source="test",
    days_per_year=100.0, days_per_year_source="test", co2_usd_per_t=100.0, co2_source="test",
    usd_rate=2.0, usd_rate_source="test", g_co2_per_vkm={"car": 200.0},
    cable_om_per_km_year=1000.0, asset_life_years={"cable_line": 20.0}, inequality_aversion=1.0,
)  # fmt: skip


# ------------------------------------------------------------------------------ formulas
def test_annualisation_is_two_peak_hours_on_each_weekday_equivalent() -> None:
    """One rule: the modelled (morning) peak hour and its mirrored evening return, on
    ``days_per_year`` weekday-equivalents: 2 x days peak hours a year."""
    assert peak_hours_a_year(300) == 600.0  # Porto Alegre's book: 2 x 300
    # the appraisal's yearly benefit uses the same rule: 1 minute at 1 a minute, 600 a year
    assert ap.yearly_user_benefit([1.0], [0.0], 1.0, scale=1.0, days_per_year=300).tolist() == [
        600.0
    ]
    assert SPEC.annualisation_factor == 200.0  # 2 x 100 days
    assert SPEC.whole_day_factor == 400.0  # the sensitivity only: 100 days / 0.25
    assert days_per_year_of({"appraisal_inputs": {"days_per_year": 250.0}}) == 250.0
    assert days_per_year_of({}) == 264.0  # no book: 22 working days x 12 (the monthly burdens')
    with pytest.raises(ValueError):
        peak_hours_a_year(0.0)


def test_yearly_user_benefit_by_hand() -> None:
    """Household A's trips of the peak hour cost 30 min of logsum before and 20 after, at 0.1 a
    minute: 1.0 a peak hour; B's 20 -> 18 at 0.5: 1.0; C has no value (counts zero). Each
    stands for 10 real households; 150 days: x 2 x 150 = 300 peak hours a year."""
    got = ap.yearly_user_benefit(np.array([30.0, 20.0, np.nan]), np.array([20.0, 18.0, 5.0]),
                                 np.array([0.1, 0.5, 9.0]), scale=10.0, days_per_year=150.0)  # fmt: skip
    assert got.tolist() == pytest.approx([3000.0, 3000.0, 0.0])  # 1.0 x 10 x 300


def test_present_value_by_hand() -> None:
    # 100 now, 110 in a year, 121 in two, at 10%: 100 + 100 + 100
    assert ap.present_value([100, 110, 121], 0.10) == pytest.approx(300.0)
    assert ap.present_value([5, 5], 0.0) == 10.0


def test_residual_value_straight_line() -> None:
    assert ap.residual_value(1000, 40, 30) == 250.0  # a quarter of its life left
    assert ap.residual_value(1000, 20, 30) == 0.0  # worn out before the period ends
    with pytest.raises(ValueError):
        ap.residual_value(1000, 0, 30)


def test_schedule_and_npv_with_construction_profile_by_hand() -> None:
    """Capex 1000 over two years (40% / 60%), two operating years, life 4, O&M 10, revenue
    20, benefit 500 a year, at 10%. Economic convention: the revenue change is a benefit."""
    item = {"capex": 1000.0, "profile": [0.4, 0.6], "life_years": 4.0, "om_per_year": 10.0}
    flows = ap.schedule([item], period_years=2, annual_benefit=500.0, annual_revenue=20.0)
    assert flows["capex"].tolist() == [400.0, 600.0, 0.0, 0.0]
    assert flows["om"].tolist() == [0.0, 0.0, 10.0, 10.0]
    assert flows["residual"].tolist() == [0.0, 0.0, 0.0, 500.0]  # 1000 x (1 - 2/4), last year
    out = ap.npv_bcr(flows, 0.10)
    # by hand: pv capex 400 + 600 / 1.1 = 945.4545; benefit 500 / 1.21 + 500 / 1.331 =
    # 788.8805; O&M 10 / 1.21 + 10 / 1.331 = 15.7776; revenue twice that, 31.5552; residual
    # 500 / 1.331 = 375.6574
    pvb = 788.8805 + 31.5552  # 820.4357: user and CO2 benefits + the revenue change
    pvc = 945.4545 + 15.7776 - 375.6574  # 585.5747: capex + O&M - residual
    assert out["pv_benefit"] == pytest.approx(pvb, abs=1e-3)
    assert out["pv_user_and_co2"] == pytest.approx(788.8805, abs=1e-4)
    assert out["pv_cost"] == pytest.approx(pvc, abs=1e-3)
    assert out["npv"] == pytest.approx(234.8610, abs=1e-3)  # 820.4357 - 585.5747
    assert out["bcr"] == pytest.approx(1.40108, abs=1e-4)  # 820.4357 / 585.5747
    assert out["bcr_status"] == "ratio"
    # financial: 31.5552 - 15.7776 - 945.4545 + 375.6574 = -554.0195
    assert out["financial_npv"] == pytest.approx(-554.0195, abs=1e-3)


@pytest.mark.parametrize(("rate", "revenue"), [(0.0, 100.0), (0.085, -36.0), (0.12, 5e6)])
def test_npv_is_the_same_wherever_the_revenue_is_placed(rate: float, revenue: float) -> None:
    """Revenue on the benefit side (economic) or subtracted from the costs (the old placement):
    the NPV is one number; only the ratio's denominator moves, and it stays positive."""
    item = {"capex": 471.0, "profile": [0.5, 0.5], "life_years": 40.0, "om_per_year": 2.0}
    flows = ap.schedule([item], period_years=30, annual_benefit=20.0, annual_revenue=revenue)
    out = ap.npv_bcr(flows, rate)
    assert out["npv"] == pytest.approx(out["npv_net_of_revenue"], rel=1e-12, abs=1e-6)
    assert out["pv_cost"] > 0 and math.isfinite(out["bcr"])
    assert out["pv_cost_net_of_revenue"] == pytest.approx(out["pv_cost"] - out["pv_revenue"])


def test_a_large_revenue_gain_no_longer_explodes_the_ratio() -> None:
    """Capex 10 in year 0, one operating year, life 1, r = 0: benefit 5, revenue 100. The old
    placement's cost was 10 - 100 = -90 (no ratio, or a huge one near zero); the economic
    ratio is (5 + 100) / 10 = 10.5."""
    flows = ap.schedule([{"capex": 10.0, "life_years": 1.0}], period_years=1,
                        annual_benefit=5.0, annual_revenue=100.0)  # fmt: skip
    out = ap.npv_bcr(flows, 0.0)
    assert out["pv_cost"] == 10.0 and out["bcr"] == pytest.approx(10.5)
    assert out["npv"] == pytest.approx(95.0) == out["npv_net_of_revenue"]


def test_bcr_is_null_with_a_reason_without_a_positive_cost() -> None:
    flows = ap.schedule([{"capex": 0.0, "life_years": 1.0}], period_years=3,
                        annual_benefit=5.0, annual_revenue=1.0)  # fmt: skip
    out = ap.npv_bcr(flows, 0.0)
    assert out["pv_cost"] == 0.0 and math.isnan(out["bcr"])
    assert out["bcr_status"].startswith("n/a: no positive cost")
    assert out["npv"] == pytest.approx(18.0)  # (5 + 1) x 3


def test_two_items_open_when_the_longest_profile_ends() -> None:
    items = [
        {"capex": 100.0, "profile": [], "life_years": 10.0, "om_per_year": 1.0},
        {"capex": 300.0, "profile": [0.5, 0.25, 0.25], "life_years": 10.0, "om_per_year": 0.0},
    ]
    flows = ap.schedule(items, period_years=5, annual_benefit=1.0, annual_revenue=0.0)
    assert len(flows) == 3 + 5
    assert flows["capex"].tolist()[:3] == [250.0, 75.0, 75.0]
    assert flows["benefit"].tolist() == [0, 0, 0, 1, 1, 1, 1, 1]
    assert flows["residual"].iloc[-1] == pytest.approx(400 * 0.5)


def test_equity_weights_by_hand() -> None:
    income = pd.Series({"1": 500.0, "2": 2000.0})
    w = ap.equity_weights(income, 1000.0, aversion=1.0)
    assert w.tolist() == [2.0, 0.5]
    w = ap.equity_weights(income, 1000.0, aversion=1.4)
    assert w.tolist() == pytest.approx([2**1.4, 0.5**1.4])  # 2.639, 0.379
    assert ap.equity_weights(income, 1000.0).tolist() == [1.0, 1.0]
    assert ap.equity_weights(income, 1000.0, explicit={"1": 3, "2": 1}).tolist() == [3.0, 1.0]
    with pytest.raises(ValueError, match="lacks"):
        ap.equity_weights(income, 1000.0, explicit={"1": 3})


# ------------------------------------------------------------------------------ the city book
def test_bundles_state_their_appraisal_conventions() -> None:
    poa, med = load_city("porto_alegre").appraisal, load_city("medellin").appraisal
    assert poa is not None and med is not None
    assert (poa.discount_rate, med.discount_rate) == (0.085, 0.09)
    for spec in (poa, med):
        for key in ("discount_rate", "period", "peak_hour_share", "days_per_year", "co2",
                    "usd_rate", "emission", "cable_om", "asset_life", "standard_vot",
                    "annualisation"):  # fmt: skip
            assert getattr(spec, f"{key}_source").strip(), key


def test_spec_refuses_nonsense() -> None:
    with pytest.raises(ScenarioError, match="discount_rate"):
        replace(SPEC, discount_rate=1.5)
    with pytest.raises(ScenarioError, match="g_co2_per_vkm"):
        replace(SPEC, g_co2_per_vkm={"tram": 1.0})
    with pytest.raises(ScenarioError, match="not both"):
        replace(SPEC, distributional_weights={"1": 2.0})


# ------------------------------------------------------------------------------ run folders
def _run(folder: Path, peak_cost: list[float], fares: list[float], car_vkm: float,
         interventions: list[dict]) -> Path:  # fmt: skip
    folder.mkdir()
    pd.DataFrame({
        "income_class": [1, 2], "peak_cost_min": peak_cost, "vot_per_min": [0.1, 0.5],
        "trips_peak": [1.0, 1.0], "fares_peak": fares,
        "household_income": [1000.0, 3000.0], "income": [1000.0, 3000.0],
    }).to_parquet(folder / "households.parquet")  # fmt: skip
    summary = {"households_represented": 200, "vehicle_km_per_hour": {"car": car_vkm},
               "appraisal_inputs": asdict(SPEC), "interventions": interventions}  # fmt: skip
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


CABLE = {"type": "cable_line", "name": "c", "capex": 100000.0, "capex_profile": [],
         "life_years": 0.0, "om_per_year": None, "length_m": 2000.0}  # fmt: skip


@pytest.fixture()
def pair(tmp_path: Path) -> tuple[Path, Path]:
    base = _run(tmp_path / "base", [30.0, 20.0], [0.5, math.nan], 1000.0, [])
    new = _run(tmp_path / "new", [20.0, 18.0], [0.6, math.nan], 900.0, [CABLE])
    return new, base


def test_appraise_pair_by_hand(pair: tuple[Path, Path]) -> None:
    """Two households standing for 100 each; a year is 2 x 100 days = 200 peak hours; r = 0."""
    out = appraise_pair(*pair)
    a = out["annual"]
    # class 1 saves 10 min at 0.1/min, class 2 2 min at 0.5/min: 1 + 1 a peak hour, x 100 x 200
    assert a["user_benefit_own_vot"] == pytest.approx(40000.0)
    # one value of time for all, the trip-weighted mean 0.3: (10 + 2) x 0.3 x 100 x 200
    assert a["mean_vot_per_min"] == pytest.approx(0.3)
    assert a["user_benefit_equity_vot"] == pytest.approx(72000.0)
    # car vkm 1000 -> 900 at 200 g: -0.02 t/h x 200 = -4 t a year, x 100 US$ x 2
    assert a["co2_t_change"] == pytest.approx(-4.0)
    assert a["co2_value"] == pytest.approx(800.0)
    # fares of the peak hour 0.5 -> 0.6: +0.1 x 100 x 200
    assert a["fare_revenue_change"] == pytest.approx(2000.0)
    # cable default O&M: 1000 a km x 2 km; life 20 from the city's table
    item = out["capital_items"][0]
    assert (item["om_per_year"], item["life_years"]) == (2000.0, 20.0)
    std = out["variants"]["standard"]
    # benefits: 10 years x (40,000 + 800 CO2 + 2,000 fares) = 428,000
    assert std["pv_benefit"] == pytest.approx(428000.0)
    # costs: 100,000 + 10 x 2,000 - residual 100,000 x (1 - 10 / 20) = 70,000
    assert std["pv_cost"] == pytest.approx(70000.0)
    assert std["npv"] == pytest.approx(358000.0)
    assert std["bcr"] == pytest.approx(428000.0 / 70000.0)  # 6.114
    # the old placement (revenue off the costs): 408,000 - 50,000, the same NPV; ratio 8.16
    assert std["npv_net_of_revenue"] == pytest.approx(358000.0)
    assert std["pv_cost_net_of_revenue"] == pytest.approx(50000.0)
    assert out["variants"]["equity_vot"]["pv_benefit"] == pytest.approx(10 * (72000 + 2800))
    # weights (2000 / income) ** 1: class 1 x2, class 2 x2/3: 60000 x 2 + 12000 x 2/3 + CO2 + fares
    assert out["variants"]["equity_vot_weighted"]["pv_benefit"] == pytest.approx(
        10 * (128000.0 + 800.0 + 2000.0)
    )
    # the whole-day sensitivity: 100 / 0.25 = 400 peak hours, twice the standard's 200
    whole = out["variants"]["whole_day"]
    assert whole["pv_benefit"] == pytest.approx(10 * 2 * 42800.0)
    assert whole["npv"] == pytest.approx(856000.0 - 70000.0)
    assert out["financial"]["npv"] == pytest.approx(10 * 2000 - 20000 - 100000 + 50000)
    shares = {r["income_class"]: r["share_own_vot"] for r in out["by_class"]}
    assert shares == pytest.approx({"1": 0.5, "2": 0.5})
    eq = {r["income_class"]: r["share_equity_vot"] for r in out["by_class"]}
    assert eq == pytest.approx({"1": 60 / 72, "2": 12 / 72})


def test_a_run_without_the_peak_hour_columns_is_refused(pair: tuple[Path, Path]) -> None:
    run = pair[0]
    hh = pd.read_parquet(run / "households.parquet").drop(columns=["peak_cost_min"])
    hh.to_parquet(run / "households.parquet")
    with pytest.raises(ScenarioError, match="peak_cost_min"):
        appraise_pair(*pair)


def test_stated_om_and_life_win_over_defaults(pair: tuple[Path, Path], tmp_path: Path) -> None:
    stated = {**CABLE, "om_per_year": 5.0, "life_years": 50.0}
    new = _run(tmp_path / "stated", [20.0, 18.0], [0.6, math.nan], 900.0, [stated])
    item = appraise_pair(new, pair[1])["capital_items"][0]
    assert (item["om_per_year"], item["life_years"]) == (5.0, 50.0)


def test_write_appraisal_merges_into_summary_json(pair: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "summary.json").write_text(json.dumps({"other": 1}))
    write_appraisal(out, [pair[1], pair[0]], 0, ["base", "cable"])
    data = json.loads((out / "summary.json").read_text())
    assert data["other"] == 1
    section = data["appraisal"]
    assert section["baseline"] == "base" and list(section["scenarios"]) == ["cable"]
    assert section["inputs"]["annualisation_factor"] == 200.0
    assert "Residual value" in section["conventions"]


def test_no_appraisal_table_is_said(pair: tuple[Path, Path]) -> None:
    for run in pair:
        s = json.loads((run / "summary.json").read_text())
        del s["appraisal_inputs"]
        (run / "summary.json").write_text(json.dumps(s))
    section = appraisal_section([pair[1], pair[0]])
    assert section["inputs"] is None and "no [appraisal] table" in section["status"]
