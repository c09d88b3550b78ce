"""``ladera run``: run scenarios and write ``results/<scenario>/<run-id>/``."""

from __future__ import annotations

import argparse

from sim.commands.common import check_flags, check_size, scenario_with_flags
from sim.errors import ScenarioError


def run(args: argparse.Namespace) -> int:
    from sim.rundir.names import check_name
    from sim.rundir.write import run_dir
    from sim.runner import check_scenario, run_scenario

    check_flags(args)
    if args.run_id is not None:
        check_name(args.run_id, "`--run-id`")
    # validate all before running any
    scenarios = [scenario_with_flags(p, args) for p in args.scenarios]
    if args.run_id is not None:
        names = [s.name for s in scenarios]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ScenarioError(f"two scenarios are named `{dup[0]}`: with `--run-id` they would "
                                "write the same folder; run them one at a time")  # fmt: skip
    for scenario in scenarios:  # every output folder free and writable before any simulation
        run_dir(scenario, args.results, args.run_id)
    for scenario in scenarios:
        check_scenario(scenario)
    check_size(scenarios, args)
    for scenario in scenarios:
        result = run_scenario(scenario, results=args.results, run_id=args.run_id)
        print(_daily_table(result.model))
        s = result.summary
        shares = ", ".join(f"{k} {v:.0%}" for k, v in s["mode_shares"].items() if v)
        print(f"{scenario.name}: {s['days']} days, {s['households']:,} households; {shares}; "
              f"mean commute {s['mean_time_min']:.1f} min; jobs within 30 min "
              f"{s['acc30_mean']:,.0f}")  # fmt: skip
        print(f"  -> {result.path}")
    return 0


def _daily_table(model) -> str:
    """Mode shares and convergence by day, from the model's DataCollector."""
    from sim.modes import MODE_NAMES

    days = model.datacollector.get_model_vars_dataframe()
    head = f"{'day':>4} {'gap':>7} {'switch':>7} " + " ".join(f"{m[:5]:>6}" for m in MODE_NAMES)
    rows = [head]
    for i, row in days.iterrows():
        shares = " ".join(f"{row[f'share_{m}']:>6.1%}" for m in MODE_NAMES)
        rows.append(f"{i + 1:>4} {row['relative_gap']:>7.3f} {row['switching']:>7.3f} {shares}")
    return "\n".join(rows)
