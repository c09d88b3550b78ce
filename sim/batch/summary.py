"""The batch's tables: one row per run, and the mean and interval of each metric across seeds.

:func:`summarise_runs` pairs each run with its baseline run of the same replication, so a change
is computed per replication before its mean and confidence interval are taken.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.index import _row_head
from sim.batch.plan import BatchPlan
from sim.rundir.atomic import atomic_file

#: Columns of the runs table that change from one execution to the next.
VOLATILE = ("seconds", "worker", "finished")


def runs_table(rows: list[dict[str, Any]], plan: BatchPlan) -> pd.DataFrame:
    """One row per run, in plan order: coordinates, parameters (one column each), metrics."""
    order = {spec.key: i for i, spec in enumerate(plan.runs)}
    rows = sorted(rows, key=lambda r: order[r["key"]])
    params = plan.experiment.parameters
    records = []
    for row in rows:
        flat = {k: v for k, v in row.items() if k not in ("params", "metrics")}
        flat.update({p: row["params"].get(p) for p in params})
        flat.update(row.get("metrics") or {})
        records.append(flat)
    df = pd.DataFrame.from_records(records)
    for name in params:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            df[name] = pd.to_numeric(df[name])
    return df


def _metric_columns(runs: pd.DataFrame, plan: BatchPlan) -> list[str]:
    fixed = {*_row_head(plan.runs[0]), "seconds", "finished", *plan.experiment.parameters}
    return [c for c in runs.columns if c not in fixed]


def summarise_runs(runs: pd.DataFrame, plan: BatchPlan, level: float = 0.95) -> pd.DataFrame:
    """Mean and confidence interval across seeds, per scenario, point and metric.

    For every metric ``m`` of a run paired with a baseline run, ``m_change`` is ``m`` minus the
    baseline's ``m`` in the same replication; ``acc30_class_<c>_pct_change`` is the change in
    percent. Non-finite values (a Palma ratio with nothing at the bottom) are left out.

    Returns
    -------
    pandas.DataFrame
        Long format: scenario, point, one column per parameter (empty where it does not apply),
        metric, n_seeds, mean, ci_low, ci_high.
    """
    params = plan.experiment.parameters
    columns = ["scenario", "point", *params, "metric", "n_seeds", "mean", "ci_low", "ci_high"]
    if runs.empty or not (runs["status"] == "done").any():
        return pd.DataFrame(columns=columns)
    done = runs[runs["status"] == "done"].set_index("key")
    values = done[_metric_columns(runs, plan)].apply(pd.to_numeric, errors="coerce")
    values = pd.concat([values, _changes(values, done["baseline_key"])], axis=1)
    long = values.rename_axis("key").reset_index().melt(id_vars="key", var_name="metric")
    long = long.join(done[["scenario", "point"]], on="key")
    stats = (long.groupby(["scenario", "point", "metric"], sort=False)["value"]
             .apply(lambda s: _interval(s, level)).unstack().reset_index())  # fmt: skip
    points = done.drop_duplicates(["scenario", "point"])[["scenario", "point", *params]]
    out = stats.merge(points, on=["scenario", "point"], how="left")
    return _sorted_summary(out.loc[out["n_seeds"] > 0, columns], plan)


def _changes(values: pd.DataFrame, baseline_key: pd.Series) -> pd.DataFrame:
    paired = baseline_key.notna() & baseline_key.isin(values.index)
    keys = baseline_key.index[paired]
    current = values.loc[keys]
    base = values.loc[baseline_key[paired].to_numpy()].set_axis(keys)
    out = (current - base).add_suffix("_change")
    acc = [c for c in values.columns if c.startswith("acc30_class_")]
    pct = (current[acc] - base[acc]) / base[acc].where(base[acc] != 0) * 100.0
    return pd.concat([out, pct.add_suffix("_pct_change")], axis=1).reindex(values.index)


def _interval(values: pd.Series, level: float) -> pd.Series:
    from sim.metrics import confidence_interval

    x = values.to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return pd.Series({"n_seeds": 0, "mean": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    mean, low, high = confidence_interval(x, level=level)
    return pd.Series({"n_seeds": x.size, "mean": mean, "ci_low": low, "ci_high": high})


def _sorted_summary(out: pd.DataFrame, plan: BatchPlan) -> pd.DataFrame:
    """Scenarios in experiment order, then points, then metrics in the order first met."""
    scenarios = {s.name: i for i, s in enumerate(plan.experiment.scenarios)}
    metrics = {m: i for i, m in enumerate(dict.fromkeys(out["metric"]))}
    order = out.assign(_s=out["scenario"].map(scenarios), _m=out["metric"].map(metrics))
    order = order.sort_values(["_s", "point", "_m"], kind="stable")
    return order.drop(columns=["_s", "_m"]).astype({"n_seeds": int}).reset_index(drop=True)


def _write_table(df: pd.DataFrame, stem: Path) -> None:
    for suffix, write in ((".parquet", df.to_parquet), (".csv", df.to_csv)):
        with atomic_file(stem.with_suffix(suffix)) as tmp:
            write(tmp, index=False)
