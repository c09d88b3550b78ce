"""Household agents: thin Mesa views on the model's arrays.

The state of every household lives in :class:`sim.population.Households` and the model's daily
arrays; an agent only knows its row. So the numba day never touches Python objects, while users
keep Mesa's AgentSet verbs: ``model.agents.select(lambda a: a.income_class == 1)``,
``model.agents.agg("travel_time_min", np.mean)``, ``model.agents.groupby("mode")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import mesa

from sim.modes import ALTERNATIVES, MODE_NAMES

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from sim.population import Households


class HouseholdArrays(Protocol):
    """What an agent reads from its model (:class:`sim.model.CommuteModel` provides it): typed
    this way so that the agents need not import the model that creates them."""

    households: Households
    mode: NDArray[np.int8]
    perceived: NDArray[np.float64]

    @property
    def travel_time_s(self) -> NDArray[np.float64]: ...

    @property
    def money_cost(self) -> NDArray[np.float64]: ...


class Household(mesa.Agent):
    """One synthetic household, reading its row of the model's arrays."""

    model: HouseholdArrays

    def __init__(self, model: HouseholdArrays, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def income(self) -> float:
        return float(self.model.households.income[self.row])

    @property
    def income_class(self) -> int:
        return int(self.model.households.income_class[self.row])

    @property
    def owns_car(self) -> bool:
        return bool(self.model.households.car[self.row])

    @property
    def owns_motorbike(self) -> bool:
        return bool(self.model.households.moto[self.row])

    @property
    def home_zone(self) -> int:
        return int(self.model.households.home_zone[self.row])

    @property
    def work_zone(self) -> int:
        return int(self.model.households.work_zone[self.row])

    @property
    def mode(self) -> str | None:
        m = int(self.model.mode[self.row])
        return MODE_NAMES[m] if m >= 0 else None

    @property
    def travel_time_min(self) -> float:
        return float(self.model.travel_time_s[self.row] / 60.0)

    @property
    def money_cost(self) -> float:
        return float(self.model.money_cost[self.row])

    @property
    def perceived_min(self) -> dict[str, float]:
        row = self.model.perceived[self.row]
        return {name: float(v) for name, v in zip(ALTERNATIVES, row, strict=True)}
