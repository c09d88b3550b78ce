"""The numba kernels, and where their compiled code is cached.

Numba invalidates a cached function only when its own source file changes, not when a function
it calls, or a constant it reads, from another file does. After an update that changed
``sim/kernels/day/choice.py`` but not ``run.py``, the cached ``run.py`` kernel would go on
running the old choice code, silently. So the cache lives in a folder named by a hash of every
kernel source file: ``$NUMBA_CACHE_DIR`` (default ``~/.cache/ladera/numba``) / ``<hash>``. Any
change to any kernel compiles everything afresh; an unchanged tree reuses its cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

#: The environment variable a user sets to move the cache (numba's own).
ENV = "NUMBA_CACHE_DIR"


def sources_hash(root: Path = Path(__file__).parent) -> str:
    """SHA-256 (16 hex digits) of the kernel sources' relative paths and bytes."""
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def cache_folder(base: str | None = None) -> Path:
    """Where this tree's kernels are cached: ``base`` (default ``$NUMBA_CACHE_DIR`` as the
    user set it, else ``~/.cache/ladera/numba``) / the sources' hash."""
    root = Path(base) if base else Path.home() / ".cache" / "ladera" / "numba"
    return root / sources_hash()


def _use_hashed_cache() -> None:
    user = os.environ.get("LADERA_NUMBA_BASE", os.environ.get(ENV, ""))
    # remember the user's base, so a second import (a worker process) does not nest hashes
    os.environ["LADERA_NUMBA_BASE"] = user
    os.environ[ENV] = str(cache_folder(user or None))
    numba.config.reload_config()


_use_hashed_cache()
