"""Scenario files: strict validation, inheritance, overrides; runs: atomic and deterministic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.errors import ScenarioError
from sim.runner import run_scenario
from sim.scenario import load_scenario, with_overrides

DATA = Path(__file__).parent / "data" / "scenarios"
ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\nhousehlds = 10\n', "unknown key `househlds`; did you mean `households`?"),
        ('name = "x"\nhouseholds = "many"\n', "`households` must be an integer"),
        ('name = "x"\nhouseholds = 0\n', "`households` must be a positive integer"),
        ('name = "x"\n[choice]\nscale = -1.0\n', "`scale` must be > 0"),
        ('name = "x"\n[choice]\nsclae = 1.0\n', "did you mean `scale`?"),
        ('name = "x"\n[[interventions]]\ntype = "cable_lin"\nname = "c"\n',
         "unknown type `cable_lin`; did you mean `cable_line`?"),
        ('name = "x"\n[[interventions]]\ntype = "cable_line"\nname = "c"\n'
         "stations = [[-51.16, -30.07]]\n", "needs at least 2 stations"),
        ('name = "x"\n[[interventions]]\ntype = "road_upgrade"\nname = "r"\n'
         'name_pattern = "a"\ncapex = { amount = -5.0 }\n', "`capex.amount` must be >= 0"),
        ('name = "x"\n[[interventions]]\ntype = "cable_line"\nname = "c"\n'
         'stations = [[-51.16, -30.07], [-51.17, -30.06]]\nfare = "free"\n', "(cable_line).fare` must be a number"),
        ("name = [\n", "not valid TOML"),
        ('name = "x"\n[[interventions]]\ntype = "cable_line"\nname = "c"\n'
         "stations = [[-51.16, -30.07, 5.0], [-51.17, -30.06]]\n",
         "(cable_line).stations[0]` must be an array of 2 numbers, not 3"),
        ('name = "x"\n[[interventions]]\ntype = "new_road"\nname = "n"\n'
         "start = [-51.16]\nend = [-51.17, -30.06]\n",
         "(new_road).start` must be an array of 2 numbers, not 1"),
        ('name = "x"\n[[interventions]]\ntype = "bus_route"\nname = "b"\n'
         "stops = [[-51.16, -30.07], [-51.17]]\n", "(bus_route).stops[1]` must be an array of 2"),
        ('name = "../x"\n', "`name` is '../x'; allowed: letters, digits"),
        ('name = "compare"\n', "`name` is 'compare', which names a folder Ladera writes"),
        ('name = "Batch"\n', "which names a folder Ladera writes"),
        ('name = ".hidden"\n', "`name` is '.hidden'"),
    ],
)  # fmt: skip
def test_bad_scenarios_are_one_line_errors(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert message in text
    assert str(path) in text
    assert "\n" not in text


def test_extends_merges_choice_and_appends_interventions():
    combined = load_scenario(ROOT / "scenarios" / "porto_alegre" / "combined.toml")
    base = load_scenario(ROOT / "scenarios" / "porto_alegre" / "baseline.toml")
    assert combined.choice.asc == base.choice.asc
    assert [i.type for i in combined.interventions] == ["cable_line", "road_upgrade"]
    assert combined.capex == pytest.approx(135e6 + 471e6)  # the cable and the road widening


def test_every_shipped_scenario_loads():
    files = sorted((ROOT / "scenarios").glob("*/*.toml"))
    assert len(files) >= 8
    for f in files:
        load_scenario(f)


def test_overrides_reach_interventions_and_choice():
    s = load_scenario(DATA / "mini_cable.toml")
    t = with_overrides(s, {"interventions.Morro cable.fare": 0, "choice.vot_factor": 2,
                           "households": 100, "choice.fare_subsidy.1": 0.5})  # fmt: skip
    assert t.intervention("Morro cable").fare == 0.0
    assert t.choice.vot_factor == 2.0 and t.households == 100
    assert t.choice.fare_subsidy == {"1": 0.5}
    with pytest.raises(ScenarioError, match="did you mean `fare`"):
        with_overrides(s, {"interventions.Morro cable.fair": 1.0})
    with pytest.raises(ScenarioError, match="no intervention named"):
        with_overrides(s, {"interventions.Nope.fare": 1.0})
    with pytest.raises(ScenarioError, match="`cabin_interval_s` must be > 0"):
        with_overrides(s, {"interventions.Morro cable.cabin_interval_s": -1.0})


def small(path: Path, **kw):
    return with_overrides(load_scenario(path), {"households": 600, "days": 3, **kw})


def test_same_seed_same_frames(tmp_path):
    a = run_scenario(small(DATA / "mini_cable.toml"), results=tmp_path / "a", run_id="r",
                     progress=False, figures=False)  # fmt: skip
    b = run_scenario(small(DATA / "mini_cable.toml"), results=tmp_path / "b", run_id="r",
                     progress=False, figures=False)  # fmt: skip
    for table in ("households", "zones", "days", "lines"):
        pd.testing.assert_frame_equal(pd.read_parquet(a.path / f"{table}.parquet"),
                                      pd.read_parquet(b.path / f"{table}.parquet"))  # fmt: skip
    c = run_scenario(small(DATA / "mini_cable.toml", seed=8), results=None, progress=False)
    assert c.summary["mode_shares"] != a.summary["mode_shares"]


def test_failed_run_leaves_no_directory(tmp_path, monkeypatch):
    import sim.rundir.write as write

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(write, "write_tables", boom)
    with pytest.raises(RuntimeError):
        run_scenario(small(DATA / "mini_baseline.toml"), results=tmp_path, run_id="x",
                     progress=False, figures=False)  # fmt: skip
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []
    assert not (tmp_path / "mini_baseline" / "x").exists()


def test_run_directory_holds_what_the_readme_promises(tmp_path):
    r = run_scenario(small(DATA / "mini_cable.toml"), results=tmp_path, run_id="r",
                     progress=False, figures=False)  # fmt: skip
    names = {p.name for p in r.path.iterdir()}
    assert {"households.parquet", "zones.parquet", "days.parquet", "lines.parquet",
            "summary.json", "manifest.json", "interventions.geojson"} <= names  # fmt: skip
    hh = pd.read_parquet(r.path / "households.parquet")
    assert len(hh) == 600
    # the summary is recomputable from the tables
    # the summary's shares are residents' trips weighted by flow and probability
    trips = pd.read_parquet(r.path / "trips.parquet")
    res = trips[~trips["fixed"]]
    share = (res["flow_per_hour"] * res["p_cable"]).sum() / res["flow_per_hour"].sum()
    assert share > 0
    assert r.summary["mode_shares"]["cable"] == pytest.approx(share)
    by_class = hh.groupby("income_class")["acc30"].mean()
    for c, v in by_class.items():
        assert r.summary["by_class"][str(c)]["acc30"] == pytest.approx(v)


def test_names_that_are_safe_folder_names_are_accepted(tmp_path):
    for name in ("baseline_2003", "línea-k.v2", "A1"):
        assert load_scenario(write(tmp_path, f'name = "{name}"\n')).name == name


def test_an_error_in_an_extended_file_names_that_file(tmp_path):
    base = write(tmp_path, 'name = "base"\nhousehlds = 10\n', "base.toml")
    child = write(tmp_path, 'extends = "base.toml"\nname = "child"\n', "child.toml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert str(err.value).startswith(f"{base.resolve()}: unknown key `househlds`")


def test_an_intervention_error_names_the_file_and_index_that_declare_it(tmp_path):
    road = '[[interventions]]\ntype = "road_upgrade"\nname = "r"\nname_pattern = "a"\n'
    bad = '[[interventions]]\ntype = "cable_line"\nname = "c"\nstations = [[1.0, 2.0]]\n'
    write(tmp_path, 'name = "base"\n' + road + road.replace('"r"', '"r2"'), "base.toml")
    child = write(tmp_path, 'extends = "base.toml"\nname = "child"\n' + bad, "child.toml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert str(err.value).startswith(f"{child}: [interventions[0] (cable_line)]")
    assert "needs at least 2 stations" in str(err.value)


def test_a_scenario_of_an_unknown_city_names_the_file_and_field(tmp_path):
    from sim.runner import city_of

    path = write(tmp_path, 'name = "x"\ncity = "porto_alegr"\n')
    with pytest.raises(ScenarioError) as err:
        city_of(load_scenario(path))
    assert str(err.value).startswith(f"{path}: `city`: unknown city `porto_alegr`")
    assert "did you mean `porto_alegre`" in str(err.value)


MINI_CITY = Path(__file__).parent / "data" / "mini_city" / "city.toml"
NO_ROAD = ('[[interventions]]\ntype = "road_upgrade"\nname = "Nowhere"\n'
           'name_pattern = "^No Such Street$"\nadd_lanes = 1.0\n')  # fmt: skip


def test_an_intervention_that_does_not_fit_the_city_names_file_and_index(tmp_path, mini_network):
    from sim.runner import check_scenario

    text = (DATA / "mini_cable.toml").read_text().replace("../mini_city/city.toml", str(MINI_CITY))
    path = write(tmp_path, text.replace('name = "mini_cable"', 'name = "x"') + NO_ROAD)
    with pytest.raises(ScenarioError) as err:
        check_scenario(load_scenario(path))
    assert str(err.value) == (f"{path}: [interventions[1]] road_upgrade `Nowhere`: the selector "
                              "matches no road")  # fmt: skip


def test_an_extended_intervention_that_does_not_fit_names_its_own_file(tmp_path, mini_network):
    from sim.runner import build_model

    text = (DATA / "mini_cable.toml").read_text().replace("../mini_city/city.toml", str(MINI_CITY))
    write(tmp_path, text, "base.toml")
    child = write(tmp_path, 'extends = "base.toml"\nname = "child"\n' + NO_ROAD, "child.toml")
    scenario = with_overrides(load_scenario(child), {"households": 50})
    with pytest.raises(ScenarioError) as err:
        build_model(scenario, base_network=mini_network)
    assert str(err.value).startswith(f"{child}: [interventions[0]] road_upgrade `Nowhere`")


def test_default_run_ids_never_replace_a_run(tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(time, "strftime", lambda *args: "20240101-000000")  # the same second
    paths = [run_scenario(small(DATA / "mini_baseline.toml"), results=tmp_path, progress=False,
                          figures=False).path for _ in range(2)]  # fmt: skip
    assert [p.name for p in paths] == ["seed7-20240101-000000", "seed7-20240101-000000-2"]
    assert all((p / "summary.json").is_file() for p in paths)


def test_an_explicit_run_id_that_is_taken_is_refused_before_simulating(tmp_path, monkeypatch):
    import sim.runner as runner

    taken = tmp_path / "mini_baseline" / "r"
    taken.mkdir(parents=True)
    (taken / "summary.json").write_text("{}")

    def never(*args, **kwargs):
        raise AssertionError("simulated before checking the run directory")

    monkeypatch.setattr(runner, "build_model", never)
    with pytest.raises(ScenarioError, match="already exists.*choose another `--run-id`"):
        run_scenario(small(DATA / "mini_baseline.toml"), results=tmp_path, run_id="r")
    assert (taken / "summary.json").read_text() == "{}"


def test_a_run_directory_that_appears_meanwhile_is_not_replaced(tmp_path, monkeypatch):
    import sim.rundir.write as write

    write_tables = write.write_tables

    def racing(model, folder):
        write_tables(model, folder)
        (tmp_path / "mini_baseline" / "r").mkdir()
        (tmp_path / "mini_baseline" / "r" / "theirs.txt").write_text("theirs")

    monkeypatch.setattr(write, "write_tables", racing)
    with pytest.raises(ScenarioError, match="already exists"):
        run_scenario(small(DATA / "mini_baseline.toml"), results=tmp_path, run_id="r",
                     progress=False, figures=False)  # fmt: skip
    assert [p.name for p in (tmp_path / "mini_baseline").iterdir()] == ["r"]
    assert [p.name for p in (tmp_path / "mini_baseline" / "r").iterdir()] == ["theirs.txt"]


def test_capex_must_be_in_the_citys_currency_and_is_warned_about_in_another_year(tmp_path):
    from sim.runner import check_scenario

    text = (DATA / "mini_cable.toml").read_text().replace("../mini_city/city.toml", str(MINI_CITY))
    usd = write(tmp_path, text.replace('currency = "BRL"', 'currency = "USD"'))
    with pytest.raises(ScenarioError) as err:
        check_scenario(load_scenario(usd))
    assert str(err.value) == (f"{usd}: [interventions[0]] `capex.currency` is 'USD'; state it "
                              "in the city's currency, 'BRL' (of 2019)")  # fmt: skip
    old = write(tmp_path, text.replace("year = 2019", "year = 2024"))
    with pytest.warns(UserWarning, match=r"`capex.year` is 2024 but fares and incomes are in 2019"):
        check_scenario(load_scenario(old))
