"""``ladera calibrate``: fit mode constants, gravity and ownership to a city's observed figures."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from sim.commands.common import check_flags, check_size
from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.model import CommuteModel


def calibrate(args: argparse.Namespace) -> int:
    from sim.calibrate import calibrate_equilibrium, calibration_targets, start_values
    from sim.limits import check_limit
    from sim.network.cache import load_network
    from sim.runner import build_model, check_scenario, city_of
    from sim.scenario import load_scenario, with_overrides

    if args.iterations < 1:
        raise ScenarioError(f"`--iterations` is {args.iterations}; allowed: a positive integer")
    check_limit("iterations", args.iterations, "`--iterations`")
    overrides = check_flags(args)
    scenario = with_overrides(load_scenario(args.scenario), overrides)
    city = city_of(scenario)
    targets = calibration_targets(city)
    network = load_network(city)
    check_scenario(scenario)
    check_size([scenario], args, runs=args.iterations + 1)
    cap = args.max_iterations or scenario.choice.max_iterations

    def make_model(values: dict) -> CommuteModel:
        trial = with_overrides(scenario, {"choice.asc": values["asc"],
                                          "choice.gravity_beta": values["gravity_beta"],
                                          "choice.ownership_shift": values["ownership_shift"]})  # fmt: skip
        return build_model(trial, base_network=network)[0]

    values, history = calibrate_equilibrium(make_model, targets, start_values(scenario.choice),
                                            iterations=args.iterations, max_iterations=cap,
                                            progress=True)  # fmt: skip
    print("targets: " + ", ".join(f"{k} {v:.3f}" for k, v in targets.items()))
    worst = max(abs(history[-1][m] - t) for m, t in targets.items())
    if worst >= 0.005:
        print(f"ladera: warning: not within 0.005 of the targets after {len(history)} trials "
              f"(worst {worst:.3f}); rerun with more --iterations", file=sys.stderr)  # fmt: skip
    command = (
        f"ladera calibrate {args.scenario} --iterations {args.iterations} "
        f"--max-iterations {cap}" + (f" --households {args.households}" if args.households else "")
    )
    print(f"\n# fitted on the equilibrium ({cap} iterations at most) of "
          f"{scenario.households:,} households with\n#   {command}\n# paste into the "
          "scenario's [choice] table:")  # fmt: skip
    print("asc = { " + ", ".join(f"{k} = {v:.3f}" for k, v in values["asc"].items()) + " }")
    print(f"gravity_beta = {values['gravity_beta']:.5f}")
    shift = values["ownership_shift"]
    print("ownership_shift = { " + ", ".join(f"{k} = {v:.4f}" for k, v in shift.items()) + " }")
    return 0
