"""Door-to-door minutes between two points at a solved model's costs (``ladera skim``).

The point-to-point skim runs the model's own kernel (:func:`sim.kernels.day.run_pass`) on a
graph with one destination (the nodes nearest the ``to`` point) and one trip (from the nodes
nearest the ``from`` point), at the link costs of the model's current flows: so its minutes are
the model's own, not a second router's. A first pass at free flow fixes the walk and the
free-flow road distance, as the model's first pass does for its trips.

Transit is split into walk, wait and in-vehicle minutes on the same tree: the kernel sums the
path's components into one time (in-vehicle + wait + walk); passes with some components'
per-link values set to zero (the tree, grown on generalised costs, does not change) recover
each: walk = the pass with walk only; in-vehicle = the pass with in-vehicle only, less the
egress walk the kernel always adds (the pass with nothing); wait = the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.assign import block_nodes, kernel_trips, new_out, run_pass
from sim.constants import WALK_SPEED_MPS
from sim.errors import ScenarioError
from sim.kernels import day as K
from sim.network.arrays import NodeKind
from sim.network.build import projector
from sim.placement import node_index

if TYPE_CHECKING:
    from sim.model import CommuteModel

MODES = ("walk", "transit", "car", "motorbike")
#: Transit components that can be isolated: their attribute columns in the kernel.
PARTS = {"in_vehicle": K.A_IVT, "wait": K.A_WAIT, "walk": K.A_WALK, "boardings": K.A_BOARD}


@dataclass(frozen=True)
class Point:
    lon: float
    lat: float

    @staticmethod
    def parse(text: str, flag: str) -> Point:
        """``"LON,LAT"`` (degrees) as given to ``--from``/``--to``."""
        parts = text.split(",")
        try:
            lon, lat = (float(p) for p in parts)
        except ValueError:
            raise ScenarioError(f"`{flag}` is {text!r}; allowed: LON,LAT in degrees, e.g. "
                                f"{flag}=-51.2300,-30.0300") from None  # fmt: skip
        if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ScenarioError(f"`{flag}` is {text!r}; allowed: a longitude in [-180, 180] and "
                                "a latitude in [-90, 90]")  # fmt: skip
        return Point(lon, lat)


def _nearest(model: CommuteModel, kind: NodeKind, lon: ArrayLike, lat: ArrayLike) -> tuple:
    nodes, tree = node_index(model.network, kind)
    gap, idx = tree.query(projector(model.network)(np.atleast_1d(lon), np.atleast_1d(lat)))
    return nodes[idx], gap


def snap(model: CommuteModel, origin: Point, to: Point) -> dict[str, Any]:
    """Network nodes of the two points, as the model places homes and destinations: the walk
    node nearest the origin and the drive node nearest that; the walk and drive nodes nearest
    the destination. Metres from each point to its walk node are reported."""
    net = model.network
    walk_o, gap_o = _nearest(model, NodeKind.WALK, origin.lon, origin.lat)
    drive_o, access = _nearest(model, NodeKind.DRIVE, net.x[walk_o], net.y[walk_o])
    walk_d, gap_d = _nearest(model, NodeKind.WALK, to.lon, to.lat)
    drive_d, _ = _nearest(model, NodeKind.DRIVE, to.lon, to.lat)
    return {"walk_o": int(walk_o[0]), "drive_o": int(drive_o[0]), "access_s": float(access[0])
            / WALK_SPEED_MPS, "walk_d": int(walk_d[0]), "drive_d": int(drive_d[0]),
            "snap_m": (float(gap_o[0]), float(gap_d[0]))}  # fmt: skip


def point_skim(model: CommuteModel, origin: Point, to: Point, *, vot: float | None = None,
               fare_share: float = 1.0) -> dict[str, Any]:  # fmt: skip
    """Minutes by each mode from ``origin`` to ``to`` at the model's current (solved) costs.

    ``vot`` (money per minute) prices fares when transit routes are chosen; default: the
    flow-weighted median of the residents' trips. The transit path is searched with the routing
    class nearest ``fare_share / vot``.
    """
    nodes = snap(model, origin, to)
    return od_skim(model, nodes, vot=vot, fare_share=fare_share)


def od_skim(model: CommuteModel, nodes: dict[str, Any], *, vot: float | None = None,
            fare_share: float = 1.0) -> dict[str, Any]:  # fmt: skip
    from sim.demand import Trips

    if vot is None:
        tr = model.trips
        ok = tr.household >= 0
        vot = _weighted_median(tr.vot[ok], tr.flow[ok]) if ok.any() else 1.0
    if not vot > 0:
        raise ScenarioError(f"`vot` must be > 0, not {vot}")
    one = Trips(household=np.zeros(1, np.int64), segment=np.zeros(1, np.int8),
                dest=np.zeros(1, np.int32), walk_node=np.array([nodes["walk_o"]]),
                drive_node=np.array([nodes["drive_o"]]), access_s=np.array([nodes["access_s"]]),
                car=np.ones(1, bool), moto=np.ones(1, bool), vot=np.array([float(vot)]),
                fare1=np.array([fare_share]), fare2=np.array([fare_share]), flow=np.zeros(1),
                fixed=np.full(1, -1, np.int8), pce=np.ones(1), daily=np.zeros(1))  # fmt: skip
    graph = _one_destination(model, nodes)
    out = components(model, one, graph)
    return _report(out, nodes, vot, fare_share)


def components(model: CommuteModel, trips: Any, graph: K.Graph | None = None,
               klass: NDArray[np.int64] | None = None) -> dict[str, NDArray]:  # fmt: skip
    """Per trip and alternative: minutes, generalised minutes, money, and transit's parts, at
    the model's current flows (``trips`` default the model's own, on its own graph)."""
    graph = model.graph if graph is None else graph
    classes = model.classes
    if klass is None:
        m1 = trips.fare1 / trips.vot
        klass = np.argmin(np.abs(m1[:, None] - classes.m1[None, :]), axis=1)
    kt = kernel_trips(trips, classes, model.blocks, graph.roots.shape[1])
    kt = kt._replace(klass=np.asarray(klass, np.int64))
    walk_s, km_ff = np.full(trips.n, np.inf), np.full(trips.n, np.nan)
    zero = np.zeros(model.network.n_edges)
    _pass(model, graph, kt, trips.n, walk_s, km_ff, zero, zero, None, do_walk=True)
    full = _pass(model, graph, kt, trips.n, walk_s, km_ff, model.car_flow, model.transit_flow,
                 None, do_walk=False)  # fmt: skip
    out = {"time_min": full.time_s / 60.0, "gen_min": full.skim.copy(), "money": full.money,
           "km": full.km, "main": full.main, "prob": full.prob}  # fmt: skip
    keep = {"walk": (K.A_WALK,), "ivt": (K.A_IVT,), "none": (), "board": (K.A_BOARD,)}
    t = {}
    for name, cols in keep.items():
        res = _pass(model, graph, kt, trips.n, walk_s, km_ff, model.car_flow, model.transit_flow,
                    cols, do_walk=False)  # fmt: skip
        t[name] = res.time_s[:, K.ALT_TRANSIT] / 60.0
    out["transit_walk"] = t["walk"]
    out["transit_in_vehicle"] = t["ivt"] - t["none"]
    out["transit_wait"] = out["time_min"][:, K.ALT_TRANSIT] - t["walk"] - out["transit_in_vehicle"]
    out["transit_boardings"] = np.rint(60.0 * (t["board"] - t["none"]))
    return out


def _pass(model: CommuteModel, graph: K.Graph, kt: Any, n: int, walk_s: NDArray,
          km_ff: NDArray, car: NDArray, transit: NDArray, keep: tuple[int, ...] | None, *,
          do_walk: bool) -> Any:  # fmt: skip
    """One kernel pass at the given flows; with ``keep``, the transit time sums only those
    attribute columns (moved into the in-vehicle column, the others zeroed)."""
    costs = model.costs
    kc = costs.kernel_costs(costs.state(car, transit), model.classes)
    if keep is not None:
        attr = kc.attr.copy()
        picked = attr[:, list(keep)].sum(axis=1) if keep else np.zeros(attr.shape[0])
        attr[:, [K.A_IVT, K.A_WAIT, K.A_WALK]] = 0.0
        attr[:, K.A_IVT] = picked
        kc = K.Costs(kc.street, kc.transit, np.ascontiguousarray(attr))
    params = model._params(dynamic=False)._replace(do_walk=do_walk)
    out = new_out(n, graph.zone_node.shape[1], graph.roots.shape[1], model.classes.n,
                  model.blocks.n_slots)  # fmt: skip
    state = K.State(walk_s, km_ff, np.full((n, K.N_ALT), np.nan), np.zeros((n, K.N_ALT)))
    return run_pass(graph, kc, kt, params, state, out, model.blocks, model.network.n_edges).out


def _one_destination(model: CommuteModel, nodes: dict[str, Any]) -> K.Graph:
    g, bg = model.graph, model.blocks
    roots = np.array([[bg.to_block(0, np.array([nodes["walk_d"]]))[0]],
                      [bg.to_block(1, np.array([nodes["drive_d"]]))[0]]], np.int64)  # fmt: skip
    zone = block_nodes(bg, np.array([nodes["walk_o"]]), np.array([nodes["drive_o"]]))
    return g._replace(roots=roots, car_end_s=np.zeros(1), moto_end_s=np.zeros(1),
                      zone_node=zone)  # fmt: skip


def _report(out: dict[str, NDArray], nodes: dict[str, Any], vot: float,
            fare_share: float) -> dict[str, Any]:  # fmt: skip
    def num(x: Any) -> float | None:
        v = float(x)
        return round(v, 2) if np.isfinite(v) else None

    t = out["time_min"][0]
    res: dict[str, Any] = {m: {"minutes": num(t[a]), "generalised_minutes": num(out["gen_min"][0, a]),
                               "money": num(out["money"][0, a])} for a, m in enumerate(MODES)}  # fmt: skip
    if res["transit"]["minutes"] is not None:
        main = int(out["main"][0])
        res["transit"].update(walk=num(out["transit_walk"][0]), wait=num(out["transit_wait"][0]),
                              in_vehicle=num(out["transit_in_vehicle"][0]),
                              boardings=int(out["transit_boardings"][0]),
                              main_vehicle=("bus", "metro", "cable")[main - 1] if main > 0 else None)  # fmt: skip
    for m in ("car", "motorbike"):
        res[m]["km"] = num(out["km"][0, MODES.index(m)])
    res["nodes"] = {k: v for k, v in nodes.items() if k != "snap_m"}
    res["snap_m"] = {"from": round(nodes["snap_m"][0], 1), "to": round(nodes["snap_m"][1], 1)}
    res["vot_per_min"] = round(float(vot), 4)
    res["fare_share"] = fare_share
    return res


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])
