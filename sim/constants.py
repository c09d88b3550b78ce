"""Numbers several modules share, each stated once with its source.

Kept apart from the modules that use them (the population, the model, the network builder, the
report) so that a light module such as :mod:`sim.report` can import them without pulling in the
network stack, and so that the same idea is never written down twice.
"""

from __future__ import annotations

#: Walking speed, m/s: 5 km/h (households' access walks, transfers between lines).
WALK_SPEED_MPS = 5.0 / 3.6
#: Working hours a month when a city states none: 44 hours a week (the constitutional limit of
#: the normal working week in Brazil) x 4 weeks; an assumption elsewhere.
HOURS_PER_MONTH = 176.0
#: Trips a month per daily one-way trip: there and back, 22 working days.
TRIPS_PER_MONTH = 44.0
