"""The students' browser app: Mesa's SolaraViz over Ladera's commute model, served offline.

``ladera viz [--city NAME] [--port N]`` serves this module's :func:`Page` with
:func:`sim.viz.server.serve` (offline, loopback, stopped by a signal).

The app is a thin layer: :class:`LaderaViz` turns the page's controls into scenario overrides
(:func:`viz_scenario`), builds the model with :func:`sim.runner.build_model` and steps it; the
drawing is in :mod:`sim.viz.citymap` and :mod:`sim.viz.charts`, laid out by
:mod:`sim.viz.components`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from sim.city import City
from sim.errors import ScenarioError
from sim.interventions import CableLine, RoadUpgrade
from sim.model import CommuteModel
from sim.network.arrays import MultimodalNetwork
from sim.paths import scenarios_root
from sim.runner import build_model, city_of
from sim.scenario import Scenario, load_scenario, with_overrides
from sim.tables import accessibility, home_accessibility

#: Environment variable telling the page which city to show (set by :func:`serve`).
CITY_ENV = "LADERA_VIZ_CITY"
DEFAULT_CITY = "porto_alegre"
#: The scenarios the page offers, by bundled city: control value -> file in
#: :func:`sim.paths.scenarios_root` ``/<city>/`` (the checkout's scenarios/, or the installed copy).
SCENARIO_FILES: dict[str, dict[str, str]] = {
    "porto_alegre": {
        "baseline": "baseline.toml",
        "cable": "cable_morro_da_cruz.toml",
        "road": "road_upgrade.toml",
        "combined": "combined.toml",
    },
    "medellin": {
        "baseline": "baseline_2003.toml",
        "cable": "line_k.toml",
        "road": "road_upgrade_northeast.toml",
    },
}
#: For a folder of scenario files instead of a bundled city: the first file matching each pattern.
SCENARIO_PATTERNS = {
    "baseline": "*baseline*.toml",
    "cable": "*cable*.toml",
    "road": "*road*.toml",
    "combined": "*combined*.toml",
}
#: A small population and coarse destination zones, so a step takes well under a second.
DEFAULT_HOUSEHOLDS = 2000
ZONE_SIZE_M = 2000.0
#: Set when the server stops: a model playing in Mesa's Play thread stops at its next step.
STOPPING = threading.Event()
#: Income classes whose fare the "fare subsidy" control pays a share of.
SUBSIDISED_CLASSES = ("1", "2")


# ------------------------------------------------------------------------------ scenarios
def scenario_files(city: str) -> dict[str, Path]:
    """The page's scenarios for a bundled city name or a folder of scenario files."""
    if city in SCENARIO_FILES:
        folder = scenarios_root() / city
        files = {key: folder / name for key, name in SCENARIO_FILES[city].items()}
        return {key: path for key, path in files.items() if path.is_file()}
    folder = Path(city)
    if folder.is_dir():
        found = {key: sorted(folder.glob(pattern)) for key, pattern in SCENARIO_PATTERNS.items()}
        files = {key: paths[0] for key, paths in found.items() if paths}
        if "baseline" in files:
            return files
    known = ", ".join(SCENARIO_FILES)
    raise ScenarioError(f"the app has no scenarios for `{city}` (cities: {known}; or a folder "
                        "holding a *baseline*.toml scenario)")  # fmt: skip


def viz_scenario(
    path: Path,
    *,
    households: int = DEFAULT_HOUSEHOLDS,
    seed: int = 42,
    cable_fare: float | None = None,
    cabin_interval_s: float | None = None,
    road_capacity_factor: float | None = None,
    fare_subsidy: float = 0.0,
) -> Scenario:
    """The scenario file with the page's controls applied as overrides.

    The cable controls change every ``cable_line`` of the scenario, the road control every
    ``road_upgrade``; a scenario without them ignores them. ``fare_subsidy`` is the share of the
    fare the city pays for :data:`SUBSIDISED_CLASSES` (0 leaves the scenario's own).
    """
    scenario = load_scenario(path)
    overrides: dict[str, Any] = {
        "households": int(households),
        "seed": int(seed),
        "choice.zone_size_m": max(ZONE_SIZE_M, scenario.choice.zone_size_m),
    }
    for item in scenario.interventions:
        key = f"interventions.{item.name}"
        if isinstance(item, CableLine):
            if cable_fare is not None:
                overrides[f"{key}.fare"] = float(cable_fare)
            if cabin_interval_s is not None:
                overrides[f"{key}.cabin_interval_s"] = float(cabin_interval_s)
        if isinstance(item, RoadUpgrade) and road_capacity_factor is not None:
            overrides[f"{key}.capacity_factor"] = float(road_capacity_factor)
    if fare_subsidy > 0:
        overrides["choice.fare_subsidy"] = {c: float(fare_subsidy) for c in SUBSIDISED_CLASSES}
    return with_overrides(scenario, overrides)


_NETWORKS: dict[str, MultimodalNetwork] = {}
_NETWORK_LOCK = threading.Lock()


def base_network(city: City) -> MultimodalNetwork:
    """The city's network before interventions: built (or read from the cache) once per process
    and shared by every Reset and every browser tab."""
    key = str(city.folder)
    with _NETWORK_LOCK:
        if key not in _NETWORKS:
            from sim.network.cache import load_network

            _NETWORKS[key] = load_network(city)
        return _NETWORKS[key]


# ------------------------------------------------------------------------------ the model
@dataclass
class History:
    """Day-by-day series the model's DataCollector does not keep."""

    acc30: list[dict[int, float]] = field(default_factory=list)  # mean per income class
    cable_loads: list[NDArray[np.float64]] = field(default_factory=list)  # peak load per line

    def record(self, model: CommuteModel) -> None:
        acc30 = home_accessibility(model, accessibility(model), "acc30")  # as household_table
        classes = model.households.income_class
        means = {}
        for c in np.unique(classes):
            values = acc30[(classes == c) & ~np.isnan(acc30)]
            means[int(c)] = float(values.mean()) if values.size else float("nan")
        self.acc30.append(means)
        self.cable_loads.append(model.line_loads().copy())


class LaderaViz(mesa.Model):
    """What SolaraViz drives: one scenario's :class:`~sim.model.CommuteModel` and its controls.

    Every keyword is a control of the page; Reset builds a new one from the controls' values.
    ``commute`` is the Ladera model (a step is one simulated morning commute) and ``reports``
    what the scenario's interventions did (with their geometry, drawn on the map).
    """

    def __init__(
        self,
        scenario: str = "baseline",
        cable_fare: float | None = None,
        cabin_interval_s: float | None = None,
        road_capacity_factor: float | None = None,
        fare_subsidy: float = 0.0,
        households: int = DEFAULT_HOUSEHOLDS,
        seed: int = 42,
        city: str = DEFAULT_CITY,
    ) -> None:
        super().__init__(seed=int(seed))
        files = scenario_files(city)
        if scenario not in files:
            raise ScenarioError(f"scenario `{scenario}` is not offered for `{city}` "
                                f"(choose {', '.join(files)})")  # fmt: skip
        self.scenario_key = scenario
        self.scenario = viz_scenario(
            files[scenario], households=households, seed=seed, cable_fare=cable_fare,
            cabin_interval_s=cabin_interval_s, road_capacity_factor=road_capacity_factor,
            fare_subsidy=fare_subsidy,
        )  # fmt: skip
        network = base_network(city_of(self.scenario))
        commute, reports = build_model(self.scenario, base_network=network, agents=True)
        self.commute: CommuteModel = commute
        self.reports: list[dict[str, Any]] = reports
        self.history: History = History()
        self.last_step_s: float | None = None

    @property
    def label(self) -> str:
        return f"{self.commute.city.title}: {self.scenario_key} ({self.scenario.name})"

    @property
    def settings_text(self) -> str:
        """The controls this model was built with, those that apply to its scenario."""
        parts = []
        items = self.scenario.interventions
        currency = self.commute.city.currency
        for item in items:
            if isinstance(item, CableLine):
                parts.append(f"cable fare {item.fare:.2f} {currency}, a cabin every "
                             f"{item.cabin_interval_s:.0f} s")  # fmt: skip
            if isinstance(item, RoadUpgrade):
                parts.append(f"road capacity x{item.capacity_factor:.2f} after "
                             f"+{item.add_lanes:g} lane")  # fmt: skip
        subsidy = self.commute.params.fare_subsidy
        if subsidy:
            shares = ", ".join(f"class {c} {v:.0%}" for c, v in sorted(subsidy.items()))
            parts.append(f"fare subsidy {shares}")
        parts.append(f"seed {self.scenario.seed}")
        return "Settings: " + "; ".join(parts)

    @property
    def map_title(self) -> str:
        return f"{self.scenario.name}, day {self.steps}"

    def step(self) -> None:
        if STOPPING.is_set():  # the server is gone: end Mesa's Play loop
            self.running = False
            return
        start = time.perf_counter()
        self.commute.step()
        self.last_step_s = time.perf_counter() - start
        self.history.record(self.commute)
        self.running = self.commute.running


def control_defaults(city: str) -> dict[str, Any]:
    """The controls' starting values: the city's baseline, its cable line's fare and cabin
    interval, no extra road capacity or subsidy, a small population."""
    files = scenario_files(city)
    fare, interval = 0.0, 10.0
    for path in files.values():
        cables = [i for i in load_scenario(path).interventions if isinstance(i, CableLine)]
        if cables:
            fare, interval = cables[0].fare, cables[0].cabin_interval_s
            break
    return {
        "scenario": "baseline",
        "cable_fare": float(fare),
        "cabin_interval_s": float(interval),
        "road_capacity_factor": 1.0,
        "fare_subsidy": 0.0,
        "households": DEFAULT_HOUSEHOLDS,
        "seed": 42,
        "city": city,
    }


def model_params(city: str) -> dict[str, Any]:
    """The page's controls (and the fixed city): Mesa-style specs, each with a ``unit`` and a
    ``fmt`` so the page can show its value (:func:`control_label`)."""
    d = control_defaults(city)
    currency = city_currency(city)
    slider = {"type": "SliderFloat"}
    return {
        "scenario": {"type": "Select", "value": d["scenario"], "label": "Scenario",
                     "values": list(scenario_files(city))},
        "cable_fare": {**slider, "value": d["cable_fare"], "min": 0.0, "max": 10.0, "step": 0.1,
                       "label": "Cable fare", "unit": currency, "fmt": ".2f"},
        "cabin_interval_s": {**slider, "value": d["cabin_interval_s"], "min": 4.0, "max": 60.0,
                             "step": 1.0, "label": "Cable cabin interval", "unit": "s",
                             "fmt": ".0f"},
        "road_capacity_factor": {**slider, "value": d["road_capacity_factor"], "min": 0.5,
                                 "max": 2.0, "step": 0.05, "label": "Road upgrade capacity gain",
                                 "unit": "x", "fmt": ".2f"},
        "fare_subsidy": {**slider, "value": d["fare_subsidy"], "min": 0.0, "max": 1.0,
                         "step": 0.1, "label": "Fare subsidy, classes 1-2",
                         "unit": "", "fmt": ".0%"},
        "households": {"type": "SliderInt", "value": d["households"], "min": 500, "max": 20000,
                       "step": 500, "label": "Households", "unit": "", "fmt": ","},
        "seed": {"type": "SliderInt", "value": d["seed"], "min": 0, "max": 99, "step": 1,
                 "label": "Seed", "unit": "", "fmt": "d"},
        "city": d["city"],
    }  # fmt: skip


def control_label(spec: dict[str, Any], value: Any) -> str:
    """A control's label with its value and unit, e.g. ``Cable fare: 4.70 BRL``."""
    if "fmt" not in spec:
        return str(spec["label"])
    return f"{spec['label']}: {format(value, spec['fmt'])} {spec.get('unit', '')}".rstrip()


def city_currency(city: str) -> str:
    """The currency of the city the page shows (of its baseline scenario)."""
    return city_of(load_scenario(scenario_files(city)["baseline"])).currency
