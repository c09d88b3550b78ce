"""Design mode's roads: click a road on the map to widen it (one more lane each way).

Nothing here imports Solara. A road is an OpenStreetMap way of the drive network: the map
offers one click target per way (:func:`road_targets`, at the middle of the way's middle edge)
and a design keeps the ways' ids. The scenario file states its road selector as ``way_ids``
(:class:`sim.interventions.RoadUpgrade`: every drive edge of those ways, both directions), which
``ladera compare`` reads like any ``road_upgrade``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.network.arrays import Layer, MultimodalNetwork

#: Widening cost per km of road, by (currency, price year). ASSUMED, as the bundled
#: scenarios/porto_alegre/road_upgrade.toml: R$ 35 M per km of 2024 for an urban arterial with
#: expropriations, R$ 26 M at 2019 prices (IPCA 2019-2024 about 1.33).
ROAD_COST_PER_KM: dict[tuple[str, int], float] = {("BRL", 2019): 26e6}
ROAD_COST_SOURCE = "assumed R$ 26 M per km (2019), as scenarios/porto_alegre/road_upgrade.toml"
TARGET_NAME = "roads (click to widen)"


@dataclass(frozen=True)
class RoadTargets:
    """One click target per OSM way of the drive network."""

    way: NDArray[np.int64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]


_TARGETS: weakref.WeakKeyDictionary[MultimodalNetwork, RoadTargets] = weakref.WeakKeyDictionary()


def road_targets(net: MultimodalNetwork) -> RoadTargets:
    """The midpoint of each way's middle drive edge, with the way's id (computed once)."""
    if net not in _TARGETS:
        drive = net.edges_of(Layer.DRIVE)
        drive = drive[net.wayid[drive] >= 0]
        order = np.argsort(net.wayid[drive], kind="stable")
        edges = drive[order]
        ways, first, count = np.unique(net.wayid[edges], return_index=True, return_counts=True)
        mid = edges[first + count // 2]
        x = (net.x[net.tail[mid]] + net.x[net.indices[mid]]) / 2
        y = (net.y[net.tail[mid]] + net.y[net.indices[mid]]) / 2
        _TARGETS[net] = RoadTargets(ways.astype(np.int64), x, y)
    return _TARGETS[net]


def way_edges(net: MultimodalNetwork, ways: Sequence[int]) -> NDArray[np.int64]:
    """The drive edges (both directions) of the ways: what the saved file's ``way_ids``
    selects, by the intervention's own selector."""
    from sim.interventions.road_upgrade import RoadUpgrade, select_roads

    if len(ways) == 0:
        return np.zeros(0, np.int64)
    upgrade = RoadUpgrade(type="road_upgrade", name="widened roads",
                          way_ids=tuple(int(w) for w in ways))  # fmt: skip
    return select_roads(net, upgrade)


def road_km(net: MultimodalNetwork, ways: Sequence[int]) -> float:
    """Length of road of the ways, km (a two-way street counted once)."""
    edges = way_edges(net, ways)
    if edges.size == 0:
        return 0.0
    a, b = net.tail[edges], net.indices[edges]
    pairs = np.column_stack([np.minimum(a, b), np.maximum(a, b)])
    _, keep = np.unique(pairs, axis=0, return_index=True)
    return float(net.length_m[edges[keep]].sum()) / 1000.0


def road_segments(net: MultimodalNetwork, ways: Sequence[int]) -> NDArray[np.float64]:
    """The ways' edges as segments (n, 2, 2) of lon/lat, to draw."""
    edges = way_edges(net, ways)
    tail, head = net.tail[edges], net.indices[edges]
    return np.stack([np.column_stack([net.x[tail], net.y[tail]]),
                     np.column_stack([net.x[head], net.y[head]])], axis=1)  # fmt: skip


def road_capex(km: float, currency: str, year: int) -> float:
    """The widening's capital cost in the city's currency and year; 0 with no stated cost."""
    return km * ROAD_COST_PER_KM.get((currency, int(year)), 0.0)


def road_block(ways: Sequence[int], add_lanes: float, km: float, *, currency: str,
               year: int) -> str:  # fmt: skip
    """The ``[[interventions]]`` table of the widening, its road selector stated."""
    ids = ", ".join(str(int(w)) for w in sorted(ways))
    amount = road_capex(km, currency, year)
    source = ROAD_COST_SOURCE if amount else "no cost per km stated for this city"
    return (
        f"\n# Road selector: `way_ids`, the OpenStreetMap ways clicked on the map ({len(ways)}); "
        f"every drive edge\n# of those ways, both directions, gets +{add_lanes:g} lane "
        f"({km:.2f} km of road).\n"
        f'[[interventions]]\ntype = "road_upgrade"\nname = "widened roads"\n'
        f"way_ids = [{ids}]\nadd_lanes = {add_lanes:g}\ncapacity_factor = 1.0\n"
        f'capex = {{ amount = {amount:.0f}, currency = "{currency}", year = {int(year)}, '
        f'source = "{source}" }}\n'
    )  # fmt: skip
