"""Figures of one run and of a comparison, with matplotlib's object-oriented API on the Agg
canvas: no pyplot, no global backend switch, no display needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.modes import LINE_COLOURS, MODE_COLOURS
from sim.report.read import _read_json, _Run, run_city
from sim.report.tables import ALL, _class_mode_shares, _slug


# ------------------------------------------------------------------------------ one run
def run_figures(run_dir: Path) -> list[Path]:
    """Draw a run's own figures into ``run_dir/figures``.

    Parameters
    ----------
    run_dir
        A run directory holding at least ``households.parquet`` and ``days.parquet``.

    Returns
    -------
    list of pathlib.Path
        ``figures/mode_shares_by_class.png`` (stacked mode shares per income class) and
        ``figures/convergence.png`` (relative gap and switching share by day).
    """
    run_dir = Path(run_dir)
    out = run_dir / "figures"
    out.mkdir(exist_ok=True)
    hh = pd.read_parquet(run_dir / "households.parquet", columns=["income_class", "mode"])
    days = pd.read_parquet(run_dir / "days.parquet")
    choice = _read_json(run_dir / "manifest.json").get("scenario", {}).get("choice", {})
    paths = [out / "mode_shares_by_class.png", out / "convergence.png"]
    _save(_fig_run_mode_shares(hh), paths[0])
    _save(_fig_convergence(days, choice.get("tolerance")), paths[1])
    return paths


def _fig_run_mode_shares(hh: pd.DataFrame) -> Any:
    shares = _class_mode_shares(hh)
    fig, ax = _figure(7, 4)
    _stacked_bars(ax, shares)
    ax.set_xlabel("income class (1 = poorest)")
    ax.set_title("Mode share by income class")
    return fig


def _fig_convergence(days: pd.DataFrame, tolerance: float | None) -> Any:
    fig, ax = _figure(7, 4)
    cols = {"relative_gap": "|relative gap|", "switching": "share switching mode"}
    cols = {c: label for c, label in cols.items() if c in days}
    for col, label in cols.items():
        ax.plot(days["day"], days[col].abs(), marker="o", label=label)
    values = days[list(cols)].abs().to_numpy(dtype=float)
    if np.isfinite(values).any() and np.nanmin(values) > 0:
        ax.set_yscale("log")
    if tolerance:
        ax.axhline(tolerance, color="k", ls="--", lw=1, label=f"tolerance {tolerance:g}")
    ax.set_xlabel("day")
    ax.set_title("Convergence of the day-to-day learning")
    ax.legend()
    return fig


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes[0] if ncols == 1 else axes


def _save(fig: Any, path: Path) -> Path:
    # no "Software" text chunk: the PNG holds no URL and is byte-stable across runs
    fig.savefig(path, dpi=110, metadata={"Software": None})
    return path


def _stacked_bars(ax: Any, shares: pd.DataFrame) -> None:
    bottom = np.zeros(len(shares))
    x = np.arange(len(shares))
    for mode in shares.columns:
        values = shares[mode].to_numpy(dtype=float)
        if values.any():
            ax.bar(x, values, bottom=bottom, label=mode, color=MODE_COLOURS.get(mode))
            bottom += values
    ax.set_xticks(x, [str(i) for i in shares.index])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of commuters")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")


def _fig_accessibility_change(table: pd.DataFrame, runs: list[_Run], base: _Run) -> Any:
    fig, ax = _figure(8, 4.5)
    others = [r for r in runs if r is not base]
    classes = list(dict.fromkeys(table["income_class"]))
    width = 0.8 / len(others)
    x = np.arange(len(classes))
    col = "acc_smooth_change" if table["acc_smooth_change"].notna().any() else "acc30_change"
    for k, run in enumerate(others):
        rows = table[table["scenario"] == run.label].set_index("income_class").reindex(classes)
        values = rows[col].to_numpy(dtype=float)
        err = None
        if f"{col}_low" in rows and rows[f"{col}_low"].notna().any():  # 95% interval over seeds
            err = np.vstack([values - rows[f"{col}_low"], rows[f"{col}_high"] - values])
        ax.bar(x + (k - (len(others) - 1) / 2) * width, values, width, yerr=err, capsize=3,
               label=run.label)  # fmt: skip
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x, classes)
    ax.set_xlabel("income class (1 = poorest)")
    ax.set_ylabel("change in mean jobs " + ("(smooth)" if col == "acc_smooth_change"
                                            else "within 30 min"))  # fmt: skip
    ax.set_title(f"Accessibility change vs {base.label}")
    ax.legend(fontsize="small")
    return fig


def _fig_lorenz(runs: list[_Run]) -> Any:
    fig, ax = _figure(5.5, 5)
    ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls="--", label="equality")
    for run in runs:
        acc = np.nan_to_num(run.households["acc30"].to_numpy(dtype=float))
        pop, val = metrics.lorenz(acc)
        ax.plot(pop, val, label=f"{run.label} (Gini {metrics.gini(acc):.3f})")
    ax.set_xlabel("cumulative share of households (lowest access first)")
    ax.set_ylabel("cumulative share of jobs within 30 min")
    ax.set_title("Lorenz curves of accessibility")
    ax.legend(fontsize="small")
    return fig


#: Zones whose change is not distinguishable from zero across seeds.
ND_GREY = "#c8c8c8"


def _fig_map(zones: pd.DataFrame, runs: list[_Run], base: _Run) -> Any:
    """Each scenario's change in the baseline's zones: hexagons where the zone ids are H3
    cells (else points sized by households), red to blue around zero, grey where the change
    is not distinguishable from zero across seeds; the main streets and the baseline's transit
    lines lightly, the interventions on top; a scale bar."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize, to_rgba

    from sim.maps import hexagons

    others = [r for r in runs if r is not base]
    fig, axes = _figure(5.5 * len(others), 5, ncols=len(others))
    cells = hexagons(zones["zone"])
    net = _base_network(base)
    streets = _main_streets(net)
    for ax, run in zip(np.atleast_1d(axes), others, strict=True):
        slug = _slug(run.label)
        smooth = f"d_acc_smooth_{slug}" in zones and zones[f"d_acc_smooth_{slug}"].notna().any()
        col = f"d_acc_smooth_{slug}" if smooth else f"d_acc30_{slug}"
        change = zones[col].to_numpy(float)
        lim = float(np.nanmax(np.abs(change), initial=0.0)) or 1.0
        norm, cmap = Normalize(-lim, lim), colormaps["RdBu"]
        colours = np.array([cmap(norm(v)) if np.isfinite(v) else (1, 1, 1, 0) for v in change])
        if f"{col}_nd" in zones:
            colours[zones[f"{col}_nd"].to_numpy(bool)] = to_rgba(ND_GREY)
        _draw_zones(ax, zones, cells, colours, net, streets)
        _draw_interventions(ax, run.geometry)
        what = "jobs (smooth)" if smooth else "jobs within 30 min"
        _frame_map(ax, zones, f"{run.label}\nchange in {what} by transit")
        fig.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.8,
                     label="jobs (scenario - baseline)")  # fmt: skip
    fig.text(0.01, 0.01, "Grey: a zone whose change is not distinguishable from zero (its 95% "
             "interval across seeds holds zero).", fontsize="x-small", color="0.3")  # fmt: skip
    return fig


def _draw_zones(ax: Any, zones: pd.DataFrame, cells: list[Any] | None, colours: np.ndarray,
                net: Any, streets: list[np.ndarray] | None) -> None:  # fmt: skip
    """The base of every zone map: the zones in ``colours`` (hexagons where ``cells`` are
    given, else points sized by households), over them the main streets lightly and the
    baseline's transit lines when the network could be read."""
    if cells is not None:
        from matplotlib.collections import PolyCollection

        shapes = [np.asarray(p.exterior.coords) for p in cells]
        ax.add_collection(PolyCollection(shapes, facecolors=colours, edgecolors="0.6",
                                         linewidths=0.2))  # fmt: skip
        ax.autoscale_view()
    if streets is not None:  # the main streets, lightly, for orientation
        from matplotlib.collections import LineCollection

        ax.add_collection(LineCollection(streets, colors="0.15", linewidths=0.35, alpha=0.4),
                          autolim=False)  # fmt: skip
        _draw_lines(ax, net)
    else:
        size = 10 + 60 * zones["households"] / max(zones["households"].max(), 1)
        ax.scatter(zones["lon"], zones["lat"], c=colours, s=size, edgecolors="0.4",
                   linewidths=0.3)  # fmt: skip


def _frame_map(ax: Any, zones: pd.DataFrame, title: str) -> None:
    """A zone map's frame: equal distances in both directions at the city's latitude, a scale
    bar, the title and plain longitude and latitude ticks."""
    from matplotlib.ticker import MaxNLocator

    lat0 = float(zones["lat"].mean())
    ax.set_aspect(1.0 / math.cos(math.radians(lat0)))
    _scale_bar(ax, lat0)
    ax.set_title(title, fontsize="medium")
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.ticklabel_format(useOffset=False)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")


#: Road classes drawn on the maps.
MAIN_STREETS = ("motorway", "trunk", "primary", "secondary", "tertiary")


#: The baseline's transit layers drawn on the maps, each in its mode's colour.
MAP_LINES = (("bus", "BUS", 0.1), ("metro", "METRO", 0.9), ("cable", "CABLE", 0.9))


def _base_network(base: _Run) -> Any:
    """The network cache the runs used; ``None`` when the city or its network cannot be read
    here (the map is then drawn without streets and lines)."""
    try:
        from sim.city import load_city
        from sim.network.cache import load_network

        return load_network(load_city(run_city(base.path)))
    except Exception:  # noqa: BLE001 - a map without streets beats no report
        return None


def _segments(net: Any, keep: np.ndarray) -> list[np.ndarray]:
    """The (lon, lat) segments of the edges ``keep`` selects."""
    tail, head = net.tail[keep], net.indices[keep]
    xy = np.stack([np.c_[net.x[tail], net.y[tail]], np.c_[net.x[head], net.y[head]]], axis=1)
    return list(xy)


def _main_streets(net: Any) -> list[np.ndarray] | None:
    """The city's main streets as (lon, lat) segments."""
    from sim.network.arrays import Layer

    if net is None:
        return None
    return _segments(net, (net.layer == int(Layer.DRIVE)) & np.isin(net.highway, MAIN_STREETS))


def _draw_lines(ax: Any, net: Any) -> None:
    """The baseline's bus, rail and cable lines, thin, in their modes' colours, under the
    intervention (a scenario's new lines are drawn on top by :func:`_draw_interventions`)."""
    from matplotlib.collections import LineCollection

    from sim.network.arrays import Layer

    for mode, layer, alpha in MAP_LINES:
        segs = _segments(net, net.layer == int(Layer[layer]))
        if segs:
            ax.add_collection(LineCollection(segs, colors=MODE_COLOURS[mode], alpha=alpha,
                                             linewidths=0.4 if mode == "bus" else 1.4,
                                             label=f"{mode} lines (baseline)"), autolim=False)  # fmt: skip


def _scale_bar(ax: Any, lat0: float, km: float = 2.0) -> None:
    """A ``km`` bar in the lower left corner (degrees of longitude at the map's latitude)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    deg = km / (111.32 * math.cos(math.radians(lat0)))
    x, y = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([x, x + deg], [y, y], color="0.1", lw=2.5, solid_capstyle="butt")
    ax.text(x + deg / 2, y + 0.015 * (y1 - y0), f"{km:g} km", ha="center", va="bottom",
            fontsize="x-small")  # fmt: skip


def _draw_interventions(ax: Any, geometry: dict[str, Any]) -> None:
    seen = set()
    for feature in geometry.get("features", []):
        geom = feature.get("geometry") or {}
        props = feature.get("properties") or {}
        kind, name = str(props.get("type", "")), str(props.get("name", ""))
        colour = LINE_COLOURS.get(kind, "#444444")
        label = None if name in seen else f"{name} ({kind})"
        seen.add(name)
        for xy in _lines_of(geom):
            ax.plot(xy[:, 0], xy[:, 1], color=colour, lw=2.5, marker="o", ms=4, label=label)
            label = None
    if seen:
        ax.legend(fontsize="x-small", loc="upper right")


def _lines_of(geom: dict[str, Any]) -> list[np.ndarray]:
    kind, coords = geom.get("type"), geom.get("coordinates")
    if kind == "LineString":
        return [np.asarray(coords, dtype=float)[:, :2]]
    if kind == "MultiLineString":
        return [np.asarray(c, dtype=float)[:, :2] for c in coords or []]
    if kind == "Point":
        return [np.asarray([coords], dtype=float)[:, :2]]
    return []


def _fig_mode_shares(runs: list[_Run]) -> Any:
    shares = pd.DataFrame(
        {r.label: _class_mode_shares(r.households).loc[ALL] for r in runs}
    ).T.fillna(0.0)
    fig, ax = _figure(max(5.0, 1.4 * len(runs) + 2.5), 4.5)
    _stacked_bars(ax, shares)
    ax.set_title("Mode shares by scenario (all households)")
    return fig


def _fig_cable_load(cable: pd.DataFrame) -> Any:
    fig, ax = _figure(8, 1.2 + 0.5 * len(cable))
    y = np.arange(len(cable))
    labels = [f"{s}: {n}" for s, n in zip(cable["scenario"], cable["line"], strict=True)]
    ax.barh(y, cable["capacity_per_hour"], color="0.85", label="capacity")
    ax.barh(y, cable["peak_load_per_hour"], height=0.5, color=MODE_COLOURS["cable"],
            label="peak load")  # fmt: skip
    ax.set_yticks(y, labels)
    ax.set_xlabel("passengers per hour per direction")
    ax.set_title("Cable lines: peak load vs capacity")
    ax.legend(fontsize="small")
    return fig


def _figures(out: Path, table: pd.DataFrame, zones: pd.DataFrame, runs: list[_Run],
             base: _Run, cable: pd.DataFrame) -> dict[str, Path]:  # fmt: skip
    folder = out / "figures"
    folder.mkdir()
    figs: dict[str, Callable[[], Any]] = {
        "accessibility_change_by_class": lambda: _fig_accessibility_change(table, runs, base),
        "lorenz_acc30": lambda: _fig_lorenz(runs),
        "map_accessibility_change": lambda: _fig_map(zones, runs, base),
        "mode_shares": lambda: _fig_mode_shares(runs),
    }
    if not cable.empty:
        figs["cable_load"] = lambda: _fig_cable_load(cable)
    return {name: _save(draw(), folder / f"{name}.png") for name, draw in figs.items()}
