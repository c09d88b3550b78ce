"""Destination choice on the mode choice's logsum (sim.destinations): the composite cost against
its closed form, the free-flow parts against the day kernel's own trip skims, and the behaviour
it is for: a household for whom the fare is dear chooses destinations it can walk to."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.assign import RoutingClasses
from sim.choice import ChoiceParams
from sim.city import CostsSpec
from sim.demand import Trips
from sim.destinations import Choosers, ZoneCosts, composite_minutes, segment_rows
from sim.kernels import day as K
from sim.model import CommuteModel
from sim.population import zone_nodes
from sim.skim import components


def _costs(**kw) -> ZoneCosts:
    base = dict(walk_min=[[20.0, 80.0]], car_min=[[6.0, 12.0]], moto_min=[[5.0, 10.0]],
                car_km=[[3.0, 7.0]], transit_min=[[25.0, 30.0]], fare=[[4.7, 4.7]],
                xfare=[[0.0, 2.35]])  # fmt: skip
    base.update(kw)
    return ZoneCosts(**{k: np.array(v, float) for k, v in base.items()})


def test_composite_is_the_logsum_of_the_modes_a_household_can_use():
    p = ChoiceParams(asc={"transit": 10.0, "car": 20.0, "motorbike": -3.0}, max_walk_min=60.0)
    costs = CostsSpec(car_per_km=0.5, motorbike_per_km=0.2, car_parking=2.0, motorbike_parking=1.0)
    zc = _costs()
    vot, f1, f2 = 0.2, 0.5, 1.0
    got = composite_minutes(zc, p, costs, vot=vot, fare1=f1, fare2=f2, car=True, moto=False)
    for d in range(2):
        gens = {"transit": 25.0 + 5 * d + (f1 * 4.7 + f2 * 2.35 * d) / vot - 10.0,
                "car": (6.0, 12.0)[d] + ((3.0, 7.0)[d] * 0.5 + 2.0) / vot - 20.0}  # fmt: skip
        if d == 0:  # 80 walking minutes are over max_walk_min: no walk to the second
            gens["walk"] = p.walk_mode_weight * 20.0
        expected = -math.log(sum(math.exp(-p.scale * g) for g in gens.values())) / p.scale
        assert got[0, d] == pytest.approx(expected, rel=1e-12)
    # the logsum lies below the best option, by at most ln(n)/scale
    walk_only = composite_minutes(zc, p, costs, vot=vot, fare1=f1, fare2=f2, car=False, moto=False)
    assert np.all(got <= walk_only)
    # no mode at all reaches: infinite cost
    none = _costs(walk_min=[[np.inf, np.inf]], transit_min=[[np.inf, np.inf]])
    assert np.isinf(composite_minutes(none, p, costs, vot=vot, fare1=1, fare2=1, car=False,
                                      moto=False)).all()  # fmt: skip


def test_households_for_whom_the_fare_is_dear_weigh_far_destinations_more():
    """Two households of one zone and class, one with a tenth of the other's value of time, no
    vehicle: each gets its own row, and the far destination (an 80-minute walk, a bus ride
    away) costs the poorer one more against the near one."""
    from sim.population import Households

    p, costs = ChoiceParams(), CostsSpec()
    hh = Households(home_zone=np.zeros(2, np.int32), work_zone=np.zeros(2, np.int32),
                    home_node=np.zeros(2, np.int64), drive_node=np.zeros(2, np.int64),
                    access_s=np.zeros(2), income=np.ones(2), income_class=np.array([1, 2], np.int8),
                    car=np.zeros(2, bool), moto=np.zeros(2, bool), vot=np.ones(2), weight=1.0)  # fmt: skip
    ch = Choosers(vot=np.array([0.05, 0.5]), fare1=np.ones(2), fare2=np.ones(2),
                  car=np.zeros(2, bool), moto=np.zeros(2, bool))  # fmt: skip
    rows, minutes = segment_rows(hh, ch, _costs(walk_min=[[20.0, 80.0]]), p, costs)
    assert rows[0] != rows[1]
    spread = minutes[rows, 1] - minutes[rows, 0]
    assert spread[0] > spread[1] > 0


@pytest.fixture(scope="module")
def fare_free(mini_city, mini_network):
    """A mini-city model whose one routing class ignores fares (as the free-flow pass's)."""
    model = CommuteModel(mini_city, network=mini_network, households=300, seed=3, agents=False)
    zc = model.free_flow_costs()
    model.classes = RoutingClasses(np.zeros(model.trips.n, np.int64), np.zeros(1), np.zeros(1))
    return model, zc


def test_free_flow_parts_equal_the_kernels_own_trip_skims(fare_free):
    """One trip from every zone's nodes to every destination, skimmed as a trip (full fares,
    a value of time so high that money weighs nothing): its car km, motorbike minutes,
    transit generalised minutes and fares are the zone parts."""
    model, zc = fare_free
    walk, drive = zone_nodes(model.zones, model.network)
    nz, nd = model.zones.n, model.dest.n
    z, d = np.divmod(np.arange(nz * nd), nd)
    n = z.size
    big = 1e12
    trips = Trips(household=np.zeros(n, np.int64), segment=np.zeros(n, np.int8),
                  dest=d.astype(np.int32), walk_node=walk[z], drive_node=drive[z],
                  access_s=np.zeros(n), car=np.ones(n, bool), moto=np.ones(n, bool),
                  vot=np.full(n, big), fare1=np.ones(n), fare2=np.ones(n), flow=np.zeros(n),
                  fixed=np.full(n, -1, np.int8), pce=np.ones(n), daily=np.zeros(n))  # fmt: skip
    out = components(model, trips, klass=np.zeros(n, np.int64))
    ok = (walk[z] >= 0) & (drive[z] >= 0)
    car_ok = ok & np.isfinite(zc.car_km[z, d])
    assert car_ok.sum() > 0.5 * n
    assert np.allclose(out["km"][car_ok, K.ALT_CAR], zc.car_km[z, d][car_ok], rtol=1e-5)
    moto_s = out["time_min"][car_ok, K.ALT_MOTO]  # access 0: path + parking walk at the end
    assert np.allclose(moto_s, zc.moto_min[z, d][car_ok], rtol=1e-5)
    tr_ok = ok & np.isfinite(zc.transit_min[z, d])
    assert tr_ok.sum() > 0.5 * n
    money = out["money"][tr_ok, K.ALT_TRANSIT]
    assert np.allclose(money, (zc.fare + zc.xfare)[z, d][tr_ok], rtol=1e-5)
    assert money.max() > 0  # some trips do pay a fare
    gen = out["gen_min"][tr_ok, K.ALT_TRANSIT] - money / big
    assert np.allclose(gen, zc.transit_min[z, d][tr_ok], rtol=1e-5)
