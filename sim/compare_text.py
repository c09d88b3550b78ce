"""Writing a comparison across seeds: the folder's files, the report's precision and catchment
sections, and the terminal's table.

:func:`write_all` is what :func:`sim.report.compare` runs inside its temporary folder. Every
number shown comes with its 95% interval across seeds (:mod:`sim.intervals`); a change whose
interval holds zero is written "not distinguishable from zero", and with one seed the text says
once that nothing has an interval.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim import intervals, report
from sim.compare_summary import (
    Catchments,
    catchment_frame,
    catchment_tables,
    seed_tables,
    summary_json,
    write_json,
)

if TYPE_CHECKING:
    from sim.report import _Report, _Run

ALL = "all"


def write_all(out: Path, loaded: list[list[_Run]], baseline: int,
              catchments: Catchments | None) -> None:  # fmt: skip
    """Every file of a comparison folder (:mod:`sim.report`'s docstring lists them)."""
    tables = seed_tables(loaded, baseline)
    table = intervals.aggregate(tables, ["scenario", "income_class"])
    table.to_csv(out / "summary.csv", index=False)
    groups = catchment_tables(loaded, baseline, catchments) if catchments else []
    group_table = None
    if groups and catchments is not None:
        group_table = intervals.aggregate(groups, ["scenario", "group", "income_class"])
        group_table.to_csv(out / "catchments.csv", index=False)
        catchment_frame(loaded, catchments).to_parquet(out / "catchment_households.parquet")
    write_json(summary_json(tables, groups, loaded, baseline, catchments), out / "summary.json")
    runs, base = loaded[0], loaded[0][baseline]
    zones = mean_zone_table(loaded, baseline)
    report._write_gpkg(zones, out / "zones.gpkg")
    cable = mean_cable_table(loaded)
    figures = report._figures(out, table, zones, runs, base, cable)
    currency = str(base.summary.get("currency", "local currency"))
    seeds = [r[baseline].summary.get("seed") for r in loaded]

    def extra(doc: _Report) -> None:
        _section_precision(doc, seeds)
        if group_table is not None and catchments is not None:
            _section_catchments(doc, group_table, catchments, runs, currency)

    doc = report._build_report(runs, base, table, cable, figures, currency, extra=extra)
    (out / "report.md").write_text(report.to_markdown(doc, out), encoding="utf-8")
    (out / "report.html").write_text(report.to_html(doc), encoding="utf-8")


def mean_zone_table(loaded: list[list[_Run]], baseline: int) -> pd.DataFrame:
    """:func:`sim.report.zone_table` averaged over the seeds (zones are the same in every run)."""
    frames = [report.zone_table(runs, runs[baseline]) for runs in loaded]
    if len(frames) == 1:
        return frames[0]
    first = frames[0]
    numeric = [c for c in first.columns if c != "zone" and pd.api.types.is_numeric_dtype(first[c])]
    stacked = pd.concat(frames, ignore_index=True)
    means = stacked.groupby("zone", sort=False)[numeric].mean()
    return first[["zone"]].join(means, on="zone")[first.columns]


def mean_cable_table(loaded: list[list[_Run]]) -> pd.DataFrame:
    """:func:`sim.report.cable_table` over the seeds: means with their intervals."""
    frames = [report.cable_table(runs) for runs in loaded]
    if pd.concat(frames, ignore_index=True).empty:
        return frames[0]
    return intervals.aggregate(frames, ["scenario", "line"])


# ------------------------------------------------------------------------------ report
def _section_precision(doc: _Report, seeds: list[Any]) -> None:
    doc.add("h2", "Precision")
    if len(seeds) <= 1:
        doc.add("p", f"One seed ({seeds[0] if seeds else '?'}): no number has an interval, so "
                     "no difference here is shown to be more than noise. Compare on several "
                     "seeds (`ladera compare --seeds 5`).")  # fmt: skip
        return
    doc.add("p", f"Every scenario ran on {len(seeds)} seeds ({', '.join(map(str, seeds))}); "
                 "seed s of every scenario holds the same synthetic households (common random "
                 "numbers), so each change is measured household by household within a seed. "
                 "Numbers are means over the seeds with their 95% interval [low, high] "
                 "(Student t); a change whose interval holds zero is "
                 f"\"{intervals.NOT_DISTINGUISHABLE}\".")  # fmt: skip


_GROUP_COLUMNS = (
    ("households", "households", ",.0f", False),
    ("acc_smooth", "jobs (smooth)", ",.0f", False),
    ("acc_smooth_change", "jobs (smooth) change", ",.0f", True),
    ("acc30_change", "jobs 30 min change", ",.0f", True),
    ("expected_cost_change_min", "welfare change (min)", ".3f", True),
    ("time_change_min", "time change (min)", ".2f", True),
    ("annual_benefit", "yearly user benefit", ",.0f", True),
)


def group_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """A catchment group's rows (one per class, then ``all``) as report cells."""
    out = {"class": rows["income_class"].astype(str).tolist()}
    for col, title, spec, change in _GROUP_COLUMNS:
        text = intervals.change_text if change else intervals.interval_text
        out[title] = [text(intervals.column_interval(r, col), spec) for _, r in rows.iterrows()]
    return pd.DataFrame(out)


def _section_catchments(doc: _Report, groups: pd.DataFrame, catchments: Catchments,
                        runs: list[_Run], currency: str) -> None:  # fmt: skip
    doc.add("h2", "Who each scenario serves, and the households far from it")
    doc.add("p", "Catchments are defined before any result, from the intervention and the "
                 "baseline alone (sim/catchment.py). Changes are scenario minus baseline, "
                 "household by household; welfare is the expected generalised cost of a trip "
                 "(negative = gain); the yearly user benefit is in "
                 f"{currency} (positive = gain), for the real households the group stands for. "
                 "Far households should see no change: their interval measures what is left "
                 "of the solver's noise.")  # fmt: skip
    by_name = {r.label: r.name for r in runs}
    for label, rows in groups.groupby("scenario", sort=False):
        words = catchments.definitions.get(by_name.get(str(label), str(label)), {})
        for group, title in (("served", "Served by"), ("far", "Far from")):
            part = rows[rows["group"] == group]
            if part.empty:
                continue
            doc.add("h3", f"{title} {label}: {words.get(group, '')}")
            doc.add("table", group_frame(part))


# ------------------------------------------------------------------------------ terminal
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
