"""City bundles: the data a city ships under ``scenarios/cities/<name>/``, described by
``city.toml``.

Bundles are looked up by name in a folder of bundles: the ``cities_dir`` argument, else
``LADERA_CITIES``, else the checkout's ``scenarios/cities`` or the installed copy
(:func:`sim.paths.cities_root`).

A bundle names its files (streets, zones, income, transit) relative to its own folder, with the
columns to read and the attribution to print. :func:`load_city` validates the description; the
files themselves are read by :mod:`sim.network` and :mod:`sim.zones` when needed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sim.appraisal_spec import AppraisalSpec
from sim.behaviour import BehaviourSpec
from sim.config import from_dict, read_toml
from sim.demand_spec import DemandSpec
from sim.errors import ScenarioError
from sim.paths import cities_root, contained
from sim.rundir.names import check_name

DEFAULT_CITY = "porto_alegre"


@dataclass(frozen=True)
class CentrelinesSpec:
    """Streets from the city's own centre-line layer (GeoJSON, name and kind per segment), used
    when no OSM extract is bundled or fetched: see :mod:`sim.network.city_streets`."""

    files: tuple[str, ...]
    snap_m: float = 3.0  # dangling ends this close to another line join it
    skeleton: bool = True  # main roads elsewhere from the bus routes' geometry
    connect: bool = True  # connectors to zone centres and stations nothing else reaches
    note: str = ""

    def __post_init__(self) -> None:
        if not self.files:
            raise ScenarioError("`streets.centrelines.files` must name at least one file")
        if not 0 <= self.snap_m <= 20:
            raise ScenarioError("`streets.centrelines.snap_m` must be between 0 and 20 (metres)")


@dataclass(frozen=True)
class StreetsSpec:
    """Street network source: a bundled OSM file, a boundary to fetch with osmnx, or (when
    nothing was fetched) the city's own centre lines."""

    osm: str | None = None
    elevation: str | None = None
    fetch_boundary: str | None = None
    fetched_name: str = "streets.graphml"
    max_station_snap_m: float = 400.0
    centrelines: CentrelinesSpec | None = None

    def __post_init__(self) -> None:
        if self.osm is None and self.fetch_boundary is None and self.centrelines is None:
            raise ScenarioError(
                "`streets` needs `osm` (a bundled file), `fetch_boundary` or `centrelines`"
            )
        if self.max_station_snap_m <= 0:
            raise ScenarioError("`streets.max_station_snap_m` must be > 0")
        check_name(self.fetched_name, "`streets.fetched_name`")  # a file in the cache


@dataclass(frozen=True)
class ZoneJoin:
    """A column joined onto the zones from another CSV by key."""

    file: str
    key: str
    column: str
    field: Literal["population", "jobs", "income", "stratum"]


@dataclass(frozen=True)
class ZonesSpec:
    file: str
    id: str
    lon: str
    lat: str
    population: str | None = None
    jobs: str | None = None
    schools: str | None = None  # schools per zone (destinations of school trips)
    name: str | None = None
    join: tuple[ZoneJoin, ...] = ()
    blank_counts_are_zero: bool = False  # an empty population/jobs cell means 0, not unknown
    # zone polygons: homes are placed on the streets inside them (sim.placement)
    polygons: str | None = None
    polygon_key: str | None = None  # field of the polygon file
    polygon_id: str | None = None  # column of the zone table holding that field's value

    def __post_init__(self) -> None:
        if self.polygons is not None and (self.polygon_key is None or self.polygon_id is None):
            raise ScenarioError("`zones.polygons` needs `polygon_key` and `polygon_id`")


@dataclass(frozen=True)
class IncomeSpec:
    """Where zone income comes from and how households are classed.

    ``kind = "money"``: mean monthly income in the city currency, joined to zones by point in
    polygon (``polygons``/``polygon_key`` + ``table``/``table_key``/``column``); classes are
    city-wide quintiles. ``kind = "estrato"``: the zone's mean estrato (a zone field); classes
    are estratos 1-6, with ``estrato_income`` giving monthly income per estrato.

    ``per`` says whose income the figures are: a household's, or each person's (household
    income per capita, as census tables often give it). Fare and cost burdens are shares of
    it, and the value of time is it per working hour, so reports name it.
    """

    kind: Literal["money", "estrato"]
    polygons: str | None = None
    polygon_key: str | None = None
    table: str | None = None
    table_key: str | None = None
    column: str | None = None
    estrato_income: tuple[float, ...] = ()
    dispersion: float = 0.6  # sd of log income within a zone
    price_factor: float = 1.0  # multiplies the table's incomes into the currency year's prices
    per: Literal["household", "person"] = "household"
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind == "money":
            need = ("polygons", "polygon_key", "table", "table_key", "column")
            missing = [k for k in need if getattr(self, k) is None]
            if missing:
                raise ScenarioError(f"`income` of kind 'money' needs {', '.join(missing)}")
        if self.kind == "estrato" and len(self.estrato_income) != 6:
            raise ScenarioError("`income.estrato_income` must list 6 monthly incomes")
        if self.dispersion < 0:
            raise ScenarioError("`income.dispersion` must be >= 0")
        if self.price_factor <= 0:
            raise ScenarioError("`income.price_factor` must be > 0")


@dataclass(frozen=True)
class GtfsSpec:
    """A GTFS feed. ``peak_frequency_factor`` divides every headway read from it: the rule
    turning an off-peak timetable into peak service (1 for a feed with real peak trips), with
    ``peak_rule_source`` saying where it comes from."""

    file: str
    fare: float | None = None
    fare_system: str | None = None
    vehicle_capacity: float | None = None
    vehicle_capacity_source: str = ""
    peak_frequency_factor: float = 1.0
    peak_rule_source: str = ""

    def __post_init__(self) -> None:
        if not self.peak_frequency_factor > 0:
            raise ScenarioError("`peak_frequency_factor` must be > 0")


@dataclass(frozen=True)
class FareSystemSpec:
    """How a fare system integrates transfers (:class:`sim.network.integration.FareRules`)."""

    name: str
    integrated: bool = True
    bus_to_bus: bool = False
    transfer_walk_m: float = 150.0
    window_min: float = 60.0
    top_up_share: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        if not (self.transfer_walk_m >= 0 and self.window_min > 0):
            raise ScenarioError("`transfer_walk_m` must be >= 0 and `window_min` > 0")
        if not 0 <= self.top_up_share <= 1:
            raise ScenarioError("`top_up_share` must be in [0, 1]")


@dataclass(frozen=True)
class LineFileSpec:
    lines: str
    stations: str
    fares: dict[str, float] = field(default_factory=dict)
    fare_systems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BusRoutesSpec:
    """Bus routes drawn without stops (see :mod:`sim.network.bus_routes` for the rules)."""

    file: str
    fare: float
    fare_system: str = "bus"
    integrated_kinds: tuple[str, ...] = ()  # route kinds in the integrated system
    integrated_fare: float = 0.0
    integrated_fare_system: str = "metro"
    stop_spacing_m: float = 300.0
    station_stop_m: float = 150.0
    headway_s: float = 360.0
    vehicle_capacity: float = 60.0
    speed_mps: float = 6.0
    dwell_s: float = 20.0
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("stop_spacing_m", "station_stop_m", "headway_s", "vehicle_capacity",
                     "speed_mps"):  # fmt: skip
            if not getattr(self, name) > 0:
                raise ScenarioError(f"`transit.bus_routes.{name}` must be > 0")
        for name in ("fare", "integrated_fare", "dwell_s"):
            if getattr(self, name) < 0:
                raise ScenarioError(f"`transit.bus_routes.{name}` must be >= 0")


@dataclass(frozen=True)
class TransitSpec:
    gtfs: tuple[GtfsSpec, ...] = ()
    line_files: tuple[LineFileSpec, ...] = ()
    bus_routes: BusRoutesSpec | None = None
    fare_systems: tuple[FareSystemSpec, ...] = ()


@dataclass(frozen=True)
class CostsSpec:
    """Out-of-pocket costs of private modes, in the city currency."""

    car_per_km: float = 0.6
    motorbike_per_km: float = 0.2
    car_parking: float = 0.0
    motorbike_parking: float = 0.0


@dataclass(frozen=True)
class AccessibilitySpec:
    """The smooth accessibility measure, the default headline: jobs weighted by a decay of
    travel time (:func:`sim.metrics.gravity_accessibility`), so a job at 31 minutes counts
    almost as much as one at 29. ``decay = "exponential"``: ``exp(-beta_per_min t)``;
    ``"logistic"``: ``1 / (1 + exp(pi (t - cutoff_min) / (sd_min sqrt 3)))``."""

    decay: Literal["exponential", "logistic"] = "exponential"
    beta_per_min: float = 0.0337
    cutoff_min: float = 40.0
    sd_min: float = 12.0
    source: str = "default (Porto Alegre's, see its city.toml): state the city's own"

    def __post_init__(self) -> None:
        if not (self.beta_per_min >= 0 and self.cutoff_min > 0 and self.sd_min > 0):
            raise ScenarioError("`accessibility`: `beta_per_min` must be >= 0, `cutoff_min` "
                                "and `sd_min` > 0")  # fmt: skip


@dataclass(frozen=True)
class City:
    name: str
    title: str
    currency: str
    metric_crs: str
    attribution: str
    streets: StreetsSpec
    zones: ZonesSpec
    income: IncomeSpec
    transit: TransitSpec = field(default_factory=TransitSpec)
    costs: CostsSpec = field(default_factory=CostsSpec)
    mode_shares: dict[str, float] = field(default_factory=dict)
    mode_shares_source: str = ""
    observed: str | None = None  # observed figures for calibration and validation (sim.observed)
    household_size: float = 3.0
    currency_year: int = 2020
    demand: DemandSpec | None = None  # peak demand in segments and streams (sim.demand)
    accessibility: AccessibilitySpec = field(default_factory=AccessibilitySpec)
    behaviour: BehaviourSpec | None = None  # values of time and fare support (sim.behaviour)
    appraisal: AppraisalSpec | None = None  # cost-benefit conventions (sim.appraisal)
    folder: Path = Path(".")

    def __post_init__(self) -> None:
        check_name(self.name, "`name` (default: the bundle's folder name)")  # names cache files
        if self.mode_shares:
            total = sum(self.mode_shares.values())
            if abs(total - 1.0) > 1e-6:
                raise ScenarioError(f"`mode_shares` sum to {total:.4f}, not 1; allowed: shares "
                                    "(of morning commute trips) that sum to 1")  # fmt: skip
        if self.household_size <= 0:
            raise ScenarioError("`household_size` must be > 0")
        a = self.appraisal
        if a is not None and (a.currency, a.price_year) != (self.currency, self.currency_year):
            raise ScenarioError(f"`appraisal.currency` and `price_year` ({a.currency}, "
                                f"{a.price_year}) must be the bundle's `currency` and "
                                f"`currency_year` ({self.currency}, {self.currency_year})")  # fmt: skip

    def path(self, name: str) -> Path:
        """Absolute path of a bundle file."""
        return self.folder / name


_BUNDLED = re.compile(r"[\w-]+")


def available_cities(cities_dir: Path | str | None = None) -> list[str]:
    """Names of the bundles in ``cities_dir`` (default: :func:`sim.paths.cities_root`)."""
    return sorted(p.parent.name for p in cities_root(cities_dir).glob("*/city.toml"))


def load_city(
    name_or_path: str | Path = DEFAULT_CITY, *, cities_dir: Path | str | None = None
) -> City:
    """Read and validate a city bundle, by name or by a path to its ``city.toml``.

    Parameters
    ----------
    name_or_path
        A bundle's name (its folder in ``cities_dir``) or the path of a ``city.toml``.
    cities_dir
        The folder of bundles a name is looked up in; default ``LADERA_CITIES``, else the
        checkout's ``scenarios/cities`` or the installed bundles (:func:`sim.paths.cities_root`).
    """
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = cities_root(cities_dir) / str(name_or_path) / "city.toml"
        if not _BUNDLED.fullmatch(str(name_or_path)) or not path.is_file():
            names = available_cities(cities_dir)
            close = difflib.get_close_matches(str(name_or_path), names, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise ScenarioError(
                f"unknown city `{name_or_path}`{hint} (available: {', '.join(names)})"
            )
    data = read_toml(path)
    data.setdefault("name", path.parent.name)
    if "folder" in data:
        raise ScenarioError(f"{path}: key `folder` is set by Ladera, remove it")
    city = from_dict(City, data, source=path)
    city = _with_folder(city, path.parent)
    _check_files(city, path)
    return city


def _with_folder(city: City, folder: Path) -> City:
    from dataclasses import replace

    return replace(city, folder=folder.resolve())


def _check_files(city: City, toml_path: Path) -> None:
    named: list[tuple[str, str | None]] = [
        ("streets.osm", city.streets.osm),
        ("streets.elevation", city.streets.elevation),
        ("streets.fetch_boundary", city.streets.fetch_boundary),
        ("zones.file", city.zones.file),
        ("zones.polygons", city.zones.polygons),
        ("income.polygons", city.income.polygons),
        ("income.table", city.income.table),
        (
            "transit.bus_routes.file",
            city.transit.bus_routes.file if city.transit.bus_routes else None,
        ),
        ("observed", city.observed),
    ]
    if city.streets.centrelines is not None:
        files = city.streets.centrelines.files
        named += [(f"streets.centrelines.files[{i}]", f) for i, f in enumerate(files)]
    named += [(f"zones.join[{i}].file", j.file) for i, j in enumerate(city.zones.join)]
    named += [(f"transit.gtfs[{i}].file", g.file) for i, g in enumerate(city.transit.gtfs)]
    for i, spec in enumerate(city.transit.line_files):
        named += [(f"transit.line_files[{i}].lines", spec.lines)]
        named += [(f"transit.line_files[{i}].stations", spec.stations)]
    for key, value in named:
        if value is None:
            continue
        if not contained(value, toml_path, key).is_file():
            raise ScenarioError(f"{toml_path}: `{key}` names {value!r}, which is not in the bundle; "
                                f"allowed: a file in {city.folder}")  # fmt: skip
