"""Running a comparison on several seeds: every scenario on seeds ``seed, seed + 1, ...``.

Seed ``s`` of every scenario draws the same households (common random numbers: a scenario's
population is drawn on the city's own network from the seed alone), so a change is measured
household by household within a seed and its interval across seeds says how much of it is the
draw. The runs go to the usual ``results/<scenario>/<run-id>/`` folders, side by side on a
local Dask cluster (this machine only: scheduler and workers on 127.0.0.1, no dashboard) when
the ``dask`` extra is installed, else one after another. A run's result does not depend on
where or beside what it ran: each is the same computation on the same inputs (the kernels sum
in a fixed order whatever their thread count, and the solver's sums avoid BLAS,
:mod:`sim.numeric`).

After each baseline run, in the process that ran it, the catchments of the other scenarios are
computed on the converged baseline (:mod:`sim.catchment`); only the household masks travel back.
With the equilibrium solver the baseline of a seed also hands over its point a few iterations
before its last, and the other scenarios of that seed start from it and run only those
iterations (:mod:`sim.warm`); they run once their baseline has (with the learning dynamics,
which hand over nothing, from empty roads).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.catchment import FAR_KM, WALK_MIN, Catchments, Place, definitions, places
from sim.scenario import Scenario

__all__ = ["DEFAULT_SEEDS", "Job", "plan", "run_jobs", "seed_values", "warm_order"]

#: Seeds a comparison runs by default.
DEFAULT_SEEDS = 5


def seed_values(seed: int, n_seeds: int) -> list[int]:
    """The seeds of a comparison: the scenarios' own seed, then the next ones."""
    return [seed + k for k in range(n_seeds)]


@dataclass(frozen=True)
class Job:
    """One run of a comparison: the ``item``-th scenario on replication ``replication``."""

    item: int
    replication: int
    scenario: Scenario  # its seed set


def plan(scenarios: dict[int, Scenario], n_seeds: int) -> list[Job]:
    """Every (scenario, seed) run, replication-major so the first seed finishes first."""
    return [Job(i, k, replace(s, seed=seed))
            for k in range(n_seeds) for i, s in sorted(scenarios.items())
            for seed in [seed_values(s.seed, n_seeds)[k]]]  # fmt: skip


def run_job(scenario: Scenario, results: str, cache_file: str,
            probe: dict[str, list[Place]] | None, threads: int = 1,
            progress: bool = False, warm: Any = None, hand_over: bool = False) -> dict[str, Any]:  # fmt: skip
    """Run one scenario and, for a baseline, compute the others' catchments on it (and, with
    ``hand_over``, return its point for them as ``"warm"``; ``warm`` starts from one).

    The task a Dask worker executes (and the serial path calls in this process).
    """
    from sim.batch.worker import _limit_threads, _network
    from sim.catchment import catchments
    from sim.runner import run_scenario

    _limit_threads(threads)
    net = _network(cache_file, scenario)
    with warnings.catch_warnings(record=True) as caught:  # shown by the client, one line each
        warnings.simplefilter("always")
        result = run_scenario(scenario, results=Path(results), base_network=net,
                              progress=progress, warm=warm, hand_over=hand_over)  # fmt: skip
    masks = catchments(result.model, probe) if probe else None
    return {"path": str(result.path), "catchments": masks,
            "warnings": [str(w.message) for w in caught],
            "warm": result.model.warm_state if hand_over else None}  # fmt: skip


def cache_file(scenario: Scenario) -> str:
    """The network cache entry of the scenario's city, built here if missing: every run reads
    the network from it, so the catchments' node numbers are the runs'."""
    from sim.batch.worker import _network
    from sim.network.cache import entry_path, load_network
    from sim.runner import city_of

    city = city_of(scenario)
    load_network(city)  # builds and caches on a miss
    path = str(entry_path(city).resolve())
    _network(path, scenario)
    return path


def probes(scenarios: dict[int, Scenario], baseline: int, cache: str) -> dict[str, list[Place]]:
    """The place of every intervention of the scenarios but the baseline."""
    from sim.batch.worker import _network

    base = scenarios[baseline]
    net = _network(cache, base)
    return {s.name: places(net, s, base) for i, s in scenarios.items() if i != baseline}


def run_jobs(jobs: Sequence[Job], *, results: Path, baseline: int | None, workers: int,
             progress: bool = True, on_done: Callable[[Job, int], Any] | None = None,
             ) -> tuple[dict[tuple[int, int], Path], Catchments | None]:  # fmt: skip
    """Run every job; return the run directory of each (item, replication), and the catchments
    (when the baseline is among the jobs).

    ``workers`` > 0 runs them on a local Dask cluster of that many processes (if the ``dask``
    extra is installed and there is more than one job), else here one after another.
    ``on_done(job, n)`` is called after each run, ``n`` the runs done so far (a progress bar).
    """
    scenarios = {j.item: j.scenario for j in jobs}
    cache = cache_file(jobs[0].scenario)
    probe = probes(scenarios, baseline, cache) if baseline in scenarios else None
    parallel = workers > 0 and len(jobs) > 1 and _has_dask()
    if workers > 0 and len(jobs) > 1 and not parallel:
        print("ladera: note: the dask extra is not installed: the runs go one after another "
              '(python -m pip install -e ".[dask]" runs them side by side)', file=sys.stderr)  # fmt: skip
    execute = _on_dask(workers) if parallel else _serial
    paths: dict[tuple[int, int], Path] = {}
    masks: dict[int, Any] = {}
    start = time.perf_counter()
    for n, (job, row) in enumerate(execute(jobs, str(results), cache, probe, baseline,
                                           progress), 1):  # fmt: skip
        for message in row.get("warnings", []):
            print(f"ladera: warning: {' '.join(message.split())}", file=sys.stderr)
        paths[(job.item, job.replication)] = Path(row["path"])
        if row["catchments"] is not None:
            masks[job.replication] = row["catchments"]
        print(f"ran {job.scenario.name} seed {job.scenario.seed} -> {row['path']} ({n}/{len(jobs)}, "
              f"{time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
        if on_done is not None:
            on_done(job, n)
    found = None
    if probe is not None:
        found = Catchments([masks[k] for k in sorted(masks)],
                           definitions(probe, walk_min=WALK_MIN, far_km=FAR_KM))  # fmt: skip
    return paths, found


Rows = Iterator[tuple[Job, dict[str, Any]]]


def warm_order(jobs: Sequence[Job], baseline: int | None) -> tuple[list[Job], list[Job]]:
    """The jobs that run at once (baselines, and everything without one) and those that wait
    for their seed's baseline to hand over its point."""
    if baseline is None or not any(j.item == baseline for j in jobs):
        return list(jobs), []
    with_base = {j.replication for j in jobs if j.item == baseline}
    first = [j for j in jobs if j.item == baseline or j.replication not in with_base]
    return first, [j for j in jobs if j.item != baseline and j.replication in with_base]


def _serial(jobs: Sequence[Job], results: str, cache: str, probe: Any, baseline: int | None,
            progress: bool) -> Rows:  # fmt: skip
    first, later = warm_order(jobs, baseline)
    hand = {j.replication for j in later}
    for job in first:
        base = job.item == baseline
        row = run_job(job.scenario, results, cache, probe if base else None, threads=0,
                      progress=progress, hand_over=base and job.replication in hand)  # fmt: skip
        warm = row.pop("warm", None)
        yield job, row
        for other in (j for j in later if j.replication == job.replication and base):
            yield other, run_job(other.scenario, results, cache, None, threads=0,
                                 progress=progress, warm=warm)  # fmt: skip


def _on_dask(workers: int) -> Callable[..., Rows]:
    def execute(jobs: Sequence[Job], results: str, cache: str, probe: Any,
                baseline: int | None, progress: bool) -> Rows:  # fmt: skip
        from distributed import as_completed

        from sim.batch.executors import local_client

        first, later = warm_order(jobs, baseline)
        hand = {j.replication for j in later}
        with local_client(min(workers, len(jobs)), dashboard=None) as client:
            futures = {client.submit(run_job, job.scenario, results, cache,
                                     probe if job.item == baseline else None, 1, False, None,
                                     job.item == baseline and job.replication in hand,
                                     pure=False): job for job in first}  # fmt: skip
            done = as_completed(list(futures))
            try:
                for future in done:
                    job = futures[future]
                    row = future.result()  # a failed run raises here
                    warm = row.pop("warm", None)
                    if job.item == baseline:  # this seed's other scenarios start from its point
                        state = None if warm is None else client.scatter(warm, direct=True)
                        for other in (j for j in later if j.replication == job.replication):
                            f = client.submit(run_job, other.scenario, results, cache, None, 1,
                                              False, state, False, pure=False)  # fmt: skip
                            futures[f] = other
                            done.add(f)
                    yield job, row
            finally:
                client.cancel(list(futures))

    return execute


def at_once(workers: int, runs: int) -> int:
    """How many of ``runs`` runs :func:`run_jobs` runs side by side with ``workers``."""
    return max(1, min(workers, runs)) if _has_dask() else 1


def _has_dask() -> bool:
    try:
        import distributed  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def default_workers(runs: int) -> int:
    """Worker processes for ``runs`` runs: one per core, at most one per run."""
    return max(1, min(os.cpu_count() or 1, runs))
