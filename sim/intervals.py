"""Intervals across seeds, and the words that go with them.

A comparison runs every scenario on several seeds (common random numbers: seed ``s`` of every
scenario holds the same synthetic population), so each headline number has one value per seed
and a change against the baseline one *paired* value per seed (scenario minus baseline, same
households). Its interval is the Student-t 95% confidence interval of the mean of those values
(:func:`sim.metrics.confidence_interval`): the seeds are independent replications, and the
interval says how far the mean could move with other draws of the population.

A signed finding (a gain, a loss, a rise, a fall) is stated only when its interval excludes
zero; otherwise it reads "not distinguishable from zero". With one seed there is no interval,
and the words say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics import confidence_interval

__all__ = [
    "LEVEL",
    "NON_NEGATIVE",
    "NOT_DISTINGUISHABLE",
    "ONE_SEED",
    "aggregate",
    "change_text",
    "floor_of",
    "interval",
    "interval_text",
    "sign",
]

#: Confidence level of every interval.
LEVEL = 0.95
NOT_DISTINGUISHABLE = "not distinguishable from zero"
ONE_SEED = "one seed: no interval"
#: Suffixes of the interval columns of an aggregated table.
SUFFIXES = ("_low", "_high", "_sd")
#: Columns that count something: their interval stops at zero (with two seeds a count of 4 and
#: 0 households would otherwise read 2 [-23, 27]).
NON_NEGATIVE = frozenset({"households"})


def floor_of(name: str) -> float | None:
    """The least value the column ``name`` can take (0 for a count), or None."""
    return 0.0 if name in NON_NEGATIVE else None


def interval(samples: Iterable[Any], level: float = LEVEL,
             floor: float | None = None) -> dict[str, Any]:  # fmt: skip
    """Mean, 95% interval, seed standard deviation and number of seeds of one number.

    Non-finite values (a ratio with nothing to divide by) are left out. Returns
    ``{"mean", "low", "high", "sd", "n_seeds"}``; ``low``, ``high`` and ``sd`` are ``None``
    with fewer than two seeds, everything but ``n_seeds`` is ``None`` with none. ``floor``:
    the least value the number can take (0 for a count); the interval does not go below it.
    """
    x = np.asarray([_float(v) for v in samples], dtype=float)
    x = x[np.isfinite(x)]
    out: dict[str, Any] = {"mean": None, "low": None, "high": None, "sd": None,
                           "n_seeds": int(x.size)}  # fmt: skip
    if x.size == 0:
        return out
    mean, low, high = confidence_interval(x, level=level)
    out["mean"] = mean
    if x.size > 1:
        low = low if floor is None else max(low, floor)
        out.update(low=low, high=high, sd=float(x.std(ddof=1)))
    return out


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def sign(iv: dict[str, Any]) -> int | None:
    """+1 or -1 when the interval lies above or below zero, 0 when it holds zero, ``None``
    without an interval (one seed, or no value)."""
    low, high = iv.get("low"), iv.get("high")
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return None
    if low > 0:
        return 1
    if high < 0:
        return -1
    return 0


def interval_text(iv: dict[str, Any], spec: str = ",.2f") -> str:
    """``"12.30 [11.90, 12.70]"``; the mean alone with one seed; ``"n/a"`` without a value."""
    mean = iv.get("mean")
    if mean is None or not math.isfinite(mean):
        return "n/a"
    if iv.get("low") is None or iv["low"] == iv["high"]:  # one seed, or the same in every seed
        return format(mean, spec)
    return f"{format(mean, spec)} [{format(iv['low'], spec)}, {format(iv['high'], spec)}]"


def minutes_spec(iv: dict[str, Any], spec: str = "+,.2f", most: int = 4) -> str:
    """``spec`` with as many more decimals (up to ``most``) as an interval needs for neither
    non-zero bound (the mean, without an interval) to print as zero: ``-0.004 [-0.007,
    -0.002]``, not ``-0.00 [-0.01, -0.00]``, which hides that the interval excludes zero."""
    head, _, tail = spec.rpartition(".")
    if not tail.endswith("f") or not tail[:-1].isdigit():
        return spec
    keys = ("low", "high") if iv.get("low") is not None else ("mean",)  # the bounds decide
    values = [float(v) for v in (iv.get(k) for k in keys)
              if v is not None and math.isfinite(v) and v != 0.0]  # fmt: skip
    digits = int(tail[:-1])
    while digits < most and any(round(v, digits) == 0.0 for v in values):
        digits += 1
    return f"{head}.{digits}f"


def change_text(iv: dict[str, Any], spec: str = ",.2f") -> str:
    """A signed change with its interval, and "not distinguishable from zero" when the interval
    holds zero: ``"-0.12 [-0.20, -0.04]"``, ``"+0.01 [-0.03, +0.05] (not distinguishable from
    zero)"``; with one seed the bare value (a table says once that there is no interval)."""
    signed = spec if spec.startswith("+") else "+" + spec
    text = interval_text(iv, signed)
    return f"{text} ({NOT_DISTINGUISHABLE})" if sign(iv) == 0 else text


# ------------------------------------------------------------------------------ tables
def aggregate(tables: Sequence[pd.DataFrame], keys: Sequence[str],
              level: float = LEVEL) -> pd.DataFrame:  # fmt: skip
    """Stack one table per seed and summarise every numeric column across seeds.

    Parameters
    ----------
    tables
        One frame per seed with the same ``keys`` columns (e.g. scenario and income class);
        rows are matched on them.
    keys
        The columns that identify a row.

    Returns
    -------
    pandas.DataFrame
        One row per key, in the first table's order: each numeric column ``c`` holds the mean
        across seeds, with ``c_low``, ``c_high`` (the interval) and ``c_sd`` (the seed standard
        deviation) beside it; ``n_seeds`` counts the tables; other columns keep the first
        table's value.
    """
    if not tables:
        raise ValueError("`tables` must hold at least one table")
    stacked = pd.concat([t.assign(_seed=i) for i, t in enumerate(tables)], ignore_index=True)
    first = tables[0].set_index(list(keys))
    numeric = [c for c in first.columns
               if pd.api.types.is_numeric_dtype(first[c]) and first[c].dtype != bool]  # fmt: skip
    groups = stacked.groupby(list(keys), sort=False)
    columns: dict[str, Any] = {}
    for col in first.columns:
        if col not in numeric:
            columns[col] = first[col]
            continue
        floor = floor_of(col)
        stats = groups[col].apply(lambda s, f=floor: pd.Series(interval(s, level, f)))
        stats = stats.unstack().reindex(first.index)
        columns[col] = stats["mean"].astype(float)
        for suffix, key in zip(SUFFIXES, ("low", "high", "sd"), strict=True):
            columns[col + suffix] = stats[key].astype(float)
    out = pd.DataFrame(columns, index=first.index)
    out["n_seeds"] = len(tables)
    return out.reset_index()


def column_interval(row: pd.Series | dict[str, Any], col: str) -> dict[str, Any]:
    """The ``{"mean", "low", "high", "sd", "n_seeds"}`` of column ``col`` of an aggregated row."""

    def get(name: str) -> float | None:
        value = _float(row.get(name, math.nan))
        return value if math.isfinite(value) else None

    n = int(_float(row.get("n_seeds", 1)) or 1)
    return {"mean": get(col), "low": get(col + "_low"), "high": get(col + "_high"),
            "sd": get(col + "_sd"), "n_seeds": n}  # fmt: skip
