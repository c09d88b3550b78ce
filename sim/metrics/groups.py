"""Results by group: means by income class, and who gains and who loses from a change.

A *change* is always ``new - base``; whether a negative change is good is said by
:class:`Better`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.metrics.checks import _array, _frame, _weights

__all__ = ["Better", "by_class", "winners_losers"]


class Better(StrEnum):
    """Which direction of a change is an improvement (see :func:`winners_losers`)."""

    LOWER = "lower"  # e.g. generalised cost, travel time, fare burden
    HIGHER = "higher"  # e.g. accessibility


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
