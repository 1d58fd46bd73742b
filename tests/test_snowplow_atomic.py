"""Snowplow's atomic.events table dumped from a warehouse (CSV, TSV with a header, Parquet): the
same events, cookies, page paths, UTM fields and tracker sessions as the enriched TSV reader's,
worked out by hand; its bad input in quarantine; redelivered and doubly exported events once."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from builders import T0, snowplow_fields, snowplow_tsv_line, snowplow_unstruct, write_lines
from conftest import open_build, rows, run_layers, settings_for
from journeyflow.pipeline import run_pipeline
from journeyflow.sources import SNOWPLOW_ENRICHED_COLUMNS
from test_incremental import assert_equals_full_rebuild

COOKIE = "d1f0c0de-0000-4000-8000-000000000001"
PHONE = "d2f0c0de-0000-4000-8000-000000000002"  # the same person's phone: stitched by user_id u_1
SESSION = "5e5510f1-0000-4000-8000-000000000001"
FORM = snowplow_unstruct("iglu:com.snowplowanalytics.snowplow/submit_form/jsonschema/1-0-0",
                         {"formId": "contact", "formClasses": ["hc-form"], "elements": []})


def load(base: Path) -> duckdb.DuckDBPyConnection:
    """Only the landing, staging and quality steps on `base/input` (for a test about what is staged
    or quarantined: the core and mart steps add nothing it reads), and open the working file."""
    return run_layers(base / "input", base)


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def events() -> list[dict[str, str]]:
    """Six enriched events of one person: a campaign landing from Google, its page ping, a video
    play, an order, a form submit, and a page view on the phone after logging in."""
    landing = dict(page_url="https://help.example.com/pricing?utm_source=newsletter",
                   mkt_source="newsletter", mkt_medium="email", mkt_campaign="june",
                   refr_urlhost="www.google.com", refr_medium="search", refr_source="Google",
                   page_referrer="https://www.google.com/")
    return [
        snowplow_fields(at(0), "a1", path="/pricing", **landing),
        snowplow_fields(at(0.5), "a2", "page_ping", path="/pricing"),
        snowplow_fields(at(1), "a3", "struct", user_id="u_1", path="/pricing",
                        se_category="video", se_action="play", se_value="3"),
        snowplow_fields(at(2), "a4", "transaction", user_id="u_1", path="/pricing",
                        tr_orderid="o-1", tr_total="49.90", tr_currency="EUR"),
        snowplow_fields(at(3), "a5", "unstruct", user_id="u_1", path="/pricing", unstruct_event=FORM,
                        event_name="submit_form"),
        snowplow_fields(at(4), "a6", domain_userid=PHONE, user_id="u_1", path="/pricing",
                        domain_sessionid="5e5510f1-0000-4000-8000-000000000002"),
    ]


def dump_columns(fields: list[dict[str, str]]) -> list[str]:
    """The columns a `select *` dump of atomic.events writes (those the events use, in table
    order, and the loader's load_tstamp)."""
    used = {key for f in fields for key in f}
    return [c for c in SNOWPLOW_ENRICHED_COLUMNS if c in used] + ["load_tstamp"]


def write_dump_csv(path: Path, fields: list[dict[str, str]], delimiter: str = ",",
                   upper: bool = False) -> None:
    """A warehouse's CSV unload: header line, empty = null, `YYYY-MM-DD HH:MM:SS.fff` (UTC)."""
    columns = dump_columns(fields)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, delimiter=delimiter)
        out.writerow([c.upper() for c in columns] if upper else columns)
        for f in fields:
            out.writerow([f.get(c, f["collector_tstamp"] if c == "load_tstamp" else "") for c in columns])


def write_dump_parquet(path: Path, fields: list[dict[str, str]]) -> None:
    """The same rows as a typed Parquet unload: timestamps as UTC timestamps, numbers as numbers."""
    columns = dump_columns(fields)
    types = {"domain_sessionidx": pa.int16(), "tr_total": pa.float64(), "se_value": pa.float64()}
    table = {}
    for c in columns:
        values = [f.get(c, f["collector_tstamp"] if c == "load_tstamp" else "") or None for f in fields]
        if c.endswith("_tstamp"):
            table[c] = pa.array(values, pa.string()).cast(pa.timestamp("ms")).cast(pa.timestamp("ms", "UTC"))
        elif c in types:
            table[c] = pa.array([None if v is None else float(v) for v in values]).cast(types[c])
        else:
            table[c] = pa.array(values, pa.string())
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(table), path)


def staged_events(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """staging.events without lineage (file, row, load id)."""
    return rows(con, """
        SELECT * EXCLUDE (source_file, source_row, _load_id) FROM staging.events
        WHERE source = 'snowplow' ORDER BY event_id""")


def test_a_dump_stages_the_same_events_as_the_enriched_tsv(tmp_path):
    fields = events()
    write_lines(tmp_path / "tsv" / "input" / "snowplow" / "enriched.tsv",
                [snowplow_tsv_line(f) for f in fields])
    write_dump_csv(tmp_path / "csv" / "input" / "snowplow_atomic" / "events_000.csv", fields)
    write_dump_csv(tmp_path / "tab" / "input" / "snowplow_atomic" / "events_000.tsv", fields,
                   delimiter="\t", upper=True)  # Snowflake's upper-case names, tab-separated
    write_dump_parquet(tmp_path / "pq" / "input" / "snowplow_atomic" / "events_000.parquet", fields)
    built = {}
    for name in ("tsv", "csv", "tab", "pq"):
        # the CSV dump through the whole pipeline (its persons below); the others are compared
        # on what they stage
        con = open_build(tmp_path / name) if name == "csv" else load(tmp_path / name)
        try:
            built[name] = staged_events(con)
            if name == "csv":
                csv_con_rows = rows(con, """
                    SELECT event_name, page_path, utm_source, utm_medium, utm_campaign, origin,
                        referrer_medium, referrer_source, anonymous_id, user_id, tracker_session_id,
                        value, currency
                    FROM staging.events ORDER BY occurred_at""")
                persons = rows(con, "SELECT count(DISTINCT person_id) FROM core.touchpoints")
                unread = rows(con, "SELECT count(*) FROM quality.unread_inputs")
        finally:
            con.close()
    assert built["csv"] == built["tsv"]
    assert built["tab"] == built["tsv"]
    assert built["pq"] == built["tsv"]
    s1, s2 = f"sp:{SESSION}", "sp:5e5510f1-0000-4000-8000-000000000002"
    assert csv_con_rows == [
        # a1: the campaign landing: path without the query, UTM from mkt_*, the referrer's host
        # without www., the referer parser's medium and source lower-cased
        ("page_view", "/pricing", "newsletter", "email", "june", "google.com", "search", "google",
         f"sp:{COOKIE}", None, s1, None, None),
        # a2, the page ping, makes no event; a3: a structured event is named by its action, its
        # origin is its category, its value se_value
        ("play", "/pricing", None, None, None, "video", None, None, f"sp:{COOKIE}", "u_1", s1, 3.0, None),
        # a4: the order's total and currency
        ("transaction", "/pricing", None, None, None, None, None, None, f"sp:{COOKIE}", "u_1", s1,
         49.9, "EUR"),
        # a5: an unstruct event is named by its schema's name
        ("submit_form", "/pricing", None, None, None, None, None, None, f"sp:{COOKIE}", "u_1", s1, None,
         None),
        # a6: the phone's cookie and session, no referrer
        ("page_view", "/pricing", None, None, None, None, None, None, f"sp:{PHONE}", "u_1", s2, None,
         None),
    ]
    # both cookies and the login are one person (sp:COOKIE - u_1 - sp:PHONE)
    assert persons == [(1,)]
    assert unread == [(0,)]


def test_redelivered_and_doubly_exported_events_count_once(build, tmp_path):
    fields = events()
    folder = tmp_path / "input"
    # a1 and a3 came through the enriched stream too; a1 is redelivered in a second dump
    write_lines(folder / "snowplow" / "enriched.tsv", [snowplow_tsv_line(f) for f in fields[:3:2]])
    write_dump_csv(folder / "snowplow_atomic" / "events_000.csv", fields)
    write_dump_csv(folder / "snowplow_atomic" / "events_001.csv", fields[:1])
    con = build()
    # events: a1, a3, a4, a5, a6 once each (a2 is a page ping): 5
    assert rows(con, "SELECT event_id IS NOT NULL, count(*) FROM staging.events GROUP BY 1") == [(True, 5)]
    # the second dump's a1 is the dump's duplicate (same event_id), the first one's is not
    assert rows(con, """
        SELECT _source_file, _row_number, _is_duplicate FROM staging.snowplow_atomic_events
        WHERE event_id = 'a1' ORDER BY _source_file""") == [
        ("snowplow_atomic/events_000.csv", 1, False), ("snowplow_atomic/events_001.csv", 1, True)]
    assert rows(con, """
        SELECT rows_read, rows_loaded, rows_duplicate FROM quality.load_summary
        WHERE raw_table = 'raw.snowplow_atomic_events' ORDER BY source_file""") == [(6, 6, 0), (1, 0, 1)]
    # a1 and a3 in both readers are one event each: staging.events keeps one version of each
    assert rows(con, """
        SELECT count(*), count(DISTINCT event_id) FROM staging.events
        WHERE source_record_id IN ('a1', 'a3')""") == [(2, 2)]


def test_bad_dumps_and_rows_land_in_quarantine_with_a_reason(tmp_path):
    folder = tmp_path / "input" / "snowplow_atomic"
    good, no_id, bad_time = events()[0], events()[0], events()[0]
    no_id = {**good, "event_id": ""}
    bad_time = {**good, "event_id": "b3", "collector_tstamp": "yesterday"}
    write_dump_csv(folder / "rows.csv", [good, no_id, bad_time])
    # a renamed column, a dump without the cookie column, a dump without its header line
    (folder / "renamed.csv").write_text("event_id,eventid,collector_tstamp,event,domain_userid\n"
                                        "c1,c1,2026-06-01 09:00:00.000,page_view,x\n", encoding="utf-8")
    (folder / "no_cookie.csv").write_text("event_id,collector_tstamp,event,user_id\n"
                                          "c2,2026-06-01 09:00:00.000,page_view,u_9\n", encoding="utf-8")
    (folder / "headerless.csv").write_text("c3,2026-06-01 09:00:00.000,page_view,x\n", encoding="utf-8")
    con = load(tmp_path)
    assert rows(con, """
        SELECT source_file, row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.snowplow_atomic_events' ORDER BY source_file, row_number""") == [
        ("snowplow_atomic/headerless.csv", None,
         "unknown column c3, 2026_06_01_09_00_00_000, page_view, x: not a column of Snowplow "
         "atomic.events table dump (CSV, TSV with a header, or Parquet) (a dump needs its header line "
         "with the table's own column names)"),
        ("snowplow_atomic/no_cookie.csv", None,
         "required column domain_userid missing (a Snowplow atomic.events table dump (CSV, TSV with "
         "a header, or Parquet) needs it)"),
        ("snowplow_atomic/renamed.csv", None,
         "unknown column eventid: not a column of Snowplow atomic.events table dump (CSV, TSV with a "
         "header, or Parquet) (a dump needs its header line with the table's own column names)"),
        ("snowplow_atomic/rows.csv", 2, "missing event_id"),
        ("snowplow_atomic/rows.csv", 3, BAD_TIME),
    ]
    assert rows(con, "SELECT count(*) FROM staging.events") == [(1,)]


BAD_TIME = "collector_tstamp is not a timestamp: yesterday"


def test_incremental_runs_with_atomic_dumps_equal_a_full_rebuild(tmp_path):
    """A second night's dump redelivers a1 and adds a7; an enriched file holds a3 as well."""
    fields = events()
    folder = tmp_path / "input"
    write_dump_csv(folder / "snowplow_atomic" / "events_000.csv", fields[:4])
    write_lines(folder / "snowplow" / "enriched.tsv", [snowplow_tsv_line(fields[2])])
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    write_dump_parquet(folder / "snowplow_atomic" / "events_001.parquet",
                       [fields[0], *fields[4:], snowplow_fields(at(9), "a7", path="/docs")])
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)
