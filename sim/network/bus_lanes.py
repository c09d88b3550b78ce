"""Where buses run apart from cars: the drive edges beside an OSM busway or carrying a bus lane.

A bus on a segregated corridor or in its own lane does not queue behind cars, so its hops
should not slow with the cars on those roads (:meth:`sim.assign.NetworkCosts.state` reads
:attr:`sim.network.arrays.MultimodalNetwork.bus_lane`). Porto Alegre's trunk corridors
(Assis Brasil, Bento Gonçalves, Protásio Alves, Farrapos, João Pessoa, Sertório...) are
mapped in OSM as separate ways, ``highway=service`` or ``highway=busway`` with ``access=no``
and ``bus=designated``, beside the avenue's general carriageways; the drive graph leaves them
out, and the bus stops' road paths (:mod:`sim.network.bus_roads`) run on the carriageways. So a
drive edge counts as running beside a bus-only way when most points along it lie within
:data:`NEAR_M` of one and run parallel to it (within :data:`PARALLEL_DEG`), and a way tagged
with a bus lane of its own (``busway=lane``, ``busway:right=lane``, ``bus:lanes=...designated``)
counts whole. Porto Alegre had "17 km de faixas exclusivas e 56 km de corredores de ônibus"
in September 2019 (O Sul, 13 Sep 2019, quoting EPTC); the bundled extract, part of the city,
gives 97 km of directed drive edges (about 49 km of road, one carriageway each way).
Curbside lanes ("faixas azuis") are exclusive in the peaks, 06:00-09:00 among them, so in the
modelled hour.
"""

from __future__ import annotations

import bz2
import gzip
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, cast

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.network.arrays import Layer, MultimodalNetwork

#: Farthest a carriageway's centre line lies from the bus-only way beside it (m): a median
#: corridor's general lanes are mapped 8-15 m from its centre line on Porto Alegre's avenues
#: (assumption, from the bundled extract's geometry; a street one block over is 60 m or more
#: away).
NEAR_M = 25.0
#: Largest angle between a drive edge and the bus-only way it runs beside (degrees;
#: assumption: corridors bend gently, cross streets meet at far larger angles).
PARALLEL_DEG = 25.0
#: Share of the points along an edge that must lie beside a bus-only way (assumption: an edge
#: leaving the corridor at a junction keeps most of its length beside it, or none).
SHARE = 0.75
_SAMPLES = (0.1, 0.3, 0.5, 0.7, 0.9)
_STEP_M = 5.0  # points along the bus-only ways
_YES = {"designated", "yes"}
_NO = {"no", "private"}
_LANE = {"lane", "opposite_lane"}


def bus_only(tags: dict[str, str]) -> bool:
    """Whether an OSM way is for buses alone (a busway, or closed to other motor traffic)."""
    if tags.get("highway") == "busway":
        return True
    buses = tags.get("bus") in _YES or tags.get("psv") in _YES
    closed = tags.get("access") in _NO or tags.get("motor_vehicle") in _NO
    return bool(buses and closed and "highway" in tags)


def has_bus_lane(tags: dict[str, str]) -> bool:
    """Whether an OSM way carries a lane of its own for buses."""
    keys = ("busway", "busway:right", "busway:left", "busway:both")
    if any(tags.get(k) in _LANE for k in keys):
        return True
    return any("designated" in tags.get(k, "") for k in ("bus:lanes", "psv:lanes"))


def read_busways(path: Path | str) -> tuple[list[NDArray[np.float64]], set[int]]:
    """From an OSM XML extract (``.osm``, ``.osm.bz2``, ``.osm.gz``): the lon/lat polylines of
    its bus-only ways and the ids of the ways with a bus lane of their own. Other files (a
    GraphML extract) give none."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".osm", ".bz2", ".gz", ".xml"):
        return [], set()
    coords: dict[int, tuple[float, float]] = {}
    lines: list[list[int]] = []
    lanes: set[int] = set()
    with _open(path) as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if el.tag == "node":
                coords[int(el.get("id", 0))] = (float(el.get("lon", 0)), float(el.get("lat", 0)))
            elif el.tag == "way":
                tags = {t.get("k", ""): t.get("v", "") for t in el.iter("tag")}
                if bus_only(tags):
                    lines.append([int(n.get("ref", 0)) for n in el.iter("nd")])
                elif has_bus_lane(tags):
                    lanes.add(int(el.get("id", 0)))
            if el.tag in ("node", "way", "relation"):
                el.clear()
    polylines = [np.array([coords[n] for n in refs if n in coords], float) for refs in lines]
    return [p for p in polylines if len(p) >= 2], lanes


def _open(path: Path) -> IO[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".bz2":
        return bz2.open(path, "rb")
    if suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def mark_bus_lanes(net: MultimodalNetwork, polylines: list[NDArray[np.float64]],
                   lane_ways: set[int]) -> NDArray[np.float64]:  # fmt: skip
    """1.0 for each drive edge that runs beside a bus-only way (``polylines``, lon/lat) or lies
    on a way with a bus lane (``lane_ways``, OSM ids); 0.0 elsewhere."""
    from sim.network.build import projector

    out = np.zeros(net.n_edges)
    drive = np.flatnonzero(net.layer == Layer.DRIVE)
    if drive.size == 0:
        return out
    if lane_ways:
        on_lane = np.isin(net.wayid[drive], np.fromiter(lane_ways, np.int64, len(lane_ways)))
        out[drive[on_lane]] = 1.0
    if not polylines:
        return out
    project = projector(net)
    pts, dirs = [], []
    for line in polylines:
        xy = project(line[:, 0], line[:, 1])
        for a, b in zip(xy[:-1], xy[1:], strict=True):
            seg = b - a
            length = float(np.hypot(*seg))
            if length <= 0:
                continue
            k = max(2, int(np.ceil(length / _STEP_M)) + 1)
            pts.append(a + np.linspace(0.0, 1.0, k)[:, None] * seg)
            dirs.append(np.repeat((seg / length)[None, :], k, axis=0))
    if not pts:
        return out
    tree = cKDTree(np.concatenate(pts))
    unit = np.concatenate(dirs)
    a = project(net.x[net.tail[drive]], net.y[net.tail[drive]])
    b = project(net.x[net.indices[drive]], net.y[net.indices[drive]])
    seg = b - a
    length = np.maximum(np.hypot(seg[:, 0], seg[:, 1]), 1e-9)
    along = seg / length[:, None]
    beside = np.zeros(drive.size)
    cos_max = np.cos(np.radians(PARALLEL_DEG))
    for f in _SAMPLES:
        dist, idx = tree.query(a + f * seg, distance_upper_bound=NEAR_M)
        ok = np.isfinite(dist)
        cos = np.zeros(drive.size)
        cos[ok] = np.abs((unit[idx[ok]] * along[ok]).sum(axis=1))
        beside += ok & (cos >= cos_max)
    out[drive[beside >= SHARE * len(_SAMPLES)]] = 1.0
    return out
