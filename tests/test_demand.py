"""Peak demand in stated segments: one census expansion, and every segment's and stream's total
against the arithmetic its source states (Porto Alegre's bundle), by hand.

The model's trips are checked too: each segment's rows add up to the expanded population at the
segment's rates, and each stream's rows to its stated flow, so no total is lost or doubled
between the bundle and the kernel.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.demand_spec import households_represented
from sim.zones import load_zones

# IBGE censuses (the bundle's census_source)
POP_2010, HH_2010 = 1_409_351, 508_813
POP_2022, HH_2022 = 1_332_570, 558_151


def by_name(items, name):
    return next(item for item in items if item.name == name)


def test_one_expansion_from_the_two_censuses_by_hand(poa_city):
    d = poa_city.demand
    t = (2019 - 2010) / (2022 - 2010)  # 2019 lies three quarters of the way
    pop = POP_2010 + t * (POP_2022 - POP_2010)
    hh = HH_2010 + t * (HH_2022 - HH_2010)
    assert (d.reference_year, d.zones_year) == (2019, 2010)
    assert d.count(2019) == pytest.approx((pop, hh), rel=1e-12)
    assert (int(pop + 0.5), int(hh + 0.5)) == (1_351_765, 545_817)  # as census_source states
    assert d.growth == pytest.approx(pop / POP_2010, rel=1e-12)
    assert d.persons_per_household == pytest.approx(pop / hh, rel=1e-12)
    zones = load_zones(poa_city)
    people_2019 = float(zones.population.sum()) * pop / POP_2010
    assert households_represented(poa_city, zones) == pytest.approx(people_2019 / (pop / hh))
    # the study area's 2019 residents, which observed.toml's EPTC factor also uses
    assert round(people_2019) == 779_719


def test_segment_rates_are_their_sources_arithmetic(poa_city):
    segments = poa_city.demand.segments
    # work: employed per resident, PED-RMPA 2015: 1,769 k of 3,956 k
    assert by_name(segments, "work").per_person == pytest.approx(1769 / 3956, abs=0.005)
    # school: 123.8 k public enrolments plus about 70 k private, over 1.35 M residents
    assert by_name(segments, "school").per_person == pytest.approx((123.8 + 70) / 1350, abs=0.002)
    # university: about 80 k residents in higher education over 1.35 M
    assert by_name(segments, "university").per_person == pytest.approx(80 / 1350, abs=0.002)


def test_streams_are_their_sources_arithmetic(poa_city):
    d = poa_city.demand
    streams = d.streams
    inbound = by_name(streams, "inbound_road").flow
    assert inbound == pytest.approx(0.60 * 27_900, rel=0.01)  # 60% of the cut roads' capacity
    assert by_name(streams, "outbound_road").flow == pytest.approx(0.30 * inbound, rel=0.01)
    assert by_name(streams, "through_road").flow == pytest.approx(0.10 * inbound, rel=0.02)
    assert by_name(streams, "metropolitan_buses").flow == 15_000 / 60  # riders / riders a bus
    assert by_name(streams, "inbound_rail").flow == 13_400  # GauchaZH's count, 06:55-07:55
    # the rest of the city at the segments' peak rates, 40% bound here, 35% of them by bus
    rest = d.count(2019)[0] - 779_719
    rate = sum(s.per_person_in_peak for s in d.segments)
    assert round(rest, -3) == 572_000 and round(rate, 3) == 0.244  # as its source says
    assert by_name(streams, "inbound_bus").flow == pytest.approx(rest * rate * 0.40 * 0.35,
                                                                 rel=0.03)  # fmt: skip


@pytest.fixture(scope="module")
def poa_trips(poa_city, poa_network):
    from sim.model import CommuteModel

    model = CommuteModel(poa_city, households=1500, seed=4, network=poa_network,
                         zones=load_zones(poa_city), agents=False)  # fmt: skip
    return model.trips


def test_the_models_trips_carry_every_stated_total(poa_city, poa_trips):
    d = poa_city.demand
    names = poa_trips.segment_names()
    people = float(load_zones(poa_city).population.sum()) * d.growth  # 2019 residents
    for seg in d.segments:
        rows = names == seg.name
        assert rows.sum() == 1500, seg.name  # one row per household and segment
        expected = people * seg.per_person * seg.travel_share * seg.peak_share
        assert poa_trips.flow[rows].sum() == pytest.approx(expected, rel=1e-9), seg.name
        assert np.all(poa_trips.household[rows] >= 0)
    for stream in d.streams:
        rows = names == stream.name
        assert poa_trips.flow[rows].sum() == pytest.approx(stream.flow, rel=1e-9), stream.name
        assert np.all(poa_trips.household[rows] == -1) and np.all(poa_trips.fixed[rows] >= 0)
    assert set(names) == {s.name for s in d.segments} | {s.name for s in d.streams}
