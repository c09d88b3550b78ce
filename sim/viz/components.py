"""What the students' page draws: the city map and the charts, as matplotlib figures.

Every ``*_figure`` function reads a :class:`~sim.model.CommuteModel` (and the few per-day series
the app keeps, see :class:`sim.viz.app.History`) and returns a new
:class:`matplotlib.figure.Figure`; nothing here changes the model. The Solara components at the
end lay them out under Mesa's SolaraViz controls: they re-render when Mesa's ``update_counter``
ticks (after Step, Play or Reset) and a panel only redraws its PNG when the model or its step
changed.

Static geometry (road segments, transit segments) is computed once per network object and
cached; a step only recolours the roads.
"""

from __future__ import annotations

import io
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import solara
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization.utils import update_counter
from numpy.typing import NDArray

from sim.agents import MODE_NAMES
from sim.network.arrays import Layer, MultimodalNetwork, NodeKind, TransitMode

if TYPE_CHECKING:
    from sim.model import CommuteModel
    from sim.viz.app import LaderaViz

#: Households drawn on the map at most (a fixed random sample of them).
MAX_POINTS = 3000
#: Colour of the scenario's cable line (and bundled line) on the map: used for nothing else, so
#: the browser test can find it in the map's pixels.
CABLE_HIGHLIGHT = "#ff00ff"
#: Colour of upgraded and new roads.
ROAD_HIGHLIGHT = "#00b8d4"
#: Colour of new bus routes.
BUS_HIGHLIGHT = "#ff6d00"
MODE_COLOURS = {
    "walk": "#8bc34a",
    "bus": "#1e88e5",
    "metro": "#3949ab",
    "cable": CABLE_HIGHLIGHT,
    "car": "#e53935",
    "motorbike": "#fb8c00",
}
CONGESTION = LinearSegmentedColormap.from_list(
    "congestion", ["#cfcfcf", "#b8b8b8", "#ffb300", "#e53935", "#6d0000"], N=256
)
VC_MAX = 1.5


# ------------------------------------------------------------------------------ geometry
@dataclass(frozen=True)
class Geometry:
    """Segments of a network to draw, in lon/lat."""

    roads: NDArray[np.float64]  # (n, 2, 2), one per DRIVE edge
    road_edges: NDArray[np.int64]  # network edge of each road segment
    road_width: NDArray[np.float64]
    bus: NDArray[np.float64]  # in-vehicle bus hops (stop to stop)
    rail: NDArray[np.float64]  # metro / train / BRT hops
    cable: NDArray[np.float64]  # every cable hop of the network
    extent: tuple[float, float, float, float]  # lon_min, lon_max, lat_min, lat_max
    aspect: float  # 1 / cos(latitude): equal metres on both axes


_GEOMETRY: weakref.WeakKeyDictionary[MultimodalNetwork, Geometry] = weakref.WeakKeyDictionary()


def geometry(net: MultimodalNetwork) -> Geometry:
    """The network's drawable segments, computed once per network object."""
    geo = _GEOMETRY.get(net)
    if geo is None:
        geo = _GEOMETRY[net] = _geometry(net)
    return geo


def _segments(net: MultimodalNetwork, edges: NDArray[np.int64]) -> NDArray[np.float64]:
    tail, head = net.tail[edges], net.indices[edges]
    return np.stack(
        [np.column_stack([net.x[tail], net.y[tail]]), np.column_stack([net.x[head], net.y[head]])],
        axis=1,
    )


def _in_service(net: MultimodalNetwork, layer: Layer) -> NDArray[np.int64]:
    """In-vehicle edges of a layer on lines one can board (a removed line has no finite
    boarding edge left)."""
    board = net.edges_of(Layer.BOARD)
    active = np.zeros(net.lines.n, bool)
    np.logical_or.at(active, net.edge_line[board], np.isfinite(net.time_s[board]))
    edges = net.edges_of(layer)
    return edges[active[net.edge_line[edges]]]


def _geometry(net: MultimodalNetwork) -> Geometry:
    drive = net.edges_of(Layer.DRIVE)
    street = net.node_kind != NodeKind.STOP
    x0, x1 = float(net.x[street].min()), float(net.x[street].max())
    y0, y1 = float(net.y[street].min()), float(net.y[street].max())
    pad_x, pad_y = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
    return Geometry(
        roads=_segments(net, drive),
        road_edges=drive,
        road_width=np.clip(0.25 + 0.2 * net.lanes[drive], 0.3, 1.2),
        bus=_segments(net, _in_service(net, Layer.BUS)),
        rail=_segments(net, _in_service(net, Layer.METRO)),
        cable=_segments(net, _in_service(net, Layer.CABLE)),
        extent=(x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y),
        aspect=1.0 / float(np.cos(np.radians((y0 + y1) / 2))),
    )


def volume_capacity(model: CommuteModel) -> NDArray[np.float64]:
    """Volume / capacity of each road segment of :func:`geometry` (cars, motorbikes, buses)."""
    edges = geometry(model.network).road_edges
    cap = model.network.capacity[edges]
    volume = model.car_flow[edges] + model.bus_preload[edges]
    return np.where(cap > 0, volume / np.where(cap > 0, cap, 1.0), 0.0)


def class_colours(classes: list[int]) -> dict[int, Any]:
    """A colour per income class, poorest dark purple to richest yellow (viridis)."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    n = max(len(classes) - 1, 1)
    return {c: cmap(0.05 + 0.9 * i / n) for i, c in enumerate(classes)}


def household_sample(model: CommuteModel, limit: int = MAX_POINTS) -> NDArray[np.int64]:
    """Rows of the households drawn on the map: all of them, or a fixed sample of ``limit``."""
    n = model.households.n
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


# ------------------------------------------------------------------------------ the map
#: Volume / capacity classes of the map's roads (the last is open-ended).
VC_BINS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, VC_MAX)
VC_WIDTHS = (0.35, 0.5, 0.8, 1.2, 1.6, 2.0, 2.4)


def _polyline(segments: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    """Segments as one NaN-separated polyline: drawn as a single path, far faster than a
    collection of one path per segment."""
    n = segments.shape[0]
    xy = np.full((n, 3, 2), np.nan)
    xy[:, :2] = segments
    flat = xy.reshape(-1, 2)
    return flat[:, 0], flat[:, 1]


def _plot_segments(ax: Any, segments: NDArray[np.float64], **kwargs: Any) -> None:
    if len(segments):
        ax.plot(*_polyline(segments), solid_capstyle="round", **kwargs)


def map_figure(model: CommuteModel, reports: list[dict[str, Any]], title: str = "") -> Figure:
    """Roads coloured by volume / capacity, transit lines, households by income class and the
    scenario's interventions highlighted."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    net = model.network
    geo = geometry(net)
    fig = Figure(figsize=(7.0, 6.4), dpi=100)
    ax = fig.add_axes((0.07, 0.05, 0.78, 0.9))
    vc = volume_capacity(model)
    bounds = np.array([*VC_BINS, VC_MAX + 1.0])
    centres = (bounds[:-1] + bounds[1:]) / 2
    colours = [CONGESTION(min(c, VC_MAX) / VC_MAX) for c in centres]
    which = np.clip(np.searchsorted(bounds, vc, side="right") - 1, 0, len(VC_BINS) - 1)
    for k, colour in enumerate(colours):
        _plot_segments(ax, geo.roads[which == k], color=colour, lw=VC_WIDTHS[k], zorder=1 + k / 10)
    bar_ax = fig.add_axes((0.87, 0.3, 0.025, 0.45))
    scale = ScalarMappable(BoundaryNorm(VC_BINS, len(colours), extend="max"),
                           ListedColormap(colours))  # fmt: skip
    bar = fig.colorbar(scale, cax=bar_ax, extend="max")
    bar.set_label("road volume / capacity", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    handles: list[Any] = []
    if len(geo.bus):
        _plot_segments(ax, geo.bus, color="#1e88e5", lw=0.5, alpha=0.3, zorder=2)
        handles.append(Line2D([], [], color="#1e88e5", alpha=0.6, label="bus lines"))
    if len(geo.rail):
        _plot_segments(ax, geo.rail, color="#283593", lw=2.2, zorder=3)
        handles.append(Line2D([], [], color="#283593", lw=2.2, label="metro / train"))
    if len(geo.cable) and not any(r["type"] in ("cable_line", "bundled_line") for r in reports):
        _plot_segments(ax, geo.cable, color="#8e24aa", lw=2.0, zorder=3)
        handles.append(Line2D([], [], color="#8e24aa", lw=2.0, label="cable lines"))
    classes = model.income_classes()
    class_colour = class_colours(classes)
    rows = household_sample(model)
    home = model.households.home_node[rows]
    klass = model.households.income_class[rows]
    ax.scatter(net.x[home], net.y[home], s=4, c=[class_colour[int(k)] for k in klass],
               linewidths=0, alpha=0.8, zorder=4)  # fmt: skip
    handles += [Line2D([], [], ls="", marker="o", ms=5, color=class_colour[c],
                       label=f"income class {c}") for c in classes]  # fmt: skip
    handles += _draw_interventions(ax, reports)
    x0, x1, y0, y1 = geo.extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(geo.aspect)
    ax.tick_params(labelsize=7)
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def _draw_interventions(ax: Any, reports: list[dict[str, Any]]) -> list[Any]:
    """Draw each intervention's geometry over the map; returns the legend handles."""
    handles = []
    for report in reports:
        geom = report.get("geometry")
        if not geom:
            continue
        lines = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
        segments = [np.asarray(line, float) for line in lines]
        kind = report["type"]
        xs = np.concatenate([np.append(seg[:, 0], np.nan) for seg in segments])
        ys = np.concatenate([np.append(seg[:, 1], np.nan) for seg in segments])
        if kind in ("road_upgrade", "new_road"):
            # a wide halo under the roads, so their congestion colours stay visible
            ax.plot(xs, ys, color=ROAD_HIGHLIGHT, lw=6.0, alpha=0.45, zorder=0.5,
                    solid_capstyle="round")  # fmt: skip
            handles.append(Line2D([], [], color=ROAD_HIGHLIGHT, lw=6.0, alpha=0.45,
                                  label=report["name"]))  # fmt: skip
            continue
        colour = BUS_HIGHLIGHT if kind == "bus_route" else CABLE_HIGHLIGHT
        width = 3.0 if kind == "bus_route" else 4.0
        ax.plot(xs, ys, color="black", lw=width + 1.6, zorder=5, solid_capstyle="round")
        ax.plot(xs, ys, color=colour, lw=width, zorder=6, solid_capstyle="round")
        if geom["type"] == "LineString":
            pts = segments[0]
            ax.scatter(pts[:, 0], pts[:, 1], s=45, c="white", edgecolors="black",
                       linewidths=1.2, zorder=7)  # fmt: skip
        handles.append(Line2D([], [], color=colour, lw=width, label=report["name"]))
    return handles


# ------------------------------------------------------------------------------ charts
def _chart(title: str, ylabel: str, bottom: float = 0.14) -> tuple[Figure, Any]:
    fig = Figure(figsize=(5.2, 3.3), dpi=90)
    ax = fig.add_axes((0.13, bottom, 0.84, 0.95 - bottom))
    ax.set_label(title)  # the page's card carries the title
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    return fig, ax


def _waiting(ax: Any, text: str = "press Step or Play") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")


def _days(model: CommuteModel):
    df = model.datacollector.get_model_vars_dataframe()
    df.index = np.arange(1, len(df) + 1)
    return df


def mode_share_figure(model: CommuteModel) -> Figure:
    """Today's mode shares by income class, as stacked bars."""
    fig, ax = _chart("Mode shares by income class (today)", "share of households", bottom=0.3)
    classes = model.income_classes()
    df = _days(model)
    if df.empty:
        _waiting(ax)
        return fig
    last = df.iloc[-1]
    bottom = np.zeros(len(classes))
    xs = np.arange(len(classes))
    for mode in MODE_NAMES:
        shares = np.array([last[f"share_{mode}_c{c}"] for c in classes], float)
        if not shares.any():
            continue
        ax.bar(xs, shares, bottom=bottom, color=MODE_COLOURS[mode], label=mode, width=0.7)
        bottom += shares
    if (bottom < 0.999).any():
        ax.bar(xs, 1.0 - bottom, bottom=bottom, color="#e0e0e0", label="no route", width=0.7)
    ax.set_xticks(xs, [f"class {c}" for c in classes])
    ax.set_ylim(0, 1)
    ax.set_xlabel("income class (1 = poorest)", fontsize=8)
    ax.legend(fontsize=7, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              frameon=False)  # fmt: skip
    return fig


def _by_class_lines(ax: Any, model: CommuteModel, series: dict[int, NDArray[np.float64]]) -> None:
    colours = class_colours(model.income_classes())
    for c, values in series.items():
        ax.plot(np.arange(1, len(values) + 1), values, color=colours[c], marker="o", ms=3,
                label=f"class {c}")  # fmt: skip
    ax.set_xlabel("day", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, ncols=3, loc="best")


def commute_time_figure(model: CommuteModel) -> Figure:
    """Mean door-to-door commute time of each income class, day by day."""
    fig, ax = _chart("Mean commute time by income class", "minutes")
    df = _days(model)
    if df.empty:
        _waiting(ax)
        return fig
    series = {c: df[f"time_min_c{c}"].to_numpy(float) for c in model.income_classes()}
    _by_class_lines(ax, model, series)
    return fig


def accessibility_figure(model: CommuteModel, acc30: list[dict[int, float]]) -> Figure:
    """Mean jobs reachable within 30 minutes from home (by the household's modes), by class."""
    fig, ax = _chart("Accessibility by income class", "jobs within 30 min (thousands)")
    if not acc30:
        _waiting(ax)
        return fig
    series = {c: np.array([day.get(c, np.nan) for day in acc30]) / 1000.0
              for c in model.income_classes()}  # fmt: skip
    _by_class_lines(ax, model, series)
    return fig


def cable_load_figure(model: CommuteModel, loads: list[NDArray[np.float64]]) -> Figure:
    """Peak passengers per hour on each cable line direction against its capacity."""
    fig, ax = _chart("Cable load against capacity", "passengers / hour")
    lines = model.network.lines
    cable = np.flatnonzero(lines.mode == TransitMode.CABLE)
    if cable.size == 0:
        _waiting(ax, "no cable line in this scenario")
        return fig
    if not loads:
        _waiting(ax)
    history = np.array(loads).reshape(len(loads), lines.n)
    days = np.arange(1, len(loads) + 1)
    palette = ["#ff00ff", "#8e24aa", "#5e35b1", "#d81b60"]
    for k, line in enumerate(cable[:4]):
        colour = palette[k % len(palette)]
        if len(loads):
            ax.plot(days, history[:, line], color=colour, marker="o", ms=3,
                    label=str(lines.name[line]))  # fmt: skip
        ax.axhline(lines.capacity_per_hour[line], color=colour, ls="--", lw=1)
    ax.axhline(np.nan, color="grey", ls="--", lw=1, label="capacity")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("day", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7)
    return fig


def gap_figure(model: CommuteModel) -> Figure:
    """Relative gap of the road assignment (how far from equilibrium), log scale."""
    fig, ax = _chart("Relative gap (road equilibrium)", "relative gap")
    df = _days(model)
    gap = df["relative_gap"].to_numpy(float) if not df.empty else np.zeros(0)
    ok = np.isfinite(gap) & (np.abs(gap) > 0)
    if not ok.any():
        _waiting(ax, "press Step or Play (a gap needs two days)")
        return fig
    days = np.arange(1, len(gap) + 1)
    ax.semilogy(days[ok], np.abs(gap[ok]), color="black", marker="o", ms=3)
    ax.axhline(model.params.tolerance, color="grey", ls="--", lw=1, label="tolerance")
    ax.set_xlabel("day", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ------------------------------------------------------------------------------ Solara
@dataclass
class _Panel:
    title: str
    css: str
    draw: Callable[[LaderaViz], Figure]
    caption: Callable[[LaderaViz], str] = field(default=lambda viz: "")
    #: What the figure shows, by day: the panel redraws only when this changes
    shows: Callable[[LaderaViz], int] = field(default=lambda viz: viz.steps)


def _has_cable(viz: LaderaViz) -> bool:
    return bool((viz.commute.network.lines.mode == TransitMode.CABLE).any())


def _map_caption(viz: LaderaViz) -> str:
    m = viz.commute
    parts = [f"{viz.label} · {m.households.n:,} households · day {viz.steps}"]
    if viz.last_step_s is not None:
        parts.append(f"last step {viz.last_step_s:.2f} s")
    text = " · ".join(parts) + "\n" + viz.settings_text
    shown = [f"{r['name']} ({r['type'].replace('_', ' ')})" for r in viz.reports
             if r.get("geometry")]  # fmt: skip
    if shown:
        text += "\nHighlighted: " + "; ".join(shown)
    return text


PANELS = {
    "map": _Panel("City map", "ladera-map",
                  lambda v: map_figure(v.commute, v.reports, v.map_title), _map_caption),
    "modes": _Panel("Mode shares by income class (today)", "ladera-modes",
                    lambda v: mode_share_figure(v.commute)),
    "time": _Panel("Mean commute time by income class", "ladera-time",
                   lambda v: commute_time_figure(v.commute)),
    "access": _Panel("Accessibility (jobs within 30 min) by income class", "ladera-access",
                     lambda v: accessibility_figure(v.commute, v.history.acc30)),
    "cable": _Panel("Cable load against capacity", "ladera-cable",
                    lambda v: cable_load_figure(v.commute, v.history.cable_loads),
                    shows=lambda v: v.steps if _has_cable(v) else 0),  # no line: never changes
    "gap": _Panel("Relative gap (road equilibrium)", "ladera-gap",
                  lambda v: gap_figure(v.commute),
                  shows=lambda v: v.steps if v.steps >= 2 else 0),  # a gap needs two days
}  # fmt: skip


@solara.component
def Panel(viz: LaderaViz, key: str, steps: int) -> None:
    """One panel of :data:`PANELS`: a card with its figure (and caption), redrawn when the
    model or what the panel shows (its ``shows``, by default ``steps``) change."""
    panel = PANELS[key]
    image = solara.use_memo(lambda: png(panel.draw(viz)), [viz, panel.shows(viz)])
    with solara.Card(panel.title, margin=0, classes=[panel.css]):
        solara.Image(image, width="100%", classes=[f"{panel.css}-image"])
        for line in panel.caption(viz).splitlines():
            # plain text: solara.Markdown would load KaTeX, which solara-assets lacks
            solara.v.Html(tag="div", children=[line], class_=f"{panel.css}-caption text-body-2")


@solara.component
def Dashboard(viz: LaderaViz) -> None:
    """The map beside today's mode shares and commute times; the other charts below."""
    update_counter.get()  # re-render after every Step, Play tick and Reset
    with solara.Column(classes=["ladera-dashboard"]):
        with solara.Columns([7, 5]):
            Panel(viz, "map", viz.steps)
            with solara.Column():
                Panel(viz, "modes", viz.steps)
                Panel(viz, "time", viz.steps)
        with solara.Columns([1, 1, 1]):
            Panel(viz, "access", viz.steps)
            Panel(viz, "cable", viz.steps)
            Panel(viz, "gap", viz.steps)
