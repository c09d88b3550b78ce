"""Tests of sim.network.transit: GTFS, official line layers and user-defined cable cars.

Expected values are computed by hand in the comments, not by the code under test.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sim.errors import DataError, LaderaError, ScenarioError
from sim.geo import haversine_m
from sim.network.arrays import TransitMode
from sim.network.transit import (
    GtfsOptions,
    TransitLine,
    cable_line,
    read_gtfs,
    read_gtfs_with_report,
    read_line_geojson,
    route_type_mode,
)

ROOT = Path(__file__).resolve().parent.parent
POA = ROOT / "scenarios" / "cities" / "porto_alegre"
MDE = ROOT / "scenarios" / "cities" / "medellin"
DATA = Path(__file__).resolve().parent / "data" / "transit"
MDE_LINES = MDE / "lineas_sistema_transporte_masivo_epsg9377.geojson"
MDE_STATIONS = MDE / "movilidad_metro_estaciones.geojson"
MDE_FARES = {"metro": 2550.0, "cable": 2550.0, "bus": 2300.0}

R_EARTH = 6_371_008.8
M_PER_DEG = R_EARTH * math.pi / 180.0  # 111,195.08 m: one degree of a great circle


# --------------------------------------------------------------------------------------------
# A hand-made GTFS feed
# --------------------------------------------------------------------------------------------
#
# Stops S1..S4 lie on the equator at lon 0, 0.01, 0.03, 0.04: cumulative distances in the
# ratio 0 : 1 : 3 : 4. S5, S6 are a rail pair further north.
#
# R1 (bus), direction 0, full pattern S1 S2 S3 S4, 6 trips at 07:00, 07:20, ..., 08:40 plus
#   one at 06:40 and one at 09:00 (outside the [07:00, 09:00) window):
#     S1 dep +0, S2 blank, S3 arr +6:00 dep +6:30, S4 arr +8:30
#   S2 lies 1/3 of the way (by distance) from S1 to S3: +2:00. Run times:
#     S1->S2 = 120, S2->S3 = 6:30 - 2:00 = 270 (includes the 30 s dwell), S3->S4 = 120.
#   The 08:20 trip is a minute late at S4 (run 180): the median ignores it.
#   Short-turn pattern S1 S2 S3 at 07:10 and 07:50: 2 more peak departures, so the headway
#   is 7200 / 8 = 900 s while the line follows the full pattern (6 trips > 2).
# R1, direction 1, S4 S3 S2 S1, trips at 07:05, 07:35, 08:05, 08:35:
#     S4 dep +0, S3 blank, S2 blank, S1 arr +8:00 (480 s over 4 distance units)
#   S3 at 1/4 -> +2:00, S2 at 3/4 -> +6:00: run times 120, 240, 120; headway 7200/4 = 1800.
# R2 (rail, route_type 2) has no direction_id: S5->S6 at 07:00, 07:30, 08:00, 08:30 and
#   S6->S5 at 07:15, 08:15 (5 min each). The busiest pattern S5 S6 is direction 0:
#   headways 1800 and 3600. Weekend trips (service WE) must be ignored.
# R3 (bus) runs only at 10:00: dropped. R5 (route_type 1500, taxi) is unsupported: dropped.
# The calendar runs weekdays of 2024; Monday 2024-01-01 is removed by calendar_dates, so the
# busiest weekday is the first Tuesday, 2024-01-02.

STOPS = """stop_id,stop_name,stop_lat,stop_lon
S1,Uno,0.0,0.00
S2,Dos,0.0,0.01
S3,Tres,0.0,0.03
S4,Cuatro,0.0,0.04
S5,Norte,0.1,0.00
S6,Sul,0.1,0.02
"""
ROUTES = """route_id,route_short_name,route_long_name,route_type
R1,T1,Primeira,3
R2,,Trem,2
R3,T3,,3
R5,X,Taxi,1500
"""
CALENDAR = """service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,0,0,20240101,20241231
WE,0,0,0,0,0,1,1,20240101,20241231
"""
CALENDAR_DATES = """service_id,date,exception_type
WK,20240101,2
"""
FARES = """fare_id,price,currency_type,payment_method,transfers
f,2.5,BRL,0,0
"""


def _clock(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _trip(trip_id: str, start: int, stops: list[tuple[str, int | None, int | None]]) -> list[str]:
    rows = []
    for seq, (stop, arr, dep) in enumerate(stops, start=1):
        a = "" if arr is None else _clock(start + arr)
        d = "" if dep is None else _clock(start + dep)
        rows.append(f"{trip_id},{a},{d},{stop},{seq}")
    return rows


def _feed_tables() -> dict[str, str]:
    trips = ["route_id,service_id,trip_id,trip_headsign,direction_id"]
    st = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    h = 3600
    full = [("S1", 0, 0), ("S2", None, None), ("S3", 360, 390), ("S4", 510, 510)]
    late = full[:3] + [("S4", 570, 570)]
    for k, start in enumerate([6 * h + 2400, *range(7 * h, 9 * h + 1, 1200)]):
        trips.append(f"R1,WK,a{k},,0")
        st += _trip(f"a{k}", start, late if start == 8 * h + 1200 else full)
    for k, start in enumerate([7 * h + 600, 7 * h + 3000]):
        trips.append(f"R1,WK,s{k},,0")
        st += _trip(f"s{k}", start, full[:3])
    back = [("S4", 0, 0), ("S3", None, None), ("S2", None, None), ("S1", 480, 480)]
    for k, start in enumerate(range(7 * h + 300, 9 * h, 1800)):
        trips.append(f"R1,WK,b{k},,1")
        st += _trip(f"b{k}", start, back)
    rail = [("S5", 0, 0), ("S6", 300, 300)]
    for k, start in enumerate(range(7 * h, 9 * h, 1800)):
        trips.append(f"R2,WK,n{k},,")
        st += _trip(f"n{k}", start, rail)
    for k, start in enumerate([7 * h + 900, 8 * h + 900]):
        trips.append(f"R2,WK,m{k},,")
        st += _trip(f"m{k}", start, rail[::-1])
    for k, start in enumerate(range(6 * h, 22 * h, 600)):
        trips.append(f"R2,WE,w{k},,")
        st += _trip(f"w{k}", start, rail)
    trips.append("R3,WK,c0,,0")
    st += _trip("c0", 10 * h, [("S1", 0, 0), ("S4", 600, 600)])
    trips.append("R5,WK,x0,,0")
    st += _trip("x0", 7 * h, [("S1", 0, 0), ("S4", 600, 600)])
    return {
        "stops.txt": STOPS,
        "routes.txt": ROUTES,
        "calendar.txt": CALENDAR,
        "calendar_dates.txt": CALENDAR_DATES,
        "fare_attributes.txt": FARES,
        "trips.txt": "\n".join(trips) + "\n",
        "stop_times.txt": "\n".join(st) + "\n",
    }


def _write_zip(path: Path, tables: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in tables.items():
            zf.writestr(name, text)
    return path


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return _write_zip(tmp_path / "toy.zip", _feed_tables())


def _by_stops(lines: list[TransitLine]) -> dict[tuple[str, ...], TransitLine]:
    return {ln.stop_ids: ln for ln in lines}


def test_gtfs_patterns_headways_and_interpolated_run_times(feed: Path) -> None:
    lines, report = read_gtfs_with_report(feed, GtfsOptions(fare=3.0, fare_system="toy"))
    by = _by_stops(lines)
    assert set(by) == {
        ("S1", "S2", "S3", "S4"),
        ("S4", "S3", "S2", "S1"),
        ("S5", "S6"),
        ("S6", "S5"),
    }

    out = by["S1", "S2", "S3", "S4"]
    np.testing.assert_allclose(out.run_time_s, [120.0, 270.0, 120.0])
    assert out.headway_s == pytest.approx(900.0)  # 8 departures, both patterns
    assert out.mode is TransitMode.BUS and out.vehicle_capacity == 80.0
    assert out.name == "T1 → Cuatro" and out.route_id == "R1"
    assert out.stop_names == ("Uno", "Dos", "Tres", "Cuatro")

    back = by["S4", "S3", "S2", "S1"]
    np.testing.assert_allclose(back.run_time_s, [120.0, 240.0, 120.0])
    assert back.headway_s == pytest.approx(1800.0)

    assert by["S5", "S6"].headway_s == pytest.approx(1800.0)
    assert by["S6", "S5"].headway_s == pytest.approx(3600.0)
    np.testing.assert_allclose(by["S5", "S6"].run_time_s, [300.0])
    assert by["S5", "S6"].mode is TransitMode.METRO
    assert by["S5", "S6"].vehicle_capacity == 1080.0
    assert by["S5", "S6"].name == "Trem → Sul"

    # the feed's single fare wins over the argument
    assert {ln.fare for ln in lines} == {2.5}
    assert {ln.fare_system for ln in lines} == {"toy"}
    assert report.service_date == "2024-01-02"
    assert report.peak == ("07:00:00", "09:00:00") and not report.peak_fallback
    assert report.dropped_no_peak == ("R3/0",)
    assert report.dropped_route_type == ("R5",)
    assert report.lines == 4


def test_gtfs_hop_lengths_are_great_circle(feed: Path) -> None:
    line = _by_stops(read_gtfs(feed))["S1", "S2", "S3", "S4"]
    # on the equator, 0.01 degree of longitude is 0.01 * M_PER_DEG
    np.testing.assert_allclose(line.hop_length_m, np.array([1, 2, 1]) * 0.01 * M_PER_DEG)


def test_gtfs_shape_dist_traveled_drives_interpolation(tmp_path: Path) -> None:
    tables = _feed_tables()
    rows = tables["stop_times.txt"].splitlines()
    # Give shape_dist_traveled (km) to the direction-1 trips only: S4 0, S3 3, S2 3.5, S1 4.
    # S3 is then 3/4 of the way (+6:00) and S2 7/8 (+7:00): run times 360, 60, 60.
    # Trips without it keep the great-circle interpolation.
    sdt = {"S4": "0", "S3": "3", "S2": "3.5", "S1": "4"}
    out = [rows[0] + ",shape_dist_traveled"]
    for row in rows[1:]:
        trip, stop = row.split(",")[0], row.split(",")[3]
        out.append(row + "," + (sdt[stop] if trip.startswith("b") else ""))
    tables["stop_times.txt"] = "\n".join(out) + "\n"
    by = _by_stops(read_gtfs(_write_zip(tmp_path / "sdt.zip", tables)))
    np.testing.assert_allclose(by["S4", "S3", "S2", "S1"].run_time_s, [360.0, 60.0, 60.0])
    np.testing.assert_allclose(by["S1", "S2", "S3", "S4"].run_time_s, [120.0, 270.0, 120.0])


def test_gtfs_fare_argument_when_feed_has_none_and_capacity_override(tmp_path: Path) -> None:
    tables = _feed_tables()
    del tables["fare_attributes.txt"]
    path = _write_zip(tmp_path / "nofare.zip", tables)
    lines = read_gtfs(path, GtfsOptions(fare=3.0, vehicle_capacity={"R2": 300.0}))
    assert {ln.fare for ln in lines} == {3.0}
    assert {ln.fare_system for ln in lines} == {"nofare"}  # default: the file stem
    caps = {ln.route_id: ln.vehicle_capacity for ln in lines}
    assert caps == {"R1": 80.0, "R2": 300.0}
    with pytest.raises(DataError, match="fare"):
        read_gtfs(path)


def test_gtfs_frequencies_and_headway_cap(tmp_path: Path) -> None:
    tables = _feed_tables()
    # R3's template trip c0 runs every 600 s from 06:30 to 08:00: departures 06:30, ..., 07:50;
    # in [07:00, 09:00): 07:00, 07:10, ..., 07:50 = 6, so the headway is 7200 / 6 = 1200 s.
    tables["frequencies.txt"] = (
        "trip_id,start_time,end_time,headway_secs\nc0,06:30:00,08:00:00,600\n"
    )
    by = _by_stops(read_gtfs(_write_zip(tmp_path / "freq.zip", tables)))
    assert by["S1", "S4"].headway_s == pytest.approx(1200.0)
    np.testing.assert_allclose(by["S1", "S4"].run_time_s, [600.0])
    # R2's reverse direction has 2 departures (3600 s); a cap of 2000 s binds it only
    lines, report = read_gtfs_with_report(
        _write_zip(tmp_path / "f2.zip", tables), GtfsOptions(max_headway_s=2000)
    )
    assert _by_stops(lines)["S6", "S5"].headway_s == 2000.0
    assert report.headways_capped == 1


def test_gtfs_mode_override(feed: Path) -> None:
    lines = read_gtfs(feed, GtfsOptions(mode=TransitMode.CABLE))
    assert {ln.mode for ln in lines} == {TransitMode.CABLE}
    assert {ln.vehicle_capacity for ln in lines} == {10.0}
    # an unsupported route type is kept when the mode is forced: R5 runs in the peak
    assert {ln.route_id for ln in lines} == {"R1", "R2", "R5"}


def test_gtfs_stop_without_coordinates(tmp_path: Path) -> None:
    tables = _feed_tables()
    tables["stops.txt"] = tables["stops.txt"].replace("S2,Dos,0.0,0.01", "S2,Dos,,")
    with pytest.raises(DataError) as excinfo:
        read_gtfs(_write_zip(tmp_path / "nocoord.zip", tables))
    _one_line_error(excinfo, "stops.txt", "'S2'", "stop_lat")


def test_gtfs_peak_fallback_to_busiest_window(feed: Path) -> None:
    # Nothing departs between 03:00 and 05:00: the busiest two hours are used instead.
    lines, report = read_gtfs_with_report(feed, GtfsOptions(peak=("03:00:00", "05:00:00")))
    assert report.peak_fallback
    assert report.peak[0] >= "06:40:00" and len(lines) >= 4


def test_gtfs_reads_a_folder_too(tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    for name, text in _feed_tables().items():
        (folder / name).write_text(text)
    assert len(read_gtfs(folder)) == 4


def test_gtfs_is_deterministic(feed: Path) -> None:
    a, b = read_gtfs(feed), read_gtfs(feed)
    assert [ln.name for ln in a] == [ln.name for ln in b]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.run_time_s, y.run_time_s)


@pytest.mark.parametrize(
    ("route_type", "mode"),
    [
        (0, TransitMode.METRO),
        (1, TransitMode.METRO),
        (2, TransitMode.METRO),
        (3, TransitMode.BUS),
        (6, TransitMode.CABLE),
        (11, TransitMode.BUS),
        (109, TransitMode.METRO),
        (224, TransitMode.METRO),
        (700, TransitMode.BUS),
        (1300, TransitMode.CABLE),
        (1500, None),
    ],
)
def test_route_type_mode(route_type: int, mode: TransitMode | None) -> None:
    assert route_type_mode(route_type) == mode


# -- bad input ---------------------------------------------------------------------------------


def _one_line_error(excinfo: pytest.ExceptionInfo, *parts: str) -> None:
    msg = str(excinfo.value)
    assert "\n" not in msg and "Traceback" not in msg
    for part in parts:
        assert part in msg, (part, msg)
    assert isinstance(excinfo.value, ValueError) and isinstance(excinfo.value, LaderaError)


def test_gtfs_without_stop_times(tmp_path: Path) -> None:
    tables = _feed_tables()
    del tables["stop_times.txt"]
    path = _write_zip(tmp_path / "nost.zip", tables)
    with pytest.raises(DataError) as excinfo:
        read_gtfs(path, GtfsOptions(fare=1.0))
    _one_line_error(excinfo, str(path), "stop_times.txt", "stop_sequence")


def test_gtfs_missing_column(tmp_path: Path) -> None:
    tables = _feed_tables()
    tables["stop_times.txt"] = tables["stop_times.txt"].replace("stop_sequence", "seq")
    path = _write_zip(tmp_path / "nocol.zip", tables)
    with pytest.raises(DataError) as excinfo:
        read_gtfs(path)
    _one_line_error(excinfo, str(path), "stop_times.txt", "`stop_sequence`")


def test_gtfs_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    path.write_text("route_id,route_type\nR1,3\n")
    with pytest.raises(DataError) as excinfo:
        read_gtfs(path)
    _one_line_error(excinfo, str(path), "not a zip")


def test_gtfs_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as excinfo:
        read_gtfs(tmp_path / "nowhere.zip")
    _one_line_error(excinfo, "nowhere.zip", "not found")


def test_gtfs_bad_time_and_no_calendar(tmp_path: Path) -> None:
    tables = _feed_tables()
    tables["stop_times.txt"] = tables["stop_times.txt"].replace("07:06:00", "7h06", 1)
    with pytest.raises(DataError) as excinfo:
        read_gtfs(_write_zip(tmp_path / "t.zip", tables))
    _one_line_error(excinfo, "stop_times.txt", "7h06", "HH:MM:SS")
    tables = _feed_tables()
    del tables["calendar.txt"], tables["calendar_dates.txt"]
    with pytest.raises(DataError) as excinfo:
        read_gtfs(_write_zip(tmp_path / "c.zip", tables))
    _one_line_error(excinfo, "calendar.txt", "calendar_dates.txt")


# --------------------------------------------------------------------------------------------
# Porto Alegre: EPTC buses and Trensurb
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eptc() -> tuple[list[TransitLine], object]:
    return read_gtfs_with_report(POA / "poa_eptc.zip", GtfsOptions(fare=4.70, fare_system="eptc"))


def test_eptc_many_bus_lines_with_plausible_headways(eptc) -> None:
    lines, report = eptc
    assert len(lines) > 150
    assert len({ln.name for ln in lines}) == len(lines)
    assert all(ln.mode is TransitMode.BUS for ln in lines)
    assert {ln.fare for ln in lines} == {4.7}
    headway_min = np.array([ln.headway_s for ln in lines]) / 60.0
    assert headway_min.min() >= 2.0 and headway_min.max() <= 60.0
    assert 8.0 <= np.median(headway_min) <= 30.0
    # the bundled feed holds midday trips only (about 11:00-16:00), so the busiest two hours
    # stand in for the morning peak
    assert report.peak_fallback


def test_eptc_run_times_give_plausible_bus_speeds(eptc) -> None:
    lines, _ = eptc
    # route length: great-circle distance between consecutive stops, recomputed here
    length = np.array(
        [haversine_m(ln.lon[:-1], ln.lat[:-1], ln.lon[1:], ln.lat[1:]).sum() for ln in lines]
    )
    kmh = length / np.array([ln.run_time_s.sum() for ln in lines]) * 3.6
    assert np.mean((kmh >= 10) & (kmh <= 40)) > 0.95
    assert kmh.min() > 5 and kmh.max() < 60
    assert 12 <= np.median(kmh) <= 30


def test_trensurb_line1_is_metro_ending_at_mercado() -> None:
    lines, report = read_gtfs_with_report(POA / "poa_trensurb.zip", GtfsOptions(fare=3.30))
    line1 = [ln for ln in lines if ln.route_id == "LINHA1"]
    assert len(line1) == 2 and all(ln.mode is TransitMode.METRO for ln in line1)
    terminals = {ln.stop_names[0] for ln in line1} | {ln.stop_names[-1] for ln in line1}
    assert terminals == {"ESTACAO MERCADO", "ESTACAO NOVO HAMBURGO"}
    assert line1[0].stop_ids == line1[1].stop_ids[::-1]
    # Mercado - Novo Hamburgo is ~43 km of line, scheduled in ~52 min
    assert 35 <= line1[0].length_m / 1000 <= 45
    assert 40 <= line1[0].travel_time_s / 60 <= 60
    aero = [ln for ln in lines if ln.route_id == "LINHAAERO"]
    assert len(aero) == 2 and all(ln.mode is TransitMode.METRO and ln.n_stops == 2 for ln in aero)
    assert not report.peak_fallback and report.lines == 4


# --------------------------------------------------------------------------------------------
# Medellín: official line geometries and stations
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def medellin() -> list[TransitLine]:
    return read_line_geojson(MDE_LINES, MDE_STATIONS, fares=MDE_FARES)


def test_medellin_line_k_order_length_and_capacity(medellin) -> None:
    k = [ln for ln in medellin if ln.route_id == "K"]
    assert len(k) == 2
    up = next(ln for ln in k if ln.stop_names[0] == "Acevedo")
    down = next(ln for ln in k if ln.stop_names[0] == "Santo Domingo")
    assert up.stop_names == ("Acevedo", "Andalucía", "Popular", "Santo Domingo")
    assert down.stop_names == up.stop_names[::-1]
    assert up.mode is TransitMode.CABLE
    assert up.length_m == pytest.approx(2000.0, rel=0.15)
    # a straight cable: the along-line length is close to the station-to-station chord sum
    # (station coordinates from SOURCES.md)
    lon = [-75.558308, -75.551897, -75.548141, -75.541727]
    lat = [6.300272, 6.296272, 6.295123, 6.293159]
    chords = sum(haversine_m(lon[i], lat[i], lon[i + 1], lat[i + 1]) for i in range(3))
    assert up.length_m == pytest.approx(chords, rel=0.03)
    assert up.headway_s == 12.0  # Line K's rating: a 10-person cabin every 12 s
    assert up.capacity_per_hour == pytest.approx(3000.0)
    # run time = hop / 5 m/s + 20 s at each intermediate station
    np.testing.assert_allclose(up.run_time_s, up.hop_length_m / 5.0 + [20.0, 20.0, 0.0])
    assert up.fare == 2550.0


def test_medellin_lines_present(medellin) -> None:
    codes = {ln.route_id for ln in medellin}
    assert codes == {"A", "B", "H", "J", "K", "L", "M", "P", "T", "1", "2"}
    assert len(medellin) == 2 * len(codes)
    assert len({ln.name for ln in medellin}) == len(medellin)
    a = next(ln for ln in medellin if ln.route_id == "A")
    assert a.mode is TransitMode.METRO and a.n_stops == 21
    assert {a.stop_names[0], a.stop_names[-1]} == {"Niquía", "La Estrella"}
    assert 23_000 < a.length_m < 26_000  # Niquía - La Estrella, ~25 km
    np.testing.assert_allclose(a.run_time_s[:-1], a.hop_length_m[:-1] / 11.0 + 30.0)
    brt = next(ln for ln in medellin if ln.route_id == "1")
    assert brt.mode is TransitMode.BUS and brt.fare == 2300.0
    assert {brt.stop_names[0], brt.stop_names[-1]} == {"Universidad de Medellín", "Parque Aranjuez"}
    modes = {ln.route_id: ln.mode for ln in medellin}
    assert modes["T"] is TransitMode.METRO and modes["L"] is TransitMode.CABLE


def test_medellin_planned_and_selection() -> None:
    lines = read_line_geojson(
        MDE_LINES, MDE_STATIONS, fares=1.0, lines=["K", "O"], include_planned=True
    )
    assert {ln.route_id for ln in lines} == {"K", "O"}
    with pytest.raises(ScenarioError, match="include_planned"):
        read_line_geojson(MDE_LINES, MDE_STATIONS, fares=1.0, lines=["O"])
    with pytest.raises(ScenarioError, match="`lines`"):
        read_line_geojson(MDE_LINES, MDE_STATIONS, fares=1.0, lines=["Q"])
    with pytest.raises(ScenarioError, match="`fares`"):
        read_line_geojson(MDE_LINES, MDE_STATIONS, fares={"metro": 1.0}, lines=["K"])


def test_line_layer_overrides() -> None:
    lines = read_line_geojson(
        MDE_LINES,
        MDE_STATIONS,
        fares=1.0,
        lines=["K"],
        headways_s={"K": 12.0},
        speeds_mps={"cable": 6.0},
        dwell_s={"cable": 0.0},
        vehicle_capacity={"cable": 8.0},
    )
    k = lines[0]
    assert k.capacity_per_hour == pytest.approx(3600 / 12 * 8)
    np.testing.assert_allclose(k.run_time_s, k.hop_length_m / 6.0)


def test_toy_layer_geographic_crs_ordering_and_loops() -> None:
    lines = read_line_geojson(
        DATA / "toy_lines.geojson", DATA / "toy_stations.geojson", fares=1.0, include_planned=True
    )
    by = {ln.stop_ids: ln for ln in lines}
    # Line Z: stations given out of order; "Lejos" (5.5 km off the line) is left out.
    z = by["zeta-baja", "zeta-media", "zeta-alta"]
    assert z.mode is TransitMode.CABLE and z.name == "Metrocable Z → Zeta Alta"
    # projections on the equator at lon 0, 0.008 and 0.02, measured in UTM: the equator of the
    # ellipsoid is 0.11 % longer than on the mean sphere and UTM scale 3 degrees off the central
    # meridian is 1.001, so allow 0.3 %
    np.testing.assert_allclose(z.hop_length_m, np.array([0.008, 0.012]) * M_PER_DEG, rtol=3e-3)
    # Line 9: both carriageways drawn as separate parts; platforms averaged per station
    nine = by["uno", "dos", "tres"]
    assert nine.mode is TransitMode.BUS
    np.testing.assert_allclose(nine.hop_length_m, np.array([0.01, 0.02]) * M_PER_DEG, rtol=3e-3)
    assert by["ye-uno", "ye-dos"].route_id == "Y"  # planned, included on request
    assert len(lines) == 6


def test_line_layer_bad_input(tmp_path: Path) -> None:
    with pytest.raises(DataError) as excinfo:
        read_line_geojson(tmp_path / "none.geojson", MDE_STATIONS, fares=1.0)
    _one_line_error(excinfo, "none.geojson", "not found")
    bad = tmp_path / "bad.geojson"
    bad.write_text((DATA / "toy_lines.geojson").read_text().replace('"tipo"', '"kind"'))
    with pytest.raises(DataError) as excinfo:
        read_line_geojson(bad, DATA / "toy_stations.geojson", fares=1.0)
    _one_line_error(excinfo, str(bad), "`tipo`")
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json")
    with pytest.raises(DataError) as excinfo:
        read_line_geojson(junk, DATA / "toy_stations.geojson", fares=1.0)
    _one_line_error(excinfo, str(junk))


# --------------------------------------------------------------------------------------------
# A user-defined cable car
# --------------------------------------------------------------------------------------------


def test_cable_line_run_times_and_capacity() -> None:
    # three stations on the equator, 0.009 and 0.018 degrees apart
    up, down = cable_line(
        "Cable Sur",
        [0.0, 0.009, 0.027],
        [0.0, 0.0, 0.0],
        stop_names=["Base", "Media", "Cima"],
        fare=2550.0,
        fare_system="metro",
    )
    d1, d2 = 0.009 * M_PER_DEG, 0.018 * M_PER_DEG  # 1000.76 m and 2001.51 m
    np.testing.assert_allclose(up.run_time_s, [d1 / 5.0 + 20.0, d2 / 5.0])
    np.testing.assert_allclose(down.run_time_s, [d2 / 5.0 + 20.0, d1 / 5.0])
    assert up.stop_names == ("Base", "Media", "Cima") and down.stop_names == (
        "Cima",
        "Media",
        "Base",
    )
    assert up.mode is TransitMode.CABLE and up.headway_s == 12.0 and up.vehicle_capacity == 10
    assert up.capacity_per_hour == pytest.approx(3000.0)  # 3600 / 12 cabins x 10 people
    assert up.fare == 2550.0 and up.fare_system == "metro"
    assert up.name != down.name and up.route_id == down.route_id == "Cable Sur"
    assert len(set(up.stop_ids)) == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lon": [0.0], "lat": [0.0], "stop_names": ["A"]}, "`lon`"),
        ({"stop_names": ["A"]}, "`stop_names`"),
        ({"speed_mps": 0.0}, "`speed_mps`"),
        ({"cabin_interval_s": -1.0}, "`cabin_interval_s`"),
        ({"cabin_capacity": 0}, "`cabin_capacity`"),
        ({"dwell_s": -5.0}, "`dwell_s`"),
        ({"fare": -1.0}, "`fare`"),
        ({"lon": [0.0, 0.0], "lat": [0.0, 0.0]}, "same place"),
        ({"lat": [0.0, 95.0]}, "`lon`/`lat`"),
    ],
)
def test_cable_line_validation(kwargs: dict, field: str) -> None:
    args = {"lon": [0.0, 0.01], "lat": [0.0, 0.0], "stop_names": ["A", "B"], "fare": 1.0}
    args.update(kwargs)
    lon, lat = args.pop("lon"), args.pop("lat")
    with pytest.raises(ScenarioError) as excinfo:
        cable_line("C", lon, lat, fare_system="m", **args)
    assert field in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


# --------------------------------------------------------------------------------------------
# Helpers and the record
# --------------------------------------------------------------------------------------------


def test_haversine() -> None:
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(M_PER_DEG)
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(M_PER_DEG)
    # one degree of longitude at 60 degrees latitude: chord on a small circle, ~half as long
    assert haversine_m(0.0, 60.0, 1.0, 60.0) == pytest.approx(M_PER_DEG / 2, rel=1e-4)
    d = haversine_m(np.zeros(3), np.zeros(3), [0.0, 0.5, 1.0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(d, [0.0, M_PER_DEG / 2, M_PER_DEG])
    assert haversine_m(10.0, 20.0, -30.0, 40.0) == pytest.approx(
        haversine_m(-30.0, 40.0, 10.0, 20.0)
    )


def test_transit_line_validates_and_is_read_only() -> None:
    kw = {
        "name": "x",
        "route_id": "x",
        "mode": TransitMode.BUS,
        "stop_ids": ("a", "b"),
        "stop_names": ("A", "B"),
        "lon": [0.0, 0.01],
        "lat": [0.0, 0.0],
        "run_time_s": [60.0],
        "headway_s": 600.0,
        "vehicle_capacity": 80.0,
        "fare": 1.0,
        "fare_system": "s",
    }
    line = TransitLine(**kw)
    assert line.hop_length_m[0] == pytest.approx(0.01 * M_PER_DEG)
    with pytest.raises(ValueError):
        line.run_time_s[0] = 1.0
    for change in ({"run_time_s": [-1.0]}, {"run_time_s": [1.0, 2.0]}, {"headway_s": 0.0}):
        with pytest.raises(ScenarioError):
            TransitLine(**{**kw, **change})
