"""Design mode's logic: a student's cable line, its numbers, its scenario file and its comparison.

Nothing here imports Solara. A :class:`Design` holds the stations the student clicked (snapped to
walk-network nodes by :func:`snap`) and the line's settings; :func:`line_stats` gives what the
page shows as they click; :func:`design_toml` writes a scenario file that ``ladera compare``
accepts and :func:`load_design` reads one back; :func:`compare_design` runs the baseline and the
design on the same households and seeds through :func:`sim.compare_seeds.run_jobs` and
:func:`sim.report.compare` (exactly what ``ladera compare`` does) and returns the comparison.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.geo import haversine_m
from sim.interventions import CableLine, RoadUpgrade
from sim.network.arrays import MultimodalNetwork, NodeKind
from sim.scenario import Scenario, load_scenario, with_overrides
from sim.viz.roads import road_block

MIN_STATIONS, MAX_STATIONS = 2, 6
#: Capital cost of an urban cable car per km, US$ (World Bank 2021; /work/evidence row 14).
COST_PER_KM_USD = (19e6, 32e6)
COST_SOURCE = "World Bank (2021): urban cable cars cost US$19-32 M per km"
#: City currency per US$ in the city's price year, to state the capex in the city's currency
#: (``check_capex`` requires it). ASSUMPTION: Banco Central do Brasil PTAX, mean of 2019.
USD_RATE: dict[tuple[str, int], float] = {("BRL", 2019): 3.94}
SPEED_MPS, DWELL_S, CABIN_CAPACITY = 5.0, 20.0, 10.0  # as the bundled cable scenarios
#: The Compare button's size: few households, the equilibrium solver capped at a few iterations
#: (the scenario's tolerance kept), two seeds so there is an interval, and destination zones of
#: 2 km (as Explore; the default 1 km doubles the solver's tree building). About a minute on
#: Porto Alegre (README, "The students' studio"); :func:`compare_command` reproduces it.
COMPARE_HOUSEHOLDS, COMPARE_MAX_ITERATIONS, COMPARE_SEEDS = 1000, 6, 2
COMPARE_ZONE_SIZE_M = 2000.0


@dataclass(frozen=True)
class Design:
    """A student's design: a cable line (stations (lon, lat) in order, and its settings) and
    roads to widen (OSM way ids, :mod:`sim.viz.roads`), either or both."""

    stations: tuple[tuple[float, float], ...] = ()
    fare: float = 4.70
    cabin_interval_s: float = 12.0
    integrated_with: str | None = "eptc"
    name: str = "my_cable"
    roads: tuple[int, ...] = ()
    add_lanes: float = 1.0

    @property
    def ready(self) -> bool:
        """Something to save and compare: a line of 2+ stations, or a road (and no lone
        station)."""
        return len(self.stations) >= MIN_STATIONS or (bool(self.roads) and not self.stations)

    def toggle_road(self, way: int) -> Design:
        """The design with the road (way id) added, or removed if it was there."""
        way = int(way)
        roads = tuple(r for r in self.roads if r != way)
        return replace(self, roads=roads if len(roads) < len(self.roads) else (*roads, way))

    def add(self, point: tuple[float, float]) -> Design:
        """The design with one more station (the last is replaced once there are six)."""
        stations = self.stations if len(self.stations) < MAX_STATIONS else self.stations[:-1]
        # six decimals (0.1 m), as the scenario file stores them: save and load round-trip
        lon, lat = round(float(point[0]), 6), round(float(point[1]), 6)
        return replace(self, stations=(*stations, (lon, lat)))


def walk_nodes(net: MultimodalNetwork) -> np.ndarray:
    """Indices of the network's walk nodes (where stations may stand)."""
    return np.flatnonzero(net.node_kind == NodeKind.WALK)


def snap(net: MultimodalNetwork, lon: float, lat: float) -> tuple[float, float]:
    """The walk-network node nearest to (lon, lat)."""
    nodes = walk_nodes(net)
    if nodes.size == 0:
        raise ScenarioError("the network has no walk node to put a station on")
    scale = math.cos(math.radians(lat))
    d2 = ((net.x[nodes] - lon) * scale) ** 2 + (net.y[nodes] - lat) ** 2
    k = int(nodes[int(np.argmin(d2))])
    return float(net.x[k]), float(net.y[k])


def line_stats(design: Design) -> dict[str, float]:
    """Length (km), ride time end to end (min), capacity (passengers per hour and direction)
    and capital cost (US$ M, low / mid / high) of the design as drawn (straight spans)."""
    pts = np.array(design.stations, dtype=float).reshape(-1, 2)
    spans = haversine_m(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1]) if len(pts) > 1 else []
    km = float(np.sum(spans)) / 1000.0
    dwell = DWELL_S * max(0, len(pts) - 2)
    low, high = (c * km / 1e6 for c in COST_PER_KM_USD)
    return {
        "stations": float(len(pts)),
        "length_km": km,
        "ride_min": (km * 1000.0 / SPEED_MPS + dwell) / 60.0,
        "capacity_per_hour": 3600.0 / design.cabin_interval_s * CABIN_CAPACITY,
        "capex_usd_m_low": low,
        "capex_usd_m_mid": (low + high) / 2,
        "capex_usd_m_high": high,
    }


def stats_text(design: Design, road_km: float = 0.0) -> str:
    """One line for the page: what the drawn line (and the roads clicked) is and costs."""
    s = line_stats(design)
    roads = (f" · {len(design.roads)} road(s) to widen, {road_km:.2f} km, +{design.add_lanes:g} "
             "lane each way") if design.roads else ""  # fmt: skip
    if s["stations"] < MIN_STATIONS:
        return (f"{int(s['stations'])} station(s): click at least {MIN_STATIONS} points on the "
                f"map{roads}")  # fmt: skip
    return (f"{int(s['stations'])} stations · {s['length_km']:.2f} km · ride {s['ride_min']:.1f} "
            f"min · {s['capacity_per_hour']:,.0f} passengers/h per direction · capex about US$ "
            f"{s['capex_usd_m_mid']:.0f} M (US$ {s['capex_usd_m_low']:.0f}-"
            f"{s['capex_usd_m_high']:.0f} M; {COST_SOURCE}){roads}")  # fmt: skip


def capex_local(design: Design, currency: str, year: int) -> float:
    """The mid capex in the city's currency and price year; 0 when no rate is stated."""
    rate = USD_RATE.get((currency, int(year)))
    return 0.0 if rate is None else line_stats(design)["capex_usd_m_mid"] * 1e6 * rate


def design_toml(design: Design, baseline: Path, out: Path, *, currency: str, year: int,
                road_km: float = 0.0) -> str:  # fmt: skip
    """The design as a scenario file at ``out`` that extends ``baseline``: its cable line (if
    it has stations) and its widened roads (if any, ``road_km`` of them; :func:`road_block`)."""
    if not design.ready:
        raise ScenarioError(f"a cable line needs at least {MIN_STATIONS} stations (or click "
                            "roads to widen only)")  # fmt: skip
    rel = _relative(Path(baseline), out)
    city = load_scenario(baseline).city
    # a city given as a file is relative to the file that names it: restate it from `out`
    city_line = (
        f'city = "{_relative(Path(baseline).parent / city, out)}"\n'
        if city.endswith(".toml")
        else ""
    )
    roads = (road_block(design.roads, design.add_lanes, road_km, currency=currency, year=year)
             if design.roads else "")  # fmt: skip
    what = [f"a cable line of {len(design.stations)} stations"] if design.stations else []
    what += [f"{len(design.roads)} widened road(s)"] if design.roads else []
    head = (f'name = "{design.name}"\nextends = "{rel}"\nbaseline = "{rel}"\n{city_line}'
            f'description = "a student\'s design: {" and ".join(what)}"\n')  # fmt: skip
    if not design.stations:
        return "# Drawn in the students' studio (ladera viz, Design).\n" + head + roads
    stations = ", ".join(f"[{x:.6f}, {y:.6f}]" for x, y in design.stations)
    names = ", ".join(f'"Station {i + 1}"' for i in range(len(design.stations)))
    amount = capex_local(design, currency, year)
    fare = "" if math.isnan(design.fare) else f"fare = {design.fare:.2f}\n"
    integrated = f'integrated_with = "{design.integrated_with}"\n' if design.integrated_with else ""
    rate = USD_RATE.get((currency, int(year)))
    return (
        f"# Drawn in the students' studio (ladera viz, Design). Capex: {COST_SOURCE}; mid value"
        f"\n# {'at ' + str(rate) + f' {currency}/US$ ({year}, assumption)' if rate else 'left 0: no exchange rate stated for this city'}.\n"
        f"{head}\n"
        f'[[interventions]]\ntype = "cable_line"\nname = "{design.name}"\n'
        f"stations = [{stations}]\nstation_names = [{names}]\n"
        f"speed_mps = {SPEED_MPS}\ncabin_interval_s = {design.cabin_interval_s:g}\n"
        f"cabin_capacity = {CABIN_CAPACITY}\ndwell_s = {DWELL_S}\n{fare}{integrated}"
        f'capex = {{ amount = {amount:.0f}, currency = "{currency}", year = {int(year)}, '
        f'source = "{COST_SOURCE}, mid value" }}\n{roads}'
    )  # fmt: skip


def _relative(path: Path, out: Path) -> str:
    return Path(os.path.relpath(path.resolve(), Path(out).resolve().parent)).as_posix()


def save_design(design: Design, baseline: Path, out: Path, *, currency: str, year: int,
                road_km: float = 0.0) -> Path:  # fmt: skip
    """Write :func:`design_toml` to ``out`` (its folder is created) and check it loads."""
    text = design_toml(design, baseline, out, currency=currency, year=year, road_km=road_km)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    load_scenario(out)
    return out


def load_design(path: Path | str) -> Design:
    """The first cable line of a scenario file and the roads its road upgrades select by
    ``way_ids`` (with the first one's added lanes), as a design to show and edit."""
    scenario = load_scenario(path)
    cables = [i for i in scenario.interventions if isinstance(i, CableLine) and i.stations]
    widen = [i for i in scenario.interventions if isinstance(i, RoadUpgrade) and i.way_ids]
    if not cables and not widen:
        raise ScenarioError(f"{path}: has no cable line with station coordinates and no road "
                            "upgrade selecting `way_ids`")  # fmt: skip
    roads = tuple(dict.fromkeys(int(w) for u in widen for w in u.way_ids))
    lanes = widen[0].add_lanes if widen else 1.0
    if not cables:
        return Design(name=scenario.name, roads=roads, add_lanes=lanes)
    c = cables[0]
    return Design(stations=tuple((float(x), float(y)) for x, y in c.stations), fare=c.fare,
                  cabin_interval_s=c.cabin_interval_s, integrated_with=c.integrated_with,
                  name=c.name, roads=roads, add_lanes=lanes)  # fmt: skip


def small(scenario: Scenario, households: int, max_iterations: int, seed: int | None,
          zone_size_m: float = COMPARE_ZONE_SIZE_M) -> Scenario:  # fmt: skip
    """The scenario as Compare runs it (the overrides ``ladera compare``'s flags make)."""
    overrides: dict[str, Any] = {"households": households, "choice.max_iterations": max_iterations,
                                 "choice.zone_size_m": float(zone_size_m)}  # fmt: skip
    if seed is not None:
        overrides["seed"] = seed
    return with_overrides(scenario, overrides)


def compare_command(baseline: Path, design_file: Path, *, households: int = COMPARE_HOUSEHOLDS,
                    max_iterations: int = COMPARE_MAX_ITERATIONS,
                    seeds: int = COMPARE_SEEDS,
                    zone_size_m: float = COMPARE_ZONE_SIZE_M) -> str:  # fmt: skip
    """The ``ladera compare`` command that computes what Compare shows."""
    return (f"ladera compare {baseline} {design_file} --households {households} "
            f"--max-iterations {max_iterations} --seeds {seeds} --zone-size-m {zone_size_m:g}")  # fmt: skip


def compare_design(
    baseline: Path,
    design_file: Path,
    *,
    households: int = COMPARE_HOUSEHOLDS,
    max_iterations: int = COMPARE_MAX_ITERATIONS,
    seeds: int = COMPARE_SEEDS,
    zone_size_m: float = COMPARE_ZONE_SIZE_M,
    seed: int | None = None,
    results: Path | None = None,
    workers: int | None = None,
    progress: Callable[[float, str], Any] = lambda share, text: None,
) -> Path:
    """Run baseline and design on the same households, on ``seeds`` seeds, and compare them as
    ``ladera compare`` does (:func:`compare_command`: the same runs, catchments, report and
    ``summary.json``, side by side on ``workers`` local Dask processes as it runs them, by
    default one per core; 0 runs them here one after another, with the same results); returns
    the comparison folder. ``progress(share, text)`` is told before the runs and after each."""
    from sim.compare_seeds import at_once, default_workers, plan, run_jobs, warm_order
    from sim.report import compare

    root = Path(results) if results else Path(tempfile.mkdtemp(prefix="ladera-studio-"))
    scenarios = {k: small(load_scenario(path), households, max_iterations, seed, zone_size_m)
                 for k, path in enumerate((baseline, design_file))}  # fmt: skip
    jobs = plan(scenarios, seeds)
    workers = default_workers(len(jobs)) if workers is None else workers
    steps = len(jobs) + 1  # the runs, then the comparison
    size = f"{households:,} households, at most {max_iterations} solver iterations"
    side_by_side = at_once(workers, len(jobs))

    def done(job: Any, n: int) -> None:
        progress(n / steps, f"ran {job.scenario.name} seed {job.scenario.seed} ({n}/{len(jobs)} "
                 f"runs of {size}){'' if n == len(jobs) else '; running the next'}")  # fmt: skip

    first = warm_order(jobs, 0)[0]  # the baselines; each design starts from its seed's
    running = ", ".join(f"{j.scenario.name} seed {j.scenario.seed}" for j in first[:side_by_side])
    progress(0.0, f"running {running} ({len(jobs)} runs of {size}, {side_by_side} at a time)")
    found, catchments = run_jobs(jobs, results=root, baseline=0, workers=workers,
                                 progress=False, on_done=done)  # fmt: skip
    seed_runs = [[found[(i, k)] for i in sorted(scenarios)] for k in range(seeds)]
    progress(len(jobs) / steps, "comparing by income class (tables, catchments, appraisal)")
    out = compare(seed_runs, root / "compare", baseline=0, catchments=catchments)
    progress(1.0, f"done: {out}")
    return out
