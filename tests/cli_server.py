"""Run ``python -m sim ARGS`` many times, fast: a warm interpreter forks one child per command.

Started by the corpus test as ``python tests/cli_server.py``. It imports the ``sim`` package and
its dependencies once, prints ``ready``, then reads one JSON request per line on stdin::

    {"id": 7, "argv": [...], "cwd": "...", "env": {...}, "stdout": "file", "stderr": "file",
     "timeout": 60}

and for each forks a child that runs the ``sim`` package as ``__main__`` (exactly what
``python -m sim`` does) with that argv, working directory and environment, its stdout and
stderr going to the two files. It answers one JSON line: ``{"id": 7, "code": <exit code>}`` (``-9``
when the child had to be killed after ``timeout`` seconds). An exception that escapes the
command prints its traceback and exits 1, as ``python -m sim`` would.

Only the package's own ``__main__`` is used, so the cases survive modules moving inside ``sim``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import runpy
import signal
import sys
import time
import traceback


def warm() -> None:
    """Import every module of ``sim`` but the browser app and ``__main__`` (imports only)."""
    import sim

    for info in pkgutil.walk_packages(sim.__path__, "sim."):
        if info.name.startswith(("sim.viz", "sim.__main__")):
            continue
        with contextlib.suppress(Exception):
            importlib.import_module(info.name)


def child(request: dict) -> None:
    """In the forked child: become ``python -m sim <argv>`` and exit with its code."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for fd, name in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(target, fd)
            os.close(target)
        sys.stdout = open(1, "w", closefd=False, buffering=1)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False, buffering=1)  # noqa: SIM115
        sys.stdin = open(os.devnull)  # noqa: SIM115
        sys.argv = [sys.executable, *request["argv"]]
        try:
            runpy.run_module("sim", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
        except BaseException:  # what python -m sim would print: a traceback
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    warm()
    protocol = sys.stdout
    print("ready", file=protocol, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        protocol.flush()
        pid = os.fork()
        if pid == 0:
            child(request)
        deadline = time.monotonic() + float(request.get("timeout", 60))
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                code = -9
                break
            time.sleep(0.005)
        print(json.dumps({"id": request.get("id"), "code": code}), file=protocol, flush=True)


if __name__ == "__main__":
    serve()
