"""Trips: who travels in the modelled peak hour, from where to where, and what they may use.

A *trip* row is one household's trips of one purpose (a segment: work, school, ...), standing
for ``flow`` trips an hour in the modelled hour, or one origin-destination pair of a fixed
stream of traffic from outside the study area (road vehicles or transit riders entering it,
through traffic, commercial vehicles). It carries what the day kernel needs: origin nodes,
destination zone, the alternatives it may use, its value of time and fare shares.

**What one simulated household is.** A synthetic household stands for ``weight`` real
households of the study area in the reference year (:func:`sim.demand_spec.households_represented`: the zone
population expanded by the censuses, over persons per household). Its trips of a segment are
``weight x persons per household x per_person x travel_share x peak_share`` trips an hour, all
to one destination drawn from the segment's gravity model. A household's welfare, money and
burdens are the sums over its trip rows; headline times and shares are over trips.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.city import City
from sim.demand_spec import SegmentSpec, StreamSpec
from sim.errors import ScenarioError
from sim.population import Households, gravity_matrix, sample_rows
from sim.sampling import stratified_uniforms

#: Indices of two alternatives (:data:`sim.modes.ALTERNATIVES`), in the kernel's order.
ALT_TRANSIT, ALT_CAR = 1, 2


@dataclass(frozen=True, eq=False)
class Trips:
    """One row per household and segment, or per origin-destination pair of a stream."""

    household: NDArray[np.int64]  # row of Households, -1 for fixed streams
    segment: NDArray[np.int8]  # row of ``segments``
    dest: NDArray[np.int32]  # destination zone (row of DestZones)
    walk_node: NDArray[np.int64]  # origin in the network (-1: none)
    drive_node: NDArray[np.int64]
    access_s: NDArray[np.float64]  # walk from the origin to the car
    car: NDArray[np.bool_]  # a car is available for this trip
    moto: NDArray[np.bool_]
    vot: NDArray[np.float64]  # money per minute
    fare1: NDArray[np.float64]  # share of boarding fares the traveller pays
    fare2: NDArray[np.float64]  # share of integrated transfer fares the traveller pays
    flow: NDArray[np.float64]  # trips (persons, or road vehicles) per hour in the modelled hour
    fixed: NDArray[np.int8]  # the alternative of a fixed stream, -1 if the trip chooses
    pce: NDArray[np.float64]  # car units of one road vehicle (residents' cars: 1)
    daily: NDArray[np.float64]  # trips a weekday (one way) this row stands for
    segments: tuple[str, ...] = ("work",)

    @property
    def n(self) -> int:
        return int(self.household.shape[0])

    def take(self, idx: NDArray[np.integer]) -> Trips:
        cols = {f.name: getattr(self, f.name)[idx] for f in fields(self) if f.name != "segments"}
        return replace(self, **cols)

    @property
    def chooses(self) -> NDArray[np.bool_]:
        return self.fixed < 0

    def segment_names(self) -> NDArray[np.str_]:
        return np.asarray(self.segments, dtype=str)[self.segment]


def concat(parts: list[Trips]) -> Trips:
    """Trips of several parts (segment numbers re-based onto the joined list of names)."""
    names: list[str] = []
    cols: dict[str, list[NDArray]] = {f.name: [] for f in fields(Trips) if f.name != "segments"}
    for part in parts:
        for f in cols:
            value = getattr(part, f)
            cols[f].append(value + len(names) if f == "segment" else value)
        names.extend(part.segments)
    joined = {f: np.concatenate(v) for f, v in cols.items()}
    joined["segment"] = joined["segment"].astype(np.int8)
    return Trips(**joined, segments=tuple(names))


# ------------------------------------------------------------------------------ expansion
def default_segment(peak_share: float) -> SegmentSpec:
    """One commute per household to a job, ``peak_share`` of them in the modelled hour (a city
    that states no demand)."""
    return SegmentSpec(name="work", per_person=1.0, peak_share=peak_share,
                       source="assumption: one commute per household")  # fmt: skip


# ------------------------------------------------------------------------------ residents
def resident_trips(city: City, hh: Households, fare_factor: NDArray[np.float64],
                   peak_share: float) -> Trips:  # fmt: skip
    """Each household's trips of each segment, to the destinations drawn for it
    (``hh.destinations``). Without a ``[demand]`` table each household makes one commute to its
    ``work_zone``, ``peak_share`` of them in the modelled hour."""
    if city.demand is None:
        seg = default_segment(peak_share)
        return _household_rows(hh, seg, hh.work_zone, hh.weight * seg.per_person_in_peak,
                               fare_factor)  # fmt: skip
    if hh.destinations is None or hh.destinations.shape[1] != len(city.demand.segments):
        raise ScenarioError("households need one destination per demand segment")
    pph = city.demand.persons_per_household
    parts = [
        _household_rows(
            hh, seg, hh.destinations[:, i], hh.weight * pph * seg.per_person_in_peak, fare_factor
        )  # fmt: skip
        for i, seg in enumerate(city.demand.segments)
    ]
    return concat(parts)


def _household_rows(hh: Households, seg: SegmentSpec, to: NDArray[np.int32], flow: float,
                    fare_factor: NDArray[np.float64]) -> Trips:  # fmt: skip
    n = hh.n
    return Trips(
        household=np.arange(n, dtype=np.int64),
        segment=np.zeros(n, np.int8),
        dest=to.astype(np.int32),
        walk_node=hh.home_node.astype(np.int64),
        drive_node=hh.drive_node.astype(np.int64),
        access_s=hh.access_s.astype(float),
        car=hh.car & seg.car,
        moto=hh.moto & seg.car,
        vot=hh.vot.astype(float),
        fare1=fare_factor * seg.fare_share,
        fare2=fare_factor * seg.transfer_share,
        flow=np.full(n, flow),
        fixed=np.full(n, -1, np.int8),
        pce=np.ones(n),
        daily=np.full(n, flow / seg.peak_share),
        segments=(seg.name,),
    )


def draw_destinations(
    home_zone: NDArray[np.int32],
    attraction: NDArray[np.float64],
    minutes: NDArray[np.float64],
    rng: np.random.Generator,
    *,
    beta: float,
) -> NDArray[np.int32]:
    """Each household's destination, from a doubly constrained gravity model's row of its home
    zone (``minutes``: zones x destinations)."""
    n_zones, n_dest = minutes.shape
    if attraction.sum() <= 0:
        raise ScenarioError("a segment's destinations have no jobs or schools at all")
    origins = np.bincount(home_zone, minlength=n_zones).astype(float)
    trips = gravity_matrix(origins, attraction, minutes, beta=beta)
    u = stratified_uniforms(home_zone, rng)  # each row's destinations in expected numbers
    return sample_rows(home_zone, origins, trips, minutes, u, n_dest)


# ------------------------------------------------------------------------------ streams
@dataclass(frozen=True, eq=False)
class Places:
    """Where streams start and end: each kind of place's drive node, walk node, weight and,
    for destinations, destination zone."""

    drive: dict[str, NDArray[np.int64]]
    walk: dict[str, NDArray[np.int64]]
    weight: dict[str, NDArray[np.float64]]
    dest: dict[str, NDArray[np.int64]]


def stream_trips(streams: tuple[StreamSpec, ...], places: Places, drive_minutes,
                 vot: float) -> Trips:  # fmt: skip
    """Every stream's origin-destination flows, as fixed trips.

    Origins share the stream's flow by their weight; each origin's flow goes to destinations in
    proportion to ``weight x exp(-beta minutes)`` (free-flow car minutes between their drive
    nodes, ``drive_minutes(origin_nodes, destination_nodes)``). Through traffic (entries to
    entries) goes to entries at least :data:`THROUGH_MIN_MINUTES` away, by weight alone.
    """
    parts = []
    for s in streams:
        o_w = places.weight[s.origins]
        d_w = places.weight[s.destinations]
        if s.flow == 0 or o_w.sum() <= 0 or d_w.sum() <= 0:
            continue
        t = drive_minutes(places.drive[s.origins], places.drive[s.destinations])
        if s.origins == s.destinations == "entries":
            share = np.where(t >= THROUGH_MIN_MINUTES, d_w[None, :], 0.0)
        else:
            share = d_w[None, :] * np.exp(-s.gravity_beta * np.where(np.isfinite(t), t, np.inf))
        total = share.sum(axis=1, keepdims=True)
        share = np.divide(share, total, out=np.zeros_like(share), where=total > 0)
        od = (s.flow * o_w / o_w.sum())[:, None] * share
        o, d = np.nonzero(od > 0)
        parts.append(_stream_rows(s, places, o, d, od[o, d], vot))
    return concat(parts) if parts else _empty()


#: Through traffic only goes to entries at least this far (free-flow car minutes) away.
THROUGH_MIN_MINUTES = 5.0


def _stream_rows(s: StreamSpec, places: Places, o, d, flow, vot: float) -> Trips:
    n = o.shape[0]
    road = s.mode == "road"
    walk = places.walk[s.origins][o] if not road else np.full(n, -1, np.int64)
    return Trips(
        household=np.full(n, -1, np.int64),
        segment=np.zeros(n, np.int8),
        dest=places.dest[s.destinations][d].astype(np.int32),
        walk_node=walk.astype(np.int64),
        drive_node=places.drive[s.origins][o].astype(np.int64) if road else np.full(n, -1),
        access_s=np.zeros(n),
        car=np.full(n, road),
        moto=np.zeros(n, bool),
        vot=np.full(n, vot),
        fare1=np.zeros(n),
        fare2=np.zeros(n),
        flow=flow.astype(float),
        fixed=np.full(n, ALT_CAR if road else ALT_TRANSIT, np.int8),
        pce=np.full(n, s.pce if road else 1.0),
        daily=np.full(n, np.nan),  # streams are peak-hour flows only
        segments=(s.name,),
    )


def _empty() -> Trips:
    z = np.zeros(0, np.int64)
    f = np.zeros(0)
    b = np.zeros(0, bool)
    return Trips(household=z, segment=np.zeros(0, np.int8), dest=np.zeros(0, np.int32),
                 walk_node=z, drive_node=z, access_s=f, car=b, moto=b, vot=f, fare1=f, fare2=f,
                 flow=f, fixed=np.zeros(0, np.int8), pce=f, daily=f, segments=())  # fmt: skip


def drive_minutes_fn(indptr_tail, head, seconds, n_nodes):
    """A function giving free-flow minutes between drive nodes (scipy Dijkstra, cached by
    origin set)."""
    graph = csr_matrix((np.maximum(seconds, 1e-9), (indptr_tail, head)), shape=(n_nodes, n_nodes))

    def minutes(origins: NDArray[np.int64], destinations: NDArray[np.int64]) -> NDArray:
        uniq, inv = np.unique(origins, return_inverse=True)
        dist = dijkstra(graph, indices=uniq)[:, destinations] / 60.0
        return dist[inv]

    return minutes
