"""The model's side of the day kernel (:mod:`sim.kernels.day`): the block graph and the
behaviour parameters every pass hands it, built from the model's network, zones, city costs
and :class:`~sim.choice.ChoiceParams`.

Everything the kernel reads by index (graph blocks, ``S_*`` scalar rows) is filled here or by
:func:`sim.kernels.day.pack_scalars`, by name; the model itself never indexes the kernel's
arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.assign import block_nodes
from sim.kernels import day as K
from sim.network.arrays import Layer
from sim.population import zone_nodes

if TYPE_CHECKING:
    from sim.assign import RoutingClasses
    from sim.choice import ChoiceParams
    from sim.city import CostsSpec
    from sim.network.arrays import MultimodalNetwork
    from sim.network.blocks import BlockGraph
    from sim.population import DestZones
    from sim.zones import Zones


def day_graph(bg: BlockGraph, net: MultimodalNetwork, dest: DestZones, zones: Zones,
              reference: MultimodalNetwork) -> K.Graph:  # fmt: skip
    """The block graph with its in-vehicle hops and stops, each destination's walk and car
    roots, and each zone's nodes (found on the ``reference`` network, as the population is)."""
    is_hop = np.isin(net.layer[bg.slot_edge], [Layer.BUS, Layer.METRO, Layer.CABLE])
    is_hop = is_hop.astype(np.uint8)
    is_hop[: bg.slot_off[2]] = 0
    stop_node, stop_walk = bg.to_block(2, net.stop_node), bg.to_block(0, net.stop_walk)
    keep = (stop_node >= 0) & (stop_walk >= 0)
    roots = np.vstack([bg.to_block(0, dest.walk_node), bg.to_block(1, dest.drive_node)])
    zone_walk, zone_drive = zone_nodes(zones, reference)
    no_end = np.zeros(dest.n)
    return K.Graph(bg.rindptr, bg.rindices, bg.slot_head, bg.off, is_hop, stop_node[keep],
                   stop_walk[keep], roots, no_end, no_end.copy(),
                   block_nodes(bg, zone_walk, zone_drive))  # fmt: skip


def day_params(p: ChoiceParams, costs: CostsSpec, n_segments: int, classes: RoutingClasses, *,
               dynamic: bool, do_walk: bool) -> K.Params:  # fmt: skip
    """Behaviour for one pass: constants by segment and alternative, the ``S_*`` scalars, the
    routing classes' money weights, and whether to choose day to day and to grow walk trees."""
    s = K.pack_scalars(
        scale=p.scale, wait_weight=p.wait_weight, walk_weight=p.walk_weight,
        boarding_penalty_s=60.0 * p.boarding_penalty_min, car_per_km=costs.car_per_km,
        motorbike_per_km=costs.motorbike_per_km, car_parking=costs.car_parking,
        motorbike_parking=costs.motorbike_parking, max_walk_s=60.0 * p.max_walk_min,
        learning_rate=p.learning_rate, moto_pce=p.moto_pce, cutoff_s=60.0 * p.cutoff_min,
        egress_s=60.0 * p.egress_walk_max_min, walk_mode_weight=p.walk_mode_weight,
    )  # fmt: skip
    asc = np.tile(p.asc_vector(), (n_segments, 1))
    return K.Params(asc, s, classes.m1, classes.m2, dynamic, do_walk)
