"""Main roads where no street layer exists: the bus routes' own geometry, and connectors.

**Skeleton.** Outside the area the detailed centre lines cover, the roads are those the bus
routes run on. Every route is resampled every :data:`SPACING_M` metres; the points are merged
into one road by *leader clustering* (a point joins the nearest road point already placed
within :data:`MERGE_RADIUS_M`, except those its own route placed just before it; else it
becomes a road point), so routes drawn up to ~30 m apart on one street or on the two
carriageways of an avenue become one road, and two routes that cross meet at a junction (the
route file has no levels, so every skeleton crossing is a junction). A road piece's class comes from how many
routes use it (:func:`sim.network.street_classes.bus_class`). Where a route enters the detailed
area, the skeleton joins the nearest detailed vertex of a street that buses use (within
:data:`JOIN_M`), else of any drivable street.

**Connectors.** Zone centres and stations that no drivable street reaches within
:data:`REACH_M` are joined by straight connectors, nearest first (Prim's algorithm on the
points and the network): each connector stands for the valley's main roads between them. It is
``trunk`` with three lanes a direction at 50 km/h over the straight distance times
:data:`CIRCUITY`; these are assumptions, stated so because the roads they replace are not in
the data.

Coordinates are metric.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.network.street_classes import bus_class

#: Bus routes are resampled this often (metres).
SPACING_M = 20.0
#: A resampled point joins a road point this close (routes on one street are drawn up to
#: ~10 m apart; the two directions of a divided avenue up to ~30 m).
MERGE_RADIUS_M = 30.0
#: A point never joins the road points its own route placed this many points before it (so a
#: route's own road points stay :data:`SPACING_M` apart and other routes find one close by).
_OWN_GAP = 3
#: A route point this close to a detailed street is inside the detailed area.
INSIDE_M = 30.0
#: Largest gap bridged when the skeleton joins the detailed streets.
JOIN_M = 60.0
#: A zone centre or station farther than this from every drivable street gets a connector.
REACH_M = 300.0
#: Connector length over the straight distance (urban circuity).
CIRCUITY = 1.3
CONNECTOR_TAGS = {"highway": "trunk", "maxspeed": "50", "lanes": "6",
                  "name": "connector (assumed)"}  # fmt: skip


@dataclass
class Pieces:
    """Polylines to add to the street graph: coordinates, a level per vertex and tags."""

    coords: list[NDArray[np.float64]] = field(default_factory=list)
    levels: list[NDArray[np.int8]] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)

    def add(self, xy: NDArray, tags: dict, level: int = 0) -> None:
        self.coords.append(np.asarray(xy, float))
        self.levels.append(np.full(len(xy), level, np.int8))
        self.tags.append(tags)


def bus_skeleton(
    routes: list[shapely.LineString],
    route_ids: list[str],
    detailed: list[shapely.LineString],
    join_xy: NDArray[np.float64],
    join_bus: NDArray[np.bool_],
) -> tuple[Pieces, dict[str, int]]:
    """Skeleton pieces from route parts (metric LineStrings, ``route_ids`` one per part).

    ``detailed`` are the detailed streets; ``join_xy`` the coordinates of their drivable
    vertices (level 0) and ``join_bus`` whether buses use each.
    """
    inside_tree = shapely.STRtree(np.array(detailed, dtype=object)) if detailed else None
    leaders: list[tuple[float, float]] = []
    made_by: list[tuple[int, int]] = []  # (route part, point) that placed each road point
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    users: dict[tuple[int, int], set[str]] = defaultdict(set)
    joins: list[tuple[int, NDArray, str]] = []  # (leader, inside point, route)
    for part, (line, rid) in enumerate(zip(routes, route_ids, strict=True)):
        xy = resample(np.asarray(line.coords), SPACING_M)
        pts = shapely.points(xy)
        inside = np.zeros(len(xy), bool)
        if inside_tree is not None:
            inside[np.unique(inside_tree.query(pts, predicate="dwithin", distance=INSIDE_M)[0])] = (
                True
            )
        prev: int | None = None
        for k in range(len(xy)):
            if inside[k]:
                if prev is not None:
                    joins.append((prev, xy[k], rid))
                prev = None
                continue
            cur = _leader(float(xy[k, 0]), float(xy[k, 1]), (part, k), leaders, made_by, grid)
            if prev is None and k > 0:
                joins.append((cur, xy[k - 1], rid))
            elif prev is not None and prev != cur:
                users[(min(prev, cur), max(prev, cur))].add(rid)
            prev = cur
    pieces = Pieces()
    pos = np.array(leaders).reshape(-1, 2)
    _prune_triangles(users, pos)
    for (a, b), rids in users.items():
        pieces.add(pos[[a, b]], {"highway": bus_class(len(rids)) or "tertiary", "name": ""})
    joined = _join(pieces, pos, joins, join_xy, join_bus, users)
    return pieces, {"skeleton_points": len(leaders), "skeleton_links": len(users),
                    "skeleton_joins": joined}  # fmt: skip


def resample(xy: NDArray[np.float64], spacing: float) -> NDArray[np.float64]:
    """Points every ``spacing`` metres along a polyline, both ends included."""
    cum = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    at = np.linspace(0.0, cum[-1], max(int(np.ceil(cum[-1] / spacing)), 1) + 1)
    return np.column_stack([np.interp(at, cum, xy[:, 0]), np.interp(at, cum, xy[:, 1])])


def _leader(
    x: float,
    y: float,
    at: tuple[int, int],
    leaders: list[tuple[float, float]],
    made_by: list[tuple[int, int]],
    grid: dict[tuple[int, int], list[int]],
) -> int:
    cx, cy = int(x // MERGE_RADIUS_M), int(y // MERGE_RADIUS_M)
    best, best_d2 = -1, MERGE_RADIUS_M**2
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for i in grid.get((cx + dx, cy + dy), ()):
                part, k = made_by[i]
                if part == at[0] and at[1] - k < _OWN_GAP:
                    continue
                lx, ly = leaders[i]
                d2 = (lx - x) ** 2 + (ly - y) ** 2
                if d2 <= best_d2:
                    best, best_d2 = i, d2
    if best >= 0:
        return best
    leaders.append((x, y))
    made_by.append(at)
    grid[(cx, cy)].append(len(leaders) - 1)
    return len(leaders) - 1


def _prune_triangles(users: dict[tuple[int, int], set[str]], pos: NDArray) -> None:
    """Drop a link that a two-link detour through a common neighbour matches within 20 %
    (a route that skipped a road point); its routes move onto the detour."""
    adj: dict[int, set[int]] = defaultdict(set)
    for a, b in users:
        adj[a].add(b)
        adj[b].add(a)

    def dist(a: int, b: int) -> float:
        return float(np.hypot(*(pos[a] - pos[b])))

    for a, b in sorted(users, key=lambda e: -dist(*e)):
        if (a, b) not in users:
            continue
        for c in sorted(adj[a] & adj[b]):
            if dist(a, c) + dist(c, b) <= 1.2 * dist(a, b):
                rids = users.pop((a, b))
                adj[a].discard(b)
                adj[b].discard(a)
                for e in ((min(a, c), max(a, c)), (min(b, c), max(b, c))):
                    users[e] |= rids
                break


def _join(
    pieces: Pieces,
    pos: NDArray,
    joins: list[tuple[int, NDArray, str]],
    join_xy: NDArray,
    join_bus: NDArray,
    users: dict[tuple[int, int], set[str]],
) -> int:
    """Link skeleton ends to detailed vertices: bus-used ones first, then any drivable."""
    if not joins or len(join_xy) == 0:
        return 0
    trees = [(cKDTree(join_xy[join_bus]), join_xy[join_bus]) if join_bus.any() else None,
             (cKDTree(join_xy), join_xy)]  # fmt: skip
    done: set[tuple[int, tuple[float, float]]] = set()
    routes_at: dict[int, int] = defaultdict(int)
    for (a, b), rids in users.items():
        routes_at[a] = max(routes_at[a], len(rids))
        routes_at[b] = max(routes_at[b], len(rids))
    for leader, inside_pt, _ in joins:
        for entry in trees:
            if entry is None:
                continue
            tree, xy = entry
            d, k = tree.query(inside_pt)
            if d <= JOIN_M:
                target = xy[k]
                key = (leader, (float(target[0]), float(target[1])))
                if key not in done:
                    done.add(key)
                    cls = bus_class(routes_at[leader]) or "tertiary"
                    pieces.add(np.vstack([pos[leader], target]), {"highway": cls, "name": ""})
                break
    return len(done)


def connectors(
    points: NDArray[np.float64], network_xy: NDArray[np.float64]
) -> tuple[Pieces, NDArray[np.bool_]]:
    """Connect ``points`` farther than :data:`REACH_M` from ``network_xy`` (drivable,
    connected vertices), nearest first, to the network or to points already connected.

    Returns the connector pieces and which points got one.
    """
    pieces = Pieces()
    points = np.asarray(points, float).reshape(-1, 2)
    if len(points) == 0 or len(network_xy) == 0:
        return pieces, np.zeros(len(points), bool)
    dist, idx = cKDTree(network_xy).query(points)
    far = dist > REACH_M
    target = network_xy[idx].copy()  # the nearest connected place of each point
    todo = set(np.flatnonzero(far).tolist())
    while todo:
        i = min(todo, key=lambda k: dist[k])
        todo.remove(i)
        straight = float(np.hypot(*(points[i] - target[i])))
        tags = dict(CONNECTOR_TAGS, length=straight * CIRCUITY)
        pieces.add(np.vstack([points[i], target[i]]), tags)
        for k in todo:  # point i is on the network now
            d = float(np.hypot(*(points[k] - points[i])))
            if d < dist[k]:
                dist[k], target[k] = d, points[i]
    return pieces, far
