"""The sections of a comparison's report (:class:`sim.report.document._Report`): scenarios,
headline, precision, catchments, winners and losers, equity, cable load and caveats. Every
number comes with its 95% interval across seeds (:mod:`sim.intervals`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim import intervals
from sim.appraisal_spec import annualisation_words, days_per_year_of
from sim.constants import TRIPS_PER_MONTH
from sim.metrics import registry
from sim.report.bottom_line import RULE as BOTTOM_LINE_RULE
from sim.report.document import _fmt, _Report
from sim.report.read import _Run
from sim.report.tables import (
    ACC_TOL_JOBS,
    ALL,
    GEN_COST_TOL_MIN,
    _num,
    conventions,
)

if TYPE_CHECKING:
    from sim.catchment import Catchments


def _build_report(runs: list[_Run], base: _Run, table: pd.DataFrame, cable: pd.DataFrame,
                  figures: dict[str, Path], currency: str,
                  extra: Callable[[_Report], None] | None = None,
                  lead: list[str] | None = None) -> _Report:  # fmt: skip
    doc = _Report([])
    doc.add("h1", "Ladera comparison: " + " vs ".join(r.label for r in runs))
    doc.add(
        "p",
        f"Baseline: {base.label}. Every change is scenario minus baseline; "
        f"money is in {currency}. Tables: summary.csv; zones for QGIS: zones.gpkg.",
    )
    if lead:  # the bottom line in words, from summary.json (sim.report.bottom_line)
        doc.add("h2", "Bottom line")
        for paragraph in lead:
            doc.add("p", paragraph)
        doc.add("p", BOTTOM_LINE_RULE)
    _section_scenarios(doc, runs, base, currency)
    if extra is not None:  # the served households first, then precision (sim.report.comparison)
        extra(doc)
    _section_headline(doc, table, currency, str(base.summary.get("income_per", "household")))
    _section_winners(doc, runs, base, table, figures)
    _section_equity(doc, table, figures)
    _section_cable(doc, cable, figures)
    _section_caveats(doc, runs, base, table)
    return doc


def _section_scenarios(doc: _Report, runs: list[_Run], base: _Run, currency: str) -> None:
    doc.add("h2", "Scenarios compared")
    rows = []
    for run in runs:
        items = [_intervention_text(i, currency) for i in run.summary.get("interventions", [])]
        rows.append({
            "scenario": run.label + (" (baseline)" if run is base else ""),
            "seed": str(run.summary.get("seed", "")),
            "households": _fmt(len(run.households), ","),
            "solved by": solved_by(run.summary),
            "interventions": "; ".join(items) or "none",
            "run directory": str(run.path),
        })  # fmt: skip
    doc.add("table", pd.DataFrame(rows))


def solved_by(summary: dict[str, Any]) -> str:
    """How a run reached its state: equilibrium iterations (from a baseline's point, to a gap)
    or days of the learning dynamics."""
    iterations = int(summary.get("iterations") or 0)
    if iterations <= 0:
        return f"{summary.get('days', '?')} days of learning"
    text = f"{iterations} iterations"
    warm = int(summary.get("warm_from_iteration") or 0)
    if warm:
        text += f" from the baseline's point after {warm}"
    averaged = int(summary.get("averaged_iterations") or 0)
    if averaged > 1:
        text += f", ending at the mean of the last {averaged} points"
    gap = summary.get("relative_gap")
    return text + (f", relative gap {float(gap):.1e}" if gap is not None else "")


def _intervention_text(item: dict[str, Any], currency: str) -> str:
    text = f"{item.get('name', '?')} ({item.get('type', '?')})"
    capex = item.get("capex")
    if capex:
        year = f" {item['capex_year']}" if item.get("capex_year") else ""
        text += f", capex {_fmt(float(capex), ',.0f')} {item.get('capex_currency', currency)}{year}"
    return text


def _all_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["income_class"] == ALL].set_index("scenario")


def _section_headline(doc: _Report, table: pd.DataFrame, currency: str, income_per: str) -> None:
    doc.add("h2", "Headline")
    rows = _all_rows(table)
    doc.add("table", _headline_frame(rows, currency))
    income = "income per person" if income_per == "person" else "household income"
    doc.add("p", "Jobs (smooth): jobs weighted by the city's decay of travel time (the "
                 "default headline: no threshold to cross). Welfare: expected generalised cost "
                 "of a trip (the logsum, minutes; negative change = gain). "
                 "Shares and means are over the synthetic households. Fare burden: transit "
                 f"riders' monthly fares ({TRIPS_PER_MONTH:.0f} trips) over their {income}, after subsidies; cost "
                 "burden: everyone's monthly commuting money cost (fares, fuel, parking) over "
                 f"{income}. VKT and CO2: car and motorbike vehicle-km of the modelled hour and "
                 "their tank-to-wheel CO2 (buses, metro and cable not included).")  # fmt: skip


def _headline_frame(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The ``all`` rows' headline metrics (:data:`sim.metrics.registry.REPORT_HEADLINE`)."""
    out: dict[str, Any] = {"scenario": rows.index}
    for m in registry.listed(registry.REPORT_HEADLINE):
        title = m.header or m.label
        title = f"{title} ({currency})" if m.unit == "currency" else title
        if m.interval:
            out[title] = _iv(rows, m.name, m.fmt, change=m.change)
        elif m.name in rows:
            out[title] = rows[m.name].map(lambda v, spec=m.fmt: _fmt(v, spec))
        else:
            out[title] = ["n/a"] * len(rows)
    return pd.DataFrame(out)


def _section_winners(doc: _Report, runs: list[_Run], base: _Run, table: pd.DataFrame,
                     figures: dict[str, Path]) -> None:  # fmt: skip
    doc.add("h2", "Who wins and who loses, by income class")
    for run in (r for r in runs if r is not base):
        rows = table[table["scenario"] == run.label]
        doc.add("h3", f"{run.label} vs {base.label}")
        matched = bool(rows["matched_households"].iloc[0])
        doc.add("table", _winners_frame(rows, matched))
        if matched:
            doc.add(
                "p",
                "Same synthetic population in both runs (homes, incomes, vehicles, "
                "workplaces and tastes): households are matched one to one. Welfare is "
                "each household's expected generalised cost of commuting over the modes it "
                "can use (the logsum, mode constants included; negative = a gain). Better / "
                f"worse off means a change of more than {GEN_COST_TOL_MIN:g} minutes of "
                f"it or {ACC_TOL_JOBS:g} jobs.",
            )
        else:
            doc.add(
                "p",
                "The two runs do not hold the same synthetic population (seed, household "
                "count or city network differ), so households cannot be matched: only "
                "class means are compared and winner/loser shares are not given.",
            )
    rate, years = conventions(base.summary)
    crf = rate / (1 - (1 + rate) ** -years)
    doc.add("p", "Benefit / annualised capex: the class's yearly user benefit (fall in "
                 "expected generalised cost of the households' trips of the modelled hour, "
                 "each household's minutes times its own value of time, income / 176 h / 60, "
                 f"times {annualisation_words(days_per_year_of(base.summary))} a year, "
                 "scaled to the "
                 "households each synthetic household represents: the appraisal's rule) over "
                 f"the capital cost spread as an equal annual cost at {rate:.1%} over "
                 f"{years:.0f} years (x {crf:.3f}; the city's appraisal book, else 8% over "
                 "30). Operating costs and external effects are left out; the classes sum to "
                 "the project's ratio.")  # fmt: skip
    doc.add("fig", (figures["accessibility_change_by_class"], "Accessibility change by class"))
    doc.add("fig", (figures["mode_shares"], "Mode shares by scenario"))


def _winners_frame(rows: pd.DataFrame, matched: bool) -> pd.DataFrame:
    out = pd.DataFrame({
        "class": rows["income_class"],
        "households": rows["households"].map(lambda v: _fmt(v, ",.0f")),
        "jobs 30 min change": _iv(rows, "acc30_change", ",.0f", change=True),
        "jobs (smooth) change": _iv(rows, "acc_smooth_change", ",.0f", change=True),
        "welfare change (min)": _iv(rows, "expected_cost_change_min", ".3f", change=True),
        "fare burden": _iv(rows, "fare_burden", ".1%"),
        "fare burden change (pp)": _iv(rows, "fare_burden_change", ".1f", change=True,
                                       scale=100.0),
    })  # fmt: skip
    if matched:
        for col, title in (("share_better_welfare", "better off (welfare)"),
                           ("share_worse_welfare", "worse off (welfare)"),
                           ("share_better_acc30", "better off (access)"),
                           ("share_worse_acc30", "worse off (access)")):  # fmt: skip
            out[title] = _iv(rows, col, ".1%")
    if "annual_benefit" in rows:
        out["yearly user benefit"] = _iv(rows, "annual_benefit", ",.0f", change=True)
    if "benefit_per_capex" in rows:
        out["benefit / annualised capex"] = _iv(rows, "benefit_per_capex", ".3f", change=True)
    return out


def _iv(rows: pd.DataFrame, col: str, spec: str, *, change: bool = False,
        scale: float = 1.0) -> list[str]:  # fmt: skip
    """Each row's mean of ``col`` (times ``scale``) with its interval across seeds
    (:mod:`sim.intervals`); a change whose interval holds zero says it is not distinguishable
    from zero."""
    if col not in rows:
        return ["n/a"] * len(rows)
    text = intervals.change_text if change else intervals.interval_text
    cells = []
    for _, row in rows.iterrows():
        iv = intervals.column_interval(row, col)
        iv.update({k: iv[k] * scale for k in ("mean", "low", "high", "sd") if iv[k] is not None})
        cells.append(text(iv, spec))
    return cells


def _section_equity(doc: _Report, table: pd.DataFrame, figures: dict[str, Path]) -> None:
    doc.add("h2", "Equity of accessibility (jobs within 30 min)")
    rows = _all_rows(table)
    doc.add("table", pd.DataFrame({
        "scenario": rows.index,
        "Gini": _iv(rows, "acc30_gini", ".4f"),
        "Palma": _iv(rows, "acc30_palma", ".4f"),
        "Palma by income": _iv(rows, "acc30_palma_by_income", ".4f"),
        "poorest / richest class": _iv(rows, "acc30_poorest_over_richest", ".4f"),
    }))  # fmt: skip
    doc.add("p", "Gini 0 = everyone reaches as many jobs. Palma = share of the 10% with the most "
                 "access over the 40% with the least (0.25 = equal); by income it ranks "
                 "households by income class instead. Poorest / richest = mean access of "
                 "the poorest class over the richest.")  # fmt: skip
    doc.add("fig", (figures["lorenz_acc30"], "Lorenz curves of jobs within 30 min"))
    doc.add("fig", (figures["map_accessibility_change"], "Change in transit accessibility by zone"))


def _section_cable(doc: _Report, cable: pd.DataFrame, figures: dict[str, Path]) -> None:
    doc.add("h2", "Cable load vs capacity")
    if cable.empty:
        doc.add("p", "No cable line in these runs.")
        return
    doc.add("table", pd.DataFrame({
        "scenario": cable["scenario"], "line": cable["line"],
        "boardings/h": _iv(cable, "boardings_per_hour", ",.0f"),
        "peak load/h": _iv(cable, "peak_load_per_hour", ",.0f"),
        "capacity/h": cable["capacity_per_hour"].map(lambda v: _fmt(v, ",.0f")),
        "load factor": _iv(cable, "load_factor", ".1%"),
    }))  # fmt: skip
    doc.add("fig", (figures["cable_load"], "Cable peak load vs capacity"))


def _section_caveats(doc: _Report, runs: list[_Run], base: _Run, table: pd.DataFrame) -> None:
    doc.add("h2", "Caveats")
    items = [
        "The population is synthetic: households drawn from zone tables (population, income, "
        "jobs), not surveyed people; small classes carry sampling noise.",
        "Behaviour parameters (value of time, mode constants, weights of waiting and walking, "
        "vehicle ownership by income, capacities, emission factors) are assumptions or "
        "calibrated to aggregate mode shares; test sensitivity before deciding.",
        _seeds_caveat(int(_num(table["n_seeds"].iloc[0])) if "n_seeds" in table else 1),
        "Accessibility counts jobs reachable at the morning peak by transit and walking, or by "
        "car for households owning a car or motorbike; zones are points.",
        "Capex is as stated in the scenario, spread as an equal annual cost at "
        f"{conventions(base.summary)[0]:.1%} over {conventions(base.summary)[1]:.0f} years; benefits are user time and money "
        "only (no operating costs, no wider effects), per year.",
        "Workplaces are drawn once on the city's network as bundled, so every scenario keeps "
        "them: the comparison is of how people travel, not of where they would move.",
    ]
    if any(not r for r in table.get("matched_households", pd.Series(dtype=bool)).dropna()):
        items.append("Some runs hold different synthetic populations: compare class means only.")
    doc.add("ul", items)


def _seeds_caveat(n_seeds: int) -> str:
    if n_seeds <= 1:
        return ("One seed per scenario: no number has an interval, and differences of a few per "
                "cent may be noise; compare on several seeds (`ladera compare --seeds 5`).")  # fmt: skip
    return (f"Each number is the mean over {n_seeds} seeds (different synthetic populations, "
            "the same in every scenario of a seed) with its 95% interval; a change whose "
            "interval holds zero is reported as not distinguishable from zero. The intervals "
            "cover the population draw, not the model's assumptions.")  # fmt: skip


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
    ("acc45_change", "jobs 45 min change", ",.0f", True),
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
                        runs: list[_Run], currency: str,
                        figure: Path | None = None) -> None:  # fmt: skip
    doc.add("h2", "Who each scenario serves, and the households far from it")
    doc.add("p", "Catchments are defined before any result, from the intervention and the "
                 "baseline alone (sim/catchment.py). Changes are scenario minus baseline, "
                 "household by household; welfare is the expected generalised cost of a trip "
                 "(negative = gain); the yearly user benefit is in "
                 f"{currency} (positive = gain), for the real households the group stands for. "
                 "Far households that a scenario does not serve and whose trips all end far "
                 "from it too (the control) should see no change: their interval measures what "
                 "is left of the solver's noise. Far households that it serves (a road on their "
                 "way), or whose trips end near it, may gain for real.")  # fmt: skip
    if figure is not None:  # where they live (sim.report.catchment_map)
        doc.add("fig", (figure, "Catchments by zone: served, far and served, and control (far "
                                "at home and at every trip's end, not served) households"))  # fmt: skip
        doc.add("p", "Each zone takes the colour of the group most of its households in a "
                     "catchment belong to (over every seed, by baseline home zone), paler the "
                     "smaller that group's share of all its households; unfilled zones hold "
                     "none. The legend gives each group's households (a seed's mean).")  # fmt: skip
    by_name = {r.label: r.name for r in runs}
    for label, rows in groups.groupby("scenario", sort=False):
        words = catchments.definitions.get(by_name.get(str(label), str(label)), {})
        for group, title in (
            ("served", "Served by"), ("far", "Far from"),
            ("control", "Far from (home and every trip's end) and not served by"),
        ):  # fmt: skip
            part = rows[rows["group"] == group]
            if part.empty:
                continue
            doc.add("h3", f"{title} {label}: {words.get(group, '')}")
            doc.add("table", group_frame(part))
