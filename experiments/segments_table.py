"""Roads and buses at the peak with and without each assumed demand item -> results/bench/segments.json

Solves Porto Alegre's baseline (its households, seed and solver settings) with every demand
segment and stream, then once without each item whose source says "assumption", and reports
per road class the median and length-weighted mean v/c, the congested speed, and the median
v/c and speed of the km in their street's busier direction (sim.validate.roads_by_class); the
share of bus lines (a line and direction each, loaded or not) over capacity
(sim.validate.over_capacity); and the mean door-to-door minutes of trips whose likeliest mode
is the car.

Run: python experiments/segments_table.py  (one solve per item, about a minute each)
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np

import sim.runner as runner
from sim.kernels import day as K
from sim.scenario import load_scenario
from sim.validate import over_capacity, roads_by_class

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "bench" / "segments.json"
CLASSES = ("primary", "secondary", "tertiary", "residential")


def measure(model) -> dict:
    roads = {r["class"]: r for r in roads_by_class(model)}
    lines = model.network.lines
    cap = lines.vehicle_capacity * 3600.0 / np.maximum(lines.headway_s, 1.0)
    bus = {r["mode"]: r for r in over_capacity(model.line_loads(), cap, lines.mode)}["bus"]
    car = model.mode == K.CAR
    keys = ("vc_median", "vc_mean", "speed_kmh", "busier_vc_median", "busier_speed_kmh")
    return {
        "roads": {c: {k: round(roads[c][k], 3) for k in keys} for c in CLASSES if c in roads},
        "bus_lines_over_capacity": f"{bus['over_capacity']} of {bus['lines']}",
        "bus_lines_over_capacity_share": round(bus["share"], 3),
        "car_minutes": float(np.nanmean(model.travel_time_s[car]) / 60.0),
        "relative_gap": float(model.relative_gap),
    }


def main() -> None:
    scenario = load_scenario(ROOT / "scenarios/porto_alegre/baseline.toml")
    city = runner.city_of(scenario)
    demand = city.demand
    items = [("segment", s) for s in demand.segments] + [("stream", s) for s in demand.streams]
    variants = [("all", None)] + [(f"without {s.name}", s) for _, s in items
                                  if "assumption" in s.source.lower()]  # fmt: skip
    original = runner.city_of
    out = {}
    for label, drop in variants:
        d = dataclasses.replace(demand, segments=tuple(s for s in demand.segments if s is not drop),
                                streams=tuple(s for s in demand.streams if s is not drop))  # fmt: skip
        runner.city_of = lambda _s, d=d: dataclasses.replace(city, demand=d)
        try:
            model, _ = runner.build_model(scenario)
            model.equilibrate()
        finally:
            runner.city_of = original
        out[label] = measure(model)
        print(label, json.dumps(out[label]), flush=True)
    out["load_average"] = os.getloadavg()
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(OUT)
    print(f"-> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
