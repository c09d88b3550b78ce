"""``ladera batch`` and ``python -m sim.batch``: run (or check) an experiment of many runs."""

from __future__ import annotations

import argparse

from sim.batch import plan_batch, run_batch


def batch(args: argparse.Namespace) -> int:
    """``ladera batch``: run the experiment (``--dashboard none`` for no Dask dashboard)."""
    dashboard = None if args.dashboard.lower() in ("none", "off", "") else args.dashboard
    run_batch(args.experiment, workers=args.workers, scheduler=args.scheduler,
              resume=args.resume, results=args.results, dashboard=dashboard,
              seeds=args.seeds, households=args.households, days=args.days)  # fmt: skip
    return 0


def check_or_run(args: argparse.Namespace) -> int:
    """``python -m sim.batch``: run the experiment, or with ``--check`` print its plan only."""
    if args.check:
        print(plan_batch(args.experiment, results=args.results).describe())
        return 0
    run_batch(args.experiment, workers=args.workers, scheduler=args.scheduler,
              resume=args.resume, results=args.results)  # fmt: skip
    return 0
