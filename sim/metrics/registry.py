"""The headline metrics, defined once: name, label, unit, which direction is better, format,
and how a run's tables give each one.

A run's ``summary.json`` (:func:`sim.runner.summary_from_tables`), a comparison's
``summary.json`` and report (:mod:`sim.report.seeds`, :mod:`sim.report`) and the command
line's table read their lists of headline metrics from here, so a metric registered with
:func:`register` shows in all of them, and one removed with :func:`unregister` in none.

Every metric has a ``name``: its column in a comparison's ``summary.csv`` (levels by class and
``all``; a *change* is scenario minus baseline in the same seed). Where a run's ``summary.json``
holds the same number it may do so under another key (``run_key``: ``acc30_mean`` is the mean
of ``acc30`` over all households). The lists:

- :data:`RUN_SUMMARY`: the numbers :func:`run_summary` computes from a run's households and
  lines tables (``from_tables``), in the order of a run's ``summary.json``;
- the catalogue (:func:`compared`): the metrics of a comparison's ``summary.json``, in order;
- :data:`REPORT_HEADLINE`: the columns of the report's headline table;
- :data:`TERMINAL_LEVELS`, :data:`TERMINAL_CHANGES`: what ``ladera compare`` prints;
- :data:`BATCH`: the numbers a batch keeps from each run's ``summary.json``.

Sign conventions: a negative welfare change (expected generalised cost, the logsum, in minutes
a trip) is a gain; a positive ``annual_benefit`` is a gain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.metrics.inequality import gini, palma, quantile_ratio

__all__ = [
    "BATCH",
    "REPORT_HEADLINE",
    "RUN_SUMMARY",
    "TERMINAL_CHANGES",
    "TERMINAL_LEVELS",
    "Metric",
    "compared",
    "get",
    "listed",
    "register",
    "run_summary",
    "summary_keys",
    "unregister",
]

#: ``from_tables``: a run's households and lines tables (as its Parquet files hold them) to one
#: number, ``None`` when it has none (JSON null).
FromTables = Callable[[pd.DataFrame, pd.DataFrame], float | None]


@dataclass(frozen=True)
class Metric:
    """One headline metric.

    Attributes
    ----------
    name
        Column of a comparison's tables and key of its ``summary.json``.
    label
        Header in the report's tables; ``short`` in the command line's (default ``label``),
        ``header`` in the report's headline table where a change stands beside its level.
    unit, better, what
        Unit; ``"higher"`` or ``"lower"`` when that direction is an improvement, ``""`` when
        neither is; one line saying what it is.
    fmt
        Format spec of its value (:func:`format`).
    change
        Scenario minus baseline (or a share of households that gain or lose), not a level.
    run_key
        Its key in a run's ``summary.json`` (default ``name``).
    from_tables
        How a run's households and lines tables give it (``None``: the model gives it, or
        only a comparison has it).
    compared
        Whether a comparison's ``summary.json`` lists it (by scenario, class and ``all``).
    interval
        Whether it varies across seeds and is shown with its interval (capex does not).
    """

    name: str
    label: str
    unit: str
    better: str
    what: str
    fmt: str = ",.4g"
    change: bool = False
    run_key: str | None = None
    from_tables: FromTables | None = None
    compared: bool = True
    interval: bool = True
    short: str | None = None
    header: str | None = None

    @property
    def summary_key(self) -> str:
        """Its key in a run's ``summary.json``."""
        return self.run_key or self.name


def _f(x: object) -> float | None:
    """A finite float, else ``None`` (JSON has no NaN or infinity)."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _mean(col: str) -> FromTables:
    return lambda hh, lines: _f(hh[col].mean())


def _acc30_mean(hh: pd.DataFrame, lines: pd.DataFrame) -> float | None:
    return _f(np.nanmean(hh["acc30"].to_numpy()))


def _acc30_gini(hh: pd.DataFrame, lines: pd.DataFrame) -> float | None:
    return _f(gini(np.nan_to_num(hh["acc30"].to_numpy())))


def _acc30_palma(hh: pd.DataFrame, lines: pd.DataFrame) -> float | None:
    return _f(palma(np.nan_to_num(hh["acc30"].to_numpy())))


def _acc30_poorest_over_richest(hh: pd.DataFrame, lines: pd.DataFrame) -> float | None:
    """Class means of acc30, poorest first; a class with no access counts as 0 (the report's
    rule), no number when the richest class reaches nothing."""
    means = {str(int(c)): _f(g["acc30"].mean()) for c, g in hh.groupby("income_class")}
    return _f(quantile_ratio([means[c] or 0.0 for c in sorted(means, key=int)]))


def _boardings(hh: pd.DataFrame, lines: pd.DataFrame) -> float | None:
    return _f(lines["boardings_per_hour"].sum())


def _cable(lines: pd.DataFrame) -> pd.DataFrame:
    return lines[lines["mode"] == "cable"]


def _cable_boardings(hh: pd.DataFrame, lines: pd.DataFrame) -> float | None:
    return _f(_cable(lines)["boardings_per_hour"].sum())


def _cable_peak_load_factor(hh: pd.DataFrame, lines: pd.DataFrame) -> float | None:
    cable = _cable(lines)
    return _f(cable["load_factor"].max()) if len(cable) else None


_M = Metric
#: Every metric, by name, in the order of a comparison's ``summary.json``.
_METRICS: dict[str, Metric] = {m.name: m for m in (
    _M("households", "households", "households", "", "synthetic households in the group",
       ",.0f"),
    _M("acc_smooth", "jobs (smooth)", "jobs", "higher",
       "jobs weighted by the city's decay of travel time", ",.0f", run_key="acc_smooth_mean",
       from_tables=_mean("acc_smooth")),
    _M("acc30", "jobs within 30 min", "jobs", "higher", "jobs within 30 min", ",.0f",
       run_key="acc30_mean", from_tables=_acc30_mean, short="jobs 30 min"),
    _M("acc45", "jobs within 45 min", "jobs", "higher", "jobs within 45 min", ",.0f"),
    _M("acc60", "jobs within 60 min", "jobs", "higher", "jobs within 60 min", ",.0f"),
    _M("mean_expected_cost_min", "welfare (min)", "min/trip", "lower",
       "welfare: expected generalised cost", ".2f", from_tables=_mean("expected_cost_min")),
    _M("mean_time_min", "mean commute (min)", "min/trip", "lower", "expected travel time",
       ".1f", from_tables=_mean("travel_time_min"), short="commute min"),
    _M("mean_money_cost", "money cost", "currency/trip", "lower", "expected money cost",
       ",.2f"),
    _M("share_transit", "transit share", "share", "", "trips by transit (bus, metro, cable)",
       ".1%", short="transit"),
    _M("share_walk", "walk share", "share", "", "trips on foot", ".1%"),
    _M("share_car", "car share", "share", "", "trips by car", ".1%"),
    _M("share_motorbike", "motorbike share", "share", "", "trips by motorbike", ".1%"),
    _M("share_cable", "cable share", "share", "", "trips whose main vehicle is a cable car",
       ".1%"),
    _M("fare_burden", "fare burden", "share of income", "lower",
       "riders' monthly fares over income", ".1%", run_key="fare_burden_mean",
       from_tables=_mean("fare_burden")),
    _M("cost_burden", "cost burden", "share of income", "lower",
       "monthly commuting money over income", ".1%", run_key="cost_burden_mean",
       from_tables=_mean("cost_burden")),
    _M("acc30_gini", "Gini", "index", "lower", "Gini of jobs within 30 min", ".4f",
       from_tables=_acc30_gini),
    _M("transit_boardings_per_hour", "transit boardings/h", "boardings/h", "",
       "transit boardings, modelled hour", ",.0f", from_tables=_boardings),
    _M("cable_peak_load_factor", "cable load", "share", "",
       "busiest cable segment's load over capacity", ".0%",
       from_tables=_cable_peak_load_factor),
    _M("co2_kg_per_hour", "CO2 kg/h", "kg/h", "lower", "car and motorbike tank-to-wheel CO2",
       ",.0f"),
    _M("acc_smooth_change", "jobs (smooth) change", "jobs", "higher", "change of acc_smooth",
       ",.0f", change=True, short="jobs (smooth)", header="change"),
    _M("acc30_change", "jobs 30 min change", "jobs", "higher", "change of jobs within 30 min",
       ",.0f", change=True, short="jobs within 30 min", header="change 30 min"),
    _M("acc45_change", "jobs 45 min change", "jobs", "higher", "change of jobs within 45 min",
       ",.0f", change=True),
    _M("acc60_change", "jobs 60 min change", "jobs", "higher", "change of jobs within 60 min",
       ",.0f", change=True),
    _M("expected_cost_change_min", "welfare change (min)", "min/trip", "lower",
       "welfare change (negative = gain)", ".3f", change=True,
       short="welfare, min a trip (negative = gain)"),
    _M("time_change_min", "time change (min)", "min/trip", "lower", "change of travel time",
       ".2f", change=True),
    _M("fare_burden_change", "fare burden change", "share of income", "lower",
       "change of fare burden", ".1%", change=True),
    _M("share_better_welfare", "better off (welfare)", "share", "",
       "households gaining over 0.5 min of welfare", ".1%", change=True),
    _M("share_worse_welfare", "worse off (welfare)", "share", "",
       "households losing over 0.5 min of welfare", ".1%", change=True),
    _M("annual_benefit", "yearly user benefit", "currency/year", "higher",
       "yearly user benefit (positive = gain)", ",.0f", change=True,
       short="yearly user benefit (positive = gain)"),
    _M("benefit_per_capex", "benefit / annualised capex", "ratio", "higher",
       "yearly user benefit / annualised capex", ".3f", change=True),
    # in a run's summary.json and the comparison's summary.csv, not its summary.json
    _M("mean_gen_cost_min", "generalised cost (min)", "min/trip", "lower",
       "generalised cost of the chosen mode", ".2f", from_tables=_mean("gen_cost_min"),
       compared=False),
    _M("acc30_palma", "Palma", "index", "lower", "Palma ratio of jobs within 30 min", ".4f",
       from_tables=_acc30_palma, compared=False),
    _M("acc30_poorest_over_richest", "poorest / richest class", "ratio", "higher",
       "mean jobs within 30 min of the poorest class over the richest", ".4f",
       from_tables=_acc30_poorest_over_richest, compared=False),
    _M("cable_boardings_per_hour", "cable boardings/h", "boardings/h", "",
       "cable boardings, modelled hour", ",.0f", from_tables=_cable_boardings, compared=False),
    _M("capex", "capex", "currency", "", "capital cost of the interventions", ",.0f",
       compared=False, interval=False),
    _M("car_vkt_per_hour", "car+moto VKT/h", "vehicle-km/h", "lower",
       "car and motorbike vehicle-km of the modelled hour", ",.0f", compared=False),
)}  # fmt: skip

#: The numbers of a run's ``summary.json`` computed from its tables, in the file's order.
RUN_SUMMARY: list[str] = [
    "mean_time_min", "mean_gen_cost_min", "mean_expected_cost_min", "acc30", "acc_smooth",
    "acc30_gini", "acc30_palma", "acc30_poorest_over_richest", "fare_burden", "cost_burden",
    "transit_boardings_per_hour", "cable_boardings_per_hour", "cable_peak_load_factor",
]  # fmt: skip
#: The columns of the report's headline table (the ``all`` row of each scenario).
REPORT_HEADLINE: list[str] = [
    "acc_smooth", "acc_smooth_change", "expected_cost_change_min", "acc30", "acc30_change",
    "share_transit", "mean_time_min", "fare_burden", "cost_burden", "capex", "car_vkt_per_hour",
    "co2_kg_per_hour",
]  # fmt: skip
#: What ``ladera compare`` prints: levels of every scenario, changes of the others.
TERMINAL_LEVELS: list[str] = [
    "households", "share_transit", "mean_time_min", "acc_smooth", "acc30",
    "cable_peak_load_factor", "co2_kg_per_hour",
]  # fmt: skip
TERMINAL_CHANGES: list[str] = [
    "acc_smooth_change", "acc30_change", "expected_cost_change_min", "annual_benefit",
    "benefit_per_capex",
]  # fmt: skip
#: The numbers a batch keeps from each run's ``summary.json`` (:func:`summary_keys`), in the
#: order of its runs table.
BATCH: list[str] = [
    "acc_smooth", "acc30", "acc30_gini", "acc30_palma", "acc30_poorest_over_richest",
    "fare_burden", "transit_boardings_per_hour", "cable_boardings_per_hour",
    "cable_peak_load_factor", "mean_time_min", "mean_gen_cost_min", "mean_expected_cost_min",
    "cost_burden", "car_vkt_per_hour", "co2_kg_per_hour",
]  # fmt: skip
_LISTS = (RUN_SUMMARY, REPORT_HEADLINE, TERMINAL_LEVELS, TERMINAL_CHANGES, BATCH)


def get(name: str) -> Metric:
    """The metric called ``name`` (KeyError if none is)."""
    return _METRICS[name]


def listed(names: Iterable[str]) -> list[Metric]:
    """The metrics of a list (e.g. :data:`REPORT_HEADLINE`), in its order."""
    return [_METRICS[n] for n in names]


def summary_keys(names: Iterable[str]) -> list[str]:
    """The keys in a run's ``summary.json`` of a list's metrics (e.g. :data:`BATCH`)."""
    return [m.summary_key for m in listed(names)]


def compared() -> list[Metric]:
    """The metrics of a comparison's ``summary.json``, in its order."""
    return [m for m in _METRICS.values() if m.compared]


def register(metric: Metric, *, headline: bool = True) -> Metric:
    """Add a metric: to the catalogue, to :data:`RUN_SUMMARY` and :data:`BATCH` when it has
    ``from_tables``, and with ``headline`` to the report's headline table and the command
    line's levels or changes. A name already taken is a ValueError."""
    if metric.name in _METRICS:
        raise ValueError(f"a metric called {metric.name!r} is already registered")
    _METRICS[metric.name] = metric
    if metric.from_tables is not None:
        RUN_SUMMARY.append(metric.name)
        BATCH.append(metric.name)
    if headline:
        REPORT_HEADLINE.append(metric.name)
        (TERMINAL_CHANGES if metric.change else TERMINAL_LEVELS).append(metric.name)
    return metric


def unregister(name: str) -> None:
    """Remove a metric from the catalogue and from every list."""
    del _METRICS[name]
    for names in _LISTS:
        while name in names:
            names.remove(name)


def run_summary(hh: pd.DataFrame, lines: pd.DataFrame) -> dict[str, float | None]:
    """The numbers of :data:`RUN_SUMMARY` from a run's households and lines tables, keyed as a
    run's ``summary.json`` holds them."""
    out: dict[str, float | None] = {}
    for m in listed(RUN_SUMMARY):
        assert m.from_tables is not None, m.name
        out[m.summary_key] = m.from_tables(hh, lines)
    return out
