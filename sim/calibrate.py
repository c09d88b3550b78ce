"""Calibrate alternative-specific constants to a city's observed mode shares.

The classic iterative update ``asc_a += ln(target_a / simulated_a) / scale`` (e.g. Train,
*Discrete Choice Methods*, ch. 2.8). Each iteration simulates a fresh run of the scenario's
length with the current constants, so the constants found reproduce the targets in the runs
they are meant for (a warm model measured a few days after each change is not at its
equilibrium: congestion, perceptions and the flow averages still carry the old constants).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.kernels import day as K
from sim.model import CommuteModel
from sim.modes import ALTERNATIVES

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


# ------------------------------------------------------------------ on the equilibrium model
#: Parameters ``calibrate_equilibrium`` fits, and the figure each is fitted to.
OWNERSHIP = {"households_with:car": "car", "households_with:motorbike": "motorbike"}
TIME_TARGET = "commute_le_30"


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def calibration_targets(city: Any) -> dict[str, float]:
    """A city's calibration figures (its ``observed`` file), else its ``mode_shares`` as
    ``mode_share:<alternative>`` targets."""
    from sim.observed import load_observed

    fitted = ("mode_share:", "households_with:", TIME_TARGET)
    figures = {f.metric: f.value for f in load_observed(city).of_role("calibration")
               if f.metric.startswith(fitted)}  # fmt: skip
    if figures:
        return figures
    if not city.mode_shares:
        raise ScenarioError(f"{city.folder / 'city.toml'}: no `mode_shares` to calibrate to "
                            "and no `observed` calibration figures; allowed: a city that gives "
                            "either")  # fmt: skip
    return {f"mode_share:{a}": v for a, v in target_alternative_shares(city.mode_shares).items()}


def start_values(params: Any) -> dict[str, Any]:
    """The fitted parameters of a scenario's :class:`~sim.choice.ChoiceParams`."""
    return {"asc": {a: params.asc.get(a, 0.0) for a in ALTERNATIVES},
            "gravity_beta": params.gravity_beta,
            "ownership_shift": dict(params.ownership_shift)}  # fmt: skip


def calibrate_equilibrium(
    make_model: Callable[[dict[str, Any]], CommuteModel],
    targets: dict[str, float],
    start: dict[str, Any],
    *,
    iterations: int = 10,
    max_iterations: int = 30,
    tol: float = 0.005,
    progress: bool = False,
) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """Fit mode constants, the work trips' gravity parameter and the vehicle ownership shifts
    to observed figures, each trial a fresh model solved to equilibrium.

    ``targets`` maps figure metrics (:mod:`sim.observed`) to values: ``mode_share:<alt>`` fit
    the constants (``asc_a += ln(target / model) / scale``, walk fixed at 0),
    ``commute_le_30`` (or ``commute_le:<minutes>``) the gravity parameter (a Newton step on ``ln beta`` against the band's
    log-odds with the slope fitted over all trials, at most a doubling or halving a trial), ``households_with:car|motorbike`` the
    ownership shifts (``shift += logit(target) - logit(model)``). ``make_model`` builds a fresh
    model from ``{"asc": ..., "gravity_beta": ..., "ownership_shift": ...}``; each is solved with
    ``max_iterations`` equilibrium iterations at most. Returns the values of the last trial and
    every trial's measured figures (the last belongs to the values returned).
    """
    from sim.observed import measure

    values = {"asc": dict(start["asc"]), "gravity_beta": float(start["gravity_beta"]),
              "ownership_shift": dict(start.get("ownership_shift", {}))}  # fmt: skip
    history: list[dict[str, float]] = []
    past: list[tuple[float, float]] = []  # (ln beta, logit of the time band)
    for trial in range(iterations + 1):
        model = make_model(values)
        conv = model.equilibrate(max_iterations=max_iterations)
        got = {m: measure(model, m) for m in targets}
        got["relative_gap"] = float(conv.relative_gap[-1]) if conv.relative_gap else np.nan
        history.append(got)
        if progress:
            print(f"trial {trial}: " + ", ".join(f"{k} {v:.3f}" for k, v in got.items())
                  + f"\n  with {values}", flush=True)  # fmt: skip
        if all(abs(got[m] - t) < tol for m, t in targets.items()) or trial == iterations:
            break
        values = _update(values, targets, got, past, model.params.scale)
    return values, history


def _update(values: dict[str, Any], targets: dict[str, float], got: dict[str, float],
            past: list[tuple[float, float]], scale: float) -> dict[str, Any]:  # fmt: skip
    asc, shift = dict(values["asc"]), dict(values["ownership_shift"])
    for metric, target in targets.items():
        kind, _, arg = metric.partition(":")
        if kind == "mode_share" and target > 0 and got[metric] > 0:
            asc[arg] += float(np.log(target / got[metric])) / scale
        elif metric in OWNERSHIP:
            key = OWNERSHIP[metric]
            shift[key] = shift.get(key, 0.0) + _logit(target) - _logit(got[metric])
    asc = {a: round(v - asc.get("walk", 0.0), 3) for a, v in asc.items()}
    beta = values["gravity_beta"]
    time = next((m for m in targets if m == TIME_TARGET or m.startswith("commute_le:")), None)
    if time is not None:
        x, y = float(np.log(beta)), _logit(got[time])
        miss = _logit(targets[time]) - y
        past.append((x, y))
        slope = 0.5  # first step: logit(share) per unit of ln beta (assumption; then fitted)
        xs, ys = np.array(past).T
        if np.ptp(xs) > 1e-6:  # least squares over every trial: the draws make each noisy
            slope = max(float(np.polyfit(xs, ys, 1)[0]), 0.05)
        beta = float(np.exp(x + float(np.clip(miss / slope, -np.log(2), np.log(2)))))
    return {"asc": asc, "gravity_beta": round(beta, 5),
            "ownership_shift": {k: round(v, 4) for k, v in shift.items()}}  # fmt: skip
