"""Assemble a city's :class:`MultimodalNetwork`: streets, transit lines and their links.

One conversion from graphs to arrays: walk nodes first, then drive nodes, then one node per stop
of every line. Transit stops are snapped to the nearest walkable node; bus hops are mapped onto
the drive edges they run over, so buses feel road congestion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.errors import DataError
from sim.geo import EARTH_RADIUS_M
from sim.network.arrays import (
    EDGE_DEFAULTS,
    Layer,
    Lines,
    MultimodalNetwork,
    NodeKind,
    assemble,
)
from sim.network.bus_roads import map_bus_hops
from sim.network.edit import extend
from sim.network.integration import with_integration, without_paid_layer
from sim.network.transit import TransitLine

#: Wait at boarding is half the headway, capped: riders of rare services time their arrival.
MAX_WAIT_S = 900.0
#: Drive-edge attributes of :mod:`sim.network.junctions` carried into the arrays as they are.
_JUNCTION_COLS = ("signals", "cycle_s", "green_ratio", "saturation_flow", "priority_delay_s")


@dataclass
class _EdgeList:
    """Edges collected before the one CSR conversion."""

    tail: list[NDArray]
    head: list[NDArray]
    cols: dict[str, list[NDArray]]

    @classmethod
    def new(cls) -> _EdgeList:
        names = ("layer", "time_s", "length_m", "capacity", "fare", "edge_line", "lanes",
                 *_JUNCTION_COLS)  # fmt: skip
        return cls([], [], {k: [] for k in (*names, "highway", "name", "wayid")})

    def add(self, tail: NDArray, head: NDArray, **values: object) -> None:
        n = len(tail)
        self.tail.append(np.asarray(tail, np.int64))
        self.head.append(np.asarray(head, np.int64))
        for key in self.cols:
            value = values.get(key, EDGE_DEFAULTS.get(key))
            self.cols[key].append(np.broadcast_to(np.asarray(value), (n,)).copy())


class Projector:
    """Equirectangular projection around a centre: metres, accurate for snapping in a city."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = np.pi / 180 * EARTH_RADIUS_M * np.cos(np.radians(lat0))
        self.ky = np.pi / 180 * EARTH_RADIUS_M

    def __call__(self, lon: NDArray, lat: NDArray) -> NDArray:
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        return np.column_stack(((lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky))


def build_network(
    walk: nx.MultiDiGraph,
    drive: nx.MultiDiGraph,
    lines: Sequence[TransitLine] = (),
    *,
    max_snap_m: float = 400.0,
    clip_lines: bool = True,
    meta: dict | None = None,
) -> MultimodalNetwork:
    """Convert street graphs and transit lines into one :class:`MultimodalNetwork`.

    Parameters
    ----------
    walk, drive
        Street graphs from :func:`sim.network.load.street_graphs`.
    lines
        Transit lines (one per direction).
    max_snap_m
        Largest allowed distance from a stop to its walkable node.
    clip_lines
        If True (feeds covering more than the street extract), stops beyond ``max_snap_m`` are
        dropped and a line keeps its runs of consecutive snapped stops. If False, such a stop is
        an error.
    """
    net = streets_network(walk, drive, meta=meta)
    net, report = add_lines(net, lines, max_snap_m=max_snap_m, clip=clip_lines)
    return replace(net, meta={**net.meta, "transit_report": report})


def streets_network(
    walk: nx.MultiDiGraph, drive: nx.MultiDiGraph, *, meta: dict | None = None
) -> MultimodalNetwork:
    """Walk and drive graphs as arrays: walk nodes first, then drive nodes."""
    walk_ids = np.fromiter(walk.nodes, dtype=np.int64, count=len(walk))
    drive_ids = np.fromiter(drive.nodes, dtype=np.int64, count=len(drive))
    graphs = ((walk, walk_ids), (drive, drive_ids))
    nodes = {
        "x": np.array([g.nodes[n]["x"] for g, ids in graphs for n in ids], float),
        "y": np.array([g.nodes[n]["y"] for g, ids in graphs for n in ids], float),
        "elevation": np.array(
            [g.nodes[n].get("elevation", np.nan) for g, ids in graphs for n in ids], float
        ),
        "osmid": np.concatenate([walk_ids, drive_ids]),
        "node_kind": np.repeat(
            np.array([NodeKind.WALK, NodeKind.DRIVE], np.int8), [len(walk_ids), len(drive_ids)]
        ),
    }
    edges = _EdgeList.new()
    _add_street_edges(edges, walk, walk_ids, 0, Layer.WALK)
    _add_street_edges(edges, drive, drive_ids, len(walk_ids), Layer.DRIVE)
    cols = {k: np.concatenate(v) for k, v in edges.cols.items()}
    net, _ = assemble(
        nodes, np.concatenate(edges.tail), np.concatenate(edges.head), cols, meta=dict(meta or {})
    )
    return net


def add_lines(
    net: MultimodalNetwork,
    lines: Sequence[TransitLine],
    *,
    max_snap_m: float = 400.0,
    clip: bool = False,
) -> tuple[MultimodalNetwork, dict[str, Any]]:
    """Add transit lines: stop nodes, in-vehicle, boarding and alighting edges, and the paid
    transfer layer of their fare systems (rebuilt: :func:`sim.network.integration.with_integration`).

    Stops snap to the nearest walk node; a bus line's hops are mapped onto the fastest
    free-flow road path between its stops.
    Returns the new network and a report (lines kept, stops dropped, largest snap distance).
    ``net`` is not modified (its ``meta`` included: new fare systems go to the new network's).
    """
    net = without_paid_layer(net)  # rebuilt below, with the new lines
    project = projector(net)
    walk_nodes = net.nodes_of(NodeKind.WALK)
    walk_tree = cKDTree(project(net.x[walk_nodes], net.y[walk_nodes]))
    kept, report = _snap_lines(lines, walk_tree, walk_nodes, project, max_snap_m, clip)
    report["max_snap_m"] = max(report.pop("snap_m"))
    if not kept:
        return net, report
    old_lines = net.lines.n
    systems = _fare_system_ids(net, [line for line, _ in kept])
    edges = _EdgeList.new()
    first = net.n_nodes
    stop_lon: list[float] = []
    stop_lat: list[float] = []
    stop_line: list[int] = []
    stop_name: list[str] = []
    stop_walk: list[NDArray[np.int64]] = []
    for i, (line, walk_at) in enumerate(kept):
        li = old_lines + i
        stops = first + len(stop_lon) + np.arange(len(line.lon))
        stop_lon.extend(line.lon)
        stop_lat.extend(line.lat)
        stop_line.extend([li] * len(line.lon))
        stop_name.extend(line.stop_names)
        stop_walk.append(walk_at)
        _add_line_edges(edges, line, li, stops, walk_at)
    stop_line_arr = np.concatenate([net.stop_line, np.asarray(stop_line, np.int32)])
    lines_table = _concat_lines(net.lines, [line for line, _ in kept], systems)
    all_stop_walk = np.concatenate([net.stop_walk, *stop_walk])
    all_stop_node = np.concatenate([net.stop_node, first + np.arange(len(stop_lon))])
    cols = {k: np.concatenate(v) for k, v in edges.cols.items()}
    n_new = len(stop_lon)
    new_net, new_id = extend(
        net,
        nodes={
            "x": np.asarray(stop_lon, float),
            "y": np.asarray(stop_lat, float),
            "node_kind": np.full(n_new, NodeKind.STOP, np.int8),
        },
        tail=np.concatenate(edges.tail),
        head=np.concatenate(edges.head),
        edges=cols,
        lines=lines_table,
        stop_line=stop_line_arr,
        stop_name=np.concatenate([net.stop_name, np.array(stop_name, dtype=np.str_)]),
        stop_walk=all_stop_walk,
        stop_node=all_stop_node,
        stop_base=np.concatenate([net.stop_base, np.full(len(stop_lon), -1, np.int64)]),
        meta={**net.meta, "fare_systems": systems},
    )
    bus_new = np.flatnonzero(
        (new_net.layer == Layer.BUS) & ~np.isin(np.arange(new_net.n_edges), new_id[net.bus_edges])
    )
    new_net = map_bus_hops(new_net, bus_new, projector(new_net))
    return with_integration(new_net), report


def projector(net: MultimodalNetwork) -> Projector:
    street = np.isin(net.node_kind, [NodeKind.WALK, NodeKind.DRIVE])
    return Projector(float(np.median(net.x[street])), float(np.median(net.y[street])))


def _add_street_edges(
    edges: _EdgeList, graph: nx.MultiDiGraph, ids: NDArray, offset: int, layer: Layer
) -> None:
    index = {int(n): i + offset for i, n in enumerate(ids)}
    rows = list(graph.edges(data=True))
    tail = np.fromiter((index[u] for u, _, _ in rows), np.int64, len(rows))
    head = np.fromiter((index[v] for _, v, _ in rows), np.int64, len(rows))
    key = "walk_time" if layer == Layer.WALK else "travel_time"
    values: dict[str, object] = {
        "layer": int(layer),
        "time_s": np.array([d[key] for _, _, d in rows], float),
        "length_m": np.array([d["length"] for _, _, d in rows], float),
        "highway": np.array([str(_first(d.get("highway", ""))) for _, _, d in rows], dtype=str),
        "name": np.array([str(_first(d.get("name", ""))) for _, _, d in rows], dtype=str),
        "wayid": np.array([_int_or(_first(d.get("osmid", -1)), -1) for _, _, d in rows]),
    }
    if layer == Layer.DRIVE:
        values["lanes"] = np.array([d["lanes"] for _, _, d in rows], float)
        values["capacity"] = np.array([d["capacity"] for _, _, d in rows], float)
        for key in _JUNCTION_COLS:
            default = EDGE_DEFAULTS[key]
            values[key] = np.array([d.get(key, default) for _, _, d in rows], float)
    edges.add(tail, head, **values)


def _first(value: object) -> object:
    if isinstance(value, list | tuple):
        return value[0] if value else ""
    return "" if value is None else value


def _int_or(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def _snap_lines(
    lines: Sequence[TransitLine],
    walk_tree: cKDTree,
    walk_nodes: NDArray[np.int64],
    project: Projector,
    max_snap_m: float,
    clip: bool,
) -> tuple[list[tuple[TransitLine, NDArray]], dict]:
    """Snap stops to walk nodes; clip or reject stops that are too far."""
    kept: list[tuple[TransitLine, NDArray]] = []
    report: dict = {"lines_in": len(lines), "lines_kept": 0, "stops_dropped": 0,
                    "lines_dropped": 0, "snap_m": [0.0]}  # fmt: skip
    for line in lines:
        dist, idx = walk_tree.query(project(line.lon, line.lat))
        ok = dist <= max_snap_m
        if not ok.all() and not clip:
            bad = int(np.flatnonzero(~ok)[0])
            raise DataError(
                f"line {line.name!r}: stop {line.stop_names[bad]!r} is {dist[bad]:.0f} m from "
                f"the nearest walkable node; at most {max_snap_m:.0f} m allowed"
            )
        report["stops_dropped"] += int((~ok).sum())
        runs = _runs(ok)
        if not runs:
            report["lines_dropped"] += 1
        for r, (a, b) in enumerate(runs):
            part = replace(
                line,
                name=line.name if len(runs) == 1 else f"{line.name} [{r + 1}]",
                stop_ids=line.stop_ids[a:b],
                stop_names=line.stop_names[a:b],
                lon=line.lon[a:b],
                lat=line.lat[a:b],
                run_time_s=line.run_time_s[a : b - 1],
                hop_length_m=np.asarray(line.hop_length_m)[a : b - 1],
            )
            kept.append((part, walk_nodes[idx[a:b]].astype(np.int64)))
            report["snap_m"].append(float(dist[a:b].max()))
    report["lines_kept"] = len(kept)
    return kept, report


def _runs(ok: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Half-open index ranges of runs of True at least 2 long."""
    runs, start = [], None
    for i, flag in enumerate([*ok.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= 2:
                runs.append((start, i))
            start = None
    return runs


def _add_line_edges(
    edges: _EdgeList, line: TransitLine, li: int, stops: NDArray, walk_at: NDArray
) -> None:
    """In-vehicle hops, boarding (wait + fare) and alighting edges of one line."""
    wait = min(line.headway_s / 2.0, MAX_WAIT_S)
    cap = 3600.0 / line.headway_s * line.vehicle_capacity
    edges.add(stops[:-1], stops[1:], layer=int(line.mode), time_s=line.run_time_s,
              length_m=line.hop_length_m, capacity=cap, edge_line=li)  # fmt: skip
    edges.add(walk_at[:-1], stops[:-1], layer=int(Layer.BOARD), time_s=wait, fare=line.fare,
              edge_line=li)  # fmt: skip
    edges.add(stops[1:], walk_at[1:], layer=int(Layer.ALIGHT), time_s=0.0, edge_line=li)


def _fare_system_ids(net: MultimodalNetwork, new: list[TransitLine]) -> dict[str, int]:
    """Fare system name -> id, the network's own plus those of ``new`` (a new dict)."""
    systems = dict(net.meta.get("fare_systems", {}))
    for line in new:
        systems.setdefault(line.fare_system, len(systems))
    return systems


def with_transfer_fares(net: MultimodalNetwork) -> MultimodalNetwork:
    """``net`` with its paid transfer layer rebuilt from the line fares (call it after any
    change of ``lines.fare``; interventions do). See :mod:`sim.network.integration`."""
    return with_integration(net)


def _concat_lines(old: Lines, rows: list[TransitLine], systems: dict[str, int]) -> Lines:
    new = Lines(
        name=np.array([r.name for r in rows], dtype=str),
        mode=np.array([int(r.mode) for r in rows], np.int8),
        headway_s=np.array([r.headway_s for r in rows], float),
        vehicle_capacity=np.array([r.vehicle_capacity for r in rows], float),
        fare=np.array([r.fare for r in rows], float),
        fare_system=np.array([systems[r.fare_system] for r in rows], np.int32),
        speed_factor=np.ones(len(rows)),
        route=np.array([r.route_id for r in rows], dtype=str),
    )
    return Lines(**{f: np.concatenate([getattr(old, f), getattr(new, f)]) for f in _LINE_FIELDS})


_LINE_FIELDS = ("name", "mode", "headway_s", "vehicle_capacity", "fare", "fare_system",
                "speed_factor", "route")  # fmt: skip
