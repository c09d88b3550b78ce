"""What a city bundle says about peak demand (``[demand]`` in ``city.toml``): the reference year
and how the zone population expands to it, the residents' trip segments, and the fixed streams
of traffic from outside the study area.

Every number carries its source in the bundle, or the word "assumption" (the validator insists).
Segments are residents' trips with a mode choice; streams are fixed (no mode choice) and their
volumes are set here, before any calibration, and out of its reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.city import City
    from sim.zones import Zones

#: Where segments' and streams' trips go or come from.
Place = Literal["jobs", "schools", "population", "entries", "rail_entries", "bus_entries"]


@dataclass(frozen=True)
class CensusCount:
    year: int
    population: float
    households: float

    def __post_init__(self) -> None:
        if self.population <= 0 or self.households <= 0:
            raise ScenarioError("`demand.census`: population and households must be > 0")


@dataclass(frozen=True)
class SegmentSpec:
    """Residents' trips of one purpose: ``per_person`` trip makers per resident, of whom
    ``travel_share`` travel on a weekday and ``peak_share`` of those in the modelled hour."""

    name: str
    per_person: float
    peak_share: float
    travel_share: float = 1.0
    destinations: Place = "jobs"
    gravity_beta: float = 0.05  # 1/generalised minute of the logsum (sim.destinations)
    car: bool = True  # the household's car and motorbike may be used
    fare_share: float = 1.0  # share of the boarding fare the traveller pays
    transfer_share: float = 1.0  # share of an integrated transfer's fare the traveller pays
    source: str = ""

    def __post_init__(self) -> None:
        if self.per_person < 0 or not 0 < self.peak_share <= 1 or not 0 < self.travel_share <= 1:
            raise ScenarioError(f"`demand.segments.{self.name}`: `per_person` must be >= 0, "
                                "`peak_share` and `travel_share` in (0, 1]")  # fmt: skip
        if self.destinations not in ("jobs", "schools", "population"):
            raise ScenarioError(f"`demand.segments.{self.name}.destinations` must be jobs, "
                                "schools or population")  # fmt: skip
        if self.gravity_beta <= 0:
            raise ScenarioError(f"`demand.segments.{self.name}.gravity_beta` must be > 0")
        for key in ("fare_share", "transfer_share"):
            if not 0 <= getattr(self, key) <= 1:
                raise ScenarioError(f"`demand.segments.{self.name}.{key}` must be in [0, 1]")
        _needs_source(self.source, f"demand.segments.{self.name}")

    @property
    def per_person_in_peak(self) -> float:
        return self.per_person * self.travel_share * self.peak_share


@dataclass(frozen=True)
class StreamSpec:
    """A fixed stream: ``flow`` road vehicles (``mode = "road"``, each ``pce`` car units) or
    transit riders (``mode = "transit"``) an hour, from one kind of place to another."""

    name: str
    mode: Literal["road", "transit"]
    origins: Place
    destinations: Place
    flow: float
    pce: float = 1.0
    gravity_beta: float = 0.05
    source: str = ""

    def __post_init__(self) -> None:
        if self.flow < 0 or self.pce <= 0 or self.gravity_beta <= 0:
            raise ScenarioError(f"`demand.streams.{self.name}`: `flow` must be >= 0, `pce` and "
                                "`gravity_beta` > 0")  # fmt: skip
        if self.mode == "transit" and (
            self.origins not in ("rail_entries", "bus_entries", "population", "jobs")
            or self.destinations in ("entries", "rail_entries", "bus_entries")
        ):
            raise ScenarioError(f"`demand.streams.{self.name}`: transit streams start at "
                                "rail_entries, bus_entries, population or jobs and end inside "
                                "the study area")  # fmt: skip
        if self.mode == "road" and "_" in self.origins + self.destinations:
            raise ScenarioError(f"`demand.streams.{self.name}`: road streams go between "
                                "entries, jobs, schools and population")  # fmt: skip
        _needs_source(self.source, f"demand.streams.{self.name}")


@dataclass(frozen=True)
class DemandSpec:
    """The study area's peak demand. ``zones_year`` is the year of the zone table's population;
    it is expanded to ``reference_year`` by the censuses' change (linear between them)."""

    reference_year: int
    zones_year: int
    census: tuple[CensusCount, ...]
    census_source: str
    segments: tuple[SegmentSpec, ...]
    streams: tuple[StreamSpec, ...] = ()
    entry_radius_m: float = 250.0  # entries: major roads and first stops this close to the edge
    notes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        years = [c.year for c in self.census]
        if len(years) < 2 or years != sorted(set(years)):
            raise ScenarioError("`demand.census` needs two or more counts in increasing years")
        for year in (self.reference_year, self.zones_year):
            if not years[0] <= year <= years[-1]:
                raise ScenarioError(f"`demand`: year {year} is outside the censuses "
                                    f"({years[0]}-{years[-1]}); only interpolation is allowed")  # fmt: skip
        names = [s.name for s in self.segments] + [s.name for s in self.streams]
        if len(set(names)) != len(names) or not self.segments:
            raise ScenarioError("`demand`: needs at least one segment; segment and stream "
                                "names must be unique")  # fmt: skip
        _needs_source(self.census_source, "demand.census_source")

    def count(self, year: int) -> tuple[float, float]:
        """Population and households in ``year``, linear between the censuses around it."""
        for a, b in zip(self.census, self.census[1:], strict=False):
            if a.year <= year <= b.year:
                t = (year - a.year) / (b.year - a.year)
                return (a.population + t * (b.population - a.population),
                        a.households + t * (b.households - a.households))  # fmt: skip
        raise ScenarioError(f"`demand`: no census interval holds {year}")

    @property
    def growth(self) -> float:
        """Population in the reference year over that of the zone table's year."""
        return self.count(self.reference_year)[0] / self.count(self.zones_year)[0]

    @property
    def persons_per_household(self) -> float:
        pop, hh = self.count(self.reference_year)
        return pop / hh


def _needs_source(text: str, where: str) -> None:
    if not text.strip():
        raise ScenarioError(f"`{where}.source` is required: cite the figures, or say "
                            '"assumption" and why')  # fmt: skip


# ------------------------------------------------------------------------------ expansion
def persons_per_household(city: City) -> float:
    return city.demand.persons_per_household if city.demand else city.household_size


def households_represented(city: City, zones: Zones) -> float:
    """Real households of the study area: in the reference year when the city states one (the
    zones' population grown as the censuses' population, over their persons per household)."""
    people = float(zones.population.sum())
    if city.demand is None:
        return people / city.household_size
    return people * city.demand.growth / city.demand.persons_per_household
