"""Inequality of a distribution: Gini, Lorenz curve, Palma ratio and the poorest-to-richest
class ratio. ``weights`` are population counts: a weight of 3 means exactly the same as
repeating the value three times; an all-zero distribution is read as perfect equality.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.metrics.checks import _as_class_series, _distribution

__all__ = ["gini", "lorenz", "palma", "quantile_ratio"]


def _concentration_curve(
    order_key: NDArray, x: NDArray[np.float64], w: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative population and value shares, ranking by ``order_key``, starting at (0, 0)."""
    order = np.argsort(order_key, kind="stable")
    w_sorted = w[order]
    mass = w_sorted * x[order]
    pop = np.concatenate(([0.0], np.cumsum(w_sorted)))
    val = np.concatenate(([0.0], np.cumsum(mass)))
    pop /= pop[-1]
    # all-zero values: no share is defined; call it perfect equality, like gini() does
    val = val / val[-1] if val[-1] > 0 else pop.copy()
    return pop, val


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini coefficient of a non-negative distribution, optionally population-weighted.

    ``G = sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean)``: the mean absolute difference over all
    ordered pairs (self-pairs included) divided by twice the mean. With equal weights this is
    the textbook population Gini (no ``n / (n - 1)`` correction), so ``[1, 2, 3, 4]`` gives 0.25
    and ``[0, 0, 0, 1]`` gives 0.75; integer weights give exactly the Gini of the replicated data.

    Parameters
    ----------
    values
        Non-negative finite values, shape ``(n,)``.
    weights
        Non-negative population weights, shape ``(n,)``; ``None`` for equal weights.

    Returns
    -------
    float
        In ``[0, 1)``; 0 when every value is equal, including all zero.
    """
    x, w = _distribution(values, weights)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total_w = w.sum()
    total_xw = (w * x).sum()
    if total_xw == 0:
        return 0.0
    cum_w = np.cumsum(w)
    # for sorted x: sum_j w_j |x_i - x_j| = x_i (weight below i - weight above i) + ..., which
    # sums over i to sum_i w_i x_i (2 C_i - w_i - W); O(n log n) instead of O(n^2)
    g = (w * x * (2.0 * cum_w - w - total_w)).sum() / (total_w * total_xw)
    return float(min(max(g, 0.0), 1.0))


def lorenz(
    values: ArrayLike, weights: ArrayLike | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lorenz curve: cumulative population share against cumulative value share.

    Parameters
    ----------
    values
        Non-negative finite values, shape ``(n,)``.
    weights
        Non-negative population weights, shape ``(n,)``; ``None`` for equal weights.

    Returns
    -------
    cum_pop_share, cum_value_share : numpy.ndarray
        Both of shape ``(n + 1,)``, starting at 0 and ending at 1, ranked from the smallest
        value up. The curve is convex and lies on or below the diagonal. If every value is zero
        the curve is the diagonal (perfect equality).
    """
    x, w = _distribution(values, weights)
    return _concentration_curve(x, x, w)


def palma(
    values: ArrayLike, weights: ArrayLike | None = None, groups: ArrayLike | None = None
) -> float:
    """Palma ratio: value share of the top 10% divided by the value share of the bottom 40%.

    The shares are read off the piecewise-linear Lorenz curve, so a person (or group) that
    straddles the 40% or 90% cut is split proportionally: the result is exact whenever the
    population can be split at the cuts (e.g. ten equal-weight people), and weights behave as
    replication. An equal distribution gives ``0.1 / 0.4 = 0.25``.

    Parameters
    ----------
    values
        Non-negative finite values, shape ``(n,)`` (e.g. jobs reachable per household).
    weights
        Non-negative population weights, shape ``(n,)``; ``None`` for equal weights.
    groups
        Optional ordinal labels, shape ``(n,)``, that rank the population instead of the values
        themselves, poorest first in sort order (e.g. estrato 1..6 or income quintile 1..5).
        The "top 10%" and "bottom 40%" are then the richest and poorest people, and a group cut
        by a threshold contributes its share pro rata. This is the Palma ratio of accessibility
        *by income* used in transport equity studies; it can be below 0.25 (or well above) when
        the poor have more (or less) than the rich.

    Returns
    -------
    float
        ``inf`` when the bottom 40% hold nothing but the top 10% hold something; 0.25 when
        every value is zero (read as perfect equality); NaN if, ranked by ``groups``, both the
        bottom 40% and the top 10% hold nothing.
    """
    x, w = _distribution(values, weights)
    if groups is None:
        pop, val = _concentration_curve(x, x, w)
    else:
        labels = np.asarray(groups)
        if labels.shape != x.shape:
            raise ValueError(f"`groups` must have the same shape as `values` {x.shape}")
        # collapse each group to its total so the order of people inside a group is irrelevant
        keys, inverse = np.unique(labels, return_inverse=True)
        w_g = np.bincount(inverse, weights=w, minlength=keys.shape[0]).astype(np.float64)
        mass_g = np.bincount(inverse, weights=w * x, minlength=keys.shape[0]).astype(np.float64)
        mean_g = np.divide(mass_g, w_g, out=np.zeros_like(mass_g), where=w_g > 0)
        pop, val = _concentration_curve(np.arange(keys.shape[0]), mean_g, w_g)
    bottom = float(np.interp(0.4, pop, val))
    top = 1.0 - float(np.interp(0.9, pop, val))
    if bottom <= 0:
        return math.inf if top > 0 else math.nan
    return top / bottom


def quantile_ratio(values_by_class: Mapping | pd.Series | ArrayLike) -> float:
    """Ratio of the poorest class's value to the richest class's value.

    Parameters
    ----------
    values_by_class
        One value per income class, **ordered from poorest to richest** (a Series in index
        order, a mapping in insertion order, or a 1-D array), e.g. the mean accessibility of
        each quintile from :func:`by_class`. At least two classes, non-negative.

    Returns
    -------
    float
        ``first / last``: below 1 when the poorest class has less. ``inf`` if only the richest
        class has zero, NaN if both have zero.
    """
    s = _as_class_series(values_by_class, "values_by_class")
    if s.shape[0] < 2:
        raise ValueError("`values_by_class` must hold at least two classes")
    if (s < 0).any():
        raise ValueError("`values_by_class` must be non-negative")
    poorest, richest = float(s.iloc[0]), float(s.iloc[-1])
    if richest == 0:
        return math.nan if poorest == 0 else math.inf
    return poorest / richest
