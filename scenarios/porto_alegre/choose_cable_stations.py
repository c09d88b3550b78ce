"""How the Morro da Cruz cable stations were chosen (prints the TOML lines).

Run: ``python scenarios/porto_alegre/choose_cable_stations.py``. Rules, on the bundled network:

- top: a walkable node within 500 m of (-51.162, -30.075) at 130-160 m elevation, with the most
  people (hexagon population) within 400 m: the populated hillside;
- bottom: a walkable node within 300 m of (-51.178, -30.060), on Avenida Bento Gonçalves, with
  the most distinct bus lines stopping within 150 m: the corridor and its buses;
- middle: the walkable node nearest the midpoint of the two, for a mid-slope station.
"""

from __future__ import annotations

import numpy as np

from sim.city import load_city
from sim.network.arrays import NodeKind
from sim.network.build import projector
from sim.network.cache import load_network
from sim.zones import load_zones


def main() -> None:
    city = load_city("porto_alegre")
    net = load_network(city)
    zones = load_zones(city)
    project = projector(net)
    walk = net.nodes_of(NodeKind.WALK)
    xy = project(net.x[walk], net.y[walk])

    def within(lon: float, lat: float, r: float) -> np.ndarray:
        c = project(np.array([lon]), np.array([lat]))[0]
        return np.flatnonzero(np.hypot(*(xy - c).T) <= r)

    zxy = project(zones.lon, zones.lat)
    cand = within(-51.162, -30.075, 500)
    elev = net.elevation[walk[cand]]
    cand = cand[(elev >= 130) & (elev <= 160)]
    people = [zones.population[np.hypot(*(zxy - xy[i]).T) <= 400].sum() for i in cand]
    top = walk[cand[int(np.argmax(people))]]

    sxy = project(net.x[net.stop_walk], net.y[net.stop_walk])
    cand = within(-51.178, -30.060, 300)
    on_avenue = set(net.tail[np.char.find(net.name.astype(str), "Bento Gonçalves") >= 0])
    cand = np.array([i for i in cand if walk[i] in on_avenue] or cand)
    lines = [np.unique(net.stop_line[np.hypot(*(sxy - xy[i]).T) <= 150]).size for i in cand]
    bottom = walk[cand[int(np.argmax(lines))]]

    mid_xy = (project(net.x[[top]], net.y[[top]]) + project(net.x[[bottom]], net.y[[bottom]])) / 2
    middle = walk[int(np.argmin(np.hypot(*(xy - mid_xy[0]).T)))]
    for label, v in (("top", top), ("middle", middle), ("bottom", bottom)):
        print(f"# {label}: elevation {net.elevation[v]:.0f} m")
        print(f"[{net.x[v]:.6f}, {net.y[v]:.6f}],")


if __name__ == "__main__":
    main()
