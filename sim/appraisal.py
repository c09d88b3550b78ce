"""Cost-benefit appraisal: the formulas, each small enough to check by hand.

Conventions (stated once, used everywhere):

- Years are counted from 0, the first construction year; a flow in year ``t`` is discounted by
  ``(1 + r) ** -t`` (year 0 is not discounted).
- Capex is spent over its construction ``profile`` (shares by year; default all in year 0). The
  project opens when the longest profile ends, year ``k``, and is appraised over ``period``
  operating years, ``k .. k + period - 1``.
- Residual value: straight line over the asset's life from opening, counted in the last
  operating year: ``capex * max(0, 1 - period / life)``.
- A peak-hour quantity becomes a yearly one times :func:`annualisation_factor`.
- User benefits are the fall in each household's expected generalised cost (the logsum, in
  minutes) times a value of time: its own (``own``), or the population mean for everyone
  (``equity``), optionally times a distributional weight of its income class.
- ``PVB`` = present value of user benefits + the value of the CO2 change. ``PVC`` = present
  value of capex + operating costs - the change in fare revenue - residual value (the net cost
  to the public purse, as in the UK's TAG). ``NPV = PVB - PVC``, ``BCR = PVB / PVC``.
- Financial view: the change in fare revenue of all operators against the new operating costs
  and the capex: ``PV(revenue - O&M) - PV(capex) + PV(residual)``.

:mod:`sim.appraisal_runs` applies these to run directories.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "annualisation_factor",
    "benefit_by_class",
    "construction_years",
    "discount_factors",
    "equity_weights",
    "npv_bcr",
    "present_value",
    "residual_value",
    "schedule",
]


def annualisation_factor(peak_hour_share: float, days_per_year: float) -> float:
    """Peak hours in a year: a weekday holds ``1 / peak_hour_share`` peak hours' worth of trips
    and a year ``days_per_year`` weekdays' worth."""
    if not (0 < peak_hour_share <= 1 and days_per_year > 0):
        raise ValueError("`peak_hour_share` must be in (0, 1] and `days_per_year` > 0")
    return days_per_year / peak_hour_share


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


def npv_bcr(flows: pd.DataFrame, rate: float) -> dict[str, float]:
    """Present values, NPV and BCR of a :func:`schedule` (see the module conventions)."""
    pv = {col: present_value(flows[col].to_numpy(), rate) for col in flows.columns}
    pvb = pv["benefit"]
    pvc = pv["capex"] + pv["om"] - pv["revenue"] - pv["residual"]
    return {
        "pv_benefit": pvb,
        "pv_capex": pv["capex"],
        "pv_om": pv["om"],
        "pv_revenue": pv["revenue"],
        "pv_residual": pv["residual"],
        "pv_cost": pvc,
        "npv": pvb - pvc,
        "bcr": pvb / pvc if pvc > 0 else math.nan,
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


def benefit_by_class(
    saved_min: np.ndarray,
    vot_per_min: np.ndarray,
    trips: np.ndarray,
    classes: np.ndarray,
    *,
    scale: float = 1.0,
) -> pd.Series:
    """Money benefit per peak hour by class: ``sum(saved_min * vot * trips) * scale``.

    ``saved_min`` is base minus new expected generalised cost per trip (positive = a gain);
    ``trips`` the household's trips in the peak hour; ``scale`` the real households one
    synthetic household stands for. Households with a NaN saving count as zero.
    """
    money = np.nan_to_num(np.asarray(saved_min, float) * vot_per_min * trips) * scale
    return pd.Series(money).groupby(pd.Series(classes).astype(str).to_numpy()).sum()
