"""Do integrated cable riders pay once, and does their welfare change follow their time and
money? -> results/bench/cable_riders.json

Solves Porto Alegre's baseline and the Morro da Cruz cable (integrated with EPTC buses) on the
same households and seed, then, for the trips whose transit path rides the cable (weighted by
their flow and transit probability):

- the fare their transit path pays, against the EPTC-system fare (R$ 4.70) and its transfer
  top-up (half a fare, Decreto 19.803/2017): an integrated rider pays at most the dearest fare of
  its legs plus stated top-ups, plus the fare of another system (Trensurb) it also rides;
- their mean change in expected generalised cost (the logsum) against their mean change in
  expected time plus money at their own value of time; the signs must agree.

Run: python experiments/check_cable_riders.py  (two solves of the full baseline)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from sim.kernels import day as K
from sim.runner import build_model
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "bench" / "cable_riders.json"
FARE = 4.70
TOP_UP = 0.5 * FARE


def solved(path: str):
    model, _ = build_model(load_scenario(ROOT / path))
    conv = model.equilibrate(progress=True)
    return model, conv


def main() -> None:
    base, conv_b = solved("scenarios/porto_alegre/baseline.toml")
    cable, conv_c = solved("scenarios/porto_alegre/cable_morro_da_cruz.toml")
    out = cable.last.out
    riders = (out.main == K.CABLE) & (cable.prob[:, K.ALT_TRANSIT] > 0)
    w = cable.trips.flow[riders] * cable.prob[riders, K.ALT_TRANSIT]
    fare = out.money[riders, K.ALT_TRANSIT]
    vot = cable.trips.vot[riders]  # money per minute
    d_expected = cable.expected_cost_min()[riders] - base.expected_cost_min()[riders]
    d_time = (cable.travel_time_s - base.travel_time_s)[riders] / 60.0
    d_money = (cable.money_cost - base.money_cost)[riders]
    d_valued = d_time + d_money / vot

    def share(mask: np.ndarray) -> float:
        return float(w[mask].sum() / w.sum()) if w.sum() > 0 else float("nan")

    mean_expected = float(np.average(d_expected, weights=w))
    mean_valued = float(np.average(d_valued, weights=w))
    report = {
        "riders_per_hour": float(w.sum()),
        "trips_riding": int(riders.sum()),
        "fare_paid": {
            "mean": float(np.average(fare, weights=w)),
            "max": float(fare.max()),
            "share_at_most_one_fare": share(fare <= FARE + 1e-9),
            "share_at_most_one_fare_and_one_top_up": share(fare <= FARE + TOP_UP + 1e-9),
            "share_above_two_eptc_fares": share(fare > 2 * FARE + 1e-9),
        },
        "mean_change_expected_cost_min": mean_expected,
        "mean_change_time_min": float(np.average(d_time, weights=w)),
        "mean_change_money": float(np.average(d_money, weights=w)),
        "mean_change_time_and_money_at_own_vot_min": mean_valued,
        "signs_agree": bool(np.sign(mean_expected) == np.sign(mean_valued)),
        "relative_gap": {"baseline": conv_b.final_gap, "cable": conv_c.final_gap},
        "iterations": {"baseline": conv_b.iterations, "cable": conv_c.iterations},
        "load_average": os.getloadavg(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(OUT)
    print(json.dumps(report, indent=2))
    print(f"-> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
