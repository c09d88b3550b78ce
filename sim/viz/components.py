"""The students' page layout: Solara components that show the map and the charts as panels.

The panels sit under Mesa's SolaraViz controls (:mod:`sim.viz.page`): they re-render when
Mesa's ``update_counter`` ticks (after Step, Play or Reset) and a panel only redraws its PNG
when the model or its step changed (:func:`panel_images`): the map through
:func:`sim.viz.citymap.map_png`, which redraws only its roads and title; the charts through
:func:`sim.viz.livecharts.chart_png`, which puts the day's data into the figures it drew
before, most of them in the chart worker's process (:mod:`sim.viz.chartworker`) while the
server draws the map. The figures are drawn by :mod:`sim.viz.citymap` and
:mod:`sim.viz.charts`; the model they show is :class:`sim.viz.app.LaderaViz`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from sim.network.arrays import TransitMode
from sim.viz.charts import (
    accessibility_figure,
    cable_load_figure,
    commute_time_figure,
    gap_figure,
    mode_share_figure,
    png,
)
from sim.viz.chartworker import WORKER
from sim.viz.citymap import map_figure, map_png
from sim.viz.livecharts import CHARTS, chart_png

if TYPE_CHECKING:
    from sim.viz.app import LaderaViz


@dataclass
class _Panel:
    title: str
    css: str
    draw: Callable[[LaderaViz], Figure]
    caption: Callable[[LaderaViz], str] = field(default=lambda viz: "")
    #: What the figure shows, by day: the panel redraws only when this changes
    shows: Callable[[LaderaViz], int] = field(default=lambda viz: viz.steps)
    #: The panel as PNG bytes, when it has a faster way than drawing ``draw``'s figure
    image: Callable[[LaderaViz], bytes] | None = None


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


def _live(key: str) -> Callable[[LaderaViz], bytes]:
    return lambda viz: chart_png(key, viz)


PANELS = {
    "map": _Panel("City map", "ladera-map",
                  lambda v: map_figure(v.commute, v.reports, v.map_title), _map_caption,
                  image=lambda v: map_png(v.commute, v.reports, v.map_title)),
    "modes": _Panel("Mode shares by income class (today)", "ladera-modes",
                    lambda v: mode_share_figure(v.commute), image=_live("modes")),
    "time": _Panel("Mean commute time by income class", "ladera-time",
                   lambda v: commute_time_figure(v.commute), image=_live("time")),
    "access": _Panel("Accessibility (jobs within 30 min) by income class", "ladera-access",
                     lambda v: accessibility_figure(v.commute, v.history.acc30),
                     image=_live("access")),
    "cable": _Panel("Cable load against capacity", "ladera-cable",
                    lambda v: cable_load_figure(v.commute, v.history.cable_loads),
                    shows=lambda v: v.steps if _has_cable(v) else 0,  # no line: never changes
                    image=_live("cable")),
    "gap": _Panel("Relative gap (road equilibrium)", "ladera-gap",
                  lambda v: gap_figure(v.commute),
                  shows=lambda v: v.steps if v.steps >= 2 else 0,  # a gap needs two days
                  image=_live("gap")),
}  # fmt: skip


#: Charts the server draws itself, beside the map, while the chart worker draws the others.
DRAWN_HERE = ("modes",)
_IMAGES: weakref.WeakKeyDictionary[LaderaViz, dict[str, tuple[int, bytes]]] = (
    weakref.WeakKeyDictionary()
)
_IMAGES_LOCK = threading.Lock()


def _draw(key: str, viz: LaderaViz) -> bytes:
    panel = PANELS[key]
    return panel.image(viz) if panel.image else png(panel.draw(viz))


def panel_images(viz: LaderaViz) -> dict[str, bytes]:
    """Every panel's PNG for the model's day. A panel is redrawn only when what it shows (its
    ``shows``) changed; the charts not in :data:`DRAWN_HERE` are drawn by the chart worker
    (:mod:`sim.viz.chartworker`) while the server draws the map and the others, or here when no
    worker runs."""
    with _IMAGES_LOCK:
        known = _IMAGES.setdefault(viz, {})
        shows = {key: panel.shows(viz) for key, panel in PANELS.items()}
        due = [key for key in PANELS if key not in known or known[key][0] != shows[key]]
        away = [key for key in due if key in CHARTS and key not in DRAWN_HERE]
        charts, drawn = WORKER.draw_beside(
            away, viz, lambda: {key: _draw(key, viz) for key in due if key not in away}
        )
        for key, image in {**drawn, **charts}.items():
            known[key] = (shows[key], image)
        return {key: image for key, (_, image) in known.items()}


@solara.component
def Panel(viz: LaderaViz, key: str, image: bytes) -> None:
    """One panel of :data:`PANELS`: a card with its figure and caption."""
    panel = PANELS[key]
    with solara.Card(panel.title, margin=0, classes=[panel.css]):
        solara.Image(image, width="100%", classes=[f"{panel.css}-image"])
        for line in panel.caption(viz).splitlines():
            # plain text: solara.Markdown would load KaTeX, which solara-assets lacks
            solara.v.Html(tag="div", children=[line], class_=f"{panel.css}-caption text-body-2")


@solara.component
def Dashboard(viz: LaderaViz) -> None:
    """The map beside today's mode shares and commute times; the other charts below."""
    update_counter.get()  # re-render after every Step, Play tick and Reset
    images = panel_images(viz)
    with solara.Column(classes=["ladera-dashboard"]):
        with solara.Columns([7, 5]):
            Panel(viz, "map", images["map"])
            with solara.Column():
                Panel(viz, "modes", images["modes"])
                Panel(viz, "time", images["time"])
        with solara.Columns([1, 1, 1]):
            Panel(viz, "access", images["access"])
            Panel(viz, "cable", images["cable"])
            Panel(viz, "gap", images["gap"])
