"""The clickable city map of design mode: a Plotly figure of vector layers, no tiles, no CDN.

Plotly's ``FigureWidget`` is an anywidget whose JavaScript ships inside the ``plotly`` package,
so Solara serves it from the page's own connection; the map is drawn from the network's arrays
(roads, rail, cable lines) in lon/lat with equal metres on both axes. Plotly reports clicks on
data points only, so the walk network's nodes are drawn as faint dots: a click on one is a
station on the walk network (:func:`sim.viz.design.snap` makes sure). In roads mode the
click targets are one dot per road (OSM way, :func:`sim.viz.roads.road_targets`) instead, and a
click widens that road or un-widens it; the widened roads are drawn in both modes.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray

from sim.modes import MODE_COLOURS
from sim.network.arrays import MultimodalNetwork
from sim.viz.citymap import geometry
from sim.viz.design import Design, walk_nodes
from sim.viz.roads import TARGET_NAME as ROAD_TARGET_NAME
from sim.viz.roads import road_segments, road_targets

#: Walk nodes offered as click targets at most (an even sample of them).
MAX_TARGETS = 4000
#: Road segments drawn at most (the widest first): keeps the page light on a whole city.
MAX_ROADS = 12000
DESIGN_COLOUR = "#6a1b9a"
WIDENED_COLOUR = "#e65100"
WIDENED_NAME = "roads to widen"
TARGET_NAME = "walk network (click to add a station)"

_TARGETS: weakref.WeakKeyDictionary[MultimodalNetwork, NDArray[np.int64]] = (
    weakref.WeakKeyDictionary()
)


def click_targets(net: MultimodalNetwork) -> NDArray[np.int64]:
    """The walk nodes drawn as click targets: all, or an even sample of :data:`MAX_TARGETS`."""
    if net not in _TARGETS:
        nodes = walk_nodes(net)
        if nodes.size > MAX_TARGETS:
            nodes = nodes[np.linspace(0, nodes.size - 1, MAX_TARGETS).astype(np.int64)]
        _TARGETS[net] = nodes
    return _TARGETS[net]


def _lines(segments: NDArray[np.float64]) -> tuple[list[Any], list[Any]]:
    """Segments (n, 2, 2) as one polyline with gaps (None) between them."""
    n = segments.shape[0]
    xs = np.full(3 * n, np.nan)
    ys = np.full(3 * n, np.nan)
    xs[0::3], xs[1::3] = segments[:, 0, 0], segments[:, 1, 0]
    ys[0::3], ys[1::3] = segments[:, 0, 1], segments[:, 1, 1]
    return [None if np.isnan(v) else float(v) for v in xs], [
        None if np.isnan(v) else float(v) for v in ys
    ]


def city_figure(net: MultimodalNetwork, design: Design, *, title: str = "",
                roads_mode: bool = False) -> go.Figure:  # fmt: skip
    """The city's roads, rail and cable lines, the click targets (walk nodes for stations, or
    in ``roads_mode`` one per road) and the design being drawn."""
    geo = geometry(net)
    roads = geo.roads
    if roads.shape[0] > MAX_ROADS:
        roads = roads[np.argsort(-geo.road_width, kind="stable")[:MAX_ROADS]]
    fig = go.Figure()
    layers = [("roads", roads, "#b0b0b0", 1.0), ("rail", geo.rail, MODE_COLOURS["metro"], 2.5),
              ("cable lines", geo.cable, MODE_COLOURS["cable"], 3.0)]  # fmt: skip
    for name, segments, colour, width in layers:
        if segments.shape[0]:
            x, y = _lines(segments)
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, hoverinfo="skip",
                                     line={"color": colour, "width": width}))  # fmt: skip
    if design.roads:
        x, y = _lines(road_segments(net, design.roads))
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=WIDENED_NAME, hoverinfo="skip",
                                 line={"color": WIDENED_COLOUR, "width": 5}))  # fmt: skip
    if roads_mode:
        t = road_targets(net)
        fig.add_trace(go.Scatter(
            x=t.x.tolist(), y=t.y.tolist(), customdata=t.way.tolist(), mode="markers",
            name=ROAD_TARGET_NAME, marker={"size": 7, "color": WIDENED_COLOUR, "opacity": 0.3,
                                           "symbol": "square"},
            hovertemplate="OSM way %{customdata}<extra>click: widen / undo</extra>",
        ))  # fmt: skip
    else:
        nodes = click_targets(net)
        fig.add_trace(go.Scatter(
            x=net.x[nodes].tolist(), y=net.y[nodes].tolist(), mode="markers", name=TARGET_NAME,
            marker={"size": 7, "color": "#2e7d32", "opacity": 0.25},
            hovertemplate="%{x:.5f}, %{y:.5f}<extra>click: station here</extra>",
        ))  # fmt: skip
    if design.stations:
        xs, ys = zip(*design.stations, strict=True)
        fig.add_trace(go.Scatter(
            x=list(xs), y=list(ys), mode="lines+markers+text", name=design.name,
            text=[str(i + 1) for i in range(len(xs))], textposition="top center",
            line={"color": DESIGN_COLOUR, "width": 4},
            marker={"size": 14, "color": DESIGN_COLOUR, "line": {"color": "white", "width": 2}},
            hoverinfo="skip",
        ))  # fmt: skip
    x0, x1, y0, y1 = geo.extent
    fig.update_layout(
        title={"text": title, "font": {"size": 14}} if title else None,
        height=620, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        clickmode="event", dragmode="pan", hovermode="closest", plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.02, "yanchor": "top"},
        xaxis={"range": [x0, x1], "visible": False},
        yaxis={"range": [y0, y1], "visible": False, "scaleanchor": "x",
               "scaleratio": geo.aspect},
    )  # fmt: skip
    return fig
