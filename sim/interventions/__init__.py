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

Adding a type from outside the package
--------------------------------------
Write a Python file with a frozen dataclass (fields ``type`` and ``name``, then the scenario
keys it takes, annotated as the built-in types are) and its apply function, decorated with
:func:`register`::

    from dataclasses import dataclass
    from typing import Literal

    from sim.interventions import register

    @dataclass(frozen=True)
    class Toll:
        type: Literal["toll"]
        name: str
        seconds: float = 60.0

    @register("toll", Toll)
    def apply_toll(net, item):
        ...  # a new network, never the one given
        return new_net, {"edges": 12}  # the report; a "geometry" goes to interventions.geojson

Then either import that file before scenarios are read (a script), or name it, or its folder,
in the environment variable ``LADERA_INTERVENTIONS`` (:data:`PLUGINS_ENV`; several separated by
``os.pathsep``). The scenario reader imports the files named there (each once) whenever it looks
a type up, so ``ladera run`` knows the type; a process that meets the type in a pickled scenario
first (a batch's Dask worker, which inherits the environment) imports its file then.
A scenario then uses ``type = "toll"``. A run's manifest does not record the file's code:
keep it with the scenario. The comparison's catchments (:mod:`sim.catchment`) know only the
built-in types.
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
    PLUGINS_ENV,
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
    "PLUGINS_ENV",
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
