"""The students' browser app (sim.viz).

The fast tests drive :class:`sim.viz.app.LaderaViz` and the figures on the mini city. The browser
test starts ``python -m sim viz`` on Porto Alegre, drives Debian's chromium with Playwright (never
a downloaded browser) and checks the page renders offline, steps, and shows the cable line.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from sim.errors import ScenarioError
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MINI_SCENARIOS,
    ROOT,
    free_port,
    require_chromium,
    wait_for_step,
    wait_listening,
)

pytestmark = pytest.mark.viz

PANEL_TITLES = [
    "City map",
    "Mode shares by income class (today)",
    "Mean commute time by income class",
    "Accessibility (jobs within 30 min) by income class",
    "Cable load against capacity",
    "Relative gap (road equilibrium)",
]
CONTROL_LABELS = [
    "Scenario", "Cable fare: 4.70 BRL", "Cable cabin interval: 10 s",
    "Road upgrade capacity gain: 1.00 x", "Fare subsidy, classes 1-2: 0%",
    "Households: 2,000", "Seed: 42",
]  # fmt: skip
#: Mesa's controls the page hides (unexplained to a student), and Solara's corner banner.
HIDDEN_TEXTS = ["Play Interval (ms)", "Render Interval (steps)", "Use Threads", "runs on"]


def magenta_pixels(png: bytes) -> int:
    """Pixels of the map's cable highlight colour (#ff00ff, used for nothing else)."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 220) & (rgb[..., 1] < 60) & (rgb[..., 2] > 220)).sum())


# ------------------------------------------------------------------------------ fast
@pytest.fixture(scope="module")
def mini_viz(mini_network):
    """Mini-city models built by the app, baseline and cable, after two days each."""
    from sim.viz.app import LaderaViz

    city = str(MINI_SCENARIOS)
    base = LaderaViz(scenario="baseline", households=400, seed=3, city=city)
    cable = LaderaViz(scenario="cable", cable_fare=1.5, cabin_interval_s=20.0,
                      fare_subsidy=0.5, households=400, seed=3, city=city)  # fmt: skip
    for model in (base, cable):
        model.step()
        model.step()
    return base, cable


def test_scenario_files_bundled_and_folder():
    from sim.viz.app import scenario_files

    poa = scenario_files("porto_alegre")
    assert list(poa) == ["baseline", "cable", "road", "combined"]
    assert all(p.is_file() for p in poa.values())
    mini = scenario_files(str(MINI_SCENARIOS))
    assert {k: p.name for k, p in mini.items()} == {
        "baseline": "mini_baseline.toml",
        "cable": "mini_cable.toml",
        "road": "mini_road.toml",  # the road widening the catchment tests use
    }
    with pytest.raises(ScenarioError, match="no scenarios for `atlantis`"):
        scenario_files("atlantis")


def test_controls_become_scenario_overrides():
    from sim.interventions import CableLine, RoadUpgrade
    from sim.viz.app import ZONE_SIZE_M, scenario_files, viz_scenario

    files = scenario_files("porto_alegre")
    s = viz_scenario(files["combined"], households=1500, seed=9, cable_fare=0.0,
                     cabin_interval_s=30.0, road_capacity_factor=1.5, fare_subsidy=0.5)  # fmt: skip
    assert (s.households, s.seed, s.choice.zone_size_m) == (1500, 9, ZONE_SIZE_M)
    assert s.choice.fare_subsidy == {"1": 0.5, "2": 0.5}
    cable = next(i for i in s.interventions if isinstance(i, CableLine))
    road = next(i for i in s.interventions if isinstance(i, RoadUpgrade))
    assert (cable.fare, cable.cabin_interval_s, road.capacity_factor) == (0.0, 30.0, 1.5)
    # controls of interventions a scenario lacks are ignored; no subsidy leaves the scenario's
    base = viz_scenario(files["baseline"], cable_fare=1.0, road_capacity_factor=2.0)
    assert base.interventions == ()
    assert base.choice.fare_subsidy == {}


def test_model_params_match_the_model(mini_network):
    import inspect

    from sim.viz.app import LaderaViz, control_defaults, model_params

    params = model_params("porto_alegre")
    accepted = set(inspect.signature(LaderaViz.__init__).parameters) - {"self"}
    assert set(params) == accepted
    assert params["scenario"]["values"] == ["baseline", "cable", "road", "combined"]
    defaults = control_defaults("porto_alegre")
    assert defaults["cable_fare"] == pytest.approx(4.70)  # the cable scenario's own fare
    assert defaults["households"] <= 2000  # a step must take well under a second
    for key, spec in params.items():
        if isinstance(spec, dict):
            assert spec["value"] == defaults[key], key
            if "min" in spec:
                assert spec["min"] <= spec["value"] <= spec["max"], key


def test_viz_model_steps_and_keeps_history(mini_viz):
    base, cable = mini_viz
    assert base.steps == 2 and cable.steps == 2
    assert base.commute.steps == 2  # the app steps the Ladera model, one day per step
    assert len(cable.history.acc30) == 2 and len(cable.history.cable_loads) == 2
    assert set(cable.history.acc30[-1]) == set(cable.commute.income_classes())
    from sim.tables import household_table

    for viz in (base, cable):  # the day's means by class, as the household table has them
        means = household_table(viz.commute).groupby("income_class")["acc30"].mean()
        assert viz.history.acc30[-1] == pytest.approx({int(c): v for c, v in means.items()})
    assert cable.last_step_s is not None and cable.last_step_s > 0
    item = cable.scenario.intervention("Morro cable")
    assert (item.fare, item.cabin_interval_s) == (1.5, 20.0)
    assert cable.commute.params.fare_subsidy == {"1": 0.5, "2": 0.5}
    assert "cable fare 1.50" in cable.settings_text
    assert [r["name"] for r in cable.reports] == ["Morro cable"]
    assert base.reports == []


def test_base_network_is_built_once(mini_viz):
    from sim.runner import city_of
    from sim.viz.app import base_network

    base, cable = mini_viz
    city = city_of(base.scenario)
    assert base_network(city) is base_network(city_of(cable.scenario))
    assert base.commute.network is base_network(city)  # no intervention: the shared network


def test_map_highlights_the_cable_line(mini_viz):
    from sim.viz.charts import png
    from sim.viz.citymap import geometry, map_figure, volume_capacity

    base, cable = mini_viz
    assert magenta_pixels(png(map_figure(base.commute, base.reports))) == 0
    assert magenta_pixels(png(map_figure(cable.commute, cable.reports))) > 50
    vc = volume_capacity(cable.commute)
    assert vc.shape == (geometry(cable.commute.network).roads.shape[0],)
    assert np.isfinite(vc).all() and vc.max() > 0  # two days of traffic on the roads
    assert geometry(cable.commute.network) is geometry(cable.commute.network)  # cached


def test_the_apps_fast_map_is_the_map(mini_viz):
    """map_png (static layers drawn once per model, roads and title each day, a 256-colour
    palette) shows what map_figure shows: nearly the same pixels, the cable's highlight, and
    the day's roads."""
    from PIL import Image

    from sim.viz.charts import png
    from sim.viz.citymap import _OVERLAYS, map_figure, map_png

    base, cable = mini_viz
    for viz in (base, cable):
        fast = map_png(viz.commute, viz.reports, "day 2")
        assert viz.commute in _OVERLAYS  # drawn once, kept for the next day
        full = png(map_figure(viz.commute, viz.reports, "day 2"))
        a, b = (np.asarray(Image.open(io.BytesIO(x)).convert("RGB")).astype(int)
                for x in (full, fast))  # fmt: skip
        assert a.shape == b.shape
        assert np.abs(a - b).mean() < 4.0  # the palette's rounding, nothing moved
        assert (np.abs(a - b).max(axis=2) > 60).mean() < 0.002
        assert len(fast) < len(full)
    assert magenta_pixels(map_png(base.commute, base.reports)) == 0
    assert magenta_pixels(map_png(cable.commute, cable.reports)) > 50
    # the roads are the day's: triple every road's flow and the map changes
    before = map_png(cable.commute, cable.reports)
    cable.commute.car_flow *= 3.0
    try:
        after = map_png(cable.commute, cable.reports)
    finally:
        cable.commute.car_flow /= 3.0
    assert before != after


def test_the_apps_live_charts_are_the_charts(mini_network):
    """chart_png draws each chart into the figure it drew the day before (the lines' or bars'
    data replaced, the axes rescaled): the same PNG, byte for byte, as the chart drawn anew."""
    from sim.viz.app import LaderaViz
    from sim.viz.charts import png
    from sim.viz.livecharts import _FIGURES, CHARTS, chart_png

    viz = LaderaViz(scenario="cable", households=300, seed=5, city=str(MINI_SCENARIOS))
    kept = {}
    for day in range(4):
        for key, chart in CHARTS.items():
            assert chart_png(key, viz) == png(chart.build(viz)), (key, day)
        figures = {key: drawn.figure for key, drawn in _FIGURES[viz.commute].items()}
        if day >= 2:  # from the second day every chart has its lines: the figures are kept
            assert all(figures[key] is kept[key] for key in CHARTS), day
        kept = figures
        viz.step()


def test_every_panel_draws_before_and_after_steps(mini_network):
    from sim.viz.app import LaderaViz
    from sim.viz.charts import png
    from sim.viz.components import PANELS

    fresh = LaderaViz(scenario="cable", households=300, seed=1, city=str(MINI_SCENARIOS))
    before = {key: png(panel.draw(fresh)) for key, panel in PANELS.items()}
    fresh.step()
    after = {key: png(panel.draw(fresh)) for key, panel in PANELS.items()}
    for key in PANELS:
        assert before[key].startswith(b"\x89PNG") and after[key].startswith(b"\x89PNG"), key
    changed = [
        key for key in ("map", "modes", "time", "access", "cable") if before[key] != after[key]
    ]
    assert changed == ["map", "modes", "time", "access", "cable"]


def test_the_chart_worker_draws_the_charts_byte_for_byte(mini_network):
    """The worker process draws each chart into the figure the server sent it once (later days
    send only the series): the same PNG as the chart drawn anew here, day after day, while the
    server's own drawing runs."""
    from sim.viz.app import LaderaViz
    from sim.viz.charts import png
    from sim.viz.chartworker import ChartWorker
    from sim.viz.livecharts import CHARTS

    viz = LaderaViz(scenario="cable", households=300, seed=5, city=str(MINI_SCENARIOS))
    worker = ChartWorker()
    worker.start()
    try:
        for day in range(4):
            charts, here = worker.draw_beside(list(CHARTS), viz, lambda: "drawn here")
            assert here == "drawn here" and worker.error is None, worker.error
            for key, chart in CHARTS.items():
                assert charts[key] == png(chart.build(viz)), (key, day)
            if day >= 2:  # every chart has its lines: only the series travel
                assert all(worker.job(key, viz).figure is None for key in CHARTS), day
            viz.step()
        assert worker.job("time", viz).series is not None
    finally:
        worker.stop()
    assert not worker.running


def test_a_failed_chart_worker_leaves_the_charts_to_the_server(mini_network):
    """The worker dies while the server draws its part: the charts come from the server, the
    server's part is not drawn twice, and the error is kept. A stopped worker is no error."""
    from sim.viz.app import LaderaViz
    from sim.viz.chartworker import ChartWorker
    from sim.viz.livecharts import chart_png

    viz = LaderaViz(scenario="cable", households=300, seed=5, city=str(MINI_SCENARIOS))
    viz.step()
    worker = ChartWorker()
    worker.start()
    calls = []

    def kill_it() -> str:
        calls.append(1)
        worker._process.kill()
        worker._process.wait()
        return "here"

    charts, here = worker.draw_beside(["time", "gap"], viz, kill_it)
    assert here == "here" and calls == [1]
    assert charts == {"time": chart_png("time", viz), "gap": chart_png("gap", viz)}
    assert worker.error and "stopped" in worker.error and not worker.running
    worker.error = None
    charts, here = worker.draw_beside(["time"], viz, lambda: "again")
    assert (charts, here, worker.error) == ({"time": chart_png("time", viz)}, "again", None)


def test_the_chart_worker_ends_when_the_server_goes():
    """The worker reads its orders from the server: when they end (the server exited, even
    by os._exit), it exits."""
    from sim.viz.chartworker import ChartWorker

    worker = ChartWorker()
    worker.start()
    process = worker._process
    worker._inbox.close()  # what the server's exit does to the pipe
    assert process.wait(timeout=30) == 0


def test_panels_redraw_only_what_changed(mini_network):
    """panel_images keeps each panel's PNG until what it shows changes: nothing is drawn again
    without a step, and a baseline's empty cable chart is never drawn again."""
    from sim.viz.app import LaderaViz
    from sim.viz.components import PANELS, panel_images

    viz = LaderaViz(scenario="baseline", households=300, seed=5, city=str(MINI_SCENARIOS))
    first = panel_images(viz)
    assert set(first) == set(PANELS)
    assert all(a is b for a, b in zip(first.values(), panel_images(viz).values(), strict=True))
    viz.step()
    after = panel_images(viz)
    assert after["cable"] is first["cable"]
    assert after["map"] != first["map"] and after["modes"] != first["modes"]


# ------------------------------------------------------------------------------ browser
@pytest.mark.browser
@pytest.mark.timeout(300)
def test_page_in_headless_chromium(poa_network, tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ)  # carries LADERA_CACHE_DIR, where poa_network is already built
    # an asset missing from solara-assets must fail here, not be fetched from a CDN
    env["SOLARA_ASSETS_CDN"] = "http://127.0.0.1:9/"
    env["PYTHONUNBUFFERED"] = "1"
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "viz", "--city", "porto_alegre", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_listening(proc, port, log, timeout=180)
        assert f"open {url}" in log.read_text()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                _drive_page(browser, url, port, shots=tmp_path)
            finally:
                browser.close()
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"the server did not stop on SIGTERM:\n{log.read_text()}")
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text and "raised exception" not in text, text


def _drive_page(browser, url: str, port: int, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 1250})
    requests: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on(
        "response", lambda r: failed.append(f"{r.url}: {r.status}") if r.status >= 400 else None
    )
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(url)
    page.get_by_text("Step: 0", exact=True).wait_for(timeout=90_000)
    for name in ("Reset", "Step", "▶"):
        assert page.get_by_role("button", name=name, exact=True).is_visible(), name
    for label in CONTROL_LABELS:
        assert page.get_by_text(label, exact=True).first.is_visible(), label
    for text in HIDDEN_TEXTS:
        assert page.get_by_text(text, exact=False).count() == 0, text
    for title in PANEL_TITLES:
        page.get_by_text(title, exact=True).wait_for(timeout=30_000)
    images = page.locator("img.solara-image")
    images.nth(5).wait_for(timeout=30_000)
    assert images.count() == 6
    assert images.evaluate_all("els => els.every(e => e.complete && e.naturalWidth > 0)")
    map_img = page.locator("img.ladera-map-image")
    modes_img = page.locator("img.ladera-modes-image")
    assert "Porto Alegre" in page.locator(".ladera-map").inner_text()
    assert magenta_pixels(map_img.screenshot()) == 0  # the baseline has no cable line
    map_before, modes_before = map_img.get_attribute("src"), modes_img.screenshot()

    step = page.get_by_role("button", name="Step", exact=True)
    for day in (1, 2, 3):
        step.click()
        page.get_by_text(f"Step: {day}", exact=True).wait_for(timeout=30_000)
    page.get_by_text("day 3 ·", exact=False).first.wait_for(timeout=30_000)
    assert map_img.get_attribute("src") != map_before
    assert modes_img.screenshot() != modes_before  # the mode share bars appeared

    page.locator(".v-select").filter(has_text="Scenario").click()
    page.get_by_role("option", name="cable", exact=True).click()
    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Highlighted: Morro da Cruz cable", exact=False).wait_for(timeout=60_000)
    page.get_by_text("Step: 0", exact=True).wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert magenta_pixels(map_img.screenshot()) > 50  # the cable line is on the map

    page.get_by_role("button", name="▶", exact=True).click()  # Play
    wait_for_step(page, 3)
    page.get_by_role("button", name="❚❚", exact=True).click()  # Pause
    page.get_by_role("button", name="Step", exact=True).wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / "page.png"))
    if os.environ.get("LADERA_UPDATE_DOCS_SCREENSHOT"):
        shutil.copy(shots / "page.png", ROOT / "docs" / "viz.png")

    external = [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).netloc != f"127.0.0.1:{port}"]  # fmt: skip
    assert external == []
    assert any(urlsplit(u).path.startswith("/_solara/cdn/") for u in requests)  # local assets
    assert failed == []
    assert errors == []
    page.close()
