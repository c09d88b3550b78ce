"""What households choose between and the parameters of how they choose: the alternatives and
:class:`ChoiceParams` (behaviour, loading and solver settings).

Scenarios, batches and the command line read these without running anything, so this module
imports nothing heavier than numpy: reading a scenario does not load mesa or numba.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.behaviour import (
    BOARDING_PENALTY_MIN,
    LOGIT_SCALE,
    WAIT_WEIGHT,
    WALK_MODE_WEIGHT,
    WALK_WEIGHT,
)
from sim.congestion import MOTORBIKE_PCE
from sim.errors import ScenarioError
from sim.modes import ALTERNATIVES


@dataclass(frozen=True)
class ChoiceParams:
    """Behaviour, loading and solver parameters (minutes, per-hour flows, city currency).

    Generalised cost in minutes: in-vehicle (+ crowding) + ``wait_weight`` x wait
    + ``walk_weight`` x walk + ``boarding_penalty_min`` x boardings + money / value of time;
    walking the whole way costs ``walk_mode_weight`` x its minutes.
    Utility is ``scale * (asc - generalised cost)``.
    """

    asc: dict[str, float] = field(default_factory=dict)  # by alternative, minutes
    # logit scale (1/minutes) and time weights: from the literature, cited in sim.behaviour
    scale: float = LOGIT_SCALE
    wait_weight: float = WAIT_WEIGHT
    walk_weight: float = WALK_WEIGHT
    walk_mode_weight: float = WALK_MODE_WEIGHT
    boarding_penalty_min: float = BOARDING_PENALTY_MIN
    max_walk_min: float = 90.0
    learning_rate: float = 0.5  # exponential smoothing of perceived costs (day-to-day mode)
    vot_factor: float = 1.0  # value of time = factor x income per working hour
    moto_pce: float = MOTORBIKE_PCE  # sourced in sim.congestion
    # share of car congestion delay a motorbike suffers (assumption: motorbikes filter past
    # queues; no Brazilian measurement found)
    moto_delay_share: float = 0.5
    bus_pce: float = 2.5  # car units of a bus on the road (assumption)
    # share of commute trips in the modelled hour, used only by a city without a [demand]
    # table (assumption; a city's [demand] segments carry their own sourced peak shares)
    peak_hour_factor: float = 0.35
    bpr_alpha: float = 0.15  # BPR (1964), as sim.congestion
    bpr_beta: float = 4.0
    gravity_beta: float = 0.05  # 1/minutes, work-zone choice (fitted by `ladera calibrate`)
    # car and motorbike ownership moved on the logit scale (fitted to registered vehicles)
    ownership_shift: dict[str, float] = field(default_factory=dict)
    zone_size_m: float = 1000.0
    # generalised minutes beyond which trees stop growing: none by default, so that which
    # alternatives a trip has never depends on how congested the network is
    cutoff_min: float = float("inf")
    egress_walk_max_min: float = 20.0  # longest walk from the last stop to work
    fare_subsidy: dict[str, float] = field(
        default_factory=dict
    )  # income class -> share paid by city
    tolerance: float = 0.02  # day-to-day mode: relative gap and switching share to stop early
    routing_classes: int = 3  # transit paths are searched for this many value-of-time classes
    gap_tolerance: float = 1e-4  # equilibrium: relative gap to reach
    max_iterations: int = 400  # equilibrium: most iterations
    # equilibrium: when > 0, every iteration runs and the solve ends at the mean of the points
    # of its last ``average_share`` x max_iterations iterations (sim.equilibrium, `average`)
    average_share: float = 0.0

    def __post_init__(self) -> None:
        for key in self.asc:
            if key not in ALTERNATIVES:
                raise ScenarioError(f"`asc` has unknown alternative `{key}`; allowed: "
                                    f"{', '.join(ALTERNATIVES)}")  # fmt: skip
        positive = ("scale", "max_walk_min", "zone_size_m", "cutoff_min", "peak_hour_factor",
                    "egress_walk_max_min", "gap_tolerance", "walk_mode_weight")  # fmt: skip
        for name in positive:
            if getattr(self, name) <= 0:
                raise ScenarioError(f"`{name}` must be > 0")
        if not 0 < self.learning_rate <= 1:
            raise ScenarioError("`learning_rate` must be in (0, 1]")
        if not 1 <= self.routing_classes <= 16:
            raise ScenarioError("`routing_classes` must be an integer from 1 to 16")
        if not 0 <= self.average_share < 0.5:
            raise ScenarioError("`average_share` must be in [0, 0.5)")
        if self.max_iterations < 1:
            raise ScenarioError("`max_iterations` must be >= 1")
        if set(self.ownership_shift) - {"car", "motorbike"}:
            raise ScenarioError("`ownership_shift` keys are car and motorbike")
        for key, share in self.fare_subsidy.items():
            if not key.isdigit() or not 0 <= share <= 1:
                raise ScenarioError(
                    f'`fare_subsidy.{key}`: keys are income classes ("1"...), values in [0, 1]'
                )

    def shifts(self) -> tuple[float, float]:
        return self.ownership_shift.get("car", 0.0), self.ownership_shift.get("motorbike", 0.0)

    def asc_vector(self) -> NDArray[np.float64]:
        return np.array([self.asc.get(m, 0.0) for m in ALTERNATIVES])
