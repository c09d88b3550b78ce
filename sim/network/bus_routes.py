"""Bus routes drawn as lines without stops (Medellín's "rutas urbanas integradas", ~2013).

The file is a zip holding a CSV with a KML geometry column and the same rows as JSON with
cleaned text (``rutas_medellin_full_data_typo_fixed.json``): geometry comes from the CSV (the
JSON's multi-part geometries lost their separators), names and kinds from the JSON, matched on
``OBJECTID_1``.

Rules (all stated here, values in ``city.toml``):

- **Which routes run in the morning peak.** Variants for Sundays and holidays, the Sunday
  *ciclovía*, nights, festivities, special timetables and temporary diversions
  (:data:`OFF_PEAK_VARIANTS`) are left out; the rest run.
- **Lines.** A route drawn as a loop (ends within :data:`LOOP_M`) is one line in the drawn
  direction; an open route runs both ways. A route drawn in several parts gives one line per
  part of at least :data:`MIN_PART_M`.
- **Stops** (:func:`stop_positions`): one where the route passes closest to each mass-transit
  station within ``station_stop_m`` of it (so feeders meet the metro where it exists), one at
  each end, and evenly spaced between those, no more than ``stop_spacing_m`` apart.
- **Service.** Run time of a hop = its length along the route / ``speed_mps`` + ``dwell_s`` at
  the stop it arrives at; congestion is added by the model on the roads the hop maps to.
  Every route number gets ``headway_s`` in the peak, shared among its variants (a route with a
  bus and a microbus variant runs each at twice the headway).
- **Fares.** Routes of the kinds in ``integrated_kinds`` (``RI``: *rutas integradas*, feeders
  of the metro) belong to the metro's fare system at ``integrated_fare``; the others to their
  own system at ``fare`` (a transfer to the metro pays again).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from sim.errors import DataError, where
from sim.network.arrays import TransitMode
from sim.network.transit import TransitLine

#: Route-number words that mark variants not running on a weekday morning.
OFF_PEAK_VARIANTS = re.compile(
    r"DOMINGOS|FESTIV|CICLOV|NOCTURN|HORARIO ESPECIAL|TEMPORAL|CIERRE", re.IGNORECASE
)
#: Ends of a route closer than this make it a loop.
LOOP_M = 300.0
#: Shorter parts of a multi-part route are drawing fragments, not lines.
MIN_PART_M = 500.0


@dataclass(frozen=True)
class BusRoute:
    """One row of the route file: geometry parts in lon/lat."""

    object_id: int
    code: str  # CODIGO_RUT, e.g. "RI002I"
    number: str  # Numero_Rut, e.g. "RUTA 002-I"
    name: str  # Nombre_Rut
    kind: str  # TIPO_RUTA: RU, RU1 (urban), RI, RI1 (integrated with the metro)
    parts: tuple[NDArray[np.float64], ...]

    @property
    def group(self) -> str:
        """The route number its variants share: ``"RUTA 061 BUS"`` -> ``"061"``."""
        match = re.match(r"\s*RUTA\s+(\S+)", self.number, re.IGNORECASE)
        return match.group(1).upper() if match else self.code

    @property
    def runs_in_peak(self) -> bool:
        return not OFF_PEAK_VARIANTS.search(self.number)


def read_bus_routes(path: str | Path) -> list[BusRoute]:
    """Every row of the route zip (see the module docstring for the format)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(where(path, "file not found"))
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if "__MACOSX" not in n]
            csv_name = next(n for n in names if n.lower().endswith(".csv"))
            json_name = next(
                n for n in names if n.lower().endswith(".json") and "metadata" not in n
            )
            rows = _csv_rows(zf.read(csv_name))
            info = {int(r["OBJECTID_1"]): r for r in json.loads(zf.read(json_name))}
    except (OSError, zipfile.BadZipFile, StopIteration, ValueError, KeyError) as exc:
        msg = f"not a readable route zip ({type(exc).__name__}: {exc})"
        raise DataError(where(path, msg)) from None
    routes = []
    for row in rows:
        oid = int(float(row["OBJECTID_1"]))
        meta = info.get(oid, row)
        parts = tuple(_coordinates(row["geometry"]))
        if not parts:
            continue
        routes.append(
            BusRoute(
                object_id=oid,
                code=str(meta.get("CODIGO_RUT", "")).strip(),
                number=str(meta.get("Numero_Rut", meta.get("NUMERO_RUT", ""))).strip(),
                name=str(meta.get("Nombre_Rut", "")).strip(),
                kind=str(meta.get("TIPO_RUTA", "")).strip().upper(),
                parts=parts,
            )
        )
    return routes


def _csv_rows(raw: bytes) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    text = raw.decode("utf-8", errors="replace")
    return list(csv.DictReader(io.StringIO(text)))


def _coordinates(kml: str) -> list[NDArray[np.float64]]:
    parts = []
    for block in re.findall(r"<coordinates>(.*?)</coordinates>", kml, re.S):
        pts = [p.split(",")[:2] for p in block.split()]
        xy = np.array(pts, float) if pts else np.empty((0, 2))
        if len(xy) >= 2:
            parts.append(xy)
    return parts


def stop_positions(length: float, anchors: NDArray[np.float64], spacing: float) -> NDArray:
    """Distances along a line of ``length`` where stops go: both ends, the ``anchors`` (stops
    that must be there, e.g. at stations) and evenly between, at most ``spacing`` apart."""
    fixed = np.unique(np.clip(np.r_[0.0, np.asarray(anchors, float), length], 0.0, length))
    fixed = fixed[np.r_[True, np.diff(fixed) > 1.0]]  # anchors within 1 m are one stop
    fixed[-1] = length
    out = [fixed[:1]]
    for a, b in zip(fixed[:-1], fixed[1:], strict=True):
        n = max(int(np.ceil((b - a) / spacing - 1e-9)), 1)
        out.append(np.linspace(a, b, n + 1)[1:])
    return np.concatenate(out)


@dataclass(frozen=True)
class BusService:
    """Service assumptions for the routes of one file (see the module docstring)."""

    stop_spacing_m: float
    station_stop_m: float
    headway_s: float
    vehicle_capacity: float
    speed_mps: float
    dwell_s: float
    fare: float
    fare_system: str
    integrated_kinds: tuple[str, ...]
    integrated_fare: float
    integrated_fare_system: str


def bus_lines(
    routes: list[BusRoute],
    service: BusService,
    stations_xy: NDArray[np.float64],
    station_names: list[str],
    *,
    crs: str,
) -> list[TransitLine]:
    """The lines of the routes that run in the peak (metric work in ``crs``)."""
    from pyproj import Transformer

    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    peak = [r for r in routes if r.runs_in_peak]
    variants: dict[str, int] = {}
    for r in peak:
        variants[r.group] = variants.get(r.group, 0) + 1
    stations = shapely.points(stations_xy) if len(stations_xy) else None
    out: list[TransitLine] = []
    for r in peak:
        integrated = r.kind in service.integrated_kinds
        common: dict[str, Any] = {
            "mode": TransitMode.BUS,
            "headway_s": service.headway_s * variants[r.group],
            "vehicle_capacity": service.vehicle_capacity,
            "fare": service.integrated_fare if integrated else service.fare,
            "fare_system": service.integrated_fare_system if integrated else service.fare_system,
        }
        parts = [shapely.LineString(np.column_stack(fwd.transform(p[:, 0], p[:, 1])))
                 for p in r.parts]  # fmt: skip
        parts = [p for p in parts if p.length >= MIN_PART_M]
        for k, part in enumerate(parts):
            label = f"Bus {r.group} {r.name.title()}" + (f" [{k + 1}]" if len(parts) > 1 else "")
            rid = f"{r.code}#{r.object_id}" + (f".{k + 1}" if len(parts) > 1 else "")
            loop = shapely.Point(part.coords[0]).distance(shapely.Point(part.coords[-1])) < LOOP_M
            for line, suffix in [(part, "")] if loop else [(part, " →"), (part.reverse(), " ←")]:
                out.append(_line(line, label + suffix, rid, common, service, stations,
                                 station_names, back))  # fmt: skip
    return _unique(out)


def _line(
    line: shapely.LineString,
    label: str,
    route_id: str,
    common: dict[str, Any],
    service: BusService,
    stations: Any,
    station_names: list[str],
    back: Any,
) -> TransitLine:
    anchors, names = np.empty(0), {}
    if stations is not None:
        near = np.flatnonzero(shapely.dwithin(stations, line, service.station_stop_m))
        anchors = shapely.line_locate_point(line, stations[near])
        names = {round(float(a), 3): station_names[i] for a, i in zip(anchors, near, strict=True)}
    pos = stop_positions(line.length, anchors, service.stop_spacing_m)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(line, pos))
    lon, lat = back.transform(xy[:, 0], xy[:, 1])
    hops = np.diff(pos)
    run = hops / service.speed_mps
    run[:-1] += service.dwell_s
    stop_names = tuple(
        f"{names[round(float(p), 3)]} (bus)" if round(float(p), 3) in names else "" for p in pos
    )
    return TransitLine(
        name=label,
        route_id=route_id,
        stop_ids=tuple(f"{route_id}:{i}" for i in range(len(pos))),
        stop_names=stop_names,
        lon=np.asarray(lon),
        lat=np.asarray(lat),
        run_time_s=run,
        hop_length_m=hops,
        **common,
    )


def _unique(lines: list[TransitLine]) -> list[TransitLine]:
    from dataclasses import replace

    seen: dict[str, int] = {}
    out = []
    for line in lines:
        seen[line.name] = seen.get(line.name, 0) + 1
        n = seen[line.name]
        out.append(line if n == 1 else replace(line, name=f"{line.name} #{n}"))
    return out
