"""Upper bounds: stated limits a user can raise on purpose, memory and time estimates.

A mistyped ``households = 1000000000000`` or ``days = 100000000`` should be one line now, not a
``MemoryError`` or a silent week of work. Every limit has a default and an environment variable
that raises it (``LADERA_MAX_HOUSEHOLDS=5000000 ladera run ...``). Independently of the limits,
a run that the machine cannot hold is refused before it starts (:func:`check_memory`), and very
long work is announced with its estimated time (:func:`long_work_warning`).

Only the standard library is imported: scenario and experiment validation use this module.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import ScenarioError

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Limit:
    default: int
    env: str
    what: str


#: The limits, by the name of the value they bound.
LIMITS = {
    "households": Limit(2_000_000, "LADERA_MAX_HOUSEHOLDS", "households in one run"),
    "days": Limit(10_000, "LADERA_MAX_DAYS", "simulated days in one run"),
    "seeds": Limit(1_000, "LADERA_MAX_SEEDS", "replications in one batch"),
    "runs": Limit(100_000, "LADERA_MAX_RUNS", "runs in one batch"),
    "iterations": Limit(100, "LADERA_MAX_ITERATIONS", "calibration iterations"),
}
#: Memory a run needs: the interpreter, the libraries and a city network, plus per household
#: (measured: a 1,000,000-household run of the mini city peaked at 0.9 GB, 530 bytes each).
BASE_BYTES = 600e6
BYTES_PER_HOUSEHOLD = 1_000
#: Seconds a simulated day takes on the project's 2-core machine (README, Speed): a fixed part
#: (Mesa step, data collection, progress), per household, and per destination zone and network
#: edge (the trees grown each day). Porto Alegre: 1,227 zones, 91,196 edges, 0.67 s a day at
#: 10,000 households; the mini test city: about 0.02 s.
SECONDS_PER_DAY = 0.012
SECONDS_PER_HOUSEHOLD_DAY = 0.6e-6
SECONDS_PER_ZONE_EDGE_DAY = 5.8e-9
#: Work estimated to take longer than this is announced with its estimate.
LONG_SECONDS = 3600.0
#: ``LADERA_MEMORY_GB``: the memory to assume available (default: what the system reports).
MEMORY_ENV = "LADERA_MEMORY_GB"


def limit(name: str) -> int:
    """The limit on ``name``: its environment variable when set, else the default."""
    spec = LIMITS[name]
    text = os.environ.get(spec.env, "").strip()
    if not text:
        return spec.default
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise ScenarioError(f"environment variable {spec.env} is {text!r}; allowed: a positive "
                            f"integer (default {spec.default:,})")  # fmt: skip
    return value


def check_limit(name: str, value: int, what: str) -> None:
    """Raise a one-line ScenarioError if ``value`` exceeds the limit on ``name``.

    ``what`` is how the error names the value, e.g. ``"`households`"`` or ``"`--days`"``.
    """
    most = limit(name)
    if value > most:
        spec = LIMITS[name]
        raise ScenarioError(f"{what} is {value:,}; allowed: at most {most:,} {spec.what} (a "
                            f"limit you can raise on purpose: {spec.env}={value})")  # fmt: skip


def run_bytes(households: int) -> float:
    """Estimated peak memory of one run of ``households`` households."""
    return BASE_BYTES + BYTES_PER_HOUSEHOLD * households


def available_bytes() -> float | None:
    """Memory this process may still use: ``LADERA_MEMORY_GB``, else the smaller of the
    system's available memory and the container's (cgroup) allowance; ``None`` if unknown."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if text:
        try:
            return float(text) * 1e9
        except ValueError:
            raise ScenarioError(f"environment variable {MEMORY_ENV} is {text!r}; allowed: a "
                                "number of gigabytes") from None  # fmt: skip
    found = [v for v in (_meminfo_available(), _cgroup_available()) if v is not None]
    return min(found) if found else None


def _meminfo_available() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return None


def _cgroup_available() -> float | None:
    try:
        cap = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        return float(cap) - float(used) if cap != "max" else None
    except (OSError, ValueError):
        return None


def check_memory(households: int, what: str, *, processes: int = 1) -> None:
    """Refuse, in one line, a run (or ``processes`` runs side by side) the machine cannot hold.

    ``what`` names the source of the number, e.g. ``"scenarios/x.toml: `households`"``.
    """
    need = run_bytes(households) * max(processes, 1)
    have = available_bytes()
    if have is None or need <= have:
        return
    side = f" ({processes} runs side by side)" if processes > 1 else ""
    most = max(int((have / max(processes, 1) - BASE_BYTES) / BYTES_PER_HOUSEHOLD), 0)
    fewer = " a run, or fewer runs side by side (`--workers`)" if processes > 1 else ""
    room = f"about {most:,} households{fewer}" if most else f"none (a run needs {_gb(BASE_BYTES)})"
    raise ScenarioError(f"{what} is {households:,}{side}: that needs about {_gb(need)} of memory "
                        f"and {_gb(max(have, 0.0))} is available; allowed here: {room} (set "
                        f"{MEMORY_ENV} if the estimate is wrong)")  # fmt: skip


def warn_exposed(address: str | None) -> None:
    """Warn when a dashboard address is not this machine only (``None``: no dashboard)."""
    if address is None:
        return
    host = address.rsplit(":", 1)[0].strip("[]") if ":" in address else address
    if host in ("localhost", "::1") or host.startswith("127."):
        return
    where = host or "every interface"
    warnings.warn(f"the Dask dashboard listens on {address} ({where}): anyone who can reach "
                  "this machine sees the batch; allowed without this warning: 127.0.0.1:PORT "
                  "(then use an SSH tunnel)", stacklevel=3)  # fmt: skip


def seconds_per_day(households: int, zones: int = 0, edges: int = 0) -> float:
    """Estimated seconds of one simulated day (``zones`` destination zones, ``edges`` edges)."""
    per_household = SECONDS_PER_HOUSEHOLD_DAY * households
    return SECONDS_PER_DAY + per_household + SECONDS_PER_ZONE_EDGE_DAY * zones * edges


def long_work_warning(seconds: float, what: str, advice: str = "") -> str | None:
    """The one-line warning for work estimated to take ``seconds``, or ``None`` when short."""
    if seconds < LONG_SECONDS:
        return None
    tail = f"; {advice}" if advice else ""
    return f"{what} will take about {duration(seconds)} on a 2-core laptop{tail}"


def duration(seconds: float) -> str:
    """``"40 min"``, ``"3.5 h"``, ``"12 days"``."""
    if seconds < 3600:
        return f"{max(seconds / 60, 1):.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB"
