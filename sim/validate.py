"""``ladera validate``: a solved baseline against its city's observed figures, with the
indicators a reviewer asks for, the count of sourced and assumed parameters, and a
one-at-a-time sensitivity of the headline results (:mod:`sim.sensitivity`).

Calibration figures (fitted by ``ladera calibrate``) are shown apart from the validation
figures, which nothing fits. Each figure carries its band from the city's ``observed`` file,
stated there before any run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.observed import (
    figure_row,
    headline,
    load_observed,
    measure,
    mode_shares,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from sim.city import City
    from sim.model import CommuteModel

WALK_BANDS = {"0-15": (0, 15), "15-30": (15, 30), "30-45": (30, 45), "45-60": (45, 60),
              ">60": (60, np.inf)}  # fmt: skip


def figure_tables(model: CommuteModel) -> dict[str, list[dict[str, Any]]]:
    """Rows of the calibration and validation tables (see :func:`sim.observed.figure_row`)."""
    observed = load_observed(model.city)
    return {role: [figure_row(f, measure(model, f.metric)) for f in observed.of_role(role)]
            for role in ("calibration", "validation")}  # fmt: skip


def weighted_median(x: NDArray[np.float64], w: NDArray[np.float64]) -> float:
    """The value below which half the weight lies (the lower one at an exact half)."""
    if x.size == 0 or w.sum() <= 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cum, 0.5 * cum[-1])])


def busier_direction(x0: NDArray[np.float64], y0: NDArray[np.float64],
                     x1: NDArray[np.float64], y1: NDArray[np.float64], street: NDArray[np.str_],
                     vc: NDArray[np.float64], km: NDArray[np.float64]) -> NDArray[np.bool_]:  # fmt: skip
    """Which links run in their street's busier direction (links from (x0, y0) to (x1, y1)).

    A morning peak loads one direction of a street and leaves the other light, and dual
    carriageways are mapped as two one-way ways, so a median over all links mixes both. A street
    is the links of one name (within the links given, e.g. one road class); its two directions
    are taken along its main axis (the first principal axis of its links' end points), and the
    busier one has the higher km-weighted mean v/c. A street whose links all run one way counts
    whole; unnamed links are left out.
    """
    out = np.zeros(street.size, dtype=bool)
    for name in np.unique(street):
        if not name:
            continue
        e = np.flatnonzero(street == name)
        pts = np.column_stack([np.r_[x0[e], x1[e]], np.r_[y0[e], y1[e]]])
        axis = np.linalg.svd(pts - pts.mean(axis=0), full_matrices=False)[2][0]
        along = (x1[e] - x0[e]) * axis[0] + (y1[e] - y0[e]) * axis[1] > 0
        ways = [e[along], e[~along]]
        if not ways[0].size or not ways[1].size:
            out[e] = True
            continue
        mean = [float((vc[w] * km[w]).sum() / km[w].sum()) for w in ways]
        out[ways[0] if mean[0] >= mean[1] else ways[1]] = True
    return out


def roads_by_class(model: CommuteModel) -> list[dict[str, Any]]:
    """Per OSM road class: km, length-weighted mean and median v/c (half the class's km run
    above the median), share of km over 0.9, congested and free speeds (km/h, length-weighted
    harmonic: total km over total hours); and the median v/c and congested speed of the km
    that run in their street's busier direction (:func:`busier_direction`)."""
    costs, net = model.costs, model.network
    d = costs.drive
    vc = costs.roads.vc(model.car_flow[d] + costs.bus_preload[d])
    t = costs.road_times(model.car_flow)
    t0 = costs.roads.free_times()
    km = net.length_m[d] / 1000.0
    tail, head = net.tail[d], net.indices[d]
    rows = []
    for cls in np.unique(net.highway[d]):
        s = net.highway[d] == cls
        L = float(km[s].sum())
        if L < 1.0:
            continue
        busy = np.flatnonzero(s)[busier_direction(net.x[tail[s]], net.y[tail[s]], net.x[head[s]],
                                                  net.y[head[s]], net.name[d][s], vc[s], km[s])]  # fmt: skip
        rows.append({"class": str(cls) or "?", "km": L,
                     "vc_mean": float((vc[s] * km[s]).sum() / L),
                     "vc_median": weighted_median(vc[s], km[s]),
                     "km_over_0.9": float(km[s & (vc > 0.9)].sum() / L),
                     "speed_kmh": float(L / (t[s].sum() / 3600.0)),
                     "free_speed_kmh": float(L / (t0[s].sum() / 3600.0)),
                     "busier_km": float(km[busy].sum()),
                     "busier_vc_median": weighted_median(vc[busy], km[busy]),
                     "busier_speed_kmh": float(km[busy].sum() / (t[busy].sum() / 3600.0))
                     if busy.size else float("nan")})  # fmt: skip
    return sorted(rows, key=lambda r: -r["km"])


def line_loads(model: CommuteModel, top: int = 12) -> list[dict[str, Any]]:
    """The lines with the highest peak load over capacity (passengers an hour)."""
    lines = model.network.lines
    load = model.line_loads()
    cap = lines.vehicle_capacity * 3600.0 / np.maximum(lines.headway_s, 1.0)
    board = model.boardings()
    ratio = load / np.maximum(cap, 1e-9)
    order = np.argsort(-ratio)[:top]
    return [{"line": str(lines.name[i]), "boardings": float(board[i]), "peak_load": float(load[i]),
             "capacity": float(cap[i]), "load_over_capacity": float(ratio[i])}
            for i in order if load[i] > 0]  # fmt: skip


def over_capacity(load: NDArray[np.float64], capacity: NDArray[np.float64],
                  mode: NDArray[np.integer]) -> list[dict[str, Any]]:  # fmt: skip
    """Per transit mode, how many of its lines (a line and direction each) carry a peak load
    above their capacity an hour, of all its lines, loaded or not."""
    from sim.network.arrays import TransitMode

    rows = []
    for m in TransitMode:
        s = mode == int(m)
        if s.any():
            over = int((load[s] > capacity[s]).sum())
            rows.append({"mode": m.name.lower(), "lines": int(s.sum()), "over_capacity": over,
                         "share": over / int(s.sum())})  # fmt: skip
    return rows


def walk_times(model: CommuteModel) -> dict[str, float]:
    """Residents' walking trips by duration band (shares of walking trips)."""
    tr = model.trips
    assert model.last is not None
    t = np.asarray(model.last.out.time_s, float)[tr.chooses, 0] / 60.0
    w = tr.flow[tr.chooses] * model.prob[tr.chooses, 0]
    ok = np.isfinite(t)
    total = float(w[ok].sum()) or 1.0
    return {k: float(w[ok & (t > lo) & (t <= hi)].sum()) / total
            for k, (lo, hi) in WALK_BANDS.items()}  # fmt: skip


def by_class(model: CommuteModel) -> list[dict[str, Any]]:
    """Per income class: residents' mode shares, mean door-to-door minutes, and walkers' mean
    minutes (flow x probability weights)."""
    tr, hh = model.trips, model.households
    assert model.last is not None
    t = np.asarray(model.last.out.time_s, float) / 60.0
    klass = np.where(tr.household >= 0, hh.income_class[np.maximum(tr.household, 0)], 0)
    rows = []
    for k in sorted(set(klass[tr.chooses].tolist())):
        sel = tr.chooses & (klass == k)
        w = tr.flow[sel, None] * model.prob[sel]
        tt = np.where(np.isfinite(t[sel]), t[sel], 0.0)
        row: dict[str, Any] = {"class": int(k)}
        row.update(mode_shares(model, klass == k))
        row["minutes"] = float((w * tt).sum() / max(w.sum(), 1e-12))
        row["walk_minutes"] = float((w[:, 0] * tt[:, 0]).sum() / max(w[:, 0].sum(), 1e-12))
        rows.append(row)
    return rows


def parameter_count(city: City) -> dict[str, Any]:
    """Parameters with a source against those marked "assumption", from every structured
    source of the city (behaviour, demand, observed conversions) and the literature's choice
    parameters. A source that mentions an assumption counts as assumed."""
    from sim.behaviour import LITERATURE

    items: list[tuple[str, str]] = [(k, v) for k, v in LITERATURE.items()]
    if city.behaviour is not None:
        items += [(f"behaviour.{k}", v) for k, v in city.behaviour.sources.items()]
    if city.demand is not None:
        items += [(f"demand.{s.name}", s.source) for s in city.demand.segments]
        items += [(f"demand.{s.name}", s.source) for s in city.demand.streams]
    for fig in load_observed(city).figures:
        items += [(f"observed.{fig.metric}.{f.what}", f.source) for f in fig.factors]
    assumed = [k for k, v in items if "assumption" in v.lower()]
    return {"sourced": len(items) - len(assumed), "assumed": len(assumed), "total": len(items),
            "assumed_items": assumed}  # fmt: skip


# ------------------------------------------------------------------------------ Markdown
def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def figure_markdown(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| figure | observed | model | difference | band | pass | source and conversion |",
           "|---|---:|---:|---:|---:|:---:|---|"]  # fmt: skip
    for r in rows:
        share = r["kind"] == "points"
        obs = _pct(r["observed"]) if share else f"{r['observed']:,.0f}"
        mod = _pct(r["model"]) if share else f"{r['model']:,.0f}"
        diff = f"{100 * r['difference']:+.1f} pt" if share else f"{100 * r['difference']:+.0f}%"
        band = f"±{100 * r['band']:.0f} pt" if share else f"±{100 * r['band']:.0f}%"
        src = r["source"] + (f"; {r['conversion']}" if r["conversion"] else "")
        out.append(f"| {r['metric']} | {obs} | {mod} | {diff} | {band} | "
                   f"{'yes' if r['pass'] else '**no**'} | {src.replace('|', '/')} |")  # fmt: skip
    return out


def table(rows: list[dict[str, Any]], fmt: dict[str, str] | None = None) -> list[str]:
    """A Markdown table of homogeneous dict rows."""
    if not rows:
        return ["(none)"]
    keys = list(rows[0])
    fmt = fmt or {}
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        cells = [format(r[k], fmt.get(k, ".3f")) if isinstance(r[k], float) else str(r[k])
                 for k in keys]  # fmt: skip
        out.append("| " + " | ".join(cells) + " |")
    return out


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# Validation: {report['scenario']}", "",
             f"{report['households']:,} households, seed {report['seed']}; equilibrium: "
             f"{report['iterations']} iterations, relative gap {report['relative_gap']:.2e}.",
             "", "## Calibration figures (fitted by `ladera calibrate`)", ""]  # fmt: skip
    lines += figure_markdown(report["calibration"])
    lines += ["", "## Validation figures (not fitted)", ""]
    lines += figure_markdown(report["validation"])
    n = report["parameters"]
    lines += ["", f"## Parameters: {n['sourced']} sourced, {n['assumed']} assumed "
              f"(of {n['total']} structured sources)", ""]  # fmt: skip
    lines += ["Assumed: " + ", ".join(n["assumed_items"]), ""]
    lines += ["## Roads by class", ""] + table(report["roads"], {"km": ".0f", "busier_km": ".0f"})
    lines += ["", "v/c is the peak hour's car and bus flow (car units) over capacity; medians and means "
              "weight links by length; speeds are km over hours. `busier_*`: the km that run in "
              "their street's busier direction (a street is the links of one name in the class; "
              "dual carriageways are two one-way ways), since a morning peak loads one way."]  # fmt: skip
    lines += ["", "## Busiest lines (peak load over capacity)", ""]
    lines += table(report["lines"], {"boardings": ".0f", "peak_load": ".0f", "capacity": ".0f"})
    if report.get("over_capacity"):
        lines += ["", "Lines over capacity at their peak load, by mode:", ""]
        lines += table(report["over_capacity"], {"share": ".1%"})
    lines += ["", "## Walking trips by duration (minutes)", ""]
    lines += table([{k: _pct(v) for k, v in report["walk_times"].items()}])
    lines += ["", "## Mode and time by income class", ""] + table(report["by_class"])
    if report.get("sensitivity"):
        from sim.sensitivity import sensitivity_markdown

        lines += ["", "## One-at-a-time sensitivity", ""]
        lines += sensitivity_markdown(report["sensitivity"])
    return "\n".join(lines) + "\n"


def validation_report(model: CommuteModel, scenario: Any, conv: Any) -> dict[str, Any]:
    """Everything ``ladera validate`` writes, for a solved model."""
    tables = figure_tables(model)
    return {"scenario": scenario.name, "households": scenario.households, "seed": model.seed,
            "iterations": int(conv.iterations),
            "relative_gap": float(conv.relative_gap[-1]) if conv.relative_gap else float("nan"),
            **tables, "parameters": parameter_count(model.city), "roads": roads_by_class(model),
            "lines": line_loads(model), "walk_times": walk_times(model),
            "over_capacity": over_capacity(model.line_loads(), model.network.lines.capacity_per_hour,
                                           model.network.lines.mode),
            "by_class": by_class(model), "headline": headline(model)}  # fmt: skip
