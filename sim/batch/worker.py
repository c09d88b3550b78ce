"""One batch run, as a Dask worker (or the serial loop) executes it, and the networks it reads.

The client loads each city network once (:func:`_prepare_networks`); each worker process then
reads it from that disk cache once and keeps it for its next runs (:func:`_network`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sim.batch.headline import headline
from sim.batch.index import _recorded_row, _row_head
from sim.batch.plan import BatchPlan, RunSpec
from sim.scenario import Scenario

_NETWORKS: dict[str, Any] = {}
#: The ``worker`` of a run that a worker finished but died before reporting.
LOST = "(finished by a lost worker)"


def _network(cache_file: str, scenario: Scenario) -> Any:
    """The city network, read once per process from the client's disk cache (or built here)."""
    net = _NETWORKS.get(cache_file)
    if net is None:
        from sim.network.cache import load_network, read_npz
        from sim.runner import city_of

        try:
            net = read_npz(Path(cache_file))
        except Exception:  # not shared with the client, or unreadable: built (healed) here
            net = load_network(city_of(scenario))
        if len(_NETWORKS) >= 2:
            _NETWORKS.clear()
        _NETWORKS[cache_file] = net
    return net


def execute_run(spec: RunSpec, runs_dir: str, cache_file: str, threads: int = 1) -> dict:
    """Run one batch run and return its index row; the model's errors become a failed row.

    This is the task the Dask workers execute. ``threads`` caps numba's threads for this run
    (one per run: the batch gets its parallelism from running runs side by side).
    """
    from sim.runner import run_scenario

    start = time.perf_counter()
    row = _row_head(spec)
    run = Path(runs_dir) / spec.key
    try:
        if (run / "summary.json").is_file():
            # finished (renamed into place) by a worker that died before it reported, and Dask
            # runs the task again: the run is recorded from its files, never rerun over
            return _recorded_row(Path(runs_dir).parent, spec, run, worker=LOST)
        _limit_threads(threads)
        net = _network(cache_file, spec.scenario)
        result = run_scenario(spec.scenario, results=Path(runs_dir), run_id=spec.run_id,
                              base_network=net, progress=False, figures=False)  # fmt: skip
        row.update(status="done", metrics=headline(result.summary))
    except Exception as exc:  # one bad run must not stop the batch; the row says why
        row.update(status="failed", error=_one_line(exc))
    row["seconds"] = round(time.perf_counter() - start, 3)
    row["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    return row


def _limit_threads(threads: int) -> None:
    if threads > 0:
        import numba

        pool = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
        numba.set_num_threads(min(threads, pool))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {text}"[:500]


def _prepare_networks(plan: BatchPlan, todo: list[RunSpec]) -> dict[str, str]:
    """Load (building if needed) each city network once in the client, check each scenario's
    interventions apply on it, and return scenario name -> the cache file workers read."""
    from sim.network.cache import entry_path, load_network, read_npz
    from sim.runner import apply_interventions, city_of

    out: dict[str, str] = {}
    for spec in todo:
        name = spec.scenario.name
        if name in out:
            continue
        city = city_of(spec.scenario)
        path = entry_path(city).resolve()
        out[name] = str(path)
        if out[name] not in _NETWORKS:
            net = load_network(city)
            # what the workers read: a network fresh from a build might differ from its file
            _NETWORKS[out[name]] = read_npz(path) if path.is_file() else net
        apply_interventions(_NETWORKS[out[name]], spec.scenario)  # errors name file and entry
    return out
