"""Road classes for street layers that carry names but no class (Medellín's "Malla Vial").

A city's own centre-line layer says what a street is called (``CL 107``, ``AUTOPISTA NORTE``)
and its kind (``tipo_via``: CL calle, CR carrera, TV transversal, DG diagonal, SR servidumbre),
but not its class, lanes, speed or direction. Ladera gives each segment an OpenStreetMap
``highway`` class, so the speed, lane and capacity tables of :mod:`sim.network.road_classes` apply
unchanged. The rules, in order (the first that matches wins):

1. **Expressway** (``trunk``, ``maxspeed`` :data:`EXPRESSWAY_MAXSPEED`): the name starts with
   ``AUTOPISTA`` or is ``AVENIDA REGIONAL`` (the Autopista Norte, the Avenida Regional and the
   Autopista Medellín-Bogotá along the river). Crossings with other streets are at different
   levels (see :mod:`sim.network.streets_geojson`). Walking along them stays allowed: the
   streets between the two expressways at Acevedo reach the rest of the city on foot only
   by their ramps and sidewalks, and the footbridges are not in the data.
2. **Walk only** (``footway``, or ``pedestrian`` for ``PEATONAL``): servidumbres (``SR``,
   ``SERV.``: narrow hillside passages and stairs), pedestrian streets, canal-side paths and
   the short accesses named by a house address (``CL 120 #49C-49``), unless at least
   :data:`SECONDARY_ROUTES` bus routes run along it (fewer are routes on the street beside it).
3. **By the bus routes that use the segment** (counted along its length, see
   :func:`count_routes_along`): at least :data:`PRIMARY_ROUTES` routes, ``primary``; at least
   :data:`SECONDARY_ROUTES`, ``secondary``; at least one, ``tertiary``.
4. **Named avenues and roads** (``AVENIDA``, ``AV``, ``CARRETERA``, ``DIAGONAL``... that are
   not above) are at least ``secondary``: a name of its own marks a through road.
5. Everything else is ``residential``.

Every street is two-way, except the carriageways of expressways drawn as two parallel lines
(one way each, right-hand traffic): see :func:`carriageway_direction`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray

#: Class of the expressways, and their speed limit in km/h: 80 is the maximum on urban roads in
#: Colombia (Ley 1239 de 2008), posted on the Autopista Norte and the Regional in the 2000s.
EXPRESSWAY_CLASS = "trunk"
EXPRESSWAY_MAXSPEED = "80"
#: A street used by this many bus routes or more is a ``primary`` road.
PRIMARY_ROUTES = 8
#: ... this many or more (and fewer than :data:`PRIMARY_ROUTES`), ``secondary``.
SECONDARY_ROUTES = 3
#: A route runs along a segment when three points of the segment (at 1/4, 1/2 and 3/4 of its
#: length) all lie within this distance of the route and the route runs the same way there.
#: Bus-route geometry is drawn by hand and sits up to ~15 m off the centre line.
ALONG_TOLERANCE_M = 20.0

_EXPRESSWAY = re.compile(r"^\s*(AUTOPISTA\b|AVENIDA\s+REGIONAL\s*$)", re.IGNORECASE)
_PEDESTRIAN = re.compile(r"^\s*PEATONAL\b", re.IGNORECASE)
_PASSAGE = re.compile(r"^\s*(SR|SERV\.?|SERVIDUMBRE|CANALIZACI[OÓ]N)\b", re.IGNORECASE)
_ADDRESS = re.compile(r"#|^\s*\d+[A-Z]*\s*-\s*\d+")  # "CL 120 #49C-49", "97-66"
_NAMED_ROAD = re.compile(r"^\s*(AVENIDA|AV\.?|CARRETERA|V[IÍ]A|DIAGONAL)\b", re.IGNORECASE)
_KIND_WORDS = {
    "CL": "Calle",
    "CR": "Carrera",
    "KR": "Carrera",
    "TV": "Transversal",
    "DG": "Diagonal",
    "CQ": "Circular",
    "AV": "Avenida",
    "SR": "Servidumbre",
    "SERV.": "Servidumbre",
    "SERV": "Servidumbre",
}


def normalise_name(raw: object) -> str:
    """A readable street name: ``"CL 107"`` -> ``"Calle 107"``, ``"AUTOPISTA NORTE"`` ->
    ``"Autopista Norte"``; house addresses keep their ``#`` part (``"Calle 120 #49C-49"``).

    Scenario selectors (``name_pattern``) and reports see these names.
    """
    text = " ".join(str(raw or "").split())
    if not text:
        return ""
    head, _, rest = text.partition(" ")
    word = _KIND_WORDS.get(head.upper())
    if word is not None and rest:
        return f"{word} {rest.upper()}"
    return " ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in text.split())


def is_expressway(raw: object) -> bool:
    """Rule 1: the controlled-access roads along the river."""
    return bool(_EXPRESSWAY.match(str(raw or "")))


def walk_only_class(raw: object, kind: object = None) -> str | None:
    """Rule 2: ``"pedestrian"`` or ``"footway"`` for passages, else None."""
    name = str(raw or "")
    if _PEDESTRIAN.match(name):
        return "pedestrian"
    if str(kind or "").upper() == "SR" or _PASSAGE.match(name) or _ADDRESS.search(name):
        return "footway"
    return None


def bus_class(routes: int) -> str | None:
    """Rule 3: the class a number of bus routes implies, or None for none."""
    if routes >= PRIMARY_ROUTES:
        return "primary"
    if routes >= SECONDARY_ROUTES:
        return "secondary"
    if routes >= 1:
        return "tertiary"
    return None


def street_class(raw: object, kind: object = None, routes: int = 0) -> str:
    """The OSM ``highway`` class of a centre-line segment (rules 1-5 of the module docstring)."""
    if is_expressway(raw):
        return EXPRESSWAY_CLASS
    by_bus = bus_class(int(routes))
    if int(routes) < SECONDARY_ROUTES:  # one or two routes beside a passage are drawing offsets
        walk = walk_only_class(raw, kind)
        if walk is not None:
            return walk
    if _NAMED_ROAD.match(str(raw or "")) and by_bus in (None, "tertiary"):
        return "secondary"
    return by_bus or "residential"


def count_routes_along(
    segments: Sequence[shapely.LineString] | NDArray,
    routes: Sequence[shapely.Geometry] | NDArray,
    *,
    tolerance_m: float = ALONG_TOLERANCE_M,
) -> NDArray[np.int64]:
    """How many of ``routes`` run along each segment (metric coordinates).

    A route runs along a segment when the segment's points at 1/4, 1/2 and 3/4 of its length
    each have a stretch of the route within ``tolerance_m`` that runs parallel to the segment
    there (within ~30 degrees), so a route that only crosses the segment, or turns off it at a
    corner, does not count.
    """
    segs = np.asarray(segments, dtype=object)
    counts = np.zeros(len(segs), np.int64)
    stretch_xy, stretch_route = _stretches(routes)
    if len(segs) == 0 or len(stretch_route) == 0:
        return counts
    stretches = shapely.linestrings(stretch_xy)
    tree = shapely.STRtree(stretches)
    heading = stretch_xy[:, 1] - stretch_xy[:, 0]
    heading /= np.maximum(np.hypot(heading[:, 0], heading[:, 1]), 1e-9)[:, None]
    length = shapely.length(segs)
    keys = []
    for f in (0.25, 0.5, 0.75):
        pts = shapely.line_interpolate_point(segs, f, normalized=True)
        ahead = shapely.line_interpolate_point(segs, np.minimum(f * length + 2.0, length))
        behind = shapely.line_interpolate_point(segs, np.maximum(f * length - 2.0, 0.0))
        tangent = shapely.get_coordinates(ahead) - shapely.get_coordinates(behind)
        tangent /= np.maximum(np.hypot(tangent[:, 0], tangent[:, 1]), 1e-9)[:, None]
        seg_idx, piece = tree.query(pts, predicate="dwithin", distance=tolerance_m)
        aligned = np.abs(np.einsum("ij,ij->i", tangent[seg_idx], heading[piece])) >= 0.87
        keys.append(np.unique(seg_idx[aligned] * len(routes) + stretch_route[piece[aligned]]))
    both = np.intersect1d(np.intersect1d(keys[0], keys[1]), keys[2])
    np.add.at(counts, both // len(routes), 1)
    return counts


def _stretches(routes: Sequence[shapely.Geometry] | NDArray) -> tuple[NDArray, NDArray]:
    """Every straight stretch (consecutive vertex pair) of every route, and its route."""
    xy, owner = [], []
    for r, geom in enumerate(routes):
        for part in shapely.get_parts(geom):
            c = shapely.get_coordinates(part)
            if len(c) >= 2:
                xy.append(np.stack([c[:-1], c[1:]], axis=1))
                owner.append(np.full(len(c) - 1, r))
    if not xy:
        return np.empty((0, 2, 2)), np.empty(0, np.int64)
    return np.concatenate(xy), np.concatenate(owner)


def carriageway_direction(
    segments: Sequence[shapely.LineString] | NDArray,
    names: Sequence[str],
    *,
    min_gap_m: float = 5.0,
    max_gap_m: float = 60.0,
) -> NDArray[np.int8]:
    """Direction of each expressway segment drawn as one of two parallel carriageways.

    Returns +1 (one way, as drawn), -1 (one way, against the drawing) or 0 (two-way: no twin).
    A segment's twin is a segment with the same name whose nearest point to the segment's
    middle lies ``min_gap_m``-``max_gap_m`` away and runs parallel there (within ~37 degrees).
    Traffic keeps right (Colombia), so a carriageway runs in the direction that has its twin
    on the left. Segments are in a metric CRS.
    """
    segs = np.asarray(segments, dtype=object)
    out = np.zeros(len(segs), np.int8)
    names_arr = np.asarray(names, dtype=object)
    for i, seg in enumerate(segs):
        mid = shapely.line_interpolate_point(seg, 0.5, normalized=True)
        tangent = _tangent(seg, seg.project(mid))
        best: tuple[float, float] | None = None
        for j in np.flatnonzero(names_arr == names_arr[i]):
            if j == i:
                continue
            other = segs[j]
            gap = other.distance(mid)
            if not (min_gap_m <= gap <= max_gap_m) or (best is not None and gap >= best[0]):
                continue
            at = other.project(mid)
            if abs(float(np.dot(tangent, _tangent(other, at)))) < 0.8:
                continue
            near = np.asarray(other.interpolate(at).coords[0]) - np.asarray(mid.coords[0])
            best = (gap, float(tangent[0] * near[1] - tangent[1] * near[0]))  # cross product
        if best is not None:
            out[i] = 1 if best[1] > 0 else -1  # twin on the left: keep the drawn direction
    return out


def _tangent(line: shapely.LineString, at: float, step: float = 5.0) -> NDArray[np.float64]:
    a = np.asarray(line.interpolate(max(at - step, 0.0)).coords[0])
    b = np.asarray(line.interpolate(min(at + step, line.length)).coords[0])
    d = b - a
    norm = float(np.hypot(*d))
    return d / norm if norm > 0 else np.zeros(2)
