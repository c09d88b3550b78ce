"""Tables of the drive network by OSM ``highway`` class: default speeds, lanes, capacities.

Plain data (no osmnx), so interventions and cost functions can read them without loading the
street reader. ``"other"`` is used for any class not listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Free-flow speed (km/h) for a highway class with no parseable ``maxspeed`` on *any* edge of
#: the graph (classes with some tagged edges get osmnx's mean of those instead). Urban defaults
#: of the Brazilian traffic code (CTB art. 61: 80 expressway, 60 arterial, 40 collector, 30 local)
#: mapped onto OSM classes; links run slower than their road; living_street is a shared space.
DEFAULT_SPEEDS_KPH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 80.0,
        "motorway_link": 50.0,
        "trunk": 70.0,
        "trunk_link": 40.0,
        "primary": 60.0,
        "primary_link": 40.0,
        "secondary": 50.0,
        "secondary_link": 40.0,
        "tertiary": 40.0,
        "tertiary_link": 30.0,
        "unclassified": 30.0,
        "residential": 30.0,
        "road": 30.0,
        "living_street": 20.0,
        "other": 30.0,
    }
)

#: Lanes per direction when the way has no usable ``lanes`` tag.
DEFAULT_LANES: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 2.0,
        "trunk": 2.0,
        "primary": 2.0,
        "other": 1.0,
    }
)

#: Mid-block capacity per lane (passenger-car units an hour): what a lane carries between
#: junctions. Junctions are modelled separately (:mod:`sim.network.junctions`, and
#: :mod:`sim.congestion`, where a signalised approach carries lanes x saturation flow x g/C),
#: so these are uninterrupted-flow figures. Sources: "basic capacity for multi-lane highways at
#: 2,000 passenger cars per lane per hour ... the practical capacity for urban conditions (35-40
#: mph) is 1,500 passenger cars per lane per hour" (Los Angeles Complete Street Design Manual,
#: E-341, after the HCM) for motorways and for trunk, primary and secondary roads. Tertiary
#: (1,200), links (1,200, motorway links 1,500) and local streets (900) are assumptions: 80%
#: and 60% of the urban figure for side friction (parking, driveways, pedestrians, narrow lanes).
LANE_CAPACITY_VPH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 2000.0,
        "motorway_link": 1500.0,
        "trunk": 1500.0,
        "trunk_link": 1200.0,
        "primary": 1500.0,
        "primary_link": 1200.0,
        "secondary": 1500.0,
        "secondary_link": 1200.0,
        "tertiary": 1200.0,
        "tertiary_link": 1200.0,
        "unclassified": 900.0,
        "residential": 900.0,
        "living_street": 900.0,
        "road": 900.0,
        "other": 900.0,
    }
)

#: Saturation flow of a lane at a signal stop line, passenger-car units per hour of green:
#: "for urban environments, the observed saturation of a lane is 1800 pcu/hour" (ITDP, BRT
#: Planning Guide 4th ed., "Intersection and signal control"). One figure for every class.
SATURATION_FLOW_PCU = 1800.0
