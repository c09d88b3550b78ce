"""Run a batch: plan it, guard its folder, execute its runs, then write its tables and figure.

:func:`run_batch` is the whole batch (``ladera batch``); :func:`finish_batch` writes the tables
and the figure from the index alone.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.batch.executors import _execute_all, _remote_client, _require_dask
from sim.batch.index import RunIndex, _batch_lock, _check_fresh, _clear, _write_plan, finished_runs
from sim.batch.plan import BatchPlan, RunSpec, plan_batch
from sim.batch.summary import _write_table, runs_table, summarise_runs
from sim.batch.worker import _prepare_networks
from sim.errors import BatchRunsFailed, ScenarioError
from sim.estimates import check_batch_size
from sim.limits import duration, warn_exposed
from sim.rundir.names import check_writable


@dataclass
class BatchResult:
    """What :func:`run_batch` did and wrote."""

    folder: Path
    total: int
    skipped: int
    ran: int
    failed: list[str]
    seconds: float
    runs: pd.DataFrame
    summary: pd.DataFrame
    figure: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)  # prepare_s, runs_s, summary_s


def run_batch(
    experiment: Path | str,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    resume: bool = False,
    results: Path | str,
    client: Any = None,
    progress: bool = True,
    dashboard: str | None = "127.0.0.1:0",
    seeds: int | None = None,
    households: int | None = None,
    days: int | None = None,
) -> BatchResult:
    """Run an experiment: every scenario x parameter point x seed, then summarise.

    Parameters
    ----------
    experiment
        The experiment TOML (format in the docstring of :mod:`sim.batch`).
    workers
        Worker processes of the local Dask cluster started for the batch (one run and one
        numba thread each); ``0`` runs serially in this process without Dask.
    scheduler
        Address of an existing Dask scheduler (e.g. ``tcp://10.0.0.5:8786``, or a
        dask-jobqueue cluster's ``scheduler_address``); ``workers`` is then ignored. Its
        workers must see ``results`` (and, ideally, ``LADERA_CACHE_DIR``) on a shared disk.
    resume
        Skip the runs the batch index lists as finished; without it, a batch folder that
        already holds finished runs is an error.
    results
        Output root: the batch writes ``<results>/batch/<name>/``.
    client
        An existing ``distributed.Client`` to submit to (tests, notebooks); wins over the rest.
    progress
        Show a progress bar and print where the outputs are.
    dashboard
        ``host:port`` of the local cluster's Dask dashboard (default: this machine only, any
        free port; ``None``: no dashboard). Another host is warned about.
    seeds, households, days
        Replace the experiment's ``seeds`` and set ``households`` / ``days`` of every
        scenario (winning over its ``[overrides]``): a small batch from the command line.

    Returns
    -------
    BatchResult

    Raises
    ------
    ScenarioError
        A bad experiment file, a scheduler that cannot be reached, or finished runs the batch
        would have to replace, before any run starts.
    MissingExtraError
        Dask is not installed and the batch needs it (``workers > 0`` or ``scheduler``).
    OSError
        The batch folder cannot be written, before any run starts.
    BatchRunsFailed
        After the summary is written, if some runs failed (``resume=True`` retries them).
    """
    start = time.perf_counter()
    sizes = {k: v for k, v in (("households", households), ("days", days)) if v is not None}
    plan = plan_batch(experiment, results=results, seeds=seeds, overrides=sizes)
    if client is None and scheduler is None and workers < 0:
        raise ScenarioError(f"`workers` must be >= 0 (0 runs serially), not {workers}")
    if client is None and (scheduler is not None or workers > 0):
        _require_dask()
    check_writable(plan.folder)
    index = RunIndex(plan.folder / "index.jsonl")
    timings: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        if client is None and scheduler is not None:  # fail now if it cannot be reached
            client = stack.enter_context(_remote_client(scheduler))
        stack.enter_context(_batch_lock(plan.folder))
        done = finished_runs(plan, index) if resume else _check_fresh(plan, index)
        todo = [spec for spec in plan.runs if spec.key not in done]
        cache_files = _prepare_networks(plan, todo)
        local = client is None and scheduler is None
        seconds = check_batch_size([spec.scenario for spec in todo], workers if local else 0)
        if progress:
            print(_planned(plan, todo, seconds, workers if local else -1), flush=True)
        if local and workers > 0 and todo:
            warn_exposed(dashboard)
        if not resume:
            _clear(plan.folder)
        _write_plan(plan)
        lap = _lap(timings, "prepare", start)
        failed = _execute_all(plan, todo, cache_files, index, workers, scheduler, client, progress,
                              dashboard)  # fmt: skip
        lap = _lap(timings, "runs", lap)
        result = finish_batch(plan, skipped=len(done), ran=len(todo), failed=failed, start=start)
        _lap(timings, "summary", lap)
    result.timings = timings
    if progress:
        print(_report(result, plan))
    if failed:
        first = index.read()[failed[0]]["error"]
        raise BatchRunsFailed(f"{len(failed)} of {result.total} runs failed (first: {failed[0]}: "
                              f"{first}); `--resume` reruns them")  # fmt: skip
    return result


def _planned(plan: BatchPlan, todo: list[RunSpec], seconds: float, workers: int) -> str:
    """The line printed before a batch starts: its runs and their estimated time."""
    left = f"{len(todo):,} to run" if len(todo) < len(plan.runs) else "all to run"
    where = ("on the cluster, at one worker's pace" if workers < 0
             else f"on {workers} local workers" if workers > 1 else "one at a time")  # fmt: skip
    eta = f"about {duration(seconds)} {where}" if todo else "nothing to run"
    return (f"ladera batch: {plan.describe()}; {left}; estimated {eta} (a 2-core laptop's "
            "speed; more workers than cores do not help)")  # fmt: skip


def _lap(timings: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    timings[f"{name}_s"] = round(now - since, 3)
    return now


def finish_batch(
    plan: BatchPlan, *, skipped: int = 0, ran: int = 0, failed: list[str] | None = None,
    start: float | None = None,
) -> BatchResult:  # fmt: skip
    """Write the runs table, the summary and the figure from the batch index."""
    from sim.report.batch_figures import plot_accessibility_gain  # matplotlib, only here

    keys = {spec.key for spec in plan.runs}
    rows = [r for key, r in RunIndex(plan.folder / "index.jsonl").read().items() if key in keys]
    runs = runs_table(rows, plan)
    summary = summarise_runs(runs, plan)
    _write_table(runs, plan.folder / "runs")
    _write_table(summary, plan.folder / "summary")
    figure = plot_accessibility_gain(summary, plan, plan.folder / "accessibility_gain.png")
    seconds = time.perf_counter() - start if start is not None else math.nan
    return BatchResult(folder=plan.folder, total=len(plan.runs), skipped=skipped, ran=ran,
                       failed=failed or [], seconds=seconds, runs=runs, summary=summary,
                       figure=figure)  # fmt: skip


def _report(result: BatchResult, plan: BatchPlan) -> str:
    f = result.folder
    lines = [
        f"{plan.experiment.name}: {result.total} runs ({result.ran} run now, {result.skipped} "
        f"already done, {len(result.failed)} failed) in {_duration(result.seconds)}",
        f"  runs:    {f / 'runs'}/<scenario>/<point>-s<replication>/  (e.g. "
        f"{f / 'runs' / plan.runs[0].key}/)",
        f"  index:   {f / 'index.jsonl'}  (table: runs.parquet, runs.csv)",
        f"  summary: {f / 'summary.parquet'}, {f / 'summary.csv'}",
    ]
    if result.figure is not None:
        lines.append(f"  figure:  {result.figure}")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    minutes, sec = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{sec:02d}s" if hours else f"{minutes}m{sec:02d}s"
