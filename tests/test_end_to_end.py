"""End to end on the shipped sample: every table has rows, every input row is accounted for, reruns
are idempotent, and the graph export opens with NetworkX."""

import csv
import gzip
import json
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import networkx as nx
import pyarrow.parquet as pq

from conftest import SAMPLE, rows, settings_for
from journeyflow.pipeline import run_pipeline
from journeyflow.sources import SOURCES
from journeyflow.sources.landing import find_files
from journeyflow.warehouse import connect

TABLES = [
    "raw.ga4_events", "raw.hubspot_contacts", "raw.hubspot_deals", "raw.zendesk_tickets",
    "raw.zendesk_users", "raw.survey_nps", "raw.snowplow_events", "raw.segment_events",
    "raw.hubspot_engagements", "raw.salesforce_leads",
    "raw.salesforce_contacts", "raw.salesforce_opportunities", "raw.salesforce_opportunity_history",
    "raw.salesforce_opportunity_contact_roles", "raw.zendesk_satisfaction_ratings",
    "raw.freshdesk_tickets", "raw.freshdesk_tickets_csv", "raw.survey_csat", "raw.survey_ces",
    "raw.custom_events", "staging.events", "quality.rejected_rows",
    "quality.load_summary", "core.identity_map", "core.touchpoints", "core.sessions",
    "core.journeys", "marts.transitions", "marts.phase_funnel",
]
COMPARED = ["core.identity_map", "core.touchpoints", "core.sessions", "core.journeys",
            "marts.transitions", "marts.phase_funnel"]


def snapshot(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in COMPARED}
    finally:
        con.close()


def records_in(path: Path, reader: str, key: str, header_has: tuple[str, ...] = ()) -> int:
    """Count a file's records without journeyflow: what 'rows read' must add up to.

    `header_has`: a CSV report's title lines above its header (Google Ads: "Campaign report" and
    the date range) are no records; the header is the first line naming those columns."""
    if reader == "custom":  # custom sources: the format by the file's ending (sources/custom.py)
        reader = {".parquet": "parquet", ".csv": "csv"}.get(path.suffix, "ndjson")
    if reader == "parquet":
        return pq.ParquetFile(path).metadata.num_rows
    data = path.read_bytes()
    data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252")  # German Excel exports
    if reader in ("ndjson", "tsv"):
        # one record per non-blank line; a TSV line of the wrong width is one rejected row
        return sum(1 for line in text.splitlines() if line.strip())
    if reader == "csv":
        lines = list(csv.reader(text.splitlines(keepends=True)))
        titles = [{c.strip().lower().replace(" ", "_") for c in line} for line in lines]
        header = next((n for n, names in enumerate(titles) if set(header_has) <= names), 0)
        return len(lines) - header - 1
    try:
        document = json.loads(text)
        return len(document if reader == "json_array" else document[key])
    except (ValueError, KeyError, TypeError):
        return 1  # an unreadable file counts as one rejected row


def test_every_table_exists_and_has_rows(sample_run):
    # the raw layer is in its own file, which is never published; every other layer is published
    published = duckdb.connect(str(sample_run.warehouse), read_only=True)
    work = connect(sample_run.work_file, read_only=True, raw_file=sample_run.raw_file)
    counts = {t: rows(work if t.startswith("raw.") else published, f"SELECT count(*) FROM {t}")[0][0]
              for t in TABLES}
    published_schemas = {schema for (schema,) in rows(published, "SELECT schema_name FROM duckdb_tables()")}
    published.close()
    work.close()
    assert all(n > 0 for n in counts.values()), counts
    assert "raw" not in published_schemas


def test_every_input_row_is_loaded_rejected_or_duplicate(sample_run):
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    summary = {
        (table, Path(file).name): (read, loaded, rejected, duplicate)
        for table, file, read, loaded, rejected, duplicate in con.execute(
            "SELECT raw_table, source_file, rows_read, rows_loaded, rows_rejected, rows_duplicate "
            "FROM quality.load_summary").fetchall()
    }
    # the sample holds nothing that no source reads
    assert con.execute("SELECT count(*) FROM quality.load_summary WHERE outcome <> 'read'").fetchone() == (0,)
    con.close()
    expected = {
        (source.raw_table, path.name): records_in(path, source.reader_for(path),
                                                  source.envelope_key, source.header_has)
        for source in SOURCES
        for path in find_files(SAMPLE, source)
    }
    assert {k: v[0] for k, v in summary.items()} == expected
    for key, (read, loaded, rejected, duplicate) in summary.items():
        assert read == loaded + rejected + duplicate, key
    # the sample carries deliberate defects and duplicates, and they are all caught
    assert sum(v[2] for v in summary.values()) >= 5
    assert sum(v[3] for v in summary.values()) >= 2


def test_rejected_rows_name_file_row_and_reason(sample_run):
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    rejected = con.execute("SELECT source_file, row_number, reason FROM quality.rejected_rows").fetchall()
    con.close()
    assert rejected
    assert all(file and reason and row is not None for file, row, reason in rejected)


def test_sample_journeys_cross_sources_and_phases(sample_run):
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    multi_source = con.execute("""
        SELECT count(*) FROM (
            SELECT person_id FROM core.touchpoints GROUP BY person_id HAVING count(DISTINCT source) >= 3)
    """).fetchall()[0][0]
    phases = {p for (p,) in con.execute("SELECT DISTINCT phase FROM core.touchpoints").fetchall()}
    persons = con.execute("SELECT count(DISTINCT person_id) FROM core.touchpoints").fetchall()[0][0]
    con.close()
    assert multi_source >= 10
    assert {"awareness", "consideration", "acquisition", "service", "loyalty", "churn"} <= phases
    assert 150 <= persons <= 260  # about 200 people, a few only ever seen in one source


def test_sample_crm_conversions_are_counted_once(sample_run):
    """Salesforce is the enterprise team's CRM for people HubSpot has no deal for: nobody has both
    a HubSpot deal and a Salesforce opportunity, and every CRM event has a person."""
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    both = con.execute("""
        SELECT count(*) FROM (
            SELECT t.person_id FROM core.touchpoints AS t JOIN staging.events AS e USING (event_id)
            WHERE e.source_table IN ('raw.hubspot_deals', 'raw.salesforce_opportunities')
            GROUP BY t.person_id HAVING count(DISTINCT e.source_table) = 2)
    """).fetchall()[0][0]
    unplaced = con.execute("""
        SELECT count(*) FROM staging.events AS e LEFT JOIN core.touchpoints AS t USING (event_id)
        JOIN core.taxonomy_rules AS r ON r.event_name = e.event_name AND r.source = e.source
        WHERE e.source_table IN ('raw.hubspot_engagements', 'raw.salesforce_leads',
                                 'raw.salesforce_contacts', 'raw.salesforce_opportunities',
                                 'raw.salesforce_opportunity_history')
            AND NOT r.is_ignored AND t.event_id IS NULL
    """).fetchall()[0][0]
    crm = dict(con.execute("""
        SELECT source, count(*) FROM core.touchpoints WHERE source IN ('hubspot', 'salesforce')
        GROUP BY source""").fetchall())
    unmapped = con.execute("""SELECT count(*) FROM marts.unmapped_events
                              WHERE source IN ('hubspot', 'salesforce')""").fetchall()[0][0]
    con.close()
    assert both == 0
    assert unplaced == 0 and unmapped == 0
    assert crm["salesforce"] >= 50


def test_second_run_gives_identical_marts(sample_run, tmp_path):
    # again over the first run's files, on a copy of them (the other tests read the session's build)
    shutil.copytree(sample_run.warehouse.parent, tmp_path / "warehouse")
    again = replace(sample_run, warehouse=tmp_path / "warehouse" / sample_run.warehouse.name)
    before = snapshot(again.warehouse)
    run_pipeline(again)
    assert snapshot(again.warehouse) == before


def test_graphml_opens_with_networkx(sample_run):
    graph = nx.read_graphml(sample_run.warehouse.parent / "journey_graph.graphml")
    assert {"START", "CONVERSION", "EXIT"} <= set(graph.nodes)
    out_of_start = sum(d["transitions"] for _, _, d in graph.out_edges("START", data=True))
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    journeys = con.execute("SELECT count(*) FROM core.journeys").fetchall()[0][0]
    con.close()
    assert out_of_start == journeys  # every journey starts once


def test_report_on_the_sample_has_every_section_with_its_numbers(sample_run, tmp_path):
    from journeyflow.report import write_report

    out = tmp_path / "report.html"
    write_report(sample_run.warehouse, out)
    page = out.read_text(encoding="utf-8")
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    events = con.execute("SELECT count(*) FROM staging.events").fetchall()[0][0]
    journeys = con.execute("SELECT count(*) FROM core.journeys").fetchall()[0][0]
    top_pain = con.execute("SELECT touchpoint FROM marts.touchpoint_kpis WHERE pain_rank = 1").fetchall()
    checks = con.execute("SELECT count(DISTINCT check_name) FROM quality.check_results").fetchall()[0][0]
    con.close()
    for title in ("Summary", "Journey map", "Journeys step by step", "Phase funnel", "Transition graph",
                  "Top paths", "Attribution", "Touchpoint KPIs", "Segment comparison", "Data quality",
                  "unmapped events", "quality checks of the last run"):
        assert title in page, title
    assert f"{events:,}" in page and f"{journeys:,}" in page
    assert top_pain and top_pain[0][0] in page
    # every check passed on the sample: the report counts them and lists only failures
    assert checks >= 9
    assert f"quality checks of the last run (Great Expectations): {checks} of {checks} passed" in page
    assert "<script src=" not in page  # self-contained: scripts are inlined


def test_example_notebook_runs_on_the_sample(sample_run):
    notebook = json.loads((SAMPLE.parents[1] / "docs" / "example.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    namespace: dict = {}
    exec(code.replace("../warehouse/journeyflow.duckdb", str(sample_run.warehouse)), namespace)
    assert namespace["pain"].height > 0 and namespace["worst"] in namespace["jf"].graph


def test_sample_custom_sources_reach_touchpoints(sample_run):
    """The sample's shop orders and call-centre log are classified by their mappings' rules and
    stitched to people the built-in sources know (emails and shop logins of the CRM persons)."""
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    unmapped = con.execute("SELECT count(*) FROM marts.unmapped_events "
                           "WHERE source IN ('shop_orders', 'call_centre')").fetchall()[0][0]
    touchpoints = {t for (t,) in con.execute(
        "SELECT DISTINCT touchpoint FROM core.touchpoints WHERE source IN ('shop_orders', 'call_centre')"
    ).fetchall()}
    stitched = con.execute("""
        SELECT count(DISTINCT person_id) FROM core.touchpoints
        WHERE source IN ('shop_orders', 'call_centre') AND person_id IN (
            SELECT person_id FROM core.touchpoints WHERE source IN ('ga4', 'hubspot'))
    """).fetchall()[0][0]
    con.close()
    assert unmapped == 0
    assert {"store_purchase", "support_call"} <= touchpoints
    assert stitched >= 10


def test_sample_never_pairs_one_persons_email_with_anothers_login(sample_run):
    """The generator gives each person one email and one shop login in every source; a record that
    pairs them across persons (an off-by-one in one source's writer) would merge two people. Only
    the deliberately shared identifiers (quality.identity_conflicts) may be seen with several."""
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    mixed = con.execute("""
        SELECT email, list(DISTINCT usr) FROM staging.identity_keys
        WHERE email IS NOT NULL AND usr IS NOT NULL
            AND email NOT IN (SELECT identifier FROM quality.identity_conflicts)
        GROUP BY email HAVING count(DISTINCT usr) > 1
    """).fetchall()
    con.close()
    assert mixed == []


def test_two_full_runs_give_byte_identical_marts_and_bi_views(sample_run, tmp_path):
    # DuckDB adds a DOUBLE sum's rows in the order its threads deliver them: fractions are summed as
    # decimals and a journey's conversion value in ascending order (docs/metrics.md), so a rerun on
    # the same input agrees to the last bit, compared here as the exact repr of every value
    again = settings_for(SAMPLE, tmp_path)
    run_pipeline(again)
    con = duckdb.connect()
    con.execute(f"ATTACH {str(sample_run.warehouse)!r} AS first (READ_ONLY)")
    con.execute(f"ATTACH {str(again.warehouse)!r} AS second (READ_ONLY)")
    published = con.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                            "WHERE table_catalog = 'first' AND table_schema IN ('marts', 'bi') "
                            "ORDER BY 1").fetchall()
    assert len(published) >= 25
    differ = []
    for (relation,) in published:
        schema, name = relation.split(".")
        columns = {c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_catalog = 'first' AND table_schema = ? AND table_name = ?", [schema, name]
        ).fetchall()}
        # the id of the run that loaded a rejected row is the one value that must differ
        select = "* EXCLUDE (load_id)" if "load_id" in columns else "*"
        first, second = (
            [repr(row) for row in con.execute(f"SELECT {select} FROM {run}.{relation} ORDER BY ALL")
             .fetchall()]
            for run in ("first", "second")
        )
        if first != second:
            differ.append(f"{relation}: {len(set(first) ^ set(second))} rows differ")
    con.close()
    assert not differ, differ
