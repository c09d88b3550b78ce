"""The comparison's ``summary.csv`` table of one seed: each run's class table, its changes
against the baseline, who wins and who loses (matched households) and the user benefit over
the annualised capital cost.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim import metrics
from sim.appraisal import households_scale, yearly_user_benefit
from sim.appraisal_spec import days_per_year_of
from sim.constants import HOURS_PER_MONTH
from sim.report.read import _Run, same_population
from sim.report.tables import (
    ACC_TOL_JOBS,
    ALL,
    GEN_COST_TOL_MIN,
    _cls,
    changes,
    class_table,
    conventions,
    scenario_values,
)


def winners(run: _Run, base: _Run) -> pd.DataFrame:
    """Shares better / worse off / unchanged by welfare and by acc30, matched rows.

    Welfare is the household's expected generalised cost over the modes it can use (the
    logsum: mode constants included, tastes integrated out), so a household that switches to a
    mode it now prefers counts as better off.
    """
    parts = []
    for col, better, tol, tag in (
        ("expected_cost_min", metrics.Better.LOWER, GEN_COST_TOL_MIN, "welfare"),
        ("acc30", metrics.Better.HIGHER, ACC_TOL_JOBS, "acc30"),
    ):
        b = base.households[col].to_numpy(dtype=float)
        a = run.households[col].to_numpy(dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)  # households with no possible trip drop out
        labels = run.households["income_class"].map(_cls).to_numpy()[ok]
        by = metrics.winners_losers(b[ok], a[ok], labels, tol=tol, better=better)
        overall = metrics.winners_losers(b[ok], a[ok], np.full(ok.sum(), ALL), tol=tol,
                                         better=better)  # fmt: skip
        frame = pd.concat([by, overall])[["share_better", "share_worse", "share_unchanged"]]
        parts.append(frame.add_suffix(f"_{tag}"))
    return pd.concat(parts, axis=1)


def benefits(
    run: _Run,
    base: _Run,
    table: pd.DataFrame,
    base_table: pd.DataFrame,
    *,
    matched: bool,
    vot_factor: float,
) -> pd.DataFrame:
    """Annual user benefit by class over the annualised capital cost.

    The benefit is the fall in expected generalised cost (the logsum) of the households' trips
    of the modelled hour, turned into money with each household's own value of time when
    households are matched, else with the class's mean value of time, times the real
    households each synthetic household stands for and the one annualisation,
    :func:`sim.appraisal.yearly_user_benefit` (the appraisal's own rule). Capex becomes an
    equal annual cost at the city's discount rate over its appraisal period
    (:func:`sim.report.tables.conventions`; :func:`sim.metrics.benefit_per_capex`), so the
    ratio is a yearly benefit-cost ratio of user benefits alone (no operating costs, no
    external effects).
    """
    capex = float(run.summary.get("capex") or 0.0)
    classes = table.index.drop(ALL)
    if capex <= 0:
        return pd.DataFrame(index=table.index)
    new, old = run.households, base.households
    days = days_per_year_of(base.summary)
    scale = households_scale(run.summary, len(new))
    if matched:  # each household's own value of time: the appraisal's rule, to the number
        money = pd.Series(yearly_user_benefit(old["peak_cost_min"], new["peak_cost_min"],
                                              old["vot_per_min"], scale=1.0, days_per_year=days),
                          index=old.index)  # fmt: skip
        delta = -money.groupby(new["income_class"].map(_cls)).mean()
    else:  # class means of the peak hour's minutes, at the class's mean value of time
        vot = vot_factor * base_table["mean_income"] / HOURS_PER_MONTH / 60.0
        by = [h.groupby(h["income_class"].map(_cls))["peak_cost_min"].mean() for h in (old, new)]
        delta = -pd.Series(yearly_user_benefit(by[0], by[1].reindex(by[0].index),
                                               vot.reindex(by[0].index), scale=1.0,
                                               days_per_year=days), index=by[0].index)  # fmt: skip
    delta = delta.reindex(classes).dropna()
    if delta.empty:
        return pd.DataFrame(index=table.index)
    households = table["households"].reindex(delta.index) * scale
    rate, years = conventions(base.summary)
    out = metrics.benefit_per_capex(
        delta, households, capex, trips_per_year=1.0, discount_rate=rate, lifetime_years=years
    )  # fmt: skip
    out = out.rename(columns={"households": "households_represented",
                              "delta_cost_per_trip": "expected_cost_change_money"})  # fmt: skip
    total = out.sum(numeric_only=True)
    total["expected_cost_change_money"] = math.nan
    total["benefit_share"] = 1.0 if total["annual_benefit"] != 0 else math.nan
    out.loc[ALL] = total
    return out


def summary_table(runs: list[_Run], base: _Run, vot_factor: float) -> pd.DataFrame:
    """The ``summary.csv`` table: one row per scenario x class, ``all`` last per scenario."""
    base_table = class_table(base)
    frames = []
    for run in runs:
        table = base_table if run is base else class_table(run)
        frame = table.copy()
        frame["vot_per_min"] = vot_factor * table["mean_income"] / HOURS_PER_MONTH / 60.0
        if run is not base:
            delta = changes(table, base_table)
            frame = frame.join(delta)
            matched = same_population(run, base)
            if matched:
                frame = frame.join(winners(run, base))
            frame["matched_households"] = matched
            frame = frame.join(
                benefits(run, base, table, base_table, matched=matched, vot_factor=vot_factor)
            )
        for key, value in scenario_values(run, table).items():
            frame.loc[ALL, key] = value
        frame.insert(0, "income_class", frame.index)
        frame.insert(0, "baseline", run is base)
        frame.insert(0, "run", str(run.path))
        frame.insert(0, "scenario", run.label)
        frames.append(frame.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True)
