"""Before long work starts: how big and how long a run, a comparison or a batch will be, from the
sizes of its cities' networks (:mod:`sim.limits` holds the bounds and the memory estimate; this
module reads the networks to apply them, so it sits above the network cache and the runner).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.limits import check_memory, long_work_warning, seconds_per_day

if TYPE_CHECKING:
    from sim.scenario import Scenario


def scenarios_seconds(scenarios: Sequence[Scenario]) -> float:
    """Estimated seconds to simulate every scenario in turn (network sizes read once a city)."""
    from sim.network.cache import load_network
    from sim.runner import city_of
    from sim.zones import load_zones

    sizes: dict[Path, tuple[int, int]] = {}
    total = 0.0
    for scenario in scenarios:
        city = city_of(scenario)
        if city.folder not in sizes:
            sizes[city.folder] = (load_zones(city).n, load_network(city).n_edges)
        zones, edges = sizes[city.folder]
        total += seconds_per_day(scenario.households, zones, edges) * scenario.days
    return total


def check_batch_size(scenarios: Sequence[Scenario], workers: int) -> float:
    """Before a batch: refuse runs the machine cannot hold ``workers`` at a time (a local
    cluster; 0 = serially here), and warn with the estimated time of a long batch, which is
    returned (seconds)."""
    if not scenarios:
        return 0.0
    largest = max(scenarios, key=lambda s: s.households)
    check_memory(largest.households, f"{largest.source}: `households` (with the experiment's "
                 "overrides)", processes=max(workers, 1))  # fmt: skip
    seconds = scenarios_seconds(scenarios) / max(workers, 1)
    where = f"on {workers} workers" if workers > 1 else "one at a time"
    warning = long_work_warning(seconds, f"this batch ({len(scenarios):,} runs {where})",
                                "stop it at any time and continue with `--resume`")  # fmt: skip
    if warning:
        warnings.warn(warning, stacklevel=2)
    return seconds


def check_runs(
    scenarios: Sequence[Scenario], *, households_flag: bool = False, runs: int = 1
) -> str | None:
    """Refuse what the machine cannot hold; return the warning for very long work, if any.

    ``runs`` runs of each scenario (calibration runs one per iteration); ``households_flag``:
    the households come from ``--households``, which the error then names.
    """
    for s in scenarios:
        check_memory(s.households, "`--households`" if households_flag else f"{s.source}: "
                     "`households`")  # fmt: skip
    seconds = runs * scenarios_seconds(scenarios)
    what = ", ".join(f"{s.name} ({s.days:,} days of {s.households:,} households)"
                     for s in scenarios)  # fmt: skip
    times = f"{runs} runs of " if runs > 1 else ""
    return long_work_warning(seconds, f"simulating {times}{what}", "stop with Ctrl-C")
