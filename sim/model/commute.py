"""CommuteModel, the Mesa model: it draws the population and its trips, builds the day
kernel's arguments once (:mod:`sim.model.day`), and runs passes of the kernel, either to the
equilibrium or one simulated day of learning at a time (see :mod:`sim.model`). What it reports
is in its mixins :class:`~sim.model.trip_outputs.TripOutputs` and
:class:`~sim.model.network_outputs.NetworkOutputs`, and in :mod:`sim.model.reporters`.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from sim.agents import Household
from sim.assign import (
    NetworkCosts,
    PassResult,
    kernel_trips,
    new_out,
    routing_classes,
    run_pass,
)
from sim.behaviour import resident_behaviour
from sim.choice import ChoiceParams
from sim.city import City, load_city
from sim.demand import Trips, concat, resident_trips, stream_trips
from sim.destinations import ZoneCosts
from sim.errors import ScenarioError
from sim.externals import Entries, road_entries
from sim.kernels import day as K
from sim.model.day import day_graph, day_params
from sim.model.network_outputs import NetworkOutputs
from sim.model.reporters import reporters
from sim.model.trip_outputs import TripOutputs
from sim.network.arrays import DRIVE_MASK, TRANSIT_MASK, WALK_MASK, MultimodalNetwork
from sim.network.blocks import block_graph
from sim.population import Households, destination_zones, synthesise
from sim.streams import stream_places
from sim.zones import Zones, load_zones


class CommuteModel(TripOutputs, NetworkOutputs, mesa.Model):
    """Households commuting on a multimodal city network.

    Parameters
    ----------
    city
        A bundled city name, or a loaded :class:`~sim.city.City`.
    households
        Number of synthetic households.
    seed
        Seed of every random draw. The population (homes, incomes, vehicles, work zones) and the
        tastes of day-to-day mode come from two independent streams of it.
    network
        A network to use instead of the city's cached one (e.g. after interventions).
    params
        Behaviour parameters; defaults are :class:`ChoiceParams`'s.
    population
        Households to simulate instead of drawing them.
    reference
        The network the population is drawn on (default ``network``). Scenarios pass their
        city's unmodified network, so an intervention changes how households travel, never who
        they are or where they work: runs of one city, seed and size compare household by
        household.
    agents
        Create one :class:`~sim.agents.Household` Mesa agent per household (thin views).
    """

    def __init__(
        self,
        city: str | City = "porto_alegre",
        households: int = 10_000,
        seed: int | None = None,
        *,
        network: MultimodalNetwork | None = None,
        params: ChoiceParams | None = None,
        zones: Zones | None = None,
        population: Households | None = None,
        reference: MultimodalNetwork | None = None,
        agents: bool = True,
    ) -> None:
        super().__init__(seed=seed)
        self.seed = int(self.rng.integers(2**31)) if seed is None else int(seed)
        population_rng, taste_rng = random_streams(self.seed)
        self.city = city if isinstance(city, City) else load_city(city)
        self.params = params or ChoiceParams()
        self.zones = zones if zones is not None else load_zones(self.city)
        if network is None:
            from sim.network.cache import load_network

            network = load_network(self.city)
        self.network = network
        reference = network if reference is None else reference
        self.blocks = block_graph(network, (WALK_MASK, DRIVE_MASK, TRANSIT_MASK))
        self.costs = NetworkCosts(network, self.blocks, self.params)
        self.dest = destination_zones(self.zones, reference, cell_m=self.params.zone_size_m)
        self.entries = self._entries(reference)
        self.graph = day_graph(self.blocks, network, self.dest, self.zones, reference)
        if population is None and reference is not network:
            population = CommuteModel(
                self.city, households, self.seed, network=reference, params=self.params,
                zones=self.zones, agents=False,
            ).households  # fmt: skip
        if population is None:
            population = synthesise(
                self.city, self.zones, network, households, population_rng,
                vot_factor=self.params.vot_factor, ownership_shift=self.params.shifts(),
            )  # fmt: skip
        if np.any(population.work_zone < 0) or (
            self.city.demand is not None and population.destinations is None
        ):
            population = self._destinations(population, population_rng)
        self.households = population
        self.trips = self._trips(population, reference)
        self._prepare_trips()
        # day-to-day mode: each trip's idiosyncratic tastes (one Gumbel draw per alternative, in
        # the logit's scale), drawn once, so a trip changes mode only when what it perceives
        # changes, and then only toward the alternative that gained
        self.taste = taste_rng.gumbel(size=(self.trips.n, K.N_ALT))
        self.reset()
        if agents:
            for row in range(self.households.n):
                Household(self, row)
        self.datacollector = mesa.DataCollector(model_reporters=reporters(self))
        self.running = True

    # ---------------------------------------------------------------- setup
    def _destinations(self, hh: Households, rng: np.random.Generator) -> Households:
        """Work zones and every segment's destinations, drawn on the expected generalised cost
        of each destination by the modes each household can use, at free flow on this model's
        network (the reference network: scenarios share them) and the city's full fares
        (:mod:`sim.destinations`)."""
        from sim.destinations import Choosers, draw_segments

        segments = self.city.demand.segments if self.city.demand is not None else None
        n_seg = len(segments) if segments is not None else 1
        placeholder = replace(hh, work_zone=np.zeros(hh.n, np.int32),
                              destinations=np.zeros((hh.n, n_seg), np.int32))  # fmt: skip
        trips = resident_trips(self.city, placeholder, np.ones(hh.n), self.params.peak_hour_factor)
        trips = resident_behaviour(self.city, placeholder, trips, seed=self.seed,
                                   vot_factor=self.params.vot_factor)  # fmt: skip
        choosers = []
        for i in range(n_seg):
            mine = trips.segment == i
            order = np.argsort(trips.household[mine], kind="stable")
            choosers.append(Choosers(*(getattr(trips, k)[mine][order]
                                       for k in ("vot", "fare1", "fare2", "car", "moto"))))  # fmt: skip
        return draw_segments(hh, self.free_flow_costs(), self.dest, segments, choosers,
                             self.params, self.city.costs, rng)  # fmt: skip

    def _entries(self, reference: MultimodalNetwork) -> Entries | None:
        """Road entries (external zones), appended to the destinations, when streams use them."""
        demand = self.city.demand
        if demand is None or not any("entries" in (s.origins, s.destinations)
                                     for s in demand.streams):  # fmt: skip
            return None
        entries = road_entries(reference, radius_m=demand.entry_radius_m)
        if entries.n == 0:
            raise ScenarioError(f"{self.city.folder}/city.toml: `demand.streams` use `entries` "
                                "but no main road reaches the edge of the street network")  # fmt: skip
        self.dest = self.dest.with_externals(entries.node, reference.x[entries.node],
                                             reference.y[entries.node])  # fmt: skip
        return entries

    def _trips(self, hh: Households, reference: MultimodalNetwork) -> Trips:
        """Residents' trips, then the fixed streams (laid out on the reference network)."""
        factor = self._fare_factor(hh)
        residents = resident_trips(self.city, hh, factor, self.params.peak_hour_factor)
        residents = resident_behaviour(self.city, hh, residents, seed=self.seed,
                                       vot_factor=self.params.vot_factor)  # fmt: skip
        demand = self.city.demand
        if demand is None or not demand.streams:
            return residents
        places, minutes = stream_places(self, reference)
        vot = float(np.median(hh.vot)) if hh.n else 1.0
        return concat([residents, stream_trips(demand.streams, places, minutes, vot)])

    def _fare_factor(self, hh: Households) -> NDArray[np.float64]:
        """The share of fares each household pays (the city pays the ``fare_subsidy`` rest)."""
        classes = np.unique(hh.income_class)
        subsidy = np.zeros(int(classes.max(initial=0)) + 1)
        for key, share in self.params.fare_subsidy.items():
            if hh.n and int(key) not in classes:
                allowed = ", ".join(f'"{c}"' for c in classes)
                raise ScenarioError(f"`fare_subsidy.{key}`: no such income class in this city; "
                                    f"allowed: {allowed}")  # fmt: skip
            if hh.n:
                subsidy[int(key)] = share
        return 1.0 - subsidy[hh.income_class]

    def _prepare_trips(self) -> None:
        tr = self.trips
        self.classes = routing_classes(tr, self.params.routing_classes)
        self.ktrips = kernel_trips(tr, self.classes, self.blocks, self.dest.n)
        self.walk_s = np.full(tr.n, np.inf)
        self.km_ff = np.full(tr.n, np.nan)
        self._walk_done = False

    def _params(self, *, dynamic: bool) -> K.Params:
        """The kernel's behaviour parameters for the next pass (:func:`sim.model.day.day_params`)."""
        return day_params(self.params, self.city.costs, len(self.trips.segments), self.classes,
                          dynamic=dynamic, do_walk=not self._walk_done)  # fmt: skip

    def reset(self) -> None:
        """Empty roads and lines, no perceptions: the state before the first day or iteration."""
        e, n = self.network.n_edges, self.trips.n
        self.car_flow = np.zeros(e)
        self.transit_flow = np.zeros(e)
        self.m1_flow = np.zeros(e)
        self.m2_flow = np.zeros(e)
        self.egress = 0.0
        self.prob = np.zeros((n, K.N_ALT))
        self.perceived = np.full((n, K.N_ALT), np.nan)
        self.last: PassResult | None = None
        self.relative_gap = np.nan
        self.switching = np.nan
        self.prob_change = np.nan
        self.mode = np.full(n, -1, np.int8)
        self.iterations = 0
        self.warm_from = 0  # iterations of another scenario's point it started from (sim.warm)
        self.averaged = 0  # the last points whose mean the equilibrium ended at (sim.equilibrium)
        self.warm_state: Any = None  # the point a solve hands over (sim.warm.WarmState)

    # ---------------------------------------------------------------- one pass
    def run_pass(
        self,
        car_flow: NDArray[np.float64] | None = None,
        transit_flow: NDArray[np.float64] | None = None,
        *,
        dynamic: bool = False,
        taste: NDArray[np.float64] | None = None,
    ) -> PassResult:
        """Trees, skims and choices at the costs of the given flows (default: the current ones),
        and the flows those choices load (all or nothing on today's best paths)."""
        car = self.car_flow if car_flow is None else car_flow
        transit = self.transit_flow if transit_flow is None else transit_flow
        state = self.costs.state(car, transit)
        kcosts = self.costs.kernel_costs(state, self.classes)
        out = new_out(self.trips.n, self.zones.n, self.dest.n, self.classes.n, self.blocks.n_slots)
        tastes = self.taste if taste is None else taste
        kstate = K.State(self.walk_s, self.km_ff, self.perceived, tastes)
        res = run_pass(self.graph, kcosts, self.ktrips, self._params(dynamic=dynamic), kstate,
                       out, self.blocks, self.network.n_edges)  # fmt: skip
        self._walk_done = True
        return res

    def free_flow_costs(self) -> ZoneCosts:
        """Free-flow zone-to-destination costs by mode (:class:`sim.destinations.ZoneCosts`),
        with no trips."""
        saved = self.trips if hasattr(self, "trips") else None
        self.trips = _no_trips()
        self.classes = routing_classes(self.trips, 1)
        self.ktrips = kernel_trips(self.trips, self.classes, self.blocks, self.dest.n)
        self.walk_s = np.zeros(0)
        self.km_ff = np.zeros(0)
        self._walk_done = False
        self.perceived = np.zeros((0, K.N_ALT))
        res = self.run_pass(np.zeros(self.network.n_edges), np.zeros(self.network.n_edges),
                            taste=np.zeros((0, K.N_ALT)))  # fmt: skip
        if saved is not None:
            self.trips = saved
            self._prepare_trips()
        z, parts = res.out.zone_skim.astype(float), res.out.zone_parts.astype(float)
        return ZoneCosts(walk_min=z[0], car_min=z[1], moto_min=parts[K.Z_MOTO_MIN],
                         car_km=parts[K.Z_CAR_KM], transit_min=parts[K.Z_TRANSIT_MIN],
                         fare=parts[K.Z_FARE], xfare=parts[K.Z_XFARE])  # fmt: skip

    # ---------------------------------------------------------------- the two ways to run
    def equilibrate(self, *, tol: float | None = None, max_iterations: int | None = None,
                    start: str = "empty", progress: bool = False, warm: Any = None,
                    hand_over: int | None = None) -> Any:  # fmt: skip
        """Solve the mode and route choice equilibrium (:func:`sim.equilibrium.solve`; ``warm``
        and ``hand_over``: :mod:`sim.warm`)."""
        from sim.equilibrium import solve

        return solve(self, tol=tol, max_iterations=max_iterations, start=start, progress=progress,
                     warm=warm, hand_over=hand_over)  # fmt: skip

    def step(self) -> None:
        """One simulated day of learning (see :mod:`sim.model`)."""
        previous = self.mode.copy()
        res = self.run_pass(dynamic=True)
        k = self.steps
        new_prob = res.out.prob
        self.mode = self.reported_mode(res, new_prob)
        chosen = self.mode >= 0
        self.switching = (
            float(np.mean(previous[chosen] != self.mode[chosen])) if chosen.any() else 0
        )
        self.prob_change = float(np.abs(new_prob - self.prob).max()) if self.prob.size else 0.0
        self.car_flow += (res.car_flow - self.car_flow) / k
        self.transit_flow += (res.transit_flow - self.transit_flow) / k
        self.m1_flow += (res.m1_flow - self.m1_flow) / k
        self.m2_flow += (res.m2_flow - self.m2_flow) / k
        self.egress += (res.egress - self.egress) / k
        self.prob += (new_prob - self.prob) / k
        self.last = res
        from sim.gap import relative_gap

        self.relative_gap = relative_gap(self, res).relative
        self.datacollector.collect(self)

    def run(self, days: int, *, stop_at_gap: bool = False) -> int:
        """Simulate up to ``days`` days of learning; stop early when the relative gap and mode
        switching are both below ``params.tolerance`` (if ``stop_at_gap``). Returns days run."""
        for day in range(days):
            self.step()
            if stop_at_gap and day > 1 and self.relative_gap < self.params.tolerance \
                    and self.switching < self.params.tolerance:  # fmt: skip
                return day + 1
        return days

    def describe(self) -> dict[str, Any]:
        return {
            "households": self.households.n,
            "trips": self.trips.n,
            "weight": self.households.weight,
            "destinations": self.dest.n,
            "routing_classes": {"m1": self.classes.m1.tolist(), "m2": self.classes.m2.tolist()},
            "params": asdict(self.params),
        }


def random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """The population's and the tastes' generators: two independent streams of one seed."""
    population, taste = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(population), np.random.default_rng(taste)


def _no_trips() -> Trips:
    z64, f, b = np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool)
    return Trips(
        household=z64, segment=np.zeros(0, np.int8), dest=np.zeros(0, np.int32), walk_node=z64,
        drive_node=z64, access_s=f, car=b, moto=b, vot=np.ones(0), fare1=f, fare2=f, flow=f,
        fixed=np.zeros(0, np.int8), pce=f, daily=f,
    )  # fmt: skip
