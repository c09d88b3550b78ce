"""The command line: real subprocesses, one-line errors with exit code 2, nothing half-written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.commandline import assert_one_line_error, ladera

DATA = Path(__file__).parent / "data"


def cache_entries() -> list[Path]:
    root = Path(os.environ["LADERA_CACHE_DIR"]) / "networks"
    return sorted(root.glob("*")) if root.exists() else []


def test_network_info_json_on_the_mini_city(mini_network):
    proc = ladera("network", "info", "--city", str(DATA / "mini_city" / "city.toml"), "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["nodes"]["walk"] == int((mini_network.node_kind == 0).sum())
    assert info["edges"]["bus"] == int((mini_network.layer == 2).sum())
    assert info["cache"].startswith("hit")


def test_unknown_city():
    assert_one_line_error(ladera("network", "info", "--city", "porto_alegr"),
                          "unknown city `porto_alegr`", "did you mean `porto_alegre`")  # fmt: skip


def test_streets_that_are_neither_bundled_nor_fetched_must_be_fetched_first(mini_dir):
    # a city that only names a boundary to fetch from (Medellín also bundles centre lines)
    toml = mini_dir / "city.toml"
    toml.write_text(
        toml.read_text().replace('osm = "mini.osm.bz2"', 'fetch_boundary = "zones.csv"')
    )
    assert_one_line_error(ladera("network", "info", "--city", str(toml)),
                          "ladera network fetch mini_city")  # fmt: skip


def _city_copy(mini_dir: Path, edit) -> Path:
    edit(mini_dir)
    return mini_dir / "city.toml"


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        (lambda d: (d / "mini.osm.bz2").unlink(), ["`streets.osm`", "not in the bundle"]),
        (lambda d: (d / "mini.osm.bz2").write_bytes(b"BZh9garbage"), ["mini.osm.bz2"]),
        (lambda d: (d / "city.toml").write_text((d / "city.toml").read_text()
                                                + "\ncolour = 'red'\n"), ["unknown key `colour`"]),
        (lambda d: (d / "city.toml").write_text((d / "city.toml").read_text().replace(
            "household_size = 2.6", 'household_size = "big"')), ["`household_size` must be a number"]),
    ],
)  # fmt: skip
def test_bad_city_bundles(mini_dir, edit, needles):
    before = cache_entries()
    proc = ladera("network", "info", "--city", str(_city_copy(mini_dir, edit)))
    assert_one_line_error(proc, *needles)
    assert cache_entries() == before  # nothing half-written in the cache


def test_gtfs_without_stop_times(mini_dir):
    gtfs = mini_dir / "mini_gtfs.zip"
    with zipfile.ZipFile(gtfs) as src:
        files = {n: src.read(n) for n in src.namelist() if n != "stop_times.txt"}
    with zipfile.ZipFile(gtfs, "w") as dst:
        for name, data in files.items():
            dst.writestr(name, data)
    proc = ladera("network", "info", "--city", str(mini_dir / "city.toml"))
    assert_one_line_error(proc, "mini_gtfs.zip", "stop_times.txt")


def test_station_too_far_from_the_walk_network(mini_dir):
    lines = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nombre": "Linea X", "linea": "X", "tipo": 2, "estado": 1},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[-51.17, -30.07], [-51.17, -30.02]],
                },
            }
        ],
    }
    stations = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"nombre": n, "linea": "X", "sistema": "Cable"},
         "geometry": {"type": "Point", "coordinates": c}}
        for n, c in (("Near", [-51.17, -30.07]), ("Far away", [-51.17, -30.02]))]}  # fmt: skip
    (mini_dir / "l.geojson").write_text(json.dumps(lines))
    (mini_dir / "s.geojson").write_text(json.dumps(stations))
    toml = mini_dir / "city.toml"
    toml.write_text(toml.read_text() + '\n[[transit.line_files]]\nlines = "l.geojson"\n'
                    'stations = "s.geojson"\nfares = { cable = 1.0 }\n'
                    'fare_systems = { cable = "x" }\n')  # fmt: skip
    before = cache_entries()
    proc = ladera("network", "info", "--city", str(toml))
    assert_one_line_error(proc, "Far away", "max_station_snap_m")
    assert cache_entries() == before


def test_run_with_a_bad_scenario_creates_no_results(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((DATA / "scenarios" / "mini_cable.toml").read_text().replace(
        "[-51.1620, -30.0750]", "[-50.0, -30.0750]").replace(
        'city = "../mini_city/city.toml"', f'city = "{DATA / "mini_city" / "city.toml"}"'))  # fmt: skip
    out = tmp_path / "results"
    proc = ladera("run", str(bad), "--results", str(out))
    assert_one_line_error(proc, "outside the city")
    assert not out.exists() or not any(out.rglob("*.parquet"))


def test_compare_refuses_different_cities(tmp_path):
    a = DATA / "scenarios" / "mini_baseline.toml"
    b = Path(__file__).resolve().parents[1] / "scenarios" / "porto_alegre" / "baseline.toml"
    out = tmp_path / "results"
    proc = ladera("compare", str(a), str(b), "--results", str(out))
    assert_one_line_error(proc, "different cities")
    assert not out.exists()


def test_python_dash_m_sim_is_the_console_script():
    if shutil.which("ladera") is None:
        pytest.fail("the `ladera` console script is not installed (pip install -e .)")
    proc = subprocess.run(["ladera", "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "network" in proc.stdout


def test_calibrate_prints_constants_from_fresh_runs():
    proc = ladera("calibrate", str(DATA / "scenarios" / "mini_baseline.toml"), "--iterations",
                  "2", "--households", "600")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    trials = [ln.split(":")[0] for ln in out if ln.startswith("trial ")]
    assert trials[0] == "trial 0" and 1 <= len(trials) <= 3
    assert (
        "targets: mode_share:walk 0.300, mode_share:transit 0.400, mode_share:car 0.250, "
        "mode_share:motorbike 0.050"
    ) in out
    assert any(ln.startswith("asc = { walk = 0.000, transit = ") for ln in out)
    assert "#   ladera calibrate" in "\n".join(out)
