"""Where traffic from outside the study area enters it: road entries and transit entry stops.

A street extract is cut out of a larger city; the main roads it cuts carry the traffic of the
rest of the city and the region in and out, and the transit lines it cuts bring their riders in.
The rules (stated, tested):

- a *transit entry* is the first stop of a line (in its direction of travel) within
  ``radius_m`` of the extract's bounding box: rail lines give rail entries, bus lines bus
  entries;
- a *road entry* is a cluster (nodes joined within ``join_m``) of drive nodes that either touch
  a main road (tertiary class or faster) within ``radius_m`` of the box, or are the drive node
  nearest a bus entry (the city's own bus lines enter along its main roads, also where an
  extract drawn as a polygon ends short of its box); its weight is the largest capacity of the
  main roads leaving it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial import cKDTree

from sim.network.arrays import Layer, MultimodalNetwork, NodeKind, TransitMode
from sim.network.build import projector

#: Road classes that carry traffic across the study area's edge.
MAIN_ROADS = ("motorway", "trunk", "primary", "secondary", "tertiary")


@dataclass(frozen=True, eq=False)
class Entries:
    """Entry points: network nodes and weights (road: capacity out of the entry, veh/h; transit:
    1 each)."""

    node: NDArray[np.int64]
    weight: NDArray[np.float64]
    name: NDArray[np.str_]

    @property
    def n(self) -> int:
        return int(self.node.shape[0])


def _near_edge(net: MultimodalNetwork, nodes: NDArray[np.int64], radius_m: float) -> NDArray:
    street = np.flatnonzero(net.node_kind != NodeKind.STOP)
    project = projector(net)
    xy = project(net.x[street], net.y[street])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    p = project(net.x[nodes], net.y[nodes])
    gap = np.minimum(np.abs(p - lo), np.abs(hi - p)).min(axis=1)
    return gap <= radius_m


def road_entries(net: MultimodalNetwork, *, radius_m: float = 250.0, join_m: float = 400.0,
                 bus_snap_m: float = 1000.0) -> Entries:  # fmt: skip
    """Road entries of a network (see the module docstring)."""
    base = np.char.replace(net.highway.astype(str), "_link", "")
    drive = net.layer == Layer.DRIVE
    edges = np.flatnonzero(drive & np.isin(base, MAIN_ROADS))
    nodes = np.unique(np.concatenate([net.tail[edges], net.indices[edges]]))
    nodes = nodes[_near_edge(net, nodes, radius_m)]
    bus = transit_entries(net, rail=False, radius_m=radius_m)
    if bus.n:
        drive_nodes = net.nodes_of(NodeKind.DRIVE)
        project = projector(net)
        gap, near = cKDTree(project(net.x[drive_nodes], net.y[drive_nodes])).query(
            project(net.x[bus.node], net.y[bus.node]))  # fmt: skip
        nodes = np.union1d(nodes, drive_nodes[near[gap <= bus_snap_m]])
    if nodes.size == 0:
        return Entries(np.zeros(0, np.int64), np.zeros(0), np.array([], dtype=str))
    xy = projector(net)(net.x[nodes], net.y[nodes])
    label = np.ones(nodes.size, int) if nodes.size == 1 else fcluster(
        linkage(xy, method="single"), t=join_m, criterion="distance")  # fmt: skip
    road = np.flatnonzero(drive)
    out_cap = np.zeros(net.n_nodes)
    np.maximum.at(out_cap, net.tail[road], net.capacity[road])
    keep, weight, names = [], [], []
    for c in np.unique(label):
        members = nodes[label == c]
        best = members[np.argmax(out_cap[members])]
        keep.append(best)
        weight.append(float(out_cap[best]))
        touching = road[(net.tail[road] == best) | (net.indices[road] == best)]
        names.append("; ".join(sorted({str(n) for n in net.name[touching] if n})) or "unnamed")
    order = np.argsort(keep)
    return Entries(np.asarray(keep, np.int64)[order], np.asarray(weight)[order],
                   np.asarray(names, dtype=str)[order])  # fmt: skip


def transit_entries(net: MultimodalNetwork, *, rail: bool, radius_m: float = 250.0) -> Entries:
    """Walk nodes of the first stops of rail (or bus) lines lying near the extract's edge."""
    lines = net.lines
    wanted = np.isin(lines.mode, [TransitMode.METRO] if rail else [TransitMode.BUS])
    first: dict[int, int] = {}
    for i, line in enumerate(net.stop_line.tolist()):
        if wanted[line] and line not in first:
            first[line] = i
    stops = np.array(sorted(first.values()), np.int64)
    if stops.size == 0:
        return Entries(np.zeros(0, np.int64), np.zeros(0), np.array([], dtype=str))
    walk = net.stop_walk[stops]
    near = _near_edge(net, walk, radius_m)
    walk, stops = walk[near], stops[near]
    uniq, first_i = np.unique(walk, return_index=True)
    return Entries(uniq, np.ones(uniq.size), net.stop_name[stops[first_i]].astype(str))


def boardable(net: MultimodalNetwork, walk_nodes: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether a line can be boarded at each walk node (some BOARD edge leaves it)."""
    board = net.tail[net.layer == Layer.BOARD]
    return np.isin(walk_nodes, board)
