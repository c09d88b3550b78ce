"""``ladera skim``: door-to-door minutes by each mode between two points at the solved peak."""

from __future__ import annotations

import argparse

from sim.commands.common import solved


def skim(args: argparse.Namespace) -> int:
    import json

    from sim.skim import Point, point_skim

    origin, to = Point.parse(args.origin, "--from"), Point.parse(args.to, "--to")
    _, model, _ = solved(args)
    res = point_skim(model, origin, to)
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    for mode in ("walk", "transit", "car", "motorbike"):
        r = res[mode]
        if r["minutes"] is None:
            print(f"{mode:10s} no path")
            continue
        extra = ""
        if mode == "transit":
            extra = (f" (walk {r['walk']}, wait {r['wait']}, in vehicle {r['in_vehicle']}; "
                     f"{r['boardings']} boardings, {r['main_vehicle']})")  # fmt: skip
        print(f"{mode:10s} {r['minutes']:7.1f} min  money {r['money']:.2f}{extra}")
    return 0
