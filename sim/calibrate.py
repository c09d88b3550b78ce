"""Calibrate alternative-specific constants to a city's observed mode shares.

The classic iterative update ``asc_a += ln(target_a / simulated_a) / scale`` (e.g. Train,
*Discrete Choice Methods*, ch. 2.8). Each iteration simulates a fresh run of the scenario's
length with the current constants, so the constants found reproduce the targets in the runs
they are meant for (a warm model measured a few days after each change is not at its
equilibrium: congestion, perceptions and the flow averages still carry the old constants).
"""

from __future__ import annotations

from collections.abc import Callable

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
    make_model: Callable[[dict[str, float]], CommuteModel],
    mode_shares: dict[str, float],
    *,
    days: int,
    asc: dict[str, float] | None = None,
    iterations: int = 12,
    tol: float = 0.005,
    progress: bool = False,
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Constants whose fresh ``days``-day runs give ``mode_shares``.

    Parameters
    ----------
    make_model
        Builds a fresh model with the given constants (by alternative, minutes).
    mode_shares
        Target shares by reported mode (bus, metro and cable are summed into transit).
    days
        Days each trial run simulates (the scenario's).
    asc
        First guess (default all 0).
    iterations
        Most trial runs after the first.
    tol
        Stop when every alternative's share is within this of its target.
    progress
        Show a progress bar over trial runs.

    Returns
    -------
    The constants (walk fixed at 0), and the shares of each trial run in order: the last entry
    belongs to the constants returned.
    """
    from tqdm.auto import tqdm

    targets = target_alternative_shares(mode_shares)
    asc = {a: (asc or {}).get(a, 0.0) for a in ALTERNATIVES}
    history: list[dict[str, float]] = []
    bar = tqdm(total=iterations + 1, desc="calibrate", unit="run", disable=not progress)
    for _ in range(iterations + 1):
        model = make_model(asc)
        model.run(days)
        shares = alternative_shares(model)
        history.append(shares)
        bar.update()
        bar.set_postfix({a[:4]: f"{shares[a]:.3f}" for a in ALTERNATIVES})
        if (
            all(abs(shares[a] - targets[a]) < tol for a in ALTERNATIVES)
            or len(history) > iterations
        ):
            break
        for a in ALTERNATIVES:
            if targets[a] > 0 and shares[a] > 0:
                asc[a] += np.log(targets[a] / shares[a]) / model.params.scale
        base = asc["walk"]
        asc = {a: round(v - base, 3) for a, v in asc.items()}
    bar.close()
    return asc, history
