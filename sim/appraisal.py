"""Cost-benefit appraisal: the formulas, each small enough to check by hand.

Conventions (stated once, used everywhere):

- Years are counted from 0, the first construction year; a flow in year ``t`` is discounted by
  ``(1 + r) ** -t`` (year 0 is not discounted).
- Capex is spent over its construction ``profile`` (shares by year; default all in year 0). The
  project opens when the longest profile ends, year ``k``, and is appraised over ``period``
  operating years, ``k .. k + period - 1``.
- Residual value: straight line over the asset's life from opening, counted in the last
  operating year: ``capex * max(0, 1 - period / life)``.
- A peak-hour quantity becomes a yearly one times ``2 x days_per_year``
  (:func:`sim.appraisal_spec.peak_hours_a_year`): the modelled morning peak
  hour and its mirror, the evening return, on the city's weekday-equivalents a year. Trips
  outside the two peak hours are not claimed (UK TAG units A1.1 and M3.1 annualise only the
  modelled periods). A "whole day" variant, ``days_per_year / peak_hour_share``, is shown
  beside the standard as a sensitivity, never as the standard.
- User benefits are the fall in each household's expected generalised cost (the logsum, in
  minutes, of its trips of the modelled hour) times a value of time: its own (``own``), or the
  population mean for everyone (``equity``), optionally times a distributional weight of its
  income class. The logsum counts the fares users pay.
- Economic view (the convention of the European Commission's Guide to Cost-Benefit Analysis of
  Investment Projects, 2014: benefits over costs, each discounted): fares are a transfer
  between users and operators, so the change in fare revenue sits beside the user benefit, on
  the benefit side. ``PVB`` = present value of user benefits + the change in fare revenue + the
  value of the CO2 change. ``PVC`` = present value of capex + operating costs - residual value,
  positive whenever there is capex. ``NPV = PVB - PVC`` (the same number wherever the revenue
  is placed), ``BCR = PVB / PVC``; with ``PVC <= 0`` the ratio has no meaning and is null, with
  the reason in ``bcr_status``.
- Financial view: the change in fare revenue of all operators against the new operating costs
  and the capex: ``PV(revenue - O&M) - PV(capex) + PV(residual)``.

:mod:`sim.appraisal_runs` applies these to run directories.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.appraisal_spec import peak_hours_a_year

__all__ = [
    "construction_years",
    "discount_factors",
    "equity_weights",
    "households_scale",
    "npv_bcr",
    "present_value",
    "residual_value",
    "schedule",
    "yearly_user_benefit",
]


def households_scale(summary: Mapping[str, Any], n: int) -> float:
    """Real households one synthetic household of a run stands for: its summary's
    ``households_represented`` (the census expansion) over ``n`` synthetic households; 1 when
    the run records none."""
    try:
        scale = float(summary.get("households_represented") or math.nan) / max(int(n), 1)
    except (TypeError, ValueError):
        return 1.0
    return scale if math.isfinite(scale) and scale > 0 else 1.0


def yearly_user_benefit(
    old_peak_cost_min: np.ndarray | pd.Series,
    new_peak_cost_min: np.ndarray | pd.Series,
    vot_per_min: np.ndarray | pd.Series | float,
    *,
    scale: float,
    days_per_year: float,
) -> np.ndarray:
    """Each synthetic household's user benefit a year, for the real households it stands for.

    ``*_peak_cost_min`` are the household's minutes of expected generalised cost (the logsum)
    summed over its trips of the modelled peak hour (the household table's ``peak_cost_min``);
    their fall times its value of time is its benefit in that hour; times ``scale`` (real
    households per synthetic one) and :func:`sim.appraisal_spec.peak_hours_a_year` it is a
    year's. A
    household with no value in either run counts zero. The appraisal, the comparison's
    "yearly user benefit" and the bottom line all come from here.
    """
    saved = np.asarray(old_peak_cost_min, float) - np.asarray(new_peak_cost_min, float)
    money = np.nan_to_num(saved * np.asarray(vot_per_min, float))
    return money * float(scale) * peak_hours_a_year(days_per_year)


def discount_factors(rate: float, years: int) -> np.ndarray:
    """``(1 + rate) ** -t`` for ``t = 0 .. years - 1``."""
    if not (math.isfinite(rate) and rate > -1):
        raise ValueError(f"`rate` must be > -1, not {rate}")
    return (1.0 + rate) ** -np.arange(int(years), dtype=float)


def present_value(flows: Sequence[float] | np.ndarray, rate: float) -> float:
    """Present value at year 0 of ``flows[t]`` received in year ``t``."""
    arr = np.asarray(flows, dtype=float)
    return float(np.sum(arr * discount_factors(rate, arr.size)))


def construction_years(profiles: Sequence[Sequence[float]]) -> int:
    """Years of construction: the longest profile (an empty profile is one year)."""
    return max((len(p) or 1 for p in profiles), default=1)


def residual_value(capex: float, life_years: float, period_years: int) -> float:
    """Straight-line value left after ``period_years`` of a ``life_years`` asset."""
    if life_years <= 0:
        raise ValueError(f"`life_years` must be > 0, not {life_years}")
    return capex * max(0.0, 1.0 - period_years / life_years)


def schedule(
    items: Sequence[Mapping[str, object]],
    *,
    period_years: int,
    annual_benefit: float,
    annual_revenue: float,
) -> pd.DataFrame:
    """Yearly flows of a project made of ``items``.

    Parameters
    ----------
    items
        One mapping per capital item: ``capex``, ``profile`` (shares by construction year;
        empty = all in year 0), ``life_years`` (> 0), ``om_per_year``.
    period_years
        Operating years appraised.
    annual_benefit, annual_revenue
        Yearly benefits (user and CO2, already in money) and change in fare revenue, each
        operating year.

    Returns
    -------
    pandas.DataFrame
        One row per year ``0 .. k + period_years - 1`` with columns ``capex``, ``om``,
        ``revenue``, ``residual``, ``benefit``.
    """
    k = construction_years([list(i.get("profile") or ()) for i in items])  # type: ignore[call-overload]
    n = k + int(period_years)
    out = pd.DataFrame(0.0, index=pd.RangeIndex(n, name="year"),
                       columns=["capex", "om", "revenue", "residual", "benefit"])  # fmt: skip
    for item in items:
        capex = float(item["capex"])  # type: ignore[arg-type]
        profile = list(item.get("profile") or (1.0,))  # type: ignore[call-overload]
        for t, share in enumerate(profile):
            out.loc[t, "capex"] += capex * float(share)
        out.loc[k:, "om"] += float(item.get("om_per_year") or 0.0)  # type: ignore[arg-type]
        life = float(item["life_years"])  # type: ignore[arg-type]
        out.loc[n - 1, "residual"] += residual_value(capex, life, int(period_years))
    out.loc[k:, "benefit"] = annual_benefit
    out.loc[k:, "revenue"] = annual_revenue
    return out


def npv_bcr(flows: pd.DataFrame, rate: float) -> dict[str, Any]:
    """Present values, NPV and BCR of a :func:`schedule`, in the economic convention (see the
    module's conventions): the revenue change is a benefit, the costs are capex and O&M less
    residual value. ``pv_cost_net_of_revenue`` and ``npv_net_of_revenue`` are the same
    appraisal with the revenue subtracted from the costs instead (the placement this module
    used before): the NPV is the same number."""
    pv = {col: present_value(flows[col].to_numpy(), rate) for col in flows.columns}
    pvb = pv["benefit"] + pv["revenue"]
    pvc = pv["capex"] + pv["om"] - pv["residual"]
    net_cost = pvc - pv["revenue"]
    if pvc > 0:
        bcr, status = pvb / pvc, "ratio"
    else:
        bcr = math.nan
        status = "n/a: no positive cost (capex + O&M - residual <= 0), so no ratio"
    return {
        "pv_benefit": pvb,
        "pv_user_and_co2": pv["benefit"],
        "pv_capex": pv["capex"],
        "pv_om": pv["om"],
        "pv_revenue": pv["revenue"],
        "pv_residual": pv["residual"],
        "pv_cost": pvc,
        "npv": pvb - pvc,
        "bcr": bcr,
        "bcr_status": status,
        "pv_cost_net_of_revenue": net_cost,
        "npv_net_of_revenue": pv["benefit"] - net_cost,
        "financial_npv": pv["revenue"] - pv["om"] - pv["capex"] + pv["residual"],
    }


def equity_weights(
    income_by_class: Mapping[str, float] | pd.Series,
    mean_income: float,
    *,
    aversion: float | None = None,
    explicit: Mapping[str, float] | None = None,
) -> pd.Series:
    """Distributional weight of each income class: ``explicit`` ones, else ``(mean_income /
    class income) ** aversion``, else 1 for every class."""
    income = pd.Series(income_by_class, dtype=float)
    if explicit:
        missing = sorted(set(map(str, income.index)) - set(explicit))
        if missing:
            raise ValueError(f"`distributional_weights` lacks class(es) {missing}")
        return pd.Series({c: float(explicit[str(c)]) for c in income.index})
    if aversion is None:
        return pd.Series(1.0, index=income.index)
    if (income <= 0).any() or mean_income <= 0:
        raise ValueError("incomes must be > 0 for inequality-aversion weights")
    return (mean_income / income) ** aversion
