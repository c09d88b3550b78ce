"""Schedule analysis of a GTFS feed: from stop times to one stop pattern per line.

Stops and stop times, the vehicle departures (``frequencies.txt`` expanded) and the peak window
they are counted in, the stop pattern and direction of every trip, the pattern chosen per route
and direction, and the median run times of its peak trips, blank times of non-timepoint stops
interpolated by distance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.errors import DataError, ScenarioError, where
from sim.geo import haversine_m
from sim.network.transit.gtfs.feed import _Feed, _seconds

_SEP = "\x1f"  # joins the stop ids of a trip into one pattern key


def _stops(feed: _Feed) -> pd.DataFrame:
    stops = feed.table("stops.txt")
    out = pd.DataFrame(
        {
            "lon": feed.numbers(stops, "stops.txt", "stop_lon"),
            "lat": feed.numbers(stops, "stops.txt", "stop_lat"),
            "name": (stops["stop_name"] if "stop_name" in stops else stops["stop_id"]).to_numpy(),
        },
        index=pd.Index(stops["stop_id"].str.strip(), name="stop_id"),
    )
    return out[~out.index.duplicated()]


def _stop_times(feed: _Feed, trip_ids: pd.Index, stops: pd.DataFrame) -> pd.DataFrame:
    """Stop times of the given trips, sorted by trip and sequence, times in seconds."""
    name = "stop_times.txt"
    raw = feed.table(name)
    raw = raw[raw["trip_id"].isin(trip_ids)]
    seq = feed.numbers(raw, name, "stop_sequence")
    if np.isnan(seq).any():
        raise DataError(f"{where(feed.path, name)}: column `stop_sequence` has blank values")
    st = pd.DataFrame(
        {
            "trip_id": raw["trip_id"].to_numpy(),
            "stop_id": raw["stop_id"].str.strip().to_numpy(),
            "seq": seq,
            "arr": feed.times(raw, name, "arrival_time"),
            "dep": feed.times(raw, name, "departure_time"),
        }
    )
    if "shape_dist_traveled" in raw:
        st["sdt"] = feed.numbers(raw, name, "shape_dist_traveled")
    unknown = ~st["stop_id"].isin(stops.index)
    if unknown.any():
        bad = st["stop_id"][unknown].iloc[0]
        raise DataError(f"{where(feed.path, name)}: stop_id {bad!r} is not in stops.txt")
    # A timepoint may give only one of its two times.
    st["arr"] = st["arr"].fillna(st["dep"])
    st["dep"] = st["dep"].fillna(st["arr"])
    st = st.sort_values(["trip_id", "seq"], kind="stable", ignore_index=True)
    st["lon"] = stops["lon"].reindex(st["stop_id"]).to_numpy()
    st["lat"] = stops["lat"].reindex(st["stop_id"]).to_numpy()
    nowhere = st["lon"].isna() | st["lat"].isna()
    if nowhere.any():
        bad = st["stop_id"][nowhere].iloc[0]
        raise DataError(
            f"{where(feed.path, 'stops.txt')}: stop {bad!r} is served but has no stop_lat/stop_lon"
        )
    return st


def _departures(feed: _Feed, st: pd.DataFrame) -> pd.DataFrame:
    """One row per vehicle departure from the first stop: ``trip_id``, ``t`` (seconds)."""
    first = st.groupby("trip_id", sort=False).head(1)
    deps = pd.DataFrame({"trip_id": first["trip_id"].to_numpy(), "t": first["dep"].to_numpy()})
    freq = feed.maybe("frequencies.txt")
    if freq is None:
        return deps
    freq = freq[freq["trip_id"].isin(deps["trip_id"])]
    start = feed.times(freq, "frequencies.txt", "start_time")
    end = feed.times(freq, "frequencies.txt", "end_time")
    step = feed.numbers(freq, "frequencies.txt", "headway_secs")
    if not (np.all(step > 0) and np.all(end > start)):
        raise DataError(
            f"{where(feed.path, 'frequencies.txt')}: needs headway_secs > 0 and "
            "end_time > start_time"
        )
    count = np.ceil((end - start) / step).astype(np.int64)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    expanded = pd.DataFrame(
        {
            "trip_id": np.repeat(freq["trip_id"].to_numpy(), count),
            "t": np.repeat(start, count) + k * np.repeat(step, count),
        }
    )
    return pd.concat([deps[~deps["trip_id"].isin(freq["trip_id"])], expanded], ignore_index=True)


def _peak_window(t: NDArray[np.float64], peak: tuple[str, str]) -> tuple[float, float, bool]:
    """``(start, end, fallback)``: the requested window, or the busiest one of the same length
    when no vehicle at all departs in the requested one (a feed cut to a few hours of service).
    """
    t0, t1 = _seconds(peak[0], "peak"), _seconds(peak[1], "peak")
    if t1 <= t0:
        raise ScenarioError(f"`peak` must end after it starts, got {peak[0]}-{peak[1]}")
    if ((t >= t0) & (t < t1)).any() or t.size == 0:
        return t0, t1, False
    ts = np.sort(t)
    counts = np.searchsorted(ts, ts + (t1 - t0), side="left") - np.arange(ts.size)
    start = float(ts[int(np.argmax(counts))])
    return start, start + (t1 - t0), True


def _patterns(st: pd.DataFrame) -> pd.Series:
    """Stop pattern of each trip as one string (stop ids joined by :data:`_SEP`), by trip id."""
    trip = st["trip_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]])
    ends = np.r_[starts[1:], trip.size]
    ids = st["stop_id"].tolist()
    keys = [_SEP.join(ids[a:b]) for a, b in zip(starts, ends, strict=True)]
    return pd.Series(keys, index=trip[starts], dtype=object)


def _trip_table(st: pd.DataFrame, deps: pd.DataFrame, window: tuple[float, float]) -> pd.DataFrame:
    """Per trip: stop pattern, departures on the day and in the window."""
    pattern = _patterns(st)
    in_peak = (deps["t"] >= window[0]) & (deps["t"] < window[1])
    n_day = deps.groupby("trip_id").size()
    n_peak = in_peak.groupby(deps["trip_id"]).sum()
    out = pd.DataFrame({"pattern": pattern})
    out["n_day"] = n_day.reindex(out.index, fill_value=0).to_numpy()
    out["n_peak"] = n_peak.reindex(out.index, fill_value=0).to_numpy()
    return out


def _timed_trips(st: pd.DataFrame) -> pd.Index:
    """Trips whose first and last stops both have a time (GTFS requires it)."""
    heads = st.groupby("trip_id", sort=False).head(1)
    tails = st.groupby("trip_id", sort=False).tail(1)
    ok = heads["dep"].notna().to_numpy() & tails["arr"].notna().to_numpy()
    return pd.Index(heads["trip_id"].to_numpy()[ok])


def _directions(trips: pd.DataFrame, st: pd.DataFrame) -> pd.Series:
    """Direction of each trip: ``direction_id`` where the feed gives it for the whole route,
    else inferred: trips visiting the stops of the route's busiest pattern in its order are "0",
    the others "1".
    """
    given = trips["direction_id"].str.strip()
    infer = given.eq("").groupby(trips["route_id"]).transform("any")
    if not infer.any():
        return given
    sub = trips[infer]
    busiest = (
        sub.groupby(["route_id", "pattern"])["n_day"]
        .sum()
        .reset_index()
        .sort_values(["route_id", "n_day", "pattern"], ascending=[True, False, True])
        .drop_duplicates("route_id")
    )
    ref = busiest.assign(stop_id=busiest["pattern"].str.split(_SEP)).explode("stop_id")
    ref["pos"] = ref.groupby("route_id").cumcount()
    ref = ref.drop_duplicates(["route_id", "stop_id"])[["route_id", "stop_id", "pos"]]
    rows = st.loc[st["trip_id"].isin(sub.index), ["trip_id", "stop_id"]]
    rows["r"] = rows.groupby("trip_id").cumcount().astype(float)
    rows["route_id"] = sub["route_id"].reindex(rows["trip_id"]).to_numpy()
    rows = rows.merge(ref, on=["route_id", "stop_id"], how="inner")
    rows["rp"] = rows["r"] * rows["pos"]
    m = rows.groupby("trip_id")[["r", "pos", "rp"]].mean()
    forward = (m["rp"] - m["r"] * m["pos"]) > 0  # same order as the reference pattern
    inferred = np.where(forward.reindex(sub.index, fill_value=False), "0", "1")
    out = given.copy()
    out[infer] = inferred
    return out


def _choose_lines(trips: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Per (route, direction) with peak departures: the most used pattern in the peak and the
    number of peak departures over all patterns. Also the "route/direction" keys dropped.
    """
    key = ["route_id", "direction"]
    total = trips.groupby(key)["n_peak"].sum()
    dropped = [f"{r}/{d}" for r, d in total.index[total.to_numpy() == 0]]
    by_pattern = trips[trips["n_peak"] > 0].groupby([*key, "pattern"])["n_peak"].sum()
    best = (
        by_pattern.reset_index()
        .assign(n_stops=lambda df: df["pattern"].str.count(_SEP) + 1)
        .sort_values(
            [*key, "n_peak", "n_stops", "pattern"], ascending=[True, True, False, False, True]
        )
        .drop_duplicates(key)
        .drop(columns=["n_peak", "n_stops"])
    )
    best["n_peak"] = total.reindex(pd.MultiIndex.from_frame(best[key])).to_numpy()
    return best.reset_index(drop=True), dropped


def _interpolate(st: pd.DataFrame) -> pd.DataFrame:
    """Fill blank times of non-timepoint stops linearly in distance between timepoints.

    Distance is ``shape_dist_traveled`` for trips that give it at every stop, else the
    cumulative great-circle distance between consecutive stops; where two timepoints are at the
    same distance the stop count is used instead.
    """
    st = st.copy()
    g = st.groupby("trip_id", sort=False)
    hop = haversine_m(g["lon"].shift(), g["lat"].shift(), st["lon"], st["lat"])
    st["dist"] = pd.Series(np.nan_to_num(hop), index=st.index).groupby(st["trip_id"]).cumsum()
    if "sdt" in st:
        full = st["sdt"].notna().groupby(st["trip_id"]).transform("all")
        st.loc[full, "dist"] = st.loc[full, "sdt"]
    st["i"] = g.cumcount().astype(float)
    timed = st["arr"].notna()
    anchors = st[["dep", "arr", "dist", "i"]].where(timed)
    prev = anchors[["dep", "dist", "i"]].groupby(st["trip_id"]).ffill()
    nxt = anchors[["arr", "dist", "i"]].groupby(st["trip_id"]).bfill()
    span_d = nxt["dist"] - prev["dist"]
    frac = np.where(
        span_d > 0,
        (st["dist"] - prev["dist"]) / span_d.where(span_d > 0),
        (st["i"] - prev["i"]) / (nxt["i"] - prev["i"]),
    )
    t = prev["dep"] + np.clip(frac, 0.0, 1.0) * (nxt["arr"] - prev["dep"])
    st["arr"] = st["arr"].where(timed, t)
    st["dep"] = st["dep"].where(timed, t)
    return st


def _hop_times(st: pd.DataFrame) -> pd.DataFrame:
    """Per trip and hop ``k`` (stop k -> k+1): departure-to-departure time, the last hop ending
    on arrival at the terminal."""
    g = st.groupby("trip_id", sort=False)
    last = g.cumcount(ascending=False) == 0
    t = st["dep"].where(~last, st["arr"])
    run = t.groupby(st["trip_id"]).shift(-1) - st["dep"]
    out = pd.DataFrame({"trip_id": st["trip_id"], "k": g.cumcount(), "run": run})
    return out[~last.to_numpy()]


def _median_runs(st: pd.DataFrame, trips: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Median hop times over the peak trips of each chosen pattern: rows = ``chosen`` index,
    columns = hop number (NaN past a line's last hop)."""
    key = ["route_id", "direction", "pattern"]
    line_of = trips[trips["n_peak"] > 0].reset_index().merge(chosen.reset_index(), on=key)
    line_of = line_of.set_index("trip_id")["index"]
    sub = st[st["trip_id"].isin(line_of.index)]
    hops = _hop_times(_interpolate(sub))
    hops["line"] = line_of.reindex(hops["trip_id"]).to_numpy()
    med = hops.groupby(["line", "k"])["run"].median().clip(lower=0.0)
    return med.unstack("k")
