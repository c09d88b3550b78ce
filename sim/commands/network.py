"""``ladera network info`` and ``ladera network fetch``: a city's street network."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def info(args: argparse.Namespace) -> int:
    from sim.city import load_city
    from sim.network.cache import cache_state, entry_path, load_network, street_source

    city = load_city(args.city)
    state = cache_state(city)
    start = time.perf_counter()
    net = load_network(city, rebuild=args.rebuild)
    seconds = time.perf_counter() - start
    summary = net.summary()
    summary.update(
        city=city.name,
        title=city.title,
        cache=f"{net.meta.get('cache', state)} ({entry_path(city)})",
        streets=street_source(city).label,
        load_seconds=round(seconds, 3),
        transit_report=net.meta.get("transit_report", {}),
    )
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{city.title}  [{city.name}]")
    print(f"  nodes      {_fmt_counts(summary['nodes'])}")
    print(f"  edges      {_fmt_counts(summary['edges'])}")
    bbox: list[float] = net.summary()["bbox"]  # type: ignore[assignment]
    x0, y0, x1, y1 = bbox
    print(f"  bbox       lon {x0:.4f} .. {x1:.4f}, lat {y0:.4f} .. {y1:.4f}")
    print(f"  lines      {_fmt_counts(summary['lines_by_mode'])} (one per direction)")
    print(f"  stations   {summary['stations']} named stops")
    print(f"  streets    {summary['streets']}")
    print(f"  cache      {summary['cache']}")
    print(f"  loaded in  {seconds:.2f} s")
    print(f"  data       {city.attribution}")
    return 0


def _fmt_counts(counts: object) -> str:
    assert isinstance(counts, dict)
    return ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)


def fetch(args: argparse.Namespace) -> int:
    from sim.city import load_city
    from sim.network.cache import cache_dir
    from sim.network.osm import fetch_streets

    city = load_city(args.name)
    if city.streets.fetch_boundary is None:
        print(f"{city.name} ships its streets ({city.streets.osm}); nothing to fetch")
        return 0
    out = cache_dir() / "cities" / city.name / city.streets.fetched_name
    fetch_streets(city.path(city.streets.fetch_boundary), Path(out))
    print(f"saved {out}; `ladera network info --city {city.name}` builds the network from it")
    return 0
