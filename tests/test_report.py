"""The bi schema, its Parquet snapshot and the HTML report, built from a small pipeline run."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from builders import T0, ga4_event, write_ga4
from conftest import open_build
from journeyflow import bi
from journeyflow.report import SECTIONS, write_report

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED_VIEWS = {"journeys", "touchpoints", "transitions", "phase_funnel", "sessions", "rejected_rows",
                  "load_summary"}


def write_input(folder: Path) -> None:
    """c1: paid click then purchase (converts); c2: blog article only; plus one broken line."""
    path = write_ga4(folder, [
        ga4_event(T0, "session_start", "c1", medium="cpc"),
        ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", value=10.0),
        ga4_event(T0, "page_view", "c2", path="/blog/a"),
    ])
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"event_name": "page_view", "event_timestamp": "not a time"}\n')


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module: the tests using it only read the warehouse."""
    base = tmp_path_factory.mktemp("report")
    write_input(base / "input")
    open_build(base, pain_min_journeys=1).close()  # rank the touchpoints of this two-person fixture
    return base / "warehouse" / "jf.duckdb"


def test_bi_views_follow_the_contract(warehouse: Path) -> None:
    contract = {view.name: view for view in bi.load_contract()}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        built = set(bi.built_views(con))
        assert built >= REQUIRED_VIEWS
        for name in built:
            columns = bi.view_columns(con, name)
            expected = [(c.name, c.type) for c in contract[name].columns]
            assert columns == expected, f"bi.{name} differs from sql/bi/contract.yaml"
        comments = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'bi'"
        ).fetchall()
        assert all(comment and comment != bi.UNDOCUMENTED for _, _, comment in comments)
        view_comment = con.execute(
            "SELECT comment FROM duckdb_views() WHERE schema_name = 'bi' AND view_name = 'journeys'"
        ).fetchall()[0][0]
        assert view_comment.startswith("One row per person journey")
        # 2 persons, one converted; the broken line is a rejected row
        assert con.execute("SELECT count(*), count(*) FILTER (WHERE converted) FROM bi.journeys").fetchall() \
            == [(2, 1)]
        assert con.execute("SELECT sum(rows_rejected) FROM bi.load_summary").fetchall() == [(1,)]
    finally:
        con.close()


def test_parquet_snapshot_of_every_bi_view(warehouse: Path) -> None:
    folder = warehouse.parent / "parquet"
    con = duckdb.connect(str(warehouse), read_only=True)
    views = bi.built_views(con)
    con.close()
    assert sorted(p.stem for p in folder.glob("*.parquet")) == sorted(views)
    assert pl.read_parquet(folder / "journeys.parquet").height == 2
    assert not folder.with_name("parquet.tmp").exists()


def test_optional_views_are_skipped_when_their_mart_is_missing(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA quality; CREATE TABLE quality.load_summary AS SELECT 'raw.x' AS raw_table, "
                "'/in/a.csv' AS source_file, 3::BIGINT AS rows_read, 2::BIGINT AS rows_loaded, "
                "1::BIGINT AS rows_rejected, 0::BIGINT AS rows_duplicate, 'read' AS outcome, "
                "NULL::VARCHAR AS note")
    result = bi.build_views(con)
    assert result["views"] == ["bi.load_summary"]
    assert "bi.journeys" in result["skipped"]
    assert con.execute("SELECT reject_rate FROM bi.load_summary").fetchall() == [(1 / 3,)]
    con.close()


def test_docs_contract_section_is_generated_from_the_contract() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "bi.md").read_text(encoding="utf-8")
    section = doc.split(bi.DOC_START)[1].split(bi.DOC_END)[0]
    assert section.strip() == bi.contract_markdown().strip(), "run: python -m journeyflow.bi docs/bi.md"


def test_report_has_every_section_and_the_fixture_numbers(warehouse: Path, tmp_path: Path) -> None:
    out = write_report(warehouse, tmp_path / "report.html")
    text = out.read_text(encoding="utf-8")
    for section in ("summary", "map", "sankey", "funnel", "graph", "paths", "attribution", "kpis", "segments",
                    "quality"):
        assert f'<section id="{section}"' in text
    assert len(re.findall(r"<section id=", text)) == len(SECTIONS)
    metric = dict(re.findall(r'data-metric="([^"]+)">([^<]+)<', text))
    assert metric["events loaded"] == "3"
    assert metric["persons"] == "2"
    assert metric["journeys"] == "2"
    assert metric["conversion rate"] == "50.0%"
    assert metric["conversion value"] == "10.00 EUR"
    assert metric["rows rejected"] == "1"
    assert metric["biggest drop-off"] == "acquisition → service: 100.0%"
    assert "paid_search_click" in text and "blog_article" in text  # Sankey / graph nodes
    assert "sankey-plot" in text and "funnel-plot" in text and "graph-plot" in text
    # self-contained: plotly.js inlined, nothing fetched from the network
    assert "<script src=" not in text
    assert len(text) > 1_000_000
    # sections whose marts do not exist say so instead of failing
    for section in re.findall(r'<section id="(\w+)" data-available="false"', text):
        assert section in ("paths", "attribution")
    assert text.count("Not available:") == text.count('data-available="false"')


def section_text(text: str, section: str) -> str:
    body = text.split(f'<section id="{section}"', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_report_touchpoint_kpis_and_segment_sections(warehouse: Path, tmp_path: Path) -> None:
    text = write_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="kpis" data-available="true"' in text and 'id="segments" data-available="true"' in text
    kpis = section_text(text, "kpis")
    # c1: paid click → purchase; c2: blog article only. Drop-off before a conversion: the blog article
    # ends c2's journey (1/1), the paid click does not (0/1); no tickets or answers, so the blog's
    # pain score is 0.5 · 1/1 = 0.5 and it ranks first
    assert "pain-plot" in text
    assert re.search(r"1 blog_article awareness 1 0\.0% – – 0\.0% .* 0\.50", kpis), kpis
    segments = section_text(text, "segments")
    # default segments: first channel search (c1, converts) vs social (nobody): no comparison
    assert "segments-plot" in text
    assert "No comparison: one of the segments has no journeys." in segments
    assert "a search 1 1 1 100.0%" in segments and "b social 0 0 0 –" in segments


@pytest.mark.parametrize("section", SECTIONS, ids=lambda build: build.__name__)
def test_every_section_says_not_available_on_an_empty_warehouse(section) -> None:
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA core; CREATE SCHEMA marts; CREATE SCHEMA quality")
        if section.__name__ == "summary_section":
            pytest.skip("the summary reads core tables every warehouse has")
        built = section(con)
    finally:
        con.close()
    if section.__name__ == "quality_section":
        # rejected rows, load summary, unmapped events, check results: each with its own note
        assert built.body.count("Not available:") == 4
    else:
        assert not built.available and built.body.count("Not available:") == 1


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent: apt-get install chromium")
def test_report_renders_in_headless_chromium(warehouse: Path, tmp_path: Path) -> None:
    out = write_report(warehouse, tmp_path / "report.html")
    png = tmp_path / "report.png"
    flags = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--virtual-time-budget=5000",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ]
    subprocess.run([*flags, f"--screenshot={png}", "--window-size=1400,3000", out.as_uri()],
                   check=True, capture_output=True, timeout=180)
    assert png.exists() and png.stat().st_size > 10_000
    dom = subprocess.run([*flags, "--dump-dom", out.as_uri()], check=True, capture_output=True, text=True,
                         timeout=180).stdout
    # plotly.js turned each figure div into a rendered plot
    for div in ("map-plot", "sankey-plot", "funnel-plot", "graph-plot", "rejects-plot", "pain-plot",
                "segments-plot"):
        assert re.search(rf'id="{div}"[^>]*class="[^"]*js-plotly-plot', dom) or \
            re.search(rf'class="[^"]*js-plotly-plot[^"]*"[^>]*id="{div}"', dom), div
    assert dom.count("main-svg") >= 4
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)
