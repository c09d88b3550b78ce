"""Benchmark of the simulated day on the bundled city -> results/bench/day.json.

(a) skims: numba (all threads) vs scipy.sparse.csgraph.dijkstra vs networkx, on the same
    graph (Porto Alegre's walk layer), the same 200 sources and the same cutoff;
(b) one full simulated day at 10k, 100k and 300k households (median of timed days after a
    warm-up day), and how time grows with households;
(c) peak memory (process maximum resident set size).

Speed is reported as ratios measured in this one process. Run: python experiments/bench_day.py
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
import numba
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.city import load_city
from sim.model import CommuteModel
from sim.network.arrays import Layer, NodeKind
from sim.network.blocks import morton_order
from sim.network.cache import load_network
from sim.routing import shortest_times

OUT = Path(__file__).resolve().parents[1] / "results" / "bench" / "day.json"
SIZES = (10_000, 100_000, 300_000)
TIMED_DAYS = 3
N_SOURCES = 200
NX_SOURCES = 20  # networkx is timed on these many of the sources each round, then scaled
ROUNDS = 7
CUTOFFS = {"no_cutoff": np.inf, "cutoff_1800s": 1800.0}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def walk_graph(net):
    """The walk layer as a compact CSR graph for all three libraries, nodes numbered in the
    Morton order Ladera's day kernel uses (better memory locality for every library)."""
    edges = np.flatnonzero(net.layer == Layer.WALK)
    nodes = net.nodes_of(NodeKind.WALK)
    nodes = nodes[morton_order(net.x[nodes], net.y[nodes])]
    local = np.full(net.n_nodes, -1)
    local[nodes] = np.arange(nodes.size)
    tail, head, w = local[net.tail[edges]], local[net.indices[edges]], net.time_s[edges]
    # the cheapest of parallel edges, so every library sees the same graph
    best: dict[tuple[int, int], float] = {}
    for u, v, t in zip(tail.tolist(), head.tolist(), w.tolist(), strict=True):
        if t < best.get((u, v), np.inf):
            best[(u, v)] = t
    keys = np.array(list(best), np.int64)
    weights = np.array(list(best.values()))
    matrix = csr_matrix((weights, (keys[:, 0], keys[:, 1])), shape=(nodes.size, nodes.size))
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip(keys[:, 0].tolist(), keys[:, 1].tolist(), weights.tolist(),
                                      strict=True))  # fmt: skip
    return matrix, graph


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_skims(net) -> dict:
    """Numba, scipy and networkx on the same graph, sources and cutoff.

    The three are timed in interleaved rounds (so a burst of outside load hits all of them), and
    ratios are taken between medians over rounds. networkx runs NX_SOURCES of the sources per
    round, scaled to all of them (``networkx_s``).
    """
    matrix, graph = walk_graph(net)
    matrix.sort_indices()
    rng = np.random.default_rng(0)
    sources = np.sort(rng.choice(matrix.shape[0], N_SOURCES, replace=False))
    few = sources[:: N_SOURCES // NX_SOURCES]
    out = {"graph": "Porto Alegre walk layer (Morton-ordered nodes)", "nodes": int(matrix.shape[0]),
           "edges": int(matrix.nnz), "sources": int(sources.size),
           "networkx_sources_per_round": int(few.size), "rounds": ROUNDS,
           "threads": numba.get_num_threads()}  # fmt: skip
    indptr, indices, weight = matrix.indptr.astype(np.int64), matrix.indices, matrix.data
    for label, cutoff in CUTOFFS.items():
        nx_cutoff = None if np.isinf(cutoff) else cutoff
        ours = shortest_times(indptr, indices, weight, sources, cutoff=cutoff)  # JIT warm-up
        assert np.allclose(ours, dijkstra(matrix, indices=sources, limit=cutoff)), "numba != scipy"
        runs = {
            "numba_s": lambda c=cutoff: shortest_times(indptr, indices, weight, sources, cutoff=c),
            "scipy_s": lambda c=cutoff: dijkstra(matrix, indices=sources, limit=c),
            "networkx_s": lambda c=nx_cutoff: [
                nx.single_source_dijkstra_path_length(graph, int(s), cutoff=c) for s in few
            ],
        }
        rounds: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(ROUNDS):
            for name, fn in runs.items():
                rounds[name].append(_seconds(fn))
        rounds["networkx_s"] = [t * sources.size / few.size for t in rounds["networkx_s"]]
        med = {k: statistics.median(v) for k, v in rounds.items()}
        out[label] = {**med, "all_rounds": rounds,
                      "speedup_vs_scipy": med["scipy_s"] / med["numba_s"],
                      "speedup_vs_networkx": med["networkx_s"] / med["numba_s"]}  # fmt: skip
        print(f"skims {label}: {out[label]['speedup_vs_scipy']:.2f}x scipy, "
              f"{out[label]['speedup_vs_networkx']:.0f}x networkx", file=sys.stderr)  # fmt: skip
    return out


def bench_days(city, net) -> dict:
    rows = {}
    for n in SIZES:
        start = time.perf_counter()
        model = CommuteModel(city, households=n, seed=1, network=net, agents=False)
        setup = time.perf_counter() - start
        model.step()  # warm-up: JIT, static walk trees
        times = []
        for _ in range(TIMED_DAYS):
            start = time.perf_counter()
            model.step()
            times.append(time.perf_counter() - start)
        rows[str(n)] = {"setup_s": setup, "day_s_median": statistics.median(times),
                        "day_s_all": times, "destinations": model.dest.n,
                        "peak_rss_mb_so_far": peak_rss_mb()}  # fmt: skip
        print(f"{n:>7,} households: day {statistics.median(times):.3f} s (setup {setup:.1f} s)",
              file=sys.stderr)  # fmt: skip
        del model
    base = rows[str(SIZES[0])]["day_s_median"]
    for n in SIZES:
        r = rows[str(n)]
        r["time_ratio_vs_10k"] = r["day_s_median"] / base
        r["household_ratio_vs_10k"] = n / SIZES[0]
    return rows


def main() -> None:
    city = load_city("porto_alegre")
    start = time.perf_counter()
    net = load_network(city)
    result = {
        "machine": {"cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(),
                    "python": platform.python_version(), "load_avg": os.getloadavg()},
        "network_load_s": time.perf_counter() - start,
        "skims": bench_skims(net),
        "days": bench_days(city, net),
        "peak_rss_mb": peak_rss_mb(),
    }  # fmt: skip
    days = result["days"]
    skims = result["skims"]
    result["floors"] = {
        "skims_2x_scipy": all(skims[c]["speedup_vs_scipy"] >= 2 for c in CUTOFFS),
        "skims_50x_networkx": all(skims[c]["speedup_vs_networkx"] >= 50 for c in CUTOFFS),
        "day_100k_under_2s": days["100000"]["day_s_median"] < 2.0,
        "sublinear_in_households": days["300000"]["time_ratio_vs_10k"] < 30,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["floors"], indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
