"""Batches of runs on Dask: design, seeds, pairing, parallel == serial, resume after a kill,
a worker killed mid-run, and one-line errors for bad experiment files. Real Dask, no mocks.

The batch is ``tests/data/batch/mini.toml``: the mini city, 400 households, 3 days, 2 value of
time points x 2 cable fares x 4 seeds = 24 runs (the baseline runs once per value of time).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch import (
    VOLATILE,
    BatchResult,
    latin_hypercube,
    load_experiment,
    local_client,
    plan_batch,
    run_batch,
    run_seed,
)
from sim.cli import batch_main as main
from sim.errors import ScenarioError

DATA = Path(__file__).parent / "data"
EXPERIMENT = DATA / "batch" / "mini.toml"
ROOT = Path(__file__).resolve().parents[1]
N_RUNS = 24

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> BatchResult:
    """The reference: the whole batch run serially in this process (no Dask)."""
    results = tmp_path_factory.mktemp("serial")
    return run_batch(EXPERIMENT, workers=0, results=results, progress=False)


def comparable(folder: Path) -> pd.DataFrame:
    """The runs table without the columns that change between executions (time, worker)."""
    runs = pd.read_parquet(folder / "runs.parquet")
    return runs.drop(columns=list(VOLATILE)).sort_values("key").reset_index(drop=True)


def assert_same_batch(folder: Path, reference: Path) -> None:
    """Bit for bit: the runs table (less time and worker), the summary, and every run's tables
    (the relative gap and every per-household number included)."""
    pd.testing.assert_frame_equal(comparable(folder), comparable(reference), check_exact=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "summary.parquet"),
        pd.read_parquet(reference / "summary.parquet"),
        check_exact=True,
    )
    runs = sorted(p.relative_to(reference) for p in (reference / "runs").glob("*/*/*.parquet"))
    assert len(runs) >= 2 * N_RUNS
    for table in runs:
        pd.testing.assert_frame_equal(
            pd.read_parquet(folder / table), pd.read_parquet(reference / table), check_exact=True
        )
    import json

    summaries = list((reference / "runs").glob("*/*/summary.json"))
    assert len(summaries) == N_RUNS
    for summary in summaries:
        ours = json.loads((folder / summary.relative_to(reference)).read_text())
        theirs = json.loads(summary.read_text())
        assert ours["relative_gap"] == theirs["relative_gap"]  # bit for bit, not approximately
        assert ours["by_class"] == theirs["by_class"]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def experiment_text(body: str = "", **keys: str) -> str:
    """An experiment on the mini scenarios, written anywhere (the scenario paths are absolute)."""
    scen = DATA / "scenarios"
    head = {
        "scenarios": f'["{scen / "mini_baseline.toml"}", "{scen / "mini_cable.toml"}"]',
        "seeds": "2",
        **keys,
    }
    return "\n".join(f"{k} = {v}" for k, v in head.items()) + "\n" + body


# ------------------------------------------------------------------------------ design and plan
def test_plan_pairs_each_run_with_the_baseline_of_its_seed_and_shared_parameters():
    plan = plan_batch(EXPERIMENT)
    assert len(plan.runs) == N_RUNS
    assert len(plan.points) == 4  # 2 vot x 2 fares
    by_key = {r.key: r for r in plan.runs}
    base = [r for r in plan.runs if r.scenario.name == "mini_baseline"]
    # the baseline has no cable fare: it runs once per vot value, under the first point's id
    assert sorted({r.point for r in base}) == ["p000", "p002"]
    for run in plan.runs:
        assert run.scenario.households == 400 and run.scenario.days == 3
        assert run.scenario.seed == run_seed(11, run.replication)
        if run.scenario.name == "mini_cable":
            paired = by_key[run.baseline_key]
            assert paired.replication == run.replication
            assert paired.params == {"choice.vot_factor": run.params["choice.vot_factor"]}
            fare = run.scenario.intervention("Morro cable").fare
            assert fare == run.params["interventions.Morro cable.fare"]
            assert run.scenario.choice.vot_factor == run.params["choice.vot_factor"]


def test_seeds_are_seedsequence_children_shared_by_scenarios_and_points():
    children = np.random.SeedSequence(11).spawn(4)
    expected = [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
    assert [run_seed(11, k) for k in range(4)] == expected
    plan = plan_batch(EXPERIMENT)
    seeds = {(r.replication, r.scenario.seed) for r in plan.runs}
    assert seeds == {(k, expected[k]) for k in range(4)}  # common random numbers


def test_latin_hypercube_has_one_value_per_stratum_and_is_reproducible():
    ranges = {"a": (0.0, 10.0), "b": (1, 100)}
    sample = latin_hypercube(ranges, 20, seed=5)
    a = np.array([p["a"] for p in sample])
    assert sorted(np.floor(a / 0.5).astype(int)) == list(range(20))  # one in each [i/2, i/2+1/2)
    assert all(isinstance(p["b"], int) and 1 <= p["b"] <= 100 for p in sample)
    assert latin_hypercube(ranges, 20, seed=5) == sample
    assert latin_hypercube(ranges, 20, seed=6) != sample


def test_grid_and_hypercube_cross_and_nested_tables_read_as_paths(tmp_path: Path):
    body = (
        "[grid]\nchoice.vot_factor = [0.8, 1.0, 1.2]\nhouseholds = [300, 400]\n"
        '[lhs]\npoints = 3\n[lhs.ranges]\ninterventions."Morro cable".fare = [0.0, 5.0]\n'
    )
    exp = load_experiment(write(tmp_path / "e.toml", experiment_text(body)))
    assert list(exp.grid) == ["choice.vot_factor", "households"]
    plan = plan_batch(exp)
    assert len(plan.points) == 3 * 2 * 3
    per_seed = {name: len({r.point for r in plan.runs if r.scenario.name == name})
                for name in ("mini_baseline", "mini_cable")}  # fmt: skip
    assert per_seed == {"mini_baseline": 6, "mini_cable": 18}


# ------------------------------------------------------------------------------ serial reference
def test_serial_batch_writes_runs_index_summary_and_figure(serial: BatchResult):
    folder = serial.folder
    assert (serial.total, serial.ran, serial.skipped, serial.failed) == (N_RUNS, N_RUNS, 0, [])
    for name in ("summary.parquet", "summary.csv", "runs.parquet", "runs.csv", "plan.json",
                 "experiment.toml", "accessibility_gain.png"):  # fmt: skip
        assert (folder / name).is_file(), name
    run = folder / "runs" / "mini_cable" / "p003-s001"
    for name in ("households.parquet", "zones.parquet", "days.parquet", "lines.parquet",
                 "summary.json", "manifest.json"):  # fmt: skip
        assert (run / name).is_file(), name
    assert len((folder / "index.jsonl").read_text().splitlines()) == N_RUNS
    assert (serial.runs["status"] == "done").all()
    assert not list((folder / "runs").glob("*/.tmp-*"))


def test_summary_is_mean_and_t_interval_of_the_paired_per_seed_change(serial: BatchResult):
    from scipy import stats

    runs = serial.runs.set_index("key")
    cable = runs[runs["scenario"] == "mini_cable"]
    point = cable[cable["point"] == "p001"]
    change = point["acc30_class_1"].to_numpy() - runs.loc[point["baseline_key"], "acc30_class_1"]
    row = serial.summary.query("scenario == 'mini_cable' and point == 'p001' "
                               "and metric == 'acc30_class_1_change'").iloc[0]  # fmt: skip
    half = stats.t.ppf(0.975, 3) * change.std(ddof=1) / 2.0
    assert row["n_seeds"] == 4
    assert row["mean"] == pytest.approx(change.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((change.mean() - half,
                                                             change.mean() + half))  # fmt: skip
    assert row["choice.vot_factor"] == point["choice.vot_factor"].iloc[0]
    metrics = set(serial.summary["metric"])
    for name in ("acc30_gini_change", "acc30_palma_change", "fare_burden_mean",
                 "fare_burden_mean_change", "transit_boardings_per_hour",
                 "cable_boardings_per_hour", "acc30_class_6_pct_change"):  # fmt: skip
        assert name in metrics
    # the baseline has levels but no change against itself
    base = serial.summary[serial.summary["scenario"] == "mini_baseline"]
    assert not base["metric"].str.endswith("_change").any()
    assert pd.read_csv(serial.folder / "summary.csv").shape == serial.summary.shape


def test_rerun_without_resume_refuses_and_resume_of_a_finished_batch_runs_nothing(
    serial: BatchResult,
):
    results = serial.folder.parents[1]
    with pytest.raises(ScenarioError, match="--resume"):
        run_batch(EXPERIMENT, workers=0, results=results, progress=False)
    again = run_batch(EXPERIMENT, workers=0, results=results, resume=True, progress=False)
    assert (again.ran, again.skipped) == (0, N_RUNS)
    pd.testing.assert_frame_equal(again.summary, serial.summary)


# ------------------------------------------------------------------------------ on Dask
def test_local_cluster_of_two_workers_equals_serial_row_for_row(
    serial: BatchResult, tmp_path: Path
):
    result = run_batch(EXPERIMENT, workers=2, results=tmp_path, progress=False)
    assert (result.ran, result.failed) == (N_RUNS, [])
    assert result.runs["worker"].nunique() >= 2  # runs were spread over the worker processes
    assert_same_batch(result.folder, serial.folder)


def test_numba_and_blas_thread_counts_do_not_change_a_bit(serial: BatchResult, tmp_path: Path):
    # the same batch in a process with one thread for numba and for BLAS
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # fmt: skip
    code = ("import sys; from pathlib import Path; from sim.batch import run_batch; "
            "run_batch(Path(sys.argv[1]), workers=0, results=Path(sys.argv[2]), progress=False)")  # fmt: skip
    subprocess.run([sys.executable, "-c", code, str(EXPERIMENT), str(tmp_path)], env=env,
                   check=True, capture_output=True, timeout=280)  # fmt: skip
    (index,) = tmp_path.rglob("runs.parquet")
    assert_same_batch(index.parent, serial.folder)


def _children(pid: int) -> list:
    import psutil

    return psutil.Process(pid).children(recursive=True)


def _reap(processes: list, timeout: float = 20.0) -> None:
    """Wait for the killed batch's worker processes to exit (they do when their parent dies);
    kill, by pid, any still alive after ``timeout``."""
    import psutil

    _, alive = psutil.wait_procs(processes, timeout=timeout)
    for proc in alive:
        proc.kill()


def _done_keys(index: Path) -> set[str]:
    import json

    keys = set()
    if index.is_file():
        for line in index.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if row.get("status") == "done":
                keys.add(row["key"])
    return keys


def _wait_for_runs(index: Path, n: int, proc: subprocess.Popen | None = None) -> set[str]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        keys = _done_keys(index)
        if len(keys) >= n:
            return keys
        assert proc is None or proc.poll() is None, "the batch process ended early"
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} runs finished in time")


def test_sigkill_midway_then_resume_recomputes_nothing_and_equals_uninterrupted(
    serial: BatchResult, tmp_path: Path
):
    cmd = [sys.executable, "-m", "sim.batch", str(EXPERIMENT), "--workers", "2",
           "--results", str(tmp_path)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    folder = tmp_path / "batch" / "mini"
    try:
        _wait_for_runs(folder / "index.jsonl", 2, proc)
        workers = _children(proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    _reap(workers)
    finished = _done_keys(folder / "index.jsonl")
    assert 2 <= len(finished) < N_RUNS, "the kill must land midway"
    # a worker may finish a run after the kill, before its line reaches the index: it is kept
    on_disk = {str(p.parent.relative_to(folder / "runs"))
               for p in (folder / "runs").glob("*/*/summary.json")}  # fmt: skip
    assert finished <= on_disk
    stamps = {k: (folder / "runs" / k / "summary.json").stat().st_mtime_ns for k in on_disk}

    result = run_batch(EXPERIMENT, workers=0, results=tmp_path, resume=True, progress=False)
    assert result.skipped == len(on_disk)
    assert result.ran == N_RUNS - len(on_disk)
    after = {k: (folder / "runs" / k / "summary.json").stat().st_mtime_ns for k in on_disk}
    assert after == stamps  # finished runs were not recomputed
    assert not list((folder / "runs").glob("*/.tmp-*"))  # runs killed in flight left nothing
    assert_same_batch(folder, serial.folder)


def _busy_worker(client, pids: dict[str, int]) -> int:
    """The pid of a worker that is running a task now."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        busy = [w for w, keys in client.processing().items() if keys and w in pids]
        if busy:
            return pids[busy[0]]
        time.sleep(0.02)
    raise AssertionError("no worker was busy")


def test_a_worker_killed_mid_run_is_replaced_and_the_batch_completes(
    serial: BatchResult, tmp_path: Path
):
    with local_client(2) as client:
        pids = client.run(os.getpid)
        out: dict = {}

        def batch() -> None:
            try:
                out["result"] = run_batch(EXPERIMENT, client=client, results=tmp_path,
                                          progress=False)  # fmt: skip
            except BaseException as exc:  # re-raised in the test thread below
                out["error"] = exc

        thread = threading.Thread(target=batch)
        thread.start()
        _wait_for_runs(tmp_path / "batch" / "mini" / "index.jsonl", 1)
        victim = _busy_worker(client, pids)
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=240)
        assert not thread.is_alive(), "the batch did not finish"
        if "error" in out:
            raise out["error"]
        after = client.run(os.getpid)
    result = out["result"]
    assert victim not in after.values()  # the nanny started a new worker process
    assert (result.ran, result.failed) == (N_RUNS, [])
    assert_same_batch(result.folder, serial.folder)


# ------------------------------------------------------------------------------ bad batch files
BAD = {
    "unknown scenario": (
        {"scenarios": f'["{DATA / "scenarios" / "mini_baseline.toml"}", "nope.toml"]'},
        r"`scenarios\[1\]`: unknown scenario 'nope.toml'",
    ),
    "empty grid": ("[grid]\n", r"\[grid\] is empty"),
    "empty values": ('[grid]\n"choice.vot_factor" = []\n', "non-empty array"),
    "zero seeds": ({"seeds": "0"}, "`seeds` must be a positive integer, not 0"),
    "negative seeds": ({"seeds": "-3"}, "`seeds` must be a positive integer, not -3"),
    "parameter no scenario has": (
        '[grid]\n"interventions.Tram.fare" = [1.0]\n',
        r"\[grid\] `interventions.Tram.fare`: no scenario has this parameter",
    ),
    "misspelt field": ('[grid]\n"choice.vot_factr" = [1.0]\n', "did you mean `vot_factor`"),
    "misspelt intervention field": (
        '[lhs]\npoints = 2\n[lhs.ranges]\n"interventions.Morro cable.farre" = [0.0, 1.0]\n',
        "no field `farre`; did you mean `fare`",
    ),
    "bad range": (
        '[lhs]\npoints = 2\n[lhs.ranges]\n"choice.vot_factor" = [2.0, 1.0]\n',
        "low < high",
    ),  # fmt: skip
    "refused value": ("[grid]\nhouseholds = [100, -5]\n", "`households` must be a positive"),
    "unknown key": ({"sedes": "3"}, "unknown key `sedes`; did you mean `seeds`"),
    "fixed key": ("[grid]\nseed = [1, 2]\n", "`seed` cannot vary"),
    "name that is a path": ({"name": '"../x"'}, r"`name` \(default: the file name\) is '../x'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_batch_files_fail_in_one_line_before_any_run(case: str, tmp_path: Path):
    content, message = BAD[case]
    text = experiment_text(**content) if isinstance(content, dict) else experiment_text(content)
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ScenarioError, match=message) as info:
        run_batch(path, workers=2, results=tmp_path / "out", progress=False)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)
    assert not (tmp_path / "out").exists()  # nothing written, nothing run


def test_command_line_prints_one_line_and_exits_2(tmp_path: Path, capsys):
    path = write(tmp_path / "e.toml", experiment_text(seeds="0"))
    assert main([str(path), "--results", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ladera: error: ") and err.count("\n") == 1
    assert main([str(EXPERIMENT), "--check"]) == 0
    assert "24 runs" in capsys.readouterr().out


def test_cable_vs_roads_experiment_is_valid():
    plan = plan_batch(ROOT / "experiments" / "cable_vs_roads.toml")
    names = {r.scenario.name for r in plan.runs}
    assert names == {"baseline", "cable_morro_da_cruz", "road_upgrade"}
    assert plan.experiment.seeds == 10 and plan.experiment.baseline == "baseline"
    road = [r for r in plan.runs if r.scenario.name == "road_upgrade"]
    assert all("interventions.Morro da Cruz cable.fare" not in r.params for r in road)
    assert all(r.baseline_key.startswith("baseline/") for r in road)


# ------------------------------------------------------------------------------ finished runs
SMALL = "[overrides]\nhouseholds = 200\ndays = 2\n"


def _tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture()
def small(tmp_path: Path) -> tuple[Path, BatchResult]:
    """A finished 2-run batch (mini baseline and cable, one seed) and its experiment file."""
    path = write(tmp_path / "small.toml", experiment_text(SMALL, seeds="1", name='"small"'))
    result = run_batch(path, workers=0, results=tmp_path / "out", progress=False)
    assert (result.ran, result.failed) == (2, [])
    return path, result


def test_a_fresh_start_never_deletes_finished_runs_even_without_the_index(small):
    path, result = small
    (result.folder / "index.jsonl").unlink()
    before = _tree(result.folder / "runs")
    with pytest.raises(ScenarioError, match="already holds 2 finished runs.*--resume"):
        run_batch(path, workers=0, results=result.folder.parents[1], progress=False)
    assert _tree(result.folder / "runs") == before


def test_resume_refuses_to_rerun_over_a_run_whose_settings_changed(small):
    path, result = small
    before = _tree(result.folder / "runs")
    write(path, experiment_text(SMALL.replace("200", "201"), seeds="1", name='"small"'))
    with pytest.raises(ScenarioError, match="finished with other settings.*new batch folder"):
        run_batch(path, workers=0, results=result.folder.parents[1], resume=True, progress=False)
    assert _tree(result.folder / "runs") == before


def test_resume_records_a_finished_run_the_index_lacks_instead_of_rerunning_it(small):
    path, result = small
    index = result.folder / "index.jsonl"
    lines = index.read_text().splitlines()
    index.write_text("\n".join(ln for ln in lines if "mini_cable/" not in ln) + "\n")
    before = _tree(result.folder / "runs")
    again = run_batch(path, workers=0, results=result.folder.parents[1], resume=True,
                      progress=False)  # fmt: skip
    assert (again.ran, again.skipped) == (0, 2)
    assert _tree(result.folder / "runs") == before
    assert "mini_cable/p000-s000" in _done_keys(index)
    pd.testing.assert_frame_equal(comparable(again.folder), comparable(result.folder))
    pd.testing.assert_frame_equal(again.summary, result.summary)
    # ... but not if it ran other settings than the plan gives now
    index.write_text("\n".join(ln for ln in lines if "mini_cable/" not in ln) + "\n")
    write(path, experiment_text(SMALL.replace("200", "201"), seeds="1", name='"small"'))
    with pytest.raises(ScenarioError, match="finished with other settings"):
        run_batch(path, workers=0, results=result.folder.parents[1], resume=True, progress=False)
    assert _tree(result.folder / "runs") == before


def test_failed_runs_exit_1_and_an_interrupted_batch_says_how_to_continue(
    tmp_path: Path, monkeypatch, capsys
):
    import sim.runner
    from sim.cli import main as ladera

    path = write(tmp_path / "small.toml", experiment_text(SMALL, seeds="1", name='"small"'))
    args = ["batch", str(path), "--workers", "0", "--results", str(tmp_path / "out")]
    real = sim.runner.run_scenario

    def cable_fails(scenario, **kwargs):
        if scenario.name == "mini_cable":
            raise RuntimeError("boom")
        return real(scenario, **kwargs)

    monkeypatch.setattr(sim.runner, "run_scenario", cable_fails)
    assert ladera(args) == 1  # not 2: the input was fine, a run failed
    out, err = capsys.readouterr()
    assert "1 of 2 runs failed" in err.splitlines()[-1] and "--resume" in err.splitlines()[-1]
    example = out.split("(e.g. ")[1].split(")")[0]  # the report shows a run directory on disk
    assert Path(example).is_dir() and (Path(example) / "summary.json").is_file()

    def interrupted(scenario, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.runner, "run_scenario", interrupted)
    assert ladera([*args, "--resume"]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ladera: interrupted") and f"{path} --resume" in err[-1]


def test_a_task_run_again_after_its_worker_died_records_the_finished_run(small):
    """A worker that renamed its run into place and died before reporting: Dask runs the task
    again on another worker, which records the run from its files (it failed on "already
    exists" before), unless the finished run has other settings than the plan."""
    import json

    from sim.batch import execute_run
    from sim.batch.worker import LOST

    path, result = small
    plan = plan_batch(path, results=result.folder.parents[1])
    spec = next(s for s in plan.runs if s.key == "mini_cable/p000-s000")
    before = _tree(result.folder / "runs")
    row = execute_run(spec, str(result.folder / "runs"), "no cache needed")
    assert row["status"] == "done" and row["worker"] == LOST
    indexed = {r["key"]: r for r in map(json.loads, (result.folder / "index.jsonl").read_text()
                                        .splitlines())}  # fmt: skip
    assert row["metrics"] == indexed[spec.key]["metrics"]
    assert _tree(result.folder / "runs") == before
    changed = plan_batch(write(path, experiment_text(SMALL.replace("200", "201"), seeds="1",
                                                     name='"small"')),
                         results=result.folder.parents[1])  # fmt: skip
    spec = next(s for s in changed.runs if s.key == "mini_cable/p000-s000")
    row = execute_run(spec, str(result.folder / "runs"), "no cache needed")
    assert row["status"] == "failed" and "finished with other settings" in row["error"]
    assert _tree(result.folder / "runs") == before
