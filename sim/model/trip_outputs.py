"""What the model reports per trip and per household: reported modes and their probabilities,
expected times, money and generalised minutes, the logsum, fares, burdens and mode shares.

:class:`TripOutputs` is a mixin of :class:`sim.model.CommuteModel`; it only reads what the
model's passes leave (``prob``, ``last``), so the reports stay apart from how they are made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.constants import TRIPS_PER_MONTH
from sim.kernels import day as K
from sim.numeric import dot

if TYPE_CHECKING:
    from sim.assign import PassResult, RoutingClasses
    from sim.choice import ChoiceParams
    from sim.city import City
    from sim.demand import Trips
    from sim.population import DestZones, Households
    from sim.zones import Zones


class TripOutputs:
    """Per-trip and per-household outputs of the last pass (a mixin of the model)."""

    trips: Trips
    households: Households
    city: City
    params: ChoiceParams
    classes: RoutingClasses
    zones: Zones
    dest: DestZones
    prob: NDArray[np.float64]
    last: PassResult | None

    def reported_mode(self, res: PassResult | None = None,
                      prob: NDArray[np.float64] | None = None) -> NDArray[np.int8]:  # fmt: skip
        """Each trip's most probable mode (0 walk ... 5 motorbike), transit named by its main
        vehicle; -1 for a trip with no possible alternative."""
        res = res or self.last
        prob = self.prob if prob is None else prob
        if res is None:
            return np.full(self.trips.n, -1, np.int8)
        alt = np.argmax(prob, axis=1)
        code = np.array([K.WALK, K.BUS, K.CAR, K.MOTO])[alt]
        code = np.where(alt == K.ALT_TRANSIT, res.out.main, code)
        return np.where(prob.sum(axis=1) > 0, code, -1).astype(np.int8)

    def mode_probabilities(self) -> NDArray[np.float64]:
        """Each trip's probability of each reported mode (trips x 6): transit on its path's
        main vehicle."""
        out = np.zeros((self.trips.n, K.N_MODES))
        if self.last is None:
            return out
        out[:, K.WALK] = self.prob[:, K.ALT_WALK]
        out[:, K.CAR] = self.prob[:, K.ALT_CAR]
        out[:, K.MOTO] = self.prob[:, K.ALT_MOTO]
        main = self.last.out.main
        ok = main >= 0
        out[np.flatnonzero(ok), main[ok]] += self.prob[ok, K.ALT_TRANSIT]
        return out

    def _expected(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Probability-weighted mean over alternatives; NaN for a trip with no alternative."""
        prob = self.prob
        total = prob.sum(axis=1)
        v = np.where(prob > 0, np.nan_to_num(values, nan=0.0, posinf=0.0), 0.0)
        with np.errstate(invalid="ignore"):
            return np.where(
                total > 0, (prob * v).sum(axis=1) / np.where(total > 0, total, 1), np.nan
            )

    @property
    def travel_time_s(self) -> NDArray[np.float64]:
        return self._expected(self.last.out.time_s) if self.last else np.full(self.trips.n, np.nan)

    @property
    def money_cost(self) -> NDArray[np.float64]:
        return self._expected(self.last.out.money) if self.last else np.full(self.trips.n, np.nan)

    @property
    def road_km(self) -> NDArray[np.float64]:
        return self._expected(self.last.out.km) if self.last else np.full(self.trips.n, np.nan)

    @property
    def gen_cost(self) -> NDArray[np.float64]:
        """Expected generalised minutes of the trip (constants excluded)."""
        return self._expected(self.last.out.skim) if self.last else np.full(self.trips.n, np.nan)

    @property
    def skims(self) -> NDArray[np.float64]:
        """Generalised minutes of each alternative (NaN where unavailable)."""
        if self.last is None:
            return np.full((self.trips.n, K.N_ALT), np.nan)
        s = self.last.out.skim
        return np.where(np.isfinite(s), s, np.nan)

    @property
    def zone_skim(self) -> NDArray[np.float32]:
        """Minutes from zones to destinations: walk, transit (the middle routing class), car."""
        if self.last is None:
            return np.full((3, self.zones.n, self.dest.n), np.inf, np.float32)
        z = self.last.out.zone_skim
        return np.stack([z[0], z[2 + self.classes.n // 2], z[1]])

    def expected_cost_min(self) -> NDArray[np.float64]:
        """Each trip's expected generalised cost (the logsum), in minutes.

        ``-(1/scale) ln sum_a exp(scale (asc_a - cost_a))`` over the alternatives the trip can
        use: the expected best of its options, mode constants included, tastes integrated out
        (Small and Rosen, 1981). Its change between two scenarios is the change in welfare in
        minutes, negative for a gain. NaN with no option.
        """
        p = self.params
        utility = p.scale * (p.asc_vector()[None, :] - self.skims)
        top = np.nanmax(np.where(np.isnan(utility), -np.inf, utility), axis=1)
        with np.errstate(invalid="ignore"):
            total = np.nansum(np.exp(utility - top[:, None]), axis=1)
            cost = -(top + np.log(total)) / p.scale
        return np.where(np.isfinite(top), cost, np.nan)

    def trip_fares(self) -> NDArray[np.float64]:
        """Expected fares of each trip (NaN where it cannot ride)."""
        if self.last is None:
            return np.full(self.trips.n, np.nan)
        return self.prob[:, K.ALT_TRANSIT] * np.nan_to_num(self.last.out.money[:, K.ALT_TRANSIT])

    def household_income(self) -> NDArray[np.float64]:
        """Each household's monthly income (income per person times persons per household where
        the city's figures are per person)."""
        from sim.demand_spec import persons_per_household

        hh = self.households
        return hh.income * persons_per_household(self.city) if self.city.income.per == "person" \
            else hh.income  # fmt: skip

    def per_household(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of per-trip values over each household's trips (NaN values skipped)."""
        tr = self.trips
        ok = (tr.household >= 0) & np.isfinite(values)
        out = np.bincount(tr.household[ok], weights=values[ok], minlength=self.households.n)
        return out.astype(np.float64)

    def monthly_trips(self) -> NDArray[np.float64]:
        """Trips a month each trip row stands for per household (both ways, 22 working days)."""
        tr = self.trips
        per_hh = np.where(tr.household >= 0, tr.daily / max(self.households.weight, 1e-12), 0.0)
        return TRIPS_PER_MONTH * np.nan_to_num(per_hh)

    def fare_burden(self) -> NDArray[np.float64]:
        """Each household's expected monthly fares over its monthly income (NaN if nobody in it
        may ride)."""
        fares = self.per_household(self.trip_fares() * self.monthly_trips())
        rides = self.per_household(self.prob[:, K.ALT_TRANSIT] * self.monthly_trips()) > 0
        return np.where(rides, fares / self.household_income(), np.nan)

    def cost_burden(self) -> NDArray[np.float64]:
        """Each household's expected monthly commuting money (fares, fuel, parking) over its
        monthly income."""
        money = self.per_household(np.nan_to_num(self.money_cost) * self.monthly_trips())
        return money / self.household_income()

    def mode_share(self, mode: int, rows: NDArray[np.bool_] | None = None) -> float:
        """Flow-weighted share of trips by reported mode (expected: probabilities summed)."""
        probs = self.mode_probabilities()
        w = self.trips.flow * self.trips.chooses
        if rows is not None:
            probs, w = probs[rows], w[rows]
        total = float(w.sum())
        return dot(w, probs[:, mode]) / total if total > 0 else float("nan")

    def income_classes(self) -> list[int]:
        return sorted(int(c) for c in np.unique(self.households.income_class))
