"""The fare of a new line: its own, or that of the fare system it joins.

A new line (``cable_line``, ``bus_route``) either charges its own fare or joins a fare system
of the network and takes the system's fare (:func:`system_fare`). :func:`check_fare` (when the
scenario is read) and :func:`resolve_fare` (when the line is added) are that rule, in one place
for both types.
"""

from __future__ import annotations

import math

import numpy as np

from sim.errors import ScenarioError
from sim.network.arrays import MultimodalNetwork


def system_fare(net: MultimodalNetwork, system: str) -> float:
    """The fare of fare system ``system``: the fare most of its lines charge (the highest of
    equally common ones). ``KeyError`` if the network has no such system."""
    sid = net.meta.get("fare_systems", {})[system]
    fares = net.lines.fare[net.lines.fare_system == sid]
    if fares.size == 0:
        raise KeyError(system)
    values, counts = np.unique(fares, return_counts=True)
    return float(values[counts == counts.max()].max())


def check_fare(kind: str, name: str, fare: float, integrated_with: str | None) -> None:
    """``fare`` NaN (the default) means not given: then ``integrated_with`` is required."""
    try:
        value = float(fare)
    except (TypeError, ValueError):
        value = -1.0
    if math.isnan(value) and not integrated_with:
        raise ScenarioError(f"{kind} `{name}`: `fare` is required (a number >= 0) unless "
                            "`integrated_with` names a fare system, whose fare it then takes")  # fmt: skip
    if not math.isnan(value) and not (math.isfinite(value) and value >= 0):
        raise ScenarioError(f"{kind} `{name}`: `fare` must be a number >= 0, not {fare!r}")


def resolve_fare(
    net: MultimodalNetwork, kind: str, name: str, fare: float, system: str | None
) -> float:
    """The given fare, else the fare of the system it is integrated with (checked to exist)."""
    if system is not None:
        known = net.meta.get("fare_systems", {})
        if system not in known:
            raise ScenarioError(f"{kind} `{name}`: `integrated_with` is {system!r}; fare "
                                f"systems here: {', '.join(known) or 'none'}")  # fmt: skip
        if math.isnan(fare):
            return system_fare(net, system)
    if math.isnan(fare):  # __post_init__ rules this out
        raise ScenarioError(f"{kind} `{name}`: `fare` is required")
    return float(fare)
