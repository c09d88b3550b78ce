"""A comparison's ``summary.csv`` and ``catchments.csv`` as plain text for the command line:
means with their 95% intervals across seeds, and changes that say when they are not
distinguishable from zero.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim import intervals
from sim.report.tables import ALL

_LEVELS = (
    ("households", "households", ",.0f"),
    ("share_transit", "transit", ".1%"),
    ("mean_time_min", "commute min", ".1f"),
    ("acc_smooth", "jobs (smooth)", ",.0f"),
    ("acc30", "jobs 30 min", ",.0f"),
    ("cable_peak_load_factor", "cable load", ".0%"),
    ("co2_kg_per_hour", "CO2 kg/h", ",.0f"),
)
_CHANGES = (
    ("acc_smooth_change", "jobs (smooth)", ",.0f"),
    ("acc30_change", "jobs within 30 min", ",.0f"),
    ("expected_cost_change_min", "welfare, min a trip (negative = gain)", "+.3f"),
    ("annual_benefit", "yearly user benefit (positive = gain)", ",.0f"),
    ("benefit_per_capex", "benefit / annualised capex", ".3f"),
)


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
    for col, title, spec in _LEVELS:
        if col in rows:
            head[title] = [_cell(r, col, spec) for _, r in rows.iterrows()]
    lines = [head.to_string(index=False), "", _seeds_line(df)]
    base = df["baseline"].astype(str).str.lower() == "true" if "baseline" in df else cls == ""
    for name, part in df[~base].groupby("scenario", sort=False):
        overall = part[part["income_class"].astype(str) == ALL].iloc[0]
        lines += ["", f"{name} against the baseline (scenario - baseline):"]
        for col, title, spec in _CHANGES:
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


def format_catchments(groups: pd.DataFrame) -> str:
    """The catchments' welfare and access changes (``catchments.csv``), for the command line."""
    lines = []
    for (name, group), part in groups.groupby(["scenario", "group"], sort=False):
        overall = part[part["income_class"].astype(str) == ALL].iloc[0]
        what = "served by" if group == "served" else "far from"
        lines.append(f"households {what} {name}: {_cell(overall, 'households', ',.0f')}; "
                     f"welfare {_cell(overall, 'expected_cost_change_min', '+.3f', True)} min a "
                     f"trip; jobs (smooth) {_cell(overall, 'acc_smooth_change', ',.0f', True)}")  # fmt: skip
    return "\n".join(lines)
