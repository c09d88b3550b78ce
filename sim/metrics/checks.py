"""Argument checks shared by the metric functions: each turns an input into a float array (or
Series, or frame) or raises a one-line ValueError that names the argument.

They live apart so that every metric module validates its inputs the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray


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


def _frame(data: pd.DataFrame | Mapping[str, ArrayLike], name: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame({k: np.asarray(v) for k, v in data.items()})
        except ValueError:
            raise ValueError(f"`{name}` arrays must all have the same length") from None
    raise ValueError(f"`{name}` must be a DataFrame or a mapping of column name to array")
