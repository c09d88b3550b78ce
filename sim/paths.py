"""Containment: the folders a scenario, experiment or city file may make Ladera read.

A file names other files (``extends``, ``city = <path>``, a bundle's ``zones.file``, an
experiment's ``scenarios``); each must resolve (symbolic links followed) inside one of the
allowed roots:

- the naming file's own folder tree;
- the project's ``scenarios/`` tree (which holds the bundled cities), so the shipped
  ``experiments/*.toml`` may name ``../scenarios/...``;
- folders the user names: the folders of the files given on the command line, ``--allow DIR``,
  and ``LADERA_ALLOW`` (folders separated by ``:``), or :func:`allow` from Python.

Anything else is a one-line ScenarioError naming the file, the field and the allowed roots.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.errors import ScenarioError

#: The project's scenarios tree (bundled cities are under ``scenarios/cities``).
SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
ENV = "LADERA_ALLOW"
_ALLOWED: list[Path] = []


def allow(*folders: Path | str) -> None:
    """Add folders the user named to the allowed roots (for this process)."""
    for folder in folders:
        path = Path(folder).resolve()
        if path not in _ALLOWED:
            _ALLOWED.append(path)


def user_roots() -> list[Path]:
    """The folders the user allowed: :func:`allow` and ``LADERA_ALLOW``."""
    env = [Path(p).resolve() for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]
    return [*_ALLOWED, *env]


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def contained(name: str | Path, naming_file: Path | str, field: str) -> Path:
    """The file ``name`` (relative to ``naming_file``'s folder) resolved, if it is inside an
    allowed root; else a one-line ScenarioError ``<naming_file>: `field` names ...``."""
    naming = Path(naming_file)
    own = naming.resolve().parent
    path = (own / name).resolve()
    roots = [own, SCENARIOS_DIR, *user_roots()]
    if any(_inside(path, root) for root in roots):
        return path
    raise ScenarioError(f"{naming}: `{field}` names {str(name)!r} ({path}), outside the folders "
                        f"Ladera reads from; allowed: this file's folder ({own}), the project's "
                        f"scenarios ({SCENARIOS_DIR}) and folders you name with `--allow DIR` or "
                        f"{ENV}")  # fmt: skip
