"""One pass over destination zones: trees, skims, choices and loads (numba, behind one checking
Python function, :func:`run_pass`).

For each destination zone ``d`` (in parallel, in a fixed number of chunks so results do not
depend on the thread count) the kernel grows reverse shortest-path trees to ``d`` (walk once,
car every pass, and one transit tree per routing class), accumulates each tree's path
components (in-vehicle, crowding, wait, walk, fares, boardings, ...), evaluates every trip
bound for ``d`` on its own value of time, sets its choice probabilities and loads them back
onto the trees. Flows go to per-chunk accumulators that the caller sums in chunk order.

Two ways to choose (``Params.dynamic``):

- *logit* (the equilibrium solver): the probabilities are the multinomial logit's on today's
  generalised costs, so no single draw decides anything;
- *dynamic* (day-to-day learning): perceived costs move toward today's by exponential smoothing
  and each trip takes the alternative of best perceived utility plus its persistent Gumbel
  taste (its probabilities are then 0 or 1).

Trips with a fixed alternative (external and commercial traffic) are loaded but do not choose.

Alternatives: 0 walk, 1 transit (the best path that rides at least one vehicle), 2 car,
3 motorbike (on the car tree, with its own time and cost). A transit path is reported by its
main vehicle: 1 bus, 2 metro, 3 cable (see :data:`MODE_NAMES`).

Blocks of the graph (:mod:`sim.network.blocks`): 0 walk, 1 car, 2 transit. The transit tree to
``d`` is grown from *seeds*: every in-vehicle hop arriving at a stop within the egress walking
limit of ``d`` starts the search at its tail, with the hop and the walk from the stop already
counted. So every transit path rides at least one vehicle.

The arguments are a few named tuples of arrays (:class:`Graph`, :class:`Costs`,
:class:`Trips`, :class:`Params`, :class:`State`, :class:`Out`), defined with their index
constants and :func:`pack_scalars` in :mod:`sim.kernels.day.layout`. :func:`run_pass` checks their
types and shapes once per pass and calls the private kernel (:mod:`sim.kernels.day.run`), which
grows trees with :mod:`sim.kernels.day.trees` and evaluates trips with
:mod:`sim.kernels.day.choice`. This package presents those names.
"""

from __future__ import annotations

from sim.kernels.day.layout import (
    A_BOARD,
    A_CABLE,
    A_CROWD,
    A_FARE,
    A_IVT,
    A_LEN,
    A_MOTO,
    A_RAIL,
    A_WAIT,
    A_WALK,
    A_XFARE,
    ALT_CAR,
    ALT_MOTO,
    ALT_TRANSIT,
    ALT_WALK,
    BUS,
    CABLE,
    CAR,
    METRO,
    MOTO,
    N_ALT,
    N_ATTR,
    N_BLOCKS,
    N_MODES,
    N_SCALARS,
    N_TRANSIT_ATTR,
    N_ZONE_PARTS,
    S_ALPHA,
    S_CARKM,
    S_CARPARK,
    S_CUTOFF,
    S_EGRESS,
    S_MAXWALK,
    S_MOTOKM,
    S_MOTOPARK,
    S_MOTOPCE,
    S_PEN,
    S_SCALE,
    S_WMODE,
    S_WWAIT,
    S_WWALK,
    WALK,
    Z_CAR_KM,
    Z_FARE,
    Z_MOTO_MIN,
    Z_TRANSIT_MIN,
    Z_XFARE,
    Costs,
    Graph,
    Out,
    Params,
    State,
    Trips,
    pack_scalars,
)
from sim.kernels.day.run import check_arguments, run_pass
from sim.kernels.day.trees import _grow, _seed

__all__ = [
    "A_BOARD", "A_CABLE", "A_CROWD", "A_FARE", "A_IVT", "A_LEN", "A_MOTO", "A_RAIL", "A_WAIT",
    "A_WALK", "A_XFARE", "ALT_CAR", "ALT_MOTO", "ALT_TRANSIT", "ALT_WALK", "BUS", "CABLE", "CAR",
    "METRO", "MOTO", "N_ALT", "N_ATTR", "N_BLOCKS", "N_MODES", "N_SCALARS", "N_TRANSIT_ATTR",
    "N_ZONE_PARTS", "Z_CAR_KM", "Z_FARE", "Z_MOTO_MIN", "Z_TRANSIT_MIN", "Z_XFARE",
    "S_ALPHA", "S_CARKM", "S_CARPARK", "S_CUTOFF", "S_EGRESS", "S_MAXWALK", "S_MOTOKM",
    "S_MOTOPARK", "S_MOTOPCE", "S_PEN", "S_SCALE", "S_WMODE", "S_WWAIT", "S_WWALK", "WALK", "Costs", "Graph",
    "Out", "Params", "State", "Trips", "check_arguments", "pack_scalars", "run_pass",
    # the columns kernel (sim.kernels.columns) grows and seeds the same trees
    "_grow", "_seed",
]  # fmt: skip
