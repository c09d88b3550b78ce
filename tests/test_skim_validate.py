"""`ladera skim` equals the model's own skims; observed figures convert and compare as stated;
`ladera validate` writes its tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.kernels import day as K
from sim.model import CommuteModel
from sim.observed import Factor, Figure
from sim.skim import Point, point_skim, snap
from sim.zones import load_zones

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def solved(mini_city, mini_network):
    m = CommuteModel(mini_city, households=800, seed=5, network=mini_network,
                     zones=load_zones(mini_city), agents=False)  # fmt: skip
    m.equilibrate(max_iterations=10)
    return m


def test_skim_equals_the_models_own_skims_for_two_points(solved):
    m, tr, net = solved, solved.trips, solved.network
    t = m.last.out.time_s / 60.0
    rows = np.flatnonzero(np.isfinite(t[:, K.ALT_TRANSIT]) & np.isfinite(t[:, K.ALT_WALK]))
    assert rows.size >= 2
    for i in rows[[0, rows.size // 2]]:
        home, d = int(tr.walk_node[i]), int(tr.dest[i])
        origin = Point(float(net.x[home]), float(net.y[home]))
        to = Point(float(m.dest.lon[d]), float(m.dest.lat[d]))
        nodes = snap(m, origin, to)
        assert (nodes["walk_o"], nodes["drive_o"]) == (home, int(tr.drive_node[i]))
        assert (nodes["walk_d"], nodes["drive_d"]) == (m.dest.walk_node[d], m.dest.drive_node[d])
        res = point_skim(m, origin, to, vot=float(tr.vot[i]), fare_share=float(tr.fare1[i]))
        for a, mode in enumerate(("walk", "transit", "car")):
            assert res[mode]["minutes"] == pytest.approx(t[i, a], abs=0.006), (mode, res)
        tp = res["transit"]
        assert tp["walk"] + tp["wait"] + tp["in_vehicle"] == pytest.approx(tp["minutes"], abs=0.02)
        assert tp["boardings"] >= 1 and tp["wait"] > 0 and tp["in_vehicle"] > 0


def test_points_parse_negative_degrees_and_refuse_nonsense():
    assert Point.parse("-51.23,-30.03", "--from") == Point(-51.23, -30.03)
    for bad in ("-51.23", "a,b", "-200,10", "1,2,3", "nan,1"):
        with pytest.raises(ScenarioError, match="`--from`"):
            Point.parse(bad, "--from")


def test_figure_value_is_raw_times_factors_and_bands_are_points_or_relative():
    # Mercado by hand: 7,534,449 a year x 160,343 / 48,055,364 a weekday x 5% = 1,257 an hour
    f = Figure("boardings_station:X", "validation", 7534449.0, "a year", 0.5, "s",
               (Factor(160343 / 48055364, "day", "s"), Factor(0.05, "peak", "s")))  # fmt: skip
    assert f.value == pytest.approx(1257.0, abs=0.5)
    assert f.passes(1257.0 * 1.49) and not f.passes(1257.0 * 1.51) and f.passes(1257.0 * 0.51)
    share = Figure("commute_le_30", "calibration", 0.628, "share", 0.05, "s")
    assert share.difference(0.60) == pytest.approx(-0.028)
    assert share.passes(0.579) and not share.passes(0.577)


def _ladera(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=600, check=False)  # fmt: skip


def test_skim_cli_takes_equals_form_coordinates_and_prints_json(solved):
    net, tr, m = solved.network, solved.trips, solved
    home, d = int(tr.walk_node[0]), int(tr.dest[0])
    proc = _ladera("skim", str(DATA / "scenarios" / "mini_baseline.toml"),
                   f"--from={net.x[home]:.6f},{net.y[home]:.6f}",
                   f"--to={m.dest.lon[d]:.6f},{m.dest.lat[d]:.6f}", "--json",
                   "--households", "300", "--max-iterations", "5")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"walk", "transit", "car", "motorbike", "snap_m", "vot_per_min"} <= set(out)
    assert out["walk"]["minutes"] > 0
    bad = _ladera("skim", str(DATA / "scenarios" / "mini_baseline.toml"), "--from=x", "--to=1,1")
    assert bad.returncode == 2 and "`--from`" in bad.stderr


def test_validate_writes_tables_apart_and_exits_by_the_bands(mini_dir, tmp_path):
    (mini_dir / "observed.toml").write_text('''
[[figure]]
metric = "mode_share:walk"
role = "calibration"
raw = 0.3
unit = "share"
band = 0.5
source = "test: fitted"

[[figure]]
metric = "walk_over:45"
role = "validation"
raw = 0.0
unit = "share"
band = 0.9
source = "test: a wide bound"

[[figure]]
metric = "mode_share:car"
role = "validation"
raw = 0.9
unit = "share"
band = 0.01
source = "test: made to fail"
''', encoding="utf-8")  # fmt: skip
    city = mini_dir / "city.toml"
    city.write_text('observed = "observed.toml"\n' + city.read_text(encoding="utf-8"),
                    encoding="utf-8")  # fmt: skip
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "s"\ncity = "{city}"\nhouseholds = 300\nseed = 1\n',
                        encoding="utf-8")  # fmt: skip
    out = tmp_path / "res"
    proc = _ladera("validate", str(scenario), "--max-iterations", "5", "--results", str(out),
                   "--allow", str(mini_dir))  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # the made-to-fail figure
    assert "outside their bands: mode_share:car" in proc.stderr
    folder = next((out / "validate").iterdir())
    report = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    assert [r["metric"] for r in report["calibration"]] == ["mode_share:walk"]
    assert [r["pass"] for r in report["validation"]] == [True, False]
    assert (folder / "figures.png").stat().st_size > 0
    md = (folder / "validation.md").read_text(encoding="utf-8")
    assert "## Validation figures (not fitted)" in md and "| mode_share:car | 90.0% |" in md


def test_sensitivity_moves_transit_the_way_a_boarding_penalty_should(solved):
    from sim.sensitivity import CASES, sensitivity, sensitivity_markdown
    from sim.validate import headline

    base = headline(solved)
    rows = sensitivity(solved, base, step=0.5, max_iterations=10,
                       cases={"boarding_penalty": CASES["boarding_penalty"]})  # fmt: skip
    lower, higher = (r["change"]["share_transit"] for r in rows)
    assert [r["factor"] for r in rows] == [0.5, 1.5]
    assert lower > 0 > higher  # a dearer boarding loses riders, a cheaper one gains them
    assert sensitivity_markdown(rows)[2].startswith("| boarding_penalty | ×0.50 |")


def test_the_median_v_c_is_the_one_half_the_road_length_runs_above():
    from sim.validate import weighted_median

    vc = np.array([0.9, 0.1, 0.5, 0.3])
    km = np.array([1.0, 1.0, 5.0, 1.0])  # 5 of 8 km at 0.5
    assert weighted_median(vc, km) == 0.5
    assert weighted_median(vc, np.ones(4)) == 0.3  # the lower of the middle two by count
    assert np.isnan(weighted_median(vc[:0], km[:0]))


def test_the_busier_direction_is_the_streets_more_loaded_way():
    """A dual carriageway drawn as two one-way ways (north-east: two links, 0.8 and 0.6; back:
    two links, 0.2 and 0.1), a one-way street and an unnamed link: the busier way of the
    avenue, the whole one-way street, not the unnamed link."""
    from sim.validate import busier_direction

    # links from (x0, y0) to (x1, y1): the avenue runs along y = x
    x0 = np.array([0.0, 1.0, 2.0, 1.0, 5.0, 9.0])
    y0 = np.array([0.0, 1.0, 2.0, 1.0, 0.0, 9.0])
    x1 = np.array([1.0, 2.0, 1.0, 0.0, 5.0, 9.5])
    y1 = np.array([1.0, 2.0, 1.0, 0.0, 1.0, 9.0])
    street = np.array(["Av. A", "Av. A", "Av. A", "Av. A", "Rua B", ""])
    vc = np.array([0.8, 0.6, 0.2, 0.1, 0.05, 0.9])
    km = np.ones(6)
    assert busier_direction(x0, y0, x1, y1, street, vc, km).tolist() == [
        True, True, False, False, True, False,
    ]  # fmt: skip
    # the same avenue loaded the other way round: the other two links
    vc_back = np.array([0.1, 0.2, 0.6, 0.8, 0.05, 0.9])
    assert busier_direction(x0, y0, x1, y1, street, vc_back, km).tolist()[:4] == [
        False, False, True, True,
    ]  # fmt: skip


def test_roads_by_class_busier_half_is_part_of_the_class(solved):
    from sim.validate import roads_by_class

    for row in roads_by_class(solved):
        assert 0 < row["busier_km"] <= row["km"] + 1e-9, row
        assert row["busier_vc_median"] >= 0 and row["busier_speed_kmh"] > 0, row


def test_lines_over_capacity_count_every_line_of_a_mode_loaded_or_not():
    from sim.network.arrays import TransitMode
    from sim.validate import over_capacity

    bus, cable = int(TransitMode.BUS), int(TransitMode.CABLE)
    load = np.array([120.0, 80.0, 0.0, 100.0, 3000.0])
    cap = np.array([100.0, 100.0, 100.0, 100.0, 2000.0])
    rows = over_capacity(load, cap, np.array([bus, bus, bus, bus, cable]))
    assert rows == [
        {"mode": "bus", "lines": 4, "over_capacity": 1, "share": 0.25},  # 100 of 100 is not over
        {"mode": "cable", "lines": 1, "over_capacity": 1, "share": 1.0},
    ]


def test_the_stop_warning_gives_the_gap_the_solve_ended_at(monkeypatch, capsys):
    """`skim` and `validate` warn with the gap of the point they report on (the full pass after
    the last moves), not the gap at the top of the last iteration."""
    import argparse

    import sim.runner
    from sim.commands import common
    from sim.equilibrium import Convergence

    conv = Convergence(relative_gap=[0.5, 4.8e-4], tolerance=1e-4, final_gap=3.25e-4)

    class Model:
        def equilibrate(self) -> Convergence:
            return conv

    monkeypatch.setattr(common, "scenario_with_flags", lambda path, args: "scenario")
    monkeypatch.setattr(common, "check_size", lambda scenarios, args: None)
    monkeypatch.setattr(sim.runner, "check_scenario", lambda scenario: None)
    monkeypatch.setattr(sim.runner, "build_model", lambda scenario: (Model(),))
    common.solved(argparse.Namespace(scenario="x.toml"))
    err = capsys.readouterr().err
    assert "stopped at 2 iterations with a relative gap of 3.25e-04" in err, err
