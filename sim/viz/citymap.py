"""The students' city map: roads by congestion, transit lines, households and interventions.

:func:`map_figure` reads a :class:`~sim.model.CommuteModel` and the scenario's intervention
reports and returns a new :class:`matplotlib.figure.Figure`; :func:`map_png` draws the same map
as PNG bytes for the app, redrawing only the roads and title each day; nothing here changes the
model.
Static geometry (road segments, transit segments) is computed once per network object and
cached (:func:`geometry`, also drawn by the design mode's map, :mod:`sim.viz.mapview`); a step
only recolours the roads. Modes have the colours of :data:`sim.modes.MODE_COLOURS`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import NDArray

from sim.modes import MODE_COLOURS
from sim.network.arrays import Layer, MultimodalNetwork, NodeKind

if TYPE_CHECKING:
    from sim.model import CommuteModel

#: Households drawn on the map at most (a fixed random sample of them).
MAX_POINTS = 3000
#: Colour of the scenario's cable line (and bundled line) on the map: used for nothing else, so
#: the browser test can find it in the map's pixels.
CABLE_HIGHLIGHT = "#ff00ff"
#: Colour of upgraded and new roads.
ROAD_HIGHLIGHT = "#00b8d4"
#: Colour of new bus routes.
BUS_HIGHLIGHT = "#ff6d00"
CONGESTION = LinearSegmentedColormap.from_list(
    "congestion", ["#cfcfcf", "#b8b8b8", "#ffb300", "#e53935", "#6d0000"], N=256
)
VC_MAX = 1.5

#: zlib's fastest level: a PNG of the map or a chart is about a tenth larger and written several
#: times faster (the app writes one per panel and Step, for a browser on the same machine).
PNG_COMPRESS_LEVEL = 1


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
    fig = Figure(figsize=MAP_SIZE, dpi=MAP_DPI)
    ax = _map_axes(fig, model)
    _draw_roads(ax, model)
    _draw_static(fig, ax, model, reports, under=True)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


MAP_SIZE, MAP_DPI, MAP_RECT = (7.0, 6.4), 100, (0.07, 0.05, 0.78, 0.9)
_OVERLAYS: weakref.WeakKeyDictionary[CommuteModel, NDArray[np.uint8]] = weakref.WeakKeyDictionary()


def map_png(model: CommuteModel, reports: list[dict[str, Any]], title: str = "",
            colours: int = 256) -> bytes:  # fmt: skip
    """:func:`map_figure` as PNG bytes (a palette of ``colours``), drawn faster: only the roads
    and the title change from day to day, so everything above them (transit lines, households,
    interventions, axes, colour bar, legend) is drawn once per model into a transparent layer
    and laid over each day's roads."""
    import io

    from PIL import Image

    over = _OVERLAYS.get(model)
    if over is None:
        fig = Figure(figsize=MAP_SIZE, dpi=MAP_DPI)
        fig.patch.set_alpha(0.0)
        ax = _map_axes(fig, model)
        ax.patch.set_alpha(0.0)
        _draw_static(fig, ax, model, reports, under=False)
        over = _OVERLAYS[model] = _rgba(fig)
    fig = Figure(figsize=MAP_SIZE, dpi=MAP_DPI)
    ax = _map_axes(fig, model)
    ax.set_axis_off()
    _draw_interventions(ax, reports, under_only=True)
    _draw_roads(ax, model)
    if title:
        ax.set_title(title, fontsize=10)
    image = Image.alpha_composite(Image.fromarray(_rgba(fig)), Image.fromarray(over))
    buf = io.BytesIO()
    image.convert("RGB").quantize(colors=colours, method=Image.Quantize.FASTOCTREE).save(
        buf, format="png", compress_level=PNG_COMPRESS_LEVEL
    )
    return buf.getvalue()


def _rgba(fig: Figure) -> NDArray[np.uint8]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.array(canvas.buffer_rgba())


def _map_axes(fig: Figure, model: CommuteModel) -> Any:
    geo = geometry(model.network)
    ax = fig.add_axes(MAP_RECT)
    x0, x1, y0, y1 = geo.extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(geo.aspect)
    ax.tick_params(labelsize=7)
    return ax


def _congestion_colours() -> list[Any]:
    bounds = np.array([*VC_BINS, VC_MAX + 1.0])
    centres = (bounds[:-1] + bounds[1:]) / 2
    return [CONGESTION(min(c, VC_MAX) / VC_MAX) for c in centres]


def _draw_roads(ax: Any, model: CommuteModel) -> None:
    """The roads, coloured and widened by their volume / capacity class."""
    geo = geometry(model.network)
    vc = volume_capacity(model)
    bounds = np.array([*VC_BINS, VC_MAX + 1.0])
    which = np.clip(np.searchsorted(bounds, vc, side="right") - 1, 0, len(VC_BINS) - 1)
    for k, colour in enumerate(_congestion_colours()):
        _plot_segments(ax, geo.roads[which == k], color=colour, lw=VC_WIDTHS[k], zorder=1 + k / 10)


def _draw_static(fig: Figure, ax: Any, model: CommuteModel, reports: list[dict[str, Any]], *,
                 under: bool) -> None:  # fmt: skip
    """Everything but the roads: the colour bar, transit lines, households, interventions (the
    road highlights under the roads too, if ``under``) and the legend."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    net = model.network
    geo = geometry(net)
    colours = _congestion_colours()
    bar_ax = fig.add_axes((0.87, 0.3, 0.025, 0.45))
    scale = ScalarMappable(BoundaryNorm(VC_BINS, len(colours), extend="max"),
                           ListedColormap(colours))  # fmt: skip
    bar = fig.colorbar(scale, cax=bar_ax, extend="max")
    bar.set_label("road volume / capacity", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    handles: list[Any] = []
    if len(geo.bus):
        _plot_segments(ax, geo.bus, color=MODE_COLOURS["bus"], lw=0.5, alpha=0.3, zorder=2)
        handles.append(Line2D([], [], color=MODE_COLOURS["bus"], alpha=0.6, label="bus lines"))
    if len(geo.rail):
        _plot_segments(ax, geo.rail, color=MODE_COLOURS["metro"], lw=2.2, zorder=3)
        handles.append(Line2D([], [], color=MODE_COLOURS["metro"], lw=2.2, label="metro / train"))
    if len(geo.cable) and not any(r["type"] in ("cable_line", "bundled_line") for r in reports):
        _plot_segments(ax, geo.cable, color=MODE_COLOURS["cable"], lw=2.0, zorder=3)
        handles.append(Line2D([], [], color=MODE_COLOURS["cable"], lw=2.0, label="cable lines"))
    classes = model.income_classes()
    class_colour = class_colours(classes)
    rows = household_sample(model)
    home = model.households.home_node[rows]
    klass = model.households.income_class[rows]
    ax.scatter(net.x[home], net.y[home], s=4, c=[class_colour[int(k)] for k in klass],
               linewidths=0, alpha=0.8, zorder=4)  # fmt: skip
    handles += [Line2D([], [], ls="", marker="o", ms=5, color=class_colour[c],
                       label=f"income class {c}") for c in classes]  # fmt: skip
    handles += _draw_interventions(ax, reports, under=under)
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)


def _draw_interventions(ax: Any, reports: list[dict[str, Any]], *, under: bool = True,
                        under_only: bool = False) -> list[Any]:  # fmt: skip
    """Draw each intervention's geometry over the map; returns the legend handles. Road
    highlights go under the roads: drawn unless not ``under``; ``under_only`` draws nothing
    else."""
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
            if under:
                ax.plot(xs, ys, color=ROAD_HIGHLIGHT, lw=6.0, alpha=0.45, zorder=0.5,
                        solid_capstyle="round")  # fmt: skip
            handles.append(Line2D([], [], color=ROAD_HIGHLIGHT, lw=6.0, alpha=0.45,
                                  label=report["name"]))  # fmt: skip
            continue
        if under_only:
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
