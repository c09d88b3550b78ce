"""Accessibility: jobs (or any opportunities) reachable from each origin, by a time threshold
(cumulative) or weighted by a decay of travel time (gravity). Unreachable destinations carry a
time of NaN or ``inf``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.metrics.checks import _array
from sim.numeric import matvec

__all__ = ["DecayForm", "cumulative_accessibility", "gravity_accessibility"]


class DecayForm(StrEnum):
    """Impedance function of :func:`gravity_accessibility`."""

    EXPONENTIAL = "exponential"  # f(t) = exp(-beta t)
    POWER = "power"  # f(t) = max(t, 1) ** -beta
    LOGISTIC = "logistic"  # f(t) = 1 / (1 + exp(pi (t - cutoff) / (sd sqrt 3)))


def _times_and_jobs(
    times_min: ArrayLike, jobs: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    t = _array(times_min, "times_min", ndim=2, nonneg=True, finite=False)
    j = _array(jobs, "jobs", nonneg=True)
    if t.shape[1] != j.shape[0]:
        raise ValueError(
            f"`jobs` must have one entry per destination (column of `times_min`, {t.shape[1]}), "
            f"got {j.shape[0]}"
        )
    return t, j


def cumulative_accessibility(
    times_min: ArrayLike, jobs: ArrayLike, thresholds: Sequence[float] = (30, 45, 60)
) -> NDArray[np.float64]:
    """Jobs reachable within each travel-time threshold (cumulative-opportunity measure).

    Parameters
    ----------
    times_min
        Travel times in minutes, shape ``(n_origins, n_dest)``. NaN or ``inf`` means the
        destination cannot be reached.
    jobs
        Jobs (or any opportunity count) at each destination, shape ``(n_dest,)``.
    thresholds
        Time budgets in minutes. A destination counts when ``time <= threshold`` (inclusive).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins, len(thresholds))``: column ``k`` is the number of jobs reachable
        within ``thresholds[k]`` minutes.
    """
    t, j = _times_and_jobs(times_min, jobs)
    thr = _array(thresholds, "thresholds", nonneg=True)
    out = np.empty((t.shape[0], thr.shape[0]))
    for k, limit in enumerate(thr):
        # NaN <= limit is False, so unreachable destinations drop out without a special case
        out[:, k] = matvec((t <= limit).astype(np.float64), j)
    return out


def gravity_accessibility(
    times_min: ArrayLike,
    jobs: ArrayLike,
    *,
    beta: float = 0.05,
    form: DecayForm | str = DecayForm.EXPONENTIAL,
    cutoff_min: float = 40.0,
    sd_min: float = 12.0,
) -> NDArray[np.float64]:
    """Gravity-type accessibility: jobs weighted by a decreasing function of travel time.

    ``A_i = sum_j jobs_j f(t_ij)`` with ``f(t) = exp(-beta t)`` (``form="exponential"``),
    ``f(t) = max(t, 1) ** -beta`` (``form="power"``; times under one minute count as one so an
    intrazonal zero time does not get infinite weight) or the logistic
    ``f(t) = 1 / (1 + exp(pi (t - cutoff_min) / (sd_min sqrt 3)))`` (``form="logistic"``: 1/2
    at the cutoff, the steepness of a logistic distribution of standard deviation ``sd_min``;
    the form of Ipea's ``accessibility`` package). Unreachable destinations get ``f = 0``.

    Parameters
    ----------
    times_min
        Travel times in minutes, shape ``(n_origins, n_dest)``; NaN or ``inf`` = unreachable.
    jobs
        Jobs at each destination, shape ``(n_dest,)``.
    beta
        Decay parameter, per minute for the exponential form (0.05 halves the weight every
        ~14 minutes). ``beta=0`` counts every reachable job.
    form
        ``"exponential"``, ``"power"`` or ``"logistic"`` (see :class:`DecayForm`).
    cutoff_min, sd_min
        Inflection point and standard deviation of the logistic form, minutes.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins,)``.
    """
    t, j = _times_and_jobs(times_min, jobs)
    if not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f"`beta` must be a finite non-negative number, got {beta}")
    try:
        decay = DecayForm(form)
    except ValueError:
        allowed = ", ".join(repr(f.value) for f in DecayForm)
        raise ValueError(f"`form` must be one of {allowed}, got {form!r}") from None
    reachable = np.isfinite(t)
    safe = np.where(reachable, t, 0.0)
    if decay is DecayForm.EXPONENTIAL:
        weight = np.exp(-beta * safe)
    elif decay is DecayForm.POWER:
        weight = np.maximum(safe, 1.0) ** -beta
    else:
        if not (cutoff_min > 0 and sd_min > 0):
            raise ValueError(f"`cutoff_min` and `sd_min` must be > 0, got {cutoff_min}, {sd_min}")
        z = np.clip(math.pi * (safe - cutoff_min) / (sd_min * math.sqrt(3.0)), -700.0, 700.0)
        weight = 1.0 / (1.0 + np.exp(z))
    return matvec(np.where(reachable, weight, 0.0), j)
