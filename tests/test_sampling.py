"""Stratified and systematic draws: every unit keeps its own probability, and totals keep
their expectation up to one unit (against closed forms and Monte Carlo frequencies)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.sampling import stratified_normals, stratified_uniforms, systematic


def test_stratified_uniforms_hit_each_quantile_in_expected_numbers() -> None:
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 40, 20_000)
    u = stratified_uniforms(groups, rng)
    assert u.min() >= 0.0 and u.max() < 1.0
    for q in (0.05, 0.3, 0.77):
        for g in range(40):
            mine = groups == g
            expected = mine.sum() * q
            assert np.floor(expected) <= np.sum(u[mine] < q) <= np.ceil(expected)


def test_stratified_uniforms_leave_each_unit_uniform() -> None:
    """Unit by unit, over many draws, the frequency of ``u < q`` is ``q``."""
    rng = np.random.default_rng(5)
    groups = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2])
    reps = 20_000
    below = np.zeros(groups.shape[0])
    for _ in range(reps):
        below += stratified_uniforms(groups, rng) < 0.37
    se = np.sqrt(0.37 * 0.63 / reps)
    assert np.abs(below / reps - 0.37).max() < 4.5 * se


def test_stratified_normals_are_standard_normal() -> None:
    rng = np.random.default_rng(8)
    z = stratified_normals(rng.integers(0, 10, 50_000), rng)
    assert abs(z.mean()) < 1e-3 and abs(z.std() - 1.0) < 5e-3
    assert np.isfinite(z).all()


def test_systematic_keeps_each_probability_and_each_total() -> None:
    rng = np.random.default_rng(11)
    p = rng.random(400) * 0.6
    p[:20] = 0.0  # never drawn
    p[20:30] = 1.0  # always drawn
    groups = rng.integers(0, 7, 400)
    reps = 6_000
    hits = np.zeros(400)
    for _ in range(reps):
        drawn = systematic(p, groups, rng)
        hits += drawn
        for g in range(7):
            mine = groups == g
            assert abs(drawn[mine].sum() - p[mine].sum()) < 1.0 + 1e-9
        assert abs(drawn.sum() - p.sum()) < 1.0 + 1e-9
    assert hits[:20].sum() == 0 and (hits[20:30] == reps).all()
    se = np.sqrt(p * (1 - p) / reps) + 1e-12
    assert np.abs(hits / reps - p).max() < 0.03
    assert np.mean(np.abs(hits / reps - p) / se > 3.5) < 0.01


def test_independent_draws_would_fail_the_total_check() -> None:
    """The totals test above can fail: independent Bernoulli draws miss by more than one."""
    rng = np.random.default_rng(2)
    p = np.full(4_000, 0.4)
    misses = [abs((rng.random(4_000) < p).sum() - p.sum()) for _ in range(50)]
    assert max(misses) > 1.0
    assert all(abs(systematic(p, np.zeros(4_000, int), rng).sum() - p.sum()) < 1.0 + 1e-9
               for _ in range(50))  # fmt: skip


def test_empty_input() -> None:
    rng = np.random.default_rng(0)
    assert systematic(np.zeros(0), np.zeros(0, int), rng).shape == (0,)
    assert stratified_uniforms(np.zeros(0, int), rng).shape == (0,)


@pytest.mark.parametrize("n", [997, 5_000])
def test_home_zones_take_their_expected_counts(n: int, mini_city, mini_network) -> None:  # noqa: ANN001
    """Synthesised homes: each zone holds its share of the households up to one either side."""
    from sim.population import synthesise
    from sim.zones import load_zones

    zones = load_zones(mini_city)
    hh = synthesise(mini_city, zones, mini_network, n, np.random.default_rng(4))
    expected = n * zones.population / zones.population.sum()
    counts = np.bincount(hh.home_zone, minlength=zones.n)
    assert np.abs(counts - expected).max() < 1.0 + 1e-9
    assert np.all(counts[zones.population == 0] == 0)


def test_spread_pick_keeps_weights_and_spreads_over_the_area() -> None:
    """Homes inside a zone: each node drawn in proportion to its weight, and every quadrant of
    a uniform grid holds a quarter of the homes up to one (independent draws miss by more)."""
    from sim.placement import spread_pick, z_order

    assert z_order(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0, 1.0])).tolist() == [
        0, 0x55555555, 0xAAAAAAAA, 0xFFFFFFFF]  # fmt: skip
    rng = np.random.default_rng(9)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    counts = np.zeros(4)
    for _ in range(20_000):
        counts += np.bincount(spread_pick(w, np.array([0.0, 1, 0, 1]), np.array([0.0, 0, 1, 1]),
                                          3, rng), minlength=4)  # fmt: skip
    assert np.abs(counts / counts.sum() - w / w.sum()).max() < 0.01
    gx, gy = np.meshgrid(np.arange(32.0), np.arange(32.0))
    x, y = gx.ravel(), gy.ravel()
    quadrant = (x >= 16).astype(int) * 2 + (y >= 16)
    for _ in range(20):
        pick = spread_pick(np.ones(x.size), x, y, 100, rng)
        assert np.abs(np.bincount(quadrant[pick], minlength=4) - 25).max() <= 1
    iid = [np.abs(np.bincount(quadrant[rng.integers(0, x.size, 100)], minlength=4) - 25).max()
           for _ in range(20)]  # fmt: skip
    assert max(iid) > 1
