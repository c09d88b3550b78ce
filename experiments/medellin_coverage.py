"""Coverage of Medellín's network: the share of each macrozona within 500 m of a street node.

Population inside a macrozona is not known, so the share is of the zone's area (people spread
evenly), and connectors' own centre nodes do not count as streets. Prints a table, worst first,
and the population-weighted total. Usage: ``python experiments/medellin_coverage.py [RADIUS_M]``.
"""

from __future__ import annotations

import sys

from sim.city import load_city
from sim.network.cache import load_network
from sim.placement import coverage
from sim.zones import load_zones


def main(radius_m: float = 500.0) -> None:
    city = load_city("medellin")
    zones = load_zones(city)
    table = coverage(city, zones, load_network(city), radius_m=radius_m)
    table["name"] = table["name"].str.strip(" '")
    table = table.sort_values("share_within_m")
    total = (table["share_within_m"] * table["population"]).sum() / table["population"].sum()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"population-weighted share within {radius_m:.0f} m: {total:.1%}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 500.0)
