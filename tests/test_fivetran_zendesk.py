"""Zendesk Support synced by Fivetran's Zendesk connector (issue #26): the connector's `ticket`,
`user` and `satisfaction_rating` tables dumped as Parquet or CSV (fivetran_zendesk/ticket.parquet,
user.csv, ...) or held in a DuckDB file make the same events and persons as the API export readers,
worked out by hand; soft-deleted rows and deleted tickets make none; bad rows are in quarantine
with their reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from builders import (
    write_csv_tables,
    write_duckdb_tables,
    write_parquet_tables,
    write_zendesk,
    write_zendesk_ratings,
    zendesk_rating,
    zendesk_ticket,
    zendesk_user,
)
from conftest import open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from test_incremental import assert_equals_full_rebuild

BERLIN = {"zendesk": "Europe/Berlin"}  # the export's zone for times without one (none here)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


def iso(day: int, hour: int, minute: int = 0) -> str:
    return utc(day, hour, minute).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- the same records as the API export writes them (times `...Z`) --------------------------------
def write_export(root: Path) -> None:
    write_zendesk(root, [
        zendesk_ticket(1, 101, iso(1, 9), status="solved", updated=iso(2, 10), channel="web",
                       rating="good"),
        zendesk_ticket(2, 102, iso(3, 8, 30), channel="chat", rating="offered"),
        zendesk_ticket(3, 101, iso(4, 14), status="closed", updated=iso(5, 9, 15), channel="voice",
                       rating="bad"),
        # deleted in Zendesk: no support contact, a reject with the reason
        zendesk_ticket(4, 102, iso(6, 7), status="deleted", updated=iso(6, 8)),
    ], [zendesk_user(101, "anna@example.com", "u_000001"), zendesk_user(102, "ben@example.com"),
        zendesk_user(900, "carla@shop.example") | {"role": "agent"}])
    write_zendesk_ratings(root, [
        zendesk_rating(11, 1, 101, "good", iso(2, 12)),
        zendesk_rating(13, 3, 101, "bad", iso(5, 11), comment="Took a week."),
        zendesk_rating(14, 2, 102, "offered", iso(3, 9)),
    ])


# ---- the same records as Fivetran's tables hold them -----------------------------------------------
def ticket(ticket_id: int, requester_id: int, created: datetime, status: str = "open",
           updated: datetime | None = None, channel: str = "email") -> dict:
    """A row of Fivetran's `ticket` table (columns of the Zendesk Support schema ERD and
    fivetran/dbt_zendesk_source's get_ticket_columns)."""
    return {
        "id": ticket_id, "_fivetran_synced": utc(20, 2), "_fivetran_deleted": False,
        "allow_channelback": False, "assignee_id": 900, "brand_id": 360001, "created_at": created,
        "description": "Hallo, meine Bestellung ist nicht angekommen. Anna Schmidt, +49 30 1234567",
        "due_at": None, "external_id": None, "group_id": 360000111, "has_incidents": False,
        "is_public": True, "organization_id": None, "priority": "normal", "problem_id": None,
        "recipient": "support@shop.example", "requester_id": requester_id, "status": status,
        "subject": "Where is my order?", "submitter_id": requester_id, "ticket_form_id": 360002,
        "type": "question", "updated_at": updated or created,
        "url": f"https://example.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "via_channel": channel, "via_source_from_address": None, "via_source_from_id": None,
        "via_source_from_title": None, "via_source_rel": None, "via_source_to_address": None,
        "via_source_to_name": None,
    }


def user(user_id: int, email: str, external_id: str | None = None, role: str = "end-user") -> dict:
    """A row of Fivetran's `user` table (the ERD's columns; name, phone, notes stay in raw)."""
    return {
        "id": user_id, "_fivetran_synced": utc(20, 2), "_fivetran_deleted": False, "active": True,
        "alias": None, "created_at": utc(1, 0), "details": None, "email": email,
        "external_id": external_id, "last_login_at": None, "locale": "de", "name": "Anna Schmidt",
        "notes": None, "organization_id": None, "phone": "+49 30 1234567", "role": role,
        "signature": None, "suspended": False, "time_zone": "Berlin", "updated_at": utc(1, 0),
        "url": f"https://example.zendesk.com/api/v2/users/{user_id}.json", "verified": True,
    }


def rating(rating_id: int, ticket_id: int, requester_id: int, score: str, created: datetime,
           comment: str | None = None) -> dict:
    """A row of Fivetran's `satisfaction_rating` table (dbt_zendesk_source's
    get_satisfaction_rating_columns: no `_fivetran_deleted` there)."""
    return {
        "id": rating_id, "_fivetran_synced": utc(20, 2), "assignee_id": 900, "comment": comment,
        "created_at": created, "group_id": 360000111,
        "reason": "The issue took too long to resolve" if score == "bad" else None,
        "requester_id": requester_id, "score": score, "ticket_id": ticket_id, "updated_at": created,
        "url": f"https://example.zendesk.com/api/v2/satisfaction_ratings/{rating_id}.json",
    }


def tables() -> dict[str, list[dict]]:
    return {
        "ticket": [
            ticket(1, 101, utc(1, 9), status="solved", updated=utc(2, 10), channel="web"),
            ticket(2, 102, utc(3, 8, 30), channel="chat"),
            ticket(3, 101, utc(4, 14), status="closed", updated=utc(5, 9, 15), channel="voice"),
            ticket(4, 102, utc(6, 7), status="deleted", updated=utc(6, 8)),
        ],
        "user": [
            user(101, " Anna@Example.com", "u_000001"), user(102, "ben@example.com"),
            user(900, "carla@shop.example", role="agent"),
        ],
        "satisfaction_rating": [
            rating(11, 1, 101, "good", utc(2, 12)),
            rating(13, 3, 101, "bad", utc(5, 11), comment="Took a week."),
            rating(14, 2, 102, "offered", utc(3, 9)),
        ],
    }


def write_parquet_dump(root: Path, dump: dict[str, list[dict]]) -> None:
    write_parquet_tables(root / "fivetran_zendesk", dump)


def csv_value(value: object, zone_less: bool = False) -> str:
    """As a warehouse's CSV unload writes it: ISO time with its zone (or, from a TIMESTAMP_NTZ
    column, without), lower-case booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if zone_less else "%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def write_csv_dump(root: Path, dump: dict[str, list[dict]], zone_less: bool = False) -> None:
    write_csv_tables(root / "fivetran_zendesk", dump, lambda value: csv_value(value, zone_less))


EVENTS = """
    SELECT event_name, source_record_id, support_user_id, origin, strftime(occurred_at, '%m-%d %H:%M')
    FROM staging.events ORDER BY occurred_at, event_name"""
# hand-derived from the records above (UTC): ticket 4 is deleted, rating 14 only offered
EXPECTED = [
    ("ticket_created", "1", "zendesk:101", "web", "06-01 09:00"),
    ("ticket_solved", "1", "zendesk:101", "web", "06-02 10:00"),  # at updated_at
    ("ticket_rated_good", "11", "zendesk:101", None, "06-02 12:00"),  # the rating's created_at
    ("ticket_created", "2", "zendesk:102", "chat", "06-03 08:30"),
    ("ticket_created", "3", "zendesk:101", "voice", "06-04 14:00"),
    ("ticket_solved", "3", "zendesk:101", "voice", "06-05 09:15"),
    ("ticket_rated_bad", "13", "zendesk:101", None, "06-05 11:00"),
]
DELETED_TICKET = ("raw.fivetran_zendesk_tickets", 4, "status is deleted (deleted in Zendesk)")
# every column of staging.events but the lineage (which file and row, which load)
SAME = "SELECT * EXCLUDE (source_file, source_row, _load_id) FROM staging.events ORDER BY event_id"
PERSON = "SELECT person_id FROM core.identity_map WHERE identifier = '{}'"


def test_a_parquet_dump_makes_the_export_readers_events_and_persons(tmp_path: Path) -> None:
    write_export(tmp_path / "export" / "input")
    write_parquet_dump(tmp_path / "fivetran" / "input", tables())
    export = open_build(tmp_path / "export")
    fivetran = open_build(tmp_path / "fivetran")
    assert rows(export, EVENTS) == EXPECTED
    assert rows(fivetran, EVENTS) == EXPECTED
    assert rows(fivetran, SAME) == rows(export, SAME)
    assert rows(fivetran, "SELECT DISTINCT source, source_table FROM staging.events ORDER BY 2") == [
        ("zendesk", "raw.zendesk_satisfaction_ratings"), ("zendesk", "raw.zendesk_tickets")]
    # the same persons: Anna's requester id, shop login and email are one person; the agent none
    identities = "SELECT identifier, person_id FROM core.identity_map ORDER BY 1"
    assert rows(fivetran, identities) == rows(export, identities)
    assert rows(fivetran, PERSON.format("zendesk:101")) == rows(fivetran, PERSON.format("user:u_000001"))
    assert rows(fivetran, "SELECT count(*) FROM core.identity_map WHERE identifier_kind = 'email'") == [(2,)]
    assert rows(fivetran, PERSON.format("zendesk:900")) == []
    # the deleted ticket is the only reject, with the export reader's reason
    assert rows(fivetran, "SELECT raw_table, row_number, reason FROM quality.rejected_rows") == [
        DELETED_TICKET]
    # no clear-text email, name or phone leaves raw
    assert rows(fivetran, "SELECT count(*) FROM staging.fivetran_zendesk_users "
                          "WHERE email_hash IS NULL") == [(0,)]
    staged = " ".join(str(row) for table in ("tickets", "users", "satisfaction_ratings")
                      for row in rows(fivetran, f"SELECT * FROM staging.fivetran_zendesk_{table}"))
    for text in ("example.com", "Anna", "1234567", "Took a week", "Bestellung"):
        assert text not in staged
    export.close()
    fivetran.close()


def test_a_csv_dump_makes_the_same_events_and_zone_less_times_are_utc(tmp_path: Path) -> None:
    # a TIMESTAMP_NTZ unload writes `2026-06-01 09:00:00`: Fivetran's times are UTC, whatever
    # zone the Zendesk export's own zone-less times are read in
    write_csv_dump(tmp_path / "input", tables(), zone_less=True)
    con = open_build(tmp_path, source_time_zones=BERLIN)
    assert rows(con, EVENTS) == EXPECTED
    assert rows(con, """SELECT source_file, rows_read, rows_loaded, rows_rejected
                        FROM quality.load_summary ORDER BY source_file""") == [
        ("fivetran_zendesk/satisfaction_rating.csv", 3, 3, 0),
        ("fivetran_zendesk/ticket.csv", 4, 3, 1), ("fivetran_zendesk/user.csv", 3, 3, 0)]
    con.close()


def test_soft_deleted_rows_make_no_events(tmp_path: Path) -> None:
    dump = tables()
    dump["ticket"][2]["_fivetran_deleted"] = True  # ticket 3 is gone from Zendesk
    dump["user"][1]["_fivetran_deleted"] = True  # so is Ben: his email ties him to nobody
    for row in dump["satisfaction_rating"]:
        row["_fivetran_deleted"] = row["id"] == 11  # and the good rating of ticket 1
    write_parquet_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == [
        ("ticket_created", "1", "zendesk:101", "web", "06-01 09:00"),
        ("ticket_solved", "1", "zendesk:101", "web", "06-02 10:00"),
        ("ticket_created", "2", "zendesk:102", "chat", "06-03 08:30"),
        # ticket 3's rating is a row of its own, not deleted: it still rates (as in the export)
        ("ticket_rated_bad", "13", "zendesk:101", None, "06-05 11:00"),
    ]
    deleted = "_fivetran_deleted is true (deleted in Zendesk; Fivetran keeps the row)"
    assert rows(con, "SELECT raw_table, row_number, reason FROM quality.rejected_rows ORDER BY 1, 2") == [
        ("raw.fivetran_zendesk_satisfaction_ratings", 1, deleted),
        ("raw.fivetran_zendesk_tickets", 3, deleted), DELETED_TICKET,
        ("raw.fivetran_zendesk_users", 2, deleted)]
    # Ben's requester id is a person of its own, without his email
    ben = PERSON.format("zendesk:102")
    assert rows(con, f"SELECT count(*) FROM core.identity_map WHERE person_id = ({ben})") == [(1,)]
    con.close()


def test_bad_rows_are_rejected_with_their_reason(tmp_path: Path) -> None:
    dump = tables()
    dump["ticket"].append(ticket(5, 101, utc(7, 9)) | {
        "created_at": "yesterday", "via_source_from_title": "Anna Schmidt",
        "system_location": "Köpenick, Berlin, DE", "system_ip_address": "198.51.100.7"})
    dump["ticket"].append(ticket(6, 101, utc(7, 10)) | {"requester_id": None})
    dump["user"].append(user(103, "cleo@example.com") | {
        "id": None, "alias": "Cleo", "details": "Kundin seit 2019", "signature": "Gruß, Cleo"})
    dump["satisfaction_rating"].append(rating(16, 2, 102, "great", utc(7, 11)))
    dump["satisfaction_rating"].append(rating(17, 2, 102, "good", utc(7, 12)) | {"ticket_id": None})
    write_csv_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED  # the good rows as before
    assert rows(con, """SELECT source_file, row_number, reason FROM quality.rejected_rows
                        ORDER BY source_file, row_number""") == [
        ("fivetran_zendesk/satisfaction_rating.csv", 4,
         "score must be good, bad, offered or unoffered, got great"),
        ("fivetran_zendesk/satisfaction_rating.csv", 5, "missing ticket_id"),
        ("fivetran_zendesk/ticket.csv", 4, "status is deleted (deleted in Zendesk)"),
        ("fivetran_zendesk/ticket.csv", 5, "created_at is not a timestamp: yesterday"),
        ("fivetran_zendesk/ticket.csv", 6, "missing requester_id"),
        ("fivetran_zendesk/user.csv", 4, "missing id"),
    ]
    # the rejected rows' names, phones and free text are redacted, emails masked
    texts = " ".join(t for (t,) in rows(con, "SELECT raw_text FROM quality.rejected_rows"))
    for text in ("Anna", "1234567", "cleo@example.com", "Bestellung", "Cleo", "Kundin", "Köpenick",
                 "198.51.100.7"):
        assert text not in texts
    con.close()


# the `system_*` columns of Fivetran's `ticket` (dbt_zendesk's get_ticket_columns): where and with
# what the requester opened the ticket; latitude and longitude are floats, the rest text
REQUESTER_SYSTEM = {
    "system_client": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Firefox/126.0",
    "system_ip_address": "198.51.100.7", "system_location": "Köpenick, Berlin, DE",
    "system_latitude": 52.4456, "system_longitude": 13.5761,
}


# columns the connector adds for a ticket form's custom fields, named after them: free text, a
# phone number written without separators, a checkbox, a number
CUSTOM_COLUMNS = {"custom_referring_practice": "Praxis Dr. Weber", "custom_callback_number": "01719876543",
                  "custom_vip": True, "custom_order_count": 12}


def test_the_requesters_location_is_not_in_a_rejected_rows_text(tmp_path: Path) -> None:
    """A Parquet dump keeps latitude and longitude as numbers: they are `[redacted]` in the
    rejected row's text as the text columns are, and so are the client and IP address; so are the
    columns of custom fields (any name but the documented ones)."""
    dump = tables()
    dump["ticket"] = [row | {k: None for k in REQUESTER_SYSTEM | CUSTOM_COLUMNS} for row in dump["ticket"]]
    dump["ticket"].append(
        ticket(5, 101, utc(7, 9)) | REQUESTER_SYSTEM | CUSTOM_COLUMNS | {"requester_id": None})
    write_parquet_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    [(text,)] = rows(con, "SELECT raw_text FROM quality.rejected_rows WHERE reason = 'missing requester_id'")
    for value in ("Mozilla", "Firefox", "198.51.100.7", "Köpenick", "52.4456", "13.5761", "Weber",
                  "9876543"):
        assert value not in text
    for column in REQUESTER_SYSTEM | CUSTOM_COLUMNS:
        assert f'"{column}":"[redacted]"' in text
    # the rest of the record as it was
    assert '"requester_id":null' in text and '"status":"open"' in text and '"id":5,' in text
    con.close()


def test_a_record_in_an_export_and_a_dump_is_one_event(tmp_path: Path) -> None:
    write_export(tmp_path / "input")
    write_parquet_dump(tmp_path / "input", tables())
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED
    # the export's version is kept: `zendesk/…` sorts after `fivetran_zendesk/…`
    assert rows(con, "SELECT DISTINCT split_part(source_file, '/', 1) FROM staging.events") == [("zendesk",)]
    con.close()


def test_a_ticket_rated_in_the_dump_is_not_rated_again_from_the_exports_ticket(tmp_path: Path) -> None:
    # the export's tickets embed their rating; the ratings themselves come only from the dump
    write_export(tmp_path / "input")
    (tmp_path / "input" / "zendesk" / "satisfaction_ratings.json").unlink()
    write_parquet_dump(tmp_path / "input", {"satisfaction_rating": tables()["satisfaction_rating"]})
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED
    con.close()


def test_a_later_sync_updates_incrementally_as_a_full_rebuild(tmp_path: Path) -> None:
    """The next night's dump: ticket 2 is solved and rated good, ticket 1 soft-deleted, Anna's
    shop login changed; an incremental run gives what a full rebuild gives."""
    folder = tmp_path / "input"
    write_csv_dump(folder, tables())
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    dump = tables()
    dump["ticket"][1] |= {"status": "solved", "updated_at": utc(7, 10)}
    dump["ticket"][0]["_fivetran_deleted"] = True
    dump["satisfaction_rating"][2] |= {"score": "good", "updated_at": utc(7, 12)}
    dump["user"][0]["external_id"] = "u_000009"
    write_csv_dump(folder, dump)
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    assert rows(con, EVENTS) == [
        # ticket 1 is gone; its rating is a row of its own and still rates
        ("ticket_rated_good", "11", "zendesk:101", None, "06-02 12:00"),
        ("ticket_created", "2", "zendesk:102", "chat", "06-03 08:30"),
        # rating 14 answered: an event at the rating's created_at (06-03 09:00), not its update
        ("ticket_rated_good", "14", "zendesk:102", None, "06-03 09:00"),
        ("ticket_created", "3", "zendesk:101", "voice", "06-04 14:00"),
        ("ticket_solved", "3", "zendesk:101", "voice", "06-05 09:15"),
        ("ticket_rated_bad", "13", "zendesk:101", None, "06-05 11:00"),
        ("ticket_solved", "2", "zendesk:102", "chat", "06-07 10:00"),
    ]
    assert rows(con, PERSON.format("zendesk:101")) == rows(con, PERSON.format("user:u_000009"))
    con.close()


def write_duckdb_dump(path: Path, dump: dict[str, list[dict]], schema: str = "zendesk") -> None:
    """The connector's destination copied as a DuckDB file: schema `zendesk` (Fivetran's default
    destination schema name for the connector), one table each."""
    write_duckdb_tables(path, dump, schema)


def test_a_duckdb_file_makes_the_same_events(tmp_path: Path) -> None:
    dump = tables()
    dump["ticket_comment"] = [{"id": 1, "ticket_id": 1, "body": "Hallo", "user_id": 101}]  # not read
    write_duckdb_dump(tmp_path / "input" / "fivetran_zendesk" / "zendesk.duckdb", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED
    assert rows(con, """SELECT raw_table, rows_read, rows_loaded FROM quality.load_summary
                        WHERE source_file = 'fivetran_zendesk/zendesk.duckdb' ORDER BY raw_table""") == [
        ("raw.fivetran_zendesk_satisfaction_ratings", 3, 3), ("raw.fivetran_zendesk_tickets", 4, 3),
        ("raw.fivetran_zendesk_users", 3, 3)]
    con.close()


def test_a_duckdb_file_without_the_zendesk_schema_is_rejected_naming_it(tmp_path: Path) -> None:
    # Fivetran's destination schema is the user's to name: one called zendesk_prod lands nothing
    write_duckdb_dump(tmp_path / "input" / "fivetran_zendesk" / "zendesk.duckdb", tables(),
                      schema="zendesk_prod")
    write_parquet_dump(tmp_path / "input", tables())
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED  # the Parquet dumps still load
    reasons = rows(con, "SELECT raw_table, reason FROM quality.rejected_rows "
                        "WHERE source_file = 'fivetran_zendesk/zendesk.duckdb' ORDER BY 1")
    assert [table for table, _ in reasons] == [
        "raw.fivetran_zendesk_satisfaction_ratings", "raw.fivetran_zendesk_tickets",
        "raw.fivetran_zendesk_users"]  # one per reader of the folder, each naming its table
    assert all("no table in schema 'zendesk'" in reason for _, reason in reasons)
    con.close()


def test_a_rating_answered_in_a_later_dump_replaces_the_exports_fallback_incrementally(
        tmp_path: Path) -> None:
    """The export's tickets embed their ratings and there is no ratings export; the first night's
    dump has ticket 1's rating only offered, so the export ticket's own good rates it. The next
    night the dump answers it (bad) and ticket 2's (good): the fallback is gone, as in a full rebuild."""
    folder = tmp_path / "input"
    write_export(folder)
    (folder / "zendesk" / "satisfaction_ratings.json").unlink()
    ratings = tables()["satisfaction_rating"]
    ratings[0]["score"] = "offered"
    write_parquet_dump(folder, {"satisfaction_rating": ratings})
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    assert [event for event in rows(con, EVENTS) if event[0].startswith("ticket_rated")] == [
        ("ticket_rated_good", "1", "zendesk:101", "web", "06-02 10:00"),  # the ticket's updated_at
        ("ticket_rated_bad", "13", "zendesk:101", None, "06-05 11:00"),
    ]
    con.close()
    ratings[0] |= {"score": "bad", "updated_at": utc(7, 11)}
    ratings[2] |= {"score": "good", "updated_at": utc(7, 12)}
    write_parquet_dump(folder, {"satisfaction_rating": ratings})
    run_pipeline(nightly, incremental=True)
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    assert [event for event in rows(con, EVENTS) if event[0].startswith("ticket_rated")] == [
        ("ticket_rated_bad", "11", "zendesk:101", None, "06-02 12:00"),  # at the rating's created_at
        ("ticket_rated_good", "14", "zendesk:102", None, "06-03 09:00"),
        ("ticket_rated_bad", "13", "zendesk:101", None, "06-05 11:00"),
    ]
    con.close()
