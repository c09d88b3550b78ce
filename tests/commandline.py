"""Running ``ladera`` in a subprocess and checking its one-line errors (shared by the command-line
tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def ladera(
    *args: str, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ.copy(),
        timeout=timeout,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    notes = ("ladera: warning", "ladera: note")  # e.g. "building the network" on a cache miss
    err = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith(notes)]
    assert len(err) == 1, proc.stderr
    assert err[0].startswith("ladera: error: ")
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in err[0]
