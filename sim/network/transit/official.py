"""Lines from an official line layer and a station layer (Medellín's open-data schema).

:func:`read_line_geojson` matches stations to lines, orders them along the line geometry, and
times each hop from the distance along the line, a cruise speed and a dwell per station, with
documented defaults per kind of line (:data:`LINE_KINDS`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from sim.errors import DataError, ScenarioError, where
from sim.network.arrays import TransitMode
from sim.network.transit.line import TransitLine, _both_directions, _slug

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineKind:
    """Defaults for one kind of line of an official line layer."""

    label: str
    mode: TransitMode
    speed_mps: float  # cruise speed between stations
    dwell_s: float  # time stopped at each intermediate station
    headway_s: float  # peak
    vehicle_capacity: float  # passengers per train, bus or cabin


#: Defaults per kind of line, Medellín orders of magnitude (override per line or kind).
#: Metro: ~11 m/s between stations and 30 s dwell give ~31 km/h commercial speed on Line A
#: (25 km, 21 stations, ~48 min end to end); ~4 min peak headway; 6-car trains (two 3-car
#: units) of ~1,200 passengers. Metrocable: detachable gondolas at 5 m/s, slowed to walking pace
#: through stations (~20 s), a 10-passenger cabin every 12 s = 3,000 passengers/h/direction
#: (the rating of the systems, e.g. Line K). Tranvía de Ayacucho: ~6 m/s with 20 s
#: stops, ~6 min headway, ~300-passenger rubber-tyred trams. Metroplús: articulated buses of
#: ~160 passengers, ~6 m/s between stops (partly in mixed traffic, hence BUS), 20 s stops,
#: ~5 min headway. These are assumptions, not timetable values.
LINE_KINDS: dict[str, LineKind] = {
    "metro": LineKind("Metro", TransitMode.METRO, 11.0, 30.0, 240.0, 1200.0),
    "cable": LineKind("Metrocable", TransitMode.CABLE, 5.0, 20.0, 12.0, 10.0),
    "tram": LineKind("Tranvía", TransitMode.METRO, 6.0, 20.0, 360.0, 300.0),
    "brt": LineKind("Metroplús", TransitMode.BUS, 6.0, 20.0, 300.0, 160.0),
}
#: ``tipo`` of the official layer.
_TIPO_KIND = {1: "metro", 2: "cable", 3: "brt", 4: "tram"}
#: ``estado`` of a line in operation; other values (4 and 5: the planned Avenida 80 corridor)
#: are skipped unless ``include_planned``.
_ESTADO_OPERATING = 1
#: Station-to-station distance along streets over the straight line where a geometry cannot be
#: followed (circuity of urban streets, ~1.2).
_CIRCUITY = 1.2

_LINE_FIELDS = ("linea", "tipo")
_STATION_FIELDS = ("nombre", "linea")


def _read_layer(path: str | Path, required: tuple[str, ...]) -> Any:
    import geopandas as gpd  # heavy; only the geometry readers need it

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{where(path)}: file not found; expected a GeoJSON layer")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises many types; all mean "unreadable"
        msg = " ".join(str(exc).split())
        raise DataError(f"{where(path)}: cannot be read as a vector layer ({msg})") from None
    missing = [f for f in required if f not in gdf.columns]
    if missing:
        raise DataError(
            f"{where(path)}: field `{missing[0]}` missing; required fields: {', '.join(required)}"
        )
    if gdf.crs is None:
        raise DataError(f"{where(path)}: no coordinate reference system; one is required")
    return gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]


def _line_code(text: object) -> str:
    """``"Línea K"`` -> ``"K"``; other codes pass through stripped."""
    return re.sub(r"^\s*l[ií]nea\s+", "", str(text).strip(), flags=re.IGNORECASE).strip()


def _station_name(text: object) -> str:
    """``"Estación Acevedo (Línea K)"`` -> ``"Acevedo"``."""
    name = re.sub(r"^\s*(estaci[oó]n|parada|paradero)\s+", "", str(text), flags=re.IGNORECASE)
    name = re.sub(r"\s*\(l[ií]nea[^)]*\)\s*$", "", name, flags=re.IGNORECASE)
    return " ".join(name.split())


def _official_lines(path: str | Path) -> Any:
    """One row per line code: ``code``, ``kind``, ``planned``, merged ``geometry``."""
    import geopandas as gpd

    gdf = _read_layer(path, _LINE_FIELDS)
    tipo = pd.to_numeric(gdf["tipo"], errors="coerce")
    unknown = ~tipo.isin(list(_TIPO_KIND))
    if unknown.any():
        raise DataError(
            f"{where(path)}: field `tipo` holds {gdf['tipo'][unknown].iloc[0]!r}; expected "
            "1 metro, 2 cable, 3 BRT or 4 tram"
        )
    estado = (
        pd.to_numeric(gdf["estado"], errors="coerce")
        if "estado" in gdf
        else pd.Series(_ESTADO_OPERATING, index=gdf.index)
    )
    gdf = gdf.assign(
        code=gdf["linea"].map(_line_code),
        kind=tipo.map(_TIPO_KIND),
        planned=estado.ne(_ESTADO_OPERATING),
    )
    rows = []
    for code, group in gdf.groupby("code", sort=True):
        parts = shapely.get_parts(group.geometry.to_numpy())
        geom = parts[0] if len(parts) == 1 else shapely.line_merge(shapely.multilinestrings(parts))
        rows.append((code, group["kind"].iloc[0], bool(group["planned"].all()), geom))
    frame = pd.DataFrame(rows, columns=["code", "kind", "planned", "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=gdf.crs)


def _stations(path: str | Path, crs: Any) -> pd.DataFrame:
    """One row per (line code, station name): mean position of its platforms, lon/lat and
    metric ``x``/``y`` in ``crs``."""
    gdf = _read_layer(path, _STATION_FIELDS)
    pts = gdf.geometry.representative_point()
    wgs, metric = pts.to_crs("EPSG:4326"), pts.to_crs(crs)
    df = pd.DataFrame(
        {
            "code": gdf["linea"].map(_line_code).to_numpy(),
            "name": gdf["nombre"].map(_station_name).to_numpy(),
            "lon": wgs.x.to_numpy(),
            "lat": wgs.y.to_numpy(),
            "x": metric.x.to_numpy(),
            "y": metric.y.to_numpy(),
        }
    )
    df["stop_id"] = df["name"].map(_slug)
    agg = {"name": "first", "lon": "mean", "lat": "mean", "x": "mean", "y": "mean"}
    return df.groupby(["code", "stop_id"], sort=False, as_index=False).agg(agg)


def _greedy_path(xy: NDArray[np.float64]) -> NDArray[np.int64]:
    """Visit order of points along a corridor: nearest neighbour from every start, shortest."""
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    best, best_len = np.arange(len(xy)), np.inf
    for start in range(len(xy)):
        path, free = [start], np.ones(len(xy), bool)
        free[start] = False
        while free.any():
            nxt = int(np.argmin(np.where(free, dist[path[-1]], np.inf)))
            path.append(nxt)
            free[nxt] = False
        length = dist[path[:-1], path[1:]].sum()
        if length < best_len:
            best, best_len = np.array(path), length
    return best


def _hop_along(parts: Sequence[Any], a: Any, b: Any, tol: float) -> float:
    """Distance from point ``a`` to ``b`` along whichever part of a multi-part (or looped)
    geometry carries both plausibly; straight line times :data:`_CIRCUITY` when none does."""
    straight = float(shapely.distance(a, b))
    found = []
    for part in parts:
        if max(part.distance(a), part.distance(b)) > tol:
            continue
        d = abs(part.project(b) - part.project(a))
        ends = shapely.points(np.array([part.coords[0], part.coords[-1]]))
        if shapely.distance(ends[0], ends[1]) < tol:  # a loop: both ways round
            d = min(d, part.length - d)
        if 0.999 * straight <= d <= 2.0 * straight:
            found.append(d)
    return min(found) if found else straight * _CIRCUITY


def _order_on_line(geom: Any, xy: NDArray[np.float64], tol: float) -> tuple[NDArray, NDArray]:
    """``(order, hop_m)``: stations in order along the geometry and the distances between them.

    A single line string orders by the position of each station's projection on it; a
    multi-part geometry (e.g. both directions of a BRT drawn as loops) by a nearest-neighbour
    path through the stations, with distances along the parts where they fit.
    """
    pts = shapely.points(xy)
    if geom.geom_type == "LineString":
        proj = shapely.line_locate_point(geom, pts)
        order = np.argsort(proj, kind="stable")
        return order, np.diff(proj[order])
    order = _greedy_path(xy)
    parts = list(shapely.get_parts(geom))
    hops = [
        _hop_along(parts, pts[i], pts[j], tol) for i, j in zip(order[:-1], order[1:], strict=True)
    ]
    return order, np.array(hops, dtype=np.float64)


def _pick(values: Any, keys: Sequence[str], default: Any, argument: str) -> Any:
    """``values`` itself if scalar, else the first of ``keys`` it holds, else ``default``."""
    if not isinstance(values, Mapping):
        return values if values is not None else _required(default, keys, argument)
    for key in keys:
        if key in values:
            return values[key]
    return _required(default, keys, argument)


def _required(default: Any, keys: Sequence[str], argument: str) -> Any:
    if default is None:
        raise ScenarioError(
            f"`{argument}` has no value for line {keys[0]}; give one of the keys {', '.join(keys)}"
        )
    return default


@dataclass(frozen=True)
class _LayerOptions:
    fares: float | Mapping[str, float]
    fare_systems: str | Mapping[str, str]
    headways_s: Mapping[str, float] | None
    speeds_mps: Mapping[str, float] | None
    dwell_s: Mapping[str, float] | None
    vehicle_capacity: Mapping[str, float] | None

    def line(self, code: str, kind_name: str) -> tuple[float, float, dict[str, Any]]:
        """``(speed, dwell, TransitLine keyword arguments)`` of line ``code``."""
        kind = LINE_KINDS[kind_name]
        keys = (code, kind_name, kind.mode.name.lower())
        speed = float(_pick(self.speeds_mps, keys, kind.speed_mps, "speeds_mps"))
        dwell = float(_pick(self.dwell_s, keys, kind.dwell_s, "dwell_s"))
        if not speed > 0 or not dwell >= 0:
            raise ScenarioError(f"line {code}: `speeds_mps` must be > 0 and `dwell_s` >= 0")
        common = {
            "route_id": code,
            "mode": kind.mode,
            "headway_s": float(_pick(self.headways_s, keys, kind.headway_s, "headways_s")),
            "vehicle_capacity": float(
                _pick(self.vehicle_capacity, keys, kind.vehicle_capacity, "vehicle_capacity")
            ),
            "fare": float(_pick(self.fares, keys, None, "fares")),
            "fare_system": str(_pick(self.fare_systems, keys, None, "fare_systems")),
        }
        return speed, dwell, common


def _wanted(official: pd.DataFrame, lines: Iterable[str] | None, include_planned: bool) -> list:
    usable = official["code"][include_planned | ~official["planned"]].tolist()
    if lines is None:
        return usable
    wanted = [str(code) for code in lines]
    for code in wanted:
        if code not in set(official["code"]):
            raise ScenarioError(
                f"`lines`: no line {code!r}; the layer has {', '.join(official['code'])}"
            )
        if code not in usable:
            raise ScenarioError(f"`lines`: line {code!r} is planned; pass `include_planned`")
    return wanted


def _stations_on(stations: pd.DataFrame, geom: Any, tol: float, code: str) -> pd.DataFrame:
    """The stations of line ``code`` within ``tol`` metres of its geometry."""
    st = stations[stations["code"] == code]
    offset = shapely.distance(geom, shapely.points(st[["x", "y"]].to_numpy()))
    if (offset > tol).any():
        far = ", ".join(st["name"][offset > tol])
        log.warning("line %s: stations more than %.0f m from the line left out: %s", code, tol, far)
    return st[offset <= tol]


def read_line_geojson(
    lines_path: str | Path,
    stations_path: str | Path,
    *,
    fares: float | Mapping[str, float],
    fare_systems: str | Mapping[str, str] = "metro",
    lines: Iterable[str] | None = None,
    headways_s: Mapping[str, float] | None = None,
    speeds_mps: Mapping[str, float] | None = None,
    dwell_s: Mapping[str, float] | None = None,
    vehicle_capacity: Mapping[str, float] | None = None,
    include_planned: bool = False,
    max_station_offset_m: float = 300.0,
) -> list[TransitLine]:
    """Lines from an official line layer and a station layer (Medellín's open-data schema).

    Stations (field ``linea``: ``"K"``) are matched to lines (field ``linea``: ``"Línea K"``),
    platforms of one station averaged, and ordered along the line geometry (measured in the
    layer's projected CRS, or in UTM if it is geographic). Run time of a hop = distance along
    the line / cruise speed + the dwell at the station it arrives at. Both directions are
    returned; lines with fewer than two stations (e.g. Cable Palmitas) are skipped.

    Parameters
    ----------
    lines_path, stations_path
        Line layer with fields ``linea``, ``tipo`` (1 metro, 2 cable, 3 BRT,
        4 tram) and optionally ``estado`` (1 in operation); station layer with ``nombre`` and
        ``linea``. Any CRS.
    fares, fare_systems
        One value for every line, or a mapping whose keys are tried in the order line code
        (``"K"``), kind (``"metro"``, ``"cable"``, ``"tram"``, ``"brt"``), mode (``"metro"``,
        ``"cable"``, ``"bus"``).
    lines
        Line codes to read (default: all in operation).
    headways_s, speeds_mps, dwell_s, vehicle_capacity
        Mappings with the same keys overriding :data:`LINE_KINDS`.
    include_planned
        Also read lines whose ``estado`` is not 1 (in operation).
    max_station_offset_m
        Stations farther than this from their line are left out (with a warning).
    """
    official = _official_lines(lines_path)
    wanted = _wanted(official, lines, include_planned)
    crs = official.crs if official.crs.is_projected else official.estimate_utm_crs()
    official = official.to_crs(crs)
    stations = _stations(stations_path, crs)
    opts = _LayerOptions(fares, fare_systems, headways_s, speeds_mps, dwell_s, vehicle_capacity)
    out: list[TransitLine] = []
    for row in official[official["code"].isin(wanted)].itertuples():
        st = _stations_on(stations, row.geometry, max_station_offset_m, row.code)
        if len(st) < 2:
            log.warning("%s: line %s has %d stations; skipped", stations_path, row.code, len(st))
            continue
        order, hops = _order_on_line(row.geometry, st[["x", "y"]].to_numpy(), max_station_offset_m)
        speed, dwell, common = opts.line(row.code, row.kind)
        label = f"{LINE_KINDS[row.kind].label} {row.code}"
        out += _both_directions(label, common, st.iloc[order], hops, speed, dwell)
    return out
