"""Screenshots of the students' studio for docs/, and the explore-mode step benchmark.

Starts ``python -m sim viz`` on a city (default Porto Alegre), drives Debian's chromium with
Playwright (never a downloaded browser) and:

1. Explore: presses Step ``--steps`` times and measures each step in the page, from the click
   to the dashboard's last change (:func:`explore_timed`, shared with bench_explore.py), against
   the model's day that the caption reports ("last step"); prints both with the load average.
2. Design: clicks three walk-network points near the given stations (default: the Morro da Cruz
   cable's), saves the design, presses Compare and waits for the winners-by-income table; the
   Compare's wall time (click to table) is measured with the load average.

Writes ``docs/studio-explore.png`` and ``docs/studio-design.png`` (``--out`` to change), the
timings to ``results/bench/studio.json`` (``--bench`` to change) and the design file into a
temporary folder. Usage::

    python experiments/studio_screenshots.py [--city porto_alegre] [--steps 5] [--out docs]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MORRO = [(-51.164223, -30.076033), (-51.170510, -30.068813), (-51.177221, -30.062275)]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@contextlib.contextmanager
def viz_server(city: str, env: dict[str, str] | None = None, prefix: str = "ladera-shots-"):
    """``python -m sim viz`` on a free loopback port, in a temporary folder (saved designs go
    to its ``designs``): yields (port, folder) once the port answers, and stops the server on
    leaving."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    work = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "LADERA_VIZ_DESIGNS": str(work / "designs"),
        # the server runs in `work`: measure this checkout's sim, not another one installed
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **(env or {}),
    }
    log = (work / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", "--city", city, "--port",
                             str(port)], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit(f"the server exited: {(work / 'server.log').read_text()}")
                time.sleep(0.5)
        yield port, work
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def target_indices(city: str, points: list[tuple[float, float]]) -> list[int]:
    """Which click target (dot of the map's walk-network trace) is nearest each point."""
    import numpy as np

    from sim.runner import city_of
    from sim.scenario import load_scenario
    from sim.viz.app import base_network, scenario_files
    from sim.viz.mapview import click_targets

    net = base_network(city_of(load_scenario(scenario_files(city)["baseline"])))
    nodes = click_targets(net)
    return [int(np.argmin((net.x[nodes] - x) ** 2 + (net.y[nodes] - y) ** 2)) for x, y in points]


#: The dashboard is taken as updated once it has not changed for this long (ms).
QUIET_MS = 400
#: Installed in the page: the time of each Step click and of the last change in the dashboard
#: since (a text or an attribute changed, an image loaded), in ms of ``performance.now()``.
WATCH_JS = """() => {
  const w = window.__ladera_bench = {click: null, last: null};
  const inBoard = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return !!(el && el.closest('.ladera-dashboard'));
  };
  document.addEventListener('click', (e) => {
    const button = e.target.closest && e.target.closest('button');
    if (button && button.textContent.trim() === 'Step') { w.click = e.timeStamp; w.last = null; }
  }, true);
  new MutationObserver((records) => {
    if (records.some((r) => inBoard(r.target))) w.last = performance.now();
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true});
  document.addEventListener('load', (e) => {
    if (inBoard(e.target)) w.last = performance.now();
  }, true);
}"""
QUIET_JS = f"""() => {{
  const w = window.__ladera_bench;
  return w.last !== null && performance.now() - w.last >= {QUIET_MS};
}}"""


def explore_timed(page, steps: int) -> list[dict[str, float]]:
    """Each Step: the page's time from the click to the dashboard's last change
    (``browser_s``), Playwright's wall time until it saw the update (``playwright_s``) and the
    model's day from the caption (``model_s``)."""
    page.evaluate(WATCH_JS)
    step = page.get_by_role("button", name="Step", exact=True)
    out = []
    for day in range(1, steps + 1):
        start = time.perf_counter()
        step.click()
        page.get_by_text(f"day {day} ·", exact=False).first.wait_for(timeout=120_000)
        page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
        playwright_s = time.perf_counter() - start
        page.wait_for_function(QUIET_JS, polling=100, timeout=60_000)
        marks = page.evaluate("() => window.__ladera_bench")
        caption = page.locator(".ladera-map-caption").first.inner_text()
        model_s = float(re.search(r"last step ([0-9.]+) s", caption).group(1))
        out.append({"browser_s": (marks["last"] - marks["click"]) / 1000.0,
                    "playwright_s": playwright_s, "model_s": model_s})  # fmt: skip
    return out


def design(page, indices: list[int]) -> float:
    """Draw the line, save it, press Compare; the Compare's seconds until its table shows."""
    page.get_by_role("tab", name="Design").click()
    targets = page.locator(".js-plotly-plot .scatterlayer .trace").nth(-1).locator(".point")
    targets.nth(max(indices)).wait_for(timeout=120_000)
    targets = page.locator(".js-plotly-plot .scatterlayer .trace").nth(
        page.locator(".js-plotly-plot .scatterlayer .trace").count() - 1).locator(".point")  # fmt: skip
    page.wait_for_timeout(1500)
    for k, index in enumerate(indices, start=1):
        targets.nth(index).scroll_into_view_if_needed()
        box = targets.nth(index).bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.get_by_text(f"{k} station", exact=False).first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("saved ", exact=False).first.wait_for(timeout=30_000)
    start = time.perf_counter()
    page.get_by_role("button", name="Compare", exact=False).click()
    page.locator(".ladera-winners").wait_for(timeout=900_000)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city", default="porto_alegre")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--bench", type=Path, default=ROOT / "results" / "bench" / "studio.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    indices = target_indices(args.city, MORRO)
    with viz_server(args.city) as (port, _), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_text("Step: 0", exact=True).wait_for(timeout=300_000)
        load_before = os.getloadavg()
        times = explore_timed(page, args.steps)
        args.out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out / "studio-explore.png"))
        load_compare = os.getloadavg()
        compare_s = design(page, indices)
        load_after = os.getloadavg()
        # tall enough for the map, the controls and what Compare found below them
        page.set_viewport_size({"width": 1500, "height": 1900})
        page.locator(".ladera-outcome").scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(args.out / "studio-design.png"), full_page=True)
        browser.close()
    browser_s = statistics.median(t["browser_s"] for t in times)
    model_s = statistics.median(t["model_s"] for t in times)
    print(f"explore step, median of {len(times)}: {browser_s:.2f} s in the browser, "
          f"{model_s:.2f} s the model's day ({browser_s / model_s:.1f}x); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"studio Compare ({args.city}): {compare_s:.0f} s from the click to the winners "
          f"table; load average {load_compare[0]:.1f} before, {load_after[0]:.1f} after")  # fmt: skip
    print(f"screenshots: {args.out}/studio-explore.png, {args.out}/studio-design.png")
    from sim.viz.design import compare_command

    bench = {
        "what": "the studio in chromium: explore steps (browser until map and charts updated, "
        "against the model's day) and one Compare (click to winners table)",
        "city": args.city,
        "machine": {"cores": os.cpu_count(), "load_before": load_before,
                    "load_before_compare": load_compare, "load_after": load_after},
        "explore_steps": [{k: round(v, 3) for k, v in t.items()} for t in times],
        "explore_median_ratio": round(browser_s / model_s, 2),
        "compare_s": round(compare_s, 1),
        "compare_command": compare_command(Path("BASELINE.toml"), Path("DESIGN.toml")),
    }  # fmt: skip
    args.bench.parent.mkdir(parents=True, exist_ok=True)
    args.bench.write_text(json.dumps(bench, indent=2) + "\n")
    print(f"timings: {args.bench}")


if __name__ == "__main__":
    main()
