"""Report: run figures, the comparison folder, and that its numbers follow from the Parquet."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import metrics, report
from sim.errors import ScenarioError
from sim.modes import MODE_NAMES
from sim.report import comparison, tables
from sim.report import figures as report_figures

SCENARIOS = Path(__file__).parent / "data" / "scenarios"
PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = (
    "accessibility_change_by_class", "lorenz_acc30", "map_accessibility_change",
    "mode_shares", "cable_load",
)  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The mini baseline (with run figures, through the runner) and the mini cable run."""
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    results = tmp_path_factory.mktemp("results")
    out = []
    for name, figures in (("mini_baseline", True), ("mini_cable", False)):
        scenario = load_scenario(SCENARIOS / f"{name}.toml")
        result = run_scenario(scenario, results=results, run_id="r1", figures=figures,
                              progress=False)  # fmt: skip
        out.append(result.path)
    return out


@pytest.fixture(scope="module")
def compared(runs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report.compare(runs, tmp_path_factory.mktemp("cmp") / "base-vs-cable")


@pytest.fixture(scope="module")
def summary(compared: Path) -> pd.DataFrame:
    return pd.read_csv(compared / "summary.csv", dtype={"income_class": str})


def _hh(run: Path) -> pd.DataFrame:
    return pd.read_parquet(run / "households.parquet")


def _row(summary: pd.DataFrame, scenario: str, cls: str) -> pd.Series:
    rows = summary[(summary["scenario"] == scenario) & (summary["income_class"] == cls)]
    assert len(rows) == 1
    return rows.iloc[0]


def _copy_run(run: Path, dst: Path, **summary_changes: object) -> Path:
    shutil.copytree(run, dst)
    s = json.loads((dst / "summary.json").read_text())
    s.update(summary_changes)
    (dst / "summary.json").write_text(json.dumps(s))
    return dst


# ------------------------------------------------------------------------------ run figures
def test_runner_draws_run_figures(runs: list[Path]) -> None:
    figs = runs[0] / "figures"
    for name in ("mode_shares_by_class.png", "convergence.png"):
        assert (figs / name).read_bytes()[:8] == PNG
    assert not (runs[1] / "figures").exists()  # figures=False draws nothing


def test_run_figures_returns_paths(runs: list[Path], tmp_path: Path) -> None:
    """(How long they take is a benchmark's business, not a test's: no timed assertion.)"""
    run = shutil.copytree(runs[1], tmp_path / "run")
    paths = report.run_figures(run)
    assert [p.name for p in paths] == ["mode_shares_by_class.png", "convergence.png"]
    assert all(p.parent == run / "figures" and p.read_bytes()[:8] == PNG for p in paths)


# ------------------------------------------------------------------------------ compare: files
def test_compare_writes_the_folder(compared: Path) -> None:
    for name in ("summary.csv", "report.md", "report.html", "zones.gpkg"):
        assert (compared / name).is_file(), name
    for name in FIGURES:
        assert (compared / "figures" / f"{name}.png").read_bytes()[:8] == PNG, name
    assert not list(compared.parent.glob(".tmp-*"))


def test_summary_has_a_row_per_scenario_and_class(summary: pd.DataFrame, runs: list[Path]) -> None:
    for scenario, run in zip(("mini_baseline", "mini_cable"), runs, strict=True):
        classes = sorted(_hh(run)["income_class"].unique())
        got = summary.loc[summary["scenario"] == scenario, "income_class"].tolist()
        assert got == [str(c) for c in classes] + ["all"]
    assert summary["baseline"].tolist().count(True) == len(classes) + 1


# ------------------------------------------------------------------------------ numbers
def test_acc_change_is_the_difference_of_class_means(summary: pd.DataFrame, runs) -> None:
    base, new = _hh(runs[0]), _hh(runs[1])
    for t in (30, 45, 60):
        col = f"acc{t}"
        b = base.groupby("income_class")[col].mean()
        a = new.groupby("income_class")[col].mean()
        for c in b.index:
            row = _row(summary, "mini_cable", str(c))
            assert row[f"{col}_change"] == pytest.approx(a[c] - b[c], rel=1e-9, abs=1e-9)
            assert row[col] == pytest.approx(a[c], rel=1e-12)
        overall = _row(summary, "mini_cable", "all")
        assert overall[f"{col}_change"] == pytest.approx(new[col].mean() - base[col].mean())
        pct = 100 * (new[col].mean() - base[col].mean()) / base[col].mean()
        assert overall[f"{col}_change_pct"] == pytest.approx(pct)
    assert np.isnan(_row(summary, "mini_baseline", "1")["acc30_change"])


def test_levels_follow_from_the_households(summary: pd.DataFrame, runs: list[Path]) -> None:
    hh = _hh(runs[1])
    g = hh[hh["income_class"] == 1]
    row = _row(summary, "mini_cable", "1")
    assert row["households"] == len(g)
    assert row["share_cable"] == pytest.approx(
        (g["mode"] == "cable").sum() / g["mode"].notna().sum()
    )
    assert row["mean_time_min"] == pytest.approx(g["travel_time_min"].mean())
    assert row["mean_money_cost"] == pytest.approx(g["money_cost"].mean())
    assert row["fare_burden"] == pytest.approx(g["fare_burden"].mean())
    modes = [f"share_{m}" for m in MODE_NAMES]
    assert np.allclose(summary[modes].sum(axis=1), 1.0)


def test_equity_and_lines_match_the_runner(summary: pd.DataFrame, runs: list[Path]) -> None:
    for scenario, run in zip(("mini_baseline", "mini_cable"), runs, strict=True):
        s = json.loads((run / "summary.json").read_text())
        row = _row(summary, scenario, "all")
        acc = np.nan_to_num(_hh(run)["acc30"].to_numpy())
        assert row["acc30_gini"] == pytest.approx(metrics.gini(acc))
        assert row["acc30_gini"] == pytest.approx(s["acc30_gini"])
        assert row["acc30_palma"] == pytest.approx(s["acc30_palma"])
        assert row["acc30_poorest_over_richest"] == pytest.approx(s["acc30_poorest_over_richest"])
        assert row["transit_boardings_per_hour"] == pytest.approx(s["transit_boardings_per_hour"])
        assert row["co2_kg_per_hour"] == pytest.approx(s["co2_kg_per_hour"])
        assert row["capex"] == pytest.approx(s["capex"])
    cable = pd.read_parquet(runs[1] / "lines.parquet").query("mode == 'cable'")
    lf = (cable["peak_load_per_hour"] / cable["capacity_per_hour"]).max()
    assert _row(summary, "mini_cable", "all")["cable_peak_load_factor"] == pytest.approx(lf)
    assert np.isnan(_row(summary, "mini_baseline", "all")["cable_peak_load_factor"])


def test_winner_shares_are_matched_and_sum_to_one(summary: pd.DataFrame, runs) -> None:
    rows = summary[summary["scenario"] == "mini_cable"]
    assert rows["matched_households"].all()
    for tag in ("welfare", "acc30"):
        total = rows[[f"share_{k}_{tag}" for k in ("better", "worse", "unchanged")]].sum(axis=1)
        assert np.allclose(total, 1.0)
    base, new = _hh(runs[0]), _hh(runs[1])
    assert (base["work_zone"] == new["work_zone"]).all()  # the cable moves nobody's job
    cost = "expected_cost_min"
    ok = (new["income_class"] == 1) & base[cost].notna() & new[cost].notna()
    gain = base.loc[ok, cost] - new.loc[ok, cost]
    row = _row(summary, "mini_cable", "1")
    assert row["share_better_welfare"] == pytest.approx((gain > report.GEN_COST_TOL_MIN).mean())
    assert row["share_worse_welfare"] == pytest.approx((gain < -report.GEN_COST_TOL_MIN).mean())
    # the cable helps the poor: some of class 1 gain access, hardly anyone loses it. Access
    # counts jobs within 30 min of the *time* of each zone's least generalised-cost path at the
    # equilibrium; with the cable, congestion shifts and some paths change in minutes
    assert row["share_better_acc30"] > 0
    assert row["share_worse_acc30"] < 0.1


def test_benefit_per_capex_uses_each_households_value_of_time(summary: pd.DataFrame, runs) -> None:
    base, new = _hh(runs[0]), _hh(runs[1])
    s = json.loads((runs[1] / "summary.json").read_text())
    b, a = (h[h["income_class"] == 2] for h in (base, new))
    # minutes of logsum of each household's peak-hour trips, at its own value of time
    money = (a["peak_cost_min"] - b["peak_cost_min"]) * b["vot_per_min"]
    scale = s["households_represented"] / s["households"]
    book = s["appraisal_inputs"]  # the city's appraisal book (the mini city states one)
    r, years = book["discount_rate"], book["period_years"]
    annual_capex = s["capex"] * r / (1 - (1 + r) ** -years)
    # a year: the peak hour and its mirrored return on the book's weekday-equivalents
    expected = -money.sum() * scale * 2 * book["days_per_year"] / annual_capex
    row = _row(summary, "mini_cable", "2")
    assert row["benefit_per_capex"] == pytest.approx(expected)
    total = summary[(summary["scenario"] == "mini_cable") & (summary["income_class"] != "all")]
    overall = _row(summary, "mini_cable", "all")["benefit_per_capex"]
    assert overall == pytest.approx(total["benefit_per_capex"].sum())


def test_peak_hour_columns_sum_the_households_trips_of_the_modelled_hour(runs) -> None:
    """``trips_peak`` and ``peak_cost_min`` are the household's trips of the modelled hour
    (flow over the real households it stands for) and their logsum minutes, from trips.parquet."""
    run = runs[1]
    s = json.loads((run / "summary.json").read_text())
    weight = s["households_represented"] / s["households"]
    trips = pd.read_parquet(run / "trips.parquet")
    own = trips[trips["household"] >= 0]
    per = own["flow_per_hour"] / weight
    hh = _hh(run)
    n = len(hh)
    want_trips = np.bincount(own["household"], weights=per, minlength=n)
    want_cost = np.bincount(own["household"], weights=per * own["expected_cost_min"], minlength=n)
    np.testing.assert_allclose(hh["trips_peak"], want_trips, rtol=1e-9)
    ok = hh["peak_cost_min"].notna().to_numpy()
    assert ok.mean() > 0.9
    np.testing.assert_allclose(hh["peak_cost_min"].to_numpy()[ok], want_cost[ok], rtol=1e-9)
    assert "trips_year" not in hh  # no second annualisation stored in a run


def test_the_tables_yearly_benefit_is_the_appraisals(compared: Path) -> None:
    """One rule: the comparison's "yearly user benefit" (summary.csv and summary.json) and the
    appraisal's standard annual user benefit are the same number for the same runs, and the
    appraisal says which rule made the year."""
    data = json.loads((compared / "summary.json").read_text())
    appraisal = data["appraisal"]
    annual = appraisal["scenarios"]["mini_cable"]["annual"]["user_benefit_own_vot"]
    table = pd.read_csv(compared / "summary.csv", dtype={"income_class": str})
    assert _row(table, "mini_cable", "all")["annual_benefit"] == pytest.approx(annual, rel=1e-9)
    by_class = {r["income_class"]: r["annual_benefit_own_vot"]
                for r in appraisal["scenarios"]["mini_cable"]["by_class"]}  # fmt: skip
    for cls, value in by_class.items():
        assert _row(table, "mini_cable", cls)["annual_benefit"] == pytest.approx(value, rel=1e-9)
    changes = data["scenarios"]["mini_cable"]["changes"]["all"]["annual_benefit"]["mean"]
    assert changes == pytest.approx(annual, rel=1e-9)
    inputs = appraisal["inputs"]
    assert inputs["annualisation_factor"] == 2 * inputs["days_per_year"]
    assert inputs["whole_day_factor"] == inputs["days_per_year"] / inputs["peak_hour_share"]
    assert annual != 0.0


def test_baseline_argument_picks_the_reference(runs: list[Path], summary, tmp_path) -> None:
    out = report.compare(runs[::-1], tmp_path / "rev", baseline=1)
    rev = pd.read_csv(out / "summary.csv", dtype={"income_class": str})
    assert rev["scenario"].iloc[0] == "mini_cable"
    for cls in ("1", "all"):
        assert _row(rev, "mini_cable", cls)["acc30_change"] == pytest.approx(
            _row(summary, "mini_cable", cls)["acc30_change"]
        )


# ------------------------------------------------------------------------------ report
def test_report_numbers_come_from_the_parquet(compared: Path, runs: list[Path]) -> None:
    md = (compared / "report.md").read_text()
    base, new = _hh(runs[0]), _hh(runs[1])
    assert f"| {new['acc30'].mean():,.0f} |" in md
    assert f"| {base['acc30'].mean():,.0f} |" in md
    c1 = new.loc[new["income_class"] == 1, "acc30"].mean()
    b1 = base.loc[base["income_class"] == 1, "acc30"].mean()
    assert f"| 1 | {(new['income_class'] == 1).sum():,} | {c1 - b1:+,.0f} |" in md
    gini = metrics.gini(np.nan_to_num(new["acc30"].to_numpy()))
    assert f"{gini:.4f}" in md
    assert "Morro cable (cable_line), capex 150,000,000 BRL" in md
    for heading in ("Headline", "Who wins and who loses", "Equity", "Cable load", "Caveats"):
        assert heading in md


def test_report_references_every_figure(compared: Path) -> None:
    md = (compared / "report.md").read_text()
    linked = set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md))
    on_disk = {f"figures/{p.name}" for p in (compared / "figures").glob("*.png")}
    assert linked == on_disk
    assert len(on_disk) == len(FIGURES)


def test_html_is_self_contained(compared: Path) -> None:
    """Nothing the page loads comes from elsewhere; a source cited in a table's text (the
    appraisal's discount rate, say) is words, not a resource."""
    page = (compared / "report.html").read_text()
    resources = re.findall(
        r'(?:src|href)\s*=\s*"([^"]*)"|url\(([^)]*)\)|@import', page, re.IGNORECASE
    )
    assert not [r for r in resources if re.search(r"https?:|ftp:|^//", "".join(r), re.IGNORECASE)]
    assert "<script" not in page and "<link" not in page and "@import" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == len(FIGURES)
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "Who wins and who loses" in page and "<table" in page


def test_gpkg_reads_back(compared: Path, runs: list[Path]) -> None:
    import geopandas as gpd

    zones = gpd.read_file(compared / "zones.gpkg")
    base = pd.read_parquet(runs[0] / "zones.parquet")
    new = pd.read_parquet(runs[1] / "zones.parquet").set_index("zone").reindex(base["zone"])
    assert len(zones) == len(base)
    assert zones.crs.to_epsg() == 4326
    centres = gpd.GeoSeries(gpd.points_from_xy(base["lon"], base["lat"]), crs=zones.crs)
    assert zones.geometry.contains(centres).mean() > 0.95  # hexagons around the zone centres
    diff = new["acc30_transit"].to_numpy() - base["acc30_transit"].to_numpy()
    assert np.allclose(zones["d_acc30_mini_cable"], diff)
    assert {"acc30_mini_baseline", "acc60_mini_cable", "d_acc45_mini_cable"} <= set(zones.columns)


def test_format_summary_prints_the_headline(summary: pd.DataFrame) -> None:
    text = report.format_summary(summary)
    lines = text.splitlines()
    assert lines[0].split()[0] == "scenario"
    assert lines[1].split()[0] == "mini_baseline" and lines[2].split()[0] == "mini_cable"
    assert "3,000" in lines[1]
    assert "by income class" in text
    row = _row(summary, "mini_cable", "1")  # the smooth measure is the headline by class
    assert f"{row['acc_smooth_change']:+,.0f} | {row['expected_cost_change_min']:+.3f}" in text
    assert "one seed: no interval" in text


# ------------------------------------------------------------------------------ other inputs
def test_unmatched_populations_compare_class_means_only(runs: list[Path], tmp_path) -> None:
    other = _copy_run(runs[1], tmp_path / "seed8", seed=8)
    out = report.compare([runs[0], other], tmp_path / "cmp")
    df = pd.read_csv(out / "summary.csv", dtype={"income_class": str})
    rows = df[df["scenario"] == "mini_cable"]
    assert not rows["matched_households"].any()
    assert "share_better_welfare" not in df.columns
    assert rows["acc30_change"].notna().all()
    assert "cannot be matched" in (out / "report.md").read_text()


def test_no_cable_no_cable_figure(runs: list[Path], tmp_path: Path) -> None:
    out = report.compare([runs[0], runs[0]], tmp_path / "same")
    assert not (out / "figures" / "cable_load.png").exists()
    df = pd.read_csv(out / "summary.csv", dtype={"income_class": str})
    other = df[~df["baseline"]]
    assert np.allclose(other["acc30_change"], 0.0)
    assert np.allclose(other["share_unchanged_welfare"], 1.0)
    assert "No cable line in these runs." in (out / "report.md").read_text()


def test_existing_output_is_refused_and_kept(runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(ScenarioError, match="already exists.*choose another `--id`") as exc:
        report.compare(runs, out)
    assert str(out) in _one_line(exc)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp"]


def test_output_that_appears_meanwhile_is_not_replaced(runs, tmp_path: Path, monkeypatch) -> None:
    """Another comparison publishing the same folder while this one writes: this one fails."""
    out = tmp_path / "cmp"
    write_all = comparison._write_all

    def racing(folder: Path, *args: object) -> None:
        write_all(folder, *args)  # type: ignore[arg-type]
        out.mkdir()
        (out / "theirs.txt").write_text("theirs")

    monkeypatch.setattr(comparison, "_write_all", racing)
    with pytest.raises(ScenarioError, match="already exists"):
        report.compare(runs, out)
    assert [p.name for p in out.iterdir()] == ["theirs.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp"]  # no temporary folder left


# ------------------------------------------------------------------------------ errors
def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_runs_of_different_cities_raise(runs: list[Path], tmp_path: Path) -> None:
    other = _copy_run(runs[1], tmp_path / "poa", city="porto_alegre")
    out = tmp_path / "out"
    with pytest.raises(ScenarioError, match="cannot compare runs of different cities") as exc:
        report.compare([runs[0], other], out)
    assert "porto_alegre" in _one_line(exc)
    assert not out.exists()


def test_runs_with_other_zones_raise(runs: list[Path], tmp_path: Path) -> None:
    other = _copy_run(runs[1], tmp_path / "zones")
    zones = pd.read_parquet(other / "zones.parquet")
    zones.assign(zone=zones["zone"] + "x").to_parquet(other / "zones.parquet")
    with pytest.raises(ScenarioError, match="zones differ"):
        report.compare([runs[0], other], tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("missing", ["lines.parquet", "summary.json", "households.parquet"])
def test_incomplete_run_names_the_file(runs, tmp_path: Path, missing: str) -> None:
    broken = shutil.copytree(runs[1], tmp_path / "broken")
    (broken / missing).unlink()
    out = tmp_path / "new" / "out"
    with pytest.raises(ScenarioError, match=re.escape(missing)) as exc:
        report.compare([runs[0], broken], out)
    _one_line(exc)
    assert not (tmp_path / "new").exists()


def test_bad_arguments_raise(runs: list[Path], tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="at least 2"):
        report.compare([runs[0]], tmp_path / "a")
    with pytest.raises(ScenarioError, match="no such run directory"):
        report.compare([runs[0], tmp_path / "nowhere"], tmp_path / "b")
    with pytest.raises(ScenarioError, match="`baseline`"):
        report.compare(runs, tmp_path / "c", baseline=2)
    broken = shutil.copytree(runs[1], tmp_path / "cols")
    _hh(broken).drop(columns=["acc30"]).to_parquet(broken / "households.parquet")
    with pytest.raises(ScenarioError, match="acc30"):
        report.compare([runs[0], broken], tmp_path / "d")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cols"]


def test_failure_inside_compare_leaves_nothing(runs, tmp_path: Path, monkeypatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("figure failed")

    monkeypatch.setattr(report_figures, "_fig_lorenz", boom)
    out = tmp_path / "new" / "deeper" / "cmp"
    with pytest.raises(RuntimeError, match="figure failed"):
        report.compare(runs, out)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------ appraisal hook
def test_comparison_summary_json_holds_the_appraisal(compared: Path, runs: list[Path]) -> None:
    section = json.loads((compared / "summary.json").read_text())["appraisal"]
    assert section["inputs"]["discount_rate"] == 0.085
    cable = section["scenarios"]["mini_cable"]
    assert cable["status"] == "appraised"
    item = cable["capital_items"][0]
    assert item["capex"] == 150e6 and item["om_per_year"] > 0  # the city's cable default per km
    std = cable["variants"]["standard"]
    assert std["npv"] == pytest.approx(std["pv_benefit"] - std["pv_cost"])
    classes = {str(c) for c in _hh(runs[0])["income_class"].unique()}
    assert {r["income_class"] for r in cable["by_class"]} == classes


def test_zones_gpkg_holds_hexagon_polygons_with_the_zone_columns(compared: Path) -> None:
    import geopandas as gpd

    zones = gpd.read_file(compared / "zones.gpkg", layer="zones")
    assert len(zones) > 0 and set(zones.geom_type) == {"Polygon"}
    assert {"zone", "lon", "lat", "population", "jobs", "acc30_mini_baseline"} <= set(zones)
    assert any(c.startswith("d_acc30_") for c in zones.columns)
    inside = zones.contains(gpd.GeoSeries(gpd.points_from_xy(zones["lon"], zones["lat"]),
                                          crs=zones.crs))  # fmt: skip
    assert inside.mean() > 0.95  # each zone's centre lies in its own hexagon


@pytest.mark.parametrize(("richest", "expected"), [(40.0, 0.25), (0.0, None)])
def test_run_summary_ratio_is_the_reports_rule(richest: float, expected: float | None) -> None:
    """One rule for the poorest-to-richest ratio: class means, a class with no access counts
    0, and no number (JSON null) when the richest class reaches nothing."""
    from types import SimpleNamespace

    from sim.rundir.summary import summary_from_tables

    cols = ["travel_time_min", "money_cost", "fare_burden", "cost_burden", "acc45", "acc60",
            "acc_smooth", "gen_cost_min", "expected_cost_min"]  # fmt: skip
    hh = pd.DataFrame({c: [1.0, 1.0, 1.0] for c in cols})
    hh["income_class"] = [1, 2, 5]
    hh["acc30"] = [10.0, np.nan, richest]
    hh["mode"] = "walk"
    lines = pd.DataFrame({"mode": ["bus"], "boardings_per_hour": [1.0], "load_factor": [0.5]})
    scen = SimpleNamespace(name="s", city="c", seed=1)
    s = summary_from_tables(hh, lines, None, scen, [], 1)  # type: ignore[arg-type]
    assert s["acc30_poorest_over_richest"] == (
        None if expected is None else pytest.approx(expected)
    )
    table = pd.Series([10.0, 0.0, richest])  # the report's class means, NaN filled with 0
    ratio = tables._finite(metrics.quantile_ratio(table))
    assert (np.isnan(ratio) and expected is None) or ratio == pytest.approx(expected)


def _iv(mean: float, low: float, high: float) -> dict[str, float]:
    return {"mean": mean, "low": low, "high": high, "n_seeds": 5}


def test_bottom_line_words_follow_the_intervals() -> None:
    """Written from summary.json: a gain only when the interval excludes zero, a verdict on
    the costs only when the net present value's interval does."""
    from sim.report.bottom_line import bottom_line

    def summary(served: dict, far: dict, npv: dict) -> dict:
        group = {"served": {"definition": "homes near it", "by_class": {"all": {
            "households": _iv(40, 40, 40), "expected_cost_change_min": served,
            "acc_smooth_change": _iv(900, 100, 1700)}}},
            "far": {"by_class": {"all": {"expected_cost_change_min": far}}}}  # fmt: skip
        return {
            "baseline": "base", "n_seeds": 5,
            "scenarios": {"base": {}, "cable": {"catchments": group, "changes": {"all": {
                "expected_cost_change_min": _iv(-0.01, -0.03, 0.01)}}}},
            "appraisal": {"inputs": {"currency": "BRL", "discount_rate": 0.085, "period_years": 30},
                          "scenarios": {"cable": {"status": "appraised", "capital_items": [
                              {"capex": 135e6}]}},
                          "intervals": {"cable": {"standard.npv": npv,
                                                  "standard.bcr": _iv(1.4, 1.1, 1.7)}}},
        }  # fmt: skip

    (text,) = bottom_line(summary(_iv(-2.0, -3.0, -1.0), _iv(0.001, -0.01, 0.012),
                                  _iv(50e6, 10e6, 90e6)))  # fmt: skip
    assert "serves 40 simulated households (homes near it)" in text
    assert "a trip costs 2.00 min less (-2.00 [-3.00, -1.00]): a gain" in text
    assert "the jobs they reach (decay-weighted) go: more, +900 [+100, +1,700]" in text
    assert (
        "Far from it, where nothing was built, a trip's cost moves by +0.00 [-0.01, +0.01]"
        " min, not distinguishable from zero, as it should." in text
    )
    assert "Over the whole city, the change" in text and "not distinguishable from zero" in text
    assert "benefit-cost ratio 1.40 [1.10, 1.70]" in text
    assert "at 8.5% over 30 years, its benefits cover its costs" in text
    assert "BRL 135.0 M" in text and "+50.0 [+10.0, +90.0] M" in text
    (text,) = bottom_line(summary(_iv(-2.0, -3.0, 0.5), _iv(0.0, -0.1, 0.1),
                                  _iv(-5e6, -20e6, 10e6)))  # fmt: skip
    assert "a gain" not in text and "cannot say whether its benefits cover its costs" in text
    (text,) = bottom_line(summary(_iv(1.0, 0.5, 1.5), _iv(0.0, -0.1, 0.1),
                                  _iv(-50e6, -90e6, -10e6)))  # fmt: skip
    assert "a trip costs 1.00 min more" in text and ": a loss" in text
    assert "its benefits do not cover its costs" in text


def test_the_report_opens_with_the_bottom_line(compared: Path) -> None:
    md = (compared / "report.md").read_text()
    assert md.index("## Bottom line") < md.index("## Headline")
    assert "**mini_cable**" in md.split("## Bottom line", 1)[1].split("\n## ", 1)[0]


def test_zone_changes_whose_seeds_disagree_are_marked_not_distinguishable(monkeypatch) -> None:
    """The map greys a zone whose change's 95% interval across seeds holds zero."""
    frames = iter([
        pd.DataFrame({"zone": ["a", "b"], "d_acc30_x": [10.0, 5.0]}),
        pd.DataFrame({"zone": ["a", "b"], "d_acc30_x": [11.0, -5.0]}),
        pd.DataFrame({"zone": ["a", "b"], "d_acc30_x": [12.0, 1.0]}),
    ])  # fmt: skip
    monkeypatch.setattr(comparison, "zone_table", lambda runs, base: next(frames))
    out = comparison.mean_zone_table([[None], [None], [None]], 0)  # type: ignore[list-item]
    assert out["d_acc30_x"].tolist() == pytest.approx([11.0, 1 / 3])
    assert out["d_acc30_x_nd"].tolist() == [False, True]


def test_the_report_shows_the_appraisal_by_the_citys_book(compared: Path) -> None:
    md = (compared / "report.md").read_text()
    part = md.split("## Appraisal by the city's book", 1)[1].split("\n## ", 1)[0]
    assert "| discount rate | 8.5% | Ministério da Economia" in part
    data = json.loads((compared / "summary.json").read_text())["appraisal"]
    npv = data["scenarios"]["mini_cable"]["variants"]["equity_vot"]["npv"]
    assert "equity: one value of time for everyone" in part
    assert f"{npv / 1e6:+,.1f}" in part  # one seed: the value itself
    days = data["inputs"]["days_per_year"]
    assert f"A year is 2 x {days:,.0f} = {2 * days:,.0f} peak hours" in part
    assert "sensitivity, not standard: the whole day" in part
    lead = md.split("## Bottom line", 1)[1].split("\n## ", 1)[0]
    assert "never as a gain or a loss" in lead and "off-peak trips are not claimed" in lead


def test_bottom_line_gives_the_served_class_mix_and_access_levels() -> None:
    from sim.report.bottom_line import bottom_line

    by_class = {
        str(c): {"households": _iv(n, n, n)}
        for c, n in zip(range(1, 6), (30, 20, 20, 20, 10), strict=True)
    }
    by_class["all"] = {"households": _iv(100, 100, 100),
                       "expected_cost_change_min": _iv(-1.0, -1.5, -0.5),
                       "acc_smooth_base": _iv(40_000, 39_000, 41_000),
                       "acc_smooth": _iv(50_000, 49_000, 51_000),
                       "acc_smooth_change": _iv(10_000, 9_000, 11_000)}  # fmt: skip
    summary = {"baseline": "base", "n_seeds": 3, "scenarios": {"cable": {"catchments": {
        "served": {"definition": "near it", "by_class": by_class}}}}}  # fmt: skip
    (text,) = bottom_line(summary)
    assert "serves 100 simulated households, 50% of them in the two poorest classes" in text
    assert "go from 40,000 to 50,000 (x1.25): more, +10,000 [+9,000, +11,000]" in text


@pytest.mark.parametrize(
    ("jobs45", "words"),
    [
        (_iv(1234.4, 310.0, 2158.8),
         "; they reach 1,234 more jobs within 45 min, +1,234 [+310, +2,159]."),
        (_iv(-880.0, -1500.0, -260.0),
         "; they reach 880 fewer jobs within 45 min, -880 [-1,500, -260]."),
        (_iv(120.0, -40.0, 280.0),
         "; the change in jobs they reach within 45 min, +120 [-40, +280], is not "
         "distinguishable from zero."),
        (_iv(-120.0, -280.0, 0.0),  # an interval that touches zero holds it
         "; the change in jobs they reach within 45 min, -120 [-280, +0], is not "
         "distinguishable from zero."),
        ({"mean": 75.0, "low": None, "high": None, "n_seeds": 1},
         "; the jobs they reach within 45 min change by +75."),
    ],
)  # fmt: skip
def test_the_bottom_line_gives_the_served_households_jobs_within_45_min(jobs45, words) -> None:
    """The served group's change in jobs within 45 min (summary.json's ``acc45_change``) with
    its interval: "more" or "fewer" only when the interval excludes zero."""
    from sim.intervals import sign
    from sim.report.bottom_line import bottom_line

    summary = _lines(_iv(-2.0, -3.0, -1.0), None, _iv(-0.1, -0.2, 0.3))
    served = summary["scenarios"]["road"]["catchments"]["served"]["by_class"]["all"]
    served["acc45_change"] = jobs45
    (text,) = bottom_line(summary)
    clause = text.split("+900 [+100, +1,700]", 1)[1].split(" Over the whole city", 1)[0]
    assert clause == words
    if sign(jobs45) in (0, None):
        assert " more jobs" not in text and " fewer jobs" not in text
    # a summary.json without the figure keeps the sentence as it was
    del served["acc45_change"]
    (text,) = bottom_line(summary)
    assert "45 min" not in text and "+900 [+100, +1,700]." in text


def _with_control(served45: dict, control45: dict, *, control_access: dict | None = None) -> dict:
    """A summary.json's parts with a control group (the far households a road does not serve)
    beside the served households' jobs within 45 min and decay-weighted jobs."""
    summary = _lines(_iv(-2.0, -3.0, -1.0), _iv(-0.1, -0.3, 0.1), _iv(-0.1, -0.2, 0.3))
    groups = summary["scenarios"]["road"]["catchments"]
    groups["served"]["by_class"]["all"]["acc45_change"] = served45
    groups["far"]["by_class"]["all"]["households"] = _iv(1177, 1137, 1217)
    groups["control"] = {"by_class": {"all": {
        "households": _iv(683, 640, 720), "expected_cost_change_min": _iv(-0.01, -0.05, 0.03),
        "acc45_change": control45,
        "acc_smooth_change": control_access or _iv(20.0, -30.0, 70.0)}}}  # fmt: skip
    return summary


def test_the_jobs_clauses_are_read_against_the_control_group() -> None:
    """The jobs within 45 min and the decay-weighted jobs follow the rule of a trip's cost:
    "more" only when the served interval excludes zero and does not overlap the control's
    interval of the same figure, whose change is given beside it."""
    from sim.report.bottom_line import SOLVER_ERROR, bottom_line

    served = _iv(4740.0, 3741.0, 5739.0)
    (text,) = bottom_line(_with_control(served, _iv(310.0, 120.0, 500.0)))
    assert ("they reach 4,740 more jobs within 45 min, +4,740 [+3,741, +5,739] (the far "
            "households off its routes: +310 [+120, +500])") in text  # fmt: skip
    assert "more, +900 [+100, +1,700] (the far households off its routes: +20 [-30, +70])" in text
    # the control moving as much: the same served numbers are no longer "more"
    (text,) = bottom_line(_with_control(served, _iv(4100.0, 3500.0, 4700.0),
                                        control_access=_iv(800.0, 600.0, 1000.0)))  # fmt: skip
    assert "more jobs" not in text and ": more," not in text
    assert (f"the change in jobs they reach within 45 min, +4,740 [+3,741, +5,739] (the far "
            f"households off its routes: +4,100 [+3,500, +4,700]), is {SOLVER_ERROR}") in text  # fmt: skip
    assert (f"change by +900 [+100, +1,700] (the far households off its routes: +800 [+600, "
            f"+1,000]), {SOLVER_ERROR}") in text  # fmt: skip


@pytest.mark.parametrize("served", [_iv(500.0, 200.0, 800.0), _iv(-500.0, -800.0, -200.0),
                                    _iv(100.0, -50.0, 250.0)])  # fmt: skip
@pytest.mark.parametrize("control", [_iv(0.0, -100.0, 100.0), _iv(300.0, 150.0, 450.0),
                                     _iv(900.0, 850.0, 950.0), _iv(-250.0, -400.0, -100.0)])  # fmt: skip
def test_the_45_min_clause_never_states_a_sign_its_intervals_do_not_support(served: dict,
                                                                            control: dict) -> None:  # fmt: skip
    from sim.intervals import sign
    from sim.report.bottom_line import bottom_line, overlaps

    (text,) = bottom_line(_with_control(served, control))
    clause = text.split("+900 [+100, +1,700]", 1)[1].split(" No simulated", 1)[0]
    supported = sign(served) != 0 and not overlaps(served, control)
    assert ("more jobs" in clause) == (supported and sign(served) > 0), clause
    assert ("fewer jobs" in clause) == (supported and sign(served) < 0), clause


def test_with_no_control_household_the_bottom_line_says_there_is_no_control_group() -> None:
    """A scenario every far household uses (or none is far from): the control group is empty,
    and the words say so instead of an "n/a"; the changes are read against zero only."""
    from sim.report.bottom_line import NO_CONTROL, bottom_line

    summary = _with_control(_iv(4740.0, 3741.0, 5739.0), _iv(4100.0, 3500.0, 4700.0))
    groups = summary["scenarios"]["road"]["catchments"]
    nothing = {"mean": None, "low": None, "high": None, "n_seeds": 0}
    groups["control"]["by_class"]["all"] = {
        "households": _iv(0.0, 0.0, 0.0), "expected_cost_change_min": nothing,
        "acc45_change": nothing, "acc_smooth_change": nothing}  # fmt: skip
    (text,) = bottom_line(summary)
    assert "n/a" not in text and "(0 simulated households)" not in text
    assert ("No simulated household is far from it and not served by it, so there is no "
            "control group") in text and NO_CONTROL in text  # fmt: skip
    assert ("The 1,177 far simulated households, all served by it, move by -0.10 [-0.30, +0.10] "
            "min.") in text  # fmt: skip
    assert "they reach 4,740 more jobs within 45 min, +4,740 [+3,741, +5,739]." in text
    assert "far households off its routes" not in text
    # none far at all: the same sentence, and no far households' figure
    groups["far"]["by_class"]["all"] = {**groups["control"]["by_class"]["all"]}
    (text,) = bottom_line(summary)
    assert NO_CONTROL in text and "n/a" not in text and "far simulated households" not in text


def test_the_bottom_line_reads_the_control_groups_jobs_from_summary_json(
        compared: Path, tmp_path: Path) -> None:  # fmt: skip
    """Change the control group's jobs within 45 min in a comparison's summary.json and the
    served households' sentence changes; empty the control group and it says there is none."""
    from sim.report.bottom_line import NO_CONTROL, SOLVER_ERROR, bottom_line

    data = json.loads((compared / "summary.json").read_text())
    data["n_seeds"] = 5
    groups = data["scenarios"]["mini_cable"].setdefault("catchments", {})
    served = groups.setdefault("served", {"by_class": {"all": {}}})["by_class"]["all"]
    served.update({"households": _iv(40, 40, 40), "expected_cost_change_min": _iv(-2.0, -3.0, -1.0),
                   "acc_smooth_change": _iv(900, 100, 1700), "acc45_change": _iv(2000, 1500, 2500)})  # fmt: skip
    control = groups.setdefault("control", {"by_class": {"all": {}}})["by_class"]["all"]
    control["households"] = _iv(50, 50, 50)
    path = tmp_path / "summary.json"

    def line(control45: dict) -> str:
        control["acc45_change"] = control45
        path.write_text(json.dumps(data))
        (paragraph,) = bottom_line(json.loads(path.read_text()))
        return paragraph

    quiet, moving = line(_iv(10.0, -40.0, 60.0)), line(_iv(1800.0, 1400.0, 2200.0))
    assert "they reach 2,000 more jobs within 45 min, +2,000 [+1,500, +2,500]" in quiet
    assert "(the far households off its routes: +10 [-40, +60])" in quiet
    assert "more jobs" not in moving and SOLVER_ERROR in moving
    assert "(the far households off its routes: +1,800 [+1,400, +2,200])" in moving
    control["households"] = _iv(0, 0, 0)
    for key in ("expected_cost_change_min", "acc45_change", "acc_smooth_change"):
        control[key] = {"mean": None, "low": None, "high": None, "n_seeds": 0}
    path.write_text(json.dumps(data))
    (empty,) = bottom_line(json.loads(path.read_text()))
    assert NO_CONTROL in empty and "n/a" not in empty


def test_the_html_report_renders_the_bottom_lines_bold_names(compared: Path) -> None:
    page = (compared / "report.html").read_text()
    assert "<strong>mini_cable</strong>" in page and "**mini_cable**" not in page


def _lines(served: dict, far: dict | None, city: dict, *, bcr: dict | None = None,
           status: str = "ratio") -> dict:  # fmt: skip
    """A summary.json's parts the bottom line reads: one scenario, its served and far groups."""
    groups: dict = {"served": {"definition": "homes near it", "by_class": {"all": {
        "households": _iv(400, 400, 400), "expected_cost_change_min": served,
        "acc_smooth_change": _iv(900, 100, 1700)}}}}  # fmt: skip
    if far is not None:
        groups["far"] = {"by_class": {"all": {"expected_cost_change_min": far}}}
    return {
        "baseline": "base", "n_seeds": 5,
        "scenarios": {"base": {}, "road": {"catchments": groups,
                                           "changes": {"all": {"expected_cost_change_min": city}}}},
        "appraisal": {
            "inputs": {"currency": "BRL", "discount_rate": 0.085, "period_years": 30,
                       "days_per_year": 300.0},
            "scenarios": {"road": {"status": "appraised", "capital_items": [{"capex": 471e6}],
                                   "variants": {"standard": {"bcr_status": status}}}},
            "intervals": {"road": {"standard.npv": _iv(50e6, 10e6, 90e6),
                                   "standard.bcr": bcr or _iv(1.4, 1.1, 1.7),
                                   "annual.user_benefit_own_vot": _iv(20e6, 15e6, 25e6)}},
        },
    }  # fmt: skip


def _far_sentence(text: str) -> str:
    return text.split("Far from it", 1)[1].split(" Over the whole city", 1)[0]


@pytest.mark.parametrize("far", [_iv(-0.53, -0.89, -0.16), _iv(0.6, 0.2, 1.0),
                                 _iv(0.01, -0.2, 0.2), {"mean": -0.5, "n_seeds": 1}])  # fmt: skip
def test_the_far_households_change_is_never_a_gain_or_a_loss(far: dict) -> None:
    from sim.report.bottom_line import bottom_line

    (text,) = bottom_line(_lines(_iv(-2.0, -3.0, -1.0), far, _iv(-0.1, -0.2, 0.3)))
    sentence = _far_sentence(text)
    assert "where nothing was built" in sentence
    for word in ("gain", "loss", " less", " more"):
        assert word not in sentence, (word, sentence)


def test_far_noise_is_a_warning_and_overlapping_changes_are_not_evidence() -> None:
    """The full-size road comparison's numbers: the far households move by -0.53 [-0.89,
    -0.16], the whole city by -0.87 [-0.98, -0.76] (overlapping: not evidence), the served
    households by -1.24 [-1.38, -1.11] (clear of it: a gain)."""
    from sim.report.bottom_line import bottom_line

    far, served = _iv(-0.53, -0.89, -0.16), _iv(-1.24, -1.38, -1.11)
    (text,) = bottom_line(_lines(served, far, _iv(-0.87, -0.98, -0.76)))
    assert ("Far from it, where nothing was built, the runs still move a trip's cost by "
            "-0.53 [-0.89, -0.16] min: that is read as the solver's remaining error (or an "
            "effect spread through the whole network, such as relief of congestion on other roads, "
            "which these runs cannot tell apart from it), so a city-wide or catchment "
            "difference of that size is not evidence.") in text  # fmt: skip
    assert "for them, a trip costs 1.24 min less (-1.24 [-1.38, -1.11]): a gain" in text
    assert ("Over the whole city, the change in a trip's generalised cost, -0.87 [-0.98, "
            "-0.76] min, is not distinguishable from the solver's error (the far households "
            "move by -0.53 [-0.89, -0.16] min).") in text  # fmt: skip
    assert text.count("a gain") == 1
    # the city-wide interval clear of the far one: now a gain
    (text,) = bottom_line(_lines(served, far, _iv(-1.5, -1.7, -1.3)))
    assert "Over the whole city, a trip costs 1.50 min less (-1.50 [-1.70, -1.30]): a gain" in text
    # the served interval touching the far one: no longer a gain
    (text,) = bottom_line(_lines(_iv(-1.0, -1.4, -0.6), far, _iv(-1.5, -1.7, -1.3)))
    assert (
        "for them, the change in a trip's generalised cost, -1.00 [-1.40, -0.60] min, is "
        "not distinguishable from the solver's error" in text
    )
    # far households at zero, as they should be: no warning, and a clear change is a gain
    (text,) = bottom_line(_lines(served, _iv(0.01, -0.05, 0.07), _iv(-0.87, -0.98, -0.76)))
    assert "remaining error" not in text and "not evidence" not in text
    assert "min, not distinguishable from zero, as it should." in text
    assert "Over the whole city, a trip costs 0.87 min less (-0.87 [-0.98, -0.76]): a gain" in text
    # a sign whose interval holds zero is still never stated
    (text,) = bottom_line(_lines(served, far, _iv(-0.2, -0.5, 0.1)))
    assert "-0.20 [-0.50, +0.10] min, is not distinguishable from zero" in text


def test_the_bottom_line_follows_the_comparisons_summary_json(compared: Path,
                                                              tmp_path: Path) -> None:  # fmt: skip
    """Written from summary.json, never by hand: change the far households' numbers in the file
    and the sentence changes."""
    from sim.report.bottom_line import bottom_line

    data = json.loads((compared / "summary.json").read_text())
    entry = data["scenarios"]["mini_cable"]
    data["n_seeds"] = 5
    entry["changes"]["all"]["expected_cost_change_min"] = _iv(-0.3, -0.4, -0.2)
    far = entry.setdefault("catchments", {}).setdefault("far", {"by_class": {"all": {}}})
    path = tmp_path / "summary.json"
    sentences = {}
    for label, iv in (("noisy", _iv(-0.35, -0.5, -0.25)), ("quiet", _iv(0.0, -0.02, 0.02))):
        far["by_class"]["all"]["expected_cost_change_min"] = iv
        path.write_text(json.dumps(data))
        (sentences[label],) = bottom_line(json.loads(path.read_text()))
    assert "still move a trip's cost by -0.35 [-0.50, -0.25] min" in sentences["noisy"]
    assert (
        "Over the whole city, the change in a trip's generalised cost, -0.30 [-0.40, "
        "-0.20] min, is not distinguishable from the solver's error" in sentences["noisy"]
    )
    assert "still move" not in sentences["quiet"]
    assert (
        "Over the whole city, a trip costs 0.30 min less (-0.30 [-0.40, -0.20]): a gain"
        in sentences["quiet"]
    )


def test_a_ratio_without_a_positive_cost_reads_n_a() -> None:
    from sim.report.bottom_line import bottom_line

    status = "n/a: no positive cost (capex + O&M - residual <= 0), so no ratio"
    summary = _lines(_iv(-2.0, -3.0, -1.0), None, _iv(-0.1, -0.2, 0.3),
                     bcr={"mean": None, "low": None, "high": None, "n_seeds": 0}, status=status)  # fmt: skip
    (text,) = bottom_line(summary)
    assert (
        "benefit-cost ratio n/a (no positive cost (capex + O&M - residual <= 0), so no "
        "ratio)" in text
    )
    assert "user benefit BRL +20.0 [+15.0, +25.0] M a year (the peak hour x 2 x 300 days)" in text


def test_the_far_households_a_road_serves_are_not_its_noise() -> None:
    """A road serves far households whose trips cross it (the full-size road: 42% of the far
    ones), so they may gain for real; only the far households it does not serve (the control)
    are read as the solver's error. Their numbers: far -0.51 [-0.61, -0.42], control at
    zero, the city -0.84 [-0.96, -0.73], which is then a gain."""
    from sim.report.bottom_line import bottom_line

    summary = _lines(_iv(-1.20, -1.33, -1.07), _iv(-0.51, -0.61, -0.42), _iv(-0.84, -0.96, -0.73))
    groups = summary["scenarios"]["road"]["catchments"]
    groups["far"]["by_class"]["all"]["households"] = _iv(1177, 1137, 1217)
    groups["control"] = {"by_class": {"all": {"households": _iv(683, 640, 720),
                                              "expected_cost_change_min": _iv(-0.01, -0.05, 0.03)}}}  # fmt: skip
    (text,) = bottom_line(summary)
    assert ("Far from it at both ends of every trip, where nothing was built, and off its routes (683 simulated households), "
            "a trip's cost moves by -0.01 [-0.05, +0.03] min, not distinguishable from zero, as it "
            "should.") in text  # fmt: skip
    assert (
        "Counting also the far households whose trips use it or end near it, -0.51 [-0.61, -0.42] min."
        in text
    )
    assert "Over the whole city, a trip costs 0.84 min less (-0.84 [-0.96, -0.73]): a gain" in text
    # the same control moving like the far households: the warning, and the city not evidence
    groups["control"]["by_class"]["all"]["expected_cost_change_min"] = _iv(-0.9, -1.0, -0.8)
    (text,) = bottom_line(summary)
    assert "that is read as the solver's remaining error" in text
    assert "is not distinguishable from the solver's error" in text


def test_the_map_draws_the_baselines_lines_in_their_modes_colours(mini_network) -> None:
    """Every transit layer the network has is drawn (its hops as segments, in the mode's colour
    from the one palette); a layer it lacks is not."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from sim.modes import MODE_COLOURS
    from sim.network.arrays import Layer
    from sim.report import figures

    fig, ax = plt.subplots()
    figures._draw_lines(ax, mini_network)
    drawn = {c.get_label(): c for c in ax.collections}
    for mode, layer, _ in figures.MAP_LINES:
        n = int((mini_network.layer == int(Layer[layer])).sum())
        label = f"{mode} lines (baseline)"
        assert (label in drawn) == (n > 0), (mode, n)
        if n:
            assert len(drawn[label].get_segments()) == n
            assert tuple(drawn[label].get_colors()[0][:3]) == to_rgba(MODE_COLOURS[mode])[:3]
    assert drawn, "the mini city has transit lines"
    plt.close(fig)


def test_the_command_line_names_each_catchment_group_once():
    """served, far and control each read as themselves (the control group printed as a second
    "far from" before)."""
    import pandas as pd

    from sim.report.terminal import format_catchments

    rows = [{"scenario": "cable", "group": g, "income_class": c, "households": n,
             "expected_cost_change_min": -0.5, "acc_smooth_change": 10.0, "n_seeds": 1}
            for g, n in (("served", 700), ("far", 7300), ("control", 7000))
            for c in ("all", "1")]  # fmt: skip
    text = format_catchments(pd.DataFrame(rows))
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("households served by cable: 700")
    assert lines[1].startswith("households far from cable: 7,300")
    assert lines[2].startswith(
        "households far from (home and every trip's end) and not served by cable: 7,000"
    )


def test_the_scenarios_table_says_how_each_run_was_solved() -> None:
    from sim.report.sections import solved_by

    assert solved_by({"days": 16, "iterations": 16, "warm_from_iteration": 0,
                      "relative_gap": 0.00124}) == "16 iterations, relative gap 1.2e-03"  # fmt: skip
    assert solved_by(
        {"days": 16, "iterations": 16, "warm_from_iteration": 12, "relative_gap": 0.0015}
    ) == (  # fmt: skip
        "16 iterations from the baseline's point after 12, relative gap 1.5e-03"
    )
    assert solved_by(
        {
            "iterations": 24,
            "warm_from_iteration": 12,
            "averaged_iterations": 6,
            "relative_gap": 6e-5,
        }
    ) == (  # fmt: skip
        "24 iterations from the baseline's point after 12, ending at the mean of the last 6 "
        "points, relative gap 6.0e-05"
    )
    assert solved_by({"days": 30, "iterations": 0}) == "30 days of learning"


def test_a_small_interval_that_excludes_zero_is_printed_with_the_decimals_it_needs() -> None:
    """-0.0045 [-0.0075, -0.0016] is not printed "-0.00 [-0.01, -0.00]"; larger bounds keep two
    decimals, whatever the mean, and an exact zero is not chased."""
    from sim.intervals import interval_text, minutes_spec

    small = {"mean": -0.0045, "low": -0.0075, "high": -0.0016}
    assert interval_text(small, minutes_spec(small)) == "-0.004 [-0.007, -0.002]"
    usual = {"mean": -0.39, "low": -0.50, "high": -0.29}
    assert minutes_spec(usual) == "+,.2f"
    assert minutes_spec({"mean": 0.001, "low": -0.02, "high": 0.02}) == "+,.2f"
    assert minutes_spec({"mean": 1e-9, "low": 0.0, "high": 2e-9}) == "+,.4f"  # at most four
    assert minutes_spec({"mean": 0.003}) == "+,.3f"  # one seed: the mean decides
