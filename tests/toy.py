"""Tiny hand-made cities for tests whose answers can be worked out on paper."""

from __future__ import annotations

import heapq

import numpy as np

from sim.city import City, CostsSpec, IncomeSpec, StreetsSpec, ZonesSpec
from sim.network.arrays import Layer, MultimodalNetwork, NodeKind, TransitMode, assemble
from sim.population import Households
from sim.zones import Zones

INCOMES = (1000.0, 1500.0, 2000.0, 3000.0, 5000.0, 8000.0)


def toy_city(**costs: float) -> City:
    return City(
        name="toy",
        title="Toy",
        currency="XXX",
        metric_crs="EPSG:3857",
        attribution="made up",
        streets=StreetsSpec(osm="none.osm"),
        zones=ZonesSpec(file="none.csv", id="id", lon="lon", lat="lat"),
        income=IncomeSpec(kind="estrato", estrato_income=INCOMES),
        costs=CostsSpec(**{"car_parking": 0.0, "motorbike_parking": 0.0, **costs}),
        household_size=1.0,
    )


def two_zones(population: float) -> Zones:
    """Home zone at (0, 0) with everyone; work zone at (0.1, 0) with all the jobs."""
    return Zones(
        id=np.array(["home", "work"]),
        name=np.array(["home", "work"]),
        lon=np.array([0.0, 0.1]),
        lat=np.array([0.0, 0.0]),
        population=np.array([population, 0.0]),
        jobs=np.array([0.0, 100.0]),
        income=np.array([2000.0, 2000.0]),
        stratum=np.array([3.0, 3.0]),
    )


def two_route_network(
    *, t_a: float = 300.0, cap_a: float = 1000.0, t_b: float = 450.0, cap_b: float = 2000.0,
    walk_m: float = 11_000.0,
) -> MultimodalNetwork:  # fmt: skip
    """Walk nodes W0 -> W1; drive D0 -> D1 by route A (via D2) or route B (via D3).

    Each route has two links of free-flow time ``t_a`` (``t_b``) and capacity ``cap_a``
    (``cap_b``) vehicles per hour.
    """
    x = [0.0, 0.1, 0.0, 0.1, 0.05, 0.05]
    y = [0.0, 0.0, 0.0, 0.0, 0.01, -0.01]
    kind = [NodeKind.WALK] * 2 + [NodeKind.DRIVE] * 4
    W0, W1, D0, D1, D2, D3 = range(6)
    tail = [W0, W1, D0, D2, D0, D3]
    head = [W1, W0, D2, D1, D3, D1]
    walk_t = walk_m / (5 / 3.6)
    edges = {
        "layer": [Layer.WALK, Layer.WALK] + [Layer.DRIVE] * 4,
        "time_s": [walk_t, walk_t, t_a, t_a, t_b, t_b],
        "length_m": [walk_m, walk_m, 5000.0, 5000.0, 6000.0, 6000.0],
        "capacity": [np.inf, np.inf, cap_a, cap_a, cap_b, cap_b],
        "lanes": [0, 0, 1, 1, 2, 2],
    }
    net, _ = assemble({"x": x, "y": y, "node_kind": kind}, tail, head, edges)
    return net


def households(n: int, *, car: bool = True, moto: bool = False, weight: float = 1.0,
               income: float = 2000.0, vot: float = 0.5) -> Households:  # fmt: skip
    """``n`` identical households at W0 working in the only destination zone."""
    return Households(
        home_zone=np.zeros(n, np.int32),
        work_zone=np.zeros(n, np.int32),
        home_node=np.zeros(n, np.int64),
        drive_node=np.full(n, 2, np.int64),
        access_s=np.zeros(n),
        income=np.full(n, income),
        income_class=np.full(n, 3, np.int8),
        car=np.full(n, car),
        moto=np.full(n, moto),
        vot=np.full(n, vot),
        weight=weight,
    )


def two_line_network(*, fare_a: float = 1.0, fare_b: float = 3.0) -> MultimodalNetwork:
    """Two lines of one fare system ``"s"`` meeting at W1, and no street edges.

    Walk nodes W0, W1, W2 (ids 0, 1, 2) lie on the equator 0.01 degree (1.1 km) apart. Line A
    (cable, route "A", fare ``fare_a``) runs W0 <-> W1 and line B (metro, route "B", fare
    ``fare_b``) W1 <-> W2, 60 s a hop, a vehicle every 60 s. Line rows: 0 "A →" (W0 to W1),
    1 "A ←", 2 "B →" (W1 to W2), 3 "B ←". With no street edges the only ways between W0 and
    W2 ride both lines: through a transfer at W1, or alighting at W1 and boarding again.
    """
    from sim.network.build import add_lines
    from sim.network.transit import TransitLine

    nodes = {"x": [0.0, 0.01, 0.02], "y": [0.0, 0.0, 0.0], "node_kind": [NodeKind.WALK] * 3}
    empty = {"layer": np.zeros(0, np.int8), "time_s": np.zeros(0)}
    streets, _ = assemble(nodes, np.zeros(0, np.int64), np.zeros(0, np.int64), empty)
    lines = []
    for route, mode, fare, (w0, w1) in (("A", TransitMode.CABLE, fare_a, (0, 1)),
                                        ("B", TransitMode.METRO, fare_b, (1, 2))):  # fmt: skip
        for arrow, stops in (("→", (w0, w1)), ("←", (w1, w0))):
            lines.append(TransitLine(
                name=f"{route} {arrow}", route_id=route, mode=mode,
                stop_ids=tuple(f"{route}{w}" for w in stops),
                stop_names=tuple(f"W{w}" for w in stops),
                lon=[nodes["x"][w] for w in stops], lat=[0.0, 0.0], run_time_s=[60.0],
                headway_s=60.0, vehicle_capacity=100.0, fare=fare, fare_system="s",
            ))  # fmt: skip
    net, _ = add_lines(streets, lines, max_snap_m=1.0)
    return net


def cheapest_fare(net: MultimodalNetwork, source: int, target: int) -> float:
    """Least total edge fare from node ``source`` to ``target`` (Dijkstra on the CSR arrays,
    written out here independently of the project's kernels); ``inf`` if unreachable.
    Edges with an infinite time (lines out of service) are skipped."""
    best = np.full(net.n_nodes, np.inf)
    best[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        cost, u = heapq.heappop(heap)
        if cost > best[u]:
            continue
        for e in range(net.indptr[u], net.indptr[u + 1]):
            v = int(net.indices[e])
            if np.isfinite(net.time_s[e]) and cost + net.fare[e] < best[v]:
                best[v] = cost + net.fare[e]
                heapq.heappush(heap, (float(best[v]), v))
    return float(best[target])
