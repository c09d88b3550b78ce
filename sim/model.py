"""CommuteModel: one Mesa step is one simulated morning commute.

A day: (1) the network state (congested road times by BPR, bus times on congested roads,
crowding waits at full lines) follows from yesterday's smoothed flows; (2) one numba pass grows
reverse trees to every work zone, lets each household choose a mode by logit on its perceived
generalised cost, and loads the trips; (3) flows are averaged by the method of successive
averages (MSA) and households' perceptions move toward what the network offered today;
(4) the DataCollector records shares, times, costs, ridership and the relative gap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from sim import metrics
from sim.agents import ALTERNATIVES, MODE_NAMES, Household
from sim.city import City, load_city
from sim.congestion import MOTORBIKE_PCE, RoadCosts, TransitCrowding
from sim.errors import ScenarioError
from sim.kernels import day as K
from sim.network.arrays import (
    DRIVE_MASK,
    TRANSIT_MASK,
    WALK_MASK,
    Layer,
    MultimodalNetwork,
    lines_in_service,
)
from sim.network.blocks import block_graph
from sim.population import (
    Households,
    destination_zones,
    synthesise,
    work_zones,
    zone_nodes,
)
from sim.zones import Zones, load_zones

#: Chunks of destinations in the parallel day. Fixed, so sums (and results) do not depend on
#: how many threads numba uses.
N_CHUNKS = 32
WALK_SPEED_MPS = 5.0 / 3.6
#: Commute trips a month: two a working day, 22 working days.
TRIPS_PER_MONTH = 44.0


@dataclass(frozen=True)
class ChoiceParams:
    """Behaviour and loading parameters (minutes, per-hour flows, city currency).

    Generalised cost in minutes: in-vehicle + ``wait_weight`` x wait + ``walk_weight`` x walk
    + ``boarding_penalty_min`` x boardings + money / value of time. Utility is
    ``scale * (asc - generalised cost)``.
    """

    asc: dict[str, float] = field(default_factory=dict)  # by alternative, minutes
    scale: float = 0.1  # logit scale, 1/minutes
    wait_weight: float = 2.0
    walk_weight: float = 1.5
    boarding_penalty_min: float = 5.0
    max_walk_min: float = 90.0
    learning_rate: float = 0.5  # exponential smoothing of perceived costs
    vot_factor: float = 1.0  # value of time = factor x income per working hour
    moto_pce: float = MOTORBIKE_PCE  # sourced in sim.congestion
    moto_delay_share: float = 0.5  # share of car congestion delay a motorbike suffers
    bus_pce: float = 2.5
    peak_hour_factor: float = 0.35  # share of commute trips in the modelled hour
    bpr_alpha: float = 0.15
    bpr_beta: float = 4.0
    gravity_beta: float = 0.05  # 1/minutes, work-zone choice
    zone_size_m: float = 1000.0
    cutoff_min: float = 180.0  # generalised minutes beyond which trees stop growing
    egress_walk_max_min: float = 20.0  # longest walk from the last stop to work
    fare_subsidy: dict[str, float] = field(
        default_factory=dict
    )  # income class -> share paid by city
    tolerance: float = 0.02  # relative gap and switching share below which runs stop early

    def __post_init__(self) -> None:
        for key in self.asc:
            if key not in ALTERNATIVES:
                raise ScenarioError(f"`asc` has unknown alternative `{key}`; allowed: "
                                    f"{', '.join(ALTERNATIVES)}")  # fmt: skip
        positive = ("scale", "max_walk_min", "zone_size_m", "cutoff_min", "peak_hour_factor",
                    "egress_walk_max_min")  # fmt: skip
        for name in positive:
            if getattr(self, name) <= 0:
                raise ScenarioError(f"`{name}` must be > 0")
        if not 0 < self.learning_rate <= 1:
            raise ScenarioError("`learning_rate` must be in (0, 1]")
        for key, share in self.fare_subsidy.items():
            if not key.isdigit() or not 0 <= share <= 1:
                raise ScenarioError(
                    f'`fare_subsidy.{key}`: keys are income classes ("1"...), values in [0, 1]'
                )

    def asc_vector(self) -> NDArray[np.float64]:
        return np.array([self.asc.get(m, 0.0) for m in ALTERNATIVES])


class CommuteModel(mesa.Model):
    """Households commuting on a multimodal city network.

    Parameters
    ----------
    city
        A bundled city name, or a loaded :class:`~sim.city.City`.
    households
        Number of synthetic households (each makes one commute a day).
    seed
        Seed of every random draw. The population (homes, incomes, vehicles, work zones) and the
        households' tastes come from two independent streams of it, so scenarios with the same
        seed share both.
    network
        A network to use instead of the city's cached one (e.g. after interventions).
    params
        Behaviour parameters; defaults are :class:`ChoiceParams`'s.
    population
        Households to simulate instead of drawing them.
    reference
        The network the population is drawn on: homes, work-zone roots and the free-flow times
        of the gravity model (default ``network``). Scenarios pass their city's unmodified
        network, so an intervention changes how households travel, never who they are or where
        they work: runs of one city, seed and size can be compared household by household.
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
        self._prepare_network()
        self.dest = destination_zones(self.zones, reference, cell_m=self.params.zone_size_m)
        bg = self.blocks
        self.roots = np.vstack(
            [bg.to_block(0, self.dest.walk_node), bg.to_block(1, self.dest.drive_node)]
        )
        self.zone_node = self._block_nodes(*zone_nodes(self.zones, reference))
        if population is None and reference is not network:
            population = CommuteModel(
                self.city, households, self.seed, network=reference, params=self.params,
                zones=self.zones, agents=False,
            ).households  # fmt: skip
        if population is None:
            population = synthesise(
                self.city, self.zones, network, households, population_rng,
                vot_factor=self.params.vot_factor,
            )  # fmt: skip
        # transit paths are searched with one value of time: the households' median
        self.vot_ref = float(np.median(population.vot))
        self.free_flow = self._skim_only()
        if np.any(population.work_zone < 0):
            minutes = np.fmin(self.free_flow[2], np.fmin(self.free_flow[1], self.free_flow[0]))
            population = work_zones(
                population, minutes, self.dest, population_rng, beta=self.params.gravity_beta
            )
        self.households = population
        self._index_households()
        self._reset_state()
        # each household's idiosyncratic tastes (one Gumbel draw per alternative, in the logit's
        # scale) are drawn once: it changes mode only when what it perceives changes, and then
        # only toward the alternative that gained, so switching measures convergence
        self.taste = taste_rng.gumbel(size=(self.households.n, K.N_ALT))
        if agents:
            for row in range(self.households.n):
                Household(self, row)
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.running = True

    # ---------------------------------------------------------------- setup
    def _prepare_network(self) -> None:
        net = self.network
        self.blocks = bg = block_graph(net, (WALK_MASK, DRIVE_MASK, TRANSIT_MASK))
        hop_layers = [Layer.BUS, Layer.METRO, Layer.CABLE]
        self.is_hop = np.isin(net.layer[bg.slot_edge], hop_layers).astype(np.uint8)
        self.is_hop[: bg.slot_off[2]] = 0
        stop_node, stop_walk = bg.to_block(2, net.stop_node), bg.to_block(0, net.stop_walk)
        keep = (stop_node >= 0) & (stop_walk >= 0)
        self.stop_node, self.stop_walk = stop_node[keep], stop_walk[keep]
        self.is_drive = net.layer == Layer.DRIVE
        self.board = np.flatnonzero(net.layer == Layer.BOARD)
        self.transfer = np.flatnonzero(net.layer == Layer.TRANSFER)
        self.in_vehicle = np.flatnonzero(np.isin(net.layer, [Layer.BUS, Layer.METRO, Layer.CABLE]))
        self.transfer_walk = net.length_m[self.transfer] / WALK_SPEED_MPS
        self.base_wait = net.time_s.copy()
        self.base_wait[self.transfer] -= self.transfer_walk
        self.hop_of_road = np.repeat(np.arange(net.bus_edges.size), np.diff(net.bus_hop_indptr))
        self.bus_preload = self._bus_preload()
        # supply-side cost functions (sim.congestion): roads with junctions, transit crowding
        self.road = RoadCosts(net, alpha=self.params.bpr_alpha, beta=self.params.bpr_beta)
        self.road_free = net.time_s.copy()  # zero-flow road times, junction delays included
        self.road_free[self.road.edges] = self.road.free_times()
        self.crowding = TransitCrowding(net)
        self.base_edge = net.base_edge()
        self.paid_walk = np.flatnonzero(net.layer == Layer.PAID_WALK)

    def _bus_preload(self) -> NDArray[np.float64]:
        """Buses on each road edge, in PCE per hour: vehicles an hour x ``bus_pce``.

        Lines taken out of service (``remove_line``) run no buses.
        """
        net = self.network
        load = np.zeros(net.n_edges)
        if net.bus_edges.size == 0:
            return load
        line = net.edge_line[net.bus_edges]
        per_hour = np.where(lines_in_service(net)[line], 3600.0 / net.lines.headway_s[line], 0.0)
        counts = np.diff(net.bus_hop_indptr)
        np.add.at(load, net.bus_hop_roads, np.repeat(per_hour, counts) * self.params.bus_pce)
        return load

    def _index_households(self) -> None:
        hh = self.households
        self.hh_order = np.argsort(hh.work_zone, kind="stable").astype(np.int64)
        counts = np.bincount(hh.work_zone, minlength=self.dest.n)
        self.hh_ptr = np.zeros(self.dest.n + 1, np.int64)
        np.cumsum(counts, out=self.hh_ptr[1:])
        classes = np.unique(hh.income_class)
        subsidy = np.zeros(int(classes.max(initial=0)) + 1)
        for key, share in self.params.fare_subsidy.items():
            if hh.n and int(key) not in classes:
                allowed = ", ".join(f'"{c}"' for c in classes)
                raise ScenarioError(f"`fare_subsidy.{key}`: no such income class in this city; "
                                    f"allowed: {allowed}")  # fmt: skip
            if hh.n:
                subsidy[int(key)] = share
        # the share of the fare the city pays: a household pays the rest
        self.fare_factor = 1.0 - subsidy[hh.income_class]
        self.own = np.column_stack([hh.car, hh.moto]).astype(np.uint8)
        self.hh_node = self._block_nodes(hh.home_node, hh.drive_node)
        self.vot_s = hh.vot  # currency per minute

    def _reset_state(self) -> None:
        n, e = self.households.n, self.network.n_edges
        self.car_flow = np.zeros(e)
        self.transit_flow = np.zeros(e)
        self.perceived = np.full((n, K.N_ALT), np.nan)
        self.walk_s = np.full(n, np.inf)
        self.mode = np.full(n, -1, np.int8)
        self.travel_time_s = np.full(n, np.nan)
        self.money_cost = np.full(n, np.nan)
        self.road_km = np.full(n, np.nan)
        self.gen_cost = np.full(n, np.nan)
        self.skims = np.full((n, K.N_ALT), np.nan)
        self.zone_skim = np.full((3, self.zones.n, self.dest.n), np.inf, np.float32)
        self.relative_gap = np.nan
        self.switching = np.nan
        self._walk_done = False

    # ---------------------------------------------------------------- network state
    def edge_times(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Congested travel times of every edge and the wait at each boarding/transfer edge."""
        net = self.network
        t = net.time_s.copy()
        roads = self.road.edges
        t[roads] = self.road.times(self.car_flow[roads] + self.bus_preload[roads])
        if net.bus_edges.size:
            # a bus hop takes its scheduled time scaled by the congestion on its roads
            free = np.bincount(self.hop_of_road, weights=self.road_free[net.bus_hop_roads],
                               minlength=net.bus_edges.size)  # fmt: skip
            cong = np.bincount(self.hop_of_road, weights=t[net.bus_hop_roads],
                               minlength=net.bus_edges.size)  # fmt: skip
            ratio = np.where(free > 0, cong / np.where(free > 0, free, 1.0), 1.0)
            t[net.bus_edges] = net.time_s[net.bus_edges] * ratio
        t = t[self.base_edge]  # fare-level copies ride their line's vehicles
        # crowding, local to full segments: in-vehicle time valued more, failure to board
        crowd = self.crowding
        t[crowd.ivt] *= crowd.ivt_multiplier(self.transit_flow)[0]
        wait = self.base_wait.copy()
        wait[crowd.boarding] += crowd.boarding_wait(self.transit_flow)[0]
        return t, wait

    def line_loads(self) -> NDArray[np.float64]:
        """Peak load (passengers per hour on the busiest segment) of each line."""
        net = self.network
        peak = np.zeros(net.lines.n)
        load = self.crowding.segment_loads(self.transit_flow)
        np.maximum.at(peak, net.edge_line[self.in_vehicle], load[self.in_vehicle])
        return peak

    def _weights_and_attrs(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        net, p = self.network, self.params
        t, wait = self.edge_times()
        lay = net.layer
        walk = lay == Layer.WALK
        ivt_mask = np.isin(lay, [Layer.BUS, Layer.METRO, Layer.CABLE])
        attr = np.zeros((K.N_ATTR, net.n_edges))
        attr[K.A_LEN] = np.where(self.is_drive, net.length_m, 0.0)
        attr[K.A_IVT] = np.where(ivt_mask, t, 0.0)
        attr[K.A_WAIT][self.board] = wait[self.board]
        attr[K.A_WAIT][self.transfer] = wait[self.transfer]
        attr[K.A_WALK] = np.where(walk, t, 0.0)
        attr[K.A_WALK][self.transfer] = self.transfer_walk
        attr[K.A_WALK][self.paid_walk] = t[self.paid_walk]  # walking inside the paid area
        attr[K.A_FARE][self.board] = net.fare[self.board]
        attr[K.A_FARE][self.transfer] = net.fare[self.transfer]  # a rise in fare, if any
        attr[K.A_BOARD][self.board] = 1.0
        attr[K.A_BOARD][self.transfer] = 1.0
        attr[K.A_RAIL] = np.where(np.isin(lay, [Layer.METRO, Layer.CABLE]), t, 0.0)
        attr[K.A_CABLE] = np.where(lay == Layer.CABLE, t, 0.0)
        drive = self.is_drive
        attr[K.A_MOTO][drive] = self.road_free[drive] + p.moto_delay_share * (
            t[drive] - self.road_free[drive]
        )
        vot_ref_s = self.vot_ref / 60.0
        gen = (
            attr[K.A_IVT]
            + p.wait_weight * attr[K.A_WAIT]
            + p.walk_weight * attr[K.A_WALK]
            + 60.0 * p.boarding_penalty_min * attr[K.A_BOARD]
            + attr[K.A_FARE] / vot_ref_s
        )
        per_block = (np.where(walk, t, 0.0), np.where(self.is_drive, t, 0.0), gen)
        bg = self.blocks
        weight = np.empty(bg.n_slots)
        for b, values in enumerate(per_block):
            lo, hi = bg.slot_off[b], bg.slot_off[b + 1]
            weight[lo:hi] = values[bg.slot_edge[lo:hi]]
        return weight, np.ascontiguousarray(bg.gather(attr).T)

    def _param_vector(self) -> NDArray[np.float64]:
        p, costs = self.params, self.city.costs
        v = np.zeros(K.N_PARAM)
        v[K.P_SCALE] = p.scale
        v[K.P_WWAIT] = p.wait_weight
        v[K.P_WWALK] = p.walk_weight
        v[K.P_PEN] = 60.0 * p.boarding_penalty_min
        v[K.P_CARKM] = costs.car_per_km
        v[K.P_MOTOKM] = costs.motorbike_per_km
        v[K.P_CARPARK] = costs.car_parking
        v[K.P_MOTOPARK] = costs.motorbike_parking
        v[K.P_MAXWALK] = 60.0 * p.max_walk_min
        v[K.P_ALPHA] = p.learning_rate
        v[K.P_MOTOPCE] = p.moto_pce
        v[K.P_HHFLOW] = self.households.weight * p.peak_hour_factor
        v[K.P_CUTOFF] = 60.0 * p.cutoff_min
        v[K.P_EGRESS] = 60.0 * p.egress_walk_max_min
        return v

    # ---------------------------------------------------------------- the day
    def _run_kernel(self, taste: NDArray[np.float64], *, walk: bool) -> NDArray[np.float64]:
        """Run the numba day; returns (car PCE flow, transit passenger flow) per network edge."""
        weight, attr = self._weights_and_attrs()
        bg = self.blocks
        flows = np.zeros((N_CHUNKS, bg.n_slots))
        bounds = np.linspace(0, self.dest.n, N_CHUNKS + 1).astype(np.int64)
        hh = self.households
        K.simulate_day(
            bg.rindptr, bg.rindices, bg.slot_head, weight, attr, bg.off, self.is_hop,
            self.stop_node, self.stop_walk, self.roots, bounds, self.hh_ptr, self.hh_order,
            self.hh_node, hh.access_s, self.walk_s, self.own, hh.vot, self.fare_factor, self.params.asc_vector(),
            self._param_vector(), taste, self.perceived, walk, self.zone_node,
            self.mode, self.travel_time_s, self.money_cost, self.road_km, self.gen_cost, self.skims,
            self.zone_skim, flows,
        )  # fmt: skip
        slot_flow = flows.sum(axis=0)
        car = np.zeros(bg.n_slots)
        car[bg.slot_off[1] : bg.slot_off[2]] = slot_flow[bg.slot_off[1] : bg.slot_off[2]]
        e = self.network.n_edges
        return np.vstack([bg.scatter(car, e), bg.scatter(slot_flow - car, e)])

    def _block_nodes(self, walk: NDArray[np.int64], drive: NDArray[np.int64]) -> NDArray:
        """Where trips start: nodes in the walk, car and transit blocks."""
        bg = self.blocks
        return np.vstack([bg.to_block(0, walk), bg.to_block(1, drive), bg.to_block(2, walk)])

    def _skim_only(self) -> NDArray[np.float32]:
        """Free-flow zone-to-destination minutes (walk, transit, car), with no households."""
        self.households = _no_households()
        self._index_households()
        self._reset_state()
        self._run_kernel(np.zeros((0, K.N_ALT)), walk=True)
        skim = self.zone_skim.copy()
        del self.households
        return skim

    def step(self) -> None:
        """One simulated day."""
        previous = self.mode.copy()
        t_now, _ = self.edge_times()
        y = self._run_kernel(self.taste, walk=not self._walk_done)
        self._walk_done = True
        self.relative_gap = self._gap(t_now, y[0])
        chosen = self.mode >= 0
        self.switching = (
            float(np.mean(previous[chosen] != self.mode[chosen])) if chosen.any() else 0
        )
        k = self.steps
        self.car_flow += (y[0] - self.car_flow) / k
        self.transit_flow += (y[1] - self.transit_flow) / k
        self.last_car_aon = y[0]
        self.datacollector.collect(self)

    def _gap(self, t: NDArray[np.float64], aon: NDArray[np.float64]) -> float:
        """Relative gap of road assignment: (x.t - y.t) / x.t for current flows x, AON flows y."""
        drive = self.is_drive
        xt = float(np.dot(self.car_flow[drive], t[drive]))
        if xt <= 0:
            return np.nan
        return (xt - float(np.dot(aon[drive], t[drive]))) / xt

    def run(self, days: int, *, stop_at_gap: bool = False) -> int:
        """Simulate up to ``days`` days; stop early when the relative gap and mode switching
        are both below ``params.tolerance`` (if ``stop_at_gap``). Returns days run."""
        for day in range(days):
            self.step()
            if stop_at_gap and day > 1 and abs(self.relative_gap) < self.params.tolerance \
                    and self.switching < self.params.tolerance:  # fmt: skip
                return day + 1
        return days

    # ---------------------------------------------------------------- outputs
    def _reporters(self) -> dict[str, Any]:
        reps: dict[str, Any] = {
            "relative_gap": lambda m: m.relative_gap,
            "switching": lambda m: m.switching,
            "mean_time_min": lambda m: float(np.nanmean(m.travel_time_s) / 60.0),
            "car_vkt": lambda m: m.car_vkt(),
            "co2_kg": lambda m: m.co2_kg(),
            "transit_boardings": lambda m: float(m.boardings().sum()),
            "ridership_by_line": lambda m: m.ridership_by_line(),
        }
        for i, name in enumerate(MODE_NAMES):
            reps[f"share_{name}"] = lambda m, i=i: float(np.mean(m.mode == i))
        for c in self.income_classes():
            sel = self.households.income_class == c
            for i, name in enumerate(MODE_NAMES):
                reps[f"share_{name}_c{c}"] = lambda m, i=i, s=sel: float(np.mean(m.mode[s] == i))
            reps[f"time_min_c{c}"] = lambda m, s=sel: float(np.nanmean(m.travel_time_s[s]) / 60)
            reps[f"cost_c{c}"] = lambda m, s=sel: float(np.nanmean(m.money_cost[s]))
            reps[f"fare_burden_c{c}"] = lambda m, s=sel: _mean(m.fare_burden()[s])
            reps[f"cost_burden_c{c}"] = lambda m, s=sel: _mean(m.cost_burden()[s])
        return reps

    def income_classes(self) -> list[int]:
        return sorted(int(c) for c in np.unique(self.households.income_class))

    def fare_burden(self, trips_per_month: float = TRIPS_PER_MONTH) -> NDArray[np.float64]:
        """Monthly transit fares over monthly income for households that ride (NaN otherwise).

        The fares are what the household pays, after any subsidy; ``trips_per_month`` is two
        trips a working day.
        """
        rides = np.isin(self.mode, (K.BUS, K.METRO, K.CABLE))
        return np.where(rides, self.money_cost * trips_per_month / self.households.income, np.nan)

    def cost_burden(self, trips_per_month: float = TRIPS_PER_MONTH) -> NDArray[np.float64]:
        """Monthly commuting money cost by any mode (fares, fuel, parking) over monthly income."""
        return self.money_cost * trips_per_month / self.households.income

    def expected_cost_min(self) -> NDArray[np.float64]:
        """Each household's expected generalised cost of commuting (the logsum), in minutes.

        ``-(1/scale) ln sum_a exp(scale (asc_a - cost_a))`` over the alternatives the household
        can use today, with ``cost_a`` today's generalised minutes: the expected best of its
        options, mode constants included and tastes integrated out (Small and Rosen, 1981).
        Its change between two scenarios is the household's change in welfare in minutes,
        negative for a gain, and it does not depend on which alternative the household happened
        to choose. NaN with no option.
        """
        p = self.params
        utility = p.scale * (p.asc_vector()[None, :] - self.skims)  # NaN where unavailable
        top = np.nanmax(np.where(np.isnan(utility), -np.inf, utility), axis=1)
        with np.errstate(invalid="ignore"):
            total = np.nansum(np.exp(utility - top[:, None]), axis=1)
            cost = -(top + np.log(total)) / p.scale
        return np.where(np.isfinite(top), cost, np.nan)

    def vehicle_km(self) -> dict[str, float]:
        """Vehicle-km driven in the modelled hour by car and by motorbike (today's trips).

        Each vehicle counts once (motorbikes are not converted to car units here), and every
        synthetic household stands for ``households.weight`` real ones.
        """
        scale = self.households.weight * self.params.peak_hour_factor
        km = np.nan_to_num(self.road_km)
        return {
            "car": float(km[self.mode == K.CAR].sum() * scale),
            "motorbike": float(km[self.mode == K.MOTO].sum() * scale),
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
        """Boardings per hour by line (smoothed), counting transfers as boardings."""
        net = self.network
        edges = np.concatenate([self.board, self.transfer])
        out = np.zeros(net.lines.n)
        np.add.at(out, net.edge_line[edges], self.transit_flow[edges])
        return out

    def ridership_by_line(self) -> dict[str, float]:
        b = self.boardings()
        names = self.network.lines.name
        return {str(names[i]): float(b[i]) for i in np.flatnonzero(b > 0)}

    def describe(self) -> dict[str, Any]:
        return {
            "households": self.households.n,
            "weight": self.households.weight,
            "destinations": self.dest.n,
            "params": asdict(self.params),
        }


def _mean(values: NDArray[np.float64]) -> float:
    """Mean over the finite values; NaN (without a warning) when there are none."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def random_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """The population's and the tastes' generators: two independent streams of one seed."""
    population, taste = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(population), np.random.default_rng(taste)


def _no_households() -> Households:
    z32, z64 = np.zeros(0, np.int32), np.zeros(0, np.int64)
    f, b = np.zeros(0), np.zeros(0, bool)
    return Households(
        home_zone=z32, work_zone=z32, home_node=z64, drive_node=z64, access_s=f, income=f,
        income_class=np.ones(1, np.int8)[:0], car=b, moto=b, vot=np.ones(0), weight=0.0,
    )  # fmt: skip
