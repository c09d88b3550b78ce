"""Where households live inside their zone, for cities that give zone polygons (Medellín).

A macrozona holds tens of thousands of people on a hillside; which street a household lives
on decides how far it walks to a station. The rule:

- A zone's households live on the walkable nodes inside its polygon, each node drawn with
  probability proportional to the length of residential street around it (half of every
  walk edge at the node, both directions counted once), weighted by class
  (:data:`RESIDENTIAL_WEIGHT`): passages, footways and local streets fully, collectors less,
  arterials little, expressways and connectors not at all. The population thus spreads over
  the streets where people live, up the hillsides as much as on the valley floor.
- No weighting by slope: Medellín's steepest comunas are among its densest, so a rule that
  thinned out steep streets would move people away from the hillsides Line K serves. Slope
  enters through the walking times (Tobler) from where they live.
- The nodes are drawn systematically (:mod:`sim.sampling`) along a Z-order curve through the
  zone, so its homes spread over its area in proportion to the weights rather than clumping
  where one seed's draws happen to fall: which side of a hill a zone's households live on
  then changes little from one seed to the next.
- A zone with no such node inside it (a zone only a connector reaches) places its
  households at the walk nodes within :data:`FALLBACK_RADIUS_M` of its centre, else at the
  nearest one, as cities without polygons do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from sim.city import City
from sim.errors import DataError
from sim.network.arrays import Layer, MultimodalNetwork, NodeKind
from sim.network.build import projector
from sim.zones import Zones

#: Weight of a street's length for homes, by class; classes not listed count 1.
RESIDENTIAL_WEIGHT = {
    "secondary": 0.5,
    "primary": 0.25,
    "trunk": 0.0,
    "motorway": 0.0,
    "motorway_link": 0.0,
    "trunk_link": 0.0,
}
FALLBACK_RADIUS_M = 250.0


def node_weights(net: MultimodalNetwork) -> NDArray[np.float64]:
    """Residential street length (metres, weighted by class) at every node."""
    walk = np.flatnonzero(net.layer == Layer.WALK)
    names = np.unique(net.highway[walk])
    factor = np.array([RESIDENTIAL_WEIGHT.get(str(h), 1.0) for h in names])
    w = factor[np.searchsorted(names, net.highway[walk])] * net.length_m[walk]
    weight = np.zeros(net.n_nodes)
    # each direction of a street is one edge: a quarter of each at both ends = half a street
    np.add.at(weight, net.tail[walk], 0.25 * w)
    np.add.at(weight, net.indices[walk], 0.25 * w)
    return weight


def zone_polygons(city: City, zones: Zones) -> list:
    """The polygon of each zone (row order of ``zones``); None where the file has none."""
    import geopandas as gpd

    spec = city.zones
    assert spec.polygons and spec.polygon_key and spec.polygon_id
    path = city.path(spec.polygons)
    try:
        polys = gpd.read_file(path).to_crs(4326)
    except Exception as exc:  # pyogrio raises many types for a broken file
        raise DataError(f"{path}: not a readable polygon file ({type(exc).__name__})") from None
    if spec.polygon_key not in polys.columns:
        raise DataError(f"{path}: no field `{spec.polygon_key}` (`zones.polygon_key`)")
    table = pd.read_csv(city.path(spec.file))
    if spec.polygon_id not in table.columns:
        raise DataError(
            f"{city.path(spec.file)}: no column `{spec.polygon_id}` (`zones.polygon_id`)"
        )
    key_of = dict(zip(table[spec.id].astype(str).str.strip(), table[spec.polygon_id], strict=True))
    geom_of = {_key(k): g for k, g in zip(polys[spec.polygon_key], polys.geometry, strict=True)}
    return [geom_of.get(_key(key_of.get(z))) for z in zones.id]


def _key(value: object) -> str:
    try:
        return str(int(float(str(value))))
    except ValueError:
        return str(value).strip()


def place_homes(
    city: City,
    zones: Zones,
    net: MultimodalNetwork,
    home: NDArray[np.int32],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """A walk node for each household of zone ``home[i]`` (``home`` sorted), by the rule of
    the module docstring."""
    import shapely

    walk_nodes, tree = node_index(net, NodeKind.WALK)
    weight = node_weights(net)[walk_nodes]
    polygons = zone_polygons(city, zones)
    points = shapely.points(net.x[walk_nodes], net.y[walk_nodes])

    project = projector(net)
    out = np.empty(home.shape[0], np.int64)
    used = np.unique(home)
    starts = np.searchsorted(home, used)
    ends = np.searchsorted(home, used, side="right")
    for z, a, b in zip(used.tolist(), starts.tolist(), ends.tolist(), strict=True):
        poly = polygons[z]
        inside: NDArray[np.int64] = (
            np.flatnonzero(shapely.contains(poly, points))
            if poly is not None
            else np.empty(0, np.int64)
        )
        w = weight[inside]
        if len(inside) and w.sum() > 0:
            xy = (net.x[walk_nodes[inside]], net.y[walk_nodes[inside]])
            out[a:b] = walk_nodes[inside[spread_pick(w, *xy, b - a, rng)]]
            continue
        centre = project(zones.lon[z : z + 1], zones.lat[z : z + 1])[0]
        near = tree.query_ball_point(centre, r=FALLBACK_RADIUS_M) or [tree.query(centre)[1]]
        cand = np.sort(np.asarray(near, np.int64))
        out[a:b] = walk_nodes[cand[rng.integers(0, cand.shape[0], size=b - a)]]
    return out


def coverage(
    city: City, zones: Zones, net: MultimodalNetwork, *, radius_m: float = 500.0
) -> pd.DataFrame:
    """Share of each zone's area within ``radius_m`` of a street node (not a connector's own
    centre node), a stand-in for its population's share while people are spread evenly."""
    import geopandas as gpd

    polys = gpd.GeoSeries(zone_polygons(city, zones), crs=4326).to_crs(city.metric_crs)
    street = net.node_kind != NodeKind.STOP
    edge_walk = net.layer == Layer.WALK
    real = np.zeros(net.n_nodes, bool)
    ok = edge_walk & ~np.char.startswith(net.name.astype(str), "connector")
    real[net.tail[ok]] = True
    real[net.indices[ok]] = True
    pts = gpd.GeoSeries(gpd.points_from_xy(net.x[street & real], net.y[street & real]), crs=4326)
    reach = pts.to_crs(city.metric_crs).buffer(radius_m, resolution=8).union_all()
    share = [
        float(p.intersection(reach).area / p.area) if p is not None and p.area > 0 else np.nan
        for p in polys
    ]
    return pd.DataFrame(
        {
            "zone": zones.id,
            "name": zones.name,
            "population": zones.population,
            "share_within_m": share,
        }  # fmt: skip
    )


def node_index(net: MultimodalNetwork, kind: NodeKind) -> tuple[NDArray[np.int64], cKDTree]:
    """Nodes of one kind and a KD-tree over them in metres (the network's own projection)."""
    nodes = net.nodes_of(kind)
    project = projector(net)
    return nodes, cKDTree(project(net.x[nodes], net.y[nodes]))


def spread_pick(weight: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64],
                m: int, rng: np.random.Generator) -> NDArray[np.int64]:  # fmt: skip
    """``m`` draws of the points ``(x, y)``, each with probability proportional to ``weight``,
    taken systematically (one random start) along the points' Z-order, in random order."""
    order = np.argsort(z_order(x, y), kind="stable")
    cdf = np.cumsum(weight[order])
    u = (np.arange(m) + rng.random()) / m * cdf[-1]
    pick = order[np.minimum(np.searchsorted(cdf, u, side="right"), order.shape[0] - 1)]
    return rng.permutation(pick).astype(np.int64)


def z_order(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.uint64]:
    """Each point's position on a Z-order (Morton) curve through the points' bounding box
    (16 bits a coordinate): points near each other on the curve are near each other."""

    def spread(v: NDArray[np.float64]) -> NDArray[np.uint64]:
        span = max(float(np.ptp(v)), 1e-12) if v.size else 1.0
        b = np.floor((v - (v.min() if v.size else 0.0)) / span * 65535).astype(np.uint64)
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            b = (b | (b << np.uint64(shift))) & np.uint64(mask)
        return b

    return spread(np.asarray(x, float)) | (spread(np.asarray(y, float)) << np.uint64(1))
