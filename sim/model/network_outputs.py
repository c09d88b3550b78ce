"""What the model reports on the network: congested edge times and waits, line loads and
boardings, and the vehicle-km and CO2 of the modelled hour.

:class:`NetworkOutputs` is a mixin of :class:`sim.model.CommuteModel`; it reads the model's
averaged flows and last pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim import metrics
from sim.kernels import day as K

if TYPE_CHECKING:
    from sim.assign import NetworkCosts, PassResult
    from sim.demand import Trips
    from sim.network.arrays import MultimodalNetwork


class NetworkOutputs:
    """Outputs per edge and line, and totals of the modelled hour (a mixin of the model)."""

    costs: NetworkCosts
    network: MultimodalNetwork
    trips: Trips
    prob: NDArray[np.float64]
    car_flow: NDArray[np.float64]
    transit_flow: NDArray[np.float64]
    last: PassResult | None

    def edge_times(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Congested travel times of every edge and the wait at each boarding/transfer edge."""
        s = self.costs.state(self.car_flow, self.transit_flow)
        return s.time_s, s.wait_s

    @property
    def bus_preload(self) -> NDArray[np.float64]:
        return self.costs.bus_preload

    def line_loads(self) -> NDArray[np.float64]:
        """Peak load (passengers per hour on the busiest segment) of each line."""
        net = self.network
        iv = self.costs.in_vehicle
        peak = np.zeros(net.lines.n)
        load = self.costs.crowding.segment_loads(self.transit_flow)
        np.maximum.at(peak, net.edge_line[iv], load[iv])
        return peak

    def vehicle_km(self) -> dict[str, float]:
        """Vehicle-km driven in the modelled hour by car and by motorbike (each vehicle once)."""
        km = np.nan_to_num(self.last.out.km[:, K.ALT_CAR]) if self.last else 0.0
        w = self.trips.flow
        return {
            "car": float(np.sum(w * self.prob[:, K.ALT_CAR] * km)),
            "motorbike": float(np.sum(w * self.prob[:, K.ALT_MOTO] * km)),
        }

    def car_vkt(self) -> float:
        """Vehicle-km driven in the modelled hour by cars and motorbikes together."""
        return float(sum(self.vehicle_km().values()))

    def co2_kg(self) -> float:
        """Tank-to-wheel CO2 of the hour's car and motorbike trips, kg (see :mod:`sim.metrics`)."""
        vkt = self.vehicle_km()
        car = metrics.co2_kg(vkt["car"])
        moto = metrics.co2_kg(vkt["motorbike"], g_per_km=metrics.MOTORBIKE_G_CO2_PER_KM)
        return float(car) + float(moto)

    def boardings(self) -> NDArray[np.float64]:
        """Boardings per hour by line, counting transfers as boardings."""
        net = self.network
        edges = np.concatenate([self.costs.board, self.costs.transfer])
        out = np.zeros(net.lines.n)
        np.add.at(out, net.edge_line[edges], self.transit_flow[edges])
        return out

    def ridership_by_line(self) -> dict[str, float]:
        b = self.boardings()
        names = self.network.lines.name
        return {str(names[i]): float(b[i]) for i in np.flatnonzero(b > 0)}
