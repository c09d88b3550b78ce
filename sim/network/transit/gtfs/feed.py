"""A GTFS feed on disk: its tables, read from a zip archive or a folder.

:class:`_Feed` hands back each ``.txt`` table as a DataFrame of strings with its required
columns checked, and parses numeric and ``H:MM:SS`` time columns; every problem is a
:class:`~sim.errors.DataError` naming the file and the column. The rest of the GTFS reader never
opens a file itself.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.errors import DataError, ScenarioError, where

_GTFS_REQUIRED: dict[str, tuple[str, ...]] = {
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "fare_attributes.txt": ("fare_id", "price"),
}


class _Feed:
    """A GTFS feed in a zip file or a folder; tables come back as string DataFrames."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise DataError(f"{where(self.path)}: file not found; expected a GTFS .zip")
        self._zip: zipfile.ZipFile | None = None
        if self.path.is_dir():
            self.names = {p.name: p.name for p in self.path.iterdir()}
            return
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError):
            raise DataError(
                f"{where(self.path)}: not a zip archive; a GTFS feed is a .zip of .txt tables"
            ) from None
        self.names = {Path(n).name: n for n in self._zip.namelist() if not n.endswith("/")}

    def has(self, name: str) -> bool:
        return name in self.names

    def _open(self, name: str) -> IO[bytes]:
        if self._zip is None:
            return (self.path / name).open("rb")
        return self._zip.open(self.names[name])

    def maybe(self, name: str) -> pd.DataFrame | None:
        """Read ``name`` if the feed has it."""
        return self.table(name) if self.has(name) else None

    def table(self, name: str) -> pd.DataFrame:
        """Read ``name``, checking its required columns; a missing file is an error."""
        required = _GTFS_REQUIRED.get(name, ())
        if not self.has(name):
            raise DataError(
                f"{where(self.path, name)} missing; a GTFS feed needs {name} with columns "
                f"{', '.join(required)}"
            )
        df = self._read_csv(name)
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise DataError(
                f"{where(self.path, name)}: column `{missing[0]}` missing; required columns: "
                f"{', '.join(required)}"
            )
        return df

    def _read_csv(self, name: str) -> pd.DataFrame:
        try:
            with self._open(name) as fh:
                df = pd.read_csv(
                    fh,
                    dtype=str,
                    keep_default_na=False,
                    encoding="utf-8-sig",
                    skipinitialspace=True,
                )
        except (ValueError, UnicodeDecodeError, OSError, zipfile.BadZipFile) as exc:
            msg = " ".join(str(exc).split())
            raise DataError(f"{where(self.path, name)}: cannot be read as CSV ({msg})") from None
        df.columns = [str(c).strip() for c in df.columns]
        return df

    def numbers(self, df: pd.DataFrame, name: str, column: str) -> NDArray[np.float64]:
        """A numeric column; blanks are NaN, anything else unparsable is an error."""
        text = df[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & (text != "")
        if bad.any():
            raise DataError(
                f"{where(self.path, name)}: column `{column}` holds {text[bad].iloc[0]!r}; "
                "a number is required"
            )
        return values.to_numpy(dtype=np.float64)

    def times(self, df: pd.DataFrame, name: str, column: str) -> NDArray[np.float64]:
        """Seconds after midnight of an ``H:MM:SS`` column (hours may pass 24); blanks are NaN."""
        codes, uniques = pd.factorize(df[column].str.strip())
        text = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        parts = text.str.extract(r"^(\d{1,3}):(\d{2}):(\d{2})$").astype(float)
        secs = (parts[0] * 3600 + parts[1] * 60 + parts[2]).to_numpy()
        bad = np.isnan(secs) & (text != "").to_numpy()
        if bad.any():
            raise DataError(
                f"{where(self.path, name)}: column `{column}` holds {text[bad].iloc[0]!r}; "
                "times must be HH:MM:SS"
            )
        return secs[codes]


def _seconds(text: str, argument: str) -> float:
    match = re.fullmatch(r"(\d{1,3}):(\d{2}):(\d{2})", text.strip())
    if match is None:
        raise ScenarioError(f"`{argument}` holds {text!r}; times must be HH:MM:SS")
    h, m, s = (int(g) for g in match.groups())
    return float(h * 3600 + m * 60 + s)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
