"""Comparison tables, reports and matplotlib figures of finished runs.

:func:`run_figures` draws the two figures of one run directory; :func:`compare` reads two or
more run directories (see :mod:`sim.runner`) and writes a comparison folder::

    summary.csv      one row per scenario x income class, plus an "all" row per scenario: each
                     number's mean across seeds, with `_low`, `_high` (95% interval) and `_sd`
    summary.json     every headline by scenario, class and "all" as {mean, low, high, sd,
                     n_seeds}, with the catchments' (:mod:`sim.report.seeds`)
    catchments.csv   served and far households' results by class (when catchments are given)
    report.md        planner-readable report; report.html the same, figures embedded
    zones.gpkg       zone hexagons (H3; else points), EPSG:4326, with accessibility per scenario and change
    figures/*.png    the comparison's figures; with catchments, map_catchments.png too

With several seeds (:func:`compare` takes one list of run directories per seed), every change
is computed within a seed against that seed's baseline (the same households) and then
summarised across seeds (:mod:`sim.intervals`).

Every number is computed from the run's Parquet tables with the pure functions of
:mod:`sim.metrics` (``summary.json`` only supplies capex, car VKT and CO2, which need the model),
so the report can be checked against the tables. Figures use matplotlib's object-oriented API on
the Agg canvas: no pyplot, no global backend switch, no display needed.

Conventions
-----------
- A *change* is ``scenario - baseline``. Households are matched row by row (winners and losers)
  only when two runs hold the same synthetic population: same seed, same household count, same
  income classes and home zones. Otherwise only class means are compared.
- Generalised cost is in minutes of each household's own value of time. To turn a change into
  money (benefit per capex), a class's change in minutes is multiplied by the class's mean value
  of time, ``vot_factor * mean(income) / 176 / 60`` per minute (the model's definition:
  ``sim.constants.HOURS_PER_MONTH`` working hours a month), ``vot_factor`` from the baseline.

Modules, in the order of the flow:

- :mod:`~sim.report.read`        run directories: files, columns, loading, labels
- :mod:`~sim.report.tables`      one run's tables by income class, cable lines and zones
- :mod:`~sim.report.summary`     the ``summary.csv`` table of one seed (changes, winners, benefit)
- :mod:`~sim.report.seeds`       every seed's tables, catchments' tables and ``summary.json``
- :mod:`~sim.report.figures`     the run's and the comparison's figures
- :mod:`~sim.report.catchment_map` the map of the catchments: served, far and control by zone
- :mod:`~sim.report.document`    the report as blocks, rendered to Markdown and HTML
- :mod:`~sim.report.sections`    the report's sections
- :mod:`~sim.report.comparison`  :func:`compare`: the folder, written atomically
- :mod:`~sim.report.terminal`    the comparison as plain text for the command line
- :mod:`~sim.report.validation`  the figure of ``ladera validate``
"""

from __future__ import annotations

from sim.report.comparison import compare
from sim.report.figures import run_figures
from sim.report.read import check_run_dirs, run_city, run_scenario_file, same_population
from sim.report.summary import summary_table
from sim.report.tables import (
    ACC_TOL_JOBS,
    ALL,
    DISCOUNT_RATE,
    GEN_COST_TOL_MIN,
    LIFETIME_YEARS,
    THRESHOLDS,
)
from sim.report.terminal import format_catchments, format_summary
from sim.report.validation import validation_figures

__all__ = [
    "ACC_TOL_JOBS",
    "ALL",
    "DISCOUNT_RATE",
    "GEN_COST_TOL_MIN",
    "LIFETIME_YEARS",
    "THRESHOLDS",
    "check_run_dirs",
    "compare",
    "format_catchments",
    "format_summary",
    "run_city",
    "run_figures",
    "run_scenario_file",
    "same_population",
    "summary_table",
    "validation_figures",
]
