"""Values of time from earnings per worker and the vale-transporte, on hand-computed households."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.behaviour import (
    BehaviourSpec,
    earnings_per_worker,
    fit_shift,
    non_worker_vot,
    shift_probability,
    vale_transporte_share,
    worker_vot,
)
from sim.city import load_city
from sim.errors import ScenarioError


@pytest.fixture(scope="module")
def poa():
    return load_city("porto_alegre")


def test_porto_alegre_worker_value_of_time_by_hand(poa):
    # 2019: 1,351,765 residents in 545,817 households; income per person R$ 1,000 a month
    size = 1351765 / 545817
    household = 1000.0 * size
    wage = household * 0.725 / (0.45 * size)  # labour share over workers per household
    assert wage == pytest.approx(1611.11, abs=0.01)
    income = np.array([1000.0])
    assert earnings_per_worker(poa, income)[0] == pytest.approx(wage, rel=1e-3)
    # half the wage per hour of a 176-hour month, per minute
    assert worker_vot(poa, income)[0] == pytest.approx(0.5 * 1611.11 / 176 / 60, rel=1e-3)
    assert worker_vot(poa, income)[0] == pytest.approx(0.07628, abs=1e-4)
    # a student or other member: half the income per person
    assert non_worker_vot(poa, income)[0] == pytest.approx(0.5 * 1000 / 176 / 60, rel=1e-9)


def test_vale_transporte_caps_a_formal_worker_at_six_percent_of_the_wage(poa):
    spec = poa.behaviour
    # 44 trips x R$ 4.70 = R$ 206.80 a month; 6% of R$ 1,611.11 = R$ 96.67 -> pays 46.7%
    share = vale_transporte_share(np.array([1611.11, 3446.67, 5000.0]), spec)
    assert share[0] == pytest.approx(96.6666 / 206.8, rel=1e-4)
    assert share[1] == pytest.approx(1.0, abs=1e-4)  # 6% of 3,446.67 = 206.80: the break-even
    assert share[2] == 1.0  # above it the worker pays every fare
    poorer = vale_transporte_share(np.array([1000.0]), spec)[0]
    assert poorer == pytest.approx(60.0 / 206.8)


def test_every_behaviour_number_must_be_cited():
    with pytest.raises(ScenarioError, match="missing: vot_share_of_wage"):
        BehaviourSpec(sources={})
    spec = load_city("porto_alegre").behaviour
    with pytest.raises(ScenarioError, match="unknown keys"):
        replace(spec, sources={**spec.sources, "made_up": "x"})


def test_ownership_shift_reaches_its_target_and_zero_leaves_it():
    p = np.array([0.1, 0.2, 0.35, 0.52, 0.72])
    assert np.allclose(shift_probability(p, 0.0), p)
    s = fit_shift(p, 0.60)
    assert shift_probability(p, s).mean() == pytest.approx(0.60, abs=1e-8)
    # logit(0.5) + s for a single probability of one half: the shift is the target's log-odds
    assert fit_shift(np.array([0.5]), 0.8) == pytest.approx(np.log(4.0), abs=1e-8)
