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


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_skims(net) -> dict:
    matrix, graph = walk_graph(net)
    matrix.sort_indices()
    rng = np.random.default_rng(0)
    sources = np.sort(rng.choice(matrix.shape[0], 200, replace=False))
    out = {"graph": "Porto Alegre walk layer (Morton-ordered nodes)", "nodes": int(matrix.shape[0]),
           "edges": int(matrix.nnz), "sources": int(sources.size),
           "threads": numba.get_num_threads()}  # fmt: skip
    indptr, indices, weight = matrix.indptr.astype(np.int64), matrix.indices, matrix.data
    for label, cutoff in (("no_cutoff", np.inf), ("cutoff_1800s", 1800.0)):
        shortest_times(indptr, indices, weight, sources[:2], cutoff=cutoff)  # JIT warm-up
        t_numba = best_of(lambda c=cutoff: shortest_times(indptr, indices, weight, sources,
                                                          cutoff=c))  # fmt: skip
        t_scipy = best_of(lambda c=cutoff: dijkstra(matrix, indices=sources, limit=c))
        few = sources[:10]
        start = time.perf_counter()
        for s in few:
            nx.single_source_dijkstra_path_length(graph, int(s), cutoff=None if np.isinf(cutoff)
                                                  else cutoff)  # fmt: skip
        t_nx = (time.perf_counter() - start) * sources.size / few.size
        ours = shortest_times(indptr, indices, weight, sources, cutoff=cutoff)
        ref = dijkstra(matrix, indices=sources, limit=cutoff)
        assert np.allclose(ours, ref), "numba and scipy disagree"
        out[label] = {"numba_s": t_numba, "scipy_s": t_scipy, "networkx_s_scaled": t_nx,
                      "speedup_vs_scipy": t_scipy / t_numba,
                      "speedup_vs_networkx": t_nx / t_numba}  # fmt: skip
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
    result["floors"] = {
        "skims_2x_scipy": result["skims"]["cutoff_1800s"]["speedup_vs_scipy"] >= 2
        and result["skims"]["no_cutoff"]["speedup_vs_scipy"] >= 2,
        "skims_50x_networkx": result["skims"]["no_cutoff"]["speedup_vs_networkx"] >= 50,
        "day_100k_under_2s": days["100000"]["day_s_median"] < 2.0,
        "sublinear_in_households": days["300000"]["time_ratio_vs_10k"] < 30,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["floors"], indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
