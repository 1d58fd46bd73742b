"""Zendesk Support synced by Airbyte's Zendesk Support source (issue #26): the typed final tables of
the `tickets`, `users` and `satisfaction_ratings` streams dumped as Parquet or CSV
(airbyte_zendesk/tickets.parquet, users.csv, ...) make the same events and persons as the API export
readers, worked out by hand (tests/test_fivetran_zendesk.py's records); a deleted ticket makes none;
bad rows are in quarantine with their reason."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from builders import write_csv_tables, write_duckdb_tables, write_parquet_tables, write_sqlite_tables
from conftest import open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from test_fivetran_zendesk import EVENTS, EXPECTED, PERSON, SAME, utc, write_export
from test_incremental import assert_equals_full_rebuild
from test_support_sources import CUSTOM_FIELDS

META = json.dumps({"changes": [], "sync_id": 41})


def airbyte(record: dict, n: int) -> dict:
    """A row of a typed final table: the stream's record beside Airbyte's own columns."""
    return {"_airbyte_raw_id": f"0b6c5a52-6d1f-4d8e-9a57-{n:012d}", "_airbyte_extracted_at": utc(20, 2),
            "_airbyte_meta": META, "_airbyte_generation_id": 3, **record}


def ticket(ticket_id: int, requester_id: int, created: datetime, status: str = "open",
           updated: datetime | None = None, channel: str = "email", rating: str = "unoffered") -> dict:
    """A `tickets` record (source-zendesk-support's schemas/tickets.json), `via` and
    `satisfaction_rating` as the JSON text a dump of their JSON columns holds."""
    return airbyte({
        "id": ticket_id, "url": f"https://example.zendesk.com/api/v2/tickets/{ticket_id}.json",
        "created_at": created, "updated_at": updated or created, "type": "question",
        "subject": "Where is my order?", "raw_subject": "Where is my order?",
        "description": "Hallo, meine Bestellung ist nicht angekommen. Anna Schmidt, +49 30 1234567",
        "priority": "normal", "status": status, "recipient": "support@shop.example",
        "requester_id": requester_id, "submitter_id": requester_id, "assignee_id": 900,
        "organization_id": None, "group_id": 360000111, "tags": json.dumps([]),
        "via": json.dumps({"channel": channel, "source": {
            "from": {"name": "Anna Schmidt", "address": "anna@example.com"}, "to": {}, "rel": None}}),
        "satisfaction_rating": json.dumps({"score": rating}), "is_public": True,
        "generated_timestamp": int(created.timestamp()),
    }, ticket_id)


def user(user_id: int, email: str, external_id: str | None = None, role: str = "end-user") -> dict:
    """A `users` record (schemas/users.json); name, phone, photo stay in raw."""
    return airbyte({
        "id": user_id, "url": f"https://example.zendesk.com/api/v2/users/{user_id}.json",
        "name": "Anna Schmidt", "email": email, "phone": "+49 30 1234567", "external_id": external_id,
        "role": role, "active": True, "created_at": utc(1, 0), "updated_at": utc(1, 0),
        "time_zone": "Berlin", "locale": "de", "photo": None, "user_fields": json.dumps({}),
    }, 1000 + user_id)


def rating(rating_id: int, ticket_id: int, requester_id: int, score: str, created: datetime,
           comment: str | None = None) -> dict:
    """A `satisfaction_ratings` record (schemas/satisfaction_ratings.json)."""
    return airbyte({
        "id": rating_id, "url": f"https://example.zendesk.com/api/v2/satisfaction_ratings/{rating_id}.json",
        "assignee_id": 900, "group_id": 360000111, "requester_id": requester_id, "ticket_id": ticket_id,
        "score": score, "comment": comment,
        "reason": "The issue took too long to resolve" if score == "bad" else None,
        "reason_id": 5 if score == "bad" else 0, "created_at": created, "updated_at": created,
    }, 2000 + rating_id)


def streams() -> dict[str, list[dict]]:
    """The records of tests/test_fivetran_zendesk.py's export, as Airbyte's streams hold them."""
    return {
        "tickets": [
            ticket(1, 101, utc(1, 9), status="solved", updated=utc(2, 10), channel="web", rating="good"),
            ticket(2, 102, utc(3, 8, 30), channel="chat", rating="offered"),
            ticket(3, 101, utc(4, 14), status="closed", updated=utc(5, 9, 15), channel="voice",
                   rating="bad"),
            ticket(4, 102, utc(6, 7), status="deleted", updated=utc(6, 8)),
        ],
        "users": [
            user(101, " Anna@Example.com", "u_000001"), user(102, "ben@example.com"),
            user(900, "carla@shop.example", role="agent"),
        ],
        "satisfaction_ratings": [
            rating(11, 1, 101, "good", utc(2, 12)),
            rating(13, 3, 101, "bad", utc(5, 11), comment="Took a week."),
            rating(14, 2, 102, "offered", utc(3, 9)),
        ],
    }


def write_parquet_dump(root: Path, dump: dict[str, list[dict]]) -> None:
    write_parquet_tables(root / "airbyte_zendesk", dump)


def csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):  # Snowflake's TIMESTAMP_TZ in a CSV unload
        return value.strftime("%Y-%m-%d %H:%M:%S.000 +0000")
    return str(value)


def write_csv_dump(root: Path, dump: dict[str, list[dict]]) -> None:
    write_csv_tables(root / "airbyte_zendesk", dump, csv_value)


DELETED_TICKET = ("raw.airbyte_zendesk_tickets", 4, "status is deleted (deleted in Zendesk)")


def test_a_parquet_dump_makes_the_export_readers_events_and_persons(tmp_path: Path) -> None:
    write_export(tmp_path / "export" / "input")
    write_parquet_dump(tmp_path / "airbyte" / "input", streams())
    export = open_build(tmp_path / "export")
    synced = open_build(tmp_path / "airbyte")
    assert rows(synced, EVENTS) == EXPECTED
    assert rows(synced, SAME) == rows(export, SAME)
    identities = "SELECT identifier, person_id FROM core.identity_map ORDER BY 1"
    assert rows(synced, identities) == rows(export, identities)
    assert rows(synced, PERSON.format("zendesk:101")) == rows(synced, PERSON.format("user:u_000001"))
    assert rows(synced, "SELECT raw_table, row_number, reason FROM quality.rejected_rows") == [
        DELETED_TICKET]
    staged = " ".join(str(row) for table in ("tickets", "users", "satisfaction_ratings")
                      for row in rows(synced, f"SELECT * FROM staging.airbyte_zendesk_{table}"))
    for text in ("example.com", "Anna", "1234567", "Took a week", "Bestellung"):
        assert text not in staged
    export.close()
    synced.close()


def test_a_csv_dump_makes_the_same_events(tmp_path: Path) -> None:
    write_csv_dump(tmp_path / "input", streams())
    con = open_build(tmp_path, source_time_zones={"zendesk": "Europe/Berlin"})
    assert rows(con, EVENTS) == EXPECTED
    assert rows(con, """SELECT source_file, rows_read, rows_loaded, rows_rejected
                        FROM quality.load_summary ORDER BY source_file""") == [
        ("airbyte_zendesk/satisfaction_ratings.csv", 3, 3, 0),
        ("airbyte_zendesk/tickets.csv", 4, 3, 1), ("airbyte_zendesk/users.csv", 3, 3, 0)]
    con.close()


def test_the_tickets_embedded_rating_is_the_fallback_as_in_the_export(tmp_path: Path) -> None:
    # without the ratings stream, a ticket's own good/bad rating rates it at its updated_at
    dump = streams()
    del dump["satisfaction_ratings"]
    write_parquet_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert [event for event in rows(con, EVENTS) if event[0].startswith("ticket_rated")] == [
        ("ticket_rated_good", "1", "zendesk:101", "web", "06-02 10:00"),
        ("ticket_rated_bad", "3", "zendesk:101", "voice", "06-05 09:15"),
    ]
    con.close()


def test_bad_rows_are_rejected_with_their_reason(tmp_path: Path) -> None:
    dump = streams()
    dump["tickets"].append(ticket(5, 101, utc(7, 9)) | {"created_at": "yesterday"})
    dump["tickets"].append(ticket(6, 101, utc(7, 10)) | {"via": "{not json", "requester_id": None})
    dump["users"].append(user(103, "cleo@example.com") | {"id": None, "alias": "Cleo"})
    dump["satisfaction_ratings"].append(rating(16, 2, 102, "great", utc(7, 11)))
    write_csv_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED
    assert rows(con, """SELECT source_file, row_number, reason FROM quality.rejected_rows
                        ORDER BY source_file, row_number""") == [
        ("airbyte_zendesk/satisfaction_ratings.csv", 4,
         "score must be good, bad, offered or unoffered, got great"),
        ("airbyte_zendesk/tickets.csv", 4, "status is deleted (deleted in Zendesk)"),
        ("airbyte_zendesk/tickets.csv", 5, "created_at is not a timestamp: yesterday"),
        ("airbyte_zendesk/tickets.csv", 6, "missing requester_id"),
        ("airbyte_zendesk/users.csv", 4, "missing id"),
    ]
    texts = " ".join(t for (t,) in rows(con, "SELECT raw_text FROM quality.rejected_rows"))
    for text in ("Anna", "1234567", "cleo@example.com", "Bestellung", "Cleo"):
        assert text not in texts
    con.close()


# a ticket opened from a social channel: Zendesk's `via.source.from` names the requester's account
SOCIAL_FROM = {"name": "Anna Schmidt", "username": "anna_berlin87",
               "profile_url": "https://twitter.com/anna_berlin87", "address": "anna_berlin87"}


def test_the_requesters_account_in_via_is_not_in_a_rejected_rows_text(tmp_path: Path) -> None:
    """`via` is JSON text in the dump, so its members are escaped in the rejected row's text: the
    handle under `username`, `profile_url` and `address` is `[redacted]` as the name is."""
    dump = streams()
    via = json.dumps({"channel": "twitter", "source": {"from": SOCIAL_FROM, "to": {}, "rel": "mention"}})
    dump["tickets"].append(ticket(5, 101, utc(7, 9)) | {"via": via, "requester_id": None})
    write_csv_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    [(text,)] = rows(con, "SELECT raw_text FROM quality.rejected_rows WHERE reason = 'missing requester_id'")
    assert "anna_berlin87" not in text and "Anna" not in text
    for member in SOCIAL_FROM:
        assert f'\\"{member}\\": \\"[redacted]\\"' in text
    assert '\\"channel\\": \\"twitter\\"' in text  # what explains the row stays
    con.close()


def test_a_tickets_custom_field_values_are_not_in_a_rejected_rows_text(tmp_path: Path) -> None:
    """`custom_fields` is JSON text in the dump: each `{"id", "value"}` keeps its id and has its
    value `[redacted]`, text, number or list; a name with quotes and a line break in `via` is
    redacted to its end (its escapes are escaped again in the JSON text)."""
    dump = streams()
    dump["tickets"] = [row | {"custom_fields": json.dumps([])} for row in dump["tickets"]]
    via = json.dumps({"channel": "email", "source": {
        "from": {"name": 'Anna "Annie" Weber\nPraxis Dr. Weber', "address": "anna@example.com"},
        "to": {}, "rel": None}})
    dump["tickets"].append(ticket(5, 101, utc(7, 9)) | {
        "via": via, "requester_id": None, "custom_fields": json.dumps(CUSTOM_FIELDS)})
    write_csv_dump(tmp_path / "input", dump)
    con = open_build(tmp_path)
    [(text,)] = rows(con, "SELECT raw_text FROM quality.rejected_rows WHERE reason = 'missing requester_id'")
    for value in ("Weber", "Annie", "Praxis", "4711", "kundin", "rueckruf"):
        assert value not in text
    for field_id in (360001234501, 360001234502, 360001234503, 360001234504):
        assert f'{{\\"id\\": {field_id}, \\"value\\": \\"[redacted]\\"}}' in text
    assert '{\\"id\\": 360001234505, \\"value\\": null}' in text
    assert '\\"name\\": \\"[redacted]\\", \\"address\\": \\"[redacted]\\"' in text
    # the custom fields are read by no staged table
    staged = str(rows(con, "SELECT * FROM staging.airbyte_zendesk_tickets"))
    assert "Weber" not in staged and "4711" not in staged
    con.close()


def test_a_record_in_an_export_and_a_dump_is_one_event(tmp_path: Path) -> None:
    write_export(tmp_path / "input")
    write_parquet_dump(tmp_path / "input", streams())
    con = open_build(tmp_path)
    assert rows(con, EVENTS) == EXPECTED
    assert rows(con, "SELECT DISTINCT split_part(source_file, '/', 1) FROM staging.events") == [("zendesk",)]
    con.close()


def test_a_later_sync_updates_incrementally_as_a_full_rebuild(tmp_path: Path) -> None:
    """The next sync: ticket 2 solved and rated good, ticket 1 deleted in Zendesk."""
    folder = tmp_path / "input"
    write_csv_dump(folder, streams())
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    dump = streams()
    dump["tickets"][1] |= {"status": "solved", "updated_at": utc(7, 10)}
    dump["tickets"][0]["status"] = "deleted"
    dump["satisfaction_ratings"][2] |= {"score": "good", "updated_at": utc(7, 12)}
    write_csv_dump(folder, dump)
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    assert rows(con, EVENTS) == [
        ("ticket_rated_good", "11", "zendesk:101", None, "06-02 12:00"),
        ("ticket_created", "2", "zendesk:102", "chat", "06-03 08:30"),
        ("ticket_rated_good", "14", "zendesk:102", None, "06-03 09:00"),
        ("ticket_created", "3", "zendesk:101", "voice", "06-04 14:00"),
        ("ticket_solved", "3", "zendesk:101", "voice", "06-05 09:15"),
        ("ticket_rated_bad", "13", "zendesk:101", None, "06-05 11:00"),
        ("ticket_solved", "2", "zendesk:102", "chat", "06-07 10:00"),
    ]
    con.close()


def test_the_streams_in_a_duckdb_or_sqlite_file_make_the_same_events(tmp_path: Path) -> None:
    """Airbyte's DuckDB destination (a table per stream in schema `main`), or the same tables in a
    SQLite file: the Parquet dump's events and rejects."""
    write_duckdb_tables(tmp_path / "duck" / "input" / "airbyte_zendesk" / "zendesk.duckdb", streams(), "main")
    write_sqlite_tables(tmp_path / "lite" / "input" / "airbyte_zendesk" / "zendesk.sqlite3", streams(),
                        lambda value: csv_value(value) if isinstance(value, datetime | bool) else value)
    for build in (open_build(tmp_path / "duck"), open_build(tmp_path / "lite")):
        assert rows(build, EVENTS) == EXPECTED
        assert rows(build, "SELECT raw_table, reason FROM quality.rejected_rows") == [
            (DELETED_TICKET[0], DELETED_TICKET[2])]
        build.close()


def test_an_append_mode_stream_takes_each_tickets_newest_extraction(tmp_path: Path) -> None:
    """Append mode (not Append + Deduped): ticket 2 twice, the newer version (solved on 06-07,
    extracted on 06-21) in the first part file, the older (open, extracted on 06-20) in the second.
    The newest by `_airbyte_extracted_at` wins, whatever the file order: ticket 2 is solved."""
    dump = streams()
    older = dump["tickets"][1]  # open, extracted utc(20, 2)
    newer = older | {"status": "solved", "updated_at": utc(7, 10), "_airbyte_extracted_at": utc(21, 2),
                     "_airbyte_raw_id": "0b6c5a52-6d1f-4d8e-9a57-000000000102"}
    parts = {"tickets-0001": [row for row in dump["tickets"] if row is not older] + [newer],
             "tickets-0002": [older], "users": dump["users"],
             "satisfaction_ratings": dump["satisfaction_ratings"]}
    write_parquet_dump(tmp_path / "input", parts)
    con = open_build(tmp_path)
    # EXPECTED plus ticket 2's solve at the newer version's updated_at (06-07 10:00, via chat); the
    # file order alone would take the older row (the later file) and leave ticket 2 open
    assert rows(con, EVENTS) == [*EXPECTED, ("ticket_solved", "2", "zendesk:102", "chat", "06-07 10:00")]
    con.close()


def test_an_append_mode_users_stream_takes_each_users_newest_extraction(tmp_path: Path) -> None:
    """Append mode: user 102 twice, the newer version (a new email, extracted on 06-21) in the first
    part file, the older (ben@example.com, extracted on 06-20) in the second. The newest by
    `_airbyte_extracted_at` gives the user's identifiers, as an Append + Deduped table (which holds
    only it) would: the old email is no longer tied to the requester."""
    dump = streams()
    older = dump["users"][1]  # ben@example.com, extracted utc(20, 2)
    newer = older | {"email": "ben.weber@example.com", "updated_at": utc(21, 1),
                     "_airbyte_extracted_at": utc(21, 2),
                     "_airbyte_raw_id": "0b6c5a52-6d1f-4d8e-9a57-000000001102"}
    parts = {"tickets": dump["tickets"],
             "users-0001": [row for row in dump["users"] if row is not older] + [newer],
             "users-0002": [older], "satisfaction_ratings": dump["satisfaction_ratings"]}
    write_parquet_dump(tmp_path / "input", parts)
    con = open_build(tmp_path)
    hashes = dict(rows(con, """SELECT regexp_extract(_source_file, '[^/]+$'), 'email:' || email_hash
                               FROM staging.airbyte_zendesk_users WHERE zendesk_user_id = '102'"""))
    new_email, old_email = hashes["users-0001.parquet"], hashes["users-0002.parquet"]
    ben = rows(con, PERSON.format("zendesk:102"))
    assert ben and rows(con, PERSON.format(new_email)) == ben
    # by file order (or with every version kept) the old email would be Ben's too
    assert rows(con, PERSON.format(old_email)) == []
    assert rows(con, EVENTS) == EXPECTED  # the tickets' events are the same
    con.close()
