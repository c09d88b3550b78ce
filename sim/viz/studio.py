"""Design mode of the students' page: draw a cable line on the map, save it, compare it.

The student clicks 2-6 points of the walk network on the Plotly map (:mod:`sim.viz.mapview`);
the line's length, ride time and capital cost show as they click (:mod:`sim.viz.design`). With
"Click roads to widen them" on, a click on a road marks it for one more lane each way
(:mod:`sim.viz.roads`; saved as a ``road_upgrade`` selecting the roads' OSM ``way_ids``). Fare,
cabin interval and fare integration are set beside it. **Save** writes a scenario file into the
designs folder (``$LADERA_VIZ_DESIGNS``, else ``./designs``) that ``ladera compare`` accepts;
**Load** puts a scenario file's cable line on the map; **Compare** runs the baseline and the
design on the same households at a small stated size on two seeds and shows who gains by income
class, the catchment's accessibility before and after, the cable's load against its capacity and
the bottom line in words (:mod:`sim.viz.outcome`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import solara

from sim.errors import LaderaError
from sim.interventions import CableLine
from sim.runner import city_of
from sim.scenario import load_scenario
from sim.viz.charts import png, winners_figure
from sim.viz.design import (
    COMPARE_HOUSEHOLDS,
    COMPARE_MAX_ITERATIONS,
    COMPARE_SEEDS,
    COMPARE_ZONE_SIZE_M,
    MAX_STATIONS,
    Design,
    compare_command,
    compare_design,
    line_stats,
    load_design,
    save_design,
    snap,
    stats_text,
)
from sim.viz.mapview import TARGET_NAME, city_figure
from sim.viz.outcome import CATCHMENT_HEAD, WINNERS_HEAD, Outcome, read_outcome
from sim.viz.roads import TARGET_NAME as ROAD_TARGET_NAME
from sim.viz.roads import road_km, road_targets

DESIGNS_ENV = "LADERA_VIZ_DESIGNS"


def designs_dir() -> Path:
    """Where Save writes: ``$LADERA_VIZ_DESIGNS`` or ``./designs``."""
    return Path(os.environ.get(DESIGNS_ENV) or Path.cwd() / "designs")


def starting_design(files: dict[str, Path]) -> Design:
    """An empty design with the city's cable scenario's fare, interval and fare system."""
    for path in files.values():
        for item in load_scenario(path).interventions:
            if isinstance(item, CableLine):
                return Design(fare=item.fare, cabin_interval_s=item.cabin_interval_s,
                              integrated_with=item.integrated_with)  # fmt: skip
    return Design(fare=0.0, integrated_with=None)


@solara.component
def Table(head: list[str], rows: list[list[str]], css: str) -> None:
    """A plain HTML table (class ``css``; its rows ``css-row``)."""
    cells = [
        solara.v.Html(tag="tr", children=[solara.v.Html(tag="th", children=[h]) for h in head])
    ]
    for row in rows:
        cells.append(solara.v.Html(tag="tr", class_=f"{css}-row",
                                   children=[solara.v.Html(tag="td", children=[c]) for c in row]))  # fmt: skip
    solara.v.Html(tag="table", class_=f"ladera-table {css}", children=cells)


def size_text(command: str) -> str:
    """What Compare runs, in words, and the ``ladera compare`` command that computes the same
    (the page states it beside the button)."""
    return (f"Compare runs the baseline and your line on the same {COMPARE_HOUSEHOLDS:,} "
            f"households, on {COMPARE_SEEDS} seeds (so each number has a 95% interval), the "
            f"equilibrium solver stopped at the scenario's tolerance or {COMPARE_MAX_ITERATIONS} "
            f"iterations, destination zones of {COMPARE_ZONE_SIZE_M / 1000:g} km: about a minute "
            f"on a laptop. The same as `{command}`.")  # fmt: skip


@solara.component
def OutcomeView(outcome: Outcome) -> None:
    """What Compare found: winners and losers, the catchment, the cable's load, the words."""
    seeds = ", ".join(str(s) for s in outcome.seeds)
    chart = solara.use_memo(lambda: png(winners_figure(outcome.shares, outcome.n_seeds)),
                            [outcome])  # fmt: skip
    with (
        solara.Card("Compare: who gains", margin=0, classes=["ladera-outcome"]),
        solara.Columns([5, 7]),
    ):
        with solara.Column():
            solara.Text(f"Winners and losers by income class (welfare, logsum; mean of "
                        f"{outcome.n_seeds} seeds ({seeds}) [95% interval]):")  # fmt: skip
            solara.Image(chart, width="100%", classes=["ladera-winners-chart"])
            Table(WINNERS_HEAD, outcome.winners, "ladera-winners")
        with solara.Column():
            if outcome.catchment:
                solara.Text(f"Jobs reachable (decay-weighted) by the households it serves, "
                            f"before and after ({outcome.catchment_definition}):")  # fmt: skip
                Table(CATCHMENT_HEAD, outcome.catchment, "ladera-catchment")
            if outcome.cable:
                solara.Text(outcome.cable, classes=["ladera-cable-load"])
            for line in outcome.words:
                solara.Text(line, classes=["ladera-verdict"])
            solara.Text(f"Full report: {outcome.folder / 'report.html'}",
                        classes=["ladera-report-path"])  # fmt: skip


@solara.component
def DesignMode(city: str, net: Any, baseline: Path, files: dict[str, Path]) -> None:
    """The design tab: map, line settings, save / load and compare."""
    start = solara.use_memo(lambda: starting_design(files), [city])
    design = solara.use_reactive(start)
    file_name = solara.use_reactive("my_cable.toml")
    load_path = solara.use_reactive("")
    message = solara.use_reactive("")
    progress = solara.use_reactive(0.0)
    status = solara.use_reactive("")
    outcome = solara.use_reactive(cast(Outcome | None, None))
    roads_mode = solara.use_reactive(False)
    place = solara.use_memo(lambda: city_of(load_scenario(baseline)), [city])
    d = design.value
    km = solara.use_memo(lambda: road_km(net, d.roads), [d.roads])

    def on_click(data: dict[str, Any]) -> None:
        points = data.get("points") or {}
        if not points.get("xs"):
            return
        x, y = points["xs"][0], points["ys"][0]
        trace = (points.get("trace_indexes") or [None])[0]
        name = (
            figure.data[trace].name if isinstance(trace, int) and trace < len(figure.data) else ""
        )
        if name == ROAD_TARGET_NAME:
            t = road_targets(net)
            way = int(t.way[int(np.argmin((t.x - x) ** 2 + (t.y - y) ** 2))])
            design.value = design.value.toggle_road(way)
        elif name == TARGET_NAME:
            design.value = design.value.add(snap(net, x, y))

    def save() -> None:
        try:
            out = save_design(design.value, baseline, designs_dir() / file_name.value,
                              currency=place.currency, year=place.currency_year,
                              road_km=road_km(net, design.value.roads))  # fmt: skip
            load_path.value = str(out)
            message.value = f"saved {out}"
        except (LaderaError, OSError) as exc:
            message.value = f"not saved: {exc}"

    def load() -> None:
        try:
            design.value = load_design(load_path.value)
            message.value = f"loaded {load_path.value}"
        except (LaderaError, OSError) as exc:
            message.value = f"not loaded: {exc}"

    def run_compare() -> None:
        save()
        if not load_path.value:
            return

        start = time.perf_counter()

        def report(share: float, text: str) -> None:
            progress.value = 100 * share
            status.value = f"{text} · {time.perf_counter() - start:.0f} s"

        outcome.value = None
        try:
            folder = compare_design(baseline, Path(load_path.value), progress=report)
            cable = len(design.value.stations) >= 2
            capacity = line_stats(design.value)["capacity_per_hour"] if cable else None
            outcome.value = read_outcome(folder, capacity, cable=cable)
        except (LaderaError, OSError) as exc:
            status.value = f"compare failed: {exc}"

    task = solara.lab.use_task(run_compare, dependencies=None, prefer_threaded=True)
    figure = solara.use_memo(lambda: city_figure(net, d, roads_mode=roads_mode.value),
                             [d, roads_mode.value])  # fmt: skip
    # one root whatever is shown: a second top-level child would make Solara wrap (and rebuild)
    # the map's widget when Compare's results appear
    with solara.Column(classes=["ladera-design"]):
        with solara.Columns([8, 4]):
            with solara.Column(classes=["ladera-design-map"]):
                solara.FigurePlotly(figure, on_click=on_click, dependencies=[d, roads_mode.value])
                solara.Text(stats_text(d, km), classes=["ladera-design-stats"])
            with solara.Column(classes=["ladera-design-controls"]):
                solara.Switch(
                    label="Click roads to widen them (+1 lane each way)", value=roads_mode
                )
                if roads_mode.value:
                    solara.Text("Click a road's orange square to widen it; click again to undo.")
                else:
                    solara.Text(f"Click 2-{MAX_STATIONS} points of the walk network (green dots).")
                with solara.Row():
                    solara.Button("Undo", on_click=lambda: design.set(
                        Design(**{**d.__dict__, "stations": d.stations[:-1]})))  # fmt: skip
                    solara.Button("Clear", on_click=lambda: design.set(
                        Design(**{**d.__dict__, "stations": ()})))  # fmt: skip
                    solara.Button("Clear roads", on_click=lambda: design.set(
                        Design(**{**d.__dict__, "roads": ()})), disabled=not d.roads)  # fmt: skip
                solara.SliderFloat(f"Cable fare: {d.fare:.2f} {place.currency}", value=d.fare, min=0.0,
                                   max=10.0, step=0.1, on_value=lambda v: design.set(
                                       Design(**{**d.__dict__, "fare": float(v)})))  # fmt: skip
                solara.SliderFloat(f"Cabin interval: {d.cabin_interval_s:.0f} s", min=4.0, max=60.0,
                                   value=d.cabin_interval_s, step=1.0, on_value=lambda v: design.set(
                                       Design(**{**d.__dict__, "cabin_interval_s": float(v)})))  # fmt: skip
                system = start.integrated_with
                if system:
                    solara.Checkbox(label=f"Fare integrated with {system} (free transfer)",
                                    value=d.integrated_with is not None, on_value=lambda v: design.set(
                                        Design(**{**d.__dict__, "integrated_with": system if v else None})))  # fmt: skip
                solara.InputText("File name (in the designs folder)", value=file_name)
                solara.Button("Save", on_click=save, disabled=not d.ready)
                solara.InputText("Scenario file to load", value=load_path)
                solara.Button("Load", on_click=load)
                solara.Text(message.value, classes=["ladera-design-message"])
                solara.Button("Compare", on_click=task, disabled=not d.ready or task.pending,
                              color="primary")  # fmt: skip
                saved = Path(load_path.value or designs_dir() / file_name.value)
                solara.Text(size_text(compare_command(baseline, saved)),
                            classes=["text-caption", "ladera-compare-size"])  # fmt: skip
                if task.pending:
                    with solara.Column(classes=["ladera-compare-progress"]):
                        solara.ProgressLinear(value=progress.value)
                solara.Text(status.value, classes=["ladera-compare-status"])
        if outcome.value is not None:
            OutcomeView(outcome.value)
