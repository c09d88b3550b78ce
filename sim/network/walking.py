"""Walking speeds on street edges: flat ground, grades (Tobler's hiking function) and stairs.

:func:`add_walk_times` gives every walk edge its ``walk_time`` and ``walk_speed_kph`` from its
length, its ``grade`` (NaN without an elevation raster: walked as flat) and the metres of stairs
along it.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Walking speed on flat ground (km/h), also used everywhere when there is no elevation raster.
WALK_SPEED_FLAT_KPH = 5.0
#: Tobler's hiking function reaches its maximum at this (downhill) grade.
TOBLER_PEAK_GRADE = -0.05
#: Grades steeper than this are clipped before Tobler: on short edges a 30 m DEM produces
#: spurious slopes, and no street in the bundled cities is steeper than ~35 %.
MAX_WALK_GRADE = 0.4
#: Stairs: horizontal speed = this factor x the flat walking speed, whatever the DEM says,
#: because steps exist precisely to make a steep rise walkable (the DEM grade of a stair edge is
#: not the slope of its treads).
STEPS_SPEED_FACTOR = 0.5


def tobler_walk_speed_kph(grade: ArrayLike) -> NDArray[np.float64]:
    """Walking speed (km/h) on a signed grade (rise over run), after Tobler (1993).

    Tobler's hiking function ``6 exp(-3.5 |g + 0.05|)`` peaks at 6 km/h going gently downhill
    (g = -5 %) and gives 5.04 km/h on the flat. We rescale it by 5 / 5.04 so flat ground gives
    exactly :data:`WALK_SPEED_FLAT_KPH`, the speed used without elevation: a flat city then
    gets the same times with or without a raster. Grades are clipped to
    ±:data:`MAX_WALK_GRADE`; NaN (unknown) grades count as flat.
    """
    g = np.clip(
        np.nan_to_num(np.asarray(grade, dtype=float), nan=0.0), -MAX_WALK_GRADE, MAX_WALK_GRADE
    )
    excess = np.abs(g - TOBLER_PEAK_GRADE) - abs(TOBLER_PEAK_GRADE)
    return WALK_SPEED_FLAT_KPH * np.exp(-3.5 * excess)


def add_walk_times(G: nx.MultiDiGraph) -> None:
    steps_kph = STEPS_SPEED_FACTOR * WALK_SPEED_FLAT_KPH
    for _, _, d in G.edges(data=True):
        ground_kph = float(tobler_walk_speed_kph(d["grade"]))
        stairs = min(d["steps_length"], d["length"])
        seconds = 3.6 * ((d["length"] - stairs) / ground_kph + stairs / steps_kph)
        d["walk_time"] = float(seconds)
        d["walk_speed_kph"] = float(3.6 * d["length"] / seconds) if seconds > 0 else ground_kph
