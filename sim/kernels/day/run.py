"""One pass of the day kernel: the public, checking :func:`run_pass` and the private numba
kernel it calls, which runs every destination zone (trees, skims, choices, loads) in a fixed
number of chunks.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.kernels.day.choice import (
    _choose,
    _road_skims,
    _transit_skim,
    _zone_car,
    _zone_transit,
    _zone_walk,
)
from sim.kernels.day.layout import (
    A_LEN,
    ALT_CAR,
    ALT_MOTO,
    ALT_TRANSIT,
    N_ALT,
    N_ATTR,
    N_BLOCKS,
    N_SCALARS,
    N_TRANSIT_ATTR,
    N_ZONE_PARTS,
    S_CUTOFF,
    S_EGRESS,
    S_MOTOPCE,
    S_WWALK,
    Costs,
    Graph,
    Out,
    Params,
    State,
    Trips,
)
from sim.kernels.day.trees import _accumulate, _grow, _push, _seed
from sim.kernels.dijkstra import _dijkstra_seeded

#: Array kinds (numpy ``dtype.kind``) the kernel takes: floats, integers, small integer flags.
_FLOAT, _INT = "f", "iu"


def run_pass(g: Graph, costs: Costs, trips: Trips, p: Params, state: State, out: Out) -> None:
    """One pass over every destination zone (see :mod:`sim.kernels.day`).

    Checks the arguments' types, array kinds and shapes against each other, then runs the
    numba kernel, which writes ``state`` (``walk_s`` and ``km_ff`` when ``p.do_walk``,
    ``perceived`` when ``p.dynamic``) and every array of ``out``.

    Raises
    ------
    TypeError
        An argument is not the named tuple its place takes, or an array has the wrong kind.
    ValueError
        An array's shape does not match the others'.
    """
    check_arguments(g, costs, trips, p, state, out)
    _run_pass(g, costs, trips, p, state, out)


def check_arguments(g: Graph, costs: Costs, trips: Trips, p: Params, state: State,
                    out: Out) -> None:  # fmt: skip
    """Check the six arguments of :func:`run_pass` (see there)."""
    for name, value, kind in (("g", g, Graph), ("costs", costs, Costs), ("trips", trips, Trips),
                              ("p", p, Params), ("state", state, State), ("out", out, Out)):  # fmt: skip
        if not isinstance(value, kind):
            raise TypeError(f"`{name}` must be a {kind.__name__}, not {type(value).__name__}")
    n, slots = len(g.rindptr) - 1, len(g.rindices)
    n_dest, n_zones, n_trips = len(trips.ptr) - 1, g.zone_node.shape[1], len(trips.order)
    n_class, n_chunks = costs.transit.shape[0], len(trips.chunks) - 1
    t4, stops = (n_trips, N_ALT), len(g.stop_node)
    _check("g", g, {"rindptr": (_INT, (n + 1,)), "rindices": (_INT, (slots,)),
                    "slot_head": (_INT, (slots,)), "off": (_INT, (N_BLOCKS + 1,)),
                    "is_hop": (_INT, (slots,)), "stop_node": (_INT, (stops,)),
                    "stop_walk": (_INT, (stops,)), "roots": (_INT, (2, n_dest)),
                    "car_end_s": (_FLOAT, (n_dest,)), "moto_end_s": (_FLOAT, (n_dest,)),
                    "zone_node": (_INT, (N_BLOCKS, n_zones))})  # fmt: skip
    _check("costs", costs, {"street": (_FLOAT, (slots,)), "transit": (_FLOAT, (n_class, slots)),
                            "attr": (_FLOAT, (slots, N_ATTR))})  # fmt: skip
    per_trip = {name: (_FLOAT, (n_trips,)) for name in ("access_s", "vot", "fare1", "fare2",
                                                        "flow", "pce")}  # fmt: skip
    per_trip.update({name: (_INT, (n_trips,)) for name in ("order", "klass", "segment", "fixed")})
    _check("trips", trips, {"ptr": (_INT, (n_dest + 1,)), "node": (_INT, (N_BLOCKS, n_trips)),
                            "own": (_INT, (n_trips, 2)), "chunks": (_INT, (n_chunks + 1,)),
                            **per_trip})  # fmt: skip
    _check("p", p, {"asc": (_FLOAT, (p.asc.shape[0], N_ALT)), "scalars": (_FLOAT, (N_SCALARS,)),
                    "class_m1": (_FLOAT, (n_class,)), "class_m2": (_FLOAT, (n_class,))})  # fmt: skip
    _check("state", state, {"walk_s": (_FLOAT, (n_trips,)), "km_ff": (_FLOAT, (n_trips,)),
                            "perceived": (_FLOAT, t4), "taste": (_FLOAT, t4)})  # fmt: skip
    per_chunk = (_FLOAT, (n_chunks, slots))
    _check("out", out, {"prob": (_FLOAT, t4), "skim": (_FLOAT, t4), "time_s": (_FLOAT, t4),
                        "money": (_FLOAT, t4), "km": (_FLOAT, t4),
                        "route": (_FLOAT, (n_trips, 2)), "main": (_INT, (n_trips,)),
                        "zone_skim": (_FLOAT, (2 + n_class, n_zones, n_dest)),
                        "zone_parts": (_FLOAT, (N_ZONE_PARTS, n_zones, n_dest)),
                        "flow": per_chunk, "flow_m1": per_chunk, "flow_m2": per_chunk,
                        "egress": (_FLOAT, (n_chunks,))})  # fmt: skip


def _check(where: str, record: tuple, spec: dict[str, tuple[str, tuple[int, ...]]]) -> None:
    for name, (kinds, shape) in spec.items():
        value = getattr(record, name)
        if not isinstance(value, np.ndarray) or value.dtype.kind not in kinds:
            what = "floats" if kinds == _FLOAT else "integers"
            raise TypeError(f"`{where}.{name}` must be an array of {what}, not "
                            f"{getattr(value, 'dtype', type(value).__name__)}")  # fmt: skip
        if value.shape != shape:
            raise ValueError(f"`{where}.{name}` has shape {value.shape}; expected {shape}")


@njit(cache=True, parallel=True)
def _run_pass(g, costs, trips, p, state, out):
    """One pass over every destination zone (see :mod:`sim.kernels.day`)."""
    n = g.rindptr.shape[0] - 1
    n_slots = g.rindices.shape[0]
    n_chunks = trips.chunks.shape[0] - 1
    n_class = costs.transit.shape[0]
    cutoff = p.scalars[S_CUTOFF]
    off = g.off
    for c in prange(n_chunks):
        dist = np.empty(n)
        pred = np.empty(n, np.int64)
        order = np.empty(n, np.int64)
        hk = np.empty(n_slots + 1)
        hn = np.empty(n_slots + 1, np.int32)
        acc = np.zeros((n, N_TRANSIT_ATTR))
        root_acc = np.zeros((n, N_TRANSIT_ATTR))
        seed_slot = np.full(n, -1, np.int64)
        seed_egress = np.zeros(n)
        seeds = np.empty(n, np.int64)
        seed_dist = np.empty(n)
        demand = np.zeros(n)
        none = np.zeros(0)
        for d in range(trips.chunks[c], trips.chunks[c + 1]):
            _destination(g, costs, trips, p, state, out, c, d, n_class, cutoff, off, dist, pred,
                         order, hk, hn, acc, root_acc, seed_slot, seed_egress, seeds, seed_dist,
                         demand, none)  # fmt: skip


@njit(cache=True, nogil=True)
def _destination(g, costs, trips, p, state, out, c, d, n_class, cutoff, off, dist, pred, order,
                 hk, hn, acc, root_acc, seed_slot, seed_egress, seeds, seed_dist, demand,
                 none):  # fmt: skip
    """Every tree, skim, choice and load of destination ``d``."""
    s = p.scalars
    has_walk = g.roots[0, d] >= 0
    # walk: the full tree once (static: everyone can walk), later only as far as egress walks go
    _grow(g, costs.street, off[0], off[1], g.roots[0, d],
                   np.inf if p.do_walk else s[S_EGRESS], dist, pred, order, hk, hn)  # fmt: skip
    n_car = _grow(g, costs.street, off[1], off[2], g.roots[1, d], cutoff, dist, pred, order, hk,
                  hn)  # fmt: skip
    _accumulate(order, off[1], n_car, pred, g.slot_head, costs.attr, A_LEN, 2, acc, root_acc)
    lo, hi = trips.ptr[d], trips.ptr[d + 1]
    if p.do_walk:
        for i in range(lo, hi):
            h = trips.order[i]
            v = trips.node[0, h]
            state.walk_s[h] = dist[v] if v >= 0 and has_walk else np.inf
            r = trips.node[1, h]
            state.km_ff[h] = acc[r, 0] / 1000.0 if r >= 0 and dist[r] < np.inf else np.nan
        _zone_walk(g, d, dist, has_walk, out.zone_skim)
    _zone_car(g, d, dist, acc, out.zone_skim, out.zone_parts)
    for i in range(lo, hi):
        h = trips.order[i]
        _road_skims(g, trips, p, state, out, h, d, dist, acc)
    # one transit tree per routing class; trips of that class choose, and load it, in turn
    for k in range(n_class):
        weight = costs.transit[k]
        n_tr = 0
        n_seeds = 0
        if has_walk:
            n_seeds = _seed(g, weight, costs.attr, dist, s[S_EGRESS], s[S_WWALK], seeds,
                            seed_dist, seed_slot, seed_egress, root_acc)  # fmt: skip
            dist[off[2] : off[3]] = np.inf
            n_tr, _ = _dijkstra_seeded(g.rindptr, g.rindices, np.arange(g.rindices.shape[0]),
                                       weight, seeds[:n_seeds], seed_dist[:n_seeds], cutoff,
                                       dist, pred, order[off[2] : off[3]], hk, hn)  # fmt: skip
            _accumulate(order, off[2], n_tr, pred, g.slot_head, costs.attr, 0, N_TRANSIT_ATTR,
                        acc, root_acc)  # fmt: skip
        else:
            dist[off[2] : off[3]] = np.inf
        _zone_transit(g, p, d, k, dist, acc, out.zone_skim, out.zone_parts)
        for i in range(lo, hi):
            h = trips.order[i]
            if trips.klass[h] != k:
                continue
            _transit_skim(trips, p, out, h, dist, acc)
            _choose(trips, p, state, out, h, d)
            q = trips.flow[h]
            if trips.node[1, h] >= 0:
                road = trips.pce[h] * out.prob[h, ALT_CAR] + s[S_MOTOPCE] * out.prob[h, ALT_MOTO]
                demand[trips.node[1, h]] += q * road
            if trips.node[2, h] >= 0:
                demand[trips.node[2, h]] += q * out.prob[h, ALT_TRANSIT]
        _push(order, off[2], n_tr, pred, g.slot_head, demand, out.flow[c], out.flow_m1[c],
              p.class_m1[k], out.flow_m2[c], p.class_m2[k], seed_slot, seed_egress,
              out.egress[c : c + 1])  # fmt: skip
        for j in range(n_seeds):
            seed_slot[seeds[j]] = -1
    _push(order, off[1], n_car, pred, g.slot_head, demand, out.flow[c], none, 0.0, none, 0.0,
          seed_slot, seed_egress, none)  # fmt: skip
