"""Accessibility, equity and benefit metrics: pure functions on numpy arrays and pandas frames.

Nothing here knows about the model: every function takes plain arrays (times in minutes, money
in the city's currency) and returns arrays, floats or small :class:`pandas.DataFrame` tables, so
the same code summarises one run, compares two runs and aggregates a batch.

Conventions
-----------
- Unreachable destinations carry a time of NaN or ``inf``; they count as not reachable.
- Inequality indices (:func:`gini`, :func:`lorenz`, :func:`palma`) treat ``weights`` as
  population counts: a weight of 3 means exactly the same as repeating the value three times.
  An all-zero distribution is read as perfect equality (Gini 0, Lorenz curve on the diagonal).
- A *change* is always ``new - base``; whether a negative change is good is said by ``better``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "BUS_G_CO2_PER_KM",
    "CAR_G_CO2_PER_KM",
    "DIESEL_KG_CO2_PER_L",
    "MOTORBIKE_G_CO2_PER_KM",
    "PETROL_KG_CO2_PER_L",
    "Better",
    "DecayForm",
    "benefit_per_capex",
    "by_class",
    "co2_kg",
    "confidence_interval",
    "cumulative_accessibility",
    "fare_burden",
    "gini",
    "gravity_accessibility",
    "lorenz",
    "palma",
    "quantile_ratio",
    "winners_losers",
]

# --- emission factors --------------------------------------------------------------------------
# Tank-to-wheel CO2 per vehicle-kilometre for a real-world Latin American urban fleet in
# congested traffic. They are assumptions, not measurements: the fuel use figures are typical
# real-world consumptions, converted with the standard combustion factors below (IPCC 2006 / UK
# DEFRA conversion factors). Electric modes (metro, cable car) are zero tank-to-wheel and their
# grid emissions are out of scope. Pass another factor to :func:`co2_kg` to test sensitivity.

#: kg CO2 per litre of petrol burnt.
PETROL_KG_CO2_PER_L = 2.31
#: kg CO2 per litre of diesel burnt.
DIESEL_KG_CO2_PER_L = 2.68
#: Private car, ~7.8 l/100 km petrol in city traffic: 0.078 * 2.31 kg = ~180 g/km.
CAR_G_CO2_PER_KM = 180.0
#: Motorcycle (mostly 100-200 cc), ~3.9 l/100 km petrol: ~90 g/km.
MOTORBIKE_G_CO2_PER_KM = 90.0
#: Diesel urban bus, ~37 l/100 km: ~1,000 g per *vehicle*-km (divide by occupancy per rider).
BUS_G_CO2_PER_KM = 1000.0


class DecayForm(StrEnum):
    """Impedance function of :func:`gravity_accessibility`."""

    EXPONENTIAL = "exponential"  # f(t) = exp(-beta t)
    POWER = "power"  # f(t) = max(t, 1) ** -beta
    LOGISTIC = "logistic"  # f(t) = 1 / (1 + exp(pi (t - cutoff) / (sd sqrt 3)))


class Better(StrEnum):
    """Which direction of a change is an improvement (see :func:`winners_losers`)."""

    LOWER = "lower"  # e.g. generalised cost, travel time, fare burden
    HIGHER = "higher"  # e.g. accessibility


# --- validation helpers ------------------------------------------------------------------------


def _array(
    x: ArrayLike, name: str, *, ndim: int = 1, nonneg: bool = False, finite: bool = True
) -> NDArray[np.float64]:
    """``x`` as a float array of ``ndim`` dimensions, or a one-line ValueError naming it."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be numeric") from None
    if arr.ndim != ndim:
        raise ValueError(f"`{name}` must be {ndim}-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty")
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"`{name}` must not contain NaN or infinity")
    if nonneg and (arr < 0).any():  # NaN compares False, so unreachable times pass here
        raise ValueError(f"`{name}` must be non-negative")
    return arr


def _numeric(x: ArrayLike, name: str, *, positive: bool = False) -> NDArray[np.float64]:
    """A finite non-negative (or strictly positive) float array of any shape, scalars included."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be numeric") from None
    if not np.isfinite(arr).all():
        raise ValueError(f"`{name}` must not contain NaN or infinity")
    if positive and (arr <= 0).any():
        raise ValueError(f"`{name}` must be positive")
    if (arr < 0).any():
        raise ValueError(f"`{name}` must be non-negative")
    return arr


def _nonneg_scalar(x: float, name: str) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a number, got {x!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"`{name}` must be a finite non-negative number, got {x!r}")
    return value


def _scalar_or_array(arr: NDArray[np.float64]) -> float | NDArray[np.float64]:
    return float(arr) if arr.ndim == 0 else arr


def _weights(weights: ArrayLike | None, n: int, of: str = "`values`") -> NDArray[np.float64]:
    if weights is None:
        return np.ones(n)
    w = _array(weights, "weights", nonneg=True)
    if w.shape[0] != n:
        raise ValueError(f"`weights` must have the same length as {of} ({n}), got {w.shape[0]}")
    if w.sum() <= 0:
        raise ValueError("`weights` must sum to a positive number")
    return w


def _distribution(
    values: ArrayLike, weights: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x = _array(values, "values", nonneg=True)
    return x, _weights(weights, x.shape[0])


# --- accessibility -----------------------------------------------------------------------------


def _times_and_jobs(
    times_min: ArrayLike, jobs: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    t = _array(times_min, "times_min", ndim=2, nonneg=True, finite=False)
    j = _array(jobs, "jobs", nonneg=True)
    if t.shape[1] != j.shape[0]:
        raise ValueError(
            f"`jobs` must have one entry per destination (column of `times_min`, {t.shape[1]}), "
            f"got {j.shape[0]}"
        )
    return t, j


def cumulative_accessibility(
    times_min: ArrayLike, jobs: ArrayLike, thresholds: Sequence[float] = (30, 45, 60)
) -> NDArray[np.float64]:
    """Jobs reachable within each travel-time threshold (cumulative-opportunity measure).

    Parameters
    ----------
    times_min
        Travel times in minutes, shape ``(n_origins, n_dest)``. NaN or ``inf`` means the
        destination cannot be reached.
    jobs
        Jobs (or any opportunity count) at each destination, shape ``(n_dest,)``.
    thresholds
        Time budgets in minutes. A destination counts when ``time <= threshold`` (inclusive).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins, len(thresholds))``: column ``k`` is the number of jobs reachable
        within ``thresholds[k]`` minutes.
    """
    t, j = _times_and_jobs(times_min, jobs)
    thr = _array(thresholds, "thresholds", nonneg=True)
    out = np.empty((t.shape[0], thr.shape[0]))
    for k, limit in enumerate(thr):
        # NaN <= limit is False, so unreachable destinations drop out without a special case
        out[:, k] = (t <= limit).astype(np.float64) @ j
    return out


def gravity_accessibility(
    times_min: ArrayLike,
    jobs: ArrayLike,
    *,
    beta: float = 0.05,
    form: DecayForm | str = DecayForm.EXPONENTIAL,
    cutoff_min: float = 40.0,
    sd_min: float = 12.0,
) -> NDArray[np.float64]:
    """Gravity-type accessibility: jobs weighted by a decreasing function of travel time.

    ``A_i = sum_j jobs_j f(t_ij)`` with ``f(t) = exp(-beta t)`` (``form="exponential"``),
    ``f(t) = max(t, 1) ** -beta`` (``form="power"``; times under one minute count as one so an
    intrazonal zero time does not get infinite weight) or the logistic
    ``f(t) = 1 / (1 + exp(pi (t - cutoff_min) / (sd_min sqrt 3)))`` (``form="logistic"``: 1/2
    at the cutoff, the steepness of a logistic distribution of standard deviation ``sd_min``;
    the form of Ipea's ``accessibility`` package). Unreachable destinations get ``f = 0``.

    Parameters
    ----------
    times_min
        Travel times in minutes, shape ``(n_origins, n_dest)``; NaN or ``inf`` = unreachable.
    jobs
        Jobs at each destination, shape ``(n_dest,)``.
    beta
        Decay parameter, per minute for the exponential form (0.05 halves the weight every
        ~14 minutes). ``beta=0`` counts every reachable job.
    form
        ``"exponential"``, ``"power"`` or ``"logistic"`` (see :class:`DecayForm`).
    cutoff_min, sd_min
        Inflection point and standard deviation of the logistic form, minutes.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_origins,)``.
    """
    t, j = _times_and_jobs(times_min, jobs)
    if not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f"`beta` must be a finite non-negative number, got {beta}")
    try:
        decay = DecayForm(form)
    except ValueError:
        allowed = ", ".join(repr(f.value) for f in DecayForm)
        raise ValueError(f"`form` must be one of {allowed}, got {form!r}") from None
    reachable = np.isfinite(t)
    safe = np.where(reachable, t, 0.0)
    if decay is DecayForm.EXPONENTIAL:
        weight = np.exp(-beta * safe)
    elif decay is DecayForm.POWER:
        weight = np.maximum(safe, 1.0) ** -beta
    else:
        if not (cutoff_min > 0 and sd_min > 0):
            raise ValueError(f"`cutoff_min` and `sd_min` must be > 0, got {cutoff_min}, {sd_min}")
        z = np.clip(math.pi * (safe - cutoff_min) / (sd_min * math.sqrt(3.0)), -700.0, 700.0)
        weight = 1.0 / (1.0 + np.exp(z))
    return np.where(reachable, weight, 0.0) @ j


# --- inequality --------------------------------------------------------------------------------


def _concentration_curve(
    order_key: NDArray, x: NDArray[np.float64], w: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative population and value shares, ranking by ``order_key``, starting at (0, 0)."""
    order = np.argsort(order_key, kind="stable")
    w_sorted = w[order]
    mass = w_sorted * x[order]
    pop = np.concatenate(([0.0], np.cumsum(w_sorted)))
    val = np.concatenate(([0.0], np.cumsum(mass)))
    pop /= pop[-1]
    # all-zero values: no share is defined; call it perfect equality, like gini() does
    val = val / val[-1] if val[-1] > 0 else pop.copy()
    return pop, val


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini coefficient of a non-negative distribution, optionally population-weighted.

    ``G = sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean)``: the mean absolute difference over all
    ordered pairs (self-pairs included) divided by twice the mean. With equal weights this is
    the textbook population Gini (no ``n / (n - 1)`` correction), so ``[1, 2, 3, 4]`` gives 0.25
    and ``[0, 0, 0, 1]`` gives 0.75; integer weights give exactly the Gini of the replicated data.

    Parameters
    ----------
    values
        Non-negative finite values, shape ``(n,)``.
    weights
        Non-negative population weights, shape ``(n,)``; ``None`` for equal weights.

    Returns
    -------
    float
        In ``[0, 1)``; 0 when every value is equal, including all zero.
    """
    x, w = _distribution(values, weights)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total_w = w.sum()
    total_xw = (w * x).sum()
    if total_xw == 0:
        return 0.0
    cum_w = np.cumsum(w)
    # for sorted x: sum_j w_j |x_i - x_j| = x_i (weight below i - weight above i) + ..., which
    # sums over i to sum_i w_i x_i (2 C_i - w_i - W); O(n log n) instead of O(n^2)
    g = (w * x * (2.0 * cum_w - w - total_w)).sum() / (total_w * total_xw)
    return float(min(max(g, 0.0), 1.0))


def lorenz(
    values: ArrayLike, weights: ArrayLike | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lorenz curve: cumulative population share against cumulative value share.

    Parameters
    ----------
    values
        Non-negative finite values, shape ``(n,)``.
    weights
        Non-negative population weights, shape ``(n,)``; ``None`` for equal weights.

    Returns
    -------
    cum_pop_share, cum_value_share : numpy.ndarray
        Both of shape ``(n + 1,)``, starting at 0 and ending at 1, ranked from the smallest
        value up. The curve is convex and lies on or below the diagonal. If every value is zero
        the curve is the diagonal (perfect equality).
    """
    x, w = _distribution(values, weights)
    return _concentration_curve(x, x, w)


def palma(
    values: ArrayLike, weights: ArrayLike | None = None, groups: ArrayLike | None = None
) -> float:
    """Palma ratio: value share of the top 10% divided by the value share of the bottom 40%.

    The shares are read off the piecewise-linear Lorenz curve, so a person (or group) that
    straddles the 40% or 90% cut is split proportionally: the result is exact whenever the
    population can be split at the cuts (e.g. ten equal-weight people), and weights behave as
    replication. An equal distribution gives ``0.1 / 0.4 = 0.25``.

    Parameters
    ----------
    values
        Non-negative finite values, shape ``(n,)`` (e.g. jobs reachable per household).
    weights
        Non-negative population weights, shape ``(n,)``; ``None`` for equal weights.
    groups
        Optional ordinal labels, shape ``(n,)``, that rank the population instead of the values
        themselves, poorest first in sort order (e.g. estrato 1..6 or income quintile 1..5).
        The "top 10%" and "bottom 40%" are then the richest and poorest people, and a group cut
        by a threshold contributes its share pro rata. This is the Palma ratio of accessibility
        *by income* used in transport equity studies; it can be below 0.25 (or well above) when
        the poor have more (or less) than the rich.

    Returns
    -------
    float
        ``inf`` when the bottom 40% hold nothing but the top 10% hold something; 0.25 when
        every value is zero (read as perfect equality); NaN if, ranked by ``groups``, both the
        bottom 40% and the top 10% hold nothing.
    """
    x, w = _distribution(values, weights)
    if groups is None:
        pop, val = _concentration_curve(x, x, w)
    else:
        labels = np.asarray(groups)
        if labels.shape != x.shape:
            raise ValueError(f"`groups` must have the same shape as `values` {x.shape}")
        # collapse each group to its total so the order of people inside a group is irrelevant
        keys, inverse = np.unique(labels, return_inverse=True)
        w_g = np.bincount(inverse, weights=w, minlength=keys.shape[0]).astype(np.float64)
        mass_g = np.bincount(inverse, weights=w * x, minlength=keys.shape[0]).astype(np.float64)
        mean_g = np.divide(mass_g, w_g, out=np.zeros_like(mass_g), where=w_g > 0)
        pop, val = _concentration_curve(np.arange(keys.shape[0]), mean_g, w_g)
    bottom = float(np.interp(0.4, pop, val))
    top = 1.0 - float(np.interp(0.9, pop, val))
    if bottom <= 0:
        return math.inf if top > 0 else math.nan
    return top / bottom


def _as_class_series(data: Mapping | pd.Series | ArrayLike, name: str) -> pd.Series:
    if isinstance(data, pd.Series):
        s = data.astype(np.float64)
    elif isinstance(data, Mapping):
        s = pd.Series(dict(data), dtype=np.float64)
    else:
        s = pd.Series(_array(data, name, finite=False))
    if s.empty:
        raise ValueError(f"`{name}` must not be empty")
    if not np.isfinite(s.to_numpy()).all():
        raise ValueError(f"`{name}` must not contain NaN or infinity")
    return s


def quantile_ratio(values_by_class: Mapping | pd.Series | ArrayLike) -> float:
    """Ratio of the poorest class's value to the richest class's value.

    Parameters
    ----------
    values_by_class
        One value per income class, **ordered from poorest to richest** (a Series in index
        order, a mapping in insertion order, or a 1-D array), e.g. the mean accessibility of
        each quintile from :func:`by_class`. At least two classes, non-negative.

    Returns
    -------
    float
        ``first / last``: below 1 when the poorest class has less. ``inf`` if only the richest
        class has zero, NaN if both have zero.
    """
    s = _as_class_series(values_by_class, "values_by_class")
    if s.shape[0] < 2:
        raise ValueError("`values_by_class` must hold at least two classes")
    if (s < 0).any():
        raise ValueError("`values_by_class` must be non-negative")
    poorest, richest = float(s.iloc[0]), float(s.iloc[-1])
    if richest == 0:
        return math.nan if poorest == 0 else math.inf
    return poorest / richest


# --- burdens, tables, winners and losers -------------------------------------------------------


def fare_burden(
    money_cost_per_trip: ArrayLike, income_per_month: ArrayLike, *, trips_per_month: float = 44
) -> float | NDArray[np.float64]:
    """Share of monthly income spent on transport: ``cost_per_trip * trips_per_month / income``.

    Parameters
    ----------
    money_cost_per_trip
        Out-of-pocket cost of one trip (fares, fuel, parking), non-negative; scalar or array.
    income_per_month
        Household (or person) monthly income, positive; broadcasts against the cost.
    trips_per_month
        Trips paid per month; 44 = two trips a working day, 22 working days.

    Returns
    -------
    float or numpy.ndarray
        A float for scalar inputs, else the broadcast array. 0.1 means a tenth of income.
    """
    cost = _numeric(money_cost_per_trip, "money_cost_per_trip")
    income = _numeric(income_per_month, "income_per_month", positive=True)
    trips = _nonneg_scalar(trips_per_month, "trips_per_month")
    try:
        burden = cost * trips / income
    except ValueError:
        raise ValueError(
            f"`money_cost_per_trip` {cost.shape} and `income_per_month` {income.shape} "
            "do not broadcast"
        ) from None
    return _scalar_or_array(burden)


def _frame(data: pd.DataFrame | Mapping[str, ArrayLike], name: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame({k: np.asarray(v) for k, v in data.items()})
        except ValueError:
            raise ValueError(f"`{name}` arrays must all have the same length") from None
    raise ValueError(f"`{name}` must be a DataFrame or a mapping of column name to array")


def by_class(
    df_or_arrays: pd.DataFrame | Mapping[str, ArrayLike],
    class_col: str,
    value_cols: str | Sequence[str],
    weights: str | ArrayLike | None = None,
) -> pd.DataFrame:
    """(Weighted) mean of some columns by income class.

    Parameters
    ----------
    df_or_arrays
        A DataFrame, or a mapping of column name to equal-length 1-D arrays.
    class_col
        Column holding the income class (estrato, quintile, ...).
    value_cols
        Column name or names to average.
    weights
        ``None`` (each row counts once), a column name, or an array with one weight per row.

    Returns
    -------
    pandas.DataFrame
        Indexed by class (sorted, index named ``class_col``), one column per value column with
        its weighted mean (NaN entries are skipped, as pandas does), then ``n``, the number of
        rows in the class.
    """
    df = _frame(df_or_arrays, "df_or_arrays")
    cols = [value_cols] if isinstance(value_cols, str) else list(value_cols)
    if not cols:
        raise ValueError("`value_cols` must name at least one column")
    for name, col in [("class_col", class_col), *(("value_cols", c) for c in cols)]:
        if col not in df.columns:
            raise ValueError(f"`{name}` names column {col!r}, which is not in the data")
    if "n" in cols:
        raise ValueError("`value_cols` must not contain 'n', the name of the count column")
    if isinstance(weights, str):
        if weights not in df.columns:
            raise ValueError(f"`weights` names column {weights!r}, which is not in the data")
        w = _weights(df[weights].to_numpy(), len(df), "the data")
    else:
        w = _weights(weights, len(df), "the data")
    classes = df[class_col].to_numpy()
    parts: dict[str, NDArray | pd.Series] = {class_col: classes}
    for col in cols:
        try:
            x = pd.to_numeric(df[col], errors="raise").to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"`value_cols` column {col!r} must be numeric") from None
        seen = ~np.isnan(x)
        parts[f"w_{col}"] = np.where(seen, w, 0.0)
        parts[f"m_{col}"] = np.where(seen, w * np.nan_to_num(x), 0.0)
    sums = pd.DataFrame(parts).groupby(class_col, sort=True).sum()
    out = pd.DataFrame(index=sums.index)
    for col in cols:
        denom = sums[f"w_{col}"]
        out[col] = (sums[f"m_{col}"] / denom).where(denom > 0)
    out["n"] = pd.Series(classes).value_counts().reindex(out.index).to_numpy()
    return out


def winners_losers(
    base: ArrayLike,
    new: ArrayLike,
    classes: ArrayLike,
    *,
    tol: float = 1e-9,
    better: Better | str = Better.LOWER,
    weights: ArrayLike | None = None,
) -> pd.DataFrame:
    """Who gains and who loses from a change, by income class.

    Parameters
    ----------
    base, new
        One finite value per household (or zone) before and after, shape ``(n,)``; e.g.
        generalised cost per trip (``better="lower"``) or jobs reachable (``better="higher"``).
    classes
        Income class of each household, shape ``(n,)``.
    tol
        Absolute tolerance: ``|new - base| <= tol`` counts as unchanged.
    better
        ``"lower"`` if a decrease is an improvement, ``"higher"`` if an increase is.
    weights
        Optional non-negative weights per row (e.g. households per zone); ``None`` = 1 each.

    Returns
    -------
    pandas.DataFrame
        Indexed by class (sorted, index named ``class``) with columns ``n`` (rows), ``share_better``, ``share_worse``,
        ``share_unchanged`` (weighted; they sum to 1) and ``mean_change``, the weighted mean of
        ``new - base`` in the variable's own sign (negative = a fall, whatever ``better`` is).
    """
    b = _array(base, "base")
    a = _array(new, "new")
    if a.shape != b.shape:
        raise ValueError(f"`new` must have the same shape as `base` {b.shape}, got {a.shape}")
    labels = np.asarray(classes)
    if labels.shape != b.shape:
        raise ValueError(f"`classes` must have the same shape as `base` {b.shape}")
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"`tol` must be a finite non-negative number, got {tol}")
    try:
        direction = Better(better)
    except ValueError:
        raise ValueError(f"`better` must be 'lower' or 'higher', got {better!r}") from None
    w = _weights(weights, b.shape[0], "`base`")
    change = a - b
    gain = -change if direction is Better.LOWER else change
    frame = pd.DataFrame(
        {
            "cls": labels,
            "n": 1,
            "w": w,
            "better": w * (gain > tol),
            "worse": w * (gain < -tol),
            "wchange": w * change,
        }
    )
    sums = frame.groupby("cls", sort=True).sum()
    # a class whose weights are all zero has no shares: NaN, not a division error
    denom = sums["w"].where(sums["w"] > 0)
    out = pd.DataFrame(index=sums.index.rename("class"))
    out["n"] = sums["n"].astype(np.int64)
    out["share_better"] = sums["better"] / denom
    out["share_worse"] = sums["worse"] / denom
    out["share_unchanged"] = 1.0 - out["share_better"] - out["share_worse"]
    out["mean_change"] = sums["wchange"] / denom
    return out


# --- emissions and benefits --------------------------------------------------------------------


def co2_kg(vkt_km: ArrayLike, *, g_per_km: float = CAR_G_CO2_PER_KM) -> float | NDArray[np.float64]:
    """Tank-to-wheel CO2 in kilograms from vehicle-kilometres travelled.

    Parameters
    ----------
    vkt_km
        Vehicle-kilometres, non-negative; scalar or array.
    g_per_km
        Grams of CO2 per vehicle-km; see :data:`CAR_G_CO2_PER_KM` (default),
        :data:`MOTORBIKE_G_CO2_PER_KM` and :data:`BUS_G_CO2_PER_KM`.

    Returns
    -------
    float or numpy.ndarray
        ``vkt_km * g_per_km / 1000``, a float for scalar input.
    """
    vkt = _numeric(vkt_km, "vkt_km")
    factor = _nonneg_scalar(g_per_km, "g_per_km")
    return _scalar_or_array(vkt * factor / 1000.0)


def benefit_per_capex(
    delta_gen_cost_per_trip_by_class: Mapping | pd.Series | ArrayLike,
    households_by_class: Mapping | pd.Series | ArrayLike,
    capex: float,
    *,
    trips_per_year: float = 500,
    discount_rate: float | None = None,
    lifetime_years: int = 30,
) -> pd.DataFrame:
    """Annual user benefit per unit of capital cost, by income class.

    The benefit of class ``c`` is the fall in generalised cost times the trips its households
    make: ``B_c = -delta_c * households_c * trips_per_year``. No rule-of-half is applied: the
    change is measured on the households' own (possibly new) choices, so ``delta_c`` is simply
    the mean of ``new - base`` generalised cost per trip. It must be in money: convert time to
    money with each class's value of time first. Dividing by ``capex`` shows how much of the
    investment reaches each class; compare classes, not absolute levels.

    Parameters
    ----------
    delta_gen_cost_per_trip_by_class
        Mean change (new - base) in money generalised cost per trip, one per class (Series or
        mapping keyed by class, or an array in class order). Negative is a saving.
    households_by_class
        Households in each class, same keys (or same length and order) as the deltas.
    capex
        Capital cost of the intervention, positive, same currency as the deltas.
    trips_per_year
        Trips per household per year; 500 = two a day on 250 working days.
    discount_rate
        If given (e.g. 0.12, the rate Colombia's DNP uses), capex is first turned into an
        equivalent annual cost with the capital recovery factor
        ``r / (1 - (1 + r) ** -lifetime_years)``, so ``benefit_per_capex`` is a yearly
        benefit-cost ratio (operating costs excluded).
    lifetime_years
        Asset life for the capital recovery factor.

    Returns
    -------
    pandas.DataFrame
        Indexed by class with columns ``households``, ``delta_cost_per_trip``,
        ``annual_benefit``, ``benefit_share`` (of the total benefit; NaN when it is zero) and
        ``benefit_per_capex``. Their ``benefit_per_capex`` sum is the whole project's ratio.
    """
    delta = _as_class_series(delta_gen_cost_per_trip_by_class, "delta_gen_cost_per_trip_by_class")
    hh = _as_class_series(households_by_class, "households_by_class")
    if (hh < 0).any():
        raise ValueError("`households_by_class` must be non-negative")
    if set(hh.index) != set(delta.index) or len(hh) != len(delta):
        raise ValueError(
            "`households_by_class` must have the same classes as `delta_gen_cost_per_trip_by_class`"
        )
    hh = hh.reindex(delta.index)
    if not (math.isfinite(capex) and capex > 0):
        raise ValueError(f"`capex` must be a positive finite number, got {capex}")
    trips = _nonneg_scalar(trips_per_year, "trips_per_year")
    cost = capex
    if discount_rate is not None:
        if not (math.isfinite(discount_rate) and discount_rate >= 0):
            raise ValueError(f"`discount_rate` must be non-negative, got {discount_rate}")
        if int(lifetime_years) != lifetime_years or lifetime_years < 1:
            raise ValueError(f"`lifetime_years` must be a positive integer, got {lifetime_years}")
        r, n = discount_rate, int(lifetime_years)
        cost = capex / n if r == 0 else capex * r / (1.0 - (1.0 + r) ** -n)
    benefit = -delta * hh * trips
    total = float(benefit.sum())
    out = pd.DataFrame(
        {
            "households": hh,
            "delta_cost_per_trip": delta,
            "annual_benefit": benefit,
            "benefit_share": benefit / total if total != 0 else np.nan,
            "benefit_per_capex": benefit / cost,
        }
    )
    return out


# --- batch summaries ---------------------------------------------------------------------------


def confidence_interval(samples: ArrayLike, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent replications.

    Parameters
    ----------
    samples
        One finite value per replication (e.g. per seed), shape ``(n,)``.
    level
        Confidence level in ``(0, 1)``.

    Returns
    -------
    mean, lo, hi : float
        ``mean -/+ t_{(1+level)/2, n-1} * s / sqrt(n)`` with ``s`` the sample standard
        deviation (``ddof=1``). With one sample the interval is unknown: ``(x, nan, nan)``.
    """
    x = _array(samples, "samples")
    if not (0 < level < 1):
        raise ValueError(f"`level` must be in (0, 1), got {level}")
    mean = float(x.mean())
    n = x.shape[0]
    if n == 1:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half
