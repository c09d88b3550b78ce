"""Tests of the street loader (sim.network.load, osm, osm_filters, walking): reading OSM,
osmnx-equivalent filters, street graph attributes.

Hand-worked expectations use tests/data/tiny.osm (its header lists every way and its expected
walk/drive edges). The bundled Porto Alegre extract is parsed once per module.
"""

from __future__ import annotations

import bz2
import math
import pickle
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st
from osmnx import _overpass
from shapely.geometry import Point

from sim.errors import DataError
from sim.network import load, osm, osm_filters, road_classes, walking

TYPES = ("walk", "drive")
DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.osm"
CITY = Path(__file__).parents[1] / "scenarios" / "cities" / "porto_alegre"
POA_OSM = CITY / "poa_osm.osm.bz2"
POA_DEM = CITY / "poa_elevation.tif"


def both(*pairs: tuple[int, int, int]) -> set[tuple[int, int, int]]:
    return {(u, v, w) for u, v, w in pairs} | {(v, u, w) for u, v, w in pairs}


# (tail, head, way id), worked out by hand from the tags in tiny.osm
TINY_WALK = both(
    (1, 2, 101),
    (2, 3, 101),
    (3, 4, 102),  # oneway for cars, two-way on foot
    (4, 5, 103),  # oneway=-1
    (1, 6, 105),  # footway
    (6, 7, 106),  # steps
    (5, 8, 107),  # service=parking_aisle: walkable
    (8, 9, 112),  # service=driveway: walkable
    (12, 9, 115),  # roundabout
    (7, 8, 116),  # trunk with motorcar=no
    (1, 5, 118),  # footway
)
TINY_DRIVE = both((1, 2, 101), (2, 3, 101), (5, 2, 104), (3, 12, 114)) | {
    (3, 4, 102),  # oneway=yes
    (4, 5, 103),  # oneway=-1 on way 5-4
    (2, 11, 109),  # motorway, oneway
    (11, 10, 110),
    (10, 1, 110),
    (12, 9, 115),  # junction=roundabout implies oneway
}


def edge_set(G: nx.MultiDiGraph) -> set[tuple[int, int, int]]:
    return {(u, v, d["osmid"]) for u, v, d in G.edges(data=True)}


def edge_counter(G: nx.MultiDiGraph) -> Counter[tuple[int, int, int]]:
    return Counter((u, v, d["osmid"]) for u, v, d in G.edges(data=True))


def raw_length(raw: nx.MultiDiGraph, u: int, v: int) -> float:
    """Length of the raw edge u-v in either direction (one-way ways have only one)."""
    data = raw.get_edge_data(u, v) or raw.get_edge_data(v, u)
    return float(next(iter(data.values()))["length"])


def edge(G: nx.MultiDiGraph, u: int, v: int, way: int) -> dict:
    matches = [d for d in G.get_edge_data(u, v, default={}).values() if way in d["osmids"]]
    assert len(matches) == 1, (u, v, way)
    return matches[0]


# --------------------------------------------------------------------------------------------
# An independent reading of osmnx's own Overpass filter strings
# --------------------------------------------------------------------------------------------

_CLAUSE = re.compile(r'\["([^"]+)"(?:(!~)"([^"]*)")?\]')


def parse_overpass_filter(text: str) -> list[tuple[str, str | None]]:
    """``["key"]`` -> (key, None); ``["key"!~"a|b"]`` -> (key, "a|b"). Anything else fails."""
    clauses, pos = [], 0
    for match in _CLAUSE.finditer(text):
        assert match.start() == pos, f"unparsed filter text at {pos}: {text[pos:]!r}"
        clauses.append((match.group(1), match.group(3) if match.group(2) else None))
        pos = match.end()
    assert pos == len(text), f"unparsed filter text: {text[pos:]!r}"
    return clauses


def overpass_keeps(tags: dict, clauses: list[tuple[str, str | None]]) -> bool:
    for key, pattern in clauses:
        if pattern is None and key not in tags:
            return False
        if pattern is not None and key in tags and re.search(pattern, str(tags[key])):
            return False
    return True


def expected_edges(raw: nx.MultiDiGraph, network_type: str) -> Counter[tuple[int, int, int]]:
    clauses = parse_overpass_filter(_overpass._get_network_filter(network_type))
    out: Counter[tuple[int, int, int]] = Counter()
    for u, v, d in raw.edges(data=True):
        if overpass_keeps(d, clauses):
            out[(u, v, d["osmid"])] += 1
            if network_type == "walk" and d["oneway"]:
                out[(v, u, d["osmid"])] += 1
    return out


def test_filter_parser_reads_osmnx_strings() -> None:
    clauses = parse_overpass_filter('["highway"]["foot"!~"no|x"]')
    assert clauses == [("highway", None), ("foot", "no|x")]
    with pytest.raises(AssertionError):
        parse_overpass_filter('["highway"="primary"]')


# --------------------------------------------------------------------------------------------
# Tiny hand-made extract
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_raw() -> nx.MultiDiGraph:
    return osm.read_osm(TINY)


@pytest.fixture(scope="module")
def tiny_graphs() -> tuple[nx.MultiDiGraph, nx.MultiDiGraph]:
    return load.street_graphs(TINY)


def test_tiny_walk_edges_by_hand(tiny_raw: nx.MultiDiGraph) -> None:
    walk = osm_filters.filter_graph(tiny_raw, "walk")
    assert edge_set(walk) == TINY_WALK
    assert walk.number_of_edges() == len(TINY_WALK)
    assert all(d["oneway"] is False for _, _, d in walk.edges(data=True))


def test_tiny_drive_edges_by_hand(tiny_raw: nx.MultiDiGraph) -> None:
    drive = osm_filters.filter_graph(tiny_raw, "drive")
    assert edge_set(drive) == TINY_DRIVE
    assert drive.number_of_edges() == len(TINY_DRIVE)
    for wrong_way in [(4, 3), (5, 4), (9, 12), (11, 2), (1, 10)]:
        assert not drive.has_edge(*wrong_way), wrong_way


def test_filter_drops_isolated_nodes(tiny_raw: nx.MultiDiGraph) -> None:
    walk = osm_filters.filter_graph(tiny_raw, "walk")
    drive = osm_filters.filter_graph(tiny_raw, "drive")
    assert set(walk) == {u for u, _, _ in TINY_WALK}
    assert set(drive) == {u for u, _, _ in TINY_DRIVE} | {v for _, v, _ in TINY_DRIVE}
    assert {13, 14, 15, 16}.isdisjoint(set(walk) | set(drive))


def test_walk_equals_osmnx_bidirectional_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    # osmnx's own walk network is parsed with bidirectional=True: that is the reference
    monkeypatch.setattr(ox.settings, "useful_tags_way", list(osm_filters.USEFUL_TAGS_WAY))
    reference = ox.graph_from_xml(TINY, bidirectional=True, simplify=False, retain_all=True)
    clauses = parse_overpass_filter(_overpass._get_network_filter("walk"))
    expected = Counter(
        (u, v, d["osmid"]) for u, v, d in reference.edges(data=True) if overpass_keeps(d, clauses)
    )
    monkeypatch.undo()
    assert edge_counter(osm_filters.filter_graph(osm.read_osm(TINY), "walk")) == expected


def test_filter_leaves_input_alone(tiny_raw: nx.MultiDiGraph) -> None:
    before = (tiny_raw.number_of_nodes(), tiny_raw.number_of_edges())
    oneway_before = sum(bool(d["oneway"]) for _, _, d in tiny_raw.edges(data=True))
    osm_filters.filter_graph(tiny_raw, "walk")
    load.street_graphs(TINY)
    assert (tiny_raw.number_of_nodes(), tiny_raw.number_of_edges()) == before
    assert sum(bool(d["oneway"]) for _, _, d in tiny_raw.edges(data=True)) == oneway_before


def test_filter_rejects_bad_arguments(tiny_raw: nx.MultiDiGraph) -> None:
    with pytest.raises(ValueError, match="`network_type`"):
        osm_filters.filter_graph(tiny_raw, "bike")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="simplified"):
        osm_filters.filter_graph(ox.simplify_graph(tiny_raw), "walk")


def test_read_osm_restores_osmnx_settings(tmp_path: Path, monkeypatch) -> None:
    before = ["highway", "a_tag_only_this_test_uses"]
    monkeypatch.setattr(ox.settings, "useful_tags_way", list(before))
    osm.read_osm(TINY)
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1'")
    with pytest.raises(DataError):
        osm.read_osm(bad)
    assert ox.settings.useful_tags_way == before


def test_tiny_graphs_are_strongly_connected(tiny_graphs) -> None:
    walk, drive = tiny_graphs
    assert nx.is_strongly_connected(walk)
    assert nx.is_strongly_connected(drive)
    assert 9 not in drive  # reachable by the roundabout 12 -> 9 but a dead end for cars
    assert set(drive) == {1, 2, 3, 5, 12}  # 4, 10, 11 lie inside simplified edges


def test_walk_simplifies_after_filtering(tiny_graphs) -> None:
    walk, _ = tiny_graphs
    # 9 touches a private road and a cycleway too; once those are filtered out it is a plain
    # bend of the walk network, so simplification must remove it
    assert 9 not in walk
    assert edge(walk, 8, 12, 112)["osmids"] == (112, 115)


def test_drive_merged_oneway_edge(tiny_raw, tiny_graphs) -> None:
    _, drive = tiny_graphs
    d = edge(drive, 3, 5, 102)  # residential 3->4 (2 lanes, oneway) + tertiary 4->5 (no lanes)
    assert not drive.has_edge(5, 3)
    assert d["osmids"] == (102, 103)
    assert d["lanes"] == road_classes.DEFAULT_LANES["other"]  # bottleneck: the untagged tertiary
    assert d["capacity"] == min(
        2 * road_classes.LANE_CAPACITY_VPH["residential"],
        road_classes.DEFAULT_LANES["other"] * road_classes.LANE_CAPACITY_VPH["tertiary"],
    )
    # residential 3->4 has no maxspeed: osmnx imputes the class mean (way 101's 30 km/h)
    l34, l45 = raw_length(tiny_raw, 3, 4), raw_length(tiny_raw, 4, 5)
    assert d["travel_time"] == pytest.approx(3.6 * (l34 / 30 + l45 / 40))
    assert d["speed_kph"] == pytest.approx(3.6 * d["length"] / d["travel_time"])
    assert d["length"] == pytest.approx(l34 + l45)


def test_drive_speeds_fall_back_to_class_defaults(tiny_raw, tiny_graphs) -> None:
    _, drive = tiny_graphs
    d = edge(drive, 2, 1, 109)  # motorway 2->11 then motorway_link 11->10->1, no maxspeed
    motorway = raw_length(tiny_raw, 2, 11)
    link = raw_length(tiny_raw, 11, 10) + raw_length(tiny_raw, 10, 1)
    speeds = road_classes.DEFAULT_SPEEDS_KPH
    expected = 3.6 * (motorway / speeds["motorway"] + link / speeds["motorway_link"])
    assert d["travel_time"] == pytest.approx(expected)
    assert d["highway"] == "motorway_link"  # two of its three segments
    assert d["capacity"] == min(
        3 * road_classes.LANE_CAPACITY_VPH["motorway"],
        1 * road_classes.LANE_CAPACITY_VPH["motorway_link"],
    )


def test_drive_two_way_lanes_are_split(tiny_graphs) -> None:
    _, drive = tiny_graphs
    for u, v in [(1, 2), (2, 1)]:
        d = edge(drive, u, v, 101)  # lanes=2 on a two-way street: one lane each way
        assert d["lanes"] == 1.0
        assert d["name"] == "Rua Um"
        assert d["speed_kph"] == pytest.approx(30.0)


def test_walk_times_without_elevation(tiny_raw, tiny_graphs) -> None:
    walk, _ = tiny_graphs
    flat = walking.WALK_SPEED_FLAT_KPH
    for _, _, d in walk.edges(data=True):
        assert math.isnan(d["grade"])
        if d["steps_length"] == 0:
            assert d["walk_speed_kph"] == pytest.approx(flat)
            assert d["walk_time"] == pytest.approx(3.6 * d["length"] / flat)
    stairs = edge(walk, 1, 8, 106)  # footway 1-6, steps 6-7, trunk 7-8
    steps = raw_length(tiny_raw, 6, 7)
    assert stairs["steps_length"] == pytest.approx(steps)
    slow = walking.STEPS_SPEED_FACTOR * flat
    expected = 3.6 * ((stairs["length"] - steps) / flat + steps / slow)
    assert stairs["walk_time"] == pytest.approx(expected)
    assert all(math.isnan(e) for _, e in walk.nodes(data="elevation"))


def test_edge_attributes_are_plain(tiny_graphs) -> None:
    for G in tiny_graphs:
        for _, _, d in G.edges(data=True):
            assert type(d["osmid"]) is int
            assert type(d["highway"]) is str
            assert type(d["name"]) is str
            assert type(d["length"]) is float
            assert d["osmid"] == min(d["osmids"])
    walk, _ = tiny_graphs
    assert all("lanes" not in d for _, _, d in walk.edges(data=True))


def test_graphs_pickle_and_are_deterministic(tiny_graphs) -> None:
    def fingerprint(G: nx.MultiDiGraph) -> list:
        return sorted(
            (u, v, k, sorted((a, str(b)) for a, b in d.items()))
            for u, v, k, d in G.edges(keys=True, data=True)
        )

    again = load.street_graphs(TINY)
    for G, H in zip(tiny_graphs, again, strict=True):
        copy = pickle.loads(pickle.dumps(G))
        assert fingerprint(copy) == fingerprint(G) == fingerprint(H)
        nodes = [sorted((n, str(d)) for n, d in X.nodes(data=True)) for X in (copy, G, H)]
        assert nodes[0] == nodes[1] == nodes[2]


# --------------------------------------------------------------------------------------------
# Elevation and Tobler
# --------------------------------------------------------------------------------------------

WEST, NORTH, RES = -51.20105, -29.99795, 0.0001  # pixel centres fall on the tiny.osm grid


def dem_height(lat: float) -> float:
    return 10_000.0 * (-29.998 - lat)  # +10 m per 0.001 degree south (~9 % grade)


@pytest.fixture(scope="module")
def dem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import rasterio  # a hard dependency: its absence is a failure
    from rasterio.transform import Affine

    rows, cols = 80, 35  # east edge -51.19755: node 12 (lon -51.197) lies outside
    lats = NORTH - RES * (np.arange(rows) + 0.5)
    heights = np.repeat(dem_height(lats)[:, None], cols, axis=1).astype("float32")
    path = tmp_path_factory.mktemp("dem") / "dem.tif"
    profile = dict(driver="GTiff", height=rows, width=cols, count=1, dtype="float32")
    transform = Affine(RES, 0.0, WEST, 0.0, -RES, NORTH)
    with rasterio.open(path, "w", crs="EPSG:4326", transform=transform, **profile) as dst:
        dst.write(heights, 1)
    return path


def test_elevation_and_grades(dem: Path) -> None:
    walk, drive = load.street_graphs(TINY, elevation_path=dem)
    for G in (walk, drive):
        for n, d in G.nodes(data=True):
            if n == 12:
                assert math.isnan(d["elevation"])  # outside the raster
            else:
                assert d["elevation"] == pytest.approx(dem_height(d["y"]), abs=1e-3)
        for u, v, d in G.edges(data=True):
            expected = (G.nodes[v]["elevation"] - G.nodes[u]["elevation"]) / d["length"]
            assert d["grade"] == pytest.approx(expected, nan_ok=True)
    up, down = edge(walk, 1, 5, 118), edge(walk, 5, 1, 118)  # footway, 1 is north of 5
    assert up["grade"] == pytest.approx(-down["grade"]) and up["grade"] > 0.05
    assert up["walk_time"] > down["walk_time"]
    assert up["walk_speed_kph"] == pytest.approx(float(walking.tobler_walk_speed_kph(up["grade"])))
    unknown = edge(walk, 8, 12, 112)  # 12 has no elevation: walked as flat
    assert math.isnan(unknown["grade"])
    assert unknown["walk_speed_kph"] == pytest.approx(walking.WALK_SPEED_FLAT_KPH)


def test_tobler_peaks_gently_downhill() -> None:
    grades = np.linspace(-0.3, 0.3, 601)
    speeds = walking.tobler_walk_speed_kph(grades)
    assert grades[np.argmax(speeds)] == pytest.approx(walking.TOBLER_PEAK_GRADE)
    assert speeds.max() == pytest.approx(float(walking.tobler_walk_speed_kph(-0.05)))
    assert float(walking.tobler_walk_speed_kph(0.0)) == pytest.approx(walking.WALK_SPEED_FLAT_KPH)
    assert float(walking.tobler_walk_speed_kph(np.nan)) == pytest.approx(
        walking.WALK_SPEED_FLAT_KPH
    )
    uphill = walking.tobler_walk_speed_kph(np.linspace(0.0, 0.3, 31))
    assert np.all(np.diff(uphill) < 0)


@given(st.floats(min_value=0.0, max_value=walking.MAX_WALK_GRADE + walking.TOBLER_PEAK_GRADE))
def test_tobler_symmetric_about_peak(offset: float) -> None:
    peak = walking.TOBLER_PEAK_GRADE
    below = float(walking.tobler_walk_speed_kph(peak - offset))
    above = float(walking.tobler_walk_speed_kph(peak + offset))
    assert below == pytest.approx(above, rel=1e-12)


def test_tobler_clips_spurious_grades() -> None:
    limit = walking.MAX_WALK_GRADE
    assert float(walking.tobler_walk_speed_kph(3.0)) == float(walking.tobler_walk_speed_kph(limit))
    assert float(walking.tobler_walk_speed_kph(-3.0)) == float(
        walking.tobler_walk_speed_kph(-limit)
    )


# --------------------------------------------------------------------------------------------
# Bad input: one-line DataError naming the file
# --------------------------------------------------------------------------------------------


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


BAD_INPUTS = {
    "missing": lambda d: d / "nowhere.osm.bz2",
    "corrupt_bz2": lambda d: _write(d / "corrupt.osm.bz2", b"this is not bzip2\n" * 50),
    "truncated_bz2": lambda d: _write(d / "cut.osm.bz2", bz2.compress(TINY.read_bytes())[:200]),
    "empty_file": lambda d: _write(d / "empty.osm", b""),
    "empty_osm": lambda d: _write(d / "none.osm", b'<?xml version="1.0"?>\n<osm version="0.6"/>'),
    "no_highways": lambda d: _write(
        d / "houses.osm",
        b'<osm version="0.6"><node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="1"/>'
        b'<way id="9"><nd ref="1"/><nd ref="2"/><tag k="building" v="yes"/></way></osm>',
    ),
    "broken_xml": lambda d: _write(d / "broken.osm", b'<osm><node id="1" lat="0"\n lon='),
    "missing_node": lambda d: _write(
        d / "clipped.osm",
        b'<osm><node id="1" lat="0" lon="0"/><way id="9"><nd ref="1"/><nd ref="2"/>'
        b'<tag k="highway" v="residential"/></way></osm>',
    ),
    "bad_graphml": lambda d: _write(d / "streets.graphml", b"<graphml><graph>\n<node"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_raises_one_line_data_error(case: str, tmp_path: Path) -> None:
    path = BAD_INPUTS[case](tmp_path)
    with pytest.raises(DataError) as info:
        osm.read_osm(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")


def test_street_graphs_without_roads(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "park.osm",
        b'<osm><node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.001"/>'
        b'<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>',
    )
    with pytest.raises(DataError, match="no drive streets") as info:
        load.street_graphs(path)
    assert str(info.value).startswith(f"{path}: ")


def test_street_graphs_bad_elevation(tmp_path: Path) -> None:
    not_a_raster = _write(tmp_path / "dem.tif", b"nope")
    for path in (tmp_path / "missing.tif", not_a_raster):
        with pytest.raises(DataError) as info:
            load.street_graphs(TINY, elevation_path=path)
        assert "\n" not in str(info.value) and str(path) in str(info.value)


# --------------------------------------------------------------------------------------------
# fetch_streets (osmnx's download monkeypatched: no network here)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def boundary(tmp_path: Path) -> Path:
    path = tmp_path / "boundary.geojson"
    ring = [[-51.202, -30.005], [-51.195, -30.005], [-51.195, -29.997], [-51.202, -29.997]]
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
        f' "geometry": {{"type": "Polygon", "coordinates": [{ring + ring[:1]}]}}}}]}}'
    )
    return path


@pytest.fixture
def fake_download(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    calls: list[dict] = []

    def graph_from_polygon(polygon, **kwargs):
        calls.append(dict(kwargs, polygon=polygon, tags=list(ox.settings.useful_tags_way)))
        return ox.graph_from_xml(TINY, simplify=False, retain_all=True)

    monkeypatch.setattr(ox, "graph_from_polygon", graph_from_polygon)
    return calls


def test_fetch_streets_saves_graphml_read_osm_reads(boundary, fake_download, tmp_path) -> None:
    out = tmp_path / "cache" / "streets.graphml"
    assert osm.fetch_streets(boundary, out) == out
    (call,) = fake_download
    assert call["network_type"] == "all"
    assert call["simplify"] is False and call["retain_all"] is True
    assert call["polygon"].contains(Point(-51.2, -30.0))
    assert set(osm_filters.USEFUL_TAGS_WAY) <= set(call["tags"])
    assert sorted(p.name for p in out.parent.iterdir()) == ["streets.graphml"]  # no temp left
    fetched, direct = osm.read_osm(out), osm.read_osm(TINY)
    assert edge_counter(fetched) == edge_counter(direct)
    for network_type in ("walk", "drive"):
        got = osm_filters.filter_graph(fetched, network_type)
        assert edge_counter(got) == edge_counter(osm_filters.filter_graph(direct, network_type))


def test_fetch_streets_failed_save_keeps_old_file(
    boundary, fake_download, tmp_path, monkeypatch
) -> None:
    out = tmp_path / "streets.graphml"
    out.write_text("previous download")

    def broken_save(G, filepath, **kwargs):
        Path(filepath).write_text("<graphml>half")
        raise OSError("disk full")

    monkeypatch.setattr(ox, "save_graphml", broken_save)
    with pytest.raises(OSError, match="disk full"):
        osm.fetch_streets(boundary, out)
    assert out.read_text() == "previous download"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.geojson", "streets.graphml"]


def test_fetch_streets_rejects_bad_paths(boundary, fake_download, tmp_path) -> None:
    with pytest.raises(DataError, match="graphml"):
        osm.fetch_streets(boundary, tmp_path / "streets.osm")
    with pytest.raises(DataError, match="file not found"):
        osm.fetch_streets(tmp_path / "nowhere.geojson", tmp_path / "streets.graphml")
    assert fake_download == []


# --------------------------------------------------------------------------------------------
# The bundled Porto Alegre extract (parsed once)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poa_raw() -> nx.MultiDiGraph:
    return osm.read_osm(POA_OSM)


@pytest.fixture(scope="module")
def poa_filtered(poa_raw) -> dict[str, nx.MultiDiGraph]:
    return {network_type: osm_filters.filter_graph(poa_raw, network_type) for network_type in TYPES}


@pytest.fixture(scope="module")
def poa_graphs(poa_raw) -> tuple[nx.MultiDiGraph, nx.MultiDiGraph]:
    return load.prepare_street_graphs(poa_raw, elevation_path=POA_DEM)


@pytest.fixture(scope="module")
def poa_oneway_ways() -> dict[int, list[int]]:
    """Way id -> nodes in the legal direction, read straight from the XML (not via osmnx)."""
    ways: dict[int, list[int]] = {}
    with bz2.open(POA_OSM) as f:
        for _, elem in ET.iterparse(f):
            if elem.tag == "way":
                tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                nodes = [int(nd.get("ref")) for nd in elem.iter("nd")]
                if "highway" in tags and tags.get("oneway") in {"yes", "-1"}:
                    ways[int(elem.get("id"))] = nodes[::-1] if tags["oneway"] == "-1" else nodes
            if elem.tag in {"way", "relation"}:
                elem.clear()
    return ways


def test_useful_tags_cover_osmnx_filters() -> None:
    for network_type in ("walk", "drive"):
        text = _overpass._get_network_filter(network_type)
        keys = {key for key, _ in parse_overpass_filter(text)}
        assert keys <= set(osm_filters.USEFUL_TAGS_WAY), network_type


@pytest.mark.parametrize("network_type", ["walk", "drive"])
def test_filter_matches_osmnx_filter_string(poa_raw, poa_filtered, network_type) -> None:
    expected = expected_edges(poa_raw, network_type)
    got = edge_counter(poa_filtered[network_type])
    assert got == expected
    assert sum(got.values()) > 10_000


def test_poa_oneway(poa_filtered, poa_oneway_ways) -> None:
    drive, walk = edge_set(poa_filtered["drive"]), edge_set(poa_filtered["walk"])
    checked_drive = checked_walk = 0
    for way, nodes in poa_oneway_ways.items():
        legal = [(a, b, way) for a, b in zip(nodes, nodes[1:], strict=False)]
        illegal = [(b, a, w) for a, b, w in legal]
        if any(e in drive for e in legal + illegal):
            assert all(e in drive for e in legal), way
            assert not any(e in drive for e in illegal), way
            checked_drive += 1
        if any(e in walk for e in legal + illegal):
            assert all(e in walk for e in legal + illegal), way
            checked_walk += 1
    assert checked_drive > 200 and checked_walk > 200


def test_poa_graphs(poa_graphs) -> None:
    walk, drive = poa_graphs
    for G in (walk, drive):
        assert nx.is_strongly_connected(G)
        assert G.number_of_nodes() > 5_000
        known = np.array([not math.isnan(e) for _, e in G.nodes(data="elevation")])
        assert known.mean() > 0.9
    assert walk.number_of_nodes() > drive.number_of_nodes()
    for _, _, d in drive.edges(data=True):
        assert d["speed_kph"] > 0 and d["capacity"] > 0 and d["lanes"] >= 1
        assert math.isfinite(d["travel_time"]) and d["travel_time"] >= 0
    times = np.array([d["walk_time"] for _, _, d in walk.edges(data=True)])
    lengths = np.array([d["length"] for _, _, d in walk.edges(data=True)])
    assert np.all(np.isfinite(times)) and np.all(times >= 0)
    speeds = 3.6 * lengths[lengths > 0] / times[lengths > 0]
    steepest = float(walking.tobler_walk_speed_kph(walking.MAX_WALK_GRADE))
    stairs = walking.STEPS_SPEED_FACTOR * walking.WALK_SPEED_FLAT_KPH
    assert speeds.min() >= min(steepest, stairs) - 1e-9
    assert speeds.max() <= float(walking.tobler_walk_speed_kph(walking.TOBLER_PEAK_GRADE)) + 1e-9
    highways = {d["highway"] for _, _, d in walk.edges(data=True)}
    assert {"steps", "footway"} <= highways
    assert not {"motorway", "cycleway"} & highways
