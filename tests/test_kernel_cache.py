"""The numba cache is keyed by every kernel source: a change in one file recompiles the kernels
that call it (numba itself would keep a caller's stale cache)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numba

import sim


def test_any_kernel_file_changes_the_hash(tmp_path: Path):
    src = sim.KERNELS
    copy = tmp_path / "kernels"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = sim.kernel_sources_hash(copy)
    assert before == sim.kernel_sources_hash(src)
    layout = copy / "day" / "layout.py"
    layout.write_text(layout.read_text() + "\n# a changed constant elsewhere\n")
    assert sim.kernel_sources_hash(copy) != before
    layout.rename(copy / "day" / "layout2.py")  # a renamed file too
    assert len({before, sim.kernel_sources_hash(copy)}) == 2


def test_kernels_compile_into_the_hashed_folder():
    from sim.kernels.day import run

    folder = sim.numba_cache_folder(os.environ.get("LADERA_NUMBA_BASE") or None)
    assert folder.name == sim.kernel_sources_hash()
    assert str(folder) == numba.config.CACHE_DIR
    assert Path(run._run_pass._cache._cache_path).is_relative_to(folder)


def test_a_users_cache_folder_is_kept_and_hashed_once(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("LADERA_NUMBA_BASE", "NUMBA_CACHE_DIR")}
    env["NUMBA_CACHE_DIR"] = str(tmp_path)
    code = ("import importlib, numba, sim; importlib.reload(sim); "
            "print(numba.config.CACHE_DIR)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()  # fmt: skip
    assert out == str(tmp_path / sim.kernel_sources_hash())
