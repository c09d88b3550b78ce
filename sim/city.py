"""City bundles: the data a city ships under ``scenarios/cities/<name>/``, described by
``city.toml``.

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

from sim.config import from_dict, read_toml
from sim.errors import ScenarioError
from sim.outputs import check_name
from sim.paths import contained

#: Where the bundled cities live, relative to the repository root.
CITIES_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "cities"
DEFAULT_CITY = "porto_alegre"


@dataclass(frozen=True)
class StreetsSpec:
    """Street network source: a bundled OSM file, or a boundary to fetch with osmnx."""

    osm: str | None = None
    elevation: str | None = None
    fetch_boundary: str | None = None
    fetched_name: str = "streets.graphml"
    max_station_snap_m: float = 400.0

    def __post_init__(self) -> None:
        if self.osm is None and self.fetch_boundary is None:
            raise ScenarioError("`streets` needs `osm` (a bundled file) or `fetch_boundary`")
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
    name: str | None = None
    join: tuple[ZoneJoin, ...] = ()
    blank_counts_are_zero: bool = False  # an empty population/jobs cell means 0, not unknown


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
    file: str
    fare: float | None = None
    fare_system: str | None = None
    vehicle_capacity: float | None = None


@dataclass(frozen=True)
class LineFileSpec:
    lines: str
    stations: str
    fares: dict[str, float] = field(default_factory=dict)
    fare_systems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransitSpec:
    gtfs: tuple[GtfsSpec, ...] = ()
    line_files: tuple[LineFileSpec, ...] = ()
    bus_routes: str | None = None


@dataclass(frozen=True)
class CostsSpec:
    """Out-of-pocket costs of private modes, in the city currency."""

    car_per_km: float = 0.6
    motorbike_per_km: float = 0.2
    car_parking: float = 0.0
    motorbike_parking: float = 0.0


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
    household_size: float = 3.0
    currency_year: int = 2020
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

    def path(self, name: str) -> Path:
        """Absolute path of a bundle file."""
        return self.folder / name


_BUNDLED = re.compile(r"[\w-]+")


def available_cities() -> list[str]:
    return sorted(p.parent.name for p in CITIES_DIR.glob("*/city.toml"))


def load_city(name_or_path: str | Path = DEFAULT_CITY) -> City:
    """Read and validate a city bundle, by bundled name or by a path to its ``city.toml``."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = CITIES_DIR / str(name_or_path) / "city.toml"
        if not _BUNDLED.fullmatch(str(name_or_path)) or not path.is_file():
            names = available_cities()
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
        ("income.polygons", city.income.polygons),
        ("income.table", city.income.table),
        ("transit.bus_routes", city.transit.bus_routes),
    ]
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
