"""The batch's figure: the change in jobs reachable within 30 min by income class.

It lives with the reports so that :mod:`sim.batch` does not import matplotlib; the batch draws
it from its summary table once the table is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.rundir.atomic import atomic_file

if TYPE_CHECKING:
    from sim.batch.plan import BatchPlan


def plot_accessibility_gain(summary: pd.DataFrame, plan: BatchPlan, path: Path) -> Path | None:
    """Change in jobs reachable within 30 min by income class, mean and CI over seeds: one panel
    per scenario, one line per parameter point (labelled when there are few)."""
    rows = summary[summary["metric"].str.match(r"acc30_class_\d+_change$")]
    if rows.empty:
        return None
    from matplotlib.figure import Figure

    scenarios = list(dict.fromkeys(rows["scenario"]))
    fig = Figure(figsize=(5.0 * len(scenarios), 4.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(scenarios), sharey=True, squeeze=False)[0])
    for ax, name in zip(axes, scenarios, strict=True):
        _plot_scenario(ax, rows[rows["scenario"] == name], plan)
        ax.set_title(name)
        ax.set_xlabel("income class (1 = poorest)")
        ax.axhline(0.0, color="0.6", lw=0.8)
    axes[0].set_ylabel("change in jobs within 30 min vs baseline")
    fig.suptitle(f"{plan.experiment.name}: mean and 95% CI over {plan.experiment.seeds} seeds")
    with atomic_file(path) as tmp:
        fig.savefig(tmp, dpi=120)
    return path


def _plot_scenario(ax: Any, rows: pd.DataFrame, plan: BatchPlan) -> None:
    points = list(dict.fromkeys(rows["point"]))
    for j, point in enumerate(points):
        g = rows[rows["point"] == point]
        cls = g["metric"].str.extract(r"acc30_class_(\d+)_change")[0].astype(int).to_numpy()
        offset = (j - (len(points) - 1) / 2) * min(0.6 / max(len(points), 1), 0.08)
        err = np.vstack([g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]]).clip(min=0)
        few = len(points) <= 8
        label = _point_label(g.iloc[0], plan) if few else None
        ax.errorbar(cls + offset, g["mean"], yerr=np.nan_to_num(err), marker="o", ms=3,
                    capsize=2, lw=1, alpha=0.9 if few else 0.5, label=label)  # fmt: skip
    classes = sorted({int(c) for c in rows["metric"].str.extract(r"class_(\d+)_")[0]})
    ax.set_xticks(classes)
    if len(points) <= 8:
        ax.legend(fontsize=7)


def _point_label(row: pd.Series, plan: BatchPlan) -> str:
    values = [f"{p.split('.')[-1]}={row[p]:.3g}" for p in plan.experiment.parameters
              if isinstance(row[p], int | float) and not pd.isna(row[p])]  # fmt: skip
    return f"{row['point']} " + ", ".join(values) if values else str(row["point"])
