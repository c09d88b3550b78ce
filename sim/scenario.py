"""Scenarios: a city, a population, behaviour parameters and a list of interventions, as TOML.

```toml
name = "cable_morro_da_cruz"
city = "porto_alegre"
households = 20000
days = 30
seed = 42

[choice]               # optional overrides of sim.choice.ChoiceParams
vot_factor = 1.0

[[interventions]]
type = "cable_line"
name = "Morro da Cruz"
stations = [[-51.1620, -30.0750], [-51.1700, -30.0670], [-51.1780, -30.0600]]
capex = { amount = 150e6, currency = "BRL", year = 2024 }
```
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from sim.choice import ChoiceParams
from sim.config import from_dict, read_toml
from sim.errors import ScenarioError
from sim.interventions import Intervention, kinds
from sim.limits import check_limit
from sim.paths import contained
from sim.rundir.names import check_name

#: Where each intervention of a scenario is declared: (file, index in that file's list).
Origins = list[tuple[Path, int]]


@dataclass(frozen=True)
class Scenario:
    name: str
    city: str = "porto_alegre"
    households: int = 20_000
    days: int = 30  # learning: days simulated
    seed: int = 42
    description: str = ""
    baseline: str | None = None  # the scenario file this one is compared against
    # "equilibrium": solve the mode and route choice equilibrium to `choice.gap_tolerance`
    # (appraisal); "learning": simulate `days` days of day-to-day learning (dynamics)
    solver: Literal["equilibrium", "learning"] = "equilibrium"
    # learning: stop before `days` once the relative gap and switching are below
    # choice.tolerance; off by default so that compared scenarios run the same number of days
    stop_early: bool = False
    choice: ChoiceParams = field(default_factory=ChoiceParams)
    interventions: tuple[Intervention, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "`name`", reserved=True)  # it names the run's folder
        if self.households <= 0:
            raise ScenarioError(f"`households` must be a positive integer, not {self.households}")
        if self.days <= 0:
            raise ScenarioError(f"`days` must be a positive integer, not {self.days}")
        if self.seed < 0:
            raise ScenarioError(f"`seed` must be >= 0, not {self.seed}")
        check_limit("households", self.households, "`households`")
        check_limit("days", self.days, "`days`")
        names = [i.name for i in self.interventions]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ScenarioError(f"interventions share a name: {', '.join(sorted(dup))}; allowed: "
                                "one intervention per name")  # fmt: skip

    @property
    def capex(self) -> float:
        return float(sum(i.capex.amount for i in self.interventions if hasattr(i, "capex")))

    def intervention(self, name: str) -> Intervention:
        for item in self.interventions:
            if item.name == name:
                return item
        raise ScenarioError(f"scenario `{self.name}` has no intervention named `{name}`")


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file.

    A scenario may start from another with ``extends = "baseline.toml"`` (relative to its own
    file): it takes every key of that file, its own keys win, tables such as ``[choice]`` merge
    key by key, and its interventions come after the base's. The base file is validated on its
    own first, so an error in it names it, and an intervention's error names the file that
    declares it and its index there.
    """
    path = Path(path)
    data, origins = _read_with_base(path, seen=())
    if not data.get("interventions"):
        data.pop("interventions", None)
    if not data:
        allowed = ", ".join(f.name for f in fields(Scenario) if f.name != "source")
        raise ScenarioError(f"{path}: the scenario sets nothing (an empty file would run every "
                            f"default); allowed keys: extends, {allowed}")  # fmt: skip
    data.setdefault("name", path.stem)
    return scenario_from_dict(data, source=path, origins=origins)


def _read_with_base(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, Any], Origins]:
    """The file's table merged over its base's, and where each intervention comes from."""
    data = read_toml(path)
    own = data.get("interventions", [])
    if not isinstance(own, list):
        raise ScenarioError(f"{path}: `interventions` must be an array of tables")
    origins: Origins = [(path, j) for j in range(len(own))]
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, origins
    if not isinstance(base_name, str):
        raise ScenarioError(f"{path}: `extends` must be a file name (string)")
    base_path = contained(base_name, path, "extends")
    if base_path in seen or base_path == path.resolve():
        raise ScenarioError(f"{path}: `extends` makes a cycle through {base_name}; allowed: a "
                            "chain of scenario files that ends")  # fmt: skip
    if not base_path.is_file():
        raise ScenarioError(f"{path}: `extends`: no file {base_path}; allowed: a scenario file, "
                            "relative to this file's folder")  # fmt: skip
    base, base_origins = _read_with_base(base_path, (*seen, path.resolve()))
    # the base must be a valid scenario on its own: its errors name it, not this file
    scenario_from_dict({"name": base_path.stem, **base}, source=base_path, origins=base_origins)
    base.pop("name", None)
    base.pop("description", None)
    merged = {**base, **data}
    for key in ("choice",):
        if isinstance(base.get(key), dict) and isinstance(data.get(key), dict):
            merged[key] = {**base[key], **data[key]}
    merged["interventions"] = [*base.get("interventions", []), *own]
    return merged, [*base_origins, *origins]


def intervention_origin(scenario: Scenario, i: int) -> tuple[str, int]:
    """The file that declares ``scenario.interventions[i]`` and its index in that file.

    Differs from ``(scenario.source, i)`` when the scenario ``extends`` another file.
    """
    source = scenario.source or scenario.name
    if scenario.source and Path(scenario.source).is_file():
        try:
            _, origins = _read_with_base(Path(scenario.source), seen=())
        except ScenarioError:
            origins = []
        if len(origins) == len(scenario.interventions):
            return str(origins[i][0]), origins[i][1]
    return source, i


def scenario_from_dict(
    data: dict[str, Any], *, source: Path | str, origins: Origins | None = None
) -> Scenario:
    data = dict(data)
    if "source" in data:
        raise ScenarioError(f"{source}: key `source` is set by Ladera, remove it")
    items = data.pop("interventions", [])
    if not isinstance(items, list):
        raise ScenarioError(f"{source}: `interventions` must be an array of tables")
    if origins is None or len(origins) != len(items):
        origins = [(Path(source), i) for i in range(len(items))]
    interventions = tuple(
        _intervention(item, j, file) for item, (file, j) in zip(items, origins, strict=True)
    )
    _check_unique_names(interventions, origins)
    scenario = from_dict(Scenario, data, source=source)
    return replace(scenario, interventions=interventions, source=str(source))


def _check_unique_names(interventions: tuple[Intervention, ...], origins: Origins) -> None:
    """Interventions are found by name (overrides, reports): a repeated one names both places."""
    first: dict[str, tuple[Path, int]] = {}
    for item, (file, j) in zip(interventions, origins, strict=True):
        if item.name in first:
            other, k = first[item.name]
            also = f"[interventions[{k}]]" + ("" if Path(other) == Path(file) else f" of {other}")
            raise ScenarioError(f"{file}: [interventions[{j}]] `name` {item.name!r} is also the "
                                f"name of {also}; allowed: a name no other intervention of the "
                                "scenario has")  # fmt: skip
        first[item.name] = (file, j)


def _intervention(item: Any, i: int, source: Path | str) -> Intervention:
    table = f"interventions[{i}]"
    known = kinds()
    if not isinstance(item, dict) or "type" not in item:
        raise ScenarioError(f"{source}: [{table}] needs a `type` ({', '.join(known)})")
    kind = item["type"]
    if kind not in known:
        close = difflib.get_close_matches(str(kind), list(known), n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        raise ScenarioError(f"{source}: [{table}] unknown type `{kind}`{hint} "
                            f"(allowed: {', '.join(known)})")  # fmt: skip
    return from_dict(known[kind], item, source=source, table=f"{table} ({kind})")


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A copy with dotted-path values replaced, e.g. ``{"choice.vot_factor": 1.2,
    "interventions.Morro da Cruz.fare": 0.0, "households": 5000}``.

    Paths must exist: a misspelt one is an error naming the closest valid key.
    """
    for key, value in overrides.items():
        scenario = _override(scenario, key, value)
    return scenario


def _override(scenario: Scenario, key: str, value: Any) -> Scenario:
    parts = key.split(".")
    src = scenario.source or scenario.name
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"{src}: `{key}` is {value}; allowed: a finite number")
    if parts[0] == "interventions":
        if len(parts) < 3:
            raise ScenarioError(f"{src}: `{key}`: use interventions.<name>.<field>")
        name = ".".join(parts[1:-1])
        item = scenario.intervention(name)
        new_item = _set_field(item, parts[-1], value, f"{src}: `{key}`")
        items = tuple(new_item if i is item else i for i in scenario.interventions)
        return replace(scenario, interventions=items)
    if parts[0] == "choice" and len(parts) >= 2:
        return replace(scenario, choice=_set_path(scenario.choice, parts[1:], value, src, key))
    if len(parts) == 1:
        return _set_field(scenario, parts[0], value, f"{src}: `{key}`")
    raise ScenarioError(f"{src}: `{key}` is not a scenario parameter")


def _set_path(obj: Any, parts: list[str], value: Any, src: str, key: str) -> Any:
    if len(parts) == 1:
        return _set_field(obj, parts[0], value, f"{src}: `{key}`")
    current = getattr(obj, parts[0], None)
    if isinstance(current, dict):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{src}: `{key}`: must be a number, not {value!r}")
        return replace(obj, **{parts[0]: {**current, parts[1]: float(value)}})
    raise ScenarioError(f"{src}: `{key}` is not a scenario parameter")


def _set_field(obj: Any, name: str, value: Any, where: str) -> Any:
    names = [f.name for f in fields(obj)]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        raise ScenarioError(f"{where}: no field `{name}`{hint}")
    current = getattr(obj, name)
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if current is not None and not isinstance(value, type(current)):
        raise ScenarioError(f"{where}: must be {type(current).__name__}, not {value!r}")
    try:
        return replace(obj, **{name: value})
    except ScenarioError as exc:
        text = str(exc)  # "`days` must be ..." already names the field: name it once
        head = where.rsplit(": ", 1)[0] if text.startswith(f"`{name}`") else where
        raise ScenarioError(f"{head}: {text}") from None
