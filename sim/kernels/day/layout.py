"""What the day kernel reads and writes: the index constants (alternatives, reported modes,
graph blocks, slot-attribute columns, scalar rows) and the named tuples of arrays it takes.

Kept apart from the kernel's code so that its parts (:mod:`sim.kernels.day.trees`,
:mod:`sim.kernels.day.choice`, :mod:`sim.kernels.day.run`) and the Python side that fills the
tuples share one definition of every index.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numpy.typing import NDArray

N_ALT = 4
ALT_WALK, ALT_TRANSIT, ALT_CAR, ALT_MOTO = range(N_ALT)
N_MODES = 6
WALK, BUS, METRO, CABLE, CAR, MOTO = range(N_MODES)
N_BLOCKS = 3

# columns of the slot-attribute matrix: the transit ones first and together, then the car ones
A_IVT, A_CROWD, A_WAIT, A_WALK, A_FARE, A_XFARE, A_BOARD, A_RAIL, A_CABLE = range(9)
A_LEN, A_MOTO = 9, 10
N_TRANSIT_ATTR = 9
N_ATTR = 11

#: The block graph and where trips end. ``roots[b, d]`` is destination ``d``'s node in block
#: ``b`` (walk, car), -1 where it has none (an external zone has no walk root);
#: ``car_end_s[d]`` is the car's terminal time at ``d`` (parking search and the walk from it)
#: and ``moto_end_s[d]`` the motorbike's; ``zone_node[b, z]`` a zone's node in block ``b``.
Graph = namedtuple(
    "Graph",
    "rindptr rindices slot_head off is_hop stop_node stop_walk roots car_end_s moto_end_s "
    "zone_node",
)
#: Slot weights (seconds): ``street[k]`` for walk and car slots, ``transit[c, k]`` for routing
#: class ``c``; ``attr[k, a]`` the components accumulated along trees (``A_*`` columns).
Costs = namedtuple("Costs", "street transit attr")
#: Trips bound for destination ``d`` are ``order[ptr[d]:ptr[d + 1]]``. Per trip: ``node[b]``
#: its origin in block b (-1 if none), ``access_s`` walk to the car, ``own[:, 0/1]`` car and
#: motorbike available, ``vot`` money per minute, ``fare1``/``fare2`` shares of boarding and
#: transfer fares it pays, ``klass`` its routing class, ``flow`` trips per hour it stands for,
#: ``pce`` car units of its car, ``segment`` (row of ``Params.asc``), ``fixed`` its alternative
#: if it does not choose, else -1.
Trips = namedtuple(
    "Trips", "ptr order node access_s own vot fare1 fare2 klass flow pce segment fixed chunks"
)
#: Behaviour: ``asc[segment, alt]`` minutes; ``scalars`` (``S_*`` rows); ``class_m1/m2`` minutes
#: per unit of money of boarding and transfer fares in each routing class.
Params = namedtuple("Params", "asc scalars class_m1 class_m2 dynamic do_walk")
S_SCALE, S_WWAIT, S_WWALK, S_PEN, S_CARKM, S_MOTOKM, S_CARPARK, S_MOTOPARK = range(8)
S_MAXWALK, S_ALPHA, S_MOTOPCE, S_CUTOFF, S_EGRESS, S_WMODE = range(8, 14)
N_SCALARS = 14
#: Carried between passes: ``walk_s`` and ``km_ff`` (the walk, and the road km of the free-flow
#: car path, that money costs are charged on: both written when ``do_walk``, in the first pass,
#: at free flow), ``perceived`` and ``taste`` (dynamic mode only). Charging distance on the
#: free-flow path keeps each alternative's non-route cost fixed while routes shift.
State = namedtuple("State", "walk_s km_ff perceived taste")
#: Written: per trip and alternative ``prob``, ``skim`` (own generalised minutes, inf where
#: unavailable), ``time_s``, ``money``, ``km``; per trip ``route`` (0: the transit path's cost in
#: its class's weights, 1: the car path's time, both minutes), ``main`` (reported transit mode);
#: ``zone_skim[2 + c, z, d]`` minutes (0 walk, 1 car, 2.. transit by class); ``zone_parts[i, z, d]``
#: what a zone's generalised cost is made of (the ``Z_*`` rows: car km, motorbike minutes, and on
#: the first class's transit path its weighted minutes, boarding and transfer fares); per chunk and slot
#: ``flow`` (car PCE, transit passengers), ``flow_m1``/``flow_m2`` (passengers x class money
#: weight of boarding / transfer fares); per chunk ``egress``, the transit trips' weighted walks
#: from their last stop (trip-seconds per hour: they are part of a route but not of the graph).
Out = namedtuple(
    "Out", "prob skim time_s money km route main zone_skim zone_parts flow flow_m1 flow_m2 egress"
)
#: Rows of ``Out.zone_parts``.
Z_CAR_KM, Z_MOTO_MIN, Z_TRANSIT_MIN, Z_FARE, Z_XFARE = range(5)
N_ZONE_PARTS = 5


def pack_scalars(*, scale: float, wait_weight: float, walk_weight: float, boarding_penalty_s: float,
                 car_per_km: float, motorbike_per_km: float, car_parking: float,
                 motorbike_parking: float, max_walk_s: float, learning_rate: float,
                 moto_pce: float, cutoff_s: float, egress_s: float,
                 walk_mode_weight: float) -> NDArray[np.float64]:  # fmt: skip
    """``Params.scalars``: each value in its ``S_*`` row (weights, seconds, money, PCE)."""
    s = np.zeros(N_SCALARS)
    s[S_SCALE] = scale
    s[S_WWAIT] = wait_weight
    s[S_WWALK] = walk_weight
    s[S_PEN] = boarding_penalty_s
    s[S_CARKM] = car_per_km
    s[S_MOTOKM] = motorbike_per_km
    s[S_CARPARK] = car_parking
    s[S_MOTOPARK] = motorbike_parking
    s[S_MAXWALK] = max_walk_s
    s[S_ALPHA] = learning_rate
    s[S_MOTOPCE] = moto_pce
    s[S_CUTOFF] = cutoff_s
    s[S_EGRESS] = egress_s
    s[S_WMODE] = walk_mode_weight
    return s
