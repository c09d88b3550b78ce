"""Cells of a bundle's data tables: numbers checked one by one, errors naming file, row, column.

Tables are read as text (:func:`read_table`), so a blank cell is told apart from a cell that
says ``nan``, ``inf`` or ``lots``. A blank follows the rule the bundle declares (e.g.
``zones.blank_counts_are_zero``, or a bairro without income); any other cell that is not an
allowed number is a one-line :class:`~sim.errors.DataError` naming the file, the row (as a
spreadsheet counts it: the header is row 1) and the column, and saying what is allowed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import DataError


def read_table(path: Path) -> pd.DataFrame:
    """A CSV file as text cells (blank cells are ``""``), or a one-line DataError."""
    if path.is_dir():
        raise DataError(f"{path}: is a folder; allowed: a CSV file")
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: not a readable CSV ({type(exc).__name__}); allowed: a "
                        "comma-separated table with a header row, UTF-8") from None  # fmt: skip
    blank_lines = (table == "").all(axis=1)
    return table[~blank_lines]  # the index stays the line's: row = index + 2


def numbers(
    cells: pd.Series,
    path: Path,
    column: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    blank: float | None = None,
    blank_rule: str = "",
) -> pd.Series:
    """The text ``cells`` of ``column`` as floats.

    Parameters
    ----------
    low, high, low_open
        The allowed interval: ``[low, high]``, or ``(low, high]`` with ``low_open``.
    blank
        The value of a blank cell; ``None`` refuses blanks (``NaN`` keeps them as missing).
    blank_rule
        How to allow blanks, named in the error when they are refused.
    """
    text = cells.astype(str).str.strip()
    empty = text == ""
    values = pd.to_numeric(text.where(~empty), errors="coerce").astype(float)
    below = values <= low if low_open else values < low
    bad = ~empty & (values.isna() | ~np.isfinite(values) | below | (values > high))
    allowed = _interval(low, high, low_open)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        row = int(cells.index[i]) + 2
        raise DataError(f"{path}: row {row}, column `{column}`: {cells.iloc[i]!r} is not "
                        f"allowed; allowed: {allowed}")  # fmt: skip
    if empty.any():
        if blank is None:
            row = int(cells.index[int(np.flatnonzero(empty.to_numpy())[0])]) + 2
            rule = f", or blank with {blank_rule}" if blank_rule else ""
            raise DataError(f"{path}: row {row}, column `{column}` is blank; allowed: "
                            f"{allowed}{rule}")  # fmt: skip
        values = values.where(~empty, blank)
    return values


def _interval(low: float, high: float, low_open: bool) -> str:
    if math.isinf(high):
        if math.isinf(low):
            return "a finite number"
        return f"a number {'>' if low_open else '>='} {low:g}"
    return f"a number from {low:g} to {high:g}"
