"""What one pass of the day kernel needs and gives: network costs at given flows, routing
classes, the kernel's arguments (built and checked once), and the pass itself.

:class:`NetworkCosts` turns link flows into link costs (congested road times, bus times on
congested roads, waits and crowding) and those into the kernel's slot weights, one transit
weight per *routing class*: trips are routed with the money weight (minutes per unit of money)
of their class, each class spanning a range of the population's values of time and fare
shares, then evaluated on their own. :func:`run_pass` calls :func:`sim.kernels.day.run_pass`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.congestion import RoadCosts, TransitCrowding
from sim.kernels import day as K
from sim.network.arrays import Layer, MultimodalNetwork, lines_in_service
from sim.network.blocks import BlockGraph

if TYPE_CHECKING:
    from sim.choice import ChoiceParams
    from sim.demand import Trips

#: Chunks of destinations in a pass. Fixed, so sums (and results) do not depend on how many
#: threads numba uses.
N_CHUNKS = 32
IN_VEHICLE = (Layer.BUS, Layer.METRO, Layer.CABLE)


@dataclass(frozen=True, eq=False)
class RoutingClasses:
    """Each trip's routing class and each class's money weights (minutes per unit of money)
    for boarding fares (``m1``) and integrated transfer fares (``m2``)."""

    klass: NDArray[np.int64]
    m1: NDArray[np.float64]
    m2: NDArray[np.float64]

    @property
    def n(self) -> int:
        return int(self.m1.shape[0])


def routing_classes(trips: Trips, n_classes: int) -> RoutingClasses:
    """Split the trips that choose into ``n_classes`` classes of equal flow by their
    boarding-fare weight ``fare1 / vot``; a class routes with the flow-weighted median weights of
    its members. Fixed streams take the class whose weight is nearest theirs."""
    m1 = trips.fare1 / trips.vot
    m2 = trips.fare2 / trips.vot
    ch = np.flatnonzero(trips.chooses)
    klass = np.zeros(trips.n, np.int64)
    if ch.size == 0:
        return RoutingClasses(klass, np.zeros(1), np.zeros(1))
    order = ch[np.argsort(m1[ch], kind="stable")]
    cum = np.cumsum(trips.flow[order])
    total = cum[-1] if cum[-1] > 0 else 1.0
    mid = (cum - trips.flow[order] * 0.5) / total * n_classes
    klass[order] = np.minimum(mid, n_classes - 1).astype(np.int64)
    w1, w2 = np.zeros(n_classes), np.zeros(n_classes)
    for c in range(n_classes):
        mine = ch[klass[ch] == c]
        if mine.size:
            w1[c] = _weighted_median(m1[mine], trips.flow[mine])
            w2[c] = _weighted_median(m2[mine], trips.flow[mine])
    fixed = np.flatnonzero(~trips.chooses)
    klass[fixed] = np.argmin(np.abs(m1[fixed, None] - w1[None, :]), axis=1)
    return RoutingClasses(klass, w1, w2)


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


@dataclass(frozen=True, eq=False)
class EdgeState:
    """Link costs at given flows (seconds; per network edge)."""

    time_s: NDArray[np.float64]  # traversal: congested roads, buses on them, free elsewhere
    wait_s: NDArray[np.float64]  # boarding and transfer edges: mean wait (+ failure to board)
    crowd_s: NDArray[np.float64]  # in-vehicle edges: perceived extra seconds from crowding


class NetworkCosts:
    """Costs of one network under given flows (what the kernel's weights are made of)."""

    def __init__(self, net: MultimodalNetwork, blocks: BlockGraph, params: ChoiceParams) -> None:
        self.net, self.blocks, self.params = net, blocks, params
        lay = net.layer
        self.is_drive = lay == Layer.DRIVE
        self.drive = np.flatnonzero(self.is_drive)
        self.board = np.flatnonzero(lay == Layer.BOARD)
        self.transfer = np.flatnonzero(lay == Layer.TRANSFER)
        self.in_vehicle = np.flatnonzero(np.isin(lay, IN_VEHICLE))
        # walking inside the transit block: streets, and between stops inside a fare system
        self.walk = np.flatnonzero((lay == Layer.WALK) | (lay == Layer.PAID_WALK))
        self.base_edge = net.base_edge()  # fare-level copies ride their base edge's vehicle
        self.hop_of_road = np.repeat(np.arange(net.bus_edges.size), np.diff(net.bus_hop_indptr))
        self.bus_preload = self._bus_preload()
        self.roads = RoadCosts(net, alpha=params.bpr_alpha, beta=params.bpr_beta)
        self.free = net.time_s.copy()  # zero-flow times: junction delays of empty roads included
        self.free[self.roads.edges] = self.roads.free_times()
        # what a bus hop's time is scaled by that no flow changes (:meth:`state`)
        self._bus_lane_roads = net.bus_lane[net.bus_hop_roads] > 0
        self._bus_free_roads = self.free[net.bus_hop_roads]
        self._bus_free = np.bincount(self.hop_of_road, weights=self._bus_free_roads,
                                     minlength=net.bus_edges.size)  # fmt: skip
        self.crowding = TransitCrowding(net)
        self.fare_board = np.zeros(net.n_edges)
        self.fare_board[self.board] = net.fare[self.board]
        self.fare_transfer = np.zeros(net.n_edges)
        self.fare_transfer[self.transfer] = net.fare[self.transfer]

    def _bus_preload(self) -> NDArray[np.float64]:
        """Buses on each road edge, in PCE per hour (removed lines run none)."""
        net = self.net
        load = np.zeros(net.n_edges)
        if net.bus_edges.size == 0:
            return load
        line = net.edge_line[net.bus_edges]
        per_hour = np.where(lines_in_service(net)[line], 3600.0 / net.lines.headway_s[line], 0.0)
        counts = np.diff(net.bus_hop_indptr)
        np.add.at(load, net.bus_hop_roads, np.repeat(per_hour, counts) * self.params.bus_pce)
        return load

    # ------------------------------------------------------------------ link costs
    def road_slopes(self, car_flow: NDArray[np.float64]) -> NDArray[np.float64]:
        """d(seconds)/d(PCE per hour) of the drive edges at the given flows."""
        d = self.drive
        return self.roads.marginal(car_flow[d] + self.bus_preload[d])

    def road_times(self, car_flow: NDArray[np.float64]) -> NDArray[np.float64]:
        """Congested seconds of the drive edges: running time, signals and priority junctions
        (:class:`sim.congestion.RoadCosts`) under cars, motorbikes and buses, in PCE."""
        d = self.drive
        return self.roads.times(car_flow[d] + self.bus_preload[d])

    def transit_slopes(self, car_flow: NDArray[np.float64], transit_flow: NDArray[np.float64],
                       state: EdgeState | None = None) -> tuple[NDArray, NDArray]:  # fmt: skip
        """In-vehicle edges and d(perceived seconds)/d(passengers per hour) of their crowding
        (``state``: the edge state at these flows, if the caller has it)."""
        crowd = self.crowding
        t = (state or self.state(car_flow, transit_flow)).time_s
        return crowd.ivt, t[crowd.ivt] * crowd.ivt_multiplier(transit_flow)[1]

    def state(self, car_flow: NDArray[np.float64], transit_flow: NDArray[np.float64]) -> EdgeState:
        net = self.net
        t = net.time_s.copy()
        t[self.drive] = self.road_times(car_flow)
        if net.bus_edges.size:
            # a bus hop takes its scheduled time scaled by the congestion on its roads; beside
            # a busway or in a bus lane of its own it keeps their free-flow time (no car queue)
            roads = net.bus_hop_roads
            ran = np.where(self._bus_lane_roads, self._bus_free_roads, t[roads])
            cong = np.bincount(self.hop_of_road, weights=ran, minlength=net.bus_edges.size)
            free = self._bus_free
            ratio = np.where(free > 0, cong / np.where(free > 0, free, 1.0), 1.0)
            t[net.bus_edges] = net.time_s[net.bus_edges] * ratio
        t = t[self.base_edge]
        crowd = self.crowding
        extra = np.zeros(net.n_edges)
        extra[crowd.ivt] = t[crowd.ivt] * (crowd.ivt_multiplier(transit_flow)[0] - 1.0)
        wait = np.zeros(net.n_edges)
        wait[self.board] = net.time_s[self.board]
        wait[self.transfer] = net.time_s[self.transfer]
        wait[crowd.boarding] += crowd.boarding_wait(transit_flow)[0]
        return EdgeState(time_s=t, wait_s=wait, crowd_s=extra)

    def transit_time(self, s: EdgeState) -> NDArray[np.float64]:
        """Class-independent generalised seconds of every transit-block edge (fares excluded)."""
        p = self.params
        tau = np.zeros(self.net.n_edges)
        tau[self.walk] = p.walk_weight * s.time_s[self.walk]
        iv = self.in_vehicle
        tau[iv] = s.time_s[iv] + s.crowd_s[iv]
        pen = 60.0 * p.boarding_penalty_min
        tau[self.board] = p.wait_weight * s.wait_s[self.board] + pen
        tr = self.transfer
        tau[tr] = p.wait_weight * s.wait_s[tr] + pen
        return tau

    # ------------------------------------------------------------------ kernel weights
    def kernel_costs(self, s: EdgeState, classes: RoutingClasses) -> K.Costs:
        """The kernels' weights (:meth:`slot_weights`) and every slot's attributes."""
        return K.Costs(*self.slot_weights(s, classes), self._slot_attributes(s))

    def _slot_attributes(self, s: EdgeState) -> NDArray[np.float64]:
        """Each slot's in-vehicle, crowding, wait, walk, fare ... attributes (``K.A_*``), which
        a pass adds up along the chosen paths."""
        net, p = self.net, self.params
        lay = net.layer
        attr = np.zeros((K.N_ATTR, net.n_edges))
        attr[K.A_IVT][self.in_vehicle] = s.time_s[self.in_vehicle]
        attr[K.A_CROWD][self.in_vehicle] = s.crowd_s[self.in_vehicle]
        attr[K.A_WAIT][self.board] = s.wait_s[self.board]
        attr[K.A_WAIT][self.transfer] = s.wait_s[self.transfer]
        attr[K.A_WALK][self.walk] = s.time_s[self.walk]
        attr[K.A_FARE] = self.fare_board
        attr[K.A_XFARE] = self.fare_transfer
        attr[K.A_BOARD][self.board] = 1.0
        attr[K.A_BOARD][self.transfer] = 1.0
        rail = np.isin(lay, [Layer.METRO, Layer.CABLE])
        attr[K.A_RAIL][rail] = s.time_s[rail]
        cable = lay == Layer.CABLE
        attr[K.A_CABLE][cable] = s.time_s[cable]
        d = self.drive
        attr[K.A_LEN][d] = net.length_m[d]
        attr[K.A_MOTO][d] = self.free[d] + p.moto_delay_share * (s.time_s[d] - self.free[d])
        return np.ascontiguousarray(self.blocks.gather(attr).T)

    def slot_weights(self, s: EdgeState, classes: RoutingClasses) -> tuple[NDArray, NDArray]:
        """Per slot, the seconds of the walk and car blocks, and per routing class the
        generalised seconds (fares at its money weights) of the transit block."""
        net, bg = self.net, self.blocks
        lay = net.layer
        tau = self.transit_time(s)
        street = np.where(self.is_drive | (lay == Layer.WALK), s.time_s, 0.0)  # walk, car blocks
        lo0, hi0 = bg.slot_off[0], bg.slot_off[2]
        lo2, hi2 = bg.slot_off[2], bg.slot_off[3]
        street_slots = np.zeros(bg.n_slots)
        street_slots[lo0:hi0] = street[bg.slot_edge[lo0:hi0]]
        transit = np.zeros((classes.n, bg.n_slots))
        edges = bg.slot_edge[lo2:hi2]
        for c in range(classes.n):
            money = 60.0 * (classes.m1[c] * self.fare_board + classes.m2[c] * self.fare_transfer)
            transit[c, lo2:hi2] = (tau + money)[edges]
        return street_slots, transit


@dataclass(frozen=True, eq=False)
class PassResult:
    """What one pass gives: per-trip arrays (the kernel's ``Out``) and flows per network edge."""

    out: K.Out
    car_flow: NDArray[np.float64]  # PCE per hour
    transit_flow: NDArray[np.float64]  # passengers per hour
    m1_flow: NDArray[np.float64]  # passengers x class money weight of boarding fares
    m2_flow: NDArray[np.float64]  # passengers x class money weight of transfer fares
    egress: float  # transit trips' weighted walks from their last stop, trip-minutes per hour


def kernel_trips(trips: Trips, classes: RoutingClasses, blocks: BlockGraph,
                 n_dest: int) -> K.Trips:  # fmt: skip
    """The trips as the kernel reads them: grouped by destination, nodes in block numbering."""
    order = np.argsort(trips.dest, kind="stable").astype(np.int64)
    ptr = np.zeros(n_dest + 1, np.int64)
    np.cumsum(np.bincount(trips.dest, minlength=n_dest), out=ptr[1:])
    node = block_nodes(blocks, trips.walk_node, trips.drive_node)
    own = np.column_stack([trips.car, trips.moto]).astype(np.uint8)
    chunks = np.linspace(0, n_dest, N_CHUNKS + 1).astype(np.int64)
    return K.Trips(ptr, order, node, trips.access_s.astype(float), own, trips.vot.astype(float),
                   trips.fare1.astype(float), trips.fare2.astype(float), classes.klass,
                   trips.flow.astype(float), np.asarray(trips.pce, float),
                   trips.segment.astype(np.int64), trips.fixed.astype(np.int64), chunks)  # fmt: skip


def block_nodes(blocks: BlockGraph, walk: NDArray, drive: NDArray) -> NDArray[np.int64]:
    """Where trips start in the walk, car and transit blocks (-1 where not in a block)."""
    walk = np.asarray(walk, np.int64)
    drive = np.asarray(drive, np.int64)
    rows = []
    for b, nodes in ((0, walk), (1, drive), (2, walk)):
        ok = nodes >= 0
        row = np.full(nodes.shape, -1, np.int64)
        row[ok] = blocks.to_block(b, nodes[ok])
        rows.append(row)
    return np.vstack(rows)


def new_out(n_trips: int, n_zones: int, n_dest: int, n_classes: int, n_slots: int) -> K.Out:
    t4 = (n_trips, K.N_ALT)
    return K.Out(
        prob=np.zeros(t4), skim=np.full(t4, np.inf), time_s=np.full(t4, np.nan),
        money=np.full(t4, np.nan), km=np.full(t4, np.nan), route=np.full((n_trips, 2), np.inf),
        main=np.full(n_trips, -1, np.int8),
        zone_skim=np.full((2 + n_classes, n_zones, n_dest), np.inf, np.float32),
        zone_parts=np.full((K.N_ZONE_PARTS, n_zones, n_dest), np.inf, np.float32),
        flow=np.zeros((N_CHUNKS, n_slots)), flow_m1=np.zeros((N_CHUNKS, n_slots)),
        flow_m2=np.zeros((N_CHUNKS, n_slots)), egress=np.zeros(N_CHUNKS),
    )  # fmt: skip


def run_pass(graph: K.Graph, costs: K.Costs, trips: K.Trips, params: K.Params, state: K.State,
             out: K.Out, blocks: BlockGraph, n_edges: int) -> PassResult:  # fmt: skip
    """Run the kernel and sum its per-chunk flows (in chunk order) onto network edges."""
    for name in ("flow", "flow_m1", "flow_m2", "egress"):
        getattr(out, name)[:] = 0.0
    K.run_pass(graph, costs, trips, params, state, out)
    bg = blocks
    slot = out.flow.sum(axis=0)
    car = np.zeros(bg.n_slots)
    car[bg.slot_off[1] : bg.slot_off[2]] = slot[bg.slot_off[1] : bg.slot_off[2]]
    return PassResult(
        out=out,
        car_flow=bg.scatter(car, n_edges),
        transit_flow=bg.scatter(slot - car, n_edges),
        m1_flow=bg.scatter(out.flow_m1.sum(axis=0), n_edges),
        m2_flow=bg.scatter(out.flow_m2.sum(axis=0), n_edges),
        egress=float(out.egress.sum()) / 60.0,
    )
