"""HubSpot synced by Fivetran's HubSpot connector (issue #26): the connector's tables dumped as
Parquet or CSV (fivetran_hubspot/contact.parquet, deal.csv, deal_stage.csv, ...) make the same
events as the CRM export readers, worked out by hand; soft-deleted rows make none; bad rows are in
quarantine with their reason."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from builders import (
    CONTACT_HEADER,
    DEAL_HEADER,
    hubspot_deal,
    hubspot_engagement,
    write_csv,
    write_csv_tables,
    write_duckdb_tables,
    write_hubspot_engagements,
    write_parquet_tables,
    write_sqlite_tables,
)
from conftest import copy_build, open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from journeyflow.sources.landing import _sqlite_table
from test_incremental import assert_equals_full_rebuild

CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
BERLIN = {"hubspot": "Europe/Berlin"}  # the export's zone-less times are Berlin time (UTC+2 in June)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


# ---- the same records as the CRM export writes them (times in Berlin) ----------------------------
def write_export(root: Path) -> None:
    write_csv(root / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        ["5101", "Anna", "Schmidt", "anna@example.com", "", "2026-06-01 11:00", "customer",
         "Organic Search", "2026-06-01 11:00", "", "", "2026-06-10 12:00", "", "u_000001"],
        ["5102", "Ben", "Meyer", "ben@example.com", "", "2026-06-02 10:30", "lead",
         "Paid Social", "2026-06-02 10:30", "", "", "", "", ""],
    ])
    write_csv(root / "hubspot" / "deals.csv", DEAL_HEADER, [
        hubspot_deal("9001", "5101", "2026-06-03 10:00", "1200.50", {
            "Appointment Scheduled": "2026-06-03 10:00", "Closed Won": "2026-06-08 17:00"}),
    ])
    write_hubspot_engagements(root, "calls", [
        hubspot_engagement("701", "2026-06-02T10:00:00.000Z", ["5101"], hs_call_direction="OUTBOUND",
                           hs_call_disposition=CONNECTED, hs_call_status="COMPLETED",
                           hs_call_duration="300000")])
    write_hubspot_engagements(root, "meetings", [
        hubspot_engagement("801", "2026-06-05T09:00:00.000Z", ["5101", "5102"],
                           hs_meeting_start_time="2026-06-05T10:00:00.000Z",
                           hs_meeting_outcome="COMPLETED")])
    write_hubspot_engagements(root, "emails", [
        hubspot_engagement("901", "2026-06-04T09:00:00.000Z", ["5102"], hs_email_direction="EMAIL",
                           hs_email_status="SENT")])


# ---- the same records as Fivetran's tables hold them (UTC) ---------------------------------------
def tables() -> dict[str, list[dict]]:
    """Fivetran's HubSpot tables (column names of fivetran/dbt_hubspot's src_hubspot.yml)."""
    return {
        "contact": [
            {"id": 5101, "property_email": " Anna@Example.com", "property_createdate": utc(1, 9),
             "property_lifecyclestage": "customer", "property_hs_analytics_source": "ORGANIC_SEARCH",
             "property_hs_lifecyclestage_lead_date": utc(1, 9),
             "property_hs_lifecyclestage_customer_date": utc(10, 10),
             "property_web_user_id": "u_000001", "_fivetran_deleted": False},
            {"id": 5102, "property_email": "ben@example.com", "property_createdate": utc(2, 8, 30),
             "property_lifecyclestage": "lead", "property_hs_analytics_source": "PAID_SOCIAL",
             "property_hs_lifecyclestage_lead_date": utc(2, 8, 30),
             "property_hs_lifecyclestage_customer_date": None,
             "property_web_user_id": None, "_fivetran_deleted": False},
        ],
        "deal": [
            {"deal_id": 9001, "property_createdate": utc(3, 8), "property_amount": 1200.5,
             "deal_pipeline_id": "default", "deal_pipeline_stage_id": "closedwon",
             "is_deleted": False, "_fivetran_deleted": False},
        ],
        "deal_stage": [
            {"deal_id": 9001, "value": "appointmentscheduled", "date_entered": utc(3, 8),
             "_fivetran_start": utc(3, 8), "_fivetran_active": False},
            {"deal_id": 9001, "value": "closedwon", "date_entered": utc(8, 15),
             "_fivetran_start": utc(8, 15), "_fivetran_active": True},
        ],
        "deal_contact": [{"deal_id": 9001, "contact_id": 5101, "category": "HUBSPOT_DEFINED"}],
        "engagement_call": [
            {"engagement_id": 701, "property_hs_timestamp": utc(2, 10),
             "property_hs_call_direction": "OUTBOUND", "property_hs_call_disposition": CONNECTED,
             "property_hs_call_status": "COMPLETED", "property_hs_call_duration": 300000,
             "_fivetran_deleted": False}],
        "engagement_meeting": [
            {"engagement_id": 801, "property_hs_timestamp": utc(5, 9),
             "property_hs_meeting_start_time": utc(5, 10), "property_hs_meeting_outcome": "COMPLETED",
             "_fivetran_deleted": False}],
        "engagement_email": [
            {"engagement_id": 901, "property_hs_timestamp": utc(4, 9),
             "property_hs_email_direction": "EMAIL", "property_hs_email_status": "SENT",
             "_fivetran_deleted": False}],
        "engagement_contact": [
            {"engagement_id": 701, "contact_id": 5101}, {"engagement_id": 801, "contact_id": 5101},
            {"engagement_id": 801, "contact_id": 5102}, {"engagement_id": 901, "contact_id": 5102}],
    }


def write_parquet_dump(root: Path, dump: dict[str, list[dict]]) -> None:
    write_parquet_tables(root / "fivetran_hubspot", dump)


def csv_value(value: object) -> str:
    """As a warehouse's CSV unload writes it: ISO time with its zone, lower-case booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def write_csv_dump(root: Path, dump: dict[str, list[dict]]) -> None:
    write_csv_tables(root / "fivetran_hubspot", dump, csv_value)


EVENTS = """
    SELECT event_name, source_record_id, crm_contact_id, strftime(occurred_at, '%m-%d %H:%M'), value, currency
    FROM staging.events ORDER BY occurred_at, event_name, crm_contact_id"""
# hand-derived from the records above: every time in UTC (the export's Berlin times 2 h earlier)
EXPECTED = [
    ("became_lead", "5101", "hubspot:5101", "06-01 09:00", None, None),
    ("contact_created", "5101", "hubspot:5101", "06-01 09:00", None, None),
    ("became_lead", "5102", "hubspot:5102", "06-02 08:30", None, None),
    ("contact_created", "5102", "hubspot:5102", "06-02 08:30", None, None),
    ("call_outbound", "701", "hubspot:5101", "06-02 10:00", None, None),
    ("deal_appointment_scheduled", "9001", "hubspot:5101", "06-03 08:00", None, None),
    ("deal_created", "9001", "hubspot:5101", "06-03 08:00", None, None),
    ("sales_email_sent", "901", "hubspot:5102", "06-04 09:00", None, None),
    ("meeting_held", "801", "hubspot:5101", "06-05 10:00", None, None),  # at its start time
    ("meeting_held", "801", "hubspot:5102", "06-05 10:00", None, None),
    ("deal_closed_won", "9001", "hubspot:5101", "06-08 15:00", 1200.5, "EUR"),
    ("became_customer", "5101", "hubspot:5101", "06-10 10:00", None, None),
]
# every column of staging.events but the lineage (which file and row, which load)
SAME = "SELECT * EXCLUDE (source_file, source_row, _load_id) FROM staging.events ORDER BY event_id"


def test_a_parquet_dump_makes_the_export_readers_events(tmp_path: Path) -> None:
    write_export(tmp_path / "export" / "input")
    write_parquet_dump(tmp_path / "fivetran" / "input", tables())
    export = open_build(tmp_path / "export", source_time_zones=BERLIN)
    fivetran = open_build(tmp_path / "fivetran", source_time_zones=BERLIN)
    assert rows(export, EVENTS) == EXPECTED
    assert rows(fivetran, EVENTS) == EXPECTED
    assert rows(fivetran, SAME) == rows(export, SAME)
    assert rows(fivetran, "SELECT DISTINCT source, source_table FROM staging.events ORDER BY 2") == [
        ("hubspot", "raw.hubspot_contacts"), ("hubspot", "raw.hubspot_deals"),
        ("hubspot", "raw.hubspot_engagements")]
    assert rows(fivetran, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
    # the same persons: Anna's contact, web login and email are one person
    person = "SELECT person_id FROM core.identity_map WHERE identifier = '{}'"
    assert rows(fivetran, person.format("hubspot:5101")) == rows(fivetran, person.format("user:u_000001"))
    # no clear-text email leaves raw
    assert rows(fivetran, "SELECT count(*) FROM staging.fivetran_hubspot_contact "
                          "WHERE email_hash IS NULL") == [(0,)]
    export.close()
    fivetran.close()


@pytest.fixture(scope="module")
def csv_dump(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """The CSV dump of tables() built once (the default settings): the CSV test reads it, the
    incremental test's first night is a copy of it."""
    base = tmp_path_factory.mktemp("csv_dump")
    write_csv_dump(base / "input", tables())
    con = open_build(base)
    yield base, con
    con.close()


def test_a_csv_dump_makes_the_same_events(csv_dump) -> None:
    _, con = csv_dump
    assert rows(con, EVENTS) == EXPECTED
    assert rows(con, """SELECT source_file, rows_read, rows_loaded FROM quality.load_summary
                        ORDER BY source_file""") == [
        ("fivetran_hubspot/contact.csv", 2, 2), ("fivetran_hubspot/deal.csv", 1, 1),
        ("fivetran_hubspot/deal_contact.csv", 1, 1), ("fivetran_hubspot/deal_stage.csv", 2, 2),
        ("fivetran_hubspot/engagement_call.csv", 1, 1), ("fivetran_hubspot/engagement_contact.csv", 4, 4),
        ("fivetran_hubspot/engagement_email.csv", 1, 1), ("fivetran_hubspot/engagement_meeting.csv", 1, 1)]


@pytest.mark.parametrize("write_dump", [write_parquet_dump, write_csv_dump], ids=["parquet", "csv"])
def test_soft_deleted_rows_make_no_events(tmp_path: Path, write_dump: Callable) -> None:
    # a CSV header's names are normalised (`_fivetran_deleted` is read as `fivetran_deleted`)
    dump = tables()
    dump["contact"][1]["_fivetran_deleted"] = True  # Ben is gone from HubSpot
    dump["deal"][0]["is_deleted"] = True  # so is the deal
    dump["engagement_email"][0]["_fivetran_deleted"] = True
    # the meeting's association with Ben is deleted: a touchpoint of Anna's only
    dump["engagement_contact"][2]["_fivetran_deleted"] = True
    for link in dump["engagement_contact"]:
        link.setdefault("_fivetran_deleted", False)
    write_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == [
        ("became_lead", "5101", "hubspot:5101", "06-01 09:00", None, None),
        ("contact_created", "5101", "hubspot:5101", "06-01 09:00", None, None),
        ("call_outbound", "701", "hubspot:5101", "06-02 10:00", None, None),
        ("meeting_held", "801", "hubspot:5101", "06-05 10:00", None, None),
        ("became_customer", "5101", "hubspot:5101", "06-10 10:00", None, None),
    ]
    assert rows(con, """SELECT raw_table, reason FROM quality.rejected_rows ORDER BY 1""") == [
        ("raw.fivetran_hubspot_contact", "deleted in HubSpot (_fivetran_deleted or is_deleted)"),
        ("raw.fivetran_hubspot_deal", "deleted in HubSpot (_fivetran_deleted or is_deleted)"),
        ("raw.fivetran_hubspot_engagement_contact", "deleted in HubSpot (_fivetran_deleted)"),
        ("raw.fivetran_hubspot_engagements", "deleted in HubSpot (_fivetran_deleted)"),
    ]
    con.close()


def test_bad_rows_are_rejected_with_their_reason(tmp_path: Path) -> None:
    dump = tables()
    dump["contact"].append({"id": 5103, "property_email": "cleo@example.com",
                            "property_createdate": "yesterday"})
    dump["deal"].append({"deal_id": 9002, "property_createdate": utc(3, 9), "property_amount": 10,
                         "deal_pipeline_id": "default", "deal_pipeline_stage_id": "closedlost"})
    dump["deal_contact"].append({"deal_id": 9003, "contact_id": None})
    dump["deal_stage"].append({"deal_id": 9001, "value": "contractsent", "date_entered": None})
    dump["engagement_call"].append({"engagement_id": 702, "property_hs_timestamp": utc(2, 11),
                                    "property_hs_call_duration": "5 min"})
    dump["engagement_contact"].append({"engagement_id": 702, "contact_id": 5101})
    write_csv_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED  # the good rows as before
    assert rows(con, """SELECT source_file, row_number, reason FROM quality.rejected_rows
                        ORDER BY source_file""") == [
        ("fivetran_hubspot/contact.csv", 3, "property_createdate is not a timestamp: yesterday"),
        ("fivetran_hubspot/deal.csv", 2, "no associated contact (no deal_contact row for the deal)"),
        ("fivetran_hubspot/deal_contact.csv", 2, "missing contact_id"),
        ("fivetran_hubspot/deal_stage.csv", 3, "missing date_entered"),
        ("fivetran_hubspot/engagement_call.csv", 2,
         "property_hs_call_duration is not a number of milliseconds: 5 min"),
    ]
    con.close()


def test_a_pre_v3_connector_times_an_engagement_by_its_parent_row(tmp_path: Path) -> None:
    dump = tables()
    # before HubSpot's v3 API the connector kept the time in the `engagement` table only
    del dump["engagement_call"][0]["property_hs_timestamp"]
    dump["engagement"] = [
        {"id": 701, "type": "CALL", "timestamp": utc(2, 10), "active": True},
        {"id": 801, "type": "MEETING", "timestamp": utc(5, 9), "active": True},
        {"id": 901, "type": "EMAIL", "timestamp": utc(4, 9), "active": True},
        {"id": 950, "type": "NOTE", "timestamp": utc(4, 12), "active": True},  # a note: no event
    ]
    write_parquet_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED
    assert rows(con, "SELECT rows_read, rows_loaded FROM quality.load_summary "
                     "WHERE source_file = 'fivetran_hubspot/engagement.parquet'") == [(4, 4)]
    con.close()


def test_an_object_in_an_export_and_a_dump_is_one_event(tmp_path: Path) -> None:
    write_export(tmp_path / "input")
    write_parquet_dump(tmp_path / "input", tables())
    con = open_build(tmp_path, source_time_zones=BERLIN)
    assert rows(con, EVENTS) == EXPECTED
    # the export's version is kept: `hubspot/…` sorts after `fivetran_hubspot/…`
    assert rows(con, "SELECT DISTINCT split_part(source_file, '/', 1) FROM staging.events") == [("hubspot",)]
    con.close()


def test_a_changed_link_table_alone_updates_the_deal_incrementally(csv_dump, tmp_path: Path) -> None:
    """The next night only deal_stage and deal_contact change (the deal's row is the same): the deal
    is lost, not won, and Ben's; an incremental run gives what a full rebuild gives."""
    folder = tmp_path / "input"
    # the first night: the module's build of exactly this folder (csv_dump), copied
    base = csv_dump[0]
    nightly = copy_build(settings_for(base / "input", base), tmp_path / "nightly", folder)
    dump = tables()
    dump["deal_stage"][1] = {"deal_id": 9001, "value": "closedlost", "date_entered": utc(8, 15)}
    dump["deal_contact"][0]["contact_id"] = 5102
    write_csv_dump(folder, {"deal_stage": dump["deal_stage"], "deal_contact": dump["deal_contact"]})
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    assert rows(con, """SELECT event_name, crm_contact_id FROM staging.events
                        WHERE source_record_id = '9001' ORDER BY occurred_at, event_name""") == [
        ("deal_appointment_scheduled", "hubspot:5102"), ("deal_created", "hubspot:5102"),
        ("deal_closed_lost", "hubspot:5102")]
    con.close()


def write_duckdb_dump(path: Path, dump: dict[str, list[dict]]) -> None:
    """The connector's destination copied as a DuckDB file: schema `hubspot` (in catalog `hubspot`,
    the file's name), one table each."""
    write_duckdb_tables(path, dump, "hubspot")


def test_a_duckdb_file_makes_the_same_events(tmp_path: Path) -> None:
    dump = tables()
    del dump["engagement_email"]  # a table the file does not have: nothing to read, no error
    dump["company"] = [{"id": 1, "property_name": "Wolf KG"}]  # a table no reader takes
    write_duckdb_dump(tmp_path / "input" / "fivetran_hubspot" / "hubspot.duckdb", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == [event for event in EXPECTED if event[1] != "901"]
    assert rows(con, """SELECT raw_table, rows_read, rows_loaded FROM quality.load_summary
                        WHERE source_file = 'fivetran_hubspot/hubspot.duckdb' ORDER BY raw_table""") == [
        ("raw.fivetran_hubspot_contact", 2, 2), ("raw.fivetran_hubspot_deal", 1, 1),
        ("raw.fivetran_hubspot_deal_contact", 1, 1), ("raw.fivetran_hubspot_deal_stage", 2, 2),
        ("raw.fivetran_hubspot_engagement", 0, 0), ("raw.fivetran_hubspot_engagement_contact", 4, 4),
        ("raw.fivetran_hubspot_engagements", 2, 2)]
    con.close()


def test_a_file_that_is_no_duckdb_database_is_rejected_whole(tmp_path: Path) -> None:
    write_parquet_dump(tmp_path / "input", tables())
    (tmp_path / "input" / "fivetran_hubspot" / "hubspot.duckdb").write_bytes(b"SQLite format 3\x00")
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED
    reasons = rows(con, "SELECT DISTINCT row_number, left(reason, 22) FROM quality.rejected_rows "
                        "WHERE source_file = 'fivetran_hubspot/hubspot.duckdb'")
    assert reasons == [(None, "file could not be read")]
    con.close()


def test_a_duckdb_file_without_the_hubspot_schema_is_rejected_naming_it(tmp_path: Path) -> None:
    # Fivetran's destination schema is the user's to name: one called hubspot_prod lands nothing
    path = tmp_path / "input" / "fivetran_hubspot" / "hubspot.duckdb"
    path.parent.mkdir(parents=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA hubspot_prod")
    con.execute("CREATE TABLE hubspot_prod.contact AS SELECT 1 AS id")
    con.close()
    write_parquet_dump(tmp_path / "input", tables())
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED  # the Parquet dumps still load
    reasons = rows(con, "SELECT DISTINCT reason FROM quality.rejected_rows "
                        "WHERE source_file = 'fivetran_hubspot/hubspot.duckdb'")
    assert len(reasons) == 7  # one per reader of the folder, each naming its tables
    assert all("no table in schema 'hubspot'" in reason for (reason,) in reasons)
    con.close()


def write_sqlite_dump(path: Path, dump: dict[str, list[dict]]) -> None:
    """The connector's tables copied into a SQLite file, as SQLite holds them: times as ISO text,
    booleans as 0/1, no schema (a table by its name alone)."""
    write_sqlite_tables(path, dump, lambda value: (
        int(value) if isinstance(value, bool)
        else csv_value(value) if isinstance(value, datetime) else value))


def test_a_sqlite_file_makes_the_same_events(tmp_path: Path) -> None:
    dump = tables()
    del dump["engagement_email"]  # a table the file does not have: nothing to read, no error
    dump["company"] = [{"id": 1, "property_name": "Wolf KG"}]  # a table no reader takes
    write_sqlite_dump(tmp_path / "input" / "fivetran_hubspot" / "hubspot.sqlite", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == [event for event in EXPECTED if event[1] != "901"]
    assert rows(con, """SELECT raw_table, rows_read, rows_loaded FROM quality.load_summary
                        WHERE source_file = 'fivetran_hubspot/hubspot.sqlite' ORDER BY raw_table""") == [
        ("raw.fivetran_hubspot_contact", 2, 2), ("raw.fivetran_hubspot_deal", 1, 1),
        ("raw.fivetran_hubspot_deal_contact", 1, 1), ("raw.fivetran_hubspot_deal_stage", 2, 2),
        ("raw.fivetran_hubspot_engagement", 0, 0), ("raw.fivetran_hubspot_engagement_contact", 4, 4),
        ("raw.fivetran_hubspot_engagements", 2, 2)]
    con.close()


def test_a_sqlite_file_without_the_connectors_tables_or_no_sqlite_at_all_is_rejected(
        tmp_path: Path) -> None:
    folder = tmp_path / "input" / "fivetran_hubspot"
    write_sqlite_dump(folder / "crm.sqlite", {"hubspot_contact": [{"id": 1}]})  # prefixed names
    (folder / "broken.sqlite3").write_bytes(b"DUCK but no database")
    write_parquet_dump(tmp_path / "input", tables())
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED  # the Parquet dumps still load
    reasons = rows(con, "SELECT DISTINCT source_file, reason FROM quality.rejected_rows "
                        "WHERE source_file LIKE '%.sqlite%' ORDER BY 1")
    assert [file for file, _ in reasons] == ["fivetran_hubspot/broken.sqlite3", "fivetran_hubspot/crm.sqlite"]
    assert "file could not be read" in reasons[0][1]
    assert reasons[1][1].endswith(
        "the SQLite file has none of the tables contact, deal, deal_contact, deal_stage, engagement, "
        "engagement_call, engagement_contact, engagement_email, engagement_meeting (it has hubspot_contact)")
    con.close()


def test_a_sqlite_column_of_mixed_types_is_read_as_text(tmp_path: Path) -> None:
    # SQLite types each value: a text column can hold 12 and '12.50', a BLOB stays text
    path = tmp_path / "mixed.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE deal (Deal_ID, amount, note)")
        db.executemany("INSERT INTO deal VALUES (?, ?, ?)",
                       [(1, 12, b"caf\xc3\xa9"), (2, "12.50", None), (3, None, b"\xff")])
        db.commit()
        table = _sqlite_table(db, "deal")
    assert table.column_names == ["deal_id", "amount", "note"]
    assert table.to_pydict() == {"deal_id": [1, 2, 3], "amount": ["12", "12.50", None],
                                 "note": ["café", None, "ff"]}
