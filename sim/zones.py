"""Zones of a city: where people live and work, and what they earn.

Reads the bundle's zone table (and joined tables), checks it, and joins income: by point in
polygon for money incomes (Porto Alegre: bairro income onto hexagons), from the zone's mean
estrato for Medellín-type data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.city import City
from sim.errors import DataError
from sim.validate_input import numbers, read_table


@dataclass(frozen=True, eq=False)
class Zones:
    """Zone attributes as arrays (one row per zone)."""

    id: NDArray[np.str_]
    name: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    population: NDArray[np.float64]
    jobs: NDArray[np.float64]
    income: NDArray[np.float64]  # mean monthly household income, city currency
    stratum: NDArray[np.float64]  # mean estrato (NaN where the city has none)
    schools: NDArray[np.float64] | None = None  # schools in the zone (None: the city has none)

    @property
    def n(self) -> int:
        return int(self.id.shape[0])

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({k: getattr(self, k) for k in self.__dataclass_fields__})


def load_zones(city: City) -> Zones:
    """Read, join and validate the zones of ``city``.

    Cells are checked one by one (:mod:`sim.validate_input`): a blank population or jobs cell
    is 0 when the bundle declares ``zones.blank_counts_are_zero`` and an error otherwise; a
    zone without a stratum takes the median stratum; any other cell that is not an allowed
    number is an error naming the file, row and column.
    """
    spec = city.zones
    path = city.path(spec.file)
    table = read_table(path)
    for key in (spec.id, spec.lon, spec.lat):
        _require(table, key, path)
    df = pd.DataFrame(
        {
            "id": table[spec.id].astype(str).str.strip(),
            "lon": numbers(table[spec.lon], path, spec.lon, low=-180, high=180),
            "lat": numbers(table[spec.lat], path, spec.lat, low=-90, high=90),
        }
    )
    df["name"] = table[spec.name].astype(str).str.strip(" '") if spec.name else df["id"]
    for fld in ("population", "jobs", "schools"):
        col = getattr(spec, fld)
        if col is not None:
            _require(table, col, path)
            df[fld] = _counts(table[col], path, col, spec.blank_counts_are_zero)
    for join in spec.join:
        jpath = city.path(join.file)
        other = read_table(jpath)
        _require(other, join.key, jpath)
        _require(other, join.column, jpath)
        if join.field == "stratum":
            cells = numbers(other[join.column], jpath, join.column, low=1, high=6, blank=np.nan)
        else:
            cells = _counts(other[join.column], jpath, join.column, spec.blank_counts_are_zero)
        values = cells.set_axis(other[join.key].astype(str).str.strip())
        if values.index.duplicated().any():
            dup = values.index[values.index.duplicated()][0]
            raise DataError(f"{jpath}: `{join.key}` {dup!r} is on two rows; allowed: one row "
                            "per zone")  # fmt: skip
        df[join.field] = df["id"].map(values)
        if join.field != "stratum" and df[join.field].isna().any():
            bad = df.loc[df[join.field].isna(), "id"].iloc[0]
            raise DataError(f"{jpath}: no row for zone {bad!r} (`{join.key}`); allowed: one row "
                            f"per zone of {path.name}, giving its `{join.column}`")  # fmt: skip
    _check(df, path)
    df["stratum"] = df.get("stratum", np.nan)
    df["income"] = _income(city, df) * city.income.price_factor
    return Zones(
        id=df["id"].to_numpy(str),
        name=df["name"].to_numpy(str),
        lon=df["lon"].to_numpy(float),
        lat=df["lat"].to_numpy(float),
        population=df["population"].to_numpy(float),
        jobs=df["jobs"].to_numpy(float),
        income=df["income"].to_numpy(float),
        stratum=df["stratum"].to_numpy(float),
        schools=df["schools"].to_numpy(float) if "schools" in df else None,
    )


def _counts(cells: pd.Series, path: Path, column: str, blank_is_zero: bool) -> pd.Series:
    """People or jobs: numbers >= 0; a blank is 0 when the bundle says so."""
    rule = "`zones.blank_counts_are_zero = true` in city.toml"
    return numbers(cells, path, column, low=0, blank=0.0 if blank_is_zero else None,
                   blank_rule=rule)  # fmt: skip


def _require(df: pd.DataFrame, column: str, path: Path) -> None:
    if column not in df.columns:
        cols = ", ".join(map(str, df.columns))
        raise DataError(f"{path}: missing column `{column}`; allowed: one of its columns ({cols})")


def _check(df: pd.DataFrame, path: Path) -> None:
    for fld in ("population", "jobs"):
        if fld not in df:
            raise DataError(f"{path}: zones need a `{fld}` column or join; allowed: "
                            f"`zones.{fld}` (a column) or a `[[zones.join]]` with field = "
                            f"{fld!r}")  # fmt: skip
        if df[fld].sum() <= 0:
            raise DataError(f"{path}: `{fld}` sums to 0; allowed: numbers >= 0, not all 0 (a "
                            "city needs people and jobs)")  # fmt: skip


def _income(city: City, df: pd.DataFrame) -> NDArray[np.float64]:
    spec = city.income
    if spec.kind == "estrato":
        if df["stratum"].isna().all():
            raise DataError(f"{city.folder}/city.toml: income kind 'estrato' needs a `stratum`; "
                            "allowed: a `[[zones.join]]` with field = 'stratum'")  # fmt: skip
        grid = np.arange(1, 7, dtype=float)
        logs = np.log(np.asarray(spec.estrato_income))
        strat = df["stratum"].fillna(df["stratum"].median()).clip(1, 6).to_numpy()
        return np.exp(np.interp(strat, grid, logs))
    return _income_by_polygon(city, df)


def _income_by_polygon(city: City, df: pd.DataFrame) -> NDArray[np.float64]:
    import geopandas as gpd

    spec = city.income
    assert spec.polygons and spec.table and spec.table_key and spec.column and spec.polygon_key
    poly_path, table_path = city.path(spec.polygons), city.path(spec.table)
    try:
        polys = gpd.read_file(poly_path)[[spec.polygon_key, "geometry"]]
    except Exception as exc:  # pyogrio raises many types for a broken file
        raise DataError(f"{poly_path}: not a readable polygon file ({type(exc).__name__}); "
                        "allowed: GeoJSON or another format GDAL reads") from None  # fmt: skip
    table = read_table(table_path)
    _require(table, spec.table_key, table_path)
    _require(table, spec.column, table_path)
    # a blank income is a bairro without income: its zones take the nearest bairro's (below)
    table[spec.column] = numbers(table[spec.column], table_path, spec.column, low=0,
                                 low_open=True, blank=np.nan)  # fmt: skip
    table = table[table[spec.column].notna()]
    # the source lists aliases of one bairro with identical values: one row per official name
    table = table.drop_duplicates(spec.table_key)
    income = polys.merge(table, left_on=spec.polygon_key, right_on=spec.table_key, how="inner")
    income = income[[spec.column, "geometry"]].to_crs(city.metric_crs)
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326"
    ).to_crs(city.metric_crs)
    # nearest polygon with income: 0 m inside one; points on the shore or in bairros without
    # income take their nearest neighbour's value. One hexagon on a shared edge matches two
    # polygons: keep the first.
    joined = gpd.sjoin_nearest(points, income, how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    values = joined[spec.column].to_numpy(float)
    if np.isnan(values).any():
        raise DataError(f"{table_path}: no bairro has a `{spec.column}` matching "
                        f"{poly_path.name}; allowed: `{spec.table_key}` values that are "
                        f"`{spec.polygon_key}` names of polygons")  # fmt: skip
    return values
