"""The batch folder's bookkeeping: the run index, the plan file, the lock, what resume skips.

``index.jsonl`` holds one line per finished (or failed) run. :func:`finished_runs` says which runs
a resume skips, :func:`_check_fresh` keeps a fresh start from throwing finished runs away, and
:func:`_batch_lock` lets one batch process at a time work in a folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sim.batch.headline import headline
from sim.batch.plan import BatchPlan, RunSpec
from sim.errors import ScenarioError
from sim.rundir.atomic import atomic_file
from sim.rundir.claims import claim, created_folders, remove_empty, remove_stale


def _row_head(spec: RunSpec) -> dict[str, Any]:
    """The index row of ``spec`` before it runs: what and where, no status or metrics yet."""
    return {
        "key": spec.key, "scenario": spec.scenario.name, "point": spec.point,
        "replication": spec.replication, "seed": spec.scenario.seed, "params": spec.params,
        "baseline_key": spec.baseline_key, "fingerprint": spec.fingerprint,
        "path": f"runs/{spec.key}", "status": None, "error": None, "metrics": {},
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }  # fmt: skip


class RunIndex:
    """``index.jsonl``: one JSON line per finished run, flushed and synced as it is written.

    A line cut short by a kill is ignored when read; a key written twice counts its last line.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None

    def read(self) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        if not self.path.is_file():
            return rows
        for line in self.path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and "key" in row:
                rows[row["key"]] = row
        return rows

    def append(self, row: dict[str, Any]) -> None:
        if self._fh is None:
            self._fh = self.path.open("a")
            if self._fh.tell() > 0:
                self._fh.write("\n")  # a line cut short by a kill stays alone (and ignored)
        self._fh.write(json.dumps(row, default=str) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def finished_runs(plan: BatchPlan, index: RunIndex) -> dict[str, dict[str, Any]]:
    """Index rows of the runs that need not run again: those whose directory is there.

    A run directory the index does not list as done (the batch was killed after the run was
    renamed into place but before its line was written) is recorded now, from its files. A
    finished run whose settings differ from the plan's is an error: it is never rerun over.
    """
    rows = index.read()
    _remove_partial_runs(plan.folder)
    out = {}
    try:
        for spec in plan.runs:
            run = plan.folder / "runs" / spec.key
            if not (run / "summary.json").is_file():
                continue  # not finished, or removed by hand: it runs
            row = rows.get(spec.key)
            if row is not None and row.get("status") == "done":
                if row.get("fingerprint") != spec.fingerprint:
                    raise _changed(plan.folder, spec)
            else:
                row = _recorded_row(plan.folder, spec, run)
                index.append(row)
            out[spec.key] = row
    finally:
        index.close()
    return out


def _changed(folder: Path, spec: RunSpec) -> ScenarioError:
    return ScenarioError(
        f"{folder}: run {spec.key} finished with other settings than the experiment gives "
        "now (a scenario or experiment file, or Ladera, changed); its results are kept: start a "
        "new batch folder (another `name` in the experiment, or another `--results`)"
    )


def _recorded_row(folder: Path, spec: RunSpec, run: Path,
                  worker: str = "(recorded on resume)") -> dict[str, Any]:  # fmt: skip
    """The index row of a finished run directory the index lacks, if it ran ``spec`` (else
    the error that batch ``folder``'s run finished with other settings)."""
    from sim.rundir.write import jsonable

    try:
        manifest = json.loads((run / "manifest.json").read_text())
        summary = json.loads((run / "summary.json").read_text())
    except (OSError, ValueError):
        raise _changed(folder, spec) from None
    planned = json.loads(json.dumps(jsonable(asdict(spec.scenario)), default=str))
    recorded = manifest.get("scenario") if isinstance(manifest, dict) else None
    if not isinstance(recorded, dict) or not isinstance(summary, dict):
        raise _changed(folder, spec)
    recorded.pop("source", None)
    planned.pop("source", None)
    if recorded != planned:
        raise _changed(folder, spec)
    row = _row_head(spec)
    mtime = (run / "summary.json").stat().st_mtime
    row.update(status="done", metrics=headline(summary), seconds=manifest.get("wall_seconds"),
               finished=time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(mtime)),
               worker=worker)  # fmt: skip
    return row


@contextlib.contextmanager
def _batch_lock(folder: Path) -> Iterator[None]:
    """One batch process per folder; the OS drops the lock when the process dies, even by kill.
    Folders made for it are removed again if the batch fails before writing into them."""
    made = created_folders(folder.parent)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        with claim(folder, "another batch is running in this folder"):
            yield
    except BaseException:
        remove_empty(made)
        raise


def _check_fresh(plan: BatchPlan, index: RunIndex) -> dict[str, dict[str, Any]]:
    """A fresh start must not throw finished runs away (listed in the index or only on disk)."""
    n = sum(1 for row in index.read().values() if row.get("status") == "done")
    n = max(n, len(_runs_on_disk(plan.folder)))
    if n:
        raise ScenarioError(f"{plan.folder} already holds {n} finished runs: pass `--resume` to "
                            "continue that batch, or start a new batch folder (another `name` "
                            "in the experiment, or another `--results`)")  # fmt: skip
    return {}


def _runs_on_disk(folder: Path) -> list[Path]:
    """Run directories that finished (renamed into place with their summary)."""
    return sorted((folder / "runs").glob("*/*/summary.json"))


def _clear(folder: Path) -> None:
    """A fresh start: no leftovers of an earlier attempt that finished nothing."""
    if _runs_on_disk(folder):  # checked by _check_fresh; never delete a finished run
        raise ScenarioError(f"{folder} holds finished runs; refusing to clear it")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def _remove_partial_runs(folder: Path) -> None:
    """Temporary directories of runs killed in flight (those of live processes stay)."""
    for scenario in (folder / "runs").glob("*"):
        remove_stale(scenario)


_PLANNED = ("key", "scenario", "point", "replication", "seed", "params", "baseline_key",
            "fingerprint", "path")  # fmt: skip


def _write_plan(plan: BatchPlan) -> None:
    plan.folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plan.experiment.source, plan.folder / "experiment.toml")
    exp = plan.experiment
    data = {
        "experiment": str(exp.source), "name": exp.name, "description": exp.description,
        "seed": exp.seed, "seeds": exp.seeds, "baseline": exp.baseline,
        "scenarios": {s.name: s.source for s in exp.scenarios},
        "grid": exp.grid, "lhs": {"points": exp.lhs_points, "ranges": exp.lhs},
        "points": list(plan.points),
        "runs": [{k: v for k, v in _row_head(r).items() if k in _PLANNED} for r in plan.runs],
    }  # fmt: skip
    with atomic_file(plan.folder / "plan.json") as tmp:
        tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")
