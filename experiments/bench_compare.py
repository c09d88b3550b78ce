"""Benchmark and precision check of ``ladera compare``: three Porto Alegre scenarios x 5 seeds.

It runs the comparison a user runs (baseline, Morro da Cruz cable, road widening; every
scenario on seeds 42..46, on a local Dask cluster) with the network already cached, and
reports

- the wall time of the whole comparison (target: under 10 minutes on this project's 2-core
  machine), with the load average before and after (the machine is shared: a busy neighbour
  slows every run);
- the far households' mean welfare change (expected generalised cost, minutes a trip) with its
  95% interval across seeds, for each scenario (target: inside +/-0.02 min);
- the cable's total yearly user benefit: mean, seed standard deviation and their ratio
  (target: SD under 15% of |mean|);
- the catchments' results by income class with their intervals, and each run's relative gap
  (the precision targets depend on how far the equilibrium solver gets).

Run ``python experiments/bench_compare.py [--households N] [--max-iterations N]
[--seeds N] [--workers N] [--out PATH]`` (defaults: the scenarios' 20,000 households and their
solver settings, 5 seeds, 2 workers); it writes ``results/bench/compare.json`` and leaves the
comparison under ``results/bench/compare_runs/``. This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled

from sim.cli import main  # noqa: E402
from sim.network.cache import load_network  # noqa: E402
from sim.runner import city_of  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SCENARIOS = [
    ROOT / "scenarios/porto_alegre/baseline.toml",
    ROOT / "scenarios/porto_alegre/cable_morro_da_cruz.toml",
    ROOT / "scenarios/porto_alegre/road_upgrade.toml",
]
CABLE = "cable_morro_da_cruz"
FAR_LIMIT_MIN = 0.02
SD_LIMIT = 0.15
WALL_LIMIT_S = 600.0


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, help="override the scenarios' households")
    parser.add_argument("--max-iterations", type=int, help="override the solver's iterations")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench" / "compare.json")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    scenario = load_scenario(SCENARIOS[0])
    t0 = time.perf_counter()
    load_network(city_of(scenario))  # cached before timing: the target is with the cache warm
    network_s = time.perf_counter() - t0
    folder = args.out.parent / "compare_runs"
    name = f"bench-{time.strftime('%Y%m%d-%H%M%S')}"
    argv = ["compare", *map(str, SCENARIOS), "--seeds", str(args.seeds), "--workers",
            str(args.workers), "--results", str(folder), "--id", name]  # fmt: skip
    if args.households:
        argv += ["--households", str(args.households)]
    if args.max_iterations:
        argv += ["--max-iterations", str(args.max_iterations)]
    load_before = os.getloadavg()
    start = time.perf_counter()
    code = main(argv)
    wall = time.perf_counter() - start
    load_after = os.getloadavg()
    if code != 0:
        raise SystemExit(f"ladera compare failed with exit code {code}")
    out = folder / "compare" / name
    summary = json.loads((out / "summary.json").read_text())
    return {
        "what": "ladera compare: Porto Alegre baseline, cable, road x seeds, network cached",
        # paths relative to the checkout, so the JSON names no machine's folders
        "command": "ladera " + " ".join(argv).replace(f"{ROOT}/", ""),
        "folder": str(out).replace(f"{ROOT}/", ""),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": load_after,
        },  # fmt: skip
        "households": summary["households"],
        "seeds": summary["seeds"],
        "workers": args.workers,
        "network_load_s": round(network_s, 2),
        "wall_s": round(wall, 1),
        "wall_target_s": WALL_LIMIT_S,
        "wall_ok": wall < WALL_LIMIT_S,
        "solver": _solver(summary),
        "far_households": _far(summary),
        "cable_benefit": _benefit(summary),
        "catchments": _catchments(summary),
    }


def _solver(summary: dict[str, Any]) -> dict[str, Any]:
    """Each run's iterations and final relative gap, from its own summary and manifest."""
    out = {}
    for name, entry in summary["scenarios"].items():
        gaps, iterations = [], []
        for run in entry["runs"]:
            s = json.loads((Path(run) / "summary.json").read_text())
            gaps.append(s.get("relative_gap"))
            iterations.append(s.get("days"))
        out[name] = {"iterations": iterations, "relative_gap": gaps}
    return out


def _far(summary: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, entry in summary["scenarios"].items():
        far = entry.get("catchments", {}).get("far")
        if not far:
            continue
        iv = far["by_class"]["all"]["expected_cost_change_min"]
        size = far["by_class"]["all"]["households"]
        inside = (
            iv["low"] is not None and iv["low"] >= -FAR_LIMIT_MIN and iv["high"] <= FAR_LIMIT_MIN
        )
        out[name] = {"households": size, "welfare_change_min": iv,
                     "target": f"95% interval within +/-{FAR_LIMIT_MIN} min", "ok": inside}  # fmt: skip
    return out


def _benefit(summary: dict[str, Any]) -> dict[str, Any]:
    iv = summary["scenarios"][CABLE]["changes"]["all"]["annual_benefit"]
    ratio = iv["sd"] / abs(iv["mean"]) if iv["sd"] is not None and iv["mean"] else None
    return {"annual_benefit": iv, "sd_over_mean": ratio, "target": f"sd < {SD_LIMIT:.0%} of |mean|",
            "ok": ratio is not None and ratio < SD_LIMIT}  # fmt: skip


def _catchments(summary: dict[str, Any]) -> dict[str, Any]:
    keep = ("households", "expected_cost_change_min", "acc_smooth_change", "annual_benefit")
    out: dict[str, Any] = {}
    for name, entry in summary["scenarios"].items():
        for group, catch in entry.get("catchments", {}).items():
            out[f"{name}/{group}"] = {
                "definition": catch["definition"],
                "by_class": {c: {k: v[k] for k in keep} for c, v in catch["by_class"].items()},
            }
    return out


def _num(value: float | None, spec: str) -> str:
    """A number, or "n/a" (one seed has no interval and no standard deviation)."""
    return "n/a" if value is None else format(value, spec)


def main_bench(argv: list[str] | None = None) -> int:
    args = _args(argv)
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwall {result['wall_s']} s for {len(result['seeds'])} seeds x 3 scenarios "
          f"({result['households']:,} households); load average before "
          f"{result['machine']['load_average_before'][0]:.2f}, after "
          f"{result['machine']['load_average_after'][0]:.2f}")  # fmt: skip
    for name, far in result["far_households"].items():
        iv = far["welfare_change_min"]
        print(f"far from {name}: {_num(far['households']['mean'], ',.0f')} households, welfare "
              f"{_num(iv['mean'], '+.4f')} [{_num(iv['low'], '+.4f')}, {_num(iv['high'], '+.4f')}]"
              f" min: {'ok' if far['ok'] else 'NOT within +/-0.02'}")  # fmt: skip
    b = result["cable_benefit"]
    print(f"cable yearly user benefit {_num(b['annual_benefit']['mean'], ',.0f')}, seed sd "
          f"{_num(b['annual_benefit']['sd'], ',.0f')} ({_num(b['sd_over_mean'], '.0%')} of the "
          f"mean): {'ok' if b['ok'] else 'NOT under 15%'}")  # fmt: skip
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_bench())
