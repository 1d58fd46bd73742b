"""`journeyflow app` in a real browser: every page renders without console errors, a filter changes the
numbers, a funnel built in the UI equals the API's, a Sankey click lists paths; and the app keeps
answering while `journeyflow run` publishes a new warehouse over the one it reads."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SAMPLE, settings_for
from journeyflow.api import open as open_warehouse
from journeyflow.config import Settings
from journeyflow.figures import Filters
from journeyflow.pipeline import run_pipeline

CHROMIUM = Path("/usr/bin/chromium")
playwright = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is absent: apt-get install chromium"
)

# each page and the figure that shows it has rendered
PAGES = {
    "Journey map": "#map-graph",
    "Paths": "#sankey-graph",
    "Funnels": "#funnel-graph",
    "Transition graph": "#transition-graph",
    "Attribution": "#attribution-graph",
    "Touchpoint KPIs": "#kpi-graph",
    "Segments": "#segment-graph",
    "Data quality": "#rejects-graph",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a local test server)
        response.read()
        return response.status


APP_LOGS: dict[str, Path] = {}  # url -> the app's stderr (its request log and any traceback)


def app_log(url: str) -> str:
    """The end of the app's log, for a failure message: a 500 shows its traceback there."""
    return APP_LOGS[url].read_text(encoding="utf-8", errors="replace")[-6000:]


@pytest.fixture
def start_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Start `journeyflow app` on a free port; returns its URL once it answers. Stopped after the test.

    Its stderr goes to a file: a pipe nobody reads fills up with the request log and blocks the app.
    """
    started: list[subprocess.Popen] = []

    def _start(warehouse: Path) -> str:
        port = free_port()
        log = tmp_path_factory.mktemp("app") / "app.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "journeyflow.cli",
                "app",
                "--warehouse",
                str(warehouse),
                "--port",
                str(port),
            ],
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=log.open("w", encoding="utf-8"),
            text=True,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}/"
        APP_LOGS[url] = log
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the app exited: {app_log(url)}")
            try:
                if get(url) == 200:
                    return url
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the app did not answer within 60 s")

    yield _start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def wait_idle(page) -> None:
    """Until no Dash callback is running."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000)


def pick(page, dropdown: str, text: str) -> None:
    """Choose `text` in a Dash dropdown: type it, then click the option itself (Enter picked the
    first option when it came before the list was filtered: a flaky 'app' instead of 'search')."""
    for _ in range(3):  # a callback still running may re-render the dropdown and close its menu
        page.click(f"{dropdown}")
        page.keyboard.type(text)
        try:
            page.get_by_role("option", name=text, exact=True).click(timeout=10_000)
            break
        except playwright.TimeoutError:
            page.keyboard.press("Escape")
            wait_idle(page)
    else:
        raise AssertionError(f"{text!r} is not an option of {dropdown}")
    page.keyboard.press("Escape")
    wait_idle(page)


def test_every_page_renders_filters_change_numbers_and_the_funnel_equals_the_api(
    sample_run: Settings, start_app
) -> None:
    url = start_app(sample_run.warehouse)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_selector("#map-graph .main-svg", timeout=30_000)
        for tab, figure in PAGES.items():
            page.get_by_text(tab, exact=True).click()
            page.wait_for_selector(f"{figure} .main-svg", timeout=30_000)
            wait_idle(page)
        assert errors == [], f"{errors}\n{app_log(url)}"

        # a filter changes the numbers shown: the journeys that touched the search channel
        metric = page.locator('[data-metric="journeys"]')
        everyone = metric.inner_text()
        pick(page, "#f-channels", "search")
        page.wait_for_function(
            f"document.querySelector('[data-metric=\"journeys\"]').innerText != '{everyone}'"
        )
        search = Filters(channels=("search",))
        with open_warehouse(sample_run.warehouse) as wh:
            from journeyflow import figures

            expected = figures.headline(wh.con, search)
            funnel = wh.funnel(
                ["phase=awareness", "phase=consideration", "phase=acquisition", "pricing_page"],
                unit="journey",
                filters=search,
            )
        assert metric.inner_text() == f"{expected['journeys']:,}"
        assert int(everyone.replace(",", "")) > expected["journeys"]

        # a funnel built in the UI: the three phases offered, then pricing_page after them, by journey
        page.get_by_text("Funnels", exact=True).click()
        page.wait_for_selector("#funnel-graph .main-svg")
        wait_idle(page)
        pick(page, "#funnel-steps", "pricing_page")
        page.get_by_label("journey", exact=True).check()
        wait_idle(page)
        want = (funnel["label"].to_list(), funnel["units"].to_list())
        deadline = time.monotonic() + 30  # the table fills in once the last callback has answered
        while True:
            labels = page.locator("#funnel-data td[data-dash-column='label']").all_inner_texts()
            cells = page.locator("#funnel-data td[data-dash-column='units']").all_inner_texts()
            shown = (labels, [int(c.replace(",", "")) for c in cells if c.strip()])
            if shown == want or time.monotonic() > deadline:
                break
            page.wait_for_timeout(250)
        assert shown == want
        assert errors == [], f"{errors}\n{app_log(url)}"
        browser.close()


def test_the_app_keeps_answering_while_a_run_publishes(
    sample_run: Settings, start_app, tmp_path: Path
) -> None:
    settings = settings_for(SAMPLE, tmp_path)
    settings.warehouse.parent.mkdir(parents=True)
    shutil.copy(sample_run.warehouse, settings.warehouse)  # yesterday's published warehouse
    url = start_app(settings.warehouse)
    before = settings.warehouse.stat().st_ino
    answers: list[int | str] = []
    stop = threading.Event()

    def ask() -> None:  # each layout request opens the published file read-only
        while not stop.is_set():
            try:
                answers.append(get(url + "_dash-layout"))
            except OSError as exc:
                answers.append(repr(exc))

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        run_pipeline(settings)  # builds a new working file and renames it over the published one
    finally:
        stop.set()
        asker.join()
    assert settings.warehouse.stat().st_ino != before, "the run did not publish a new file"
    assert len(answers) > 5 and set(answers) == {200}, f"{answers}\n{app_log(url)}"
    assert get(url + "_dash-layout") == 200
