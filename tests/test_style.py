"""Ruff (lint and format) and mypy, run as tests so CI enforces them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["sim", "tests", "experiments", "scenarios"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _tools():
    for tool in ("ruff", "mypy"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: pip install -e '.[test]'")


def test_ruff_lint():
    proc = run("ruff", "check", *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format():
    proc = run("ruff", "format", "--check", *PATHS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy():
    proc = run("mypy", "sim")
    assert proc.returncode == 0, proc.stdout + proc.stderr
