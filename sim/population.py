"""Synthetic households from a city's zone tables, all from one seeded generator.

Households live in zones in proportion to population and are placed on walkable nodes near the
zone centre; income is drawn around the zone's mean (log-normal) or its mean estrato; vehicle
ownership and value of time rise with income. Work zones are drawn by a doubly constrained
gravity model on free-flow times (see :func:`work_zones`).

State is a struct of arrays (:class:`Households`); Mesa agents are thin views on it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from sim.behaviour import shift_probability, worker_vot
from sim.city import City
from sim.constants import WALK_SPEED_MPS
from sim.demand_spec import households_represented
from sim.errors import ScenarioError
from sim.network.arrays import MultimodalNetwork, NodeKind
from sim.network.build import projector
from sim.numeric import matvec, vecmat
from sim.placement import node_index, place_homes
from sim.sampling import stratified_normals, stratified_uniforms, systematic
from sim.zones import Zones

#: Car and motorbike ownership by income quintile (1 = poorest). Assumed, in the range reported
#: for Brazilian and Colombian cities by household surveys; a scenario may override them.
CAR_BY_QUINTILE = (0.10, 0.20, 0.35, 0.52, 0.72)
MOTO_BY_QUINTILE = (0.06, 0.08, 0.08, 0.07, 0.04)
CAR_BY_ESTRATO = (0.05, 0.12, 0.28, 0.50, 0.68, 0.80)
MOTO_BY_ESTRATO = (0.14, 0.18, 0.16, 0.10, 0.06, 0.03)


@dataclass(frozen=True, eq=False)
class Households:
    """One row per synthetic household (struct of arrays)."""

    home_zone: NDArray[np.int32]  # row of Zones
    work_zone: NDArray[np.int32]  # destination zone (row of DestZones)
    home_node: NDArray[np.int64]  # walk node
    drive_node: NDArray[np.int64]  # nearest drive node to home
    access_s: NDArray[np.float64]  # walk from home to the drive node
    income: NDArray[np.float64]  # monthly, city currency
    income_class: NDArray[np.int8]  # 1..5 quintiles or 1..6 estratos
    car: NDArray[np.bool_]
    moto: NDArray[np.bool_]
    vot: NDArray[np.float64]  # currency per minute
    weight: float  # real households one synthetic household stands for
    # destination zone of each household's trips of each demand segment (households x
    # segments; column 0 is ``work_zone`` when the first segment goes to jobs), None until drawn
    destinations: NDArray[np.int32] | None = None

    @property
    def n(self) -> int:
        return int(self.home_zone.shape[0])

    def take(self, idx: NDArray[np.integer]) -> Households:
        skip = {"weight", "destinations"}
        cols = {f.name: getattr(self, f.name)[idx] for f in fields(self) if f.name not in skip}
        if self.destinations is not None:
            cols["destinations"] = self.destinations[idx]
        return replace(self, **cols)


@dataclass(frozen=True, eq=False)
class DestZones:
    """Destinations: zones with jobs or schools grouped on a square grid of ``cell_m`` metres,
    then any external zones (entries to the study area: no walk node, no jobs)."""

    walk_node: NDArray[np.int64]  # -1 for external zones
    drive_node: NDArray[np.int64]
    jobs: NDArray[np.float64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    of_zone: NDArray[np.int32]  # destination zone of each zone (-1 where no jobs or schools)
    schools: NDArray[np.float64] | None = None
    external: NDArray[np.bool_] | None = None

    @property
    def n(self) -> int:
        return int(self.jobs.shape[0])

    @property
    def n_internal(self) -> int:
        return self.n if self.external is None else int((~self.external).sum())

    def attraction(self, kind: str) -> NDArray[np.float64]:
        """Jobs or schools of each destination (0 at external zones)."""
        if kind == "jobs":
            return self.jobs
        if kind == "schools" and self.schools is not None:
            return self.schools
        raise ScenarioError(f"destinations by `{kind}`: the city's zones have no such column")

    def with_externals(self, drive_node: NDArray[np.int64], lon: NDArray[np.float64],
                       lat: NDArray[np.float64]) -> DestZones:  # fmt: skip
        """These destinations followed by external zones at the given drive nodes."""
        k = drive_node.shape[0]
        schools = None if self.schools is None else np.concatenate([self.schools, np.zeros(k)])
        return DestZones(
            walk_node=np.concatenate([self.walk_node, np.full(k, -1, np.int64)]),
            drive_node=np.concatenate([self.drive_node, drive_node.astype(np.int64)]),
            jobs=np.concatenate([self.jobs, np.zeros(k)]),
            lon=np.concatenate([self.lon, lon]), lat=np.concatenate([self.lat, lat]),
            of_zone=self.of_zone, schools=schools,
            external=np.concatenate([np.zeros(self.n, bool), np.ones(k, bool)]),
        )  # fmt: skip


def destination_zones(zones: Zones, net: MultimodalNetwork, *, cell_m: float = 1000.0) -> DestZones:
    """Group zones with jobs or schools into grid cells; each cell is rooted at the node nearest
    its centroid (weighted by jobs, or by schools in a cell without jobs)."""
    if zones.jobs.sum() <= 0:
        raise ScenarioError("zones: `jobs` sum to 0; a city needs jobs to commute to")
    if cell_m <= 0:
        raise ScenarioError("`zone_size_m` must be > 0")
    project = projector(net)
    xy = project(zones.lon, zones.lat)
    schools = zones.schools if zones.schools is not None else np.zeros(zones.n)
    attracts = (zones.jobs > 0) | (schools > 0)
    cell = np.floor(xy / cell_m).astype(np.int64)
    key = cell[:, 0] * 1_000_003 + cell[:, 1]
    uniq, inv = np.unique(key[attracts], return_inverse=True)
    jobs = np.bincount(inv, weights=zones.jobs[attracts])
    sch = np.bincount(inv, weights=schools[attracts])
    w = np.where(jobs[inv] > 0, zones.jobs[attracts], schools[attracts])
    total = np.bincount(inv, weights=w)
    cx = np.bincount(inv, weights=w * zones.lon[attracts]) / total
    cy = np.bincount(inv, weights=w * zones.lat[attracts]) / total
    of_zone = np.full(zones.n, -1, np.int32)
    of_zone[attracts] = inv
    walk_nodes, walk_tree = node_index(net, NodeKind.WALK)
    drive_nodes, drive_tree = node_index(net, NodeKind.DRIVE)
    centres = project(cx, cy)
    return DestZones(
        walk_node=walk_nodes[walk_tree.query(centres)[1]],
        drive_node=drive_nodes[drive_tree.query(centres)[1]],
        jobs=jobs.astype(float),
        lon=cx,
        lat=cy,
        of_zone=of_zone,
        schools=sch.astype(float) if zones.schools is not None else None,
        external=np.zeros(uniq.shape[0], bool),
    )


def zone_nodes(zones: Zones, net: MultimodalNetwork) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The walk and drive node nearest each zone centre."""
    project = projector(net)
    walk_nodes, walk_tree = node_index(net, NodeKind.WALK)
    drive_nodes, drive_tree = node_index(net, NodeKind.DRIVE)
    xy = project(zones.lon, zones.lat)
    return walk_nodes[walk_tree.query(xy)[1]], drive_nodes[drive_tree.query(xy)[1]]


def synthesise(
    city: City,
    zones: Zones,
    net: MultimodalNetwork,
    n: int,
    rng: np.random.Generator,
    *,
    vot_factor: float = 1.0,
    place_radius_m: float = 250.0,
    ownership_shift: tuple[float, float] = (0.0, 0.0),
) -> Households:
    """Draw ``n`` households (without work zones: see :func:`work_zones`).

    ``ownership_shift`` moves the car and motorbike ownership probabilities on the logit scale
    (fitted to registered vehicles by ``ladera calibrate``; :mod:`sim.behaviour`)."""
    if not isinstance(n, int | np.integer) or n <= 0:
        raise ScenarioError(f"`households` must be a positive integer, not {n!r}")
    if zones.population.sum() <= 0:
        raise ScenarioError("zones: `population` sums to 0; nobody to simulate")
    if vot_factor <= 0:
        raise ScenarioError("`vot_factor` must be > 0")
    # homes by stratified sampling: each zone gets its expected count up to one either side
    cdf = np.cumsum(zones.population / zones.population.sum())
    u = stratified_uniforms(np.zeros(n, np.int8), rng)
    home = np.sort(np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), zones.n - 1))
    home = home.astype(np.int32)
    if city.zones.polygons is not None:  # homes on the streets inside each zone's polygon
        home_node = place_homes(city, zones, net, home, rng)
    else:
        home_node = _place(zones, net, home, rng, place_radius_m)
    drive_nodes, drive_tree = node_index(net, NodeKind.DRIVE)
    project = projector(net)
    gap, nearest = drive_tree.query(project(net.x[home_node], net.y[home_node]))
    income, klass, car_p, moto_p = _income(city, zones, home, rng)
    car_p = shift_probability(car_p, ownership_shift[0]) if ownership_shift[0] else car_p
    moto_p = shift_probability(moto_p, ownership_shift[1]) if ownership_shift[1] else moto_p
    # vehicles drawn systematically in home-zone order: each zone's fleet is its expected one
    car = systematic(car_p, home, rng)
    moto = systematic(np.where(car, 0.0, moto_p / np.maximum(1.0 - car_p, 1e-9)), home, rng)

    households_real = households_represented(city, zones)
    return Households(
        home_zone=home,
        work_zone=np.full(n, -1, np.int32),
        home_node=home_node,
        drive_node=drive_nodes[nearest],
        access_s=gap / WALK_SPEED_MPS,
        income=income,
        income_class=klass,
        car=car,
        moto=moto,
        vot=worker_vot(city, income, vot_factor),
        weight=float(households_real / n),
    )


def _place(
    zones: Zones, net: MultimodalNetwork, home: NDArray, rng: np.random.Generator, radius: float
) -> NDArray[np.int64]:
    """A random walkable node within ``radius`` of the zone centre (else the nearest one)."""
    walk_nodes, tree = node_index(net, NodeKind.WALK)
    project = projector(net)
    used = np.unique(home)
    centres = project(zones.lon[used], zones.lat[used])
    nearby = tree.query_ball_point(centres, r=radius)
    nearest = tree.query(centres)[1]
    out = np.empty(home.shape[0], np.int64)
    starts = np.searchsorted(home, used)
    ends = np.searchsorted(home, used, side="right")
    for z, a, b, cand, near in zip(used, starts, ends, nearby, nearest, strict=True):
        del z
        cand = np.asarray(cand if cand else [near], np.int64)
        out[a:b] = walk_nodes[np.sort(cand)[rng.integers(0, cand.shape[0], size=b - a)]]
    return out


def _income(
    city: City, zones: Zones, home: NDArray, rng: np.random.Generator
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    sigma = city.income.dispersion
    if city.income.kind == "estrato":
        mean = np.nan_to_num(zones.stratum[home], nan=float(np.nanmedian(zones.stratum)))
        estrato = np.clip(np.rint(mean + 0.7 * stratified_normals(home, rng)), 1, 6)
        estrato = estrato.astype(np.int8)
        base = np.asarray(city.income.estrato_income)[estrato - 1]
        income = base * np.exp(sigma * stratified_normals(home, rng) - 0.5 * sigma**2)
        car_p = np.asarray(CAR_BY_ESTRATO)[estrato - 1]
        moto_p = np.asarray(MOTO_BY_ESTRATO)[estrato - 1]
        return income, estrato, car_p, moto_p
    income = zones.income[home] * np.exp(sigma * stratified_normals(home, rng) - 0.5 * sigma**2)
    cuts = np.quantile(income, [0.2, 0.4, 0.6, 0.8])
    quintile = (np.searchsorted(cuts, income, side="right") + 1).astype(np.int8)
    car_p = np.asarray(CAR_BY_QUINTILE)[quintile - 1]
    moto_p = np.asarray(MOTO_BY_QUINTILE)[quintile - 1]
    return income, quintile, car_p, moto_p


def gravity_matrix(
    origins: NDArray[np.float64],
    jobs: NDArray[np.float64],
    minutes: NDArray[np.float64],
    *,
    beta: float = 0.05,
    iterations: int = 200,
    tol: float = 1e-9,
) -> NDArray[np.float64]:
    """Doubly constrained gravity model (Furness balancing).

    ``T[o, d] = A_o O_o B_d D_d exp(-beta t_od)`` with row sums ``origins`` and column sums
    ``jobs`` scaled to the same total. Unreachable pairs (``t = inf``) get no trips.
    """
    if origins.sum() <= 0 or jobs.sum() <= 0:
        raise ScenarioError("gravity model needs positive origins and jobs")
    dest = jobs * origins.sum() / jobs.sum()
    f = np.exp(-beta * np.where(np.isfinite(minutes), minutes, np.inf))
    b = np.ones_like(dest)
    for _ in range(iterations):
        a = 1.0 / np.maximum(matvec(f, b * dest), 1e-300)
        b_new = 1.0 / np.maximum(vecmat(a * origins, f), 1e-300)
        if np.allclose(b_new, b, rtol=tol, atol=0):
            b = b_new
            break
        b = b_new
    return (a * origins)[:, None] * f * (b * dest)[None, :]


def work_zones(
    households: Households,
    minutes: NDArray[np.float64],
    dest: DestZones,
    rng: np.random.Generator,
    *,
    beta: float = 0.05,
) -> Households:
    """Draw each household's work zone from the gravity distribution of its home zone.

    ``minutes`` is (zones x destination zones) free-flow time used as the deterrence.
    """
    n_zones = minutes.shape[0]
    origins = np.bincount(households.home_zone, minlength=n_zones).astype(float)
    trips = gravity_matrix(origins, dest.jobs, minutes, beta=beta)
    u = stratified_uniforms(households.home_zone, rng)
    work = sample_rows(households.home_zone, origins, trips, minutes, u, dest.n)
    return replace(households, work_zone=work)


def sample_rows(home_zone: NDArray[np.int32], origins: NDArray[np.float64],
                trips: NDArray[np.float64], minutes: NDArray[np.float64], u: NDArray[np.float64],
                n_dest: int) -> NDArray[np.int32]:  # fmt: skip
    """Each household's destination drawn from its home zone's row of ``trips`` (a gravity
    matrix) with its uniform draw ``u``; a zone whose row is empty goes to its nearest
    destination by ``minutes``."""
    out = np.empty(home_zone.shape[0], np.int32)
    order = np.argsort(home_zone, kind="stable")
    starts = np.searchsorted(home_zone[order], np.arange(minutes.shape[0] + 1))
    for z in np.flatnonzero(origins):
        idx = order[starts[z] : starts[z + 1]]
        row = trips[z]
        if row.sum() <= 0:  # isolated zone: nearest destination
            row = np.where(minutes[z] == np.nanmin(minutes[z]), 1.0, 0.0)
        cdf = np.cumsum(row) / row.sum()
        out[idx] = np.minimum(np.searchsorted(cdf, u[idx], side="right"), n_dest - 1)
    return out
