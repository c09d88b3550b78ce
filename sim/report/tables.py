"""Tables of one run against a baseline, by income class: levels, scenario-level numbers,
changes of class means, cable lines and zones; and the constants they share.

Every number is computed from the run's Parquet tables with the pure functions of
:mod:`sim.metrics`; :mod:`sim.report.summary` puts them together into ``summary.csv``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.metrics import registry
from sim.modes import MODE_NAMES, TRANSIT_MODES
from sim.report.read import _Run

THRESHOLDS = (30, 45, 60)
#: A household whose expected generalised cost moves by less than this many minutes is
#: "unchanged".
GEN_COST_TOL_MIN = 0.5
#: ... and whose accessibility moves by less than this many jobs.
ACC_TOL_JOBS = 0.5
ALL = "all"
#: Capital costs become an equal annual cost at this real discount rate over this many years
#: when the city has no appraisal book (an assumption; Porto Alegre's and Medellín's bundles
#: state theirs: 8.5% and 9%, see :func:`conventions`).
DISCOUNT_RATE = 0.08
LIFETIME_YEARS = 30


def conventions(summary: dict) -> tuple[float, int]:
    """The discount rate and period that spread capex into an equal annual cost: the city's
    appraisal book when the run records it (``appraisal_inputs``, :mod:`sim.appraisal_spec`),
    else :data:`DISCOUNT_RATE` over :data:`LIFETIME_YEARS`."""
    book = summary.get("appraisal_inputs") or {}
    rate, years = book.get("discount_rate"), book.get("period_years")
    if isinstance(rate, int | float) and isinstance(years, int | float) and years > 0:
        return float(rate), round(years)
    return DISCOUNT_RATE, LIFETIME_YEARS


def _modes(hh: pd.DataFrame) -> list[str]:
    cats = getattr(hh["mode"], "cat", None)
    extra = (
        [str(c) for c in cats.categories if str(c) not in MODE_NAMES] if cats is not None else []
    )
    return [*MODE_NAMES, *extra]


def _mode_shares(modes: pd.Series, order: Sequence[str]) -> pd.Series:
    """Shares among households with a mode (as in the runner's summary)."""
    counts = modes.astype(str).where(modes.notna()).value_counts()
    total = counts.sum()
    return (counts / total if total else counts).reindex(list(order), fill_value=0.0)


def _class_mode_shares(hh: pd.DataFrame) -> pd.DataFrame:
    """Mode shares, one row per income class then ``all``, one column per mode."""
    order = _modes(hh)
    rows = {_cls(c): _mode_shares(g["mode"], order) for c, g in hh.groupby("income_class")}
    rows[ALL] = _mode_shares(hh["mode"], order)
    return pd.DataFrame(rows).T.fillna(0.0)


def _cls(c: Any) -> str:
    return str(int(c)) if isinstance(c, int | np.integer | float) else str(c)


def _with_all(hh: pd.DataFrame) -> pd.DataFrame:
    """The households twice: by class and all together (class ``all``), for group-bys."""
    by = hh.assign(income_class=hh["income_class"].map(_cls))
    return pd.concat([by, hh.assign(income_class=ALL)], ignore_index=True)


def class_table(run: _Run) -> pd.DataFrame:
    """Levels of one run by income class (rows ``1..k`` and ``all``)."""
    hh = run.households
    cols = ["travel_time_min", "money_cost", "gen_cost_min", "expected_cost_min", "fare_burden",
            "cost_burden", "income"]  # fmt: skip
    cols += [*(f"acc{t}" for t in THRESHOLDS), "acc_smooth"]
    means = metrics.by_class(_with_all(hh), "income_class", cols)
    order = [*sorted((c for c in means.index if c != ALL), key=_class_sort), ALL]
    means = means.reindex(order)
    shares = _class_mode_shares(hh).add_prefix("share_").reindex(order)
    out = pd.DataFrame({"households": means["n"].astype(int)}, index=order)
    out = out.join(shares)
    out["share_transit"] = shares[[f"share_{m}" for m in TRANSIT_MODES]].sum(axis=1)
    out = out.join(means.drop(columns="n").rename(columns=_MEAN_NAMES))
    out["acc30_gini"], out["acc30_palma"] = _inequality(hh, order)
    return out


_MEAN_NAMES = {
    "travel_time_min": "mean_time_min", "money_cost": "mean_money_cost",
    "gen_cost_min": "mean_gen_cost_min", "income": "mean_income",
    "expected_cost_min": "mean_expected_cost_min",
}  # fmt: skip


def _class_sort(c: str) -> tuple[int, float | str]:
    try:
        return (0, float(c))
    except ValueError:
        return (1, c)


def _inequality(hh: pd.DataFrame, order: list[str]) -> tuple[list[float], list[float]]:
    """Gini and Palma of acc30 within each class and over everyone (NaN acc counts as 0)."""
    groups = dict(iter(_with_all(hh).groupby("income_class")))
    gini, palma = [], []
    for c in order:
        acc = np.nan_to_num(groups[c]["acc30"].to_numpy(dtype=float))
        gini.append(metrics.gini(acc))
        palma.append(metrics.palma(acc))
    return gini, palma


def _finite(x: float) -> float:
    """NaN for a ratio that is not a number (the run summary's rule: JSON null)."""
    return x if math.isfinite(x) else math.nan


def scenario_values(run: _Run, table: pd.DataFrame) -> dict[str, float]:
    """The scenario-level numbers that go on the ``all`` row; a metric of a run's summary
    (:data:`sim.metrics.registry.RUN_SUMMARY`) that the class table does not hold is computed
    from the run's tables."""
    hh, lines, s = run.households, run.lines, run.summary
    cable = lines[lines["mode"] == "cable"]
    classes = table.drop(index=ALL)
    out = {
        "acc30_palma_by_income": metrics.palma(
            np.nan_to_num(hh["acc30"].to_numpy(dtype=float)), groups=hh["income_class"]
        ),
        "acc30_poorest_over_richest": _finite(metrics.quantile_ratio(classes["acc30"].fillna(0.0))),
        "transit_boardings_per_hour": float(lines["boardings_per_hour"].sum()),
        "cable_boardings_per_hour": float(cable["boardings_per_hour"].sum()),
        "cable_peak_load_factor": _peak_load_factor(cable),
        "capex": float(s.get("capex") or 0.0),
        "car_vkt_per_hour": _num(s.get("car_vkt_per_hour")),
        "co2_kg_per_hour": _num(s.get("co2_kg_per_hour")),
    }
    for m in registry.listed(registry.RUN_SUMMARY):
        if m.name not in table.columns and m.name not in out and m.from_tables is not None:
            out[m.name] = _num(m.from_tables(hh, lines))
    return out


def _peak_load_factor(cable: pd.DataFrame) -> float:
    if cable.empty:
        return math.nan
    return float((cable["peak_load_per_hour"] / cable["capacity_per_hour"]).max())


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def changes(table: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Change of class means vs the baseline (absolute and in % of the baseline)."""
    out = pd.DataFrame(index=table.index)
    for col in (*(f"acc{t}" for t in THRESHOLDS), "acc_smooth"):
        ref = base[col].reindex(table.index)
        out[f"{col}_change"] = table[col] - ref
        out[f"{col}_change_pct"] = 100.0 * (table[col] - ref) / ref.where(ref > 0)
    out["gen_cost_change_min"] = table["mean_gen_cost_min"] - base["mean_gen_cost_min"]
    out["expected_cost_change_min"] = (
        table["mean_expected_cost_min"] - base["mean_expected_cost_min"]
    )
    out["time_change_min"] = table["mean_time_min"] - base["mean_time_min"]
    out["fare_burden_change"] = table["fare_burden"] - base["fare_burden"]
    out["cost_burden_change"] = table["cost_burden"] - base["cost_burden"]
    return out


def cable_table(runs: list[_Run]) -> pd.DataFrame:
    """Cable lines of every run: boardings, peak load, capacity, load factor."""
    rows = []
    for run in runs:
        for _, line in run.lines[run.lines["mode"] == "cable"].iterrows():
            rows.append(
                {
                    "scenario": run.label,
                    "line": line["line"],
                    "boardings_per_hour": line["boardings_per_hour"],
                    "peak_load_per_hour": line["peak_load_per_hour"],
                    "capacity_per_hour": line["capacity_per_hour"],
                    "load_factor": line["peak_load_per_hour"] / line["capacity_per_hour"],
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "line",
            "boardings_per_hour",
            "peak_load_per_hour",
            "capacity_per_hour",
            "load_factor",
        ],
    )


def _slug(label: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", label).strip("_").lower() or "run"


def zone_table(runs: list[_Run], base: _Run) -> pd.DataFrame:
    """Zones of the baseline with accessibility per scenario and change vs the baseline."""
    keep = [c for c in ("zone", "lon", "lat", "population", "jobs", "income", "households")
            if c in base.zones]  # fmt: skip
    out = base.zones[keep].copy()
    out["zone"] = out["zone"].astype(str)
    ref = base.zones.set_index(base.zones["zone"].astype(str))
    for run in runs:
        z = run.zones.set_index(run.zones["zone"].astype(str)).reindex(out["zone"])
        slug = _slug(run.label)
        for t in (*THRESHOLDS, "_smooth"):
            col = f"acc{t}_transit"
            if col not in z or col not in ref:  # runs written before the smooth measure
                continue
            out[f"acc{t}_{slug}"] = z[col].to_numpy()
            if run is not base:
                out[f"d_acc{t}_{slug}"] = (z[col] - ref[col].reindex(out["zone"])).to_numpy()
    return out
