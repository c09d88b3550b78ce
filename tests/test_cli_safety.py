"""The command line never loses results and fails fast: taken run and comparison ids, output
folders that cannot be written, bad run directories, missing extras and unreachable schedulers
are one-line errors (exit 2) before any simulation; a cache miss says that it builds.

Subprocesses, as a user runs them. A check that must come before the simulation is run with
``--days 100000`` (over 20 minutes; above the default limit on days, raised here with
``LADERA_MAX_DAYS``): if the check came after it, the test would time out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.commandline import assert_one_line_error, ladera

DATA = Path(__file__).parent / "data"
SCENARIOS = DATA / "scenarios"
BASE = SCENARIOS / "mini_baseline.toml"
CABLE = SCENARIOS / "mini_cable.toml"
SMALL = ("--households", "300", "--days", "2")
FOREVER = (
    "--households",
    "300",
    "--solver",
    "learning",
    "--days",
    "100000",
)  # would run for more than an hour
FAST = 120.0  # seconds: far less than FOREVER's simulation


@pytest.fixture(autouse=True)
def _forever_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """FOREVER is above the default limit on days (``ladera`` would refuse it at once)."""
    monkeypatch.setenv("LADERA_MAX_DAYS", "1000000")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small finished runs of the mini baseline and cable scenarios."""
    from sim.runner import run_scenario
    from sim.scenario import load_scenario, with_overrides

    results = tmp_path_factory.mktemp("runs")
    out = {}
    for path in (BASE, CABLE):
        scenario = with_overrides(load_scenario(path), {"households": 300, "days": 2})
        result = run_scenario(scenario, results=results, run_id="r", progress=False,
                              figures=False)  # fmt: skip
        assert result.path is not None
        out[scenario.name] = result.path
    return out


def _tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder``: modification time and bytes."""
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


# ------------------------------------------------------------------------------ 1: run ids
def test_a_second_run_with_the_same_run_id_is_refused_and_the_first_kept(tmp_path: Path):
    out = tmp_path / "results"
    first = ladera("run", str(BASE), *SMALL, "--run-id", "test", "--results", str(out))
    assert first.returncode == 0, first.stderr
    run = out / "mini_baseline" / "test"
    before = _tree(run)
    again = ladera("run", str(BASE), *FOREVER, "--run-id", "test", "--results", str(out),
                   timeout=FAST)  # fmt: skip
    assert_one_line_error(again, str(run), "already exists", "choose another `--run-id`")
    assert _tree(run) == before
    assert sorted(p.name for p in (out / "mini_baseline").iterdir()) == ["test"]


# ------------------------------------------------------------------------------ 2: compare ids
def test_compare_ids_are_unique_and_an_explicit_id_is_never_replaced(runs, tmp_path: Path):
    out = tmp_path / "results"
    items = [str(runs["mini_baseline"]), str(runs["mini_cable"])]
    for _ in range(2):
        proc = ladera("compare", *items, "--results", str(out))
        assert proc.returncode == 0, proc.stderr
    reports = sorted((out / "compare").iterdir())
    assert len(reports) == 2  # the second did not replace the first
    assert all(r.name.startswith("mini_baseline-vs-mini_cable-") for r in reports)
    assert all((r / "report.md").is_file() for r in reports)

    proc = ladera("compare", *items, "--results", str(out), "--id", "mine")
    assert proc.returncode == 0, proc.stderr
    before = _tree(out / "compare" / "mine")
    proc = ladera("compare", *items, "--results", str(out), "--id", "mine")
    assert_one_line_error(proc, str(out / "compare" / "mine"), "already exists", "`--id`")
    assert _tree(out / "compare" / "mine") == before


# ------------------------------------------------------------------------------ 3: output folders
@pytest.mark.parametrize("command", ["run", "compare", "batch"])
def test_results_that_is_a_file_fails_before_simulating(command: str, tmp_path: Path):
    results = tmp_path / "not_a_folder"
    results.write_text("a file where the results folder should be")
    if command == "batch":
        experiment = tmp_path / "e.toml"
        experiment.write_text(f'scenarios = ["{BASE}"]\nseeds = 1\n'
                              "[overrides]\nhouseholds = 300\ndays = 100000\nsolver = \"learning\"\n")  # fmt: skip
        args = ["batch", str(experiment), "--workers", "0"]
    else:
        args = [command, *([str(BASE)] if command == "run" else [str(BASE), str(CABLE)]), *FOREVER]
    proc = ladera(*args, "--results", str(results), timeout=FAST)
    assert_one_line_error(proc, f"{results}: Not a directory")
    assert results.read_text() == "a file where the results folder should be"


def test_a_network_cache_that_cannot_be_written_fails_before_building(tmp_path: Path):
    cache = tmp_path / "cache"
    cache.write_text("not a folder")
    env = {**os.environ, "LADERA_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "network", "info", "--city", str(DATA / "mini_city")
         + "/city.toml"], capture_output=True, text=True, env=env, timeout=FAST,
    )  # fmt: skip
    assert_one_line_error(proc, f"{cache}: Not a directory", "LADERA_CACHE_DIR")
    assert "building" not in proc.stderr  # refused before the build, not after it


def test_os_errors_are_one_line():
    from sim.cli import os_error_line

    exc = PermissionError(13, "Permission denied", "/results/x")
    assert os_error_line(exc) == "/results/x: Permission denied"
    assert os_error_line(OSError("Timed out\n after 2 s")) == "Timed out after 2 s"


# ------------------------------------------------------------------------------ 7, 8: compare
def test_compare_measures_against_the_declared_baseline(runs, tmp_path: Path):
    out = tmp_path / "results"
    proc = ladera("compare", str(runs["mini_cable"]), str(runs["mini_baseline"]),
                  "--results", str(out), "--id", "x")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "measured against" in proc.stderr and "the baseline the scenarios declare" in proc.stderr
    summary = pd.read_csv(out / "compare" / "x" / "summary.csv")
    assert set(summary.loc[summary["baseline"], "scenario"]) == {"mini_baseline"}
    assert summary.loc[~summary["baseline"], "acc30_change"].notna().all()


def test_compare_warns_when_the_declared_baseline_is_not_compared(runs, tmp_path: Path):
    other = shutil.copytree(runs["mini_cable"], tmp_path / "cable2")
    proc = ladera("compare", str(runs["mini_cable"]), str(other), "--results",
                  str(tmp_path / "results"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    warning = [ln for ln in proc.stderr.splitlines() if ln.startswith("ladera: warning")]
    assert len(warning) == 1 and "not compared" in warning[0] and "mini_baseline" in warning[0]


def test_compare_checks_run_directories_before_simulating(runs, tmp_path: Path):
    broken = shutil.copytree(runs["mini_baseline"], tmp_path / "broken")
    (broken / "lines.parquet").unlink()
    out = tmp_path / "results"
    proc = ladera("compare", str(CABLE), str(broken), *FOREVER, "--results", str(out),
                  timeout=FAST)  # fmt: skip
    assert_one_line_error(proc, str(broken), "lines.parquet")
    assert not out.exists()


def test_compare_checks_the_city_of_run_directories_before_simulating(runs, tmp_path: Path):
    other = shutil.copytree(runs["mini_baseline"], tmp_path / "elsewhere")
    summary = json.loads((other / "summary.json").read_text())
    (other / "summary.json").write_text(json.dumps({**summary, "city": "porto_alegre"}))
    out = tmp_path / "results"
    proc = ladera("compare", str(other), str(CABLE), *FOREVER, "--results", str(out),
                  timeout=FAST)  # fmt: skip
    assert_one_line_error(proc, "different cities", "porto_alegre", "mini_city")
    assert not out.exists()


# ------------------------------------------------------------------------------ 9: cache miss
def test_a_cache_miss_says_it_builds_once(tmp_path: Path):
    env = {**os.environ, "LADERA_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "sim", "network", "info", "--city",
           str(DATA / "mini_city" / "city.toml")]  # fmt: skip
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert first.returncode == 0, first.stderr
    notes = [ln for ln in first.stderr.splitlines() if "building" in ln]
    assert notes == ["ladera: note: building the mini_city network from OSM (about 30 s, once); "
                     f"cached in {tmp_path / 'cache' / 'networks'}"]  # fmt: skip
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert second.returncode == 0 and "building" not in second.stderr


# ------------------------------------------------------------------------------ 10: extras
@pytest.mark.parametrize(
    ("module", "args", "extra"),
    [("distributed", ["batch", str(DATA / "batch" / "mini.toml")], "dask"),
     ("solara", ["viz"], "viz")],
)  # fmt: skip
def test_a_missing_extra_is_one_line_naming_it(module, args, extra, tmp_path: Path):
    argv = [*args, "--results", str(tmp_path)] if args[0] == "batch" else args
    code = (f"import sys; sys.modules[{module!r}] = None  # as if it were not installed\n"
            f"from sim.cli import main; sys.exit(main({argv!r}))")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=FAST, cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    assert_one_line_error(proc, f"the `{extra}` extra", f'python -m pip install -e ".[{extra}]"')


def test_an_unreachable_scheduler_is_one_line_naming_it(tmp_path: Path):
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "batch", str(DATA / "batch" / "mini.toml"), "--scheduler",
         address, "--results", str(tmp_path)], capture_output=True, text=True, env=env,
        timeout=FAST,
    )  # fmt: skip
    assert_one_line_error(proc, f"`--scheduler` {address}", "cannot reach")
    assert not (tmp_path / "batch" / "mini" / "runs").exists()


# ------------------------------------------------------------------------------ 13: flags
@pytest.mark.parametrize(("flag", "value"), [("--days", "-1"), ("--households", "0"),
                                             ("--seed", "-2")])  # fmt: skip
def test_a_bad_override_flag_is_named_not_the_scenario_file(flag: str, value: str):
    start = time.monotonic()
    proc = ladera("run", str(BASE), flag, value, timeout=FAST)
    assert_one_line_error(proc, f"`{flag}` must be", value)
    assert str(BASE) not in proc.stderr
    assert time.monotonic() - start < FAST
