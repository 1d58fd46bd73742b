"""Fivetran's Salesforce connector tables (fivetran_salesforce/: lead, contact, opportunity,
opportunity_contact_role, opportunity_history as Parquet or CSV dumps, or a DuckDB or SQLite file):
the same records make the same events as the Data Export's CSV files; hand-derived events; soft
deletes; rejects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builders import sf_id, write_csv, write_duckdb_tables, write_sqlite_tables
from conftest import copy_build, open_build, rows, settings_for
from journeyflow.generate import generate
from journeyflow.pipeline import run_pipeline
from test_incremental import assert_equals_full_rebuild

L1, L2, L3 = sf_id("00Q", 1), sf_id("00Q", 2), sf_id("00Q", 3)
C1, C2, C3 = sf_id("003", 1), sf_id("003", 2), sf_id("003", 3)
A1, A2 = sf_id("001", 1), sf_id("001", 2)
O1, O2 = sf_id("006", 1), sf_id("006", 2)
R1, R2 = sf_id("00K", 1), sf_id("00K", 2)
H = [sf_id("008", n) for n in range(6)]  # H[1]..H[5]
SF = "salesforce:"


def utc(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# The records once, by Salesforce API field name: Python values as Fivetran types them (timestamps
# UTC instants, dates, booleans, amounts as numbers)
LEADS = [
    {"Id": L1, "Email": "anna@example.com", "LeadSource": "Web", "Status": "Closed - Converted",
     "CreatedDate": utc(3, 9, 15), "IsConverted": True, "ConvertedDate": date(2026, 6, 3),
     "ConvertedContactId": C1, "ConvertedOpportunityId": O1},
    {"Id": L2, "Email": " Carl@Example.com", "LeadSource": "Web", "Status": "Open",
     "CreatedDate": utc(10, 8), "IsConverted": False, "ConvertedDate": None,
     "ConvertedContactId": None, "ConvertedOpportunityId": None},
]
CONTACTS = [
    # created by L1's conversion: no contact_created of its own
    {"Id": C1, "AccountId": A1, "Email": "anna.new@example.com", "LeadSource": "Web",
     "CreatedDate": utc(3, 15)},
    {"Id": C2, "AccountId": A2, "Email": "dora@example.com", "LeadSource": "Trade Show",
     "CreatedDate": utc(20, 10)},
]
OPPORTUNITIES = [
    {"Id": O1, "AccountId": A1, "StageName": "Closed Won", "Amount": 25000.0,
     "CloseDate": date(2026, 6, 20), "IsClosed": True, "IsWon": True, "LeadSource": "Web",
     "CreatedDate": utc(3, 15)},
    # open: its CloseDate is the expected close, next year
    {"Id": O2, "AccountId": A2, "StageName": "Negotiation/Review", "Amount": 1000.0,
     "CloseDate": date(2027, 3, 31), "IsClosed": False, "IsWon": False, "LeadSource": "Trade Show",
     "CreatedDate": utc(20, 10, 5)},
]
ROLES = [
    {"Id": R1, "OpportunityId": O1, "ContactId": C1, "Role": "Decision Maker", "IsPrimary": True,
     "CreatedDate": utc(3, 15)},
    {"Id": R2, "OpportunityId": O2, "ContactId": C2, "Role": "Decision Maker", "IsPrimary": False,
     "CreatedDate": utc(20, 10, 5)},
]
HISTORY = [
    {"Id": H[1], "OpportunityId": O1, "StageName": "Prospecting", "Amount": 20000.0,
     "CloseDate": date(2026, 6, 30), "CreatedDate": utc(3, 15)},
    {"Id": H[2], "OpportunityId": O1, "StageName": "Value Proposition", "Amount": 20000.0,
     "CloseDate": date(2026, 6, 30), "CreatedDate": utc(8, 15)},
    {"Id": H[3], "OpportunityId": O1, "StageName": "Closed Won", "Amount": 25000.0,
     "CloseDate": date(2026, 6, 20), "CreatedDate": utc(19, 15)},
    {"Id": H[4], "OpportunityId": O2, "StageName": "Prospecting", "Amount": 1000.0,
     "CloseDate": date(2027, 3, 31), "CreatedDate": utc(20, 10, 5)},
    {"Id": H[5], "OpportunityId": O2, "StageName": "Negotiation/Review", "Amount": 1000.0,
     "CloseDate": date(2027, 3, 31), "CreatedDate": utc(25, 10)},
]
# (Data Export file, Fivetran table, records)
OBJECTS = [("Lead", "lead", LEADS), ("Contact", "contact", CONTACTS),
           ("Opportunity", "opportunity", OPPORTUNITIES),
           ("OpportunityContactRole", "opportunity_contact_role", ROLES),
           ("OpportunityHistory", "opportunity_history", HISTORY)]


def snake(api_name: str) -> str:
    """Fivetran's column name for a Salesforce field: CreatedDate -> created_date."""
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(api_name))


def export_text(value: object) -> str:
    """A value as the Data Export / Data Loader writes it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def dump_text(value: object) -> str:
    """A value as Snowflake's CSV unload writes it (TIMESTAMP_TZ with its offset after a space,
    TRUE/FALSE)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.000 +0000")
    if isinstance(value, bool):
        return str(value).upper()
    return str(value)


def fivetran_row(record: dict, **extra: object) -> dict:
    return {**{snake(k): v for k, v in record.items()}, "is_deleted": False,
            "_fivetran_synced": utc(30, 2), "_fivetran_deleted": False, **extra}


def write_export(root: Path) -> None:
    for sobject, _, records in OBJECTS:
        header = list(records[0])
        write_csv(root / "salesforce" / f"{sobject}.csv", header,
                  [[export_text(r[k]) for k in header] for r in records])


def write_parquet(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(records), path)


def write_fivetran_parquet(root: Path, extra: dict[str, list[dict]] | None = None) -> None:
    for _, table, records in OBJECTS:
        more = (extra or {}).get(table, [])
        write_parquet(root / "fivetran_salesforce" / f"{table}.parquet",
                      [fivetran_row(r) for r in records] + more)


def write_fivetran_csv(root: Path) -> None:
    for _, table, records in OBJECTS:
        dumped = [fivetran_row(r) for r in records]
        header = list(dumped[0])
        write_csv(root / "fivetran_salesforce" / f"{table}.csv", header,
                  [[dump_text(r[k]) for k in header] for r in dumped])


EVENT_QUERY = """
    SELECT * EXCLUDE (source_file, source_row, _load_id)
    FROM staging.events ORDER BY event_id"""


def events_of(con) -> list[tuple]:
    return rows(con, """
        SELECT source_record_id, crm_contact_id, event_name, strftime(occurred_at, '%m-%d %H:%M'),
               value, currency
        FROM staging.events ORDER BY occurred_at, event_name""")


# hand-derived from the records above
EXPECTED = [
    # ConvertedDate 06-03 is a date (midnight UTC): the conversion is at the lead's creation,
    # greatest(06-03 00:00, 06-03 09:15); a converted lead is its contact C1
    (L1, SF + C1, "lead_converted", "06-03 09:15", None, None),
    (L1, SF + C1, "lead_created", "06-03 09:15", None, None),
    (O1, SF + C1, "opportunity_created", "06-03 15:00", None, None),
    # history: H1 is the creation stage, H2 the one stage change before the close
    (H[2], SF + C1, "opportunity_stage_value_proposition", "06-08 15:00", None, None),
    (L2, SF + L2, "lead_created", "06-10 08:00", None, None),
    # won when it entered Closed Won (H3), not at CloseDate 06-20; no currency column: EUR
    (O1, SF + C1, "opportunity_won", "06-19 15:00", 25000.0, "EUR"),
    (C2, SF + C2, "contact_created", "06-20 10:00", None, None),
    (O2, SF + C2, "opportunity_created", "06-20 10:05", None, None),
    (H[5], SF + C2, "opportunity_stage_negotiation_review", "06-25 10:00", None, None),
]


def test_same_records_as_export_parquet_and_csv_dump_make_the_same_events(tmp_path: Path) -> None:
    write_export(tmp_path / "export" / "input")
    write_fivetran_parquet(tmp_path / "parquet" / "input")
    write_fivetran_csv(tmp_path / "csv" / "input")
    export = open_build(tmp_path / "export")
    parquet = open_build(tmp_path / "parquet")
    dumped = open_build(tmp_path / "csv")
    try:
        assert events_of(parquet) == EXPECTED
        assert rows(parquet, EVENT_QUERY) == rows(export, EVENT_QUERY) == rows(dumped, EVENT_QUERY)
        # only the lineage differs: the events name the dump they were read from
        assert rows(parquet, """SELECT DISTINCT regexp_extract(source_file, '[^/]+$') FROM staging.events
                                ORDER BY 1""") == [
            ("contact.parquet",), ("lead.parquet",), ("opportunity.parquet",),
            ("opportunity_history.parquet",)]
        assert rows(parquet, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
        # the same people: Anna's lead and contact are one person; her contact's new email is on no
        # event (a converted lead's contact makes no contact_created), so one email
        anna = rows(parquet, f"SELECT person_id FROM core.identity_map WHERE identifier = '{SF + C1}'")
        kinds = rows(parquet, f"""SELECT identifier_kind, count(*) FROM core.identity_map
                                  WHERE person_id = '{anna[0][0]}' GROUP BY 1 ORDER BY 1""")
        assert kinds == [("email", 1), ("salesforce", 1)]
        touchpoints = f"""SELECT touchpoint, phase FROM core.touchpoints
                          WHERE person_id = '{anna[0][0]}' ORDER BY occurred_at, touchpoint"""
        assert rows(parquet, touchpoints) == rows(export, touchpoints)
        # raw keeps the dump's own columns; no clear-text email leaves raw
        assert rows(parquet, """SELECT count(*) FROM staging.fivetran_salesforce_leads
                                WHERE email_hash IS NULL""") == [(0,)]
    finally:
        for con in (export, parquet, dumped):
            con.close()


def test_soft_deleted_rows_make_no_events(tmp_path: Path, build) -> None:
    deleted = {
        # deleted in Salesforce, kept by Fivetran with _fivetran_deleted
        "lead": [fivetran_row({"Id": L3, "Email": "eve@example.com", "CreatedDate": utc(11, 8),
                               "IsConverted": False}, _fivetran_deleted=True)],
        # in the recycle bin: is_deleted, as Fivetran's Salesforce connector marks deletes
        "contact": [fivetran_row({"Id": C3, "AccountId": A2, "Email": "old@example.com",
                                  "CreatedDate": utc(1, 8)}, is_deleted=True)],
    }
    write_fivetran_parquet(tmp_path / "input", deleted)
    con = build()
    assert events_of(con) == EXPECTED  # nothing of L3 or C3
    assert sorted(rows(con, "SELECT raw_table, reason FROM quality.rejected_rows")) == [
        ("raw.fivetran_salesforce_contacts", "is_deleted is true (in Salesforce's recycle bin)"),
        ("raw.fivetran_salesforce_leads",
         "_fivetran_deleted is true (deleted in Salesforce; Fivetran keeps the row)")]
    assert rows(con, f"SELECT count(*) FROM core.identity_map WHERE identifier = '{SF + L3}'") == [(0,)]


def test_a_soft_delete_in_a_csv_dump_is_read_under_its_normalised_header(tmp_path: Path, build) -> None:
    # a CSV header's names are normalised: `_fivetran_deleted` is read as `fivetran_deleted`
    write_fivetran_parquet(tmp_path / "input")
    deleted = fivetran_row({"Id": L3, "Email": "eve@example.com", "CreatedDate": utc(11, 8),
                            "IsConverted": False}, _fivetran_deleted=True)
    write_csv(tmp_path / "input" / "fivetran_salesforce" / "lead-000000000001.csv", list(deleted),
              [[dump_text(value) for value in deleted.values()]])
    con = build()
    assert events_of(con) == EXPECTED  # nothing of L3
    assert rows(con, "SELECT reason FROM quality.rejected_rows") == [
        ("_fivetran_deleted is true (deleted in Salesforce; Fivetran keeps the row)",)]


def test_an_opportunity_deleted_in_a_later_sync_makes_no_events(tmp_path: Path, build) -> None:
    """A later dump has the opportunity soft-deleted: its events and stage changes are gone."""
    root = tmp_path / "input"
    write_fivetran_parquet(root)
    # the first sync's dump, then the later one (BigQuery's sharded export names)
    (root / "fivetran_salesforce" / "opportunity.parquet").rename(
        root / "fivetran_salesforce" / "opportunity-000000000000.parquet")
    write_parquet(root / "fivetran_salesforce" / "opportunity-000000000001.parquet",
                  [fivetran_row(OPPORTUNITIES[0]), fivetran_row(OPPORTUNITIES[1], _fivetran_deleted=True)])
    con = build()
    assert [e for e in events_of(con) if e[1] == SF + C2] == [
        (C2, SF + C2, "contact_created", "06-20 10:00", None, None)]


def test_bad_rows_are_rejected_with_their_reason(tmp_path: Path, build) -> None:
    folder = tmp_path / "input" / "fivetran_salesforce"
    write_csv(folder / "lead.csv", ["id", "email", "created_date", "is_converted", "is_deleted"], [
        [L1, "anna@example.com", "2026-06-03 09:15:00", "false", "false"],
        [L2, "carl@example.com", "yesterday", "false", "false"],
        [L3, "eve@example.com", "2026-06-03 10:00:00", "true", "false"],  # converted, to no contact
    ])
    write_csv(folder / "contact.csv", ["id", "email", "created_date"], [
        ["not-an-id", "dora@example.com", "2026-06-20 10:00:00"]])
    write_csv(folder / "opportunity.csv",
              ["id", "stage_name", "amount", "close_date", "is_closed", "is_won", "created_date",
               "contact_id"], [
        [O1, "Closed Won", "25000", "2026-06-20", "true", "maybe", "2026-06-03 15:00:00", C1],
        [O2, "Prospecting", "lots", "2027-03-31", "false", "false", "2026-06-20 10:05:00", C1]])
    write_csv(folder / "opportunity_contact_role.csv", ["id", "opportunity_id", "contact_id", "is_primary"],
              [[R1, O1, "", "true"]])
    con = build()
    assert sorted(rows(con, "SELECT raw_table, row_number, reason FROM quality.rejected_rows")) == [
        ("raw.fivetran_salesforce_contacts", 1,
         "Id is not a Salesforce id (15 or 18 letters and digits): not-an-id"),
        ("raw.fivetran_salesforce_leads", 2, "CreatedDate is not a date: yesterday"),
        ("raw.fivetran_salesforce_leads", 3, "IsConverted is true but ConvertedContactId is empty"),
        ("raw.fivetran_salesforce_opportunities", 1, "IsWon is not true or false: maybe"),
        ("raw.fivetran_salesforce_opportunities", 2, "Amount is not a number: lots"),
        ("raw.fivetran_salesforce_opportunity_contact_roles", 1, "missing ContactId"),
    ]
    # the one usable lead: zone-less created_date is UTC
    assert events_of(con) == [(L1, SF + L1, "lead_created", "06-03 09:15", None, None)]


@pytest.fixture(scope="module")
def export_and_dump(
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """The Data Export and Fivetran's Parquet dump of the same records in one folder, built once (the
    default settings): the one-event test reads it, the incremental test's Monday run is a copy of it."""
    base = tmp_path_factory.mktemp("export_and_dump")
    write_export(base / "input")
    write_fivetran_parquet(base / "input")
    con = open_build(base)
    yield base, con
    con.close()




def test_a_record_in_an_export_and_a_dump_is_one_event(export_and_dump) -> None:
    """Moving from Data Export files to Fivetran: the same Salesforce Id is one event (event_id
    from source_table raw.salesforce_* and the Id), read from the file that sorts last."""
    _, con = export_and_dump
    assert events_of(con) == EXPECTED
    assert rows(con, """SELECT DISTINCT split_part(source_file, '/', -2) FROM staging.events""") == [
        ("salesforce",)]


def test_incremental_runs_over_a_later_sync_equal_a_full_rebuild(export_and_dump, tmp_path: Path) -> None:
    """Monday: the Data Export and Fivetran's first dumps (the same records: one event each).
    Tuesday's dumps soft-delete O2 and give O1 to another contact: the Fivetran versions of those
    events change (the export's still stand), and the incremental run gets what a full one gets."""
    folder = tmp_path / "input"
    # Monday's run: the module's build of exactly this folder (export_and_dump), copied
    base = export_and_dump[0]
    nightly = copy_build(settings_for(base / "input", base), tmp_path / "nightly", folder)
    table = folder / "fivetran_salesforce"
    write_parquet(table / "opportunity-000000000001.parquet",
                  [fivetran_row(OPPORTUNITIES[0]), fivetran_row(OPPORTUNITIES[1], _fivetran_deleted=True)])
    write_parquet(table / "opportunity_contact_role-000000000001.parquet",
                  [fivetran_row({**ROLES[0], "ContactId": C2}), fivetran_row(ROLES[1])])
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)


def test_a_snowflake_parquet_unload_with_upper_case_names_is_read(tmp_path: Path, build) -> None:
    """Snowflake's `COPY INTO @stage … TYPE = PARQUET` names the columns `ID`, `CREATED_DATE`."""
    root = tmp_path / "input"
    for _, table, records in OBJECTS:
        write_parquet(root / "fivetran_salesforce" / f"{table}.parquet",
                      [{k.upper(): v for k, v in fivetran_row(r).items()} for r in records])
    con = build()
    assert events_of(con) == EXPECTED
    assert rows(con, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]


def test_generate_with_fivetran_salesforce_gives_the_same_events(tmp_path: Path) -> None:
    """`generate --salesforce-format fivetran`: the same records as Fivetran's tables (Parquet);
    every other file byte for byte the same, and the same events."""
    export_dir, fivetran_dir = tmp_path / "export" / "input", tmp_path / "fivetran" / "input"
    export_counts = generate(export_dir, persons=80, seed=7, days=60, defects=False)
    counts = generate(fivetran_dir, persons=80, seed=7, days=60, defects=False,
                      salesforce_format="fivetran")
    assert counts["fivetran_salesforce_leads"] == export_counts["salesforce_leads"] > 0
    assert "salesforce_leads" not in counts
    assert sorted(p.name for p in (fivetran_dir / "fivetran_salesforce").iterdir()) == [
        "contact.parquet", "lead.parquet", "opportunity.parquet", "opportunity_contact_role.parquet",
        "opportunity_history.parquet"]
    assert not (fivetran_dir / "salesforce").exists()
    others = sorted(p.relative_to(export_dir) for p in export_dir.rglob("*")
                    if p.is_file() and p.parts[-2] != "salesforce" and not p.name.startswith("."))
    assert all((export_dir / p).read_bytes() == (fivetran_dir / p).read_bytes() for p in others)
    assert pq.read_schema(fivetran_dir / "fivetran_salesforce" / "lead.parquet").field(
        "created_date").type == pa.timestamp("us", tz="UTC")
    export, fivetran = open_build(tmp_path / "export"), open_build(tmp_path / "fivetran")
    try:
        assert rows(fivetran, "SELECT count(*) FROM staging.events WHERE source = 'salesforce'")[0][0] > 0
        assert rows(fivetran, EVENT_QUERY) == rows(export, EVENT_QUERY)
    finally:
        export.close()
        fivetran.close()


def test_the_tables_in_a_duckdb_or_sqlite_file_make_the_same_events(tmp_path: Path) -> None:
    """Fivetran's destination copied into a DuckDB file (schema `salesforce`), or the same tables
    in a SQLite file (no schema; times as ISO text, booleans 0/1): the Parquet dump's events."""
    dump = {table: [fivetran_row(r) for r in records] for _, table, records in OBJECTS}
    write_duckdb_tables(tmp_path / "duck" / "input" / "fivetran_salesforce" / "salesforce.duckdb", dump,
                        "salesforce")
    write_sqlite_tables(tmp_path / "lite" / "input" / "fivetran_salesforce" / "salesforce.sqlite", dump,
                        lambda v: int(v) if isinstance(v, bool)
                        else dump_text(v) if isinstance(v, datetime | date) else v)
    for build in (open_build(tmp_path / "duck"), open_build(tmp_path / "lite")):
        assert events_of(build) == EXPECTED
        assert rows(build, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
        build.close()
