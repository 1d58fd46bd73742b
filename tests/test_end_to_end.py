"""End to end on the shipped sample: every table has rows, every input row is accounted for, reruns
are idempotent, and the graph export opens with NetworkX."""

import csv
import gzip
import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import networkx as nx
import pyarrow.parquet as pq

from conftest import SAMPLE, rows, settings_for
from journeyflow.connection import connect
from journeyflow.pipeline import run_pipeline
from journeyflow.sources import SOURCES
from journeyflow.sources.readers import find_files
from journeyflow.sql_templates import expand_fragments

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


def _emailed(value: str | None) -> str:
    """An email as the exports write it, compared the way staging hashes it (trimmed, lower-case)."""
    return (value or "").strip().lower()


def _ga4_utc(micros: str) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))


def _persons_in_every_new_kind_of_record(folder: Path) -> dict[str, dict[str, list]]:
    """Read without journeyflow: each email that has a Shopify order, a Mailchimp click, a social
    lead form (Meta or LinkedIn) and a HubSpot contact whose web user id is in GA4; per email its
    records as (time, kind, key, email as written), key the one staging.events keeps as
    source_record_id (GA4: its tracker_session_id, every session of the login's browsers)."""
    def read_csv(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    found: dict[str, dict[str, list]] = {}

    def add(kind: str, email: str, at: datetime, key: str) -> None:
        found.setdefault(_emailed(email), {}).setdefault(kind, []).append((at, kind, key, email))

    for row in read_csv(folder / "shopify" / "orders_export_1.csv"):
        if row["Email"] and row["Financial Status"]:  # an order's first line carries its own fields
            add("shop order", row["Email"], datetime.strptime(row["Created at"], "%Y-%m-%d %H:%M:%S %z"),
                row["Name"])
    for path in sorted((folder / "mailchimp").glob("email-activity*.json")):
        for member in json.loads(path.read_text(encoding="utf-8"))["emails"]:
            for action in member.get("activity", []):
                if action["action"] == "click" and member.get("email_address"):
                    add("newsletter click", member["email_address"],
                        datetime.fromisoformat(action["timestamp"]), member["campaign_id"])
    for path in sorted((folder / "meta_leads").glob("*.csv")):
        for row in read_csv(path):
            if row["email"]:
                add("lead form", row["email"], datetime.fromisoformat(row["created_time"]), row["id"])
    for path in sorted((folder / "linkedin_leads").glob("*.csv")):
        for row in read_csv(path):
            if row["Email Address"]:
                add("lead form", row["Email Address"],
                    datetime.fromisoformat(row["Lead Submitted At"].replace("Z", "+00:00")), row["Lead ID"])
    ga4 = []
    for path in sorted((folder / "ga4").glob("events_*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                ga4.append(json.loads(line))
            except ValueError:
                continue  # the generator's deliberately broken line
    for row in read_csv(folder / "hubspot" / "contacts.csv"):
        login = row.get("Web User ID")
        if not (row.get("Email") and login):
            continue
        # HubSpot's Create Date has no zone: the sample's HubSpot times are UTC (source_time_zones)
        add("crm contact", row["Email"], datetime.strptime(row["Create Date"], "%Y-%m-%d %H:%M")
            .replace(tzinfo=UTC), row["Record ID"])
        browsers = {e["user_pseudo_id"] for e in ga4 if e.get("user_id") == login}
        for event in ga4:
            if event["user_pseudo_id"] in browsers and event["event_name"] == "session_start":
                session = next(p["value"]["int_value"] for p in event["event_params"]
                               if p["key"] == "ga_session_id")
                add("web session", row["Email"], _ga4_utc(event["event_timestamp"]),
                    f"ga4:{event['user_pseudo_id']}:{session}")
    kinds = {"shop order", "newsletter click", "lead form", "crm contact", "web session"}
    return {email: records for email, records in found.items() if set(records) == kinds}


def test_one_person_is_stitched_across_shop_newsletter_lead_form_web_and_crm(sample_run):
    """Issue #26: a person of the shipped sample, found by their records in the input files, is one
    person_id in core.touchpoints carrying the Shopify order, the Mailchimp click, the social lead
    form, the GA4 web sessions and the HubSpot contact, in one journey, in time order."""
    persons = _persons_in_every_new_kind_of_record(SAMPLE)
    # read off the sample's files by hand: one such person, a LinkedIn webinar sign-up, the HubSpot
    # contact the next night, web sessions on one browser (signed in from 24 July), a store order
    # at the till (partly refunded) and a newsletter click weeks later
    assert sorted(persons) == ["cweber99@example.com"]
    records = sorted(r for kind in persons["cweber99@example.com"].values() for r in kind)
    browser = "ga4:209182238.1783762051"
    assert [(at.isoformat(), kind, key) for at, kind, key, _ in records] == [
        ("2026-07-11T09:27:31.773716+00:00", "web session", f"{browser}:1783762051"),
        ("2026-07-13T22:50:11.895854+00:00", "web session", f"{browser}:1783983011"),
        ("2026-07-21T05:22:24.509811+00:00", "web session", f"{browser}:1784611344"),
        ("2026-07-22T13:02:22+00:00", "lead form", "li-8000098"),
        ("2026-07-22T16:46:29.300107+00:00", "web session", f"{browser}:1784738789"),
        ("2026-07-23T04:09:04.132654+00:00", "web session", f"{browser}:1784779744"),
        ("2026-07-23T04:15:00+00:00", "crm contact", "5179"),
        ("2026-07-24T06:20:26.798031+00:00", "web session", f"{browser}:1784874026"),
        ("2026-07-24T15:44:39.093180+00:00", "web session", f"{browser}:1784907879"),
        ("2026-08-01T03:09:55.956051+00:00", "web session", f"{browser}:1785553795"),
        ("2026-08-06T14:43:32.023844+00:00", "web session", f"{browser}:1786027412"),
        ("2026-08-19T15:31:52+00:00", "shop order", "#1014"),
        ("2026-09-14T08:43:47+00:00", "newsletter click", "nw0000000e"),
    ]

    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    # every email as each export writes it, hashed by staging's own fragment: one person
    hashed = expand_fragments("SELECT 'email:' || {{ hash_email($email) }}")
    identifiers = {con.execute(hashed, {"email": email, "salt": sample_run.salt,
                                        "strip_plus_addressing": sample_run.strip_plus_addressing}
                               ).fetchone()[0] for _, _, _, email in records}
    identifiers |= {"user:u_000099", "hubspot:5179"}
    person = con.execute("SELECT list(DISTINCT person_id) FROM core.identity_map WHERE identifier IN "
                         "(SELECT unnest($ids))", {"ids": sorted(identifiers)}).fetchone()[0]
    assert len(person) == 1, person
    touchpoints = con.execute("""
        SELECT t.touchpoint_number, t.occurred_at, t.source, t.event_name, t.journey_id,
               coalesce(t.tracker_session_id, e.source_record_id)
        FROM core.touchpoints AS t JOIN staging.events AS e USING (event_id)
        WHERE t.person_id = $person ORDER BY t.touchpoint_number
    """, {"person": person[0]}).fetchall()
    con.close()
    # in time order: the numbering follows the clock, and one journey holds them all
    assert [t[1] for t in touchpoints] == sorted(t[1] for t in touchpoints)
    assert len({t[4] for t in touchpoints}) == 1
    kind_of = {("shopify", "order_placed"): "shop order", ("mailchimp", "email_clicked"): "newsletter click",
               ("meta_leads", "lead_form_submitted"): "lead form",
               ("linkedin_leads", "lead_form_submitted"): "lead form",
               ("hubspot", "contact_created"): "crm contact"}
    seen: list[tuple[str, str]] = []
    for _, _, source, event, _, key in touchpoints:
        kind = "web session" if source == "ga4" else kind_of.get((source, event))
        if kind and (kind, key) not in seen:  # a web session: its first touchpoint
            seen.append((kind, key))
    assert seen == [(kind, key) for _, kind, key, _ in records]
    exact = {(kind, key): at for _, at, source, event, _, key in touchpoints
             if (kind := kind_of.get((source, event)))}
    assert {(kind, key): at for at, kind, key, _ in records if kind != "web session"} == exact
