"""Draws that keep the sample's totals: stratified and systematic sampling.

The synthetic population is a sample: 20,000 households stand for a city's half million. Drawn
independently, each zone's count of homes, each home zone's count of trips to each destination
and each zone's count of cars wander by their binomial spread from one seed to the next, and
the congestion they load moves every scenario's result with them. A scenario difference then
follows the seed rather than the scenario (measured on Porto Alegre: the cable's yearly user
benefit had a seed standard deviation of 21% of its mean, and doubling the households did not
halve its variance).

Survey sampling has the standard cure (Cochran, *Sampling Techniques*, 3rd ed., 1977, ch. 5
and 8): draw within strata, and draw inclusions systematically. Every unit keeps exactly the
probability an independent draw would give it, so no expectation changes; only the spread of
the totals shrinks, to at most one unit a stratum. Population synthesis uses the same idea to
turn weights into whole households (Lovelace & Ballas, "Truncate, replicate, sample",
*Computers, Environment and Urban Systems* 41, 2013).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri


def stratified_uniforms(
    groups: NDArray[np.integer], rng: np.random.Generator
) -> NDArray[np.float64]:
    """One uniform draw a unit. Inside each group (units with equal ``groups``) of ``n`` units,
    the draws are ``(k + s) / n`` for ``k = 0..n-1`` in random order, with one random start
    ``s`` a group: every draw is still uniform on [0, 1), but the group's draws cover the
    interval evenly, so any interval of length ``p`` holds ``n p`` of them rounded up or down."""
    groups = np.asarray(groups)
    n = groups.shape[0]
    order = _shuffled(groups, rng)
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, n])
    first = np.repeat(starts, sizes)
    u = np.empty(n)
    start = np.repeat(rng.random(starts.shape[0]), sizes)
    u[order] = (np.arange(n) - first + start) / np.repeat(sizes, sizes)
    return u


def stratified_normals(
    groups: NDArray[np.integer], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Standard normal draws from :func:`stratified_uniforms` (by the inverse normal CDF)."""
    u = np.clip(stratified_uniforms(groups, rng), 1e-12, 1.0 - 1e-12)
    return ndtri(u)


def systematic(p: NDArray[np.float64], groups: NDArray[np.integer],
               rng: np.random.Generator) -> NDArray[np.bool_]:  # fmt: skip
    """Bernoulli draws with probabilities ``p`` by systematic sampling: units in random order
    inside ``groups`` (sorted by group), one random start. Each unit is drawn with probability
    exactly ``p``, and the number drawn in any run of consecutive units (a group among them)
    is its sum of ``p`` up to one either side."""
    p = np.clip(np.asarray(p, float), 0.0, 1.0)
    n = p.shape[0]
    if n == 0:
        return np.zeros(0, bool)
    order = _shuffled(np.asarray(groups), rng)
    q = p[order]
    cum = np.cumsum(q) + rng.random()
    hit = (
        np.diff(np.floor(np.r_[cum[0] - q[0], cum])) > 0
    )  # a unit is hit where it crosses an integer
    out = np.empty(n, bool)
    out[order] = hit
    return out


def _shuffled(groups: NDArray[np.integer], rng: np.random.Generator) -> NDArray[np.intp]:
    """Indices that sort ``groups``, in random order inside each group."""
    return np.lexsort((rng.permutation(groups.shape[0]), groups))
