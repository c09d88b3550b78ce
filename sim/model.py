"""CommuteModel: households and their morning trips on a multimodal city network (Mesa).

Two ways to run it:

- :meth:`CommuteModel.equilibrate` solves the combined mode and route choice equilibrium
  (logit mode choice, Wardrop route choice, congested roads and crowded lines) to a stated
  relative gap (:mod:`sim.equilibrium`). Appraisal, comparisons, batches and calibration use it.
- :meth:`CommuteModel.step` is one simulated day of learning: households perceive yesterday's
  network, each trip takes its best alternative given its persistent tastes, flows are averaged
  by the method of successive averages, perceptions move toward experience. The browser app and
  users who study dynamics use it.

Both run one numba pass over destination zones per iteration or day (:mod:`sim.assign`,
:mod:`sim.kernels.day`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from sim import metrics
from sim.agents import Household
from sim.assign import (
    NetworkCosts,
    PassResult,
    block_nodes,
    kernel_trips,
    new_out,
    routing_classes,
    run_pass,
)
from sim.behaviour import (
    BOARDING_PENALTY_MIN,
    LOGIT_SCALE,
    WAIT_WEIGHT,
    WALK_WEIGHT,
    resident_behaviour,
)
from sim.city import City, load_city
from sim.congestion import MOTORBIKE_PCE
from sim.constants import TRIPS_PER_MONTH
from sim.demand import Trips, concat, resident_trips, stream_trips
from sim.errors import ScenarioError
from sim.externals import Entries, road_entries
from sim.kernels import day as K
from sim.modes import ALTERNATIVES, MODE_NAMES
from sim.network.arrays import DRIVE_MASK, TRANSIT_MASK, WALK_MASK, Layer, MultimodalNetwork
from sim.network.blocks import block_graph
from sim.population import (
    Households,
    destination_zones,
    synthesise,
    zone_nodes,
)
from sim.streams import stream_places
from sim.zones import Zones, load_zones


@dataclass(frozen=True)
class ChoiceParams:
    """Behaviour, loading and solver parameters (minutes, per-hour flows, city currency).

    Generalised cost in minutes: in-vehicle (+ crowding) + ``wait_weight`` x wait
    + ``walk_weight`` x walk + ``boarding_penalty_min`` x boardings + money / value of time.
    Utility is ``scale * (asc - generalised cost)``.
    """

    asc: dict[str, float] = field(default_factory=dict)  # by alternative, minutes
    # logit scale (1/minutes) and time weights: from the literature, cited in sim.behaviour
    scale: float = LOGIT_SCALE
    wait_weight: float = WAIT_WEIGHT
    walk_weight: float = WALK_WEIGHT
    boarding_penalty_min: float = BOARDING_PENALTY_MIN
    max_walk_min: float = 90.0
    learning_rate: float = 0.5  # exponential smoothing of perceived costs (day-to-day mode)
    vot_factor: float = 1.0  # value of time = factor x income per working hour
    moto_pce: float = MOTORBIKE_PCE  # sourced in sim.congestion
    moto_delay_share: float = 0.5  # share of car congestion delay a motorbike suffers
    bus_pce: float = 2.5
    peak_hour_factor: float = 0.35  # share of commute trips in the modelled hour
    bpr_alpha: float = 0.15
    bpr_beta: float = 4.0
    gravity_beta: float = 0.05  # 1/minutes, work-zone choice (fitted by `ladera calibrate`)
    # car and motorbike ownership moved on the logit scale (fitted to registered vehicles)
    ownership_shift: dict[str, float] = field(default_factory=dict)
    zone_size_m: float = 1000.0
    # generalised minutes beyond which trees stop growing: none by default, so that which
    # alternatives a trip has never depends on how congested the network is
    cutoff_min: float = float("inf")
    egress_walk_max_min: float = 20.0  # longest walk from the last stop to work
    fare_subsidy: dict[str, float] = field(
        default_factory=dict
    )  # income class -> share paid by city
    tolerance: float = 0.02  # day-to-day mode: relative gap and switching share to stop early
    routing_classes: int = 3  # transit paths are searched for this many value-of-time classes
    gap_tolerance: float = 1e-4  # equilibrium: relative gap to reach
    max_iterations: int = 400  # equilibrium: most iterations

    def __post_init__(self) -> None:
        for key in self.asc:
            if key not in ALTERNATIVES:
                raise ScenarioError(f"`asc` has unknown alternative `{key}`; allowed: "
                                    f"{', '.join(ALTERNATIVES)}")  # fmt: skip
        positive = ("scale", "max_walk_min", "zone_size_m", "cutoff_min", "peak_hour_factor",
                    "egress_walk_max_min", "gap_tolerance")  # fmt: skip
        for name in positive:
            if getattr(self, name) <= 0:
                raise ScenarioError(f"`{name}` must be > 0")
        if not 0 < self.learning_rate <= 1:
            raise ScenarioError("`learning_rate` must be in (0, 1]")
        if not 1 <= self.routing_classes <= 16:
            raise ScenarioError("`routing_classes` must be an integer from 1 to 16")
        if self.max_iterations < 1:
            raise ScenarioError("`max_iterations` must be >= 1")
        if set(self.ownership_shift) - {"car", "motorbike"}:
            raise ScenarioError("`ownership_shift` keys are car and motorbike")
        for key, share in self.fare_subsidy.items():
            if not key.isdigit() or not 0 <= share <= 1:
                raise ScenarioError(
                    f'`fare_subsidy.{key}`: keys are income classes ("1"...), values in [0, 1]'
                )

    def shifts(self) -> tuple[float, float]:
        return self.ownership_shift.get("car", 0.0), self.ownership_shift.get("motorbike", 0.0)

    def asc_vector(self) -> NDArray[np.float64]:
        return np.array([self.asc.get(m, 0.0) for m in ALTERNATIVES])


class CommuteModel(mesa.Model):
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

    households: Households

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
        self.graph = self._graph(reference)
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
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.running = True

    # ---------------------------------------------------------------- setup
    def _destinations(self, hh: Households, rng: np.random.Generator) -> Households:
        """Work zones and every segment's destinations, drawn on free-flow times of this
        model's network (the reference network: scenarios share them) by the modes each
        household can use (:mod:`sim.destinations`)."""
        from sim.destinations import draw_segments

        segments = self.city.demand.segments if self.city.demand is not None else None
        return draw_segments(hh, self.free_flow_minutes(), self.dest, segments,
                             self.params.gravity_beta, rng)  # fmt: skip

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

    def _graph(self, reference: MultimodalNetwork) -> K.Graph:
        bg, net = self.blocks, self.network
        is_hop = np.isin(net.layer[bg.slot_edge], [Layer.BUS, Layer.METRO, Layer.CABLE])
        is_hop = is_hop.astype(np.uint8)
        is_hop[: bg.slot_off[2]] = 0
        stop_node, stop_walk = bg.to_block(2, net.stop_node), bg.to_block(0, net.stop_walk)
        keep = (stop_node >= 0) & (stop_walk >= 0)
        roots = np.vstack(
            [bg.to_block(0, self.dest.walk_node), bg.to_block(1, self.dest.drive_node)]
        )
        zone_walk, zone_drive = zone_nodes(self.zones, reference)
        no_end = np.zeros(self.dest.n)
        return K.Graph(bg.rindptr, bg.rindices, bg.slot_head, bg.off, is_hop, stop_node[keep],
                       stop_walk[keep], roots, no_end, no_end.copy(),
                       block_nodes(bg, zone_walk, zone_drive))  # fmt: skip

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
        p, costs = self.params, self.city.costs
        s = np.zeros(K.N_SCALARS)
        s[K.S_SCALE] = p.scale
        s[K.S_WWAIT] = p.wait_weight
        s[K.S_WWALK] = p.walk_weight
        s[K.S_PEN] = 60.0 * p.boarding_penalty_min
        s[K.S_CARKM] = costs.car_per_km
        s[K.S_MOTOKM] = costs.motorbike_per_km
        s[K.S_CARPARK] = costs.car_parking
        s[K.S_MOTOPARK] = costs.motorbike_parking
        s[K.S_MAXWALK] = 60.0 * p.max_walk_min
        s[K.S_ALPHA] = p.learning_rate
        s[K.S_MOTOPCE] = p.moto_pce
        s[K.S_CUTOFF] = 60.0 * p.cutoff_min
        s[K.S_EGRESS] = 60.0 * p.egress_walk_max_min
        asc = np.tile(p.asc_vector(), (len(self.trips.segments), 1))
        return K.Params(asc, s, self.classes.m1, self.classes.m2, dynamic, not self._walk_done)

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

    def free_flow_minutes(self) -> NDArray[np.float32]:
        """Free-flow zone-to-destination minutes (walk, car, transit), with no trips."""
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
        return res.out.zone_skim[:3].copy()

    # ---------------------------------------------------------------- the two ways to run
    def equilibrate(self, *, tol: float | None = None, max_iterations: int | None = None,
                    start: str = "empty", progress: bool = False) -> Any:  # fmt: skip
        """Solve the mode and route choice equilibrium (:func:`sim.equilibrium.solve`)."""
        from sim.equilibrium import solve

        return solve(self, tol=tol, max_iterations=max_iterations, start=start, progress=progress)

    def step(self) -> None:
        """One simulated day of learning (see the module docstring)."""
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
        from sim.equilibrium import relative_gap

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

    # ---------------------------------------------------------------- per-trip outputs
    def reported_mode(self, res: PassResult | None = None,
                      prob: NDArray[np.float64] | None = None) -> NDArray[np.int8]:  # fmt: skip
        """Each trip's most probable mode (0 walk ... 5 motorbike), transit named by its main
        vehicle; -1 for a trip with no possible alternative."""
        res = res or self.last
        prob = self.prob if prob is None else prob
        if res is None:
            return np.full(self.trips.n, -1, np.int8)
        alt = np.argmax(prob, axis=1)
        code = np.array([K.WALK, K.BUS, K.CAR, K.MOTO])[alt]
        code = np.where(alt == K.ALT_TRANSIT, res.out.main, code)
        return np.where(prob.sum(axis=1) > 0, code, -1).astype(np.int8)

    def mode_probabilities(self) -> NDArray[np.float64]:
        """Each trip's probability of each reported mode (trips x 6): transit on its path's
        main vehicle."""
        out = np.zeros((self.trips.n, K.N_MODES))
        if self.last is None:
            return out
        out[:, K.WALK] = self.prob[:, K.ALT_WALK]
        out[:, K.CAR] = self.prob[:, K.ALT_CAR]
        out[:, K.MOTO] = self.prob[:, K.ALT_MOTO]
        main = self.last.out.main
        ok = main >= 0
        out[np.flatnonzero(ok), main[ok]] += self.prob[ok, K.ALT_TRANSIT]
        return out

    def _expected(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Probability-weighted mean over alternatives; NaN for a trip with no alternative."""
        prob = self.prob
        total = prob.sum(axis=1)
        v = np.where(prob > 0, np.nan_to_num(values, nan=0.0, posinf=0.0), 0.0)
        with np.errstate(invalid="ignore"):
            return np.where(
                total > 0, (prob * v).sum(axis=1) / np.where(total > 0, total, 1), np.nan
            )

    @property
    def travel_time_s(self) -> NDArray[np.float64]:
        return self._expected(self.last.out.time_s) if self.last else np.full(self.trips.n, np.nan)

    @property
    def money_cost(self) -> NDArray[np.float64]:
        return self._expected(self.last.out.money) if self.last else np.full(self.trips.n, np.nan)

    @property
    def road_km(self) -> NDArray[np.float64]:
        return self._expected(self.last.out.km) if self.last else np.full(self.trips.n, np.nan)

    @property
    def gen_cost(self) -> NDArray[np.float64]:
        """Expected generalised minutes of the trip (constants excluded)."""
        return self._expected(self.last.out.skim) if self.last else np.full(self.trips.n, np.nan)

    @property
    def skims(self) -> NDArray[np.float64]:
        """Generalised minutes of each alternative (NaN where unavailable)."""
        if self.last is None:
            return np.full((self.trips.n, K.N_ALT), np.nan)
        s = self.last.out.skim
        return np.where(np.isfinite(s), s, np.nan)

    @property
    def zone_skim(self) -> NDArray[np.float32]:
        """Minutes from zones to destinations: walk, transit (the middle routing class), car."""
        if self.last is None:
            return np.full((3, self.zones.n, self.dest.n), np.inf, np.float32)
        z = self.last.out.zone_skim
        return np.stack([z[0], z[2 + self.classes.n // 2], z[1]])

    def expected_cost_min(self) -> NDArray[np.float64]:
        """Each trip's expected generalised cost (the logsum), in minutes.

        ``-(1/scale) ln sum_a exp(scale (asc_a - cost_a))`` over the alternatives the trip can
        use: the expected best of its options, mode constants included, tastes integrated out
        (Small and Rosen, 1981). Its change between two scenarios is the change in welfare in
        minutes, negative for a gain. NaN with no option.
        """
        p = self.params
        utility = p.scale * (p.asc_vector()[None, :] - self.skims)
        top = np.nanmax(np.where(np.isnan(utility), -np.inf, utility), axis=1)
        with np.errstate(invalid="ignore"):
            total = np.nansum(np.exp(utility - top[:, None]), axis=1)
            cost = -(top + np.log(total)) / p.scale
        return np.where(np.isfinite(top), cost, np.nan)

    def trip_fares(self) -> NDArray[np.float64]:
        """Expected fares of each trip (NaN where it cannot ride)."""
        if self.last is None:
            return np.full(self.trips.n, np.nan)
        return self.prob[:, K.ALT_TRANSIT] * np.nan_to_num(self.last.out.money[:, K.ALT_TRANSIT])

    def household_income(self) -> NDArray[np.float64]:
        """Each household's monthly income (income per person times persons per household where
        the city's figures are per person)."""
        from sim.demand import persons_per_household

        hh = self.households
        return hh.income * persons_per_household(self.city) if self.city.income.per == "person" \
            else hh.income  # fmt: skip

    def per_household(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of per-trip values over each household's trips (NaN values skipped)."""
        tr = self.trips
        ok = (tr.household >= 0) & np.isfinite(values)
        out = np.bincount(tr.household[ok], weights=values[ok], minlength=self.households.n)
        return out.astype(np.float64)

    def monthly_trips(self) -> NDArray[np.float64]:
        """Trips a month each trip row stands for per household (both ways, 22 working days)."""
        tr = self.trips
        per_hh = np.where(tr.household >= 0, tr.daily / max(self.households.weight, 1e-12), 0.0)
        return TRIPS_PER_MONTH * np.nan_to_num(per_hh)

    def fare_burden(self) -> NDArray[np.float64]:
        """Each household's expected monthly fares over its monthly income (NaN if nobody in it
        may ride)."""
        fares = self.per_household(self.trip_fares() * self.monthly_trips())
        rides = self.per_household(self.prob[:, K.ALT_TRANSIT] * self.monthly_trips()) > 0
        return np.where(rides, fares / self.household_income(), np.nan)

    def cost_burden(self) -> NDArray[np.float64]:
        """Each household's expected monthly commuting money (fares, fuel, parking) over its
        monthly income."""
        money = self.per_household(np.nan_to_num(self.money_cost) * self.monthly_trips())
        return money / self.household_income()

    # ---------------------------------------------------------------- network outputs
    def edge_times(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Congested travel times of every edge and the wait at each boarding/transfer edge."""
        s = self.costs.state(self.car_flow, self.transit_flow)
        return s.time_s, s.wait_s

    @property
    def bus_preload(self) -> NDArray[np.float64]:
        return self.costs.bus_preload

    def line_loads(self) -> NDArray[np.float64]:
        """Peak load (passengers per hour on the busiest segment) of each line."""
        net = self.network
        iv = self.costs.in_vehicle
        peak = np.zeros(net.lines.n)
        load = self.costs.crowding.segment_loads(self.transit_flow)
        np.maximum.at(peak, net.edge_line[iv], load[iv])
        return peak

    def vehicle_km(self) -> dict[str, float]:
        """Vehicle-km driven in the modelled hour by car and by motorbike (each vehicle once)."""
        km = np.nan_to_num(self.last.out.km[:, K.ALT_CAR]) if self.last else 0.0
        w = self.trips.flow
        return {
            "car": float(np.sum(w * self.prob[:, K.ALT_CAR] * km)),
            "motorbike": float(np.sum(w * self.prob[:, K.ALT_MOTO] * km)),
        }

    def car_vkt(self) -> float:
        """Vehicle-km driven in the modelled hour by cars and motorbikes together."""
        return float(sum(self.vehicle_km().values()))

    def co2_kg(self) -> float:
        """Tank-to-wheel CO2 of the hour's car and motorbike trips, kg (see :mod:`sim.metrics`)."""
        vkt = self.vehicle_km()
        car = metrics.co2_kg(vkt["car"])
        moto = metrics.co2_kg(vkt["motorbike"], g_per_km=metrics.MOTORBIKE_G_CO2_PER_KM)
        return float(car) + float(moto)

    def boardings(self) -> NDArray[np.float64]:
        """Boardings per hour by line, counting transfers as boardings."""
        net = self.network
        edges = np.concatenate([self.costs.board, self.costs.transfer])
        out = np.zeros(net.lines.n)
        np.add.at(out, net.edge_line[edges], self.transit_flow[edges])
        return out

    def ridership_by_line(self) -> dict[str, float]:
        b = self.boardings()
        names = self.network.lines.name
        return {str(names[i]): float(b[i]) for i in np.flatnonzero(b > 0)}

    # ---------------------------------------------------------------- reporting
    def _reporters(self) -> dict[str, Any]:
        reps: dict[str, Any] = {
            "relative_gap": lambda m: m.relative_gap,
            "switching": lambda m: m.switching,
            "prob_change": lambda m: m.prob_change,
            "mean_time_min": lambda m: _mean(m.travel_time_s / 60.0, m.trips.flow),
            "car_vkt": lambda m: m.car_vkt(),
            "co2_kg": lambda m: m.co2_kg(),
            "transit_boardings": lambda m: float(m.boardings().sum()),
            "ridership_by_line": lambda m: m.ridership_by_line(),
        }
        for i, name in enumerate(MODE_NAMES):
            reps[f"share_{name}"] = lambda m, i=i: m.mode_share(i)
        klass = np.where(
            self.trips.household >= 0,
            self.households.income_class[np.maximum(self.trips.household, 0)],
            0,
        )
        for c in self.income_classes():
            sel = klass == c
            own = self.households.income_class == c
            for i, name in enumerate(MODE_NAMES):
                reps[f"share_{name}_c{c}"] = lambda m, i=i, s=sel: m.mode_share(i, s)
            reps[f"time_min_c{c}"] = lambda m, s=sel: _mean(
                m.travel_time_s[s] / 60, m.trips.flow[s]
            )
            reps[f"cost_c{c}"] = lambda m, s=sel: _mean(m.money_cost[s], m.trips.flow[s])
            reps[f"fare_burden_c{c}"] = lambda m, h=own: _mean(m.fare_burden()[h])
            reps[f"cost_burden_c{c}"] = lambda m, h=own: _mean(m.cost_burden()[h])
        return reps

    def mode_share(self, mode: int, rows: NDArray[np.bool_] | None = None) -> float:
        """Flow-weighted share of trips by reported mode (expected: probabilities summed)."""
        probs = self.mode_probabilities()
        w = self.trips.flow * self.trips.chooses
        if rows is not None:
            probs, w = probs[rows], w[rows]
        total = float(w.sum())
        return float(w @ probs[:, mode]) / total if total > 0 else float("nan")

    def income_classes(self) -> list[int]:
        return sorted(int(c) for c in np.unique(self.households.income_class))

    def describe(self) -> dict[str, Any]:
        return {
            "households": self.households.n,
            "trips": self.trips.n,
            "weight": self.households.weight,
            "destinations": self.dest.n,
            "routing_classes": {"m1": self.classes.m1.tolist(), "m2": self.classes.m2.tolist()},
            "params": asdict(self.params),
        }


def _mean(values: NDArray[np.float64], weights: NDArray[np.float64] | None = None) -> float:
    """(Weighted) mean over the finite values; NaN (without a warning) when there are none."""
    ok = np.isfinite(values)
    if weights is None:
        return float(values[ok].mean()) if ok.any() else float("nan")
    w = weights[ok]
    return float(np.sum(values[ok] * w) / w.sum()) if ok.any() and w.sum() > 0 else float("nan")


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
