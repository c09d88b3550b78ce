"""Design mode (the students' studio): the line's numbers, its scenario file, and the page.

The fast tests check :mod:`sim.viz.design` on the mini city; the browser test draws a
three-station cable on the mini city's Plotly map in Debian's chromium, saves and loads it,
presses Compare and checks what it shows (winners with intervals, the catchment's jobs before
and after, the bottom line) against ``ladera compare`` of the saved file at the same seeds and
size. Screenshots go to the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, require_chromium, wait_listening

pytestmark = pytest.mark.viz

MINI = Path(__file__).parent / "data" / "scenarios"
BASELINE = MINI / "mini_baseline.toml"
CLICKS = [(-51.1620, -30.0750), (-51.1700, -30.0675), (-51.1780, -30.0600)]


def drawn(net):
    from sim.viz.design import Design, snap

    design = Design()
    for lon, lat in CLICKS:
        design = design.add(snap(net, lon, lat))
    return design


def test_stations_snap_to_walk_nodes_and_the_numbers_add_up(mini_network):
    from sim.network.arrays import NodeKind
    from sim.viz.design import COST_PER_KM_USD, MAX_STATIONS, line_stats

    design = drawn(mini_network)
    walk = mini_network.node_kind == NodeKind.WALK
    for lon, lat in design.stations:
        d = abs(mini_network.x[walk] - lon) + abs(mini_network.y[walk] - lat)
        assert d.min() < 1e-6  # on a walk node (to the 0.1 m the file keeps)
    s = line_stats(design)
    assert 2.0 < s["length_km"] < 2.6  # about the bundled 2 km line it follows
    assert s["ride_min"] == pytest.approx((s["length_km"] * 1000 / 5.0 + 20.0) / 60.0)
    assert s["capex_usd_m_low"] == pytest.approx(COST_PER_KM_USD[0] * s["length_km"] / 1e6)
    assert s["capex_usd_m_high"] == pytest.approx(COST_PER_KM_USD[1] * s["length_km"] / 1e6)
    for _ in range(5):
        design = design.add(design.stations[0])
    assert len(design.stations) == MAX_STATIONS


def test_saved_design_loads_back_and_is_a_scenario(mini_network, tmp_path):
    from sim.interventions import CableLine
    from sim.scenario import load_scenario
    from sim.viz.design import load_design, save_design

    design = drawn(mini_network)
    out = save_design(design, BASELINE, tmp_path / "mine" / "my_cable.toml", currency="BRL",
                      year=2019)  # fmt: skip
    assert load_design(out) == design
    scenario = load_scenario(out)
    (cable,) = scenario.interventions
    assert isinstance(cable, CableLine) and cable.stations == design.stations
    assert cable.capex.currency == "BRL" and cable.capex.amount > 0
    assert scenario.households == load_scenario(BASELINE).households  # extends the baseline


def test_compare_runs_two_seeds_and_reads_like_ladera_compare(tmp_path):
    """Compare at a tiny size: both scenarios on two seeds, progress from 0 to 1, and what the
    page shows (winners with intervals, the catchment before and after, the cable's load, the
    bottom line's NPV and benefit-cost ratio) read from the comparison it wrote."""
    from sim.viz.design import compare_command, compare_design
    from sim.viz.outcome import read_outcome

    cable = MINI / "mini_cable.toml"
    told: list[tuple[float, str]] = []
    out = compare_design(BASELINE, cable, households=300, max_iterations=3, seeds=2,
                         zone_size_m=1500.0, results=tmp_path,
                         progress=lambda s, t: told.append((s, t)))  # fmt: skip
    shares = [s for s, _ in told]
    assert shares[0] == 0.0 and shares[-1] == 1.0 and shares == sorted(shares)
    assert len(told) == 1 + 2 * 2 + 2  # before, after each of the 4 runs, compare, done
    o = read_outcome(out, capacity_per_hour=3600.0)
    assert o.n_seeds == 2 and len(set(o.seeds)) == 2
    assert [r[0] for r in o.winners][-1] == "all" and len(o.winners) >= 3
    assert any("[" in cell for row in o.winners for cell in row[1:])  # intervals across seeds
    served = o.catchment[-1]
    assert served[0] == "all" and float(served[2].split()[0].replace(",", "")) > 0
    assert o.catchment_definition.startswith("Morro cable")
    assert "% of its capacity" in o.cable and "3,600 passengers an hour" in o.cable
    assert any("net present value" in w and "benefit-cost ratio" in w for w in o.words)
    command = compare_command(BASELINE, cable, households=300, max_iterations=3, seeds=2,
                              zone_size_m=1500.0)  # fmt: skip
    assert command.endswith("--households 300 --max-iterations 3 --seeds 2 --zone-size-m 1500")
    summary = json.loads((out / "summary.json").read_text())
    run = Path(summary["scenarios"]["mini_cable"]["runs"][0])
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["scenario"]["choice"]["zone_size_m"] == 1500.0


def _cli_outcome(saved: Path, tmp_path: Path):
    """What ``ladera compare`` of the saved file at the studio's size reads as."""
    from sim.viz.design import compare_command
    from sim.viz.outcome import read_outcome

    results = tmp_path / "cli"
    command = compare_command(BASELINE, saved).split()[1:]
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *command, "--results", str(results), "--id", "cli"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return read_outcome(results / "compare" / "cli")


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_draw_save_load_and_compare_in_chromium(mini_network, tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    port = free_port()
    log = tmp_path / "server.log"
    designs = tmp_path / "designs"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
           "LADERA_VIZ_DESIGNS": str(designs)}  # fmt: skip
    # the server runs in tmp_path: import this checkout's sim, as the CLI run from ROOT does
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "viz", "--city", str(MINI), "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_listening(proc, port, log, timeout=180)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                winners, catchment, words = _drive_design(browser, port, tmp_path)
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    saved = designs / "my_cable.toml"
    assert saved.is_file()
    cli = _cli_outcome(saved, tmp_path)
    assert winners == cli.winners and cli.n_seeds >= 2
    assert catchment == cli.catchment
    assert words == cli.words
    assert "Traceback" not in log.read_text()


def _drive_design(browser, port: int, shots: Path):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    requests: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"http://127.0.0.1:{port}/")
    page.get_by_text("Step: 0", exact=True).wait_for(timeout=90_000)
    page.get_by_role("tab", name="Design").click()
    targets = page.locator(".js-plotly-plot .scatterlayer .trace").nth(1).locator(".point")
    targets.nth(40).wait_for(timeout=60_000)
    stats = page.locator(".ladera-design-stats")
    page.get_by_text("0 station(s)", exact=False).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # the widget draws before it listens for clicks
    for k, index in enumerate((5, 20, 40), start=1):
        box = targets.nth(index).bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            page.get_by_text(f"{k} station", exact=False).first.wait_for(timeout=30_000)
        except Exception:
            page.screenshot(path=str(shots / f"click{k}.png"))
            raise
    assert stats.inner_text().startswith("3 stations · ")
    assert "capex about US$" in stats.inner_text()
    # roads mode: a click on a road's square widens it, a second click undoes it
    page.get_by_text("Click roads to widen them", exact=False).first.click()
    roads = page.locator(".js-plotly-plot .scatterlayer .trace").nth(1).locator(".point")
    roads.nth(10).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    box = roads.nth(10).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text("1 road(s) to widen", exact=False).first.wait_for(timeout=30_000)
    page.screenshot(path=str(shots / "roads.png"))
    again = page.locator(".js-plotly-plot .scatterlayer .trace").nth(2).locator(".point").nth(10)
    page.wait_for_timeout(1500)
    box = again.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "() => !document.querySelector('.ladera-design-stats').innerText.includes('road(s)')",
        timeout=30_000,
    )
    page.get_by_text("Click roads to widen them", exact=False).first.click()
    targets.nth(40).wait_for(timeout=60_000)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("saved ", exact=False).first.wait_for(timeout=30_000)
    before = stats.inner_text()
    page.get_by_role("button", name="Clear", exact=True).click()
    page.get_by_text("0 station(s)", exact=False).first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text("loaded ", exact=False).first.wait_for(timeout=30_000)
    assert stats.inner_text() == before  # the saved line is back on the map
    page.screenshot(path=str(shots / "design.png"))
    page.get_by_role("button", name="Compare", exact=False).click()
    page.locator(".ladera-compare-progress .v-progress-linear").wait_for(timeout=60_000)
    page.locator(".ladera-winners").wait_for(timeout=300_000)
    assert "seeds" in page.locator(".ladera-compare-size").inner_text()
    page.locator(".ladera-winners-chart").wait_for(timeout=30_000)  # the winners chart
    assert "% of its capacity" in page.locator(".ladera-cable-load").inner_text()
    words = page.locator(".ladera-verdict").all_inner_texts()
    assert any("benefit-cost ratio" in w for w in words)
    page.screenshot(path=str(shots / "compare.png"))
    cells = [
        page.locator(f".{css}-row").evaluate_all(
            "rows => rows.map(r => Array.from(r.querySelectorAll('td')).map(td => td.innerText))"
        )
        for css in ("ladera-winners", "ladera-catchment")
    ]
    external = [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).netloc != f"127.0.0.1:{port}"]  # fmt: skip
    assert external == [] and failed == [] and errors == [], (external, failed, errors)
    return cells[0], cells[1], words


def test_clicked_roads_save_with_their_selector_and_ladera_compare_accepts_them(
    mini_network, tmp_path
):
    """Roads clicked in design mode: toggled on and off, drawn on the map, saved as a
    road_upgrade whose stated selector (``way_ids``) picks exactly their edges, loaded back, and
    compared by ``ladera compare``."""
    from sim.interventions import RoadUpgrade
    from sim.interventions.road_upgrade import select_roads
    from sim.scenario import load_scenario
    from sim.viz.design import Design, load_design, save_design, stats_text
    from sim.viz.mapview import city_figure
    from sim.viz.roads import ROAD_COST_PER_KM, TARGET_NAME, road_km, road_targets, way_edges

    t = road_targets(mini_network)
    assert t.way.size == len(set(t.way.tolist())) > 10
    ways = (int(t.way[3]), int(t.way[40]))
    design = Design().toggle_road(ways[0]).toggle_road(ways[1]).toggle_road(999)
    design = design.toggle_road(999)  # a second click undoes
    assert design.roads == ways and design.ready
    assert not Design(stations=((0.0, 0.0),), roads=ways).ready  # a lone station is not a line
    km = road_km(mini_network, ways)
    assert 0 < km < way_edges(mini_network, ways).size  # km of road, each counted once
    assert f"2 road(s) to widen, {km:.2f} km" in stats_text(design, km)
    fig = city_figure(mini_network, design, roads_mode=True)
    names = [trace.name for trace in fig.data]
    assert TARGET_NAME in names and "roads to widen" in names
    assert "walk network (click to add a station)" not in names

    out = save_design(design, BASELINE, tmp_path / "roads.toml", currency="BRL", year=2019,
                      road_km=km)  # fmt: skip
    text = out.read_text()
    assert "# Road selector: `way_ids`" in text and "cable_line" not in text
    (upgrade,) = load_scenario(out).interventions
    assert isinstance(upgrade, RoadUpgrade) and sorted(upgrade.way_ids) == sorted(ways)
    assert upgrade.add_lanes == 1.0
    assert upgrade.capex.amount == pytest.approx(km * ROAD_COST_PER_KM[("BRL", 2019)], rel=1e-6)
    assert set(select_roads(mini_network, upgrade)) == set(way_edges(mini_network, ways))
    assert load_design(out) == design
    # with a cable too: both interventions, both come back
    both = Design(stations=((-51.162, -30.075), (-51.17, -30.0675)), roads=ways)
    assert load_design(save_design(both, BASELINE, tmp_path / "both.toml", currency="BRL",
                                   year=2019, road_km=km)) == both  # fmt: skip

    proc = subprocess.run(
        [sys.executable, "-m", "sim", "compare", str(BASELINE), str(out), "--households", "200",
         "--max-iterations", "2", "--seeds", "1", "--results", str(tmp_path / "cli"), "--id",
         "roads"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "cli" / "compare" / "roads" / "summary.json").read_text())
    assert "my_cable" in summary["scenarios"]
