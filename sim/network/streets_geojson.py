"""Street centre lines from GeoJSON (Medellín's "Malla Vial"): read them and node them.

Published centre lines are drawn segment by segment: junctions miss by 1-3 m, and a line that
crosses another may or may not have a vertex there. :func:`node_segments` turns them into a
planar-where-it-should-be set of polylines whose shared vertices are the junctions:

1. **Ends that meet.** Segment ends closer than :data:`END_TOLERANCE_M` are one point.
2. **Snapping.** A dangling end (no other segment ends there) within ``snap_m`` (3 m) of another
   segment is moved onto it (onto its vertex when one is within 1 m) and that segment is split
   there: a T-junction that misses. Ramps drawn ending on an expressway join it this way.
3. **Crossings** (two lines cross, or a street that goes on lies on another's interior) are
   junctions unless the data say they are at different levels:

   - an **expressway** (:func:`sim.network.street_classes.is_expressway`: the Autopista Norte,
     the Avenida Regional, the Autopista Medellín-Bogotá) never meets a street that crosses it:
     their crossings are bridges and underpasses, reached by ramps (rule 2);
   - a crossing where **neither line has a vertex** within ``snap_m`` is drawn as two
     independent lines: a bridge or an underpass.

   Otherwise the crossing point is added to both lines.

A vertex shared by an expressway and a street that does not end on it stays two nodes (one per
level), so a bridge never becomes a junction by an accident of digitising.

Coordinates are metric (the city's ``metric_crs``); nothing here builds a graph.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.errors import DataError, where
from sim.network.street_classes import is_expressway

#: Ends of two segments closer than this are one point (published ends that meet are
#: identical or a few centimetres apart).
END_TOLERANCE_M = 0.5
#: Default snapping distance for dangling ends; also how close a vertex must be to a crossing
#: for the crossing to count as drawn ("junctions miss by 1-3 m" in the Malla Vial).
SNAP_M = 3.0
#: When a snapped end lands this close to a vertex of the other line, it takes the vertex.
SNAP_TO_VERTEX_M = 1.0
_SAME_M = 0.01  # coordinates this close are the same point


@dataclass(frozen=True)
class Centrelines:
    """Raw centre lines: one row per published segment, metric coordinates."""

    geometry: NDArray[np.object_]  # shapely LineStrings
    name: NDArray[np.object_]  # the published name ("CL 107")
    kind: NDArray[np.object_]  # tipo_via ("CL", "CR", "SR"...), "" when not given
    source: NDArray[np.int64]  # index of the file each segment came from

    @property
    def n(self) -> int:
        return len(self.geometry)


@dataclass(frozen=True)
class NodedSegments:
    """Segments after noding: vertex coordinates and, per vertex, its level (0 street,
    1 expressway). Two vertices are one node when their coordinates and levels agree."""

    coords: list[NDArray[np.float64]]
    levels: list[NDArray[np.int8]]
    segment: NDArray[np.int64]  # the Centrelines row each comes from
    apart: NDArray[np.float64]  # crossings kept apart: rows (x, y, segment i, segment j)
    report: dict[str, int]


def read_centrelines(paths: list[Path], crs: str) -> Centrelines:
    """Read GeoJSON centre lines (``.geojson`` or ``.geojson.gz``, EPSG:4326) into ``crs``.

    The name is the ``via`` or ``via_name`` property; the kind is ``info.tipo_via`` when
    given, else the first word of the name. Multi-part lines are split into their parts;
    empty and one-point lines are dropped.
    """
    from pyproj import Transformer

    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    geoms, names, kinds, sources = [], [], [], []
    for k, path in enumerate(paths):
        for coords, props in _features(Path(path)):
            name = str(props.get("via") or props.get("via_name") or "").strip()
            info = props["info"] if isinstance(props.get("info"), dict) else {}
            kind = str(info.get("tipo_via") or name.partition(" ")[0]).upper()
            xy = np.column_stack(to_metric.transform(coords[:, 0], coords[:, 1]))
            keep = np.r_[True, np.any(np.abs(np.diff(xy, axis=0)) > 1e-6, axis=1)]
            if keep.sum() >= 2:
                geoms.append(shapely.LineString(xy[keep]))
                names.append(name)
                kinds.append(kind)
                sources.append(k)
    if not geoms:
        raise DataError(where(paths[0] if paths else "streets", "no line features"))
    return Centrelines(
        geometry=np.array(geoms, dtype=object),
        name=np.array(names, dtype=object),
        kind=np.array(kinds, dtype=object),
        source=np.array(sources, np.int64),
    )


def _features(path: Path) -> list[tuple[NDArray[np.float64], dict[str, Any]]]:
    if not path.is_file():
        raise DataError(where(path, "file not found"))
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        out = []
        for feat in data["features"]:
            geom = feat.get("geometry") or {}
            kind, coords = str(geom.get("type")), geom.get("coordinates") or []
            parts = (
                [coords] if kind == "LineString" else coords if kind == "MultiLineString" else []
            )
            for part in parts:
                if part and len(part) >= 2:
                    out.append((np.asarray(part, float)[:, :2], feat.get("properties") or {}))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        msg = f"not a readable GeoJSON line layer ({type(exc).__name__}: {exc})"
        raise DataError(where(path, msg)) from None
    return out


def node_segments(lines: Centrelines, *, snap_m: float = SNAP_M) -> NodedSegments:
    """Snap and node centre lines by the rules of the module docstring."""
    coords = [np.asarray(g.coords, float) for g in lines.geometry]
    express = np.array([is_expressway(n) for n in lines.name], bool)
    end_level = [np.array([int(e), int(e)], np.int8) for e in express]
    degree = _merge_ends(coords, express, end_level)
    inserts: dict[int, list[NDArray]] = defaultdict(list)
    snapped = _snap_dangling(coords, express, end_level, degree, inserts, snap_m)
    crossings, apart = _node_crossings(coords, express, degree, inserts, snap_m)
    apart_at = np.array(apart).reshape(-1, 4)
    out_coords, out_levels = [], []
    for i, xy in enumerate(coords):
        xy = _insert_points(xy, inserts.get(i, []))
        levels = np.full(len(xy), int(express[i]), np.int8)
        levels[0], levels[-1] = end_level[i]
        out_coords.append(xy)
        out_levels.append(levels)
    report = {"segments": lines.n, "snapped_ends": snapped, "crossings_noded": crossings,
              "crossings_apart": len(apart_at)}  # fmt: skip
    return NodedSegments(out_coords, out_levels, np.arange(lines.n), apart_at, report)


def _merge_ends(
    coords: list[NDArray], express: NDArray, end_level: list[NDArray]
) -> NDArray[np.int64]:
    """Make ends closer than :data:`END_TOLERANCE_M` identical; return each end's degree
    (how many segment ends are at its point), indexed ``2 * segment + (0 first, 1 last)``."""
    ends = np.array([xy[[0, -1]] for xy in coords]).reshape(-1, 2)
    parent = np.arange(len(ends))
    for a, b in cKDTree(ends).query_pairs(END_TOLERANCE_M, output_type="ndarray"):
        ra, rb = _root(parent, a), _root(parent, b)
        parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([_root(parent, i) for i in range(len(ends))])
    has_express = np.zeros(len(ends), bool)
    np.logical_or.at(has_express, roots, np.repeat(express, 2))
    for e, r in enumerate(roots):
        seg, side = divmod(e, 2)
        coords[seg][-side] = ends[r]
        if has_express[r]:  # a street ending where an expressway ends is on it (a ramp)
            end_level[seg][side] = 1
    return np.bincount(roots, minlength=len(ends))[roots]


def _root(parent: NDArray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return int(i)


def _snap_dangling(
    coords: list[NDArray],
    express: NDArray,
    end_level: list[NDArray],
    degree: NDArray,
    inserts: dict[int, list[NDArray]],
    snap_m: float,
) -> int:
    """Rule 2: move each dangling end onto the nearest other segment within ``snap_m``."""
    geoms = _lines(coords)
    tree = shapely.STRtree(geoms)
    dangling = np.flatnonzero(degree == 1)
    pts = shapely.points(np.array([coords[e // 2][-(e % 2)] for e in dangling]).reshape(-1, 2))
    which, target = tree.query(pts, predicate="dwithin", distance=snap_m)
    best: dict[int, tuple[float, int]] = {}
    for w, t in zip(which.tolist(), target.tolist(), strict=True):
        if t == dangling[w] // 2:
            continue
        d = float(shapely.distance(pts[w], geoms[t]))
        if w not in best or d < best[w][0]:
            best[w] = (d, t)
    for w, (_, t) in best.items():
        seg, side = divmod(int(dangling[w]), 2)
        at = geoms[t].interpolate(geoms[t].project(pts[w]))
        q = np.asarray(at.coords[0])
        vdist = np.hypot(*(coords[t] - q).T)
        if vdist.min() <= SNAP_TO_VERTEX_M:
            q = coords[t][int(np.argmin(vdist))].copy()
        coords[seg][-side] = q
        end_level[seg][side] = int(express[t])
        inserts[t].append(q)
    return len(best)


def _node_crossings(
    coords: list[NDArray],
    express: NDArray,
    degree: NDArray,
    inserts: dict[int, list[NDArray]],
    vertex_tol: float,
) -> tuple[int, list[tuple[float, float, int, int]]]:
    """Rule 3: add the crossings that are junctions to both lines; count those, and list the
    crossings kept apart."""
    geoms = _lines(coords)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    noded = 0
    apart: list[tuple[float, float, int, int]] = []
    for i, j in zip(left[keep].tolist(), right[keep].tolist(), strict=True):
        for p in _crossing_points(geoms[i], geoms[j]):
            if _dangling_end(coords, degree, i, p) or _dangling_end(coords, degree, j, p):
                continue  # rule 2 handled it
            if _at_end(coords, i, p) and _at_end(coords, j, p):
                continue  # ends merged by rule 1
            vi = float(np.hypot(*(coords[i] - p).T).min())
            vj = float(np.hypot(*(coords[j] - p).T).min())
            if vi <= _SAME_M and vj <= _SAME_M and express[i] == express[j]:
                continue  # already a shared vertex
            if express[i] != express[j] or min(vi, vj) > vertex_tol:
                apart.append((float(p[0]), float(p[1]), i, j))
                continue
            inserts[i].append(p)
            inserts[j].append(p)
            noded += 1
    return noded, apart


def _lines(coords: list[NDArray]) -> NDArray[np.object_]:
    return np.array([shapely.LineString(xy) for xy in coords], dtype=object)


def _crossing_points(a: shapely.LineString, b: shapely.LineString) -> list[NDArray]:
    """Points where two lines meet (ends of shared stretches for overlapping lines)."""
    inter = shapely.intersection(a, b)
    out = []
    for part in shapely.get_parts(inter):
        if part.is_empty:
            continue
        if part.geom_type == "Point":
            out.append(np.asarray(part.coords[0]))
        elif part.geom_type == "LineString":
            out += [np.asarray(part.coords[0]), np.asarray(part.coords[-1])]
    return out


def _dangling_end(coords: list[NDArray], degree: NDArray, seg: int, p: NDArray) -> bool:
    for side in (0, 1):
        if degree[2 * seg + side] == 1 and np.hypot(*(coords[seg][-side] - p)) <= _SAME_M:
            return True
    return False


def _at_end(coords: list[NDArray], seg: int, p: NDArray) -> bool:
    return bool(np.hypot(*(coords[seg][[0, -1]] - p).T).min() <= _SAME_M)


def _insert_points(xy: NDArray, points: list[NDArray]) -> NDArray:
    """``xy`` with ``points`` (on or next to the line) inserted in order along it; a point
    within a centimetre of a vertex replaces it, so both lines share exact coordinates."""
    if not points:
        return xy
    xy = xy.copy()
    line = shapely.LineString(xy)
    cum = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    extra_pos, extra_xy = [], []
    for p in points:
        d = np.hypot(*(xy - p).T)
        k = int(np.argmin(d))
        if d[k] <= _SAME_M:
            xy[k] = p
        else:
            extra_pos.append(line.project(shapely.Point(p)))
            extra_xy.append(p)
    if not extra_xy:
        return xy
    pos = np.r_[cum, extra_pos]
    # stable: an inserted point at a vertex's distance goes after it
    order = np.lexsort((np.r_[np.zeros(len(cum)), np.ones(len(extra_pos))], pos))
    merged = np.vstack([xy, np.array(extra_xy)])[order]
    keep = np.r_[True, np.any(np.abs(np.diff(merged, axis=0)) > 1e-9, axis=1)]
    return merged[keep]
