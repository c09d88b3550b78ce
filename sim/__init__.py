"""Ladera: an agent-based model of inclusive urban transport investment.

The public API, imported lazily so that ``ladera --help`` stays instant::

    from sim import CommuteModel, load_scenario, run_scenario
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "CommuteModel": "sim.model",
    "ChoiceParams": "sim.choice",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "with_overrides": "sim.scenario",
    "run_scenario": "sim.runner",
    "build_model": "sim.runner",
    "load_city": "sim.city",
    "load_network": "sim.network.cache",
    "MultimodalNetwork": "sim.network.arrays",
    "compare": "sim.report",
    "run_batch": "sim.batch",
    "LaderaError": "sim.errors",
    "ScenarioError": "sim.errors",
    "DataError": "sim.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
