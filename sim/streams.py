"""Where the fixed streams of :mod:`sim.demand` start and end, on a city's reference network."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from sim.congestion import RoadCosts
from sim.demand import Places, drive_minutes_fn
from sim.externals import transit_entries
from sim.network.arrays import MultimodalNetwork, NodeKind
from sim.network.build import projector
from sim.population import zone_nodes

if TYPE_CHECKING:
    from sim.model import CommuteModel


def stream_places(model: CommuteModel, reference: MultimodalNetwork) -> tuple[Places, object]:
    """Places of every kind (entries, rail and bus entries, job and school destinations, zones
    by population) and free-flow car minutes between drive nodes of ``reference``."""
    dest, zones = model.dest, model.zones
    n_int = dest.n_internal
    internal = np.arange(n_int)
    drive: dict = {}
    walk: dict = {}
    weight: dict = {}
    where: dict = {}
    for kind in ("jobs", "schools"):
        if kind == "schools" and dest.schools is None:
            continue
        drive[kind] = dest.drive_node[:n_int]
        walk[kind] = dest.walk_node[:n_int]
        weight[kind] = dest.attraction(kind)[:n_int]
        where[kind] = internal
    zone_walk, zone_drive = zone_nodes(zones, reference)
    drive["population"], walk["population"] = zone_drive, zone_walk
    weight["population"] = zones.population.astype(float)
    where["population"] = np.full(zones.n, -1)
    if model.entries is not None:
        e = model.entries
        drive["entries"], walk["entries"] = e.node, np.full(e.n, -1)
        weight["entries"] = e.weight
        where["entries"] = n_int + np.arange(e.n)
    radius = model.city.demand.entry_radius_m if model.city.demand else 250.0
    for kind, rail in (("rail_entries", True), ("bus_entries", False)):
        t = transit_entries(reference, rail=rail, radius_m=radius)
        walk[kind], weight[kind] = t.node, t.weight
        drive[kind] = _nearest_drive(reference, t.node)
        where[kind] = np.full(t.n, -1)
    roads = RoadCosts(reference)
    minutes = drive_minutes_fn(reference.tail[roads.edges], reference.indices[roads.edges],
                               roads.free_times(), reference.n_nodes)  # fmt: skip
    return Places(drive, walk, weight, where), minutes


def _nearest_drive(net: MultimodalNetwork, nodes: np.ndarray) -> np.ndarray:
    drive = net.nodes_of(NodeKind.DRIVE)
    if nodes.size == 0:
        return np.zeros(0, np.int64)
    project = projector(net)
    tree = cKDTree(project(net.x[drive], net.y[drive]))
    return drive[tree.query(project(net.x[nodes], net.y[nodes]))[1]]
