"""Where Ladera reads from: the folder of city bundles, and the folders a scenario, experiment or
city file may make Ladera read.

City bundles (one ``<name>/city.toml`` each) are found in :func:`cities_root`: a folder passed
in, else ``LADERA_CITIES``, else the ``scenarios/cities`` of the source checkout ``sim`` runs
from, else the bundles installed with the package (the wheel ships ``scenarios/cities`` as
``sim/cities``; see ``setup.py``). The bundled scenario files (``scenarios/<city>/*.toml``, which
the browser app offers) are found in :func:`scenarios_root` the same way: the checkout's
``scenarios/``, else the copy the wheel ships as ``sim/scenarios``.

A file names other files (``extends``, ``city = <path>``, a bundle's ``zones.file``, an
experiment's ``scenarios``); each must resolve (symbolic links followed) inside one of the
allowed roots:

- the naming file's own folder tree;
- the bundled scenarios (:func:`scenarios_root`): a source checkout's ``scenarios/`` tree (which
  holds the bundled cities), so the shipped ``experiments/*.toml`` may name ``../scenarios/...``,
  or the installed copy, so a design saved by the app may extend an installed baseline;
- the folder of city bundles (:func:`cities_root`);
- folders the user names: the folders of the files given on the command line, ``--allow DIR``,
  and ``LADERA_ALLOW`` (folders separated by ``:``), or :func:`allow` from Python.

Anything else is a one-line ScenarioError naming the file, the field and the allowed roots.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from sim.errors import ScenarioError

_ROOT = Path(__file__).resolve().parent.parent
#: The scenarios tree of the source checkout ``sim`` runs from (bundled cities are under
#: ``scenarios/cities``); None for an installed package, which has no such tree.
SCENARIOS_DIR: Path | None = (
    _ROOT / "scenarios"
    if (_ROOT / "pyproject.toml").is_file() and (_ROOT / "scenarios" / "cities").is_dir()
    else None
)
ENV = "LADERA_ALLOW"
#: Environment variable naming the folder of city bundles (overrides the bundled ones).
CITIES_ENV = "LADERA_CITIES"
_ALLOWED: list[Path] = []


def cities_root(cities_dir: Path | str | None = None) -> Path:
    """The folder of city bundles: ``cities_dir`` if given, else ``$LADERA_CITIES``, else a
    source checkout's ``scenarios/cities``, else the bundles installed as ``sim/cities``."""
    if cities_dir is None:
        cities_dir = os.environ.get(CITIES_ENV, "").strip() or None
    if cities_dir is not None:
        return Path(cities_dir).resolve()
    if SCENARIOS_DIR is not None:
        return SCENARIOS_DIR / "cities"
    return Path(str(resources.files("sim") / "cities"))


def scenarios_root() -> Path:
    """The folder of the bundled scenario files, one folder per city (``porto_alegre/``, ...):
    a source checkout's ``scenarios/``, else the copy installed as ``sim/scenarios``."""
    if SCENARIOS_DIR is not None:
        return SCENARIOS_DIR
    return Path(str(resources.files("sim") / "scenarios"))


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


def _shared_roots() -> list[tuple[str, Path]]:
    """The allowed roots besides the naming file's folder and the user's, each with its name."""
    cities = cities_root()
    scenarios = scenarios_root()
    project = [("the project's scenarios", scenarios)]
    if _inside(cities, scenarios):
        return project
    return [*project, ("the city bundles", cities)]


def contained(name: str | Path, naming_file: Path | str, field: str) -> Path:
    """The file ``name`` (relative to ``naming_file``'s folder) resolved, if it is inside an
    allowed root; else a one-line ScenarioError ``<naming_file>: `field` names ...``."""
    naming = Path(naming_file)
    own = naming.resolve().parent
    path = (own / name).resolve()
    shared = _shared_roots()
    roots = [own, *(root for _, root in shared), *user_roots()]
    if any(_inside(path, root) for root in roots):
        return path
    allowed = [f"this file's folder ({own})", *(f"{what} ({root})" for what, root in shared)]
    raise ScenarioError(f"{naming}: `{field}` names {str(name)!r} ({path}), outside the folders "
                        f"Ladera reads from; allowed: {', '.join(allowed)} and folders you name "
                        f"with `--allow DIR` or {ENV}")  # fmt: skip
