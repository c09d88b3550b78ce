"""Starting the browser app for a test: a free port, Debian's chromium and waiting for the server
(shared by the server and studio tests)."""

from __future__ import annotations

import os
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
