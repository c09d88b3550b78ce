"""A damaged network cache heals: an unreadable entry (truncated, empty) is reported in one line,
removed, rebuilt and written again by whatever command meets it; ``network info --rebuild``
replaces the entry. Real subprocesses on a private copy of the cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini_city" / "city.toml"
BASE = DATA / "scenarios" / "mini_baseline.toml"
SMALL = ("--households", "300", "--days", "2")

pytestmark = pytest.mark.timeout(600)


def ladera(*args: str, env: dict[str, str] | None = None, timeout: float = 600, **kw):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, **kw)  # fmt: skip


# ------------------------------------------------------------------------------ 1: the cache
@pytest.fixture()
def cache(tmp_path: Path, mini_network) -> Path:
    """A private copy of the session's network cache (which holds the mini city)."""
    copy = tmp_path / "cache"
    shutil.copytree(os.environ["LADERA_CACHE_DIR"], copy)
    return copy


def entry_of(cache: Path) -> Path:
    (entry,) = (cache / "networks").glob("mini_city-*.npz")
    return entry


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_an_unreadable_cache_entry_is_reported_removed_rebuilt_and_rewritten(
    damage: str, cache: Path, tmp_path: Path
):
    entry = entry_of(cache)
    if damage == "truncated":
        with entry.open("r+b") as fh:
            fh.truncate(entry.stat().st_size // 2)
    else:
        entry.write_bytes(b"")
    env = {"LADERA_CACHE_DIR": str(cache)}
    proc = ladera("run", str(BASE), *SMALL, "--results", str(tmp_path / "out"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    warned = [ln for ln in proc.stderr.splitlines() if "unreadable network cache entry" in ln]
    assert len(warned) == 1 and warned[0].startswith(f"ladera: warning: {entry}: ")
    assert "removed, rebuilding it" in warned[0]
    with np.load(entry) as arrays:  # rewritten, whole
        assert "indptr" in arrays.files
    again = ladera("network", "info", "--city", str(MINI), env=env)  # healed: no warning now
    assert (
        again.returncode == 0
        and "unreadable" not in again.stderr
        and "building" not in again.stderr
    )


def test_network_info_rebuild_replaces_the_entry(cache: Path):
    entry = entry_of(cache)
    entry.write_bytes(b"PK\x03\x04 not really a zip")
    before = entry.stat()
    proc = ladera("network", "info", "--city", str(MINI), "--rebuild",
                  env={"LADERA_CACHE_DIR": str(cache)})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "cache      rebuilt (" in proc.stdout
    after = entry.stat()
    assert (after.st_ino, after.st_size) != (before.st_ino, before.st_size)
    assert zipfile.is_zipfile(entry)
