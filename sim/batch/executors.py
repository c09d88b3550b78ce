"""Where a batch's runs execute: serially in this process, or on a local or remote Dask cluster.

:func:`_execute_all` takes the rows of the runs as they finish, appends them to the index and
moves the progress bar; :func:`local_client` starts the local cluster of one-thread workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Generator, Iterator
from typing import Any

from sim.batch.index import RunIndex, _row_head
from sim.batch.plan import BatchPlan, RunSpec
from sim.batch.worker import _one_line, execute_run
from sim.errors import MissingExtraError, ScenarioError


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ModuleNotFoundError as exc:
        raise MissingExtraError("ladera batch", "dask", exc.name) from None


@contextlib.contextmanager
def _remote_client(address: str) -> Iterator[Any]:
    """A client of the scheduler at ``address``; one that cannot be reached is a one-line error."""
    from distributed import Client

    try:
        remote = Client(address)
    except (OSError, ValueError, TypeError) as exc:  # TimeoutError is an OSError
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ScenarioError(f"`--scheduler` {address}: cannot reach a Dask scheduler there "
                            f"({reason})") from None  # fmt: skip
    with remote:
        yield remote


def _execute_all(
    plan: BatchPlan,
    todo: list[RunSpec],
    cache_files: dict[str, str],
    index: RunIndex,
    workers: int,
    scheduler: str | None,
    client: Any,
    progress: bool,
    dashboard: str | None = "127.0.0.1:0",
) -> list[str]:
    from tqdm.auto import tqdm

    total = len(plan.runs)
    bar = tqdm(total=total, initial=total - len(todo), desc=plan.experiment.name, unit="run",
               disable=not progress, dynamic_ncols=True)  # fmt: skip
    failed = []
    runs_dir = str(plan.folder / "runs")
    serial = client is None and scheduler is None and workers == 0
    execute = _serial if serial else _on_dask(workers, scheduler, client, dashboard)
    try:
        with contextlib.closing(execute(todo, runs_dir, cache_files)) as rows:
            for row in rows:
                index.append(row)
                if row["status"] != "done":
                    failed.append(row["key"])
                    bar.write(f"ladera: warning: run {row['key']} failed: {row['error']}")
                bar.update()
    finally:
        bar.close()
        index.close()
    return failed


Rows = Generator[dict[str, Any], None, None]
Executor = Callable[[list[RunSpec], str, dict[str, str]], Rows]


def _serial(todo: list[RunSpec], runs_dir: str, cache_files: dict[str, str]) -> Rows:
    for spec in todo:
        yield execute_run(spec, runs_dir, cache_files[spec.scenario.name], threads=0)


def _on_dask(workers: int, scheduler: str | None, client: Any, dashboard: str | None) -> Executor:
    def execute(todo: list[RunSpec], runs_dir: str, cache_files: dict[str, str]) -> Rows:
        from distributed import as_completed

        with _dask_client(workers, scheduler, client, dashboard) as dask_client:
            futures = {
                dask_client.submit(execute_run, spec, runs_dir, cache_files[spec.scenario.name],
                                   1, pure=False): spec
                for spec in todo
            }  # fmt: skip
            try:
                for future in as_completed(futures):
                    yield _future_row(future, futures[future])
            finally:
                dask_client.cancel(list(futures))

    return execute


def _future_row(future: Any, spec: RunSpec) -> dict[str, Any]:
    """The run's row, or a failed row if Dask gave up on it (e.g. its workers kept dying)."""
    try:
        return future.result()
    except Exception as exc:
        row = _row_head(spec)
        row.update(status="failed", error=_one_line(exc), seconds=None)
        return row


@contextlib.contextmanager
def _dask_client(
    workers: int, scheduler: str | None, client: Any, dashboard: str | None
) -> Iterator[Any]:
    if client is not None:
        yield client
    elif scheduler is not None:
        with _remote_client(scheduler) as remote:
            yield remote
    else:
        with local_client(workers, dashboard=dashboard) as local:
            yield local


@contextlib.contextmanager
def local_client(workers: int, *, dashboard: str | None = "127.0.0.1:0") -> Iterator[Any]:
    """A client of a new local Dask cluster: ``workers`` processes of one thread each.

    Numba's thread pool in each worker is set to one thread before the process starts (and
    restarts, if a worker dies), so N workers use N cores. The scheduler and the workers listen
    on this machine only; so does the dashboard (``host:port``; ``None`` for none) unless
    another host is given (:func:`run_batch` warns about it: a dashboard shows the batch to
    anyone who can reach it).
    """
    import dask
    from distributed import Client, LocalCluster

    if workers < 1:
        raise ScenarioError(f"`workers` must be >= 1 for a local Dask cluster, not {workers}")
    # Dask's default MALLOC_TRIM_THRESHOLD_ fixes glibc's mmap threshold, so every large numpy
    # array is a fresh mmap: runs took ~15% longer. The nanny sets these variables in this
    # process's environment too (and workers inherit it): restore it afterwards.
    spawn_env = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MALLOC_TRIM_THRESHOLD_": None}
    saved = {name: os.environ.get(name) for name in spawn_env}
    if os.environ.get("MALLOC_TRIM_THRESHOLD_") == "65536":  # left by an earlier Dask nanny
        os.environ.pop("MALLOC_TRIM_THRESHOLD_")
    env = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in spawn_env.items()}
    try:
        with dask.config.set(env):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=dashboard,
                                   silence_logs=logging.ERROR)  # fmt: skip
        try:
            with Client(cluster) as client:
                yield client
        finally:
            # closing kills the workers slow to stop; their results are in by then, so the
            # nanny's warning about it is not the user's news (other nanny warnings still are)
            nanny = logging.getLogger("distributed.nanny")
            level = nanny.level
            nanny.setLevel(logging.ERROR)
            try:
                cluster.close()
            finally:
                nanny.setLevel(level)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
