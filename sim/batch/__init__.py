"""Experiments at scale: scenarios x parameter points x seeds, on Dask, resumable.

An experiment file describes a batch; ``ladera batch EXPERIMENT.toml`` (or :func:`run_batch`)
runs it on a local cluster of worker processes, on any Dask cluster (``--scheduler``), or
serially in this process (``workers=0``).

Experiment file
---------------
```toml
name = "cable_vs_roads"      # optional, default: the file name; output: results/batch/<name>/
description = "..."
scenarios = ["../scenarios/porto_alegre/baseline.toml",            # relative to this file
             "../scenarios/porto_alegre/cable_morro_da_cruz.toml"]
baseline = "../scenarios/porto_alegre/baseline.toml"  # optional (see Pairing); added if absent
seeds = 10                   # replications of every run (default 10)
seed = 2024                  # the batch seed (default 0)

[overrides]                  # fixed values for every scenario that has the parameter
households = 5000

[grid]                       # full factorial: every combination of the listed values
"choice.vot_factor" = [0.75, 1.0, 1.25]

[lhs]                        # Latin hypercube sample of `points` points over [low, high]
points = 8
[lhs.ranges]
"interventions.Morro da Cruz cable.fare" = [0.0, 6.0]
"interventions.Morro da Cruz cable.cabin_interval_s" = [8.0, 30.0]
```

Parameters are the dotted paths of :func:`sim.scenario.with_overrides` (``choice.<field>``,
``interventions.<intervention name>.<field>``, ``households``, ``days``); nested TOML tables
are read as dotted paths, so ``choice.vot_factor = [...]`` works too. The design is the grid's
combinations crossed with the Latin hypercube's points (either alone when the other is
absent; one point with no parameter when both are). A range with two integer bounds is
sampled as integers. A parameter applies to the scenarios that have it (an intervention
parameter to the scenarios holding that intervention, any other to every scenario); one that
no scenario has is an error, like an unknown scenario file, an empty grid, ``seeds <= 0`` or a
value the scenario refuses. Every such error is one line and comes before any run starts.

Runs, seeds and pairing
-----------------------
A run is (scenario, point, seed index). Runs of a scenario whose parameters coincide (the
design points differ only in parameters it does not have) are run once, under the first such
point's id. The model seed of replication ``k`` is drawn from
``numpy.random.SeedSequence(seed, spawn_key=(k,))``: it depends on the batch seed and ``k``
only, never on worker count or order, and is the same for every scenario and point (common
random numbers: every scenario of replication ``k`` has the same synthetic population, so a
difference between scenarios is the intervention's and not the draw's). The Latin hypercube
draws from the root ``SeedSequence(seed)``.

Each run of a non-baseline scenario at design point ``p`` and replication ``k`` is paired with
the baseline run of replication ``k`` whose parameters are ``p`` restricted to the parameters
the baseline has (a cable fare is not a baseline parameter, a value-of-time scale is): the
change is computed per replication, then its mean and confidence interval across seeds.

Results
-------
``<results>/batch/<name>/``:

- ``runs/<scenario>/<point>-s<k>/`` one directory per run, the layout of ``ladera run``
  (without per-run figures), written atomically by :func:`sim.runner.run_scenario`;
- ``index.jsonl`` one line per finished (or failed) run, appended and flushed as runs finish:
  a batch killed at any moment loses at most the runs in flight, and ``resume=True`` skips
  every run that has its directory (and reruns failed ones). A finished run is never deleted
  or rerun over: a fresh start in a folder that holds finished runs is an error, and so is a
  resume whose plan gives a finished run other settings (start a new batch folder instead);
- ``plan.json``, ``experiment.toml`` the design and the experiment file as run;
- ``runs.parquet`` / ``runs.csv`` one row per run: parameters and headline metrics;
- ``summary.parquet`` / ``summary.csv`` per scenario, point and metric: seeds, mean and 95%
  confidence interval (Student t) of the level and, paired with the baseline, of the change;
- ``accessibility_gain.png`` the change in jobs reachable in 30 min by income class.

Workers
-------
The city network is built once in the client (disk cache, ``LADERA_CACHE_DIR``) and each
worker process reads it from that cache once. Workers that do not share the client's disk
build (and cache) it themselves. Each run uses one numba thread: the batch gets its
parallelism from runs side by side. A run's result does not depend on the worker, its thread
count or the order of runs. A worker process that dies mid-run is replaced and its run
retried by Dask (up to ``distributed.scheduler.allowed-failures`` times); a run that raises is
recorded as failed, the others go on, and ``resume=True`` retries it.

With ``scheduler=`` the batch attaches to any running Dask cluster, e.g. one started on
SLURM or PBS with dask-jobqueue; its workers need Ladera installed, the results folder on a
shared disk, and one thread per worker process (``processes == cores``).

Modules
-------
In the order a batch flows through them: :mod:`~sim.batch.experiment` (the file),
:mod:`~sim.batch.plan` (points, seeds and runs), :mod:`~sim.batch.index` (the folder's index,
plan file and lock), :mod:`~sim.batch.worker` (one run), :mod:`~sim.batch.executors` (serial or
Dask), :mod:`~sim.batch.headline` (the numbers kept per run), :mod:`~sim.batch.summary` (the
tables) and :mod:`~sim.batch.run` (the whole batch). The figure is drawn by
:mod:`sim.report.batch_figures`; ``python -m sim.batch`` is parsed by :mod:`sim.cli`.
"""

from __future__ import annotations

from sim.batch.executors import local_client
from sim.batch.experiment import Experiment, load_experiment
from sim.batch.plan import BatchPlan, RunSpec, design_points, latin_hypercube, plan_batch, run_seed
from sim.batch.run import BatchResult, run_batch
from sim.batch.summary import VOLATILE, summarise_runs
from sim.batch.worker import execute_run
from sim.errors import BatchRunsFailed

__all__ = [
    "VOLATILE",
    "BatchPlan",
    "BatchResult",
    "BatchRunsFailed",
    "Experiment",
    "RunSpec",
    "design_points",
    "execute_run",
    "latin_hypercube",
    "load_experiment",
    "local_client",
    "plan_batch",
    "run_batch",
    "run_seed",
    "summarise_runs",
]
