"""The bottom line of a comparison in plain words, generated from its ``summary.json`` (never
written by hand): for each scenario, who it serves and what changes for them, what changes for
the far households and the whole city, and what it is worth by the city's appraisal book.

Every signed word follows the 95% interval across seeds: a change is a "gain" or a "loss" only
when its interval excludes zero, and an investment "covers its costs" or "does not" only when
the interval of its net present value excludes zero; otherwise the sentence says the difference
is not distinguishable from zero. With one seed there is no interval and the words say so.
"""

from __future__ import annotations

import math
from typing import Any

from sim.intervals import NOT_DISTINGUISHABLE, interval_text, sign
from sim.report.tables import _num

WELFARE = "expected_cost_change_min"  # minutes of generalised cost a trip: negative is a gain
ACCESS = "acc_smooth_change"  # jobs reachable, weighted by the city's decay of travel time


def bottom_line(summary: dict[str, Any]) -> list[str]:
    """One paragraph per scenario (the baseline has none)."""
    base = summary.get("baseline")
    appraisal = summary.get("appraisal") or {}
    out = []
    for name, entry in (summary.get("scenarios") or {}).items():
        if name == base:
            continue
        out.append(_scenario(name, entry, appraisal, summary.get("n_seeds", 1)))
    return out


def _scenario(name: str, entry: dict[str, Any], appraisal: dict[str, Any], n_seeds: int) -> str:
    parts = [f"**{name}**"]
    groups = entry.get("catchments") or {}
    by_class = (groups.get("served") or {}).get("by_class", {})
    served = by_class.get("all")
    if served:
        what = (groups["served"].get("definition") or "the households it serves").rstrip(".")
        count = served.get("households", {}).get("mean")
        size = f"{count:,.0f} simulated households" if _finite(count) else "its households"
        parts.append(f"serves {size}{_poorest_share(by_class, count)} ({what}): for them, "
                     f"{_welfare(served)}; {_access(served)}.")  # fmt: skip
    else:
        parts.append("has no catchment defined in this comparison.")
    far = (groups.get("far") or {}).get("by_class", {}).get("all")
    if far:
        parts.append(f"Far from it, {_welfare(far)}.")
    everyone = (entry.get("changes") or {}).get("all")
    if everyone:
        parts.append(f"Over the whole city, {_welfare(everyone)}.")
    parts.append(_worth(name, appraisal))
    if n_seeds < 2:
        parts.append("(One seed: no interval, so no change above is called a gain or a loss.)")
    return " ".join(parts)


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _welfare(group: dict[str, Any]) -> str:
    iv = group.get(WELFARE) or {}
    text = interval_text(iv, "+,.2f")
    s = sign(iv)
    if s is None:
        return f"the generalised cost of a trip changes by {text} min"
    if s == 0:
        return f"the change in a trip's generalised cost, {text} min, is {NOT_DISTINGUISHABLE}"
    word = "a gain" if s < 0 else "a loss"
    return f"a trip costs {abs(iv['mean']):,.2f} min {'less' if s < 0 else 'more'} ({text}): {word}"


def _poorest_share(by_class: dict[str, Any], count: Any) -> str:
    """ ", 62% of them in the two poorest classes" (classes 1 and 2), when there are five."""
    if not _finite(count) or count <= 0 or len([c for c in by_class if c != "all"]) < 3:
        return ""
    poor = sum((by_class.get(c) or {}).get("households", {}).get("mean") or 0.0 for c in "12")
    return f", {poor / count:.0%} of them in the two poorest classes"


def _access(group: dict[str, Any]) -> str:
    iv = group.get(ACCESS) or {}
    text = interval_text(iv, "+,.0f")
    s = sign(iv)
    before = _num((group.get("acc_smooth_base") or {}).get("mean"))
    after = _num((group.get("acc_smooth") or {}).get("mean"))
    levels = ""
    if math.isfinite(before) and math.isfinite(after) and before > 0:
        levels = f" from {before:,.0f} to {after:,.0f} (x{after / before:.2f})"
    if s == 0:
        return f"the jobs they reach{levels} change by {text}, {NOT_DISTINGUISHABLE}"
    if s is None:
        return f"the jobs they reach{levels} change by {text}"
    return (f"the jobs they reach (decay-weighted) go{levels}: {'more' if s > 0 else 'fewer'}, "
            f"{text}")  # fmt: skip


def _worth(name: str, appraisal: dict[str, Any]) -> str:
    scen = (appraisal.get("scenarios") or {}).get(name) or {}
    if scen.get("status") != "appraised":
        return "It is not appraised (" + str(scen.get("status") or "no appraisal inputs") + ")."
    inputs = appraisal.get("inputs") or {}
    cur = inputs.get("currency", "")
    rate, years = inputs.get("discount_rate"), inputs.get("period_years")
    capex = sum(float(i.get("capex") or 0.0) for i in scen.get("capital_items") or [])
    ivs = (appraisal.get("intervals") or {}).get(name) or {}
    npv = ivs.get("standard.npv") or {
        "mean": (scen.get("variants") or {}).get("standard", {}).get("npv")
    }
    bcr = ivs.get("standard.bcr") or {
        "mean": (scen.get("variants") or {}).get("standard", {}).get("bcr")
    }
    book = "by the city's book"
    if isinstance(rate, int | float) and isinstance(years, int | float):
        book = f"at {100 * rate:.1f}% over {years:.0f} years"
    s = sign(npv)
    if s is None:
        verdict = "its net present value has no interval"
    elif s > 0:
        verdict = "its benefits cover its costs"
    elif s < 0:
        verdict = "its benefits do not cover its costs"
    else:
        verdict = (
            f"its net present value is {NOT_DISTINGUISHABLE}: these runs cannot say "
            "whether its benefits cover its costs"
        )
    money = f"{cur} {millions_text(npv)} M"
    return (f"Capital cost {cur} {capex / 1e6:,.1f} M; {book}, {verdict} (net present value "
            f"{money}, benefit-cost ratio {interval_text(bcr, '.2f')}, time valued at each "
            f"household's own value of time).")  # fmt: skip


def millions_text(iv: dict[str, Any]) -> str:
    """An interval of money in millions: ``"+50.0 [+10.0, +90.0]"``."""
    scaled = {
        k: (v / 1e6 if _finite(v) else v) for k, v in iv.items() if k in ("mean", "low", "high")
    }
    return interval_text(scaled, "+,.1f")
