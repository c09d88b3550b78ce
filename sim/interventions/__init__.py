"""Transport investments as data: pure functions from network arrays to new network arrays.

Every intervention is a frozen dataclass read from a scenario's ``[[interventions]]`` table
(``type = "cable_line"`` ...). :func:`apply` applies them in order and returns the new network,
the behaviour parameters they change (fare subsidies) and a report per intervention (capital
cost, what was matched or snapped). Nothing of the input network is modified.

The package, in the order a scenario meets it:

- :mod:`~sim.interventions.base`: :class:`Capex`, the registry of types (:func:`register`,
  :func:`kinds`) and :func:`apply`;
- one module per type, each registering itself: :mod:`~sim.interventions.cable_line`,
  :mod:`~sim.interventions.road_upgrade`, :mod:`~sim.interventions.new_road`,
  :mod:`~sim.interventions.bus_route`, :mod:`~sim.interventions.fare_policy`, and
  :mod:`~sim.interventions.lines` (``remove_line`` and ``bundled_line``);
- :mod:`~sim.interventions.fare_systems`: the fare of a new line, its own or its system's.
"""

from __future__ import annotations

# isort: off
# the built-in types register in this order, the order the scenario reader lists them in
from sim.interventions.cable_line import CableLine
from sim.interventions.road_upgrade import RoadUpgrade, select_roads
from sim.interventions.new_road import NEW_ROAD_HIGHWAY, NewRoad
from sim.interventions.bus_route import BusRoute
from sim.interventions.fare_policy import FarePolicy
from sim.interventions.lines import BundledLine, RemoveLine, match_lines

# isort: on
from sim.interventions.base import (
    Applied,
    Capex,
    Intervention,
    apply,
    kinds,
    register,
)
from sim.interventions.fare_systems import system_fare

__all__ = [
    "NEW_ROAD_HIGHWAY",
    "Applied",
    "BundledLine",
    "BusRoute",
    "CableLine",
    "Capex",
    "FarePolicy",
    "Intervention",
    "NewRoad",
    "RemoveLine",
    "RoadUpgrade",
    "apply",
    "kinds",
    "match_lines",
    "register",
    "select_roads",
    "system_fare",
]
