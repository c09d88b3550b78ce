"""A second process that draws the app's charts while the server draws the map.

Matplotlib holds Python's interpreter lock while it draws, so threads cannot draw two figures
at once: an explore step drew its map and four charts one after another (about 0.06 s each on
the 2-core machine the app is measured on, after a day of about 0.7 s). ``ladera viz`` starts
one worker process (``python -m sim.viz.chartworker``, a fresh interpreter that shares no
thread or lock with the server, talking in pickles over its standard input and output) and the
charts go to it while the server draws the map and the first chart
(:meth:`ChartWorker.draw_beside`).

Each chart's figure is built by the server (it reads the model) and pickled to the worker once;
on later days only the chart's series go, and the worker puts them into its figure with
:mod:`sim.viz.livecharts`' update rule, so its PNG is byte for byte the server's own (tested).
A chart whose shape changed is sent anew. If the worker is not running or fails, the server
draws the charts itself, and nothing else changes.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, TypeVar

from sim.viz.charts import png
from sim.viz.livecharts import CHARTS, chart_png, put_series, series_labels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.model import CommuteModel
    from sim.viz.app import LaderaViz

T = TypeVar("T")
#: The folder holding this ``sim`` package: the worker imports the same code as the server.
_SIM_HOME = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass(frozen=True)
class Job:
    """One chart for the worker: its ``figure`` pickled when the worker must take a new one,
    otherwise the day's ``series`` to put into the figure it holds under ``token``."""

    token: tuple[int, str]
    key: str
    figure: bytes | None
    series: list[Any] | None


def render(job: Job, figures: dict[tuple[int, str], Figure]) -> bytes:
    """The job's chart as PNG bytes, keeping its figure in ``figures`` for the next day."""
    if job.figure is not None:
        figures[job.token] = pickle.loads(job.figure)
    elif job.series is not None:
        put_series(CHARTS[job.key], figures[job.token], job.series)
    return png(figures[job.token])


def _serve(inbox: Connection, outbox: Connection) -> None:
    """The worker's loop: draw batches of jobs until the server says stop or goes away."""
    figures: dict[tuple[int, str], Figure] = {}
    while True:
        try:
            kind, payload = inbox.recv()
        except (EOFError, OSError):  # the server is gone
            return
        if kind == "stop":
            return
        if kind == "forget":
            for token in payload:
                figures.pop(token, None)
            continue
        try:
            outbox.send(("ok", [render(job, figures) for job in payload]))
        except Exception as exc:  # report it: the server then draws the charts itself
            outbox.send(("error", f"{type(exc).__name__}: {exc}"))


def main() -> None:
    """The worker process: messages on standard input, answers on a copy of standard output
    (standard output itself goes to standard error, so a stray print cannot corrupt them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal: the server stops it
    answers = os.dup(1)
    os.dup2(2, 1)
    _serve(Connection(0, writable=False), Connection(answers, readable=False))


@dataclass
class _Sent:
    labels: tuple[str, ...]
    generation: int


class ChartWorker:
    """The worker process and what the server has sent it, by model and chart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inbox: Connection | None = None  # the worker's standard input
        self._answers: Connection | None = None  # its answers
        self._process: subprocess.Popen[bytes] | None = None
        self._generation = 0  # a new process holds no figure: everything is sent anew
        self._ids = itertools.count()
        self._model_ids: weakref.WeakKeyDictionary[CommuteModel, int] = weakref.WeakKeyDictionary()
        self._sent: dict[tuple[int, str], _Sent] = {}
        self._forgotten: list[tuple[int, str]] = []
        self.error: str | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the worker (a no-op when it runs). It imports matplotlib on its own, so the
        first charts it draws may wait a second or two for it."""
        with self._lock:
            if self.running:
                return
            path = os.pathsep.join(filter(None, [_SIM_HOME, os.environ.get("PYTHONPATH")]))
            process = subprocess.Popen([sys.executable, "-m", "sim.viz.chartworker"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       env={**os.environ, "PYTHONPATH": path})  # fmt: skip
            assert process.stdin is not None and process.stdout is not None
            self._inbox = Connection(os.dup(process.stdin.fileno()), readable=False)
            self._answers = Connection(os.dup(process.stdout.fileno()), writable=False)
            process.stdin.close()
            process.stdout.close()
            self._process = process
            self._generation += 1
            self.error = None

    def stop(self) -> None:
        """Stop the worker and wait briefly for it; the figures it held are gone."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        inbox, answers, process = self._inbox, self._answers, self._process
        self._inbox = self._answers = self._process = None
        if inbox is not None:
            with contextlib.suppress(OSError):
                inbox.send(("stop", None))
            inbox.close()
        if answers is not None:
            answers.close()
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _model_id(self, model: CommuteModel) -> int:
        if model not in self._model_ids:
            ident = self._model_ids[model] = next(self._ids)
            weakref.finalize(model, self._forget, ident)
        return self._model_ids[model]

    def _forget(self, ident: int) -> None:
        # may run in any thread, even inside a draw: only note it, the next batch sends it
        self._forgotten.extend(t for t in list(self._sent) if t[0] == ident)

    def job(self, key: str, viz: LaderaViz) -> Job:
        """The chart ``key`` of the model's day as a job: the figure the first time (or when
        the chart's shape changed, or for a new worker process), the series after."""
        chart = CHARTS[key]
        series = chart.series(viz)
        labels = series_labels(series)
        token = (self._model_id(viz.commute), key)
        known = self._sent.get(token)
        held = known == _Sent(labels, self._generation) and bool(labels)
        if not held:
            self._sent[token] = _Sent(labels, self._generation)
            return Job(token, key, pickle.dumps(chart.build(viz)), None)
        return Job(token, key, None, series)

    def draw_beside(self, keys: list[str], viz: LaderaViz,
                    local: Callable[[], T]) -> tuple[dict[str, bytes], T]:  # fmt: skip
        """The charts ``keys`` drawn by the worker while ``local()`` runs here: (their PNG
        bytes by key, what ``local`` returned). Drawn here instead if the worker is not
        running or fails (:attr:`error` then says why)."""
        with self._lock:
            if not keys or not self.running:
                return {key: chart_png(key, viz) for key in keys}, local()
            assert self._inbox is not None and self._answers is not None
            jobs = [self.job(key, viz) for key in keys]
            result: list[T] = []  # local()'s value, once it ran
            try:
                if self._forgotten:
                    forgotten, self._forgotten = self._forgotten, []
                    for token in forgotten:
                        self._sent.pop(token, None)
                    self._inbox.send(("forget", forgotten))
                self._inbox.send(("draw", jobs))
                result.append(local())
                status, payload = self._answers.recv()
            except (EOFError, OSError) as exc:
                status, payload = "error", f"the chart worker stopped ({exc})"
                self._close()
            if status == "ok":
                return dict(zip(keys, payload, strict=True)), result[0]
            self.error = str(payload)
            self._sent.clear()
        charts = {key: chart_png(key, viz) for key in keys}
        return charts, result[0] if result else local()


#: The app's worker: started by :func:`sim.viz.server.serve`, stopped when the server ends.
WORKER = ChartWorker()


if __name__ == "__main__":
    main()
