"""One person stitched across sources; unrelated people stay apart; ids are stable."""

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from builders import (
    CONTACT_HEADER,
    NPS_HEADER,
    T0,
    ga4_event,
    hubspot_contact,
    write_csv,
    write_ga4,
    write_zendesk,
    zendesk_ticket,
    zendesk_user,
)
from conftest import open_build, rows, settings_for
from journeyflow.connection import connect
from journeyflow.pipeline import run_pipeline


def write_three_sources(folder):
    # Anna: cookie c1 browses anonymously, then logs in as u1 on cookie c1 and later on a second
    # device (cookie c2). HubSpot knows u1 with her email (mixed case, spaces); Zendesk knows the
    # same email in lower case; she answers an NPS survey with that email.
    # Ben: cookie c9 only, never identified.
    write_ga4(folder, [
        ga4_event(T0, "page_view", "c1", path="/blog/a"),
        ga4_event(T0 + timedelta(minutes=1), "sign_up", "c1", user_id="u1"),
        ga4_event(T0 + timedelta(days=3), "page_view", "c2", user_id="u1", path="/pricing"),
        ga4_event(T0, "page_view", "c9", path="/blog/b"),
    ])
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER,
              [hubspot_contact("101", "  Anna.Schmidt@Example.COM ", "2026-06-01 09:05", user_id="u1")])
    write_zendesk(folder, [zendesk_ticket(7, 900, "2026-06-05T10:00:00Z")],
                  [zendesk_user(900, "anna.schmidt@example.com")])
    write_csv(folder / "surveys" / "nps.csv", NPS_HEADER,
              [["r1", "anna.schmidt@example.com", "9", "", "2026-06-08T10:00:00Z"]])


@pytest.fixture(scope="module")
def three_sources(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """write_three_sources built once per module with the default settings (its folder, the published
    warehouse read-only): the tests below only read it, or run again on a copy of it."""
    base = tmp_path_factory.mktemp("three_sources")
    write_three_sources(base / "input")
    con = open_build(base)
    yield base, con
    con.close()


def test_one_person_from_four_sources(three_sources):
    _, con = three_sources
    persons = rows(con, """
        SELECT person_id, list(DISTINCT source ORDER BY source), count(*)
        FROM core.touchpoints GROUP BY person_id ORDER BY 3 DESC
    """)
    # Anna: 3 web touchpoints + contact created + lead + ticket + NPS = 7; Ben: 1
    assert [(p[1], p[2]) for p in persons] == [
        (["ga4", "hubspot", "survey", "zendesk"], 7),
        (["ga4"], 1),
    ]
    identifiers = dict(rows(con, """
        SELECT identifier_kind, count(DISTINCT identifier)
        FROM core.identity_map WHERE person_id = (
            SELECT person_id FROM core.identity_map WHERE identifier = 'user:u1')
        GROUP BY 1
    """))
    # c1, c2; u1; one email hash (normalised); hubspot:101; zendesk:900
    assert identifiers == {"anon": 2, "user": 1, "email": 1, "hubspot": 1, "zendesk": 1}


def test_person_id_is_named_by_the_earliest_identifier_and_stable(three_sources, build, tmp_path):
    base, con = three_sources
    first = dict(rows(con, "SELECT identifier, person_id FROM core.identity_map"))
    for name in ("input", "warehouse"):  # the next run goes on in a copy (relative symlinks)
        shutil.copytree(base / name, tmp_path / name, symlinks=True)
    # a later day of data for Anna's second cookie changes nothing about who she is
    write_ga4(tmp_path / "input",
              [ga4_event(T0 + timedelta(days=10), "page_view", "c2", path="/reviews")],
              name="events_20260611.ndjson")
    second = dict(rows(build(), "SELECT identifier, person_id FROM core.identity_map"))
    assert second == first
    assert first["user:u1"] == first["anon:c1"] != first["anon:c9"]


EMAIL_PATTERN = "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[a-z]+"


def plain_emails(con, schema: str, table: str) -> int:
    return rows(con, f"""
        SELECT count(*) FROM "{schema}"."{table}" AS t
        WHERE regexp_matches(CAST(t AS VARCHAR), '{EMAIL_PATTERN}')
    """)[0][0]


def test_no_plain_email_outside_raw_and_raw_is_not_published(three_sources):
    base, published = three_sources
    # the exports' emails are in the raw layer's file (so the scan below can find them) ...
    settings = settings_for(base / "input", base)
    work = connect(settings.work_file, read_only=True, raw_file=settings.raw_file)
    try:
        assert plain_emails(work, "raw", "zendesk_users") == 1
        work_tables = rows(work, "SELECT table_schema, table_name FROM information_schema.tables"
                                 " WHERE table_schema <> 'raw'")
        for schema, table in work_tables:
            assert plain_emails(work, schema, table) == 0, f"{schema}.{table} holds a plain-text email"
    finally:
        work.close()
    # ... and the working file and the published warehouse have every other table, but no raw layer
    assert settings.work_file.read_bytes().count(b"anna.schmidt@example.com") == 0
    tables = rows(published, "SELECT table_schema, table_name FROM information_schema.tables")
    assert sorted(tables) == sorted(work_tables)
    for schema, table in tables:
        assert plain_emails(published, schema, table) == 0, f"published {schema}.{table} holds an email"


def test_a_working_file_with_raw_inside_is_rebuilt_without_it(tmp_path):
    # Earlier releases kept the raw layer in the working file, and so published it. Such a file
    # (here: one raw table holding an email, no raw file next to it) is discarded, not reused.
    write_three_sources(tmp_path / "input")
    settings = settings_for(tmp_path / "input", tmp_path)
    settings.work_file.parent.mkdir(parents=True)
    legacy = duckdb.connect(str(settings.work_file))
    legacy.execute("CREATE SCHEMA raw")
    legacy.execute("CREATE TABLE raw.old_export AS SELECT 'old.export@example.com' AS email")
    legacy.execute("CHECKPOINT")
    legacy.close()
    assert settings.work_file.read_bytes().count(b"old.export@example.com") == 1
    run_pipeline(settings)
    for built in (settings.work_file, settings.warehouse):
        assert built.read_bytes().count(b"old.export@example.com") == 0
    published = duckdb.connect(str(settings.warehouse), read_only=True)
    assert rows(published, "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'raw'") == [(0,)]
    assert rows(published, "SELECT count(DISTINCT person_id) FROM core.touchpoints") == [(2,)]  # Anna, Ben
    published.close()
