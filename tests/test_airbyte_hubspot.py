"""HubSpot synced by Airbyte's HubSpot source (issue #26): the streams' typed final tables (the
`properties_<name>` columns Airbyte flattens, `contacts` association lists, `_airbyte_*` columns)
dumped as Parquet or CSV (airbyte_hubspot/contacts.parquet, deals.csv, engagements_calls.parquet,
...) or held in a DuckDB file make the same events as the CRM export readers, worked out by hand
(the records of tests/test_fivetran_hubspot.py); archived rows make none; bad rows are in
quarantine with their reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from builders import write_csv_tables, write_duckdb_tables, write_parquet_tables
from conftest import copy_build, open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from test_fivetran_hubspot import BERLIN, CONNECTED, EVENTS, EXPECTED, SAME, utc, write_export
from test_incremental import assert_equals_full_rebuild

SYNCED = datetime(2026, 6, 11, 2, 0, tzinfo=UTC)  # _airbyte_extracted_at of the nightly sync


def airbyte_row(number: int, record: dict, changes: list[dict] | None = None) -> dict:
    """A final table's row: Airbyte's columns, then the stream's fields."""
    return {
        "_airbyte_raw_id": f"00000000-0000-4000-8000-{number:012d}",
        "_airbyte_extracted_at": SYNCED,
        "_airbyte_meta": {"sync_id": 7, "changes": changes or []},
        "_airbyte_generation_id": 0,
        **record,
    }


def iso(value: datetime) -> str:
    """A HubSpot datetime property as its API writes it (hs_date_entered_* are strings in the schema)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def contact(number: int, contact_id: str, email: str, created: datetime | str | None, stage: str,
            source: str, lead: datetime | None, customer: datetime | None, user: str | None,
            archived: bool = False) -> dict:
    properties = {
        "email": email, "firstname": "Anna" if contact_id == "5101" else "Ben", "createdate": created,
        "lifecyclestage": stage, "hs_analytics_source": source,
        "hs_lifecyclestage_lead_date": lead, "hs_lifecyclestage_customer_date": customer,
        "web_user_id": user,
    }
    return airbyte_row(number, {
        "id": contact_id,
        "properties": {key: str(value) if isinstance(value, datetime) else value
                       for key, value in properties.items()},
        **{f"properties_{key}": value for key, value in properties.items()},
        "createdAt": created if isinstance(created, datetime) else None, "updatedAt": SYNCED,
        "archived": archived, "companies": None,
    })


def deal(number: int, deal_id: str, contacts: list[int], created: datetime, amount: str, stage: str,
         entered: dict[str, datetime], archived: bool = False) -> dict:
    stages = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
              "decisionmakerboughtin", "contractsent", "closedwon", "closedlost")
    return airbyte_row(number, {
        "id": deal_id,
        "properties_amount": amount, "properties_createdate": created,
        "properties_dealname": "Wolf KG renewal", "properties_dealstage": stage,
        "properties_pipeline": "default",
        **{f"properties_hs_date_entered_{name}": iso(entered[name]) if name in entered else None
           for name in stages},
        "createdAt": created, "updatedAt": SYNCED, "archived": archived,
        "companies": [], "contacts": contacts,
    })


def engagement(number: int, engagement_id: str, timestamp: datetime | None, contacts: list[str],
               archived: bool = False, **properties: object) -> dict:
    fields = ("hs_call_direction", "hs_call_disposition", "hs_call_status", "hs_call_duration",
              "hs_meeting_start_time", "hs_meeting_outcome", "hs_email_direction", "hs_email_status")
    return airbyte_row(number, {
        "id": engagement_id, "properties_hs_timestamp": timestamp,
        **{f"properties_{name}": properties.get(name) for name in fields},
        "createdAt": timestamp, "updatedAt": SYNCED, "archived": archived,
        "contacts": contacts, "deals": [], "companies": [],
    })


# ---- the records of test_fivetran_hubspot.py as Airbyte's final tables hold them (UTC) ----------
def tables() -> dict[str, list[dict]]:
    """Airbyte's HubSpot streams' tables (schemas of airbytehq/airbyte's source-hubspot)."""
    return {
        "contacts": [
            contact(1, "5101", " Anna@Example.com", utc(1, 9), "customer", "ORGANIC_SEARCH",
                    utc(1, 9), utc(10, 10), "u_000001"),
            contact(2, "5102", "ben@example.com", utc(2, 8, 30), "lead", "PAID_SOCIAL",
                    utc(2, 8, 30), None, None),
        ],
        "deals": [
            deal(3, "9001", [5101], utc(3, 8), "1200.5", "closedwon",
                 {"appointmentscheduled": utc(3, 8), "closedwon": utc(8, 15)}),
        ],
        "engagements_calls": [
            engagement(4, "701", utc(2, 10), ["5101"], hs_call_direction="OUTBOUND",
                       hs_call_disposition=CONNECTED, hs_call_status="COMPLETED",
                       hs_call_duration=300000.0)],
        "engagements_meetings": [
            engagement(5, "801", utc(5, 9), ["5101", "5102"], hs_meeting_start_time=utc(5, 10),
                       hs_meeting_outcome="COMPLETED")],
        "engagements_emails": [
            engagement(6, "901", utc(4, 9), ["5102"], hs_email_direction="EMAIL",
                       hs_email_status="SENT")],
    }


def write_parquet_dump(root: Path, dump: dict[str, list[dict]]) -> None:
    write_parquet_tables(root / "airbyte_hubspot", dump)


def csv_value(value: object) -> str:
    """As a warehouse's CSV unload writes it: ISO time with its zone, lower-case booleans, JSON
    columns (objects, arrays) as JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def write_csv_dump(root: Path, dump: dict[str, list[dict]]) -> None:
    write_csv_tables(root / "airbyte_hubspot", dump, csv_value)


def write_duckdb_dump(path: Path, dump: dict[str, list[dict]]) -> None:
    """Airbyte's DuckDB destination's file: one table per stream in schema `main`."""
    write_duckdb_tables(path, dump, "main")


def test_a_parquet_dump_makes_the_export_readers_events(tmp_path: Path) -> None:
    write_export(tmp_path / "export" / "input")
    write_parquet_dump(tmp_path / "airbyte" / "input", tables())
    export = open_build(tmp_path / "export", source_time_zones=BERLIN)
    airbyte = open_build(tmp_path / "airbyte", source_time_zones=BERLIN)
    assert rows(export, EVENTS) == EXPECTED
    assert rows(airbyte, EVENTS) == EXPECTED
    assert rows(airbyte, SAME) == rows(export, SAME)
    assert rows(airbyte, "SELECT DISTINCT source, source_table FROM staging.events ORDER BY 2") == [
        ("hubspot", "raw.hubspot_contacts"), ("hubspot", "raw.hubspot_deals"),
        ("hubspot", "raw.hubspot_engagements")]
    assert rows(airbyte, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
    person = "SELECT person_id FROM core.identity_map WHERE identifier = '{}'"
    assert rows(airbyte, person.format("hubspot:5101")) == rows(airbyte, person.format("user:u_000001"))
    # no clear-text email leaves raw, and no name column is staged
    assert rows(airbyte, "SELECT count(*) FROM staging.airbyte_hubspot_contacts "
                         "WHERE email_hash IS NULL") == [(0,)]
    staged = {name for (name,) in rows(airbyte, "SELECT column_name FROM information_schema.columns "
                                                "WHERE table_name LIKE 'airbyte_hubspot_%'")}
    assert not {name for name in staged if "name" in name or "email_text" in name}
    export.close()
    airbyte.close()


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
        ("airbyte_hubspot/contacts.csv", 2, 2), ("airbyte_hubspot/deals.csv", 1, 1),
        ("airbyte_hubspot/engagements_calls.csv", 1, 1),
        ("airbyte_hubspot/engagements_emails.csv", 1, 1),
        ("airbyte_hubspot/engagements_meetings.csv", 1, 1)]


def test_a_duckdb_file_makes_the_same_events(tmp_path: Path) -> None:
    dump = tables()
    del dump["engagements_emails"]  # a stream not synced: nothing to read, no error
    dump["companies"] = [airbyte_row(9, {"id": "1", "properties_name": "Wolf KG"})]  # no reader's
    write_duckdb_dump(tmp_path / "input" / "airbyte_hubspot" / "hubspot.duckdb", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == [event for event in EXPECTED if event[1] != "901"]
    assert rows(con, """SELECT raw_table, rows_read, rows_loaded FROM quality.load_summary
                        WHERE source_file = 'airbyte_hubspot/hubspot.duckdb' ORDER BY raw_table""") == [
        ("raw.airbyte_hubspot_contacts", 2, 2), ("raw.airbyte_hubspot_deals", 1, 1),
        ("raw.airbyte_hubspot_engagements", 2, 2)]
    con.close()


def test_archived_records_make_no_events(tmp_path: Path) -> None:
    dump = tables()
    # HubSpot archived Ben, the deal and the email: the *_archived streams deliver them, archived;
    # the main streams' tables still hold the rows of the syncs before
    ben = contact(7, "5102", "ben@example.com", utc(2, 8, 30), "lead", "PAID_SOCIAL",
                  utc(2, 8, 30), None, None, archived=True)
    dump["contacts_archived"] = [ben]
    dump["deals_archived"] = [deal(8, "9001", [5101], utc(3, 8), "1200.5", "closedwon",
                                   {"appointmentscheduled": utc(3, 8), "closedwon": utc(8, 15)},
                                   archived=True)]
    dump["engagements_emails_archived"] = [engagement(
        9, "901", utc(4, 9), ["5102"], archived=True, hs_email_direction="EMAIL", hs_email_status="SENT")]
    # the meeting is now Anna's only
    dump["engagements_meetings"][0]["contacts"] = ["5101"]
    write_parquet_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == [
        ("became_lead", "5101", "hubspot:5101", "06-01 09:00", None, None),
        ("contact_created", "5101", "hubspot:5101", "06-01 09:00", None, None),
        ("call_outbound", "701", "hubspot:5101", "06-02 10:00", None, None),
        ("meeting_held", "801", "hubspot:5101", "06-05 10:00", None, None),
        ("became_customer", "5101", "hubspot:5101", "06-10 10:00", None, None),
    ]
    assert rows(con, "SELECT source_file, reason FROM quality.rejected_rows ORDER BY 1") == [
        ("airbyte_hubspot/contacts_archived.parquet", "archived in HubSpot (archived is true)"),
        ("airbyte_hubspot/deals_archived.parquet", "archived in HubSpot (archived is true)"),
        ("airbyte_hubspot/engagements_emails_archived.parquet", "archived in HubSpot (archived is true)"),
    ]
    con.close()


def test_bad_rows_are_rejected_with_their_reason(tmp_path: Path) -> None:
    dump = tables()
    dump["contacts"].append(contact(10, "5103", "cleo@example.com", "yesterday", "lead", "OFFLINE",
                                    None, None, None))
    # a value that did not fit the stream's type: the destination wrote NULL and said so
    dump["contacts"].append(contact(
        11, "5104", "dora@example.com", None, "lead", "OFFLINE", None, None, None))
    dump["contacts"][-1]["_airbyte_meta"]["changes"] = [
        {"field": "properties_createdate", "change": "NULLED", "reason": "DESTINATION_TYPECAST_ERROR"}]
    dump["deals"].append(deal(12, "9002", [], utc(3, 9), "10", "closedlost", {}))
    dump["deals"].append(deal(13, "9003", [5102], utc(3, 9), "zehn", "closedlost", {}))
    dump["engagements_calls"].append(engagement(14, "702", utc(2, 11), ["5101"],
                                                hs_call_duration="5 min"))
    write_csv_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED  # the good rows as before
    assert rows(con, """SELECT source_file, row_number, reason FROM quality.rejected_rows
                        ORDER BY source_file, row_number""") == [
        ("airbyte_hubspot/contacts.csv", 3, "properties_createdate is not a timestamp: yesterday"),
        ("airbyte_hubspot/contacts.csv", 4,
         "missing properties_createdate (nulled by Airbyte: DESTINATION_TYPECAST_ERROR)"),
        ("airbyte_hubspot/deals.csv", 2, "no associated contact (contacts is empty)"),
        ("airbyte_hubspot/deals.csv", 3, "properties_amount is not a number: zehn"),
        ("airbyte_hubspot/engagements_calls.csv", 2,
         "properties_hs_call_duration is not a number of milliseconds: 5 min"),
    ]
    # the rejected contacts' names and emails stay in raw: neither the flattened properties_* nor
    # the nested `properties` JSON text shows them
    texts = " ".join(text for (text,) in rows(con, "SELECT raw_text FROM quality.rejected_rows"))
    assert "Ben" not in texts and "Anna" not in texts and "dora@" not in texts
    assert '"properties_firstname":"[redacted]"' in texts and '"properties":"[redacted]"' in texts
    con.close()


def test_an_object_in_an_export_and_an_airbyte_dump_is_one_event(tmp_path: Path) -> None:
    write_export(tmp_path / "input")
    write_parquet_dump(tmp_path / "input", tables())
    con = open_build(tmp_path, source_time_zones=BERLIN)
    assert rows(con, EVENTS) == EXPECTED
    # the export's version is kept: `hubspot/…` sorts after `airbyte_hubspot/…`
    assert rows(con, "SELECT DISTINCT split_part(source_file, '/', 1) FROM staging.events") == [("hubspot",)]
    con.close()


def test_the_next_sync_updates_incrementally_as_a_full_rebuild(csv_dump, tmp_path: Path) -> None:
    """The next night the deal is lost, not won, and Ben's; Ben's meeting is archived: an
    incremental run gives what a full rebuild gives."""
    folder = tmp_path / "input"
    # the first night: the module's build of exactly this folder (csv_dump), copied
    base = csv_dump[0]
    nightly = copy_build(settings_for(base / "input", base), tmp_path / "nightly", folder)
    dump = tables()
    dump["deals"] = [deal(20, "9001", [5102], utc(3, 8), "1200.5", "closedlost",
                          {"appointmentscheduled": utc(3, 8), "closedlost": utc(8, 15)})]
    dump["engagements_meetings_archived"] = [engagement(
        21, "801", utc(5, 9), ["5101", "5102"], archived=True, hs_meeting_start_time=utc(5, 10),
        hs_meeting_outcome="COMPLETED")]
    write_csv_dump(folder, {"deals": dump["deals"],
                            "engagements_meetings_archived": dump["engagements_meetings_archived"]})
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    assert rows(con, """SELECT event_name, crm_contact_id FROM staging.events
                        WHERE source_record_id IN ('9001', '801') ORDER BY occurred_at, event_name""") == [
        ("deal_appointment_scheduled", "hubspot:5102"), ("deal_created", "hubspot:5102"),
        ("deal_closed_lost", "hubspot:5102")]
    con.close()


def test_an_append_mode_stream_takes_each_contacts_newest_extraction(tmp_path: Path) -> None:
    """Append mode (not Append + Deduped): contact 5102 twice, its newer version (a customer since
    06-12 11:00, extracted a day after the sync) in the first part file, the older (a lead) in the
    second. The newest by `_airbyte_extracted_at` wins, whatever the file order."""
    dump = tables()
    older = dump["contacts"][1]
    newer = older | {"properties_lifecyclestage": "customer",
                     "properties_hs_lifecyclestage_customer_date": utc(12, 11),
                     "updatedAt": utc(12, 11), "_airbyte_extracted_at": SYNCED + timedelta(days=1)}
    parts = {f"{stream}-0001": records for stream, records in dump.items()}
    parts["contacts-0001"] = [dump["contacts"][0], newer]
    parts["contacts-0002"] = [older]
    write_parquet_dump(tmp_path / "input", parts)
    con = open_build(tmp_path, source_time_zones=BERLIN)
    # EXPECTED and 5102's became_customer at the newer version's date; by file order the second
    # part's row (a lead) would win and make none
    became_customer = ("became_customer", "5102", "hubspot:5102", "06-12 11:00", None, None)
    assert rows(con, EVENTS) == [*EXPECTED, became_customer]
    con.close()
