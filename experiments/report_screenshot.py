"""A screenshot of a comparison's HTML report for docs/, made with Debian's chromium through
Playwright (never a downloaded browser).

Opens ``COMPARE/report.html`` (a folder written by ``ladera compare``), checks that it opens
with the bottom line and shows the served households before the city's headline, and saves the
top of the page (``--height`` pixels of it) as ``docs/report.png``; ``--full`` saves the whole
page. Usage::

    python experiments/report_screenshot.py results/compare/<id> [--out docs/report.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("compare", type=Path, help="a folder written by `ladera compare`")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    ap.add_argument("--height", type=int, default=2400, help="pixels of the page's top")
    ap.add_argument("--full", action="store_true", help="the whole page")
    args = ap.parse_args(argv)
    page_file = (args.compare / "report.html").resolve()
    if not page_file.is_file():
        ap.error(f"{page_file}: no report here (run `ladera compare` first)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(page_file.as_uri())
        text = page.inner_text("body")
        order = [text.find(h) for h in ("Bottom line", "Who each scenario serves", "Headline")]
        if -1 in order or order != sorted(order):
            raise SystemExit(f"{page_file}: expected the bottom line, then the served households, "
                             f"then the headline; found them at {order}")  # fmt: skip
        args.out.parent.mkdir(parents=True, exist_ok=True)
        clip = None if args.full else {"x": 0, "y": 0, "width": 1200, "height": args.height}
        page.screenshot(path=str(args.out), full_page=True, clip=clip)
        browser.close()
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
