"""The headline numbers a batch keeps from each run's ``summary.json``.

The one list of the metric names a batch records per run: they go into the index rows, and so
into the runs table and the summary across seeds.
"""

from __future__ import annotations

from typing import Any

from sim.metrics import registry

#: Per-class numbers: ``<name>_class_<c>`` from ``by_class[c][<key>]``. ``welfare`` is the mean
#: expected generalised cost (logsum, minutes): its change is the class's welfare change.
_BY_CLASS = {"acc_smooth": "acc_smooth", "acc30": "acc30", "fare_burden": "fare_burden", "mean_time": "mean_time_min",
             "welfare": "expected_cost_min"}  # fmt: skip


def headline(summary: dict[str, Any]) -> dict[str, float | None]:
    """The per-run numbers a batch keeps from a run's ``summary.json``."""
    # per-run numbers (``None`` when missing): the registry's batch list, read at each call so
    # that a metric registered at run time is kept (sim.metrics.registry)
    levels = registry.summary_keys(registry.BATCH)
    out: dict[str, float | None] = {k: summary.get(k) for k in levels}
    out["days_run"] = summary.get("days")
    for mode, share in summary.get("mode_shares", {}).items():
        out[f"share_{mode}"] = share
    for name, key in _BY_CLASS.items():
        for cls, values in sorted(summary.get("by_class", {}).items(), key=lambda kv: kv[0]):
            out[f"{name}_class_{cls}"] = values.get(key)
    return out
