"""Differences that are signal: intervals across seeds, catchments defined in advance, the smooth
accessibility measure. Small seeds and sizes (the mini city) keep it short."""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import catchment as C
from sim import intervals
from sim import metrics as m
from tests.commandline import assert_one_line_error, ladera

DATA = Path(__file__).parent / "data"
SCENARIOS = DATA / "scenarios"
BASE, CABLE, ROAD = (SCENARIOS / f"mini_{n}.toml" for n in ("baseline", "cable", "road"))
SMALL = ("--households", "400", "--max-iterations", "10")


# ------------------------------------------------------------------------------ intervals
@pytest.mark.parametrize("x", [[1.0, 2.0], [3.0, -1.0, 4.5, 0.2], [0.01, 0.02, 0.015, 0.5, 0.3]])
def test_interval_is_students_t(x: list[float]) -> None:
    iv = intervals.interval(x)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert iv["mean"] == pytest.approx(np.mean(x))
    assert (iv["low"], iv["high"]) == pytest.approx((low, high))
    assert iv["sd"] == pytest.approx(np.std(x, ddof=1))
    assert iv["n_seeds"] == len(x)


def test_interval_by_hand_and_edge_cases() -> None:
    # mean 2, sd 1, n 3: half-width t(0.975, 2) * 1 / sqrt 3 = 4.302653 / 1.732051
    iv = intervals.interval([1.0, 2.0, 3.0])
    assert iv["high"] - 2.0 == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    one = intervals.interval([5.0, math.nan])  # a non-finite seed is left out
    assert one == {"mean": 5.0, "low": None, "high": None, "sd": None, "n_seeds": 1}
    assert intervals.interval([])["mean"] is None


def test_a_count_s_interval_stops_at_zero() -> None:
    """4 and 0 households over two seeds: the t-interval would run from -23.4; a count's stops
    at 0, its upper bound and the other columns' intervals unchanged."""
    plain = intervals.interval([4.0, 0.0])
    assert plain["low"] < -20
    floored = intervals.interval([4.0, 0.0], floor=0.0)
    assert floored["low"] == 0.0 and floored["high"] == pytest.approx(plain["high"])
    tables = [pd.DataFrame({"k": ["a"], "households": [h], "change": [c]})
              for h, c in ((4.0, 1.0), (0.0, -3.0))]  # fmt: skip
    out = intervals.aggregate(tables, ["k"]).iloc[0]
    assert out["households_low"] == 0.0 and out["change_low"] < -20


@pytest.mark.parametrize(
    ("samples", "distinguishable"),
    [([1.0, 1.2, 0.9], True), ([-0.3, -0.2, -0.25], True), ([-1.0, 1.0, 0.2], False),
     ([0.0, 0.0], False), ([0.001, 0.5], False)],
)  # fmt: skip
def test_not_distinguishable_wording_follows_the_interval(samples, distinguishable) -> None:
    iv = intervals.interval(samples)
    text = intervals.change_text(iv, ".2f")
    assert (intervals.NOT_DISTINGUISHABLE in text) is (not distinguishable)
    assert text.startswith(f"{iv['mean']:+.2f}")
    assert intervals.sign(iv) == (0 if not distinguishable else int(np.sign(iv["mean"])))


def test_one_seed_has_no_interval_and_no_verdict() -> None:
    iv = intervals.interval([0.4])
    assert intervals.sign(iv) is None
    assert intervals.change_text(iv, ".1f") == "+0.4"


def test_aggregate_pairs_rows_by_key() -> None:
    seeds = [pd.DataFrame({"scenario": ["a", "b"], "x": [1.0, 10.0], "name": ["p", "q"]}),
             pd.DataFrame({"scenario": ["b", "a"], "x": [14.0, 3.0], "name": ["q", "p"]})]  # fmt: skip
    out = intervals.aggregate(seeds, ["scenario"]).set_index("scenario")
    for key, xs in (("a", [1.0, 3.0]), ("b", [10.0, 14.0])):
        iv = intervals.interval(xs)
        assert out.loc[key, "x"] == pytest.approx(iv["mean"])
        assert (out.loc[key, "x_low"], out.loc[key, "x_high"]) == pytest.approx(
            (iv["low"], iv["high"])
        )
    assert out.loc["a", "name"] == "p" and (out["n_seeds"] == 2).all()


def test_terminal_says_not_distinguishable_only_where_the_interval_holds_zero() -> None:
    from sim.report import format_summary

    def row(scenario, cls, base, mean, low, high):
        return {"scenario": scenario, "income_class": cls, "baseline": base, "n_seeds": 3,
                "households": 10.0, "expected_cost_change_min": mean,
                "expected_cost_change_min_low": low, "expected_cost_change_min_high": high}  # fmt: skip

    df = pd.DataFrame([row("base", "1", True, math.nan, math.nan, math.nan),
                       row("base", "all", True, math.nan, math.nan, math.nan),
                       row("x", "1", False, -0.5, -0.8, -0.2),
                       row("x", "all", False, -0.1, -0.3, 0.1)])  # fmt: skip
    lines = format_summary(df).splitlines()
    overall = next(ln for ln in lines if ln.strip().startswith("welfare"))
    class1 = next(ln for ln in lines if ln.strip().startswith("1 "))
    assert "-0.100 [-0.300, +0.100] (not distinguishable from zero)" in overall
    assert "-0.500 [-0.800, -0.200]" in class1 and intervals.NOT_DISTINGUISHABLE not in class1
    assert "3 seeds" in format_summary(df)


# ------------------------------------------------------------------------------ accessibility
def test_smooth_accessibility_closed_form() -> None:
    beta, h, n = 0.0337, 7.0, 12  # jobs at 0, 7, 14, ... minutes, one job each
    times = np.arange(n)[None, :] * h
    q = math.exp(-beta * h)
    got = m.gravity_accessibility(times, np.ones(n), beta=beta)
    assert got[0] == pytest.approx((1 - q**n) / (1 - q), rel=1e-12)  # a geometric series
    # logistic: 1/2 at the cutoff; 1 / (1 + e^(pi/sqrt 3)) one sd later
    t = np.array([[40.0, 52.0, np.inf]])
    got = m.gravity_accessibility(t, [2.0, 3.0, 5.0], form="logistic", cutoff_min=40, sd_min=12)
    assert got[0] == pytest.approx(1.0 + 3.0 / (1.0 + math.exp(math.pi / math.sqrt(3))))


def test_city_bundles_state_their_decay_with_a_source() -> None:
    from sim.city import load_city

    for name in ("porto_alegre", "medellin"):
        spec = load_city(name).accessibility
        assert spec.decay == "exponential" and 0.02 < spec.beta_per_min < 0.05
        assert "DERIVED" in spec.source
    # Porto Alegre's beta is the grouped maximum-likelihood fit to the Census 2022 shares
    edges = np.array([0, 5, 30, 60, 120, np.inf])
    shares = np.array([0.073, 0.555, 0.256, 0.109, 0.007])

    def loglik(b: float) -> float:
        return float((shares * np.log(np.diff(1 - np.exp(-b * edges)))).sum())

    beta = load_city("porto_alegre").accessibility.beta_per_min
    assert loglik(beta) >= max(loglik(beta * 0.9), loglik(beta * 1.1))
    assert loglik(beta) == pytest.approx(max(loglik(b) for b in np.linspace(0.03, 0.037, 701)),
                                         abs=1e-6)  # fmt: skip


# ------------------------------------------------------------------------------ catchments
@pytest.fixture(scope="module")
def solved():
    """The mini baseline at (near) equilibrium, and the places of the cable and the road."""
    from sim.network.cache import load_network
    from sim.runner import build_model, city_of
    from sim.scenario import load_scenario, with_overrides

    base = with_overrides(load_scenario(BASE), {"households": 600})
    net = load_network(city_of(base))
    model, _ = build_model(base, base_network=net)
    model.equilibrate(max_iterations=20)
    found = {p.stem: C.places(net, load_scenario(p)) for p in (CABLE, ROAD)}
    return model, found


def test_only_what_differs_from_the_baseline_has_a_place(solved) -> None:
    """A line both runs take out is no change; a line the baseline takes out and the scenario
    keeps is one (Medellín's Line K against 2003)."""
    from dataclasses import replace

    from sim.interventions import BundledLine, RemoveLine
    from sim.scenario import load_scenario

    model, _ = solved
    net = model.network
    base, cable = load_scenario(BASE), load_scenario(CABLE)
    gone = RemoveLine(type="remove_line", name="no 346", line_pattern="^346 ")
    also = RemoveLine(type="remove_line", name="no 348", line_pattern="^348 ")
    kept = BundledLine(type="bundled_line", name="348 kept", line_pattern="^348 ")
    baseline = replace(base, interventions=(gone, also))
    scenario = replace(cable, interventions=(gone, *cable.interventions, kept))
    found = C.places(net, scenario, baseline)
    assert [p.name for p in found] == ["Morro cable", "348 kept"]
    stops = net.stop_walk[np.isin(net.stop_line, np.flatnonzero(np.char.startswith(
        net.lines.name.astype(str), "348 ")))]  # fmt: skip
    assert set(found[1].stations) == set(stops)
    assert C.places(net, baseline, baseline) == []


def _walk_graph(net) -> nx.DiGraph:
    from sim.network.arrays import Layer

    g = nx.DiGraph()
    for e in np.flatnonzero(net.layer == Layer.WALK):
        u, v, t = int(net.tail[e]), int(net.indices[e]), float(net.time_s[e])
        if not g.has_edge(u, v) or g[u][v]["t"] > t:
            g.add_edge(u, v, t=t)
    return g


def test_cable_catchment_is_the_walk_to_its_stations(solved) -> None:
    model, found = solved
    net = model.network
    (cable,) = found["mini_cable"]
    # the three stations of the scenario file, snapped to the city's own walk nodes
    from sim.geo import haversine_m

    given = [(-51.1620, -30.0750), (-51.1700, -30.0675), (-51.1780, -30.0600)]
    st = cable.stations
    assert len(st) == 3
    assert all(haversine_m(x, y, net.x[st], net.y[st]).min() < 300 for x, y in given)
    homes = model.households.home_node
    got = C.walk_minutes(net, homes, cable.stations, limit_min=C.WALK_MIN)
    # networkx, independently: each home's quickest walk to any station (uphill as walked)
    rev = _walk_graph(net).reverse()
    seconds = nx.multi_source_dijkstra_path_length(rev, set(cable.stations.tolist()), weight="t")
    want = np.array([seconds.get(int(h), np.inf) / 60.0 for h in homes])
    inside = want <= C.WALK_MIN
    assert np.allclose(got[inside], want[inside])
    assert np.isinf(got[~inside]).all()
    masks = C.catchments(model, {"mini_cable": found["mini_cable"]})["mini_cable"]
    assert np.array_equal(masks["served"], inside) and 0 < inside.sum() < len(homes)


def test_the_walk_to_a_station_is_timed_uphill(poa_network) -> None:
    from sim.scenario import load_scenario

    net = poa_network
    cable_file = (
        Path(__file__).resolve().parents[1] / "scenarios/porto_alegre/cable_morro_da_cruz.toml"
    )
    (cable,) = C.places(net, load_scenario(cable_file))
    top = cable.stations[np.argmax(net.elevation[cable.stations])]
    down = nx.single_source_dijkstra_path_length(_walk_graph(net), int(top), cutoff=900, weight="t")
    below = np.array([n for n in down if net.elevation[n] < net.elevation[top] - 40])
    up = C.walk_minutes(net, below, np.array([top]), limit_min=60.0)
    assert below.size > 20
    assert np.mean(up > np.array([down[n] for n in below]) / 60.0) > 0.9  # Tobler: uphill slower


def test_far_households_by_haversine(solved) -> None:
    from sim.geo import haversine_m

    model, found = solved
    net = model.network
    (cable,) = found["mini_cable"]
    homes = model.households.home_node
    far_km = 1.5  # the mini city is 3 km across: 5 km would leave nobody
    got = C.far_mask(net, homes, cable.segments, far_km=far_km)
    # brute force: points every metre along every segment, great-circle distances
    pts = np.vstack([np.linspace(s[:2], s[2:], 4000) for s in cable.segments])
    d = np.array([haversine_m(net.x[h], net.y[h], pts[:, 0], pts[:, 1]).min() for h in homes])
    clear = np.abs(d - 1000 * far_km) > 15  # the projection and the haversine differ by metres
    assert np.array_equal(got[clear], d[clear] > 1000 * far_km)
    assert 0 < got.sum() < len(homes)


def test_the_control_has_no_trip_ending_near_what_changed(solved) -> None:
    """Control households are far at home and at every trip's end (great-circle distances of
    the trips' destinations, by brute force), and not served; a far home alone is not enough."""
    from sim.geo import haversine_m

    model, found = solved
    net = model.network
    far_km = 1.2  # the mini city is 3 km across
    masks = C.catchments(model, {"mini_cable": found["mini_cable"]}, far_km=far_km)["mini_cable"]
    (cable,) = found["mini_cable"]
    pts = np.vstack([np.linspace(s[:2], s[2:], 4000) for s in cable.segments])
    tr = model.trips
    mine = np.flatnonzero(tr.household >= 0)
    ends = model.dest.walk_node[tr.dest[mine]]
    d = np.array([haversine_m(net.x[v], net.y[v], pts[:, 0], pts[:, 1]).min() for v in ends])
    near = np.zeros(model.households.n, bool)
    near[tr.household[mine][d <= 1000 * far_km]] = True
    edge = np.zeros(model.households.n, bool)  # an end within metres of the line: either way
    edge[tr.household[mine][np.abs(d - 1000 * far_km) < 15]] = True
    want = masks["far"] & ~masks["served"] & ~near
    assert np.array_equal(masks["control"][~edge], want[~edge])
    assert masks["control"].sum() > 0 and (masks["far"] & ~masks["served"] & near).sum() > 0


def test_road_catchment_is_the_routes_through_the_widened_links(solved) -> None:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from sim.kernels import day as K
    from sim.network.arrays import Layer

    model, found = solved
    net = model.network
    (road,) = found["mini_road"]
    assert all("Bento Gonçalves" in name for name in net.name[road.roads])
    uses = C.trips_on_roads(model, road.roads)
    # scipy, independently: each car trip's least-time path at the converged road times
    t = model.costs.state(model.car_flow, model.transit_flow).time_s
    edge: dict[tuple[int, int], int] = {}  # the quicker of parallel links
    for e in np.flatnonzero(net.layer == Layer.DRIVE):
        key = (int(net.tail[e]), int(net.indices[e]))
        if key not in edge or t[e] < t[edge[key]]:
            edge[key] = int(e)
    drive = np.array(list(edge.values()))
    n = net.n_nodes
    weight = np.maximum(t[drive], 1e-9)  # a stored zero would not be a link
    graph = csr_matrix((weight, (net.tail[drive], net.indices[drive])), shape=(n, n))
    marked = set(road.roads.tolist())
    tr = model.trips
    car = np.flatnonzero((np.argmax(model.prob, axis=1) == K.ALT_CAR) & (model.prob.sum(1) > 0))
    want = np.zeros(tr.n, bool)
    for dest in np.unique(tr.dest[car]):
        root = int(model.dest.drive_node[dest])
        _, pred = dijkstra(graph.T, indices=root, return_predecessors=True)
        for h in car[tr.dest[car] == dest]:
            v = int(tr.drive_node[h])
            while v != root and pred[v] >= 0:
                if edge[(v, int(pred[v]))] in marked:
                    want[h] = True
                    break
                v = int(pred[v])
    assert np.array_equal(uses[car], want[car])
    assert want.any()


# ------------------------------------------------------------------------------ the command
@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("signal")
    proc = ladera("compare", str(BASE), str(CABLE), str(ROAD), "--seeds", "2", *SMALL,
                  "--workers", "0", "--results", str(out), "--id", "c")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "not distinguishable from zero" in proc.stdout or "]" in proc.stdout
    return out / "compare" / "c"


def test_summary_json_schema(compared: Path) -> None:
    data = json.loads((compared / "summary.json").read_text())
    assert data["schema"] == "ladera-compare/1" and data["n_seeds"] == 2
    assert data["seeds"] == [7, 8] and data["baseline"] == "mini_baseline"
    keys = {"mean", "low", "high", "sd", "n_seeds"}
    for entry in data["scenarios"].values():
        assert set(entry["levels"]) >= {"1", "all"}
        assert len(entry["runs"]) == 2
        for cls, metrics in entry["levels"].items():
            assert {"acc_smooth", "acc30", "mean_expected_cost_min"} <= set(metrics)
            assert all(set(v) == keys and v["n_seeds"] <= 2 for v in metrics.values()), cls
        if entry["baseline"]:
            assert "changes" not in entry
            continue
        assert set(entry["changes"]["all"]) >= {"acc_smooth_change", "expected_cost_change_min",
                                                "annual_benefit"}  # fmt: skip
        for group in ("served", "far", "control"):
            catch = entry["catchments"][group]
            assert catch["definition"]
            assert set(catch["by_class"]["all"]) == set(data["group_metrics"])
            assert set(catch["by_class"]["all"]["households"]) == keys
    assert set(data["metrics"]) >= {"acc_smooth", "expected_cost_change_min", "annual_benefit"}


def test_scenarios_start_from_their_seeds_baseline(compared: Path) -> None:
    """Each scenario's run of a seed starts from that seed's baseline's point, handed over
    half-way (sim.warm, sim.solver_settings.hand_over_at); the baseline starts from empty
    roads."""
    data = json.loads((compared / "summary.json").read_text())
    for entry in data["scenarios"].values():
        for run in entry["runs"]:
            summary = json.loads((Path(run) / "summary.json").read_text())
            if entry["baseline"]:
                assert summary["warm_from_iteration"] == 0
            else:
                assert 0 < summary["warm_from_iteration"] <= 10 // 2
                assert summary["iterations"] <= 10


def test_learning_runs_on_dask_start_from_empty_roads(tmp_path: Path) -> None:
    """With the learning dynamics a baseline hands over nothing, and its seed's scenarios
    still run (side by side on Dask), from empty roads."""
    proc = ladera("compare", str(BASE), str(CABLE), "--seeds", "2", "--households", "300",
                  "--solver", "learning", "--days", "3", "--workers", "2",
                  "--results", str(tmp_path), "--id", "l")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "compare" / "l" / "summary.json").read_text())
    runs = [r for e in data["scenarios"].values() for r in e["runs"]]
    assert len(runs) == 4
    for run in runs:
        assert json.loads((Path(run) / "summary.json").read_text())["warm_from_iteration"] == 0


def test_the_control_is_the_far_households_not_served(compared: Path) -> None:
    """The far households a scenario does not serve: their count is far and not served in the
    catchment file, seed by seed, and never above the far households'."""
    data = json.loads((compared / "summary.json").read_text())
    masks = pd.read_parquet(compared / "catchment_households.parquet")
    for name, entry in data["scenarios"].items():
        if entry["baseline"]:
            continue
        groups = entry["catchments"]
        rows = masks[masks["scenario"] == name]
        want = (rows["far"] & ~rows["served"]).groupby(rows["seed"]).sum().mean()
        n = {g: groups[g]["by_class"]["all"]["households"]["mean"] for g in ("far", "control")}
        assert n["control"] == pytest.approx(want) and n["control"] <= n["far"]
        assert "do not use its links" in groups["control"]["definition"]
        assert "none of whose trips ends within" in groups["control"]["definition"]


def test_changes_are_paired_within_seeds(compared: Path) -> None:
    data = json.loads((compared / "summary.json").read_text())
    entry = data["scenarios"]["mini_cable"]
    runs = {n: [Path(p) for p in e["runs"]] for n, e in data["scenarios"].items()}
    per_seed = []
    for base, cable in zip(runs["mini_baseline"], runs["mini_cable"], strict=True):
        b, a = (pd.read_parquet(p / "households.parquet") for p in (base, cable))
        assert (a["home_zone"] == b["home_zone"]).all()  # one seed, the same households
        per_seed.append(a["expected_cost_min"].mean() - b["expected_cost_min"].mean())
    got = entry["changes"]["all"]["expected_cost_change_min"]
    want = intervals.interval(per_seed)
    assert got["mean"] == pytest.approx(want["mean"]) and got["low"] == pytest.approx(want["low"])
    # the served households' welfare change, by hand from the catchment file
    masks = pd.read_parquet(compared / "catchment_households.parquet")
    served = []
    for k, (base, cable) in enumerate(zip(runs["mini_baseline"], runs["mini_cable"], strict=True)):
        b, a = (pd.read_parquet(p / "households.parquet") for p in (base, cable))
        rows = masks[(masks["seed"] == 7 + k) & (masks["scenario"] == "mini_cable")]
        sel = rows.sort_values("household")["served"].to_numpy()
        served.append((a["expected_cost_min"] - b["expected_cost_min"])[sel].mean())
    got = entry["catchments"]["served"]["by_class"]["all"]["expected_cost_change_min"]
    assert got["mean"] == pytest.approx(np.mean(served))
    assert got["high"] == pytest.approx(intervals.interval(served)["high"])


def test_report_and_csv_carry_intervals(compared: Path) -> None:
    df = pd.read_csv(compared / "summary.csv", dtype={"income_class": str})
    assert {"acc_smooth", "acc_smooth_low", "acc_smooth_high", "n_seeds"} <= set(df.columns)
    assert (df["n_seeds"] == 2).all()
    md = (compared / "report.md").read_text()
    assert "Who each scenario serves" in md and "Precision" in md
    # catchment first: the bottom line, then the served households, then the city's headline
    assert (
        md.index("## Bottom line") < md.index("Who each scenario serves") < md.index("## Headline")
    )
    assert "Served by mini_cable: Morro cable: homes within 10 min walk" in md
    assert "Far from mini_road" in md
    groups = pd.read_csv(compared / "catchments.csv", dtype={"income_class": str})
    assert set(groups["group"]) == {"served", "far", "control"}
    assert "Far from (home and every trip's end) and not served by mini_road" in md


def test_the_report_maps_the_catchments_beside_their_section(compared: Path) -> None:
    """figures/map_catchments.png (sim/report/catchment_map.py), in the catchments' section of
    the report; the bottom line gives the served households' jobs within 45 min."""
    assert (compared / "figures" / "map_catchments.png").read_bytes().startswith(b"\x89PNG")
    md = (compared / "report.md").read_text()
    section = md.split("## Who each scenario serves", 1)[1].split("\n## ", 1)[0]
    assert "(figures/map_catchments.png)" in section
    assert section.index("map_catchments.png") < section.index("### Served by mini_cable")
    lead = md.split("## Bottom line", 1)[1].split("\n## ", 1)[0]
    data = json.loads((compared / "summary.json").read_text())
    for name in ("mini_cable", "mini_road"):
        iv = data["scenarios"][name]["catchments"]["served"]["by_class"]["all"]["acc45_change"]
        paragraph = next(p for p in lead.split("\n\n") if p.startswith(f"**{name}**"))
        assert intervals.interval_text(iv, "+,.0f") in paragraph
        assert "within 45 min" in paragraph


def test_catchments_that_do_not_fit_the_runs_are_refused_before_writing(compared: Path,
                                                                        tmp_path: Path) -> None:  # fmt: skip
    from sim.errors import ScenarioError
    from sim.report import compare

    data = json.loads((compared / "summary.json").read_text())
    runs = [[Path(e["runs"][k]) for e in data["scenarios"].values()] for k in range(2)]
    short = {"served": np.zeros(3, bool), "far": np.zeros(3, bool)}
    with pytest.raises(ScenarioError) as exc:
        compare(runs, tmp_path / "bad", catchments=C.Catchments([{"mini_cable": short}] * 2))
    assert "\n" not in str(exc.value) and "mask has shape (3,)" in str(exc.value)
    assert not (tmp_path / "bad").exists()


def test_run_directories_hold_one_seed(tmp_path: Path, compared: Path) -> None:
    data = json.loads((compared / "summary.json").read_text())
    run = data["scenarios"]["mini_baseline"]["runs"][0]
    other = data["scenarios"]["mini_cable"]["runs"][0]
    proc = ladera("compare", run, other, "--seeds", "3", "--results", str(tmp_path))
    assert_one_line_error(proc, "`--seeds` is 3", "one seed")
    proc = ladera("compare", run, other, "--results", str(tmp_path), "--id", "one")
    assert proc.returncode == 0, proc.stderr
    assert "one seed: no interval" in proc.stdout


def test_results_do_not_depend_on_the_workers(compared: Path, tmp_path: Path) -> None:
    proc = ladera("compare", str(BASE), str(CABLE), str(ROAD), "--seeds", "2", *SMALL,
                  "--workers", "2", "--results", str(tmp_path), "--id", "c")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    serial = pd.read_csv(compared / "summary.csv").drop(columns="run")
    parallel = pd.read_csv(tmp_path / "compare" / "c" / "summary.csv").drop(columns="run")
    pd.testing.assert_frame_equal(serial, parallel)
    a, b = (
        json.loads((p / "summary.json").read_text()) for p in (compared, tmp_path / "compare" / "c")
    )
    for name in a["scenarios"]:
        assert a["scenarios"][name]["levels"] == b["scenarios"][name]["levels"]
        assert a["scenarios"][name].get("catchments") == b["scenarios"][name].get("catchments")


def test_winners_equity_and_cable_tables_carry_intervals(compared: Path) -> None:
    from sim.report.sections import _winners_frame

    def cols(name: str, mean: float, low: float, high: float) -> dict[str, float]:
        return {name: mean, f"{name}_low": low, f"{name}_high": high}

    rows = pd.DataFrame([{"income_class": "1", "households": 10.0, "n_seeds": 3,
                          **cols("fare_burden", 0.1, 0.08, 0.12),
                          **cols("fare_burden_change", 0.005, -0.001, 0.011),
                          **cols("share_better_welfare", 0.2, 0.1, 0.3),
                          **cols("annual_benefit", -5.0, -9.0, -1.0)}])  # fmt: skip
    frame = _winners_frame(rows, matched=False).iloc[0]
    assert frame["fare burden"] == "10.0% [8.0%, 12.0%]"
    assert frame["fare burden change (pp)"] == "+0.5 [-0.1, +1.1] (not distinguishable from zero)"
    assert frame["yearly user benefit"] == "-5 [-9, -1]"
    md = (compared / "report.md").read_text()
    equity = md.split("## Equity")[1].split("\n## ")[0]
    cable = md.split("## Cable load")[1].split("\n## ")[0]
    for section in (equity, cable):  # two seeds: every scenario's row has an interval
        rows_md = [ln for ln in section.splitlines() if ln.startswith("| mini_")]
        assert rows_md and all("[" in ln for ln in rows_md), section
