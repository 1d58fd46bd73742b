"""Salesforce synced by Airbyte's Salesforce source (issue #26): a stream per sObject (Lead, Contact,
Opportunity, OpportunityContactRole, OpportunityHistory), the destination's typed final tables with
the API field names as columns and the `_airbyte_*` columns, dumped as Parquet or CSV
(airbyte_salesforce/Lead.parquet, ...) or held in a DuckDB file: the records of
tests/test_fivetran_salesforce.py make the same events as the Data Export's CSV files, worked out by
hand; IsDeleted rows make none; bad rows are in quarantine with their reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from builders import sf_id, write_csv
from conftest import open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from test_fivetran_salesforce import (
    A2,
    C1,
    C2,
    C3,
    EVENT_QUERY,
    EXPECTED,
    HISTORY,
    L1,
    L2,
    L3,
    O1,
    O2,
    OBJECTS,
    OPPORTUNITIES,
    R1,
    ROLES,
    SF,
    H,
    dump_text,
    events_of,
    utc,
    write_export,
    write_parquet,
)
from test_incremental import assert_equals_full_rebuild

SYNCED = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)  # _airbyte_extracted_at of the sync


def airbyte_row(record: dict, number: int = 0, **extra: object) -> dict:
    """A final table's row: Airbyte's columns, then the sObject's fields by API name."""
    return {
        "_airbyte_raw_id": f"00000000-0000-4000-8000-{number:012d}",
        "_airbyte_extracted_at": SYNCED,
        "_airbyte_meta": {"sync_id": 3, "changes": []},
        "_airbyte_generation_id": 0,
        **record, "IsDeleted": False, "SystemModstamp": SYNCED, **extra,
    }


def tables(extra: dict[str, list[dict]] | None = None) -> dict[str, list[dict]]:
    return {sobject: [airbyte_row(r, n) for n, r in enumerate(records)] + (extra or {}).get(sobject, [])
            for sobject, _, records in OBJECTS}


def write_airbyte_parquet(root: Path, dump: dict[str, list[dict]], part: str = "") -> None:
    """One file per table, or the sync's part of it (`Lead-0001.parquet`: the next sync's
    `-0002` sorts after it; `Lead.parquet` would sort after both)."""
    for sobject, records in dump.items():
        write_parquet(root / "airbyte_salesforce" / f"{sobject}{part}.parquet", records)


def write_airbyte_csv(root: Path, dump: dict[str, list[dict]]) -> None:
    """As a warehouse's CSV unload writes the tables: the columns' names as Airbyte wrote them,
    `_airbyte_meta` as JSON text."""
    for sobject, records in dump.items():
        header = list(dict.fromkeys(key for record in records for key in record))
        write_csv(root / "airbyte_salesforce" / f"{sobject}.csv", header, [
            [json.dumps(r.get(k)) if isinstance(r.get(k), dict) else dump_text(r.get(k)) for k in header]
            for r in records])


def test_same_records_as_export_parquet_and_csv_dump_make_the_same_events(tmp_path: Path) -> None:
    write_export(tmp_path / "export" / "input")
    write_airbyte_parquet(tmp_path / "parquet" / "input", tables())
    write_airbyte_csv(tmp_path / "csv" / "input", tables())
    export = open_build(tmp_path / "export")
    parquet = open_build(tmp_path / "parquet")
    dumped = open_build(tmp_path / "csv")
    try:
        assert events_of(parquet) == EXPECTED
        assert events_of(dumped) == EXPECTED
        assert rows(parquet, EVENT_QUERY) == rows(export, EVENT_QUERY) == rows(dumped, EVENT_QUERY)
        assert rows(parquet, """SELECT DISTINCT regexp_extract(source_file, '[^/]+$') FROM staging.events
                                ORDER BY 1""") == [
            ("Contact.parquet",), ("Lead.parquet",), ("Opportunity.parquet",),
            ("OpportunityHistory.parquet",)]
        for con in (parquet, dumped):
            assert rows(con, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
            assert rows(con, "SELECT sum(rows_read), sum(rows_loaded) FROM quality.load_summary") == [
                (13, 13)]
        anna = rows(parquet, f"SELECT person_id FROM core.identity_map WHERE identifier = '{SF + C1}'")
        touchpoints = f"""SELECT touchpoint, phase FROM core.touchpoints
                          WHERE person_id = '{anna[0][0]}' ORDER BY occurred_at, touchpoint"""
        assert rows(parquet, touchpoints) == rows(export, touchpoints)
        assert rows(parquet, """SELECT count(*) FROM staging.airbyte_salesforce_leads
                                WHERE email_hash IS NULL""") == [(0,)]
    finally:
        for con in (export, parquet, dumped):
            con.close()


def test_a_duckdb_file_makes_the_same_events(tmp_path: Path) -> None:
    """Airbyte's DuckDB destination: a table per stream in schema `main`, the API names as columns."""
    path = tmp_path / "input" / "airbyte_salesforce" / "salesforce.duckdb"
    path.parent.mkdir(parents=True)
    con = duckdb.connect(str(path))
    for sobject, records in tables().items():
        arrow = pa.Table.from_pylist(records)  # noqa: F841 (read by name below)
        con.execute(f'CREATE TABLE main."{sobject}" AS SELECT * FROM arrow')
    con.close()
    con = open_build(tmp_path)
    assert events_of(con) == EXPECTED
    assert rows(con, """SELECT raw_table, rows_read, rows_loaded FROM quality.load_summary
                        ORDER BY raw_table""") == [
        ("raw.airbyte_salesforce_contacts", 2, 2), ("raw.airbyte_salesforce_leads", 2, 2),
        ("raw.airbyte_salesforce_opportunities", 2, 2),
        ("raw.airbyte_salesforce_opportunity_contact_roles", 2, 2),
        ("raw.airbyte_salesforce_opportunity_history", 5, 5)]
    con.close()


def test_is_deleted_rows_make_no_events(tmp_path: Path, build) -> None:
    dump = tables({
        # in the recycle bin when Airbyte synced them: IsDeleted true
        "Lead": [airbyte_row({"Id": L3, "Email": "eve@example.com", "CreatedDate": utc(11, 8),
                              "IsConverted": False}, 7, IsDeleted=True)],
        "Contact": [airbyte_row({"Id": C3, "AccountId": A2, "Email": "old@example.com",
                                 "CreatedDate": utc(1, 8)}, 8, IsDeleted=True)],
    })
    write_airbyte_parquet(tmp_path / "input", dump, part="-0001")
    # a later sync's part: O2 deleted since
    write_parquet(tmp_path / "input" / "airbyte_salesforce" / "Opportunity-0002.parquet",
                  [airbyte_row(OPPORTUNITIES[1], 9, IsDeleted=True)])
    con = build()
    # O2's creation and its stage change (H5) are gone; Dora's contact stays
    assert events_of(con) == [event for event in EXPECTED if event[0] not in (O2, H[5])]
    assert sorted(rows(con, "SELECT source_file, reason FROM quality.rejected_rows")) == [
        ("airbyte_salesforce/Contact-0001.parquet", "IsDeleted is true (deleted in Salesforce)"),
        ("airbyte_salesforce/Lead-0001.parquet", "IsDeleted is true (deleted in Salesforce)"),
        ("airbyte_salesforce/Opportunity-0002.parquet", "IsDeleted is true (deleted in Salesforce)")]
    assert rows(con, f"SELECT count(*) FROM core.identity_map WHERE identifier = '{SF + L3}'") == [(0,)]


def test_bad_rows_are_rejected_with_their_reason(tmp_path: Path, build) -> None:
    folder = tmp_path / "input" / "airbyte_salesforce"
    meta = json.dumps({"sync_id": 3, "changes": []})
    write_csv(folder / "Lead.csv", ["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta", "Id",
                                    "FirstName", "LastName", "Email", "CreatedDate", "IsConverted",
                                    "IsDeleted"], [
        ["r1", "2026-06-30 02:00:00Z", meta, L1, "Anna", "Schmidt", "anna@example.com",
         "2026-06-03 09:15:00", "FALSE", "FALSE"],
        ["r2", "2026-06-30 02:00:00Z", meta, L2, "Carl", "Weber", "carl@example.com", "yesterday",
         "FALSE", "FALSE"],
        ["r3", "2026-06-30 02:00:00Z", meta, L3, "Eve", "Roth", "eve@example.com",
         "2026-06-03 10:00:00", "TRUE", "FALSE"],  # converted, to no contact
    ])
    write_csv(folder / "Contact.csv", ["_airbyte_raw_id", "Id", "Email", "CreatedDate"], [
        ["r4", "not-an-id", "dora@example.com", "2026-06-20 10:00:00"]])
    write_csv(folder / "Opportunity.csv",
              ["_airbyte_raw_id", "Id", "StageName", "Amount", "CloseDate", "IsClosed", "IsWon",
               "CreatedDate", "ContactId"], [
        ["r5", O1, "Closed Won", "25000", "2026-06-20", "true", "maybe", "2026-06-03 15:00:00", C1],
        ["r6", O2, "Prospecting", "lots", "2027-03-31", "false", "false", "2026-06-20 10:05:00", C1]])
    write_csv(folder / "OpportunityContactRole.csv",
              ["_airbyte_raw_id", "Id", "OpportunityId", "ContactId", "IsPrimary"],
              [["r7", R1, O1, "", "true"]])
    con = build()
    assert sorted(rows(con, "SELECT source_file, row_number, reason FROM quality.rejected_rows")) == [
        ("airbyte_salesforce/Contact.csv", 1,
         "Id is not a Salesforce id (15 or 18 letters and digits): not-an-id"),
        ("airbyte_salesforce/Lead.csv", 2, "CreatedDate is not a date: yesterday"),
        ("airbyte_salesforce/Lead.csv", 3, "IsConverted is true but ConvertedContactId is empty"),
        ("airbyte_salesforce/Opportunity.csv", 1, "IsWon is not true or false: maybe"),
        ("airbyte_salesforce/Opportunity.csv", 2, "Amount is not a number: lots"),
        ("airbyte_salesforce/OpportunityContactRole.csv", 1, "missing ContactId"),
    ]
    # the one usable lead: a zone-less CreatedDate is UTC
    assert events_of(con) == [(L1, SF + L1, "lead_created", "06-03 09:15", None, None)]
    # names and emails stay in raw
    texts = " ".join(text for (text,) in rows(con, "SELECT raw_text FROM quality.rejected_rows"))
    assert not any(word in texts for word in ("Carl", "Weber", "Eve", "Roth", "carl@", "dora@"))


def test_a_record_in_an_export_and_an_airbyte_dump_is_one_event(tmp_path: Path, build) -> None:
    write_export(tmp_path / "input")
    write_airbyte_parquet(tmp_path / "input", tables())
    con = build()
    assert events_of(con) == EXPECTED
    # the export's version is kept: `salesforce/…` sorts after `airbyte_salesforce/…`
    assert rows(con, "SELECT DISTINCT split_part(source_file, '/', -2) FROM staging.events") == [
        ("salesforce",)]


def test_incremental_runs_over_a_later_sync_equal_a_full_rebuild(tmp_path: Path) -> None:
    """The next sync's parts delete O2 and give O1 to another contact: the incremental run gets
    what a full one gets."""
    folder = tmp_path / "input"
    write_airbyte_parquet(folder, tables(), part="-0001")
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    table = folder / "airbyte_salesforce"
    write_parquet(table / "Opportunity-0002.parquet",
                  [airbyte_row(OPPORTUNITIES[0], 10), airbyte_row(OPPORTUNITIES[1], 11, IsDeleted=True)])
    write_parquet(table / "OpportunityContactRole-0002.parquet",
                  [airbyte_row({**ROLES[0], "ContactId": C2}, 12), airbyte_row(ROLES[1], 13)])
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    assert rows(con, f"""SELECT DISTINCT crm_contact_id FROM staging.events
                         WHERE source_record_id = '{O1}'""") == [(SF + C2,)]
    assert rows(con, f"SELECT count(*) FROM staging.events WHERE source_record_id = '{O2}'") == [(0,)]
    con.close()


def test_an_append_mode_stream_takes_each_records_newest_extraction(tmp_path: Path, build) -> None:
    """Append mode (not Append + Deduped): O2 twice, its newer version (deleted, extracted a day
    after the sync) in the first part file, the older (not deleted) in the second. The newest by
    `_airbyte_extracted_at` wins, whatever the file order: O2 is deleted."""
    dump = tables()
    later = {"IsDeleted": True, "_airbyte_extracted_at": SYNCED + timedelta(days=1)}
    dump["Opportunity"] = [row | later if row["Id"] == O2 else row for row in dump["Opportunity"]]
    write_airbyte_parquet(tmp_path / "input", dump, part="-0001")
    write_parquet(tmp_path / "input" / "airbyte_salesforce" / "Opportunity-0002.parquet",
                  [airbyte_row(OPPORTUNITIES[1], 9)])  # extracted at SYNCED, the day before
    con = build()
    # O2's creation and its stage change (H5) are gone, as in test_is_deleted_rows_make_no_events;
    # by file order the second part's row would win and keep them
    assert events_of(con) == [event for event in EXPECTED if event[0] not in (O2, H[5])]


def test_an_append_mode_contact_role_stream_takes_each_roles_newest_extraction(tmp_path: Path, build) -> None:
    """O1's primary contact moved from C1 (R1) to C2 (a new role R3). The newer R1 (IsPrimary
    false, extracted a day after the sync) is in the first part file, the older (IsPrimary true) in
    the second. The newest by `_airbyte_extracted_at` wins: O1's only primary role is R3, so its
    events are C2's. By file order R1 and R3 would both be primary, and the earlier role (R1, 06-03)
    would keep O1 with C1."""
    later = SYNCED + timedelta(days=1)
    r3 = {"Id": sf_id("00K", 3), "OpportunityId": O1, "ContactId": C2, "Role": "Decision Maker",
          "IsPrimary": True, "CreatedDate": utc(21, 9)}
    dump = tables()
    dump["OpportunityContactRole"] = [
        row | {"IsPrimary": False, "_airbyte_extracted_at": later, "SystemModstamp": later}
        if row["Id"] == R1 else row for row in dump["OpportunityContactRole"]
    ] + [airbyte_row(r3, 10, _airbyte_extracted_at=later, SystemModstamp=later)]
    write_airbyte_parquet(tmp_path / "input", dump, part="-0001")
    write_parquet(tmp_path / "input" / "airbyte_salesforce" / "OpportunityContactRole-0002.parquet",
                  [airbyte_row(ROLES[0], 11)])  # R1 primary, extracted at SYNCED, the day before
    con = build()
    # O1's creation, stage change (H2) and win are C2's now; the rest as in EXPECTED
    assert events_of(con) == [(e[0], SF + C2, *e[2:]) if e[0] in (O1, H[2]) else e for e in EXPECTED]


def test_an_append_mode_history_stream_takes_each_rows_newest_extraction(tmp_path: Path, build) -> None:
    """O2 went to the recycle bin and came back: the older sync has O2 and its history rows H4, H5
    with IsDeleted true, the newer (extracted a day later) has them restored. A history row is one
    stage change and never edited, so a row delivered again is the same change (same Id); its
    newest extraction says whether it is deleted. The newer sync is in the first part file, the
    older in the second: by `_airbyte_extracted_at` O2 and its stage change (H5) are back, as in
    EXPECTED; by file order H5 would be deleted and its event gone."""
    later = SYNCED + timedelta(days=1)
    restored = {"_airbyte_extracted_at": later, "SystemModstamp": later}
    dump = tables()
    dump["Opportunity"] = [row | restored if row["Id"] == O2 else row for row in dump["Opportunity"]]
    dump["OpportunityHistory"] = [row | restored if row["Id"] in (H[4], H[5]) else row
                                  for row in dump["OpportunityHistory"]]
    write_airbyte_parquet(tmp_path / "input", dump, part="-0001")
    folder = tmp_path / "input" / "airbyte_salesforce"
    write_parquet(folder / "Opportunity-0002.parquet", [airbyte_row(OPPORTUNITIES[1], 12, IsDeleted=True)])
    write_parquet(folder / "OpportunityHistory-0002.parquet", [
        airbyte_row(HISTORY[3], 13, IsDeleted=True), airbyte_row(HISTORY[4], 14, IsDeleted=True)])
    con = build()
    assert events_of(con) == EXPECTED
