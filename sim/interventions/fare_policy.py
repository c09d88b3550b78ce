"""The ``fare_policy`` intervention type: fares by mode and subsidies by income class."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from sim.errors import ScenarioError
from sim.interventions.base import Capex, register
from sim.network.arrays import Layer, MultimodalNetwork, TransitMode
from sim.network.build import with_transfer_fares


@dataclass(frozen=True)
class FarePolicy:
    """Fares by mode and fare subsidies by income class."""

    type: Literal["fare_policy"]
    name: str
    fares: dict[str, float] = field(default_factory=dict)  # bus / metro / cable -> fare
    subsidy: dict[str, float] = field(default_factory=dict)  # income class -> share paid
    capex: Capex = field(default_factory=Capex)
    annual_cost: float = 0.0

    def __post_init__(self) -> None:
        for mode, fare in self.fares.items():
            if mode not in ("bus", "metro", "cable"):
                raise ScenarioError(f"fare_policy `{self.name}`: `fares.{mode}`: modes are "
                                    "bus, metro, cable")  # fmt: skip
            if fare < 0:
                raise ScenarioError(f"fare_policy `{self.name}`: `fares.{mode}` must be >= 0")
        for klass, share in self.subsidy.items():
            if not klass.isdigit() or not 0 <= share <= 1:
                raise ScenarioError(f"fare_policy `{self.name}`: `subsidy.{klass}`: keys are "
                                    "income classes (\"1\", \"2\", ...), values in [0, 1]")  # fmt: skip

    @property
    def fare_subsidy(self) -> dict[str, float]:
        """Income class -> share of the fare paid: what :func:`~sim.interventions.apply`
        hands to the model."""
        return self.subsidy


@register("fare_policy", FarePolicy)
def apply_fare_policy(net: MultimodalNetwork, f: FarePolicy) -> tuple[MultimodalNetwork, dict]:
    codes = {"bus": TransitMode.BUS, "metro": TransitMode.METRO, "cable": TransitMode.CABLE}
    fares = net.lines.fare.copy()
    for mode, fare in f.fares.items():
        fares[net.lines.mode == codes[mode]] = fare
    board = net.layer == Layer.BOARD
    edge_fare = net.fare.copy()
    edge_fare[board] = fares[net.edge_line[board]]
    new = replace(net.with_edges(fare=edge_fare), lines=replace(net.lines, fare=fares))
    # transfer fares are differences of line fares: derive them from the new fares
    return with_transfer_fares(new), {"fares": dict(f.fares), "subsidy": dict(f.subsidy)}
