"""Bad input: every bad row lands in quality.rejected_rows with file, row and reason; the rest loads."""

from datetime import timedelta

from builders import (
    CONTACT_HEADER,
    DEAL_HEADER,
    NPS_HEADER,
    T0,
    ga4_event,
    hubspot_contact,
    hubspot_deal,
    write_csv,
    write_ga4,
    write_zendesk,
    zendesk_ticket,
    zendesk_user,
)
from conftest import rows
from journeyflow.cli import app


def good_web_day(folder):
    write_ga4(folder, [
        ga4_event(T0, "page_view", "c1", path="/blog/a"),
        ga4_event(T0 + timedelta(minutes=1), "page_view", "c1", path="/pricing"),
    ])


def test_truncated_json_and_csv_without_column_do_not_stop_other_sources(build, tmp_path):
    folder = tmp_path / "input"
    good_web_day(folder)
    (folder / "zendesk").mkdir(parents=True)
    (folder / "zendesk" / "tickets.json").write_text('{"tickets": [{"id": 1, "created_at": "2026-', "utf-8")
    # NPS export without its score column
    write_csv(folder / "surveys" / "nps.csv", ["response_id", "email", "comment", "answered_at"],
              [["r1", "a@example.com", "", "2026-06-02T10:00:00Z"],
               ["r2", "b@example.com", "", "2026-06-02T11:00:00Z"]])
    con = build()
    assert rows(con, "SELECT count(*) FROM core.touchpoints WHERE source = 'ga4'") == [(2,)]
    rejected = rows(con, """
        SELECT raw_table, regexp_extract(source_file, '[^/]+$'), row_number, reason
        FROM quality.rejected_rows ORDER BY raw_table, row_number NULLS FIRST
    """)
    assert rejected == [
        ("raw.survey_nps", "nps.csv", 1, "missing score"),
        ("raw.survey_nps", "nps.csv", 2, "missing score"),
        ("raw.zendesk_tickets", "tickets.json", None,
         "file is not valid JSON (truncated or corrupt); no record could be read"),
    ]


def test_row_level_rejects_keep_good_rows_of_the_same_file(build, tmp_path):
    folder = tmp_path / "input"
    lines = [
        ga4_event(T0, "page_view", "c1", path="/blog/a"),
        ga4_event(T0, "page_view", "c2", path="/blog/a") | {"event_timestamp": "soon"},
        ga4_event(T0, "page_view", "c3", path="/blog/a") | {"event_timestamp": "915148800000000"},
        ga4_event(T0, "page_view", "c4", path="/blog/a") | {"user_pseudo_id": None},
        ga4_event(T0 + timedelta(minutes=2), "page_view", "c1", path="/pricing"),
    ]
    path = write_ga4(folder, lines)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"event_name": "page_view", "event_timestamp": \n')  # broken line 6
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("1", "a@example.com", "2026-06-01 10:00"),
        hubspot_contact("2", "b@example.com", "31.02.2026 10:00"),
        hubspot_contact("3", "c@example.com", "2026-06-01 10:00") + ["surplus"],
        hubspot_contact("4", "d@example.com", "2026-06-01 11:00"),
    ])
    write_csv(folder / "hubspot" / "deals.csv", DEAL_HEADER,
              [hubspot_deal("9", "1", "2026-06-02 10:00", amount="n/a")])
    write_csv(folder / "surveys" / "nps.csv", NPS_HEADER, [
        ["r1", "a@example.com", "11", "", "2026-06-02T10:00:00Z"],
        ["r2", "a@example.com", "8", "fine, thanks", "2026-06-02T10:00:00Z"],
        ["r2", "a@example.com", "8", "fine, thanks", "2026-06-02T10:00:00Z"],
    ])
    write_zendesk(folder, [zendesk_ticket(5, 900, None)], [zendesk_user(900, "a@example.com")])
    con = build()
    rejected = rows(con, """
        SELECT regexp_extract(source_file, '[^/]+$'), row_number, reason
        FROM quality.rejected_rows ORDER BY 1, 2
    """)
    assert rejected == [
        ("contacts.csv", 2, "Create Date is not a date: 31.02.2026 10:00"),
        ("contacts.csv", 3, "CSV line 4: Expected Number of Columns: 14 Found: 15"),
        ("deals.csv", 1, "Amount is not a number: n/a"),
        ("events_20260601.ndjson", 2, "event_timestamp is not an integer: soon"),
        ("events_20260601.ndjson", 3,
         "event_timestamp out of range: 1999-01-01 00:00:00+00"),
        ("events_20260601.ndjson", 4, "missing user_pseudo_id"),
        ("events_20260601.ndjson", 6, "line is not valid JSON"),
        ("nps.csv", 1, "score must be an integer from 0 to 10, got 11"),
        ("tickets.json", 1, "missing created_at"),
    ]
    # the good rows of the same files are all there
    assert rows(con, "SELECT source_row FROM staging.events WHERE source_table = 'raw.ga4_events' "
                     "ORDER BY 1") == [(1,), (5,)]
    assert rows(con, "SELECT DISTINCT source_row FROM staging.events "
                     "WHERE source_table = 'raw.hubspot_contacts' ORDER BY 1") == [(1,), (4,)]
    summary = rows(con, """
        SELECT regexp_extract(source_file, '[^/]+$'), rows_read, rows_loaded, rows_rejected,
               rows_duplicate
        FROM quality.load_summary ORDER BY 1
    """)
    assert summary == [
        ("contacts.csv", 4, 2, 2, 0),
        ("deals.csv", 1, 0, 1, 0),
        ("events_20260601.ndjson", 6, 2, 4, 0),
        ("nps.csv", 3, 1, 1, 1),
        ("tickets.json", 1, 0, 1, 0),
        ("users.json", 1, 1, 0, 0),
    ]
    # emails in rejected raw text are masked: the quality schema is outside raw
    texts = rows(con, "SELECT raw_text FROM quality.rejected_rows WHERE raw_text LIKE '%@%'")
    assert texts == []


def test_summary_reports_rejects(tmp_path):
    from typer.testing import CliRunner

    folder = tmp_path / "input"
    good_web_day(folder)
    (folder / "zendesk").mkdir(parents=True)
    (folder / "zendesk" / "tickets.json").write_text('{"tickets": [', "utf-8")
    result = CliRunner().invoke(
        app, ["run", "--input", str(folder), "--warehouse", str(tmp_path / "w" / "jf.duckdb")],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "rows rejected    │ 1" in result.output
    assert "tickets.json" in result.output
    assert "not valid JSON" in result.output


def test_no_contact_details_outside_raw(build, tmp_path):
    # a contact row that breaks the CSV (extra field) keeps its raw line only in raw.ingest_errors
    folder = tmp_path / "input"
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("1", "a@example.com", "2026-06-01 10:00"),
        hubspot_contact("2", "b@example.com", "2026-06-01 10:00") + ["surplus"],
    ])
    con = build()
    texts = rows(con, "SELECT raw_text FROM quality.rejected_rows")
    assert len(texts) == 1
    assert "@" not in texts[0][0] and "+49 30 1234567" not in texts[0][0]
    tables = rows(con, """
        SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_schema <> 'raw' AND table_type = 'BASE TABLE'
    """)
    for schema, table in tables:
        hits = rows(con, f"""
            SELECT count(*) FROM "{schema}"."{table}" AS t
            WHERE regexp_matches(CAST(t AS VARCHAR), '@example\\.com|\\+49 30 1234567')
        """)[0][0]
        assert hits == 0, f"{schema}.{table} holds a plain email or phone number"


def test_latest_crm_snapshot_decides_the_record(build, tmp_path):
    # deal 9001 was lost in the 06-10 export and won in the 06-20 export (the lost date is gone)
    folder = tmp_path / "input"
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER,
              [hubspot_contact("1", "a@example.com", "2026-06-01 10:00")])
    write_csv(folder / "hubspot" / "deals_2026-06-10.csv", DEAL_HEADER, [hubspot_deal(
        "9001", "1", "2026-06-02 10:00", stages={"Closed Lost": "2026-06-10 10:00"})])
    write_csv(folder / "hubspot" / "deals_2026-06-20.csv", DEAL_HEADER, [hubspot_deal(
        "9001", "1", "2026-06-02 10:00", stages={"Closed Won": "2026-06-20 10:00"})])
    con = build()
    deal_events = rows(con, "SELECT event_name FROM staging.events "
                            "WHERE source_table = 'raw.hubspot_deals' ORDER BY occurred_at")
    assert deal_events == [("deal_created",), ("deal_closed_won",)]
    assert rows(con, "SELECT count(*), bool_or(churned), bool_or(converted) FROM core.journeys") == [
        (1, False, True)
    ]
