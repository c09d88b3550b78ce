"""``ladera viz`` as a server: its address, its errors, Play and how it stops.

The address checks run the command line and stop before the server starts. The browser tests
start the app on the mini city and open it in Debian's chromium: Play, pressed first on the
fresh page, must advance the model day after day and Pause stop it; and with the model playing,
SIGTERM or SIGINT must end the process (before, Mesa's Play thread kept it alive after
"stopped"), and its chart worker with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MINI_SCENARIOS,
    ROOT,
    free_port,
    require_chromium,
    shown_step,
    wait_for_step,
    wait_listening,
)

pytestmark = pytest.mark.viz


def ladera(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip


def test_loopback_addresses():
    from sim.viz.server import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.1.1"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.org"))


@pytest.mark.parametrize("port", ["70000", "0", "-1"])
def test_port_outside_range_is_one_line(port):
    proc = ladera("viz", "--port", port)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"ladera: error: argument --port: port {port} is outside 1-65535 (see `ladera viz --help`)"
    ]


def test_port_in_use_is_one_line_and_host_warns():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        loop = ladera("viz", "--city", str(MINI_SCENARIOS), "--port", str(port))
        public = ladera("viz", "--city", str(MINI_SCENARIOS), "--port", str(port),
                        "--host", "0.0.0.0")  # fmt: skip
    assert loop.returncode == 2 and "Traceback" not in loop.stderr, loop.stderr
    assert loop.stderr.strip().splitlines() == [
        f"ladera: error: port {port} on 127.0.0.1 is in use: choose another with --port"
    ]
    lines = public.stderr.strip().splitlines()
    assert public.returncode == 2 and len(lines) == 2, public.stderr
    assert lines[0].startswith("ladera: warning: `--host 0.0.0.0` serves the app to other")
    assert lines[1].startswith(f"ladera: error: port {port} on 0.0.0.0 is in use")


@contextlib.contextmanager
def _mini_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int, Path]]:
    """``ladera viz`` on the mini city, listening: yields (process, port, log file); kills a
    process still running on leaving (a test that expects it to stop checks that first)."""
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "viz", "--city", str(MINI_SCENARIOS), "--port",
             str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_listening(proc, port, log, timeout=180)
        yield proc, port, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _chart_workers(parent: int) -> list[int]:
    """The chart worker processes (``sim.viz.chartworker``) the process ``parent`` started."""
    found = []
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            command = (folder / "cmdline").read_bytes()
            ppid = int((folder / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
        if ppid == parent and b"sim.viz.chartworker" in command:
            found.append(int(folder.name))
    return found


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _fresh_page(browser, port: int):
    """A new page on the app, once it shows the model at step 0."""
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{port}/")
    page.get_by_text("Step: 0", exact=True).wait_for(timeout=90_000)
    return page


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_play_alone_plays_a_fresh_app(mini_network, tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    with _mini_server(tmp_path) as (proc, port, log), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = _fresh_page(browser, port)
            page.get_by_role("button", name="▶", exact=True).click()  # Play, the first press
            wait_for_step(page, 2)
            page.get_by_role("button", name="❚❚", exact=True).click()  # Pause
            page.get_by_role("button", name="▶", exact=True).wait_for(timeout=30_000)
            paused = shown_step(page)
            page.wait_for_timeout(1500)
            # Mesa ends the loop after the day under way, if any: one more at most
            assert paused <= shown_step(page) <= paused + 1
        finally:
            browser.close()
        proc.terminate()
        proc.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_a_playing_server(mini_network, tmp_path, signum):
    require_chromium()
    from playwright.sync_api import sync_playwright

    with _mini_server(tmp_path) as (proc, port, log), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = _fresh_page(browser, port)
            page.get_by_role("button", name="▶", exact=True).click()  # Play: Mesa's thread
            wait_for_step(page, 2)
            workers = _chart_workers(proc.pid) if Path("/proc/self/stat").exists() else None
            proc.send_signal(signum)
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pytest.fail(f"the server did not stop on {signum.name}:\n{log.read_text()}")
        finally:
            browser.close()
    text = log.read_text()
    assert code == 0, text
    assert "ladera viz: stopped" in text
    assert "Traceback" not in text, text
    if workers is not None:  # Linux: the chart worker ran and is gone with the server
        assert len(workers) == 1, workers
        deadline = time.monotonic() + 10
        while not _gone(workers[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(workers[0]), f"the chart worker {workers[0]} outlived the server"
