"""What several commands share: the scenario flags, the size check and a solved model."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.scenario import Scenario

#: Command-line overrides of scenario values, with the least value each accepts.
_FLAGS = {"days": 1, "households": 1, "seed": 0}


def check_flags(args: argparse.Namespace) -> dict[str, int]:
    """The ``--days``/``--households``/``--seed`` given, each checked (an error names the flag)."""
    from sim.limits import LIMITS, check_limit

    out = {}
    for name, least in _FLAGS.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        if value < least:
            what = "a positive integer" if least == 1 else f"an integer >= {least}"
            raise ScenarioError(f"`--{name}` must be {what}, not {value}")
        if name in LIMITS:
            check_limit(name, value, f"`--{name}`")
        out[name] = value
    return out


def check_size(scenarios: Sequence[Scenario], args: argparse.Namespace, runs: int = 1) -> None:
    """Refuse what the machine cannot hold, and announce very long work, before any run."""
    from sim.estimates import check_runs

    warning = check_runs(scenarios, households_flag=bool(getattr(args, "households", None)),
                         runs=runs)  # fmt: skip
    if warning:
        print(f"ladera: warning: {warning}", file=sys.stderr, flush=True)


def scenario_with_flags(path: Path, args: argparse.Namespace):
    """The scenario file with the command's ``--days``, ``--households``, ``--seed``,
    ``--solver``, ``--max-iterations`` and ``--zone-size-m`` applied."""
    from sim.scenario import load_scenario, with_overrides

    overrides: dict[str, object] = dict(check_flags(args))
    if getattr(args, "solver", None):
        overrides["solver"] = args.solver
    if getattr(args, "max_iterations", None) is not None:
        if args.max_iterations < 1:
            raise ScenarioError(f"`--max-iterations` must be a positive integer, not "
                                f"{args.max_iterations}")  # fmt: skip
        overrides["choice.max_iterations"] = args.max_iterations
    zone = getattr(args, "zone_size_m", None)
    if zone is not None:
        if not zone > 0 or zone == float("inf"):
            raise ScenarioError(f"`--zone-size-m` must be a positive number of metres, not {zone}")
        overrides["choice.zone_size_m"] = float(zone)
    return with_overrides(load_scenario(path), overrides)


def solved(args: argparse.Namespace):
    """The scenario's model, solved to its equilibrium (the scenario's tolerance and cap)."""
    from sim.runner import build_model, check_scenario

    scenario = scenario_with_flags(args.scenario, args)
    check_scenario(scenario)
    check_size([scenario], args)
    model = build_model(scenario)[0]
    conv = model.equilibrate()
    if not conv.converged:
        print(f"ladera: warning: the equilibrium stopped at {conv.iterations} iterations with a "
              f"relative gap of {conv.final_gap:.2e} (tolerance {conv.tolerance:g})",
              file=sys.stderr)  # fmt: skip
    return scenario, model, conv
