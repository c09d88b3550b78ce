"""Starting the browser app for a test: a free port, Debian's chromium and waiting for the server
(shared by the server and studio tests); reading the page's step counter."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINI_SCENARIOS = Path(__file__).parent / "data" / "scenarios"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip


def require_chromium() -> None:
    """Skip without Debian's chromium, except under CI, where ``.ci/run`` installs it and its
    absence is a failure."""
    if CHROMIUM.is_file():
        return
    if os.environ.get("CI"):
        pytest.fail("CI has no /usr/bin/chromium: .ci/run should have installed it")
    pytest.skip("needs Debian's chromium: apt-get install chromium")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(proc: subprocess.Popen, port: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the server did not listen within {timeout:.0f} s:\n{log.read_text()}")


#: The sidebar's step counter (Mesa's ShowSteps).
STEP_COUNTER = re.compile(r"^Step: (\d+)$")


def shown_step(page) -> int:
    """The model's step as the page shows it."""
    text = page.get_by_text(STEP_COUNTER).first.inner_text().strip()
    return int(STEP_COUNTER.match(text).group(1))


def wait_for_step(page, at_least: int, timeout_s: float = 60.0) -> int:
    """Wait until the page's step counter reads ``at_least`` or more; returns the count read.

    While the model plays, each count shows for a fraction of a second. A wait for one exact
    count (``get_by_text("Step: 2")``) misses it whenever the counter moves on between two of
    Playwright's polls (0.5 s apart after the first second) and then waits in vain while the
    model plays on (reproduced on the mini city: the page read "Step: 61" when a wait for
    "Step: 2" timed out), which looks like a Play that does not advance the model.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        step = shown_step(page)
        if step >= at_least:
            return step
        if time.monotonic() > deadline:
            pytest.fail(f"the page's step counter read {step} after {timeout_s:.0f} s, not "
                        f"{at_least} or more")  # fmt: skip
        page.wait_for_timeout(100)
