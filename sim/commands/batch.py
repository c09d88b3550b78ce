"""``ladera batch``: run an experiment, scenarios x parameter points x seeds."""

from __future__ import annotations

import argparse

from sim.batch import run_batch


def batch(args: argparse.Namespace) -> int:
    """``ladera batch``: run the experiment (``--dashboard none`` for no Dask dashboard)."""
    dashboard = None if args.dashboard.lower() in ("none", "off", "") else args.dashboard
    run_batch(args.experiment, workers=args.workers, scheduler=args.scheduler,
              resume=args.resume, results=args.results, dashboard=dashboard,
              seeds=args.seeds, households=args.households, days=args.days)  # fmt: skip
    return 0
