"""A placebo intervention (the mini cable at a fare nobody pays) changes nobody's travel: what
a comparison reports is the intervention, not an artefact of adding links to the network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SCENARIOS = Path(__file__).parent / "data" / "scenarios"


def test_a_cable_nobody_rides_changes_nothing(tmp_path: Path) -> None:
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    hh = {}
    for name in ("mini_baseline", "mini_placebo", "mini_cable"):
        run = run_scenario(load_scenario(SCENARIOS / f"{name}.toml"), results=tmp_path,
                           run_id="p", figures=False, progress=False)  # fmt: skip
        hh[name] = pd.read_parquet(run.path / "households.parquet")
    base, placebo, cable = hh["mini_baseline"], hh["mini_placebo"], hh["mini_cable"]
    for column in ("expected_cost_min", "travel_time_min", "money_cost"):
        assert np.abs(placebo[column] - base[column]).max() < 1e-3, column
    assert (placebo["mode"] == base["mode"]).all()
    # the test can fail: the same cable at the bus fare does change households' costs
    assert np.abs(cable["expected_cost_min"] - base["expected_cost_min"]).max() > 0.1
