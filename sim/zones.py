"""Zones of a city: where people live and work, and what they earn.

Reads the bundle's zone table (and joined tables), checks it, and joins income: by point in
polygon for money incomes (Porto Alegre: bairro income onto hexagons), from the zone's mean
estrato for Medellín-type data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.city import City
from sim.errors import DataError


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
    """Read, join and validate the zones of ``city``."""
    spec = city.zones
    path = city.path(spec.file)
    table = _read_csv(path)
    for key in (spec.id, spec.lon, spec.lat):
        _require(table, key, path)
    df = pd.DataFrame(
        {
            "id": table[spec.id].astype(str).str.strip(),
            "lon": pd.to_numeric(table[spec.lon], errors="coerce"),
            "lat": pd.to_numeric(table[spec.lat], errors="coerce"),
        }
    )
    df["name"] = table[spec.name].astype(str).str.strip(" '") if spec.name else df["id"]
    for fld in ("population", "jobs", "schools"):
        col = getattr(spec, fld)
        if col is not None:
            _require(table, col, path)
            df[fld] = pd.to_numeric(table[col], errors="coerce")
            if spec.blank_counts_are_zero:
                df[fld] = df[fld].where(table[col].notna(), 0.0)
    for join in spec.join:
        jpath = city.path(join.file)
        other = _read_csv(jpath)
        _require(other, join.key, jpath)
        _require(other, join.column, jpath)
        values = other.set_index(other[join.key].astype(str).str.strip())[join.column]
        if values.index.duplicated().any():
            raise DataError(f"{jpath}: `{join.key}` has duplicate keys; one row per zone allowed")
        df[join.field] = pd.to_numeric(df["id"].map(values), errors="coerce")
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


def _read_csv(path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: not a readable CSV ({type(exc).__name__})") from None


def _require(df: pd.DataFrame, column: str, path) -> None:
    if column not in df.columns:
        cols = ", ".join(map(str, df.columns))
        raise DataError(f"{path}: missing column `{column}` (columns: {cols})")


def _check(df: pd.DataFrame, path) -> None:
    if "schools" in df and (df["schools"].isna().any() or (df["schools"] < 0).any()):
        bad = df.loc[df["schools"].isna() | (df["schools"] < 0), "id"].iloc[0]
        raise DataError(f"{path}: `schools` must be a number >= 0 (zone {bad})")
    for fld in ("population", "jobs"):
        if fld not in df:
            raise DataError(f"{path}: zones need a `{fld}` column or join")
        values = df[fld]
        if values.isna().any():
            bad = df.loc[values.isna(), "id"].iloc[0]
            raise DataError(f"{path}: `{fld}` is missing or not a number for zone {bad}")
        if (values < 0).any():
            raise DataError(f"{path}: `{fld}` has negative values; must be >= 0")
        if values.sum() <= 0:
            raise DataError(f"{path}: `{fld}` sums to 0; a city needs people and jobs")
    if df[["lon", "lat"]].isna().any().any():
        raise DataError(f"{path}: zone coordinates must be numbers (lon, lat)")
    if not (df["lon"].between(-180, 180).all() and df["lat"].between(-90, 90).all()):
        raise DataError(f"{path}: zone coordinates must be lon/lat degrees (WGS84)")


def _income(city: City, df: pd.DataFrame) -> NDArray[np.float64]:
    spec = city.income
    if spec.kind == "estrato":
        if df["stratum"].isna().all():
            raise DataError(f"{city.folder}/city.toml: income kind 'estrato' needs a `stratum`")
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
        raise DataError(
            f"{poly_path}: not a readable polygon file ({type(exc).__name__})"
        ) from None
    table = _read_csv(table_path)
    _require(table, spec.table_key, table_path)
    _require(table, spec.column, table_path)
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
    values = pd.to_numeric(joined[spec.column], errors="coerce").to_numpy(float)
    if np.isnan(values).any() or (values <= 0).any():
        raise DataError(f"{table_path}: `{spec.column}` must be positive numbers")
    return values
