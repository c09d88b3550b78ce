"""Trips: who travels in the modelled peak hour, from where to where, and what they may use.

A *trip* row is one person's morning trip (a household's worker, student, ...) or a stream of
fixed traffic (vehicles entering from outside the study area, through traffic, commercial
vehicles). It carries what the day kernel needs: origin nodes, destination zone, the
alternatives it may use, its value of time and fare shares, and ``flow``, the trips per hour in
the modelled hour it stands for. Households own their members' trips (``household``); fixed
streams have ``household == -1`` and a fixed alternative.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from sim.population import Households

#: Alternatives, in the kernel's order.
ALTERNATIVES = ("walk", "transit", "car", "motorbike")


@dataclass(frozen=True, eq=False)
class Trips:
    """One row per trip (struct of arrays)."""

    household: NDArray[np.int64]  # row of Households, -1 for fixed streams
    segment: NDArray[np.int8]  # row of ``segments``
    dest: NDArray[np.int32]  # destination zone (row of DestZones)
    walk_node: NDArray[np.int64]  # origin in the network (-1: none)
    drive_node: NDArray[np.int64]
    access_s: NDArray[np.float64]  # walk from the origin to the car
    car: NDArray[np.bool_]  # a car is available for this trip
    moto: NDArray[np.bool_]
    vot: NDArray[np.float64]  # money per minute
    fare1: NDArray[np.float64]  # share of boarding fares the traveller pays
    fare2: NDArray[np.float64]  # share of integrated transfer fares the traveller pays
    flow: NDArray[np.float64]  # trips per hour in the modelled hour
    fixed: NDArray[np.int8]  # the alternative of a fixed stream, -1 if the trip chooses
    segments: tuple[str, ...] = ("work",)

    @property
    def n(self) -> int:
        return int(self.household.shape[0])

    def take(self, idx: NDArray[np.integer]) -> Trips:
        cols = {f.name: getattr(self, f.name)[idx] for f in fields(self) if f.name != "segments"}
        return replace(self, **cols)

    @property
    def chooses(self) -> NDArray[np.bool_]:
        return self.fixed < 0


def commute_trips(
    hh: Households, *, peak_share: float, fare_factor: NDArray[np.float64] | None = None
) -> Trips:
    """One commute per household, to its work zone: ``peak_share`` of them in the modelled hour."""
    n = hh.n
    factor = np.ones(n) if fare_factor is None else np.asarray(fare_factor, float)
    return Trips(
        household=np.arange(n, dtype=np.int64),
        segment=np.zeros(n, np.int8),
        dest=hh.work_zone.astype(np.int32),
        walk_node=hh.home_node.astype(np.int64),
        drive_node=hh.drive_node.astype(np.int64),
        access_s=hh.access_s.astype(float),
        car=hh.car.astype(bool),
        moto=hh.moto.astype(bool),
        vot=hh.vot.astype(float),
        fare1=factor,
        fare2=factor.copy(),
        flow=np.full(n, hh.weight * peak_share),
        fixed=np.full(n, -1, np.int8),
    )
