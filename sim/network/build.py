"""Assemble a city's :class:`MultimodalNetwork`: streets, transit lines and their links.

One conversion from graphs to arrays: walk nodes first, then drive nodes, then one node per stop
of every line. Transit stops are snapped to the nearest walkable node; bus hops are mapped onto
the drive edges they run over, so buses feel road congestion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.errors import DataError
from sim.network.arrays import (
    Layer,
    Lines,
    MultimodalNetwork,
    NodeKind,
    TransitMode,
    csr_from_edges,
)
from sim.network.transit import TransitLine

EARTH_RADIUS_M = 6_371_008.8
#: Wait at boarding is half the headway, capped: riders of rare services time their arrival.
MAX_WAIT_S = 900.0
#: Transfer links between lines of one fare system whose stops are this close.
TRANSFER_RADIUS_M = 150.0
WALK_SPEED_MPS = 5.0 / 3.6


@dataclass
class _EdgeList:
    """Edges collected before the one CSR conversion."""

    tail: list[NDArray]
    head: list[NDArray]
    cols: dict[str, list[NDArray]]

    @classmethod
    def new(cls) -> _EdgeList:
        names = ("layer", "time_s", "length_m", "capacity", "fare", "edge_line", "lanes")
        return cls([], [], {k: [] for k in (*names, "highway", "name", "wayid")})

    def add(self, tail: NDArray, head: NDArray, **values: object) -> None:
        n = len(tail)
        defaults: dict[str, object] = {
            "capacity": np.inf,
            "fare": 0.0,
            "edge_line": -1,
            "lanes": 0.0,
            "highway": "",
            "name": "",
            "wayid": -1,
            "length_m": 0.0,
        }
        self.tail.append(np.asarray(tail, np.int64))
        self.head.append(np.asarray(head, np.int64))
        for key in self.cols:
            value = values.get(key, defaults.get(key))
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
        dropped and a line keeps its longest runs of consecutive snapped stops. If False, such a
        stop is an error.
    """
    walk_ids = np.fromiter(walk.nodes, dtype=np.int64, count=len(walk))
    drive_ids = np.fromiter(drive.nodes, dtype=np.int64, count=len(drive))
    n_walk, n_drive = len(walk_ids), len(drive_ids)
    lon = np.array([walk.nodes[n]["x"] for n in walk_ids] + [drive.nodes[n]["x"] for n in drive_ids])
    lat = np.array([walk.nodes[n]["y"] for n in walk_ids] + [drive.nodes[n]["y"] for n in drive_ids])
    elev = np.array(
        [walk.nodes[n].get("elevation", np.nan) for n in walk_ids]
        + [drive.nodes[n].get("elevation", np.nan) for n in drive_ids],
        dtype=float,
    )
    project = Projector(float(np.median(lon)), float(np.median(lat)))
    walk_tree = cKDTree(project(lon[:n_walk], lat[:n_walk]))
    drive_tree = cKDTree(project(lon[n_walk:], lat[n_walk:]))

    edges = _EdgeList.new()
    _add_street_edges(edges, walk, walk_ids, 0, Layer.WALK)
    _add_street_edges(edges, drive, drive_ids, n_walk, Layer.DRIVE)

    kept, report = _snap_lines(lines, walk_tree, project, max_snap_m, clip_lines)
    stop_lon, stop_lat, stop_line, stop_name = [], [], [], []
    line_rows: list[TransitLine] = []
    first_stop = n_walk + n_drive
    fare_systems: dict[str, int] = {}
    stop_walk: list[NDArray] = []
    for line, walk_nodes in kept:
        li = len(line_rows)
        line_rows.append(line)
        k = len(line.lon)
        stops = first_stop + len(stop_lon) + np.arange(k)
        stop_lon.extend(line.lon)
        stop_lat.extend(line.lat)
        stop_line.extend([li] * k)
        stop_name.extend(line.stop_names)
        stop_walk.append(walk_nodes)
        wait = min(line.headway_s / 2.0, MAX_WAIT_S)
        cap = 3600.0 / line.headway_s * line.vehicle_capacity
        hop_len = _haversine(line.lon[:-1], line.lat[:-1], line.lon[1:], line.lat[1:])
        edges.add(
            stops[:-1], stops[1:], layer=int(line.mode), time_s=line.run_time_s,
            length_m=hop_len, capacity=cap, edge_line=li,
        )  # fmt: skip
        edges.add(
            walk_nodes[:-1], stops[:-1], layer=int(Layer.BOARD), time_s=wait,
            fare=line.fare, edge_line=li,
        )  # fmt: skip
        edges.add(stops[1:], walk_nodes[1:], layer=int(Layer.ALIGHT), edge_line=li)
        fare_systems.setdefault(line.fare_system, len(fare_systems))
    n_stops = len(stop_lon)
    if line_rows:
        _add_transfers(edges, line_rows, np.concatenate(stop_walk), first_stop, stop_line,
                       lon, lat, project)  # fmt: skip

    n_nodes = n_walk + n_drive + n_stops
    tail = np.concatenate(edges.tail)
    head = np.concatenate(edges.head)
    indptr, order = csr_from_edges(n_nodes, tail, head)
    cols = {k: np.concatenate(v)[order] for k, v in edges.cols.items()}

    all_lon = np.concatenate([lon, np.asarray(stop_lon, float)])
    all_lat = np.concatenate([lat, np.asarray(stop_lat, float)])
    kinds = np.concatenate(
        [
            np.full(n_walk, NodeKind.WALK, np.int8),
            np.full(n_drive, NodeKind.DRIVE, np.int8),
            np.full(n_stops, NodeKind.STOP, np.int8),
        ]
    )
    bus_edges, hop_indptr, hop_roads = _bus_hops(
        cols, indptr, head[order], tail[order], n_walk, drive_tree, all_lon, all_lat, project,
        line_rows,
    )  # fmt: skip
    info = dict(meta or {})
    info["transit_report"] = report
    return MultimodalNetwork(
        x=all_lon,
        y=all_lat,
        node_kind=kinds,
        osmid=np.concatenate([walk_ids, drive_ids, np.full(n_stops, -1, np.int64)]),
        elevation=np.concatenate([elev, np.full(n_stops, np.nan)]),
        indptr=indptr,
        indices=head[order].astype(np.int32),
        tail=tail[order].astype(np.int32),
        layer=cols["layer"].astype(np.int8),
        time_s=cols["time_s"].astype(float),
        length_m=cols["length_m"].astype(float),
        capacity=cols["capacity"].astype(float),
        fare=cols["fare"].astype(float),
        edge_line=cols["edge_line"].astype(np.int32),
        lanes=cols["lanes"].astype(float),
        highway=cols["highway"].astype(str),
        name=cols["name"].astype(str),
        wayid=cols["wayid"].astype(np.int64),
        lines=_lines_table(line_rows, fare_systems),
        stop_line=np.asarray(stop_line, np.int32),
        stop_name=np.asarray(stop_name, dtype=str),
        bus_edges=bus_edges,
        bus_hop_indptr=hop_indptr,
        bus_hop_roads=hop_roads,
        meta=info,
    )


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
        "highway": np.array([_first(d.get("highway", "")) for _, _, d in rows], dtype=object),
        "name": np.array([_first(d.get("name", "")) for _, _, d in rows], dtype=object),
        "wayid": np.array([_int_or(_first(d.get("osmid", -1)), -1) for _, _, d in rows]),
    }
    if layer == Layer.DRIVE:
        values["lanes"] = np.array([d["lanes"] for _, _, d in rows], float)
        values["capacity"] = np.array([d["capacity"] for _, _, d in rows], float)
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


def _haversine(lon1: NDArray, lat1: NDArray, lon2: NDArray, lat2: NDArray) -> NDArray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def _snap_lines(
    lines: Sequence[TransitLine],
    walk_tree: cKDTree,
    project: Projector,
    max_snap_m: float,
    clip: bool,
) -> tuple[list[tuple[TransitLine, NDArray]], dict[str, int]]:
    """Snap stops to walk nodes; clip or reject stops that are too far."""
    from dataclasses import replace

    kept: list[tuple[TransitLine, NDArray]] = []
    report = {"lines_in": len(lines), "lines_kept": 0, "stops_dropped": 0, "lines_dropped": 0}
    for line in lines:
        dist, node = walk_tree.query(project(line.lon, line.lat))
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
            sl = slice(a, b)
            part = replace(
                line,
                name=line.name if len(runs) == 1 else f"{line.name} [{r + 1}]",
                stop_ids=line.stop_ids[sl],
                stop_names=line.stop_names[sl],
                lon=line.lon[sl],
                lat=line.lat[sl],
                run_time_s=line.run_time_s[a : b - 1],
            )
            kept.append((part, node[sl].astype(np.int64)))
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


def _add_transfers(
    edges: _EdgeList,
    lines: list[TransitLine],
    stop_walk: NDArray,
    first_stop: int,
    stop_line: list[int],
    lon: NDArray,
    lat: NDArray,
    project: Projector,
) -> None:
    """Free transfers between lines of one fare system at nearby stops (not bus to bus)."""
    sline = np.asarray(stop_line)
    system = np.array([ln.fare_system for ln in lines])[sline]
    is_bus = np.array([ln.mode == TransitMode.BUS for ln in lines])[sline]
    pos = project(lon[stop_walk], lat[stop_walk])
    tree = cKDTree(pos)
    pairs = tree.query_pairs(TRANSFER_RADIUS_M, output_type="ndarray")
    if pairs.size == 0:
        return
    pairs = np.vstack([pairs, pairs[:, ::-1]])
    a, b = pairs[:, 0], pairs[:, 1]
    keep = (system[a] == system[b]) & (sline[a] != sline[b]) & ~(is_bus[a] & is_bus[b])
    a, b = a[keep], b[keep]
    if a.size == 0:
        return
    walk_m = np.linalg.norm(pos[a] - pos[b], axis=1)
    headway = np.array([ln.headway_s for ln in lines])[sline[b]]
    wait = np.minimum(headway / 2.0, MAX_WAIT_S)
    edges.add(
        first_stop + a, first_stop + b, layer=int(Layer.TRANSFER),
        time_s=walk_m / WALK_SPEED_MPS + wait, length_m=walk_m, edge_line=sline[b],
    )  # fmt: skip


def _bus_hops(
    cols: dict[str, NDArray],
    indptr: NDArray,
    head: NDArray,
    tail: NDArray,
    n_walk: int,
    drive_tree: cKDTree,
    lon: NDArray,
    lat: NDArray,
    project: Projector,
    lines: list[TransitLine],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Map every BUS edge onto the drive edges of the fastest free-flow road path."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    bus = np.flatnonzero(cols["layer"] == Layer.BUS)
    if bus.size == 0:
        return bus.astype(np.int64), np.zeros(1, np.int64), np.zeros(0, np.int64)
    drive_e = np.flatnonzero(cols["layer"] == Layer.DRIVE)
    n_drive = drive_tree.n
    # drive subgraph with local ids; keep the fastest of parallel edges
    dt, dh = tail[drive_e] - n_walk, head[drive_e] - n_walk
    w = cols["time_s"][drive_e]
    best = {}
    for k in np.argsort(-w):  # later (faster) overwrite slower
        best[(int(dt[k]), int(dh[k]))] = int(drive_e[k])
    keys = np.array(list(best.keys()), np.int64)
    eids = np.array(list(best.values()), np.int64)
    graph = csr_matrix(
        (np.maximum(cols["time_s"][eids], 1e-6), (keys[:, 0], keys[:, 1])),
        shape=(n_drive, n_drive),
    )
    edge_of = {(int(u), int(v)): int(e) for (u, v), e in zip(keys, eids, strict=True)}
    _, from_node = drive_tree.query(project(lon[tail[bus]], lat[tail[bus]]))
    _, to_node = drive_tree.query(project(lon[head[bus]], lat[head[bus]]))
    sources = np.unique(from_node)
    hop_roads: list[list[int]] = [[] for _ in bus]
    order = np.argsort(from_node, kind="stable")
    for chunk in np.array_split(sources, max(1, len(sources) // 256)):
        _, pred = dijkstra(graph, indices=chunk, return_predecessors=True)
        row_of = {int(s): i for i, s in enumerate(chunk)}
        for k in order:
            s = int(from_node[k])
            if s not in row_of:
                continue
            path, v = [], int(to_node[k])
            while v != s and v >= 0:
                u = int(pred[row_of[s], v])
                if u < 0:
                    path = []
                    break
                path.append(edge_of[(u, v)])
                v = u
            hop_roads[k] = path[::-1]
    counts = np.array([len(p) for p in hop_roads], np.int64)
    hop_indptr = np.zeros(len(bus) + 1, np.int64)
    np.cumsum(counts, out=hop_indptr[1:])
    flat = np.fromiter((e for p in hop_roads for e in p), np.int64, int(counts.sum()))
    return bus.astype(np.int64), hop_indptr, flat


def _lines_table(rows: list[TransitLine], systems: dict[str, int]) -> Lines:
    if not rows:
        return Lines.empty()
    return Lines(
        name=np.array([r.name for r in rows], dtype=str),
        mode=np.array([int(r.mode) for r in rows], np.int8),
        headway_s=np.array([r.headway_s for r in rows], float),
        vehicle_capacity=np.array([r.vehicle_capacity for r in rows], float),
        fare=np.array([r.fare for r in rows], float),
        fare_system=np.array([systems[r.fare_system] for r in rows], np.int32),
        speed_factor=np.ones(len(rows)),
    )
