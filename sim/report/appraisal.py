"""The report's appraisal section, from the ``appraisal`` part of ``summary.json``
(:mod:`sim.appraisal_runs`): the city's conventions with their sources, then per scenario the
net present value, benefit-cost ratio and financial view of the standard appraisal beside its
equity variants, each with its 95% interval across seeds."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.intervals import interval_text
from sim.report.bottom_line import millions_text
from sim.report.document import _Report

#: The variants shown, in order, and what each values time at.
VARIANTS = {
    "standard": "standard: each household's own value of time",
    "equity_vot": "equity: one value of time for everyone (the population mean)",
    "equity_vot_weighted": "equity, weighted: one value of time, times each class's weight",
}
#: The conventions shown, with the key of their source.
INPUTS = (
    ("discount rate", "discount_rate", "discount_rate_source", "{:.1%}"),
    ("period (years)", "period_years", "period_source", "{:.0f}"),
    ("price year", "price_year", None, "{}"),
    ("days a year (peak hour to a year)", "days_per_year", "days_per_year_source", "{:.0f}"),
    ("peak hour's share of a day", "peak_hour_share", "peak_hour_share_source", "{:.3f}"),
    ("CO2, US$ a tonne", "co2_usd_per_t", "co2_source", "{:.0f}"),
    ("US$ rate", "usd_rate", "usd_rate_source", "{:.2f}"),
)


def section_appraisal(doc: _Report, appraisal: dict[str, Any] | None) -> None:
    """Add the appraisal section (nothing when the city has no appraisal book)."""
    if not appraisal or not appraisal.get("inputs"):
        return
    inputs = appraisal["inputs"]
    cur = str(inputs.get("currency", ""))
    doc.add("h2", "Appraisal by the city's book")
    rows = []
    for label, key, source, spec in INPUTS:
        if inputs.get(key) is not None:
            rows.append({"convention": label, "value": spec.format(inputs[key]),
                         "source": str(inputs.get(source, "")) if source else ""})  # fmt: skip
    doc.add("table", pd.DataFrame(rows))
    table = []
    for name, scen in (appraisal.get("scenarios") or {}).items():
        if scen.get("status") != "appraised":
            continue
        ivs = (appraisal.get("intervals") or {}).get(name) or {}
        for variant, what in VARIANTS.items():
            if variant not in (scen.get("variants") or {}):
                continue
            table.append({
                "scenario": name, "variant": what,
                f"net present value, {cur} M": _millions(ivs, scen, variant, "npv"),
                "benefit-cost ratio": _value(ivs, scen, variant, "bcr", ".2f"),
                f"financial NPV, {cur} M": _millions(ivs, scen, variant, "financial_npv"),
            })  # fmt: skip
    if table:
        doc.add("table", pd.DataFrame(table))
        doc.add("p", "Net present value = present value of user benefits and the CO2 change "
                     "minus capex, operating costs and lost fare revenue, plus residual value; "
                     "the financial view is fare revenue against operating cost and capex. "
                     "Intervals are across seeds; a value whose interval holds zero is not "
                     "distinguishable from zero. Formulas: summary.json, appraisal.conventions.")  # fmt: skip


def _value(ivs: dict[str, Any], scen: dict[str, Any], variant: str, key: str, spec: str) -> str:
    iv = ivs.get(f"{variant}.{key}") or {"mean": scen["variants"][variant].get(key)}
    return interval_text(iv, spec)


def _millions(ivs: dict[str, Any], scen: dict[str, Any], variant: str, key: str) -> str:
    return millions_text(
        ivs.get(f"{variant}.{key}") or {"mean": scen["variants"][variant].get(key)}
    )
