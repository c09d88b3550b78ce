"""Supply at the peak: what the roads and the buses of a scenario look like after some days.

Runs a scenario (default: the Porto Alegre baseline, 10 days) and prints, by road class
(primary, secondary, tertiary, residential), the mean peak car speed (vehicle-km over
vehicle-hours of the loaded edges, and the plain mean over edges), the median volume/capacity
(against the bottleneck: mid-block, or the signal approach), the number of signal-controlled
approaches, the mean car commute, the share of bus lines loaded over capacity, the peak
headway rule's effect and the size of the paid transfer layer. Writes the same as JSON.

    python experiments/supply_peak.py [SCENARIO.toml] [--days N] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from sim.kernels import day as K  # noqa: E402
from sim.network.arrays import Layer, NodeKind, TransitMode, lines_in_service  # noqa: E402
from sim.runner import build_model  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("primary", "secondary", "tertiary", "residential")


def measure(model) -> dict:
    net, road = model.network, model.road
    flow = model.car_flow[road.edges] + model.bus_preload[road.edges]
    t = road.times(flow)
    vc = road.vc(flow)
    km = net.length_m[road.edges] / 1000.0
    hwy = net.highway[road.edges]
    out: dict = {"by_class": {}}
    for c in CLASSES:
        m = (hwy == c) | (hwy == f"{c}_link")
        loaded = m & (flow > 0)
        speed = 3.6 * net.length_m[road.edges][m] / t[m]
        out["by_class"][c] = {
            "edges": int(m.sum()),
            "signalised_share": float((road.signals[m] > 0).mean()),
            "speed_kph_vkm_over_vh": float((flow[loaded] * km[loaded]).sum()
                                           / (flow[loaded] * t[loaded] / 3600).sum()),
            "speed_kph_mean_of_edges": float(speed.mean()),
            "free_speed_kph_mean_of_edges": float(
                (3.6 * net.length_m[road.edges][m] / road.free_times()[m]).mean()),
            "vc_median": float(np.median(vc[m])),
            "vc_p90": float(np.quantile(vc[m], 0.9)),
            "vc_over_1_share": float((vc[m] > 1).mean()),
        }  # fmt: skip
    car = model.mode == K.CAR
    lines = net.lines
    bus = (lines.mode == TransitMode.BUS) & lines_in_service(net)
    load = model.line_loads()
    over = load > lines.capacity_per_hour
    out["signal_approaches"] = int(net.meta.get("signal_approaches", -1))
    out["signal_clusters"] = int(net.meta.get("signal_clusters", -1))
    out["edges_with_signals"] = int((road.signals > 0).sum())
    out["mean_car_commute_min"] = float(np.nanmean(model.travel_time_s[car]) / 60)
    out["mean_commute_min"] = float(np.nanmean(model.travel_time_s) / 60)
    out["mode_shares"] = {n: float(np.mean(model.mode == i)) for i, n in
                          enumerate(("walk", "bus", "metro", "cable", "car", "motorbike"))}  # fmt: skip
    out["bus_lines"] = int(bus.sum())
    out["bus_lines_over_capacity"] = int((over & bus).sum())
    out["bus_lines_over_capacity_share"] = float((over & bus).sum() / max(bus.sum(), 1))
    out["bus_headway_min_median"] = float(np.median(lines.headway_s[bus]) / 60)
    paid = net.node_kind == NodeKind.PAID
    layers = (Layer.TRANSFER, Layer.TRANSFER_OFF, Layer.PAID_WALK)
    out["transfer_layer"] = {
        "paid_nodes": int(paid.sum()),
        "fare_level_copy_stops": int((net.stop_base >= 0).sum()),
        **{lay.name.lower(): int((net.layer == lay).sum()) for lay in layers},
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?",
                        default=str(ROOT / "scenarios/porto_alegre/baseline.toml"))  # fmt: skip
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "results/bench/supply_peak.json"))
    args = parser.parse_args()
    model, _ = build_model(load_scenario(args.scenario))
    model.run(args.days)
    result = {"scenario": args.scenario, "days": args.days, **measure(model)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
