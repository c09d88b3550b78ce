"""Serving the students' app: ``ladera viz``, offline, on loopback, stopped by a signal.

:func:`serve` checks its address, builds the city's network and one model (so the first page
opens fast) and runs Solara's server on :mod:`sim.viz.page` until SIGINT or SIGTERM. Every
JavaScript and CSS file comes from the local ``solara-assets`` package through Solara's asset
route (the pins ``solara==1.58.2``, ``solara-assets==1.58.2``, ``ipyvuetify<3``, ``ipyvue<3``:
DESIGN.md, section 5); telemetry, version checks and the "runs on Solara" banner are off, so
the page makes no request beyond the server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

from sim.errors import LaderaError

#: How long the threads a page started (Mesa's Play loop) get to end once the server stopped.
THREAD_GRACE_S = 5.0


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address of this machine only (``localhost``, 127.x, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def port_free(host: str, port: int) -> bool:
    """Whether the server could listen on ``host:port`` now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True


def _offline_settings() -> None:
    """Serve every asset from the installed solara-assets package; no telemetry, no checks,
    no banner over the page's bottom-right corner (it covered a chart)."""
    os.environ["SOLARA_ASSETS_PROXY"] = "True"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "False"
    import solara.server.settings
    import solara.settings

    solara.settings.assets.proxy = True
    solara.server.settings.telemetry.mixpanel_enable = False
    solara.server.settings.theme.show_banner = False
    solara.server.settings.theme.title = "Ladera"


def serve(city: str = "porto_alegre", port: int = 8765, host: str = "127.0.0.1") -> None:
    """Run the app until interrupted (Ctrl+C or SIGTERM); prints the URL to open.

    Raises :class:`~sim.errors.LaderaError` for a port outside 1-65535, a busy port or an
    unknown city, before anything slow. Returns once the server has shut down; call
    :func:`end_lingering_threads` then, as ``ladera viz`` does, to end the process.
    """
    if not 1 <= int(port) <= 65535:
        raise LaderaError(f"`port` {port} is outside 1-65535")
    from sim.viz.app import CITY_ENV, LaderaViz, control_defaults, scenario_files

    scenario_files(city)  # an unknown city fails here
    if not port_free(host, port):
        raise LaderaError(f"port {port} on {host} is in use: choose another with --port")
    os.environ[CITY_ENV] = city
    _offline_settings()
    # a cookie warning Solara prints on every page load when the host is not "localhost"
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    with _stop_on_signals():
        start = time.perf_counter()
        print(f"ladera viz: preparing {city} (the first build of a network takes a while) ...",
              flush=True)  # fmt: skip
        from sim.viz.chartworker import WORKER

        WORKER.start()  # imports matplotlib in its own process while the model warms up here
        warm = LaderaViz(**control_defaults(city))
        warm.step()  # reads the network cache and compiles the model once for every later page
        print(f"ladera viz: ready in {time.perf_counter() - start:.0f} s; one day of "
              f"{warm.commute.households.n:,} households takes {warm.last_step_s:.2f} s",
              flush=True)  # fmt: skip
        print(f"ladera viz: open http://{host}:{port}/ in a browser (Ctrl+C stops the server)",
              flush=True)  # fmt: skip
        from solara.__main__ import run

        args = ["sim.viz.page", "--host", host, "--port", str(port), "--production",
                "--no-open", "--no-check-version", "--log-level-uvicorn", "warning",
                "--no-access-log"]  # fmt: skip
        run.main(args=args, standalone_mode=False)
    print("ladera viz: stopped", flush=True)


def end_lingering_threads(grace_s: float = THREAD_GRACE_S) -> None:
    """End the process if threads the pages started outlive the server.

    Mesa's Play loop runs in a non-daemon thread until the model stops, so after the server
    shut down the interpreter would wait for it forever (SIGTERM printed "stopped" and the
    process stayed). The app's models stop at their next step once :data:`STOPPING` is set;
    whatever still runs after ``grace_s`` seconds is abandoned with an immediate exit (0).
    """
    from sim.viz.app import STOPPING
    from sim.viz.chartworker import WORKER

    STOPPING.set()
    WORKER.stop()
    deadline = time.monotonic() + grace_s
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() and not t.daemon for t in threading.enumerate()
           if t is not threading.main_thread()):  # fmt: skip
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


class _Stop(Exception):
    """Raised by SIGINT / SIGTERM once the server has shut down (uvicorn re-raises them)."""


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Make Ctrl+C and SIGTERM a normal end of :func:`serve` (exit status 0).

    uvicorn shuts down gracefully on either signal and then raises it again with the handler it
    found; this one turns that into a clean return instead of a kill or a KeyboardInterrupt.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise _Stop

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _Stop:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
