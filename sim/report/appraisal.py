"""The report's appraisal section, from the ``appraisal`` part of ``summary.json``
(:mod:`sim.appraisal_runs`): the city's conventions with their sources, then per scenario the
net present value, benefit-cost ratio and financial view of the standard appraisal beside its
equity variants, each with its 95% interval across seeds."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.appraisal_spec import annualisation_words
from sim.intervals import interval_text
from sim.report.bottom_line import bcr_text, millions_text
from sim.report.document import _Report

#: The variants shown, in order, and what each values time at.
VARIANTS = {
    "standard": "standard: each household's own value of time",
    "equity_vot": "equity: one value of time for everyone (the population mean)",
    "equity_vot_weighted": "equity, weighted: one value of time, times each class's weight",
    "whole_day": "sensitivity, not standard: the whole day (every trip of a weekday at the "
    "peak hour's benefit, days / peak-hour share)",
}
#: The yearly figures shown (standard annualisation), with the key under ``annual``.
ANNUAL = (
    ("user benefit (own value of time)", "user_benefit_own_vot"),
    ("fare revenue change", "fare_revenue_change"),
    ("value of the CO2 change", "co2_value"),
    ("operating costs (O&M)", "om"),
)
#: The conventions shown, with the key of their source.
INPUTS = (
    ("discount rate", "discount_rate", "discount_rate_source", "{:.1%}"),
    ("period (years)", "period_years", "period_source", "{:.0f}"),
    ("price year", "price_year", None, "{}"),
    ("weekday-equivalents a year", "days_per_year", "days_per_year_source", "{:.0f}"),
    ("peak hours a year (2 x days)", "annualisation_factor", "annualisation_source", "{:,.0f}"),
    (
        "peak hour's share of a day (whole-day sensitivity only)",
        "peak_hour_share",
        "peak_hour_share_source",
        "{:.3f}",
    ),
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
    doc.add("table", _annual_frame(appraisal, cur))
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
                "benefit-cost ratio": bcr_text(ivs, scen, variant),
                f"financial NPV, {cur} M": _millions(ivs, scen, variant, "financial_npv"),
            })  # fmt: skip
    if table:
        doc.add("table", pd.DataFrame(table))
        doc.add("p", "Economic view (the convention of the European Commission's Guide to "
                     "Cost-Benefit Analysis of Investment Projects, 2014): fares are a transfer "
                     "between users and operators, so the change in fare revenue is counted "
                     "beside the user benefit (whose logsum already holds the fares paid) and "
                     "the CO2 change, on the benefit side; costs are capex and operating costs "
                     "less residual value. Net present value = benefits - costs (the same "
                     "number had the revenue been subtracted from the costs); benefit-cost "
                     "ratio = benefits / costs, n/a when the costs are not positive. The "
                     "financial view is fare revenue against operating cost and capex. A year "
                     f"is {_rule(appraisal)}. Intervals are across seeds; a value whose interval "
                     "holds zero is not distinguishable from zero. Formulas: summary.json, "
                     "appraisal.conventions.")  # fmt: skip


def _rule(appraisal: dict[str, Any]) -> str:
    days = (appraisal.get("inputs") or {}).get("days_per_year")
    if not isinstance(days, int | float):
        return "2 x the city's weekday-equivalents peak hours"
    return annualisation_words(float(days))


def _annual_frame(appraisal: dict[str, Any], cur: str) -> pd.DataFrame:
    """Each scenario's yearly figures, standard annualisation, with their intervals."""
    rows = []
    for name, scen in (appraisal.get("scenarios") or {}).items():
        ivs = (appraisal.get("intervals") or {}).get(name) or {}
        row = {"scenario": name}
        for label, key in ANNUAL:
            iv = ivs.get(f"annual.{key}") or {"mean": (scen.get("annual") or {}).get(key)}
            row[f"{label}, {cur} M a year"] = millions_text(iv)
        rows.append(row)
    return pd.DataFrame(rows)


def _value(ivs: dict[str, Any], scen: dict[str, Any], variant: str, key: str, spec: str) -> str:
    iv = ivs.get(f"{variant}.{key}") or {"mean": scen["variants"][variant].get(key)}
    return interval_text(iv, spec)


def _millions(ivs: dict[str, Any], scen: dict[str, Any], variant: str, key: str) -> str:
    return millions_text(
        ivs.get(f"{variant}.{key}") or {"mean": scen["variants"][variant].get(key)}
    )
