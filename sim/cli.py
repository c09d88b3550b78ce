"""The ``ladera`` command line (also ``python -m sim``).

Every error a user can cause prints one line and exits with code 2; the sub-commands import
their heavy modules lazily so ``ladera --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.errors import LaderaError

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ladera",
        description="Ladera: compare transport investments by who gains, on real city networks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    net = sub.add_parser("network", help="build, inspect or fetch a city's street network")
    net_sub = net.add_subparsers(dest="network_command", required=True)
    info = net_sub.add_parser("info", help="node/edge counts, bbox, lines and cache state")
    info.add_argument("--city", default="porto_alegre", help="bundled city (default: %(default)s)")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.add_argument("--rebuild", action="store_true", help="ignore the cache and rebuild")
    fetch = net_sub.add_parser("fetch", help="download a city's streets with osmnx (internet)")
    fetch.add_argument("name", help="a bundled city with a fetch boundary (e.g. medellin)")

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    key = args.command if args.command != "network" else f"network {args.network_command}"
    try:
        return _COMMANDS[key](args)
    except LaderaError as exc:
        print(f"ladera: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ladera: interrupted", file=sys.stderr)
        return 130


@command("network info")
def _network_info(args: argparse.Namespace) -> int:
    from sim.city import load_city
    from sim.network.cache import cache_state, entry_path, load_network

    city = load_city(args.city)
    state = cache_state(city)
    start = time.perf_counter()
    net = load_network(city, use_cache=not args.rebuild)
    seconds = time.perf_counter() - start
    summary = net.summary()
    summary.update(
        city=city.name,
        title=city.title,
        cache=f"{state} ({entry_path(city)})",
        load_seconds=round(seconds, 3),
        transit_report=net.meta.get("transit_report", {}),
    )
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{city.title}  [{city.name}]")
    print(f"  nodes      {_fmt_counts(summary['nodes'])}")
    print(f"  edges      {_fmt_counts(summary['edges'])}")
    x0, y0, x1, y1 = summary["bbox"]
    print(f"  bbox       lon {x0:.4f} .. {x1:.4f}, lat {y0:.4f} .. {y1:.4f}")
    print(f"  lines      {_fmt_counts(summary['lines_by_mode'])} (one per direction)")
    print(f"  stations   {summary['stations']} named stops")
    print(f"  cache      {summary['cache']}")
    print(f"  loaded in  {seconds:.2f} s")
    print(f"  data       {city.attribution}")
    return 0


def _fmt_counts(counts: object) -> str:
    assert isinstance(counts, dict)
    return ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)


@command("network fetch")
def _network_fetch(args: argparse.Namespace) -> int:
    from sim.city import load_city
    from sim.network.cache import cache_dir
    from sim.network.load import fetch_streets

    city = load_city(args.name)
    if city.streets.fetch_boundary is None:
        print(f"{city.name} ships its streets ({city.streets.osm}); nothing to fetch")
        return 0
    out = cache_dir() / "cities" / city.name / city.streets.fetched_name
    fetch_streets(city.path(city.streets.fetch_boundary), Path(out))
    print(f"saved {out}; `ladera network info --city {city.name}` builds the network from it")
    return 0
