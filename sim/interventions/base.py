"""What every intervention type shares: its capital cost, the registry of types and :func:`apply`.

An intervention type is a frozen dataclass with a ``type`` and a ``name`` field, and a pure
function from a network and an instance to the new network and a report. :func:`register`
binds the two to the scenario's ``type = "..."`` name; :func:`kinds` lists every type the
scenario reader accepts (the built-in ones, then those named by :data:`PLUGINS_ENV`) and
:func:`apply` applies instances in order. The small helpers several types share (a point
inside the city, a GeoJSON line) live here too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.abc
import importlib.util
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from sim.errors import ScenarioError
from sim.network.arrays import MultimodalNetwork, NodeKind

#: Environment variable naming Python files, or folders of them, that register more
#: intervention types (separated by ``os.pathsep``); read when the types are first looked up.
PLUGINS_ENV = "LADERA_INTERVENTIONS"
_PREFIX = "ladera_intervention_"  # of the module names plugin files are imported as

ApplyFn = Callable[[MultimodalNetwork, Any], tuple[MultimodalNetwork, dict[str, Any]]]
F = TypeVar("F", bound=ApplyFn)


@dataclass(frozen=True)
class Capex:
    """Capital cost of an intervention, and what the appraisal needs beside it.

    ``profile``: shares of ``amount`` spent in each construction year (summing to 1; empty =
    all in the first year). ``life_years``: asset life for the straight-line residual value
    (0 = the city's default for the intervention type). ``om_per_year``: operating and
    maintenance cost a year (NaN = the city's default: a cable's per km, else none).
    """

    amount: float = 0.0
    currency: str = ""
    year: int = 0
    source: str = ""
    profile: tuple[float, ...] = ()
    life_years: float = 0.0
    om_per_year: float = math.nan
    om_source: str = ""

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ScenarioError(f"`capex.amount` must be >= 0, not {self.amount}")
        if self.profile and (min(self.profile) < 0 or abs(sum(self.profile) - 1) > 1e-6):
            raise ScenarioError(f"`capex.profile` must be shares >= 0 summing to 1, not "
                                f"{list(self.profile)}")  # fmt: skip
        if len(self.profile) > 20:
            raise ScenarioError("`capex.profile` may span at most 20 construction years")
        if not (math.isfinite(self.life_years) and self.life_years >= 0):
            raise ScenarioError(f"`capex.life_years` must be >= 0, not {self.life_years}")
        if not math.isnan(self.om_per_year) and not (
            math.isfinite(self.om_per_year) and self.om_per_year >= 0
        ):
            raise ScenarioError(f"`capex.om_per_year` must be >= 0, not {self.om_per_year}")


class Intervention(Protocol):
    """What every intervention has: its ``type`` (the registered name) and its ``name``.

    Optional attributes :func:`apply` reads: ``capex`` (a :class:`Capex`, reported) and
    ``fare_subsidy`` (income class -> share of the fare paid, handed to the model).
    """

    @property
    def type(self) -> str: ...

    @property
    def name(self) -> str: ...


# ------------------------------------------------------------------------------ the registry
@dataclass(frozen=True)
class Kind:
    """A registered intervention type: its ``type`` name, dataclass and apply function."""

    name: str
    cls: type
    apply: ApplyFn


_KINDS: dict[str, Kind] = {}  # by type name, in the order registered
_BY_CLASS: dict[type, Kind] = {}


def register(name: str, cls: type) -> Callable[[F], F]:
    """Decorator: the decorated function applies dataclass ``cls``, scenario type ``name``.

    The function takes the network and an instance and returns the new network and a report
    (a JSON-able dict; its ``geometry``, if any, a GeoJSON geometry). A name is registered
    once: a second registration (even of the same file imported twice) is an error.
    """
    if not dataclasses.is_dataclass(cls) or not {"type", "name"} <= {
        f.name for f in dataclasses.fields(cls)
    }:
        raise TypeError(f"intervention type `{name}`: {cls!r} must be a dataclass with fields "
                        "`type` and `name`")  # fmt: skip

    def decorator(fn: F) -> F:
        if name in _KINDS:
            other = _KINDS[name].cls
            raise ScenarioError(f"intervention type `{name}` is registered twice: by "
                                f"{other.__module__}.{other.__qualname__} and by "
                                f"{cls.__module__}.{cls.__qualname__}")  # fmt: skip
        kind = Kind(name, cls, fn)
        _KINDS[name] = kind
        _BY_CLASS[cls] = kind
        return fn

    return decorator


def kinds() -> dict[str, type]:
    """Every intervention type the scenario reader accepts: ``type`` name -> dataclass.

    The built-in types come first, in the order of the README's table; then those registered
    by the files :data:`PLUGINS_ENV` names (imported here, :func:`load_plugins`).
    """
    load_plugins()
    return {name: kind.cls for name, kind in _KINDS.items()}


def load_plugins() -> None:
    """Import the Python files, and the ``*.py`` files of the folders, :data:`PLUGINS_ENV`
    names (in the order given, a folder's files by name); each is imported once a process."""
    for module_name in plugin_files():
        importlib.import_module(module_name)


def plugin_files() -> dict[str, Path]:
    """The files :data:`PLUGINS_ENV` names, by the module name each is imported as: the
    file's name and a digest of its full path (two files of the same name may both be used)."""
    out = {}
    for part in (p.strip() for p in os.environ.get(PLUGINS_ENV, "").split(os.pathsep)):
        if not part:
            continue
        path = Path(part).expanduser().resolve()
        if path.is_dir():
            files = sorted(path.glob("*.py"))
        elif path.is_file() and path.suffix == ".py":
            files = [path]
        else:
            raise ScenarioError(f"environment variable {PLUGINS_ENV} names {part!r}; allowed: "
                                f"Python files or folders of them, separated by "
                                f"{os.pathsep!r}")  # fmt: skip
        for file in files:
            stem = re.sub(r"\W", "_", file.stem)
            digest = hashlib.sha1(str(file).encode()).hexdigest()[:8]
            out[f"{_PREFIX}{stem}_{digest}"] = file
    return out


class _PluginFinder(importlib.abc.MetaPathFinder):
    """Finds the modules :func:`plugin_files` names. Through it a process that has not read
    a scenario yet (a batch worker unpickling one) imports a plugin type when it meets it."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not fullname.startswith(_PREFIX):
            return None
        file = plugin_files().get(fullname)
        return None if file is None else importlib.util.spec_from_file_location(fullname, file)


sys.meta_path.append(_PluginFinder())


# ------------------------------------------------------------------------------ applying
@dataclass
class Applied:
    """The result of applying interventions."""

    network: MultimodalNetwork
    fare_subsidy: dict[str, float] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)


def apply(net: MultimodalNetwork, interventions: tuple[Intervention, ...]) -> Applied:
    """Apply interventions in order. Raises :class:`ScenarioError` naming the intervention."""
    out = Applied(network=net)
    for item in interventions:
        fn = _BY_CLASS[type(item)].apply
        out.network, report = fn(out.network, item)
        report = {"type": item.type, "name": item.name, **report}
        capex = getattr(item, "capex", None)
        if capex is not None:
            report["capex"] = capex.amount
            report["capex_currency"] = capex.currency
            report["capex_year"] = capex.year
            report["capex_profile"] = list(capex.profile)
            report["life_years"] = capex.life_years
            report["om_per_year"] = None if math.isnan(capex.om_per_year) else capex.om_per_year
            report["om_source"] = capex.om_source
        subsidy = getattr(item, "fare_subsidy", None)
        if subsidy is not None:
            out.fare_subsidy.update(subsidy)
        out.reports.append(report)
    return out


# ------------------------------------------------------------------------------ shared helpers
def line_geojson(lon: NDArray, lat: NDArray) -> dict[str, Any]:
    """A GeoJSON LineString through the given points."""
    coords = [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]
    return {"type": "LineString", "coordinates": coords}


def check_in_bbox(net: MultimodalNetwork, lon: NDArray, lat: NDArray, what: str) -> None:
    """Every point must lie in the box of the city's streets; else an error naming ``what``."""
    street = np.isin(net.node_kind, [NodeKind.WALK, NodeKind.DRIVE])
    x0, x1 = net.x[street].min(), net.x[street].max()
    y0, y1 = net.y[street].min(), net.y[street].max()
    bad = ~((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ScenarioError(f"{what}: point {i + 1} ({lon[i]:.5f}, {lat[i]:.5f}) is outside the "
                            f"city (lon {x0:.4f}..{x1:.4f}, lat {y0:.4f}..{y1:.4f})")  # fmt: skip
