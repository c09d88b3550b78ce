"""The bottom line of a comparison in plain words, generated from its ``summary.json`` (never
written by hand): for each scenario, who it serves and what changes for them (a trip's
generalised cost, the jobs they reach weighted by the city's decay and those within 45 min),
what changes for the far households and the whole city, and what it is worth by the city's
appraisal book.

Every signed word follows the 95% interval across seeds: a change is a "gain" or a "loss" only
when its interval excludes zero, and an investment "covers its costs" or "does not" only when
the interval of its net present value excludes zero; otherwise the sentence says the difference
is not distinguishable from zero. With one seed there is no interval and the words say so.

The far households that a scenario does not serve (homes more than 5 km from everything it
changes, whose baseline trips do not use it and none of whose trips ends within 5 km of it: the
``control`` group) should see nothing at equilibrium: whatever moves there is read as the
solver's remaining error, never as a gain or a loss. (Far households that a road serves, because
their trips cross it, and those whose trips end near it may gain for real; the paragraph gives
the far households' change too, without a sign word.) When their interval excludes zero the
paragraph says so as a warning. Every change of the served households or the whole city (a
trip's cost, the jobs reached by the decay, the jobs within 45 min) follows one rule
(:func:`reading`): a gain or a loss, "more" or "fewer", only when its interval also does not
overlap the far households' interval of the same figure (:func:`overlaps`); when it does, it is
"not distinguishable from the solver's error". The far households' change of the jobs reached is
given beside the served households'. (Overlap of two 95% intervals is a conservative test: it
withholds a word sooner than a test of their difference would.) When no household is far from a
scenario and not served by it there is no control group, and the paragraph says so: its changes
are then read against zero only.
"""

from __future__ import annotations

import math
from typing import Any

from sim.intervals import NOT_DISTINGUISHABLE, interval_text, minutes_spec, sign
from sim.report.tables import _num

#: How the words are chosen, printed under the bottom line.
RULE = (
    "How these words are chosen: a change is a gain or a loss (more or fewer jobs) only when its "
    "95% interval across seeds excludes zero and does not overlap the interval of the same "
    "figure for the far households it does not serve (homes more than 5 km from everything the "
    "scenario changes, whose baseline trips do not use it and end more than 5 km from it), "
    "which should see nothing at "
    "equilibrium, so what moves there is read as the solver's remaining error, never as a gain "
    "or a loss; a change whose interval overlaps theirs is not distinguishable from the "
    "solver's error. A year is the modelled peak hour x 2 (the evening return) x the city's "
    "weekday-equivalents; off-peak trips are not claimed."
)
#: The words for a change the far households' interval cannot be told from.
SOLVER_ERROR = "not distinguishable from the solver's error"
WELFARE = "expected_cost_change_min"  # minutes of generalised cost a trip: negative is a gain
ACCESS = "acc_smooth_change"  # jobs reachable, weighted by the city's decay of travel time
JOBS45 = "acc45_change"  # jobs within 45 minutes
#: Said in place of the far households' sentence when none is far from a scenario and not
#: served by it.
NO_CONTROL = (
    "No simulated household is far from it and not served by it, so there is no control group: "
    "no change here is checked against the solver's error, only against zero."
)
#: How a change reads by the one rule (:func:`reading`).
NO_INTERVAL, HOLDS_ZERO, LIKE_CONTROL, UP, DOWN = "no interval", "zero", "control", "up", "down"


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
    far = (groups.get("far") or {}).get("by_class", {}).get("all")
    control = (groups.get("control") or {}).get("by_class", {}).get("all")
    no_control = control is not None and _count(control) == 0
    # the group whose change is read as the solver's error: the far households it does not
    # serve, or, in a summary.json written before there was a control group, all far ones
    reference = {} if no_control else (control or far or {})
    noise = reference.get(WELFARE)
    who = "the far households off its routes" if control else "the far households"
    if served:
        what = (groups["served"].get("definition") or "the households it serves").rstrip(".")
        count = served.get("households", {}).get("mean")
        size = f"{count:,.0f} simulated households" if _finite(count) else "its households"
        jobs45 = _jobs45(served, reference.get(JOBS45), who)
        parts.append(f"serves {size}{_poorest_share(by_class, count)} ({what}): for them, "
                     f"{_welfare(served, noise, who)}; {_access(served, reference.get(ACCESS), who)}"
                     f"{'; ' + jobs45 if jobs45 else ''}.")  # fmt: skip
    else:
        parts.append("has no catchment defined in this comparison.")
    if no_control:
        parts.append(NO_CONTROL)
        if far and _count(far):
            parts.append(f"The {_count(far):,.0f} far simulated households, all served by it, "
                         f"move by {_minutes(far.get(WELFARE))} min.")  # fmt: skip
    elif control:
        parts.append(_far(control.get(WELFARE) or {}, _count(control)))
        if far and _count(far) and _count(far) != _count(control):
            parts.append(f"Counting also the far households whose trips use it or end near it, "
                         f"{_minutes(far.get(WELFARE))} min.")  # fmt: skip
    elif far:
        parts.append(_far(far.get(WELFARE) or {}))
    everyone = (entry.get("changes") or {}).get("all")
    if everyone:
        parts.append(f"Over the whole city, {_welfare(everyone, noise, who)}.")
    parts.append(_worth(name, appraisal))
    if n_seeds < 2:
        parts.append("(One seed: no interval, so no change above is called a gain or a loss.)")
    return " ".join(parts)


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def reading(iv: dict[str, Any], noise: dict[str, Any] | None = None) -> str:
    """The one rule every signed word of the bottom line follows: :data:`NO_INTERVAL` without an
    interval (one seed), :data:`HOLDS_ZERO` when the interval holds zero, :data:`LIKE_CONTROL`
    when it overlaps ``noise`` (the far households' interval of the same figure), otherwise
    :data:`UP` or :data:`DOWN`."""
    s = sign(iv)
    if s is None:
        return NO_INTERVAL
    if s == 0:
        return HOLDS_ZERO
    if noise and overlaps(iv, noise):
        return LIKE_CONTROL
    return UP if s > 0 else DOWN


def _welfare(group: dict[str, Any], noise: dict[str, Any] | None = None,
             who: str = "the far households") -> str:  # fmt: skip
    """A group's change in a trip's generalised cost, in words: a gain or a loss only by
    :func:`reading` against ``noise`` (the interval of the far households, called ``who``)."""
    iv = group.get(WELFARE) or {}
    text = _minutes(iv)
    r = reading(iv, noise)
    if r == NO_INTERVAL:
        return f"the generalised cost of a trip changes by {text} min"
    if r == HOLDS_ZERO:
        return f"the change in a trip's generalised cost, {text} min, is {NOT_DISTINGUISHABLE}"
    if r == LIKE_CONTROL:
        return (f"the change in a trip's generalised cost, {text} min, is {SOLVER_ERROR} "
                f"({who} move by {_minutes(noise)} min)")  # fmt: skip
    word = "a gain" if r == DOWN else "a loss"
    return (f"a trip costs {abs(iv['mean']):,.2f} min {'less' if r == DOWN else 'more'} "
            f"({text}): {word}")  # fmt: skip


def _aside(noise: dict[str, Any] | None, who: str, spec: str) -> str:
    """ " (the far households: +154 [+11, +297])", the far households' change of the same
    figure set beside a served group's; ``""`` without one."""
    text = interval_text(noise or {}, spec)
    return "" if text == "n/a" else f" ({who}: {text})"


def _minutes(iv: dict[str, Any] | None) -> str:
    """A change in minutes with its interval, with the decimals it needs not to print zeros."""
    return interval_text(iv or {}, minutes_spec(iv or {}))


def _count(group: dict[str, Any]) -> float | None:
    n: Any = (group.get("households") or {}).get("mean")
    return float(n) if _finite(n) else None


def _far(iv: dict[str, Any], control: float | None = None) -> str:
    """The far households' change: never a gain or a loss, a warning when it is not zero. With
    ``control`` (their number) they are the far households it does not serve."""
    text = _minutes(iv)
    where = "Far from it, where nothing was built,"
    if control is not None:
        where = (f"Far from it at both ends of every trip, where nothing was built, and off "
                 f"its routes ({control:,.0f} simulated households),")  # fmt: skip
    s = sign(iv)
    if s is None:
        return f"{where} a trip's cost moves by {text} min (the solver's remaining error)."
    if s == 0:
        return (f"{where} a trip's cost moves by {text} min, {NOT_DISTINGUISHABLE}, as it "
                "should.")  # fmt: skip
    return (f"{where} the runs still move a trip's cost by {text} min: that is read as the "
            "solver's remaining error (or an effect spread through the whole network, such as "
            "relief of congestion on other roads, which these runs cannot tell apart from it), so a "
            "city-wide or catchment difference of that size is not evidence.")  # fmt: skip


def overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two intervals share a point (False when either has none)."""
    bounds = [x.get(k) for x in (a, b) for k in ("low", "high")]
    if not all(_finite(x) for x in bounds):
        return False
    a_low, a_high, b_low, b_high = (float(x) for x in bounds if x is not None)
    return max(a_low, b_low) <= min(a_high, b_high)


def _poorest_share(by_class: dict[str, Any], count: Any) -> str:
    """ ", 62% of them in the two poorest classes" (classes 1 and 2), when there are five."""
    if not _finite(count) or count <= 0 or len([c for c in by_class if c != "all"]) < 3:
        return ""
    poor = sum((by_class.get(c) or {}).get("households", {}).get("mean") or 0.0 for c in "12")
    return f", {poor / count:.0%} of them in the two poorest classes"


def _access(group: dict[str, Any], noise: dict[str, Any] | None = None,
            who: str = "the far households") -> str:  # fmt: skip
    """The change in the jobs a group reaches weighted by the decay, in words: "more" or
    "fewer" only by :func:`reading` against ``noise`` (the interval of ``who``)."""
    iv = group.get(ACCESS) or {}
    text = interval_text(iv, "+,.0f") + _aside(noise, who, "+,.0f")
    before = _num((group.get("acc_smooth_base") or {}).get("mean"))
    after = _num((group.get("acc_smooth") or {}).get("mean"))
    levels = ""
    if math.isfinite(before) and math.isfinite(after) and before > 0:
        levels = f" from {before:,.0f} to {after:,.0f} (x{after / before:.2f})"
    r = reading(iv, noise)
    if r == NO_INTERVAL:
        return f"the jobs they reach{levels} change by {text}"
    if r in (HOLDS_ZERO, LIKE_CONTROL):
        return f"the jobs they reach{levels} change by {text}, {_not_told(r)}"
    return (f"the jobs they reach (decay-weighted) go{levels}: {'more' if r == UP else 'fewer'}, "
            f"{text}")  # fmt: skip


def _jobs45(group: dict[str, Any], noise: dict[str, Any] | None = None,
            who: str = "the far households") -> str:  # fmt: skip
    """The change in jobs within 45 minutes, in words: "more" or "fewer" only by
    :func:`reading` against ``noise`` (the interval of ``who``); ``""`` when the group has no
    such figure (a summary.json written before)."""
    iv = group.get(JOBS45) or {}
    if not _finite(iv.get("mean")):
        return ""
    text = interval_text(iv, "+,.0f") + _aside(noise, who, "+,.0f")
    r = reading(iv, noise)
    if r == NO_INTERVAL:
        return f"the jobs they reach within 45 min change by {text}"
    if r in (HOLDS_ZERO, LIKE_CONTROL):
        return f"the change in jobs they reach within 45 min, {text}, is {_not_told(r)}"
    return (f"they reach {abs(iv['mean']):,.0f} {'more' if r == UP else 'fewer'} jobs within 45 "
            f"min, {text}")  # fmt: skip


def _not_told(r: str) -> str:
    """What a change is that has no sign word: not told from zero, or from the solver's error."""
    return NOT_DISTINGUISHABLE if r == HOLDS_ZERO else SOLVER_ERROR


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
    return (f"Capital cost {cur} {capex / 1e6:,.1f} M; {_yearly(scen, ivs, inputs)}; {book}, "
            f"{verdict} (net present value {money}, benefit-cost ratio "
            f"{bcr_text(ivs, scen, 'standard')}, time valued at each household's own value "
            "of time).")  # fmt: skip


def _yearly(scen: dict[str, Any], ivs: dict[str, Any], inputs: dict[str, Any]) -> str:
    """The standard yearly user benefit, with the rule that made it a year."""
    key = "user_benefit_equity_vot" if inputs.get("standard_vot") == "equity" else \
        "user_benefit_own_vot"  # fmt: skip
    iv = ivs.get(f"annual.{key}") or {"mean": (scen.get("annual") or {}).get(key)}
    days = inputs.get("days_per_year")
    rule = f"the peak hour x 2 x {days:,.0f} days" if _finite(days) else "the peak hour x 2 x days"
    return f"user benefit {inputs.get('currency', '')} {millions_text(iv)} M a year ({rule})"


def bcr_text(ivs: dict[str, Any], scen: dict[str, Any], variant: str) -> str:
    """The benefit-cost ratio with its interval, or "n/a (why)" when it has no value."""
    figures = (scen.get("variants") or {}).get(variant) or {}
    iv = ivs.get(f"{variant}.bcr") or {"mean": figures.get("bcr")}
    if not _finite(iv.get("mean")):
        why = str(figures.get("bcr_status") or "no positive cost")
        return f"n/a ({why.removeprefix('n/a: ')})"
    return interval_text(iv, ".2f")


def millions_text(iv: dict[str, Any]) -> str:
    """An interval of money in millions: ``"+50.0 [+10.0, +90.0]"``."""
    scaled = {
        k: (v / 1e6 if _finite(v) else v) for k, v in iv.items() if k in ("mean", "low", "high")
    }
    return interval_text(scaled, "+,.1f")
