"""Cut the small test city ``tests/data/mini_city`` out of the bundled Porto Alegre data.

Run from the repository root: ``python tests/data/make_mini_city.py``. The output is committed;
this script documents how it was made. Data: © OpenStreetMap contributors (ODbL); hexagons
Ipea/r5r; EPTC GTFS (see scenarios/cities/porto_alegre/README.md).
"""

from __future__ import annotations

import bz2
import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "scenarios" / "cities" / "porto_alegre"
OUT = Path(__file__).resolve().parent / "mini_city"
# Morro da Cruz hillside down to Avenida Bento Gonçalves
BBOX = (-51.185, -30.080, -51.155, -30.055)


def inside(lon: float, lat: float) -> bool:
    return BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]


def cut_osm() -> None:
    with bz2.open(SRC / "poa_osm.osm.bz2") as fh:
        tree = ET.parse(fh)
    root = tree.getroot()
    keep_nodes = {
        n.get("id") for n in root.iter("node") if inside(float(n.get("lon")), float(n.get("lat")))
    }
    out = ET.Element("osm", version="0.6", generator="ladera make_mini_city")
    ways = []
    for way in root.iter("way"):
        refs = [nd.get("ref") for nd in way.iter("nd")]
        if not any(t.get("k") == "highway" for t in way.iter("tag")):
            continue
        if all(r in keep_nodes for r in refs):
            ways.append(way)
    used = {nd.get("ref") for w in ways for nd in w.iter("nd")}
    for n in root.iter("node"):
        if n.get("id") in used:
            out.append(ET.Element("node", {k: n.get(k) for k in ("id", "lat", "lon")}))
    for w in ways:
        out.append(w)
    data = ET.tostring(out, encoding="utf-8", xml_declaration=True)
    (OUT / "mini.osm.bz2").write_bytes(bz2.compress(data))


def cut_zones() -> None:
    with (SRC / "poa_hexgrid.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if inside(float(r["lon"]), float(r["lat"]))]
    with (OUT / "zones.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lon", "lat", "population", "jobs", "stratum"])
        for r in rows:
            # an illustrative income gradient: poorer up the hill (east), richer by the avenue
            stratum = 1 + 4 * (BBOX[2] - float(r["lon"])) / (BBOX[2] - BBOX[0])
            w.writerow([r["id"], r["lon"], r["lat"], r["population"] or 0, r["jobs"] or 0,
                        f"{stratum:.2f}"])  # fmt: skip


def cut_gtfs() -> None:
    """Keep EPTC trips whose stops are all inside the box (or clip later at build time)."""
    src = zipfile.ZipFile(SRC / "poa_eptc.zip")
    stops = list(csv.DictReader(io.TextIOWrapper(src.open("stops.txt"), "utf-8-sig")))
    keep = {s["stop_id"] for s in stops if inside(float(s["stop_lon"]), float(s["stop_lat"]))}
    times = list(csv.DictReader(io.TextIOWrapper(src.open("stop_times.txt"), "utf-8-sig")))
    trips_with = {}
    for t in times:
        trips_with.setdefault(t["trip_id"], []).append(t["stop_id"] in keep)
    good = {t for t, flags in trips_with.items() if sum(flags) >= 4}
    with zipfile.ZipFile(OUT / "mini_gtfs.zip", "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            text = src.read(name).decode("utf-8-sig")
            if name in ("stop_times.txt", "trips.txt", "shapes.txt"):
                lines = text.splitlines()
                header = lines[0].split(",")
                key = "trip_id" if name != "shapes.txt" else None
                if key:
                    idx = header.index(key)
                    lines = [lines[0]] + [ln for ln in lines[1:] if ln.split(",")[idx] in good]
                else:
                    lines = lines[:1]
                text = "\n".join(lines) + "\n"
            dst.writestr(name, text)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    cut_osm()
    cut_zones()
    cut_gtfs()
