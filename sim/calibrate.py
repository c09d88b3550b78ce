"""Calibrate alternative-specific constants to a city's observed mode shares.

The classic iterative update ``asc_a += ln(target_a / simulated_a) / scale`` (e.g. Train,
*Discrete Choice Methods*, ch. 2.8), run on a warm model: after each update the model simulates a
few more days so congestion and perceptions follow the new constants.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.agents import ALTERNATIVES
from sim.errors import ScenarioError
from sim.kernels import day as K
from sim.model import CommuteModel

#: Reported modes that make up each alternative.
ALTERNATIVE_OF = {"walk": "walk", "bus": "transit", "metro": "transit", "cable": "transit",
                  "car": "car", "motorbike": "motorbike"}  # fmt: skip


def target_alternative_shares(mode_shares: dict[str, float]) -> dict[str, float]:
    """Targets by alternative from targets by reported mode (bus + metro + cable = transit)."""
    unknown = set(mode_shares) - set(ALTERNATIVE_OF)
    if unknown:
        raise ScenarioError(f"`mode_shares` has unknown modes {sorted(unknown)}; allowed: "
                            f"{', '.join(ALTERNATIVE_OF)}")  # fmt: skip
    total = sum(mode_shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ScenarioError(f"`mode_shares` sum to {total:.4f}, not 1")
    out = dict.fromkeys(ALTERNATIVES, 0.0)
    for mode, share in mode_shares.items():
        out[ALTERNATIVE_OF[mode]] += share
    return out


def alternative_shares(model: CommuteModel) -> dict[str, float]:
    codes = {K.WALK: "walk", K.BUS: "transit", K.METRO: "transit", K.CABLE: "transit",
             K.CAR: "car", K.MOTO: "motorbike"}  # fmt: skip
    chosen = model.mode[model.mode >= 0]
    out = dict.fromkeys(ALTERNATIVES, 0.0)
    for code, name in codes.items():
        out[name] += float(np.mean(chosen == code)) if chosen.size else 0.0
    return out


def calibrate(
    model: CommuteModel,
    mode_shares: dict[str, float],
    *,
    iterations: int = 12,
    days_per_iteration: int = 3,
    tol: float = 0.005,
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Adjust ``model.params.asc`` until simulated shares match ``mode_shares``.

    Returns the constants (walk fixed at 0) and the shares after each iteration. Stops early
    when every share is within ``tol`` of its target.
    """
    targets = target_alternative_shares(mode_shares)
    asc = {a: model.params.asc.get(a, 0.0) for a in ALTERNATIVES}
    history = []
    model.run(days_per_iteration)
    for _ in range(iterations):
        shares = alternative_shares(model)
        history.append(shares)
        if all(abs(shares[a] - targets[a]) < tol for a in ALTERNATIVES):
            break
        for a in ALTERNATIVES:
            if targets[a] > 0 and shares[a] > 0:
                asc[a] += np.log(targets[a] / shares[a]) / model.params.scale
        base = asc["walk"]
        asc = {a: round(v - base, 3) for a, v in asc.items()}
        model.params = replace(model.params, asc=asc)
        model.restart_averaging()  # congestion follows the new constants, not the old ones
        model.run(days_per_iteration)
    history.append(alternative_shares(model))
    return asc, history
