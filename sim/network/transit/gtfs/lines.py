"""From the stop patterns chosen in a GTFS feed to :class:`TransitLine` records.

What a route is (its mode from ``route_type``, its label, the headsign of each direction), the
fare of the feed, vehicle capacities and headways, and names made unique per line and direction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sim.errors import DataError, where
from sim.network.arrays import TransitMode
from sim.network.transit.gtfs.feed import _Feed
from sim.network.transit.gtfs.schedule import _SEP
from sim.network.transit.line import TransitLine

log = logging.getLogger(__name__)


#: Passengers per vehicle when a feed or a caller does not say. Bus: 80, the ABNT NBR
#: 15570:2011 "padron" class ("ônibus padron: até 80 passageiros", seated plus 6 standing per
#: m2; Portal do Trânsito, "Qual é o limite de passageiros em ônibus urbanos?"), the size of
#: Porto Alegre's 13.2 m buses "com capacidade entre 40 a 46 pessoas sentadas" (EPTC via
#: busologiamundial, June 2011); an 18 m articulated bus carries more, but GTFS feeds do not say
#: which trips run one. Metro: a 4-car suburban train, Trensurb's "228 pessoas sentadas e 853
#: em pé, totalizando 1.081 passageiros considerando 5,4 pessoas em pé por m²" (TheCityFix
#: Brasil, 3 Nov 2014), rounded. Cable: a 10-passenger detachable gondola cabin (Teleférico de
#: Santo Domingo: "215 cabinas de 10 pasajeros sentados", dominicanaexterior.com).
DEFAULT_VEHICLE_CAPACITY: dict[TransitMode, float] = {
    TransitMode.BUS: 80.0,
    TransitMode.METRO: 1080.0,
    TransitMode.CABLE: 10.0,
}


def route_type_mode(route_type: int) -> TransitMode | None:
    """Ladera mode of a GTFS ``route_type`` (basic or extended); ``None`` when unsupported.

    Rail, tram, funicular, monorail, cable tram and ferries run on their own right of way and
    become METRO; aerial lifts CABLE; buses, coaches and trolleybuses BUS. ``224`` (not in the
    extended list, but used for Porto Alegre's Aeromóvel people mover) is METRO.
    """
    basic = {0: "M", 1: "M", 2: "M", 4: "M", 5: "M", 7: "M", 12: "M", 6: "C", 3: "B", 11: "B"}
    if route_type in basic:
        code = basic[route_type]
    elif route_type == 224:
        code = "M"
    else:
        code = _extended_route_type(route_type)
    return {"M": TransitMode.METRO, "C": TransitMode.CABLE, "B": TransitMode.BUS}.get(code)


def _extended_route_type(route_type: int) -> str:
    hundreds = route_type // 100
    if hundreds in (1, 4, 9, 10, 12, 14):  # rail, urban rail, tram, water, ferry, funicular
        return "M"
    if hundreds in (2, 7, 8):  # coach, bus, trolleybus
        return "B"
    if hundreds == 13:  # aerial lift
        return "C"
    return ""


def _feed_fare(feed: _Feed, fare: float | None) -> float:
    """The feed's fare when it has exactly one price, else ``fare``."""
    table = feed.maybe("fare_attributes.txt")
    prices = (
        np.unique(feed.numbers(table, "fare_attributes.txt", "price"))
        if table is not None
        else np.zeros(0)
    )
    prices = prices[np.isfinite(prices)]
    if prices.size == 1:
        if fare is not None and fare != prices[0]:
            log.info(
                "%s: fare_attributes.txt fare %s used instead of %s", feed.path, prices[0], fare
            )
        return float(prices[0])
    if fare is None:
        raise DataError(
            f"{where(feed.path, 'fare_attributes.txt')}: {prices.size} distinct fares, need one; "
            "pass `fare`"
        )
    return float(fare)


def _route_modes(
    feed: _Feed, routes: pd.DataFrame, mode: TransitMode | None
) -> tuple[pd.Series, list[str]]:
    """Mode per route id (unsupported route types left out) and the dropped route ids."""
    ids = routes["route_id"].to_numpy()
    if mode is not None:
        return pd.Series([TransitMode(mode)] * len(ids), index=ids, dtype=object), []
    types = feed.numbers(routes, "routes.txt", "route_type")
    modes = [route_type_mode(int(t)) if np.isfinite(t) else None for t in types]
    series = pd.Series(modes, index=ids, dtype=object)
    dropped = sorted(series.index[series.isna()].astype(str))
    return series.dropna(), dropped


def _route_labels(routes: pd.DataFrame) -> pd.Series:
    label = routes["route_id"].copy()
    for column in ("route_long_name", "route_short_name"):
        if column in routes:
            text = routes[column].str.strip()
            label = text.where(text != "", label)
    return pd.Series(label.to_numpy(), index=routes["route_id"].to_numpy())


def _headsigns(trips: pd.DataFrame, chosen: pd.DataFrame) -> pd.Series:
    """Most common non-blank headsign per chosen (route, direction, pattern); '' if none."""
    if "trip_headsign" not in trips:
        return pd.Series("", index=chosen.index)
    key = ["route_id", "direction", "pattern"]
    sub = trips[trips["trip_headsign"].str.strip() != ""]
    top = sub.groupby(key)["trip_headsign"].agg(lambda s: s.str.strip().value_counts().index[0])
    return top.reindex(pd.MultiIndex.from_frame(chosen[key])).fillna("").set_axis(chosen.index)


@dataclass(frozen=True)
class _LineOptions:
    fare: float
    fare_system: str
    vehicle_capacity: float | Mapping[str, float] | None
    window: tuple[float, float]
    max_headway_s: float
    frequency_factor: float = 1.0

    def capacity(self, route_id: str, mode: TransitMode) -> float:
        cap = self.vehicle_capacity
        if isinstance(cap, Mapping):
            cap = cap.get(route_id)
        return float(cap) if cap is not None else DEFAULT_VEHICLE_CAPACITY[mode]


def _build_lines(
    chosen: pd.DataFrame,
    runs: pd.DataFrame,
    stops: pd.DataFrame,
    info: pd.DataFrame,  # label and mode per route id
    opts: _LineOptions,
) -> list[TransitLine]:
    pos = {stop_id: i for i, stop_id in enumerate(stops.index.tolist())}
    lon, lat, names = (stops[c].to_numpy() for c in ("lon", "lat", "name"))
    lines = []
    for row in chosen.itertuples():
        stop_ids = tuple(row.pattern.split(_SEP))
        at = np.array([pos[s] for s in stop_ids])
        route = info.loc[row.route_id]
        stop_names = tuple(str(n) for n in names[at])
        lines.append(
            TransitLine(
                name=f"{route['label']} → {row.headsign or stop_names[-1]}",
                route_id=str(row.route_id),
                mode=route["mode"],
                stop_ids=stop_ids,
                stop_names=stop_names,
                lon=lon[at],
                lat=lat[at],
                run_time_s=runs.loc[row.Index].to_numpy()[: len(stop_ids) - 1],
                headway_s=min(
                    (opts.window[1] - opts.window[0]) / row.n_peak / opts.frequency_factor,
                    opts.max_headway_s,
                ),
                vehicle_capacity=opts.capacity(str(row.route_id), route["mode"]),
                fare=opts.fare,
                fare_system=opts.fare_system,
            )
        )
    tags = [f"{r}/{d}" for r, d in zip(chosen["route_id"], chosen["direction"], strict=True)]
    return _unique_names(lines, tags)


def _unique_names(lines: list[TransitLine], tags: Sequence[str]) -> list[TransitLine]:
    """Disambiguate equal names with each line's tag, then with a counter."""
    counts = pd.Series([ln.name for ln in lines]).value_counts()
    seen: dict[str, int] = {}
    out = []
    for ln, tag in zip(lines, tags, strict=True):
        name = f"{ln.name} [{tag}]" if counts.get(ln.name, 0) > 1 else ln.name
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} #{seen[name]}"
        out.append(ln if name == ln.name else replace(ln, name=name))
    return out
