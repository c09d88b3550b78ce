"""`calibrate_equilibrium` recovers constants it did not see, on the mini city: a model with
known constants, gravity parameter and car ownership shift gives the targets; calibration
started elsewhere must land back on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.calibrate import calibrate_equilibrium
from sim.observed import measure
from sim.runner import build_model
from sim.scenario import load_scenario, with_overrides

DATA = Path(__file__).parent / "data"
TRUTH = {"asc": {"walk": 0.0, "transit": 6.0, "car": -4.0, "motorbike": -9.0},
         "gravity_beta": 0.09, "ownership_shift": {"car": 0.5}}  # fmt: skip
METRICS = ("mode_share:walk", "mode_share:transit", "mode_share:car", "mode_share:motorbike",
           "commute_le:12", "households_with:car")  # fmt: skip


@pytest.fixture(scope="module")
def make(mini_network):
    base = with_overrides(load_scenario(DATA / "scenarios" / "mini_baseline.toml"),
                          {"households": 1500})  # fmt: skip

    def make_model(values):
        s = with_overrides(base, {"choice.asc": values["asc"],
                                  "choice.gravity_beta": values["gravity_beta"],
                                  "choice.ownership_shift": values["ownership_shift"]})  # fmt: skip
        return build_model(s, base_network=mini_network)[0]

    return make_model


def test_calibration_recovers_known_constants(make):
    truth = make(TRUTH)
    truth.equilibrate(max_iterations=40)
    targets = {m: measure(truth, m) for m in METRICS}
    start = {"asc": dict.fromkeys(TRUTH["asc"], 0.0), "gravity_beta": 0.05,
             "ownership_shift": {}}  # fmt: skip
    got, history = calibrate_equilibrium(make, targets, start, iterations=15,
                                         max_iterations=40, tol=0.002)  # fmt: skip
    last = history[-1]
    assert all(abs(last[m] - targets[m]) < 0.002 for m in targets), (last, targets)
    for a, v in TRUTH["asc"].items():
        assert got["asc"][a] == pytest.approx(v, abs=0.75), got
    assert got["gravity_beta"] == pytest.approx(0.09, rel=0.2), got
    assert got["ownership_shift"]["car"] == pytest.approx(0.5, abs=0.05), got
    # and it did move: the start was off every target
    assert any(abs(history[0][m] - targets[m]) > 0.02 for m in targets)
