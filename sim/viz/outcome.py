"""What the studio's Compare shows, read from the comparison folder ``ladera compare`` writes.

Nothing here imports Solara or runs a model: :func:`read_outcome` takes a comparison folder
(``summary.csv``, ``summary.json``) and returns what the page shows for the design (the scenario
that is not the baseline):

- who is better off, worse off or unchanged by income class (welfare: the logsum), as the mean
  share across seeds with its 95% interval;
- the catchment's accessibility (jobs reachable, decay-weighted) before and after, by class;
- the cable's busiest span against its capacity at the peak;
- the bottom line in words, written from ``summary.json`` by
  :func:`sim.report.bottom_line.bottom_line` (NPV and benefit-cost ratio by the city's book).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.intervals import change_text, interval_text

WINNERS_HEAD = ["income class", "better off (%)", "worse off (%)", "unchanged (%)"]
CATCHMENT_HEAD = ["income class", "households", "jobs before", "jobs after", "change"]


def design_table(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``summary.csv`` that are not the baseline's (one per class and "all")."""
    return table[~table["baseline"].astype(bool)].reset_index(drop=True)


def _iv(row: Any, key: str, scale: float = 1.0, clip: tuple[float, float] | None = None) -> dict:
    out: dict[str, Any] = {}
    for part, col in (("mean", key), ("low", f"{key}_low"), ("high", f"{key}_high")):
        value = row.get(col) if hasattr(row, "get") else None
        if value is None or pd.isna(value):
            continue
        value = float(value) * scale
        out[part] = min(max(value, clip[0]), clip[1]) if clip else value
    return out


def winners_rows(table: pd.DataFrame) -> list[list[str]]:
    """The winners table as the page shows it: class, then the shares better off, worse off and
    unchanged (welfare), each the mean across seeds with its 95% interval (cut to 0-100%)."""
    rows = []
    for _, r in table.iterrows():
        cells = [str(r["income_class"])]
        for k in ("better", "worse", "unchanged"):
            cells.append(interval_text(_iv(r, f"share_{k}_welfare", 100.0, (0.0, 100.0)), ".1f"))
        rows.append(cells)
    return rows


def winners_shares(table: pd.DataFrame) -> list[tuple[str, float, float, float]]:
    """(class, better, worse, unchanged) welfare shares, means across seeds (for the chart)."""
    out = []
    for _, r in table.iterrows():
        vals = [
            float(r.get(f"share_{k}_welfare", math.nan)) for k in ("better", "worse", "unchanged")
        ]
        if all(math.isfinite(v) for v in vals):
            out.append((str(r["income_class"]), vals[0], vals[1], vals[2]))
    return out


def catchment_rows(summary: dict[str, Any], name: str) -> list[list[str]]:
    """The served households by class: how many, and the jobs they reach (decay-weighted)
    before, after, and the change with its interval."""
    served = (((summary.get("scenarios") or {}).get(name) or {}).get("catchments") or {}).get(
        "served"
    ) or {}
    rows = []
    for cls, g in (served.get("by_class") or {}).items():
        rows.append([str(cls), interval_text(g.get("households") or {}, ",.0f"),
                     interval_text(g.get("acc_smooth_base") or {}, ",.0f"),
                     interval_text(g.get("acc_smooth") or {}, ",.0f"),
                     change_text(g.get("acc_smooth_change") or {}, ",.0f")])  # fmt: skip
    return rows


def catchment_definition(summary: dict[str, Any], name: str) -> str:
    served = (((summary.get("scenarios") or {}).get(name) or {}).get("catchments") or {}).get(
        "served"
    ) or {}
    return str(served.get("definition") or "")


def cable_text(table: pd.DataFrame, capacity_per_hour: float | None) -> str:
    """The cable's busiest span at the peak against its capacity (the design's "all" row)."""
    rows = table[table["income_class"].astype(str) == "all"]
    if rows.empty:
        return ""
    r = rows.iloc[0]
    load = _iv(r, "cable_peak_load_factor", 100.0)
    if "mean" not in load or not math.isfinite(load["mean"]):
        return "The cable carries no one in these runs."
    cap = (f" ({capacity_per_hour:,.0f} passengers an hour per direction)"
           if capacity_per_hour else "")  # fmt: skip
    board = _iv(r, "cable_boardings_per_hour")
    boardings = (f"; {interval_text(board, ',.0f')} boardings an hour" if "mean" in board
                 else "")  # fmt: skip
    return (f"Cable load against capacity: its busiest span carries "
            f"{interval_text(load, '.0f')}% of its capacity at the peak{cap}{boardings}.")  # fmt: skip


def words(summary: dict[str, Any]) -> list[str]:
    """The comparison's bottom line (:func:`sim.report.bottom_line.bottom_line`), plain text."""
    from sim.report.bottom_line import bottom_line

    return [paragraph.replace("**", "") for paragraph in bottom_line(summary)]


@dataclass
class Outcome:
    """What the page shows after Compare."""

    folder: Path
    n_seeds: int
    seeds: list[int]
    winners: list[list[str]] = field(default_factory=list)
    shares: list[tuple[str, float, float, float]] = field(default_factory=list)
    catchment: list[list[str]] = field(default_factory=list)
    catchment_definition: str = ""
    cable: str = ""
    words: list[str] = field(default_factory=list)


def read_outcome(folder: Path, capacity_per_hour: float | None = None, *,
                 cable: bool = True) -> Outcome:  # fmt: skip
    """:class:`Outcome` of the comparison folder ``folder`` (without the cable's load when the
    design has no ``cable``)."""
    folder = Path(folder)
    table = design_table(pd.read_csv(folder / "summary.csv"))
    summary = json.loads((folder / "summary.json").read_text())
    names = [n for n in (summary.get("scenarios") or {}) if n != summary.get("baseline")]
    name = names[0] if names else ""
    return Outcome(
        folder=folder,
        n_seeds=int(summary.get("n_seeds") or 1),
        seeds=[int(s) for s in summary.get("seeds") or []],
        winners=winners_rows(table),
        shares=winners_shares(table),
        catchment=catchment_rows(summary, name),
        catchment_definition=catchment_definition(summary, name),
        cable=cable_text(table, capacity_per_hour) if cable else "",
        words=words(summary),
    )
