"""A comparison across seeds: per-seed tables, their intervals, and the folder's ``summary.json``.

:func:`sim.report.compare` reads one set of run directories per seed (seed ``s`` of every
scenario holds the same households) and calls :func:`sim.report.comparison.write_all`, which

- computes :func:`sim.report.summary.summary_table` for each seed (levels by class, and
  changes against that seed's baseline: paired, household by household),
- summarises every number across seeds (:func:`sim.intervals.aggregate`) into ``summary.csv``,
- computes the catchments' results for each seed (:func:`group_table`) and their intervals,
- writes ``summary.json``: every headline metric of :mod:`sim.metrics.registry` by scenario,
  by income class and for ``all``, as ``{"mean", "low", "high", "sd", "n_seeds"}``, and the
  same for the served and the far households of each scenario (:class:`Catchments`),
- and hands the rest (figures, zones, the report) to the other modules of :mod:`sim.report`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim import intervals
from sim.appraisal import households_scale, yearly_user_benefit
from sim.appraisal_spec import days_per_year_of
from sim.catchment import Catchments
from sim.metrics import registry
from sim.report.read import _Run
from sim.report.summary import summary_table
from sim.report.tables import ALL, _class_sort, _cls

SCHEMA = "ladera-compare/1"
#: The catchment groups' metrics (per group, class and ``all``; changes paired by household).
GROUP_METRICS = (
    "households", "acc_smooth_base", "acc_smooth", "acc_smooth_change", "acc30_change",
    "acc45_change", "acc60_change", "expected_cost_change_min", "time_change_min",
    "money_change", "fare_burden_change", "share_transit", "share_transit_change",
    "annual_benefit",
)  # fmt: skip


def vot_factor(base: _Run) -> float:
    choice = base.manifest.get("scenario", {}).get("choice", {})
    return float(choice.get("vot_factor", 1.0))


# ------------------------------------------------------------------------------ per seed
def seed_tables(loaded: list[list[_Run]], baseline: int) -> list[pd.DataFrame]:
    """:func:`sim.report.summary.summary_table` of each seed's runs against that seed's baseline."""
    out = []
    for runs in loaded:
        base = runs[baseline]
        out.append(summary_table(runs, base, vot_factor(base)))
    return out


def group_table(run: _Run, base: _Run, masks: dict[str, NDArray[np.bool_]]) -> pd.DataFrame:
    """Results of one scenario for groups of households (rows ``group`` x class, then ``all``),
    matched household by household against the baseline of the same seed."""
    new, old = run.households, base.households
    delta = new["expected_cost_min"] - old["expected_cost_min"]
    money = pd.Series(yearly_user_benefit(  # a household's yearly benefit: the one rule
        old["peak_cost_min"], new["peak_cost_min"], old["vot_per_min"], scale=households_scale(run.summary, len(new)),
        days_per_year=days_per_year_of(base.summary)), index=old.index)  # fmt: skip
    transit = new["mode"].isin(["bus", "metro", "cable"]).astype(float)
    transit_old = old["mode"].isin(["bus", "metro", "cable"]).astype(float)
    frame = pd.DataFrame({
        "acc_smooth_base": old["acc_smooth"], "acc_smooth": new["acc_smooth"],
        "acc_smooth_change": new["acc_smooth"] - old["acc_smooth"],
        **{f"acc{t}_change": new[f"acc{t}"] - old[f"acc{t}"] for t in (30, 45, 60)},
        "expected_cost_change_min": delta,
        "time_change_min": new["travel_time_min"] - old["travel_time_min"],
        "money_change": new["money_cost"] - old["money_cost"],
        "fare_burden_change": new["fare_burden"] - old["fare_burden"],
        "share_transit": transit, "share_transit_change": transit - transit_old,
    })  # fmt: skip
    classes = new["income_class"].map(_cls)
    rows = []
    for group, mask in masks.items():
        sel = np.asarray(mask, bool)
        for cls in [*sorted(set(classes), key=_class_sort), ALL]:
            rows_mask = sel & ((classes == cls).to_numpy() if cls != ALL else True)
            part = frame[rows_mask]
            row: dict[str, Any] = {"group": group, "income_class": cls,
                                   "households": float(rows_mask.sum())}  # fmt: skip
            row.update(part.mean().to_dict() if len(part) else dict.fromkeys(frame, math.nan))
            row["annual_benefit"] = float(money[rows_mask].sum())
            rows.append(row)
    return pd.DataFrame(rows)


#: The catchment groups a comparison reports: served, far, and the far ones not served.
GROUPS = ("served", "far", "control")


def catchment_tables(loaded: list[list[_Run]], baseline: int,
                     catchments: Catchments) -> list[pd.DataFrame]:  # fmt: skip
    """For each seed, :func:`group_table` of every scenario's served and far households."""
    out = []
    for runs, masks in zip(loaded, catchments.masks, strict=True):
        base = runs[baseline]
        parts = []
        for run in runs:
            mine = masks.get(run.name)
            if run is base or mine is None:
                continue
            groups = {g: mine[g] for g in GROUPS if g in mine}
            parts.append(group_table(run, base, groups).assign(scenario=run.label))
        if parts:
            frame = pd.concat(parts, ignore_index=True)
            out.append(frame[["scenario", *[c for c in frame.columns if c != "scenario"]]])
    return out


# ------------------------------------------------------------------------------ summary.json
def _intervals_by(stacked: pd.DataFrame, keys: list[str], names: list[str]) -> dict[Any, Any]:
    """``{key tuple: {class: {metric: interval}}}`` from a stacked per-seed table."""
    out: dict[Any, Any] = {}
    for key, rows in stacked.groupby(keys, sort=False):
        cls = str(key[-1])
        entry = out.setdefault(key[:-1], {})
        entry[cls] = {m: intervals.interval(rows[m], floor=intervals.floor_of(m))
                      for m in names if m in rows}  # fmt: skip
    return out


def summary_json(tables: list[pd.DataFrame], groups: list[pd.DataFrame], loaded: list[list[_Run]],
                 baseline: int, catchments: Catchments | None) -> dict[str, Any]:  # fmt: skip
    """The ``summary.json`` of a comparison folder (see the README's table of names)."""
    stacked = pd.concat(tables, ignore_index=True)
    catalogue = registry.compared()
    levels = [m.name for m in catalogue if not m.change]
    changes = [m.name for m in catalogue if m.change]
    by_level = _intervals_by(stacked, ["scenario", "income_class"], levels)
    base_label = loaded[0][baseline].label
    others = stacked[stacked["scenario"] != base_label]
    by_change = _intervals_by(others, ["scenario", "income_class"], changes) if len(others) else {}
    by_group: dict[Any, Any] = {}
    if groups:
        by_group = _intervals_by(pd.concat(groups, ignore_index=True),
                                 ["scenario", "group", "income_class"], list(GROUP_METRICS))  # fmt: skip
    scenarios: dict[str, Any] = {}
    for i, run in enumerate(loaded[0]):
        entry: dict[str, Any] = {
            "baseline": i == baseline,
            "runs": [str(runs[i].path) for runs in loaded],
            "levels": by_level.get((run.label,), {}),
        }
        if i != baseline:
            entry["changes"] = by_change.get((run.label,), {})
            entry["catchments"] = {}
            definitions = (catchments.definitions if catchments else {}).get(run.name, {})
            for g in GROUPS:
                if (run.label, g) in by_group:
                    entry["catchments"][g] = {"definition": definitions.get(g, ""),
                                              "by_class": by_group[(run.label, g)]}  # fmt: skip
        scenarios[run.label] = entry
    return {
        "schema": SCHEMA,
        "level": intervals.LEVEL,
        "baseline": base_label,
        "n_seeds": len(loaded),
        "seeds": [runs[baseline].summary.get("seed") for runs in loaded],
        "households": len(loaded[0][baseline].households),
        "metrics": {
            m.name: {"unit": m.unit, "better": m.better, "what": m.what} for m in catalogue
        },
        "group_metrics": list(GROUP_METRICS),
        "scenarios": scenarios,
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(_clean(data), indent=1, allow_nan=False) + "\n", encoding="utf-8")


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def catchment_frame(loaded: list[list[_Run]], catchments: Catchments) -> pd.DataFrame:
    """One row per seed, scenario and household: whether it is served, far, in the control."""
    parts = []
    for runs, masks in zip(loaded, catchments.masks, strict=True):
        seed = runs[0].summary.get("seed")
        for name, groups in masks.items():
            n = len(groups["served"])
            parts.append(pd.DataFrame({"seed": seed, "scenario": name, "household": np.arange(n),
                                       "served": groups["served"], "far": groups["far"],
                                       "control": groups["control"]}))  # fmt: skip
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
