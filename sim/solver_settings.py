"""The equilibrium solver's numerical settings (not behaviour), each with what chose it.

They were chosen on the Porto Alegre baseline; ``experiments/bench_equilibrium.py`` records the
settings it ran with. :mod:`sim.equilibrium` uses them.
"""

from __future__ import annotations

# Blocks, chosen on the Porto Alegre baseline (one solve each, load 2-4): gap after 16
# iterations 2.9e-3 with 16 interleaved blocks and the full curvature, 1.7e-3 with a quarter of it, 2.75e-3 with a quarter and the contiguous blocks kept
# here (a block step then touches only its own rows), against 4.5e-3 to 6.7e-3 for Jacobi
# steps (before the curvature's symmetric difference, :data:`CURVATURE`). With it, 32 blocks
# (one chunk of destinations each) reach 1.7e-3 after 16 iterations where 16 blocks reach
# 2.6e-3, at about the same 9 s an iteration (load 2-3); after 24 both are near 1e-3.
#: Blocks of destinations a sweep moves one after another (1: every trip at once, Jacobi), at
#: most (and at most ``sim.assign.N_CHUNKS``, the chunks a block is made of); a block holds at
#: least :data:`BLOCK_TRIPS` trips, since each block's step updates every link's cost, which
#: outweighs the gain on a small problem.
BLOCKS = 32
BLOCK_TRIPS = 3000


def default_blocks(n_trips: int) -> int:
    """Blocks of a sweep for ``n_trips`` trips: one per :data:`BLOCK_TRIPS`, 1 to :data:`BLOCKS`."""
    return int(min(BLOCKS, max(1, n_trips // BLOCK_TRIPS)))


#: Share of a comparison's iterations its scenarios run from the baseline's point
#: (:mod:`sim.warm`): the baseline hands its point over after the rest, so a scenario takes as
#: many iterations from it as the baseline took to reach it (:func:`hand_over_at`). On Porto
#: Alegre (20,000 households, 24 iterations, handed over at 12) the cable's runs of seeds 44
#: and 45 end at gaps of 9.9e-5 and 9.7e-5 from 12 iterations, where 4 left them at 2-4e-4
#: even from baselines at 1e-4 (32 iterations, five seeds); the households more
#: than 5 km from the cable then change by -0.006 and -0.015 min a trip (-0.010 and -0.034
#: from 4 iterations of a 16-iteration baseline), their user benefit proxies by 93 and 139
#: (75 and 174). Handed over after 16 of 32, the cable's runs of seeds 42 and 43 fell to 1e-4
#: and rose again to 2.1-2.3e-4, so a comparison stops at 24. Those runs kept at most 16 columns a
#: group, so from the 16th iteration on many groups turned their new trees away
#: (:func:`sim.columns.room_for`): a likely cause, not retested.
#: With room for every tree, a hand-over after 16 of 24 (scenarios taking 8, seeds 42-46) took
#: 1,930 s where 12 took 2,122 s, but the cable's runs ended at 7.7e-5 to 1.0e-4 (5.2e-5 to
#: 7.3e-5), two of the road's above the tolerance, and the cable's yearly user benefit had a
#: seed standard deviation of 53% of its mean (37%): not kept.
WARM_SHARE = 0.5


def hand_over_at(max_iterations: int) -> int:
    """The iteration after which a baseline of ``max_iterations`` hands its point over:
    :data:`WARM_SHARE` of them are left for its scenarios."""
    return max(0, max_iterations - round(max_iterations * WARM_SHARE))


#: Share of the point's route flow that must carry over onto the scenario's columns for the
#: scenario to count the point's iterations as its own.
WARM_MIN_SHARE = 0.99

#: Sweeps an iteration, alternating mode and route moves with route moves alone. Growing the
#: trees costs about as much as two sweeps, so more sweeps on the same columns pay. On the
#: Porto Alegre baseline (20,000 households, seed 42, one solve each, load 1.2-1.7), the gap
#: and seconds after 16 iterations: 2 sweeps 2.4e-3 in 131 s; 4 sweeps 1.25e-3 in 176 s (1.4e-3
#: at 124 s, where 2 sweeps are at 2.0e-3); 6 sweeps 9.8e-4 in 241 s; 8 sweeps 9.5e-4 after 13
#: in 228 s. Per second 4 and 6 are alike and 8 slower; 4 keeps a run's time near what it was.
SWEEPS = 4
#: Share of the link-wide curvature (slope x link flow, over the links one path uses and the
#: other does not) the Newton scaling counts: trips on a link move in different directions (and
#: a block moves only its own), so the link's cost rises less than if every trip on it moved
#: the same share. On the Porto Alegre baseline (20,000 households, 116,612 trips, one solve
#: each, load 3-4) the gap after 16 / 24 iterations was 2.6e-3 / 9.7e-4 with a quarter,
#: 2.4e-3 / 9.3e-4 with a half and 2.4e-3 / 1.5e-3 with the whole. On the mini city a half
#: leaves the columns' gap at 5e-7 after 60 iterations where a quarter reaches 1e-8, so a
#: quarter it is. (When the curvature summed the whole paths, a quarter gave 3.4e-3 / 1.6e-3
#: on Porto Alegre, and 9.7e-4 only after 30 iterations.)
CURVATURE = 0.25

#: Flow (per hour) below which a link's flow-weighted slope counts this much flow instead.
SLOPE_FLOOR = 20.0

#: Road sweeps an iteration before the block sweeps (:meth:`sim.columns.Columns.shift_roads`):
#: each trip's car flow moves between its columns by its own Newton step, trip by trip, the
#: road times updated as it moves. On the Porto Alegre baseline (20,000 households, seed 42,
#: four block sweeps, two solves side by side, load 2-3), the columns' gap after 10 / 16 / 20
#: iterations: none 2.6e-3 / 9.5e-4 / 5.9e-4 (the road part 1.9e-3 / 7.7e-4 / 4.6e-4); two
#: 1.1e-3 / 2.2e-4 / 1.2e-4 (the road part 6.0e-4 / 8.5e-5 / 4.3e-5); the road sweeps took
#: 12% of that run's time. Two block sweeps with four road sweeps reach 1.4e-3 / 3.3e-4 /
#: 1.8e-4: the transit part then lags.
ROAD_SWEEPS = 2
