"""A comparison's ``summary.csv`` and ``catchments.csv`` as plain text for the command line:
means with their 95% intervals across seeds, and changes that say when they are not
distinguishable from zero.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim import intervals
from sim.metrics import registry
from sim.report.tables import ALL


def _columns(names: list[str]) -> list[tuple[str, str, str]]:
    """(column, title, format) of a list of :mod:`sim.metrics.registry`."""
    return [(m.name, m.short or m.label, m.fmt) for m in registry.listed(names)]


def _cell(row: pd.Series, col: str, spec: str, change: bool = False) -> str:
    if col not in row.index:
        return "n/a"
    text = intervals.change_text if change else intervals.interval_text
    return text(intervals.column_interval(row, col), spec)


def format_summary(df: pd.DataFrame) -> str:
    """The headline of a ``summary.csv`` table as plain text, for the command line.

    One line per scenario (its ``all`` row: means with their 95% intervals), then for every
    scenario but the baseline its changes, overall and by income class, each with its interval
    and "not distinguishable from zero" where the interval holds zero.
    """
    cls = df["income_class"].astype(str)
    rows = df[cls == ALL]
    names = rows["scenario"].astype(str)
    head = pd.DataFrame({"scenario": names.str.ljust(int(names.str.len().max()))})
    for col, title, spec in _columns(registry.TERMINAL_LEVELS):
        if col in rows:
            head[title] = [_cell(r, col, spec) for _, r in rows.iterrows()]
    lines = [head.to_string(index=False), "", _seeds_line(df)]
    base = df["baseline"].astype(str).str.lower() == "true" if "baseline" in df else cls == ""
    for name, part in df[~base].groupby("scenario", sort=False):
        overall = part[part["income_class"].astype(str) == ALL].iloc[0]
        lines += ["", f"{name} against the baseline (scenario - baseline):"]
        for col, title, spec in _columns(registry.TERMINAL_CHANGES):
            if col in overall.index and not _missing(overall[col]):
                lines.append(f"  {title:<40} {_cell(overall, col, spec, change=True)}")
        lines.append("  by income class (1 = poorest): jobs (smooth) | welfare, min a trip")
        for _, row in part[part["income_class"].astype(str) != ALL].iterrows():
            lines.append(f"    {row['income_class']!s:>4}  "
                         f"{_cell(row, 'acc_smooth_change', ',.0f', True)} | "
                         f"{_cell(row, 'expected_cost_change_min', '+.3f', True)}")  # fmt: skip
    return "\n".join(lines)


def _missing(value: Any) -> bool:
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def _seeds_line(df: pd.DataFrame) -> str:
    n = int(df["n_seeds"].iloc[0]) if "n_seeds" in df else 1
    if n <= 1:
        return "one seed: no interval; a difference may be noise (use --seeds 5)"
    return (f"{n} seeds: mean [95% interval]; a change whose interval holds zero is "
            f"{intervals.NOT_DISTINGUISHABLE}")  # fmt: skip


#: How each catchment group reads on the command line (the report's section titles).
WHAT = {
    "served": "served by",
    "far": "far from",
    "control": "far from (home and every trip's end) and not served by",
}


def format_catchments(groups: pd.DataFrame) -> str:
    """The catchments' welfare and access changes (``catchments.csv``), for the command line."""
    lines = []
    for (name, group), part in groups.groupby(["scenario", "group"], sort=False):
        overall = part[part["income_class"].astype(str) == ALL].iloc[0]
        what = WHAT.get(str(group), str(group))
        lines.append(f"households {what} {name}: {_cell(overall, 'households', ',.0f')}; "
                     f"welfare {_cell(overall, 'expected_cost_change_min', '+.3f', True)} min a "
                     f"trip; jobs (smooth) {_cell(overall, 'acc_smooth_change', ',.0f', True)}")  # fmt: skip
    return "\n".join(lines)
