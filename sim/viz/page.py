"""The students' page: Explore (today's app, polished) and Design (draw a cable line).

``ladera viz`` serves :func:`Page` (:mod:`sim.viz.server`). The sidebar keeps Mesa's Reset,
Play and Step (:func:`mesa.visualization.solara_viz.ModelController`) but not Mesa's "Play
Interval", "Render Interval" and "Use Threads" controls: the page plays a day after another as
fast as the model allows and redraws after each, which is what a student expects. Every
control shows its value and unit (:func:`sim.viz.app.control_label`).
"""

from __future__ import annotations

import os
from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController, ShowSteps

from sim.runner import city_of
from sim.scenario import load_scenario
from sim.viz.app import (
    CITY_ENV,
    DEFAULT_CITY,
    LaderaViz,
    base_network,
    control_defaults,
    control_label,
    model_params,
    scenario_files,
)
from sim.viz.components import Dashboard
from sim.viz.studio import DesignMode

#: Pause between two days while playing (ms): enough for the browser to show each day.
PLAY_INTERVAL_MS = 50
#: Titles wrap between words, never inside one; captions and cards stay inside their column.
CSS = """
.v-card__title { word-break: normal !important; overflow-wrap: normal; hyphens: none; }
.ladera-dashboard img { max-width: 100%; }
.ladera-design-message, .ladera-compare-status, .ladera-compare-size, .ladera-report-path {
  overflow-wrap: anywhere; }
.ladera-table { border-collapse: collapse; margin: 6px 0; font-size: 0.85rem; }
.ladera-table th, .ladera-table td { border: 1px solid #ccc; padding: 2px 6px;
  text-align: right; }
"""


@solara.component
def Controls(params: dict[str, Any], values: solara.Reactive[dict[str, Any]]) -> None:
    """The model's parameters, each labelled with its value and unit; Reset applies them."""

    def setter(key: str) -> Any:
        return lambda v: values.set({**values.value, key: v})

    for key, spec in params.items():
        if not isinstance(spec, dict):
            continue
        label = control_label(spec, values.value[key])
        if spec["type"] == "Select":
            solara.Select(label, value=values.value[key], values=spec["values"],
                          on_value=setter(key))  # fmt: skip
        else:
            slider = solara.SliderFloat if spec["type"] == "SliderFloat" else solara.SliderInt
            slider(label, value=values.value[key], min=spec["min"], max=spec["max"],
                   step=spec["step"], on_value=setter(key), thumb_label=False)  # fmt: skip
    solara.Text("Reset builds the model with these values.", classes=["text-caption"])


@solara.component
def Page() -> None:
    """Sidebar (Reset / Play / Step, parameters, step counter) and the two modes."""
    city = os.environ.get(CITY_ENV, DEFAULT_CITY)
    params = solara.use_memo(lambda: model_params(city), [city])
    first = solara.use_memo(lambda: LaderaViz(**control_defaults(city)), [city])
    model: solara.Reactive[LaderaViz] = solara.use_reactive(first)
    values = solara.use_reactive(control_defaults(city))
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    files = solara.use_memo(lambda: scenario_files(city), [city])
    net = solara.use_memo(lambda: base_network(city_of(load_scenario(files["baseline"]))), [city])
    tab = solara.use_reactive(0)
    solara.Style(CSS)
    solara.Title(f"Ladera: {first.commute.city.title}")
    with solara.AppBar():
        solara.AppBarTitle(f"Ladera: {first.commute.city.title}")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            ModelController(model, model_parameters=values, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)  # fmt: skip
            solara.Text("Step: one simulated morning commute. ▶ plays day after day, redrawing "
                        "after each.", classes=["text-caption"])  # fmt: skip
        with solara.Card("Model Parameters"):
            Controls(params, values)
        with solara.Card("Information"):
            ShowSteps(model.value)
    with solara.lab.Tabs(value=tab):
        with solara.lab.Tab("Explore"):
            Dashboard(model.value)
        with solara.lab.Tab("Design"):
            DesignMode(city, net, files["baseline"], files)
