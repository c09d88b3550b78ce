"""Summaries of independent replications (seeds): the mean and its Student-t interval."""

from __future__ import annotations

import math

from numpy.typing import ArrayLike
from scipy import stats

from sim.metrics.checks import _array

__all__ = ["confidence_interval"]


def confidence_interval(samples: ArrayLike, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent replications.

    Parameters
    ----------
    samples
        One finite value per replication (e.g. per seed), shape ``(n,)``.
    level
        Confidence level in ``(0, 1)``.

    Returns
    -------
    mean, lo, hi : float
        ``mean -/+ t_{(1+level)/2, n-1} * s / sqrt(n)`` with ``s`` the sample standard
        deviation (``ddof=1``). With one sample the interval is unknown: ``(x, nan, nan)``.
    """
    x = _array(samples, "samples")
    if not (0 < level < 1):
        raise ValueError(f"`level` must be in (0, 1), got {level}")
    mean = float(x.mean())
    n = x.shape[0]
    if n == 1:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half
