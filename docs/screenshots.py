"""`make screenshots`: the README's pictures from the current sample, and the explorer's timings.

Builds the shipped sample into a temporary folder (or takes `--warehouse`), writes the report and
shoots it (docs/report.png), starts `journeyflow app` on a free port and shoots every page
(docs/explorer-<page>.png) with playwright on the system Chromium. It prints the app's start-up time (process
start to the first page drawn) and the time of a filter change (a channel picked until the numbers
changed), the figures docs/performance.md quotes. `--no-shots` only measures.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from journeyflow.config import Settings
from journeyflow.pipeline import run_pipeline
from journeyflow.report import write_report

DOCS = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
PAGES = {"map": ("Journey map", "#map-graph"), "paths": ("Paths", "#sankey-graph"),
         "funnels": ("Funnels", "#funnel-graph"), "graph": ("Transition graph", "#transition-graph"),
         "attribution": ("Attribution", "#attribution-graph"), "kpis": ("Touchpoint KPIs", "#kpi-graph"),
         "segments": ("Segments", "#segment-graph"), "quality": ("Data quality", "#rejects-graph")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_idle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=120_000)


def shoot_report(warehouse: Path, folder: Path, browser) -> None:
    out = write_report(warehouse, folder / "report.html")
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(out.as_uri())
    page.wait_for_selector("#sankey-plot .main-svg")
    page.screenshot(path=DOCS / "report.png")
    page.close()


def explore(warehouse: Path, shots: bool) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        if shots:
            with tempfile.TemporaryDirectory() as folder:
                shoot_report(warehouse, Path(folder), browser)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        started = time.perf_counter()
        command = [sys.executable, "-m", "journeyflow.cli", "app", "--warehouse", str(warehouse),
                   "--port", str(port)]
        process = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    urllib.request.urlopen(url, timeout=5).read()  # noqa: S310 (the local app)
                    break
                except OSError:
                    time.sleep(0.1)
            listening = time.perf_counter() - started
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.wait_for_selector("#map-graph .main-svg", timeout=120_000)
            wait_idle(page)
            first_page = time.perf_counter() - started
            for name, (tab, figure) in PAGES.items():
                page.get_by_text(tab, exact=True).click()
                page.wait_for_selector(f"{figure} .main-svg", timeout=120_000)
                wait_idle(page)
                if shots:
                    page.screenshot(path=DOCS / f"explorer-{name}.png", full_page=True)
            page.get_by_text("Journey map", exact=True).click()
            page.wait_for_selector("#map-graph .main-svg")
            wait_idle(page)
            before = page.locator('[data-metric="journeys"]').inner_text()
            changed = time.perf_counter()
            page.click("#f-channels")
            page.keyboard.type("search")
            page.keyboard.press("Enter")
            page.wait_for_function(
                f"document.querySelector('[data-metric=\"journeys\"]').innerText != '{before}'",
                timeout=120_000)
            wait_idle(page)
            filtered = time.perf_counter() - changed
            print(f"app listening after {listening:.1f} s, first page drawn after {first_page:.1f} s; "
                  f"filter change (channel = search, journey map page) {filtered:.2f} s")
        finally:
            process.terminate()
            process.wait(timeout=10)
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="A published warehouse (default: build the sample).")
    parser.add_argument("--no-shots", action="store_true", help="Only measure, write no pictures.")
    args = parser.parse_args()
    if args.warehouse:
        explore(args.warehouse, not args.no_shots)
        return
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(input_dir=DOCS.parent / "data" / "sample",
                            warehouse=Path(folder) / "warehouse" / "journeyflow.duckdb")
        run_pipeline(settings)
        explore(settings.warehouse, not args.no_shots)


if __name__ == "__main__":
    main()
