"""Ladera: an agent-based model of inclusive urban transport investment.

The public API, imported lazily so that ``ladera --help`` stays instant::

    from sim import CommuteModel, load_scenario, run_scenario
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
from pathlib import Path
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "CommuteModel": "sim.model",
    "ChoiceParams": "sim.choice",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "with_overrides": "sim.scenario",
    "run_scenario": "sim.runner",
    "build_model": "sim.runner",
    "load_city": "sim.city",
    "load_network": "sim.network.cache",
    "MultimodalNetwork": "sim.network.arrays",
    "compare": "sim.report",
    "run_batch": "sim.batch",
    "LaderaError": "sim.errors",
    "ScenarioError": "sim.errors",
    "DataError": "sim.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


# ------------------------------------------------------------------ the numba cache
#: The environment variable that moves numba's cache (numba's own), and ours that remembers
#: the base a user chose, so a second import (a worker process) does not nest the hash.
NUMBA_ENV, BASE_ENV = "NUMBA_CACHE_DIR", "LADERA_NUMBA_BASE"
KERNELS = Path(__file__).parent / "kernels"


def kernel_sources_hash(root: Path = KERNELS) -> str:
    """SHA-256 (16 hex digits) of the kernel sources' relative paths and bytes."""
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def numba_cache_folder(base: str | None = None) -> Path:
    """Where this tree's kernels are cached: ``base`` (default ``~/.cache/ladera/numba``) /
    the kernel sources' hash."""
    root = Path(base) if base else Path.home() / ".cache" / "ladera" / "numba"
    return root / kernel_sources_hash()


def use_hashed_cache() -> None:
    """Cache the kernels in a folder named by the hash of every kernel source.

    Numba invalidates a cached function only when its own source file changes, not when a
    function it calls, or a constant it reads, from another file does: after an update that
    changed ``sim/kernels/day/choice.py`` but not ``run.py``, the cached ``run.py`` kernel went
    on running the old choice code, silently. Keyed by the hash, any change to any kernel
    compiles them all afresh; an unchanged tree reuses its cache. ``$NUMBA_CACHE_DIR``, when a
    user sets it, is the base the hash folder goes under."""
    user = os.environ.get(BASE_ENV, os.environ.get(NUMBA_ENV, ""))
    os.environ[BASE_ENV] = user
    os.environ[NUMBA_ENV] = str(numba_cache_folder(user or None))
    if "numba" in sys.modules:  # imported before us: make it read the variable again
        sys.modules["numba"].config.reload_config()


use_hashed_cache()
