"""Build a city's network once, then load it from a disk cache keyed by its inputs.

The key is a SHA-256 of every input file's bytes, the build options and
:data:`BUILD_VERSION`; changing any of them builds anew. Entries are written to a temporary file
and renamed into place, so a failed or interrupted build never leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from sim.city import City
from sim.errors import DataError, NetworkNotAvailableError
from sim.network.arrays import Lines, MultimodalNetwork
from sim.rundir.atomic import atomic_file
from sim.rundir.names import check_writable

#: Bump when the build changes what it produces from the same inputs (3: a Metrocable cabin
#: every 12 s; 4: transfer fares; 5: junction control, mid-block capacities, the paid transfer
#: layer, peak frequency factors).
BUILD_VERSION = "6"
#: Bump when the build from a city's own centre lines changes what it produces. It enters the
#: key of such networks only, so networks built from OSM keep their keys.
CENTRELINES_VERSION = "1"


def cache_dir() -> Path:
    """``$LADERA_CACHE_DIR`` or ``~/.cache/ladera``."""
    env = os.environ.get("LADERA_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "ladera"


@dataclass(frozen=True)
class StreetSource:
    """Where a city's streets come from: ``osm`` (bundled extract), ``osm-fetched`` (saved by
    ``ladera network fetch``) or ``centrelines`` (the city's own data; see
    :mod:`sim.network.city_streets`). ``files`` are the inputs that decide the streets."""

    kind: str
    files: tuple[Path, ...]
    label: str


def street_source(city: City) -> StreetSource:
    """The street source used for ``city``: a fetched OSM network wins over centre lines."""
    if city.streets.osm is not None:
        path = city.path(city.streets.osm)
        return StreetSource("osm", (path,), f"OpenStreetMap extract {city.streets.osm}")
    fetched = cache_dir() / "cities" / city.name / city.streets.fetched_name
    if city.streets.fetch_boundary is not None and fetched.is_file():
        return StreetSource("osm-fetched", (fetched,), f"OpenStreetMap, fetched ({fetched})")
    spec = city.streets.centrelines
    if spec is not None:
        files = [city.path(f) for f in spec.files]
        if spec.skeleton and city.transit.bus_routes is not None:
            files.append(city.path(city.transit.bus_routes.file))
        if spec.connect:
            files += [city.path(city.zones.file)]
            files += [city.path(s.stations) for s in city.transit.line_files]
        parts = [f"city centre lines ({', '.join(spec.files)})"]
        parts += ["bus-route skeleton"] if spec.skeleton and city.transit.bus_routes else []
        parts += ["connectors"] if spec.connect else []
        return StreetSource("centrelines", tuple(files), ", ".join(parts))
    raise NetworkNotAvailableError(
        f"the street network of {city.name} is not bundled and has not been fetched: run "
        f"`ladera network fetch {city.name}` once on a machine with internet "
        f"(it will be saved to {fetched})"
    )


def streets_file(city: City) -> Path:
    """The OSM file a city's streets come from: bundled, or fetched into the cache."""
    source = street_source(city)
    if source.kind == "centrelines":
        raise NetworkNotAvailableError(f"{city.name} has no OSM street file: {source.label}")
    return source.files[0]


def input_files(city: City) -> list[Path]:
    source = street_source(city)
    files = list(source.files)
    if city.streets.elevation:
        files.append(city.path(city.streets.elevation))
    files += [city.path(g.file) for g in city.transit.gtfs]
    for spec in city.transit.line_files:
        files += [city.path(spec.lines), city.path(spec.stations)]
    if city.transit.bus_routes is not None and city.path(city.transit.bus_routes.file) not in files:
        files.append(city.path(city.transit.bus_routes.file))
    return files


def cache_key(city: City) -> str:
    digest = hashlib.sha256(BUILD_VERSION.encode())
    for path in input_files(city):
        digest.update(path.name.encode())
        digest.update(_file_hash(path).encode())
    options = {
        "snap": city.streets.max_station_snap_m,
        "gtfs": [(g.fare, g.fare_system, g.vehicle_capacity, g.peak_frequency_factor)
                 for g in city.transit.gtfs],
        "fare_systems": [asdict(f) for f in city.transit.fare_systems],
        "lines": [(sorted(s.fares.items()), sorted(s.fare_systems.items()))
                  for s in city.transit.line_files],
    }  # fmt: skip
    # only where used, so that the keys of other cities stay as they were
    if street_source(city).kind == "centrelines":
        options["centrelines"] = [CENTRELINES_VERSION, asdict(city.streets.centrelines)]  # type: ignore[arg-type]
    if city.transit.bus_routes is not None:
        options["bus_routes"] = asdict(city.transit.bus_routes)
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:20]


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def entry_path(city: City) -> Path:
    return cache_dir() / "networks" / f"{city.name}-{cache_key(city)}.npz"


def cache_state(city: City) -> str:
    """``"hit"`` when a valid entry exists, ``"miss"`` otherwise (or why it cannot exist)."""
    try:
        return "hit" if entry_path(city).is_file() else "miss"
    except NetworkNotAvailableError:
        return "streets not fetched"


def load_network(city: City, *, use_cache: bool = True, rebuild: bool = False) -> MultimodalNetwork:
    """The city's network: from the cache when possible, else built and cached.

    A build says so in one line on stderr (it takes about half a minute for a real city); the
    cache folder is checked writable before it starts, so a bad ``LADERA_CACHE_DIR`` fails now.
    An entry that cannot be read (truncated, empty, not a network) is reported in one line,
    removed, rebuilt and written again. ``rebuild=True`` builds anew and replaces the entry;
    ``use_cache=False`` builds without reading or writing the cache.
    """
    path = entry_path(city)
    if use_cache and not rebuild and path.is_file():
        try:
            net = read_npz(path)
            net.meta["cache"] = "hit"
            return net
        except MemoryError:
            raise
        except Exception as exc:  # any unreadable entry is rebuilt, never trusted
            reason = " ".join(str(exc).split()).split(". ")[0][:160] or "no message"
            path.unlink(missing_ok=True)
            print(f"ladera: warning: {path}: unreadable network cache entry "
                  f"({type(exc).__name__}: {reason}); removed, rebuilding it", file=sys.stderr,
                  flush=True)  # fmt: skip
    if use_cache:
        try:
            check_writable(path.parent)
        except OSError as exc:
            raise DataError(f"{exc.filename}: {exc.strerror}: the network cache cannot be "
                            "written there; set LADERA_CACHE_DIR to a writable folder") from None  # fmt: skip
    source = street_source(city)
    what, takes = (
        ("OSM", "30 s")
        if source.kind != "centrelines"
        else ("its own centre lines and bus routes", "a minute")
    )
    if use_cache:
        note = f"(about {takes}, once); cached in {path.parent}"
    else:
        note = f"(about {takes}; not cached)"
    print(f"ladera: note: building the {city.name} network from {what} {note}", file=sys.stderr,
          flush=True)  # fmt: skip
    start = time.perf_counter()
    net = build_city_network(city)
    net.meta["build_seconds"] = time.perf_counter() - start
    net.meta["cache_key"] = path.stem
    if use_cache:
        write_npz(net, path)
    net.meta["cache"] = "rebuilt" if rebuild else "miss"
    return net


def build_city_network(city: City) -> MultimodalNetwork:
    """Parse streets and transit of ``city`` and build the arrays (no cache)."""
    from sim.network.build import add_lines, streets_network
    from sim.network.integration import FareRules, with_fare_rules
    from sim.network.load import street_graphs
    from sim.network.transit import GtfsOptions, read_gtfs, read_line_geojson

    elevation = city.path(city.streets.elevation) if city.streets.elevation else None
    source = street_source(city)
    meta: dict = {"city": city.name, "title": city.title, "currency": city.currency}
    if source.kind == "centrelines":
        from sim.network.city_streets import city_street_graph
        from sim.network.load import prepare_street_graphs

        raw = city_street_graph(city)
        walk, drive = prepare_street_graphs(raw, elevation_path=elevation)
        meta["street_source"] = source.label
        meta["street_report"] = raw.graph["street_report"]
    else:
        walk, drive = street_graphs(source.files[0], elevation_path=elevation)
    net = streets_network(walk, drive, meta=meta)
    if source.kind != "centrelines":
        from sim.network.bus_lanes import mark_bus_lanes, read_busways

        lane = mark_bus_lanes(net, *read_busways(source.files[0]))
        net = replace(net, bus_lane=lane)
        meta["bus_lane_km"] = round(float(net.length_m[lane > 0].sum()) / 1000.0, 1)
    rules = {f.name: FareRules(**{k: v for k, v in asdict(f).items() if k != "name"})
             for f in city.transit.fare_systems}  # fmt: skip
    net = with_fare_rules(net, rules)
    meta["signal_approaches"] = drive.graph.get("signal_approaches", 0)
    meta["signal_clusters"] = drive.graph.get("signal_clusters", 0)
    net.meta.update(meta)
    snap = city.streets.max_station_snap_m
    toml = city.folder / "city.toml"
    # a GTFS feed may cover more than the street extract: its lines are clipped to it
    feeds = []
    for g in city.transit.gtfs:
        feeds += read_gtfs(
            city.path(g.file),
            GtfsOptions(fare=g.fare, fare_system=g.fare_system, vehicle_capacity=g.vehicle_capacity,
                        peak_frequency_factor=g.peak_frequency_factor),
        )  # fmt: skip
    net, report = add_lines(net, feeds, max_snap_m=snap, clip=True)
    # stations listed one by one must all be on the network: a far one is a data error
    for spec in city.transit.line_files:
        lines = read_line_geojson(
            city.path(spec.lines), city.path(spec.stations),
            fares=spec.fares, fare_systems=spec.fare_systems,
        )  # fmt: skip
        try:
            net, more = add_lines(net, lines, max_snap_m=snap, clip=False)
        except DataError as exc:
            raise DataError(f"{city.path(spec.stations)}: {exc} (`streets.max_station_snap_m` "
                            f"in {toml})") from None  # fmt: skip
        report["lines_kept"] += more["lines_kept"]
        report["lines_in"] += more["lines_in"]
    if city.transit.bus_routes is not None:  # stops every few hundred metres: clipped like GTFS
        from sim.network.city_streets import city_bus_lines

        net, more = add_lines(net, city_bus_lines(city), max_snap_m=snap, clip=True)
        report["bus_routes"] = {k: v for k, v in more.items() if k != "max_snap_m"}
    net.meta["transit_report"] = report
    return net


_LINE_PREFIX = "lines__"


def write_npz(net: MultimodalNetwork, path: Path) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for f in fields(net):
        if f.name in ("lines", "meta"):
            continue
        arrays[f.name] = getattr(net, f.name)
    for f in fields(Lines):
        arrays[_LINE_PREFIX + f.name] = getattr(net.lines, f.name)
    meta = {k: v for k, v in net.meta.items() if k != "cache"}
    arrays["meta_json"] = np.array(json.dumps(meta, default=str))
    try:
        with atomic_file(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
    except OSError as exc:
        reason = exc.strerror or " ".join(str(exc).split())
        raise OSError(exc.errno, f"{reason}; the network cache entry was not written (set "
                      "LADERA_CACHE_DIR to another folder)", str(path)) from None  # fmt: skip


def read_npz(path: Path) -> MultimodalNetwork:
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("meta_json")))
    line_cols = {
        k[len(_LINE_PREFIX) :]: arrays.pop(k) for k in list(arrays) if k.startswith(_LINE_PREFIX)
    }
    return MultimodalNetwork(**arrays, lines=Lines(**line_cols), meta=meta)
