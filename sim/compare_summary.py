"""The catchments of a comparison: which households each scenario serves and which are far
from it, per seed (:func:`sim.catchment.catchments`). :func:`sim.report.compare` reports their
results (:mod:`sim.report.seeds`); :mod:`sim.compare_seeds` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class Catchments:
    """The catchments of a comparison: per seed, ``{scenario name: {group: household mask}}``
    (:func:`sim.catchment.catchments`), and their definitions in words."""

    masks: list[dict[str, dict[str, NDArray[np.bool_]]]]
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
