"""Real exports as they arrive: odd encodings, German CSV, zones, epochs, gzip, empty files.

Part 1 is a matrix of bad inputs: each writes one small file with good rows and one kind of bad row,
and checks that the bad row is quarantined in quality.rejected_rows (file, row, reason, raw text),
that every good row of that file loads, and that every file's counts add up. The cases share loads:
the n-th case of each raw table goes into load n (`BAD_LOAD`), so each case's file is still the only
file of its raw table in its load, and no case's rows meet another's in a table.
Part 2 checks that messy but valid input loads with the right values.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from builders import (
    CONTACT_HEADER,
    DEAL_HEADER,
    NPS_HEADER,
    T0,
    ga4_event,
    hubspot_contact,
    hubspot_deal,
    zendesk_ticket,
    zendesk_user,
)
from conftest import rows, run_layers


def load(input_dir: Path, out: Path, **overrides: object) -> duckdb.DuckDBPyConnection:
    """Run only the landing, staging and quality steps (what this file is about) and open the result."""
    return run_layers(input_dir, out, **overrides)


# --- writers for one file in the exports' real shapes -------------------------------------------


def csv_text(header: list[str], records: list[list[str]], delim: str = ",") -> str:
    def field(value: str) -> str:
        if any(c in value for c in (delim, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delim.join(field(v) for v in rec) + "\r\n" for rec in [header, *records])


def put(folder: Path, relative: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content if isinstance(content, bytes) else content.encode(encoding)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def ndjson(*events: dict | str) -> str:
    return "".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events)


def envelope(key: str, items: list[dict]) -> str:
    return json.dumps({key: items, "next_page": None, "count": len(items)})


def contact(record_id: str, created: str, **changes: str) -> list[str]:
    row = hubspot_contact(record_id, f"p{record_id}@example.com", created)
    for column, value in changes.items():
        row[CONTACT_HEADER.index(column.replace("_", " "))] = value
    return row


def nps(response_id: str, score: str = "9", answered: str = "2026-06-02T10:00:00Z",
        email: str | None = None, comment: str = "") -> list[str]:
    return [response_id, email if email is not None else f"{response_id}@example.com", score,
            comment, answered]


def good_event(n: int) -> dict:
    return ga4_event(T0 + timedelta(minutes=n), "page_view", f"c{n}", path=f"/p{n}")


FAR_FUTURE = "2099-01-01 10:00"
FUTURE_MICROS = str(int(datetime(2099, 1, 1, tzinfo=UTC).timestamp() * 1_000_000))


@dataclass(frozen=True)
class BadCase:
    """One kind of bad input: the file it writes, and what must come out of it."""

    kind: str
    raw_table: str
    file: str  # path under the input folder
    write: Callable[[Path, str], object]  # (input folder, file) -> writes the file
    bad: tuple[tuple[int | None, str], ...]  # (row number or None for the file, reason fragment)
    good_rows: tuple[int, ...]  # rows of the file that must be loaded


def _ga4(*lines: dict | str) -> Callable[[Path, str], object]:
    return lambda folder, file: put(folder, file, ndjson(*lines))


def _csv(header: list[str], records: list[list[str]], delim: str = ",",
         encoding: str = "utf-8") -> Callable[[Path, str], object]:
    return lambda folder, file: put(folder, file, csv_text(header, records, delim), encoding)


def _json(key: str, items: list[dict]) -> Callable[[Path, str], object]:
    return lambda folder, file: put(folder, file, envelope(key, items))


def _raw(content: str | bytes) -> Callable[[Path, str], object]:
    return lambda folder, file: put(folder, file, content)


GA4, CONTACTS, DEALS = "raw.ga4_events", "raw.hubspot_contacts", "raw.hubspot_deals"
TICKETS, USERS, NPS = "raw.zendesk_tickets", "raw.zendesk_users", "raw.survey_nps"
GERMAN_DEAL_HEADER = DEAL_HEADER

BAD_CASES = [
    BadCase("ga4_invalid_json_line", GA4, "ga4/events_20260601.ndjson",
            _ga4(good_event(1), '{"event_name": "page_view", "event_timestamp": ', good_event(3)),
            ((2, "line is not valid JSON"),), (1, 3)),
    BadCase("ga4_timestamp_not_integer", GA4, "ga4/events_20260601.ndjson",
            _ga4(good_event(1), good_event(2) | {"event_timestamp": "soon"}),
            ((2, "event_timestamp is not an integer: soon"),), (1,)),
    BadCase("ga4_timestamp_before_2000", GA4, "ga4/events_20260601.ndjson",
            _ga4(good_event(1) | {"event_timestamp": "915148800000000"}, good_event(2)),
            ((1, "event_timestamp out of range: 1999-01-01"),), (2,)),
    BadCase("ga4_timestamp_in_future", GA4, "ga4/events_20260601.ndjson",
            _ga4(good_event(1), good_event(2) | {"event_timestamp": FUTURE_MICROS}),
            ((2, "event_timestamp out of range: 2099-01-01"),), (1,)),
    BadCase("ga4_missing_user_pseudo_id", GA4, "ga4/events_20260601.ndjson",
            _ga4(good_event(1) | {"user_pseudo_id": None}, good_event(2)),
            ((1, "missing user_pseudo_id"),), (2,)),
    BadCase("ga4_missing_event_name", GA4, "ga4/events_20260601.ndjson",
            _ga4(good_event(1), good_event(2) | {"event_name": ""}),
            ((2, "missing event_name"),), (1,)),
    BadCase("csv_too_many_fields", CONTACTS, "hubspot/contacts.csv",
            _csv(CONTACT_HEADER, [contact("1", "2026-06-01 10:00"),
                                  contact("2", "2026-06-01 10:00") + ["surplus"],
                                  contact("3", "2026-06-01 10:00")]),
            ((2, "Expected Number of Columns: 14 Found: 15"),), (1, 3)),
    BadCase("csv_too_few_fields", CONTACTS, "hubspot/contacts.csv",
            _csv(CONTACT_HEADER, [contact("1", "2026-06-01 10:00")[:5],
                                  contact("2", "2026-06-01 10:00")]),
            ((1, "Expected Number of Columns: 14 Found: 5"),), (2,)),
    BadCase("german_date_that_does_not_exist", CONTACTS, "hubspot/contacts.csv",
            _csv(CONTACT_HEADER, [contact("1", "28.02.2026 10:00"), contact("2", "31.02.2026 10:00")],
                 delim=";"),
            ((2, "Create Date is not a date: 31.02.2026 10:00"),), (1,)),
    BadCase("missing_required_value", CONTACTS, "hubspot/contacts.csv",
            _csv(CONTACT_HEADER, [contact("", "2026-06-01 10:00"), contact("2", "2026-06-01 10:00")]),
            ((1, "missing Record ID"),), (2,)),
    BadCase("missing_required_column", CONTACTS, "hubspot/contacts.csv",
            _csv([c for c in CONTACT_HEADER if c != "Create Date"],
                 [[v for c, v in zip(CONTACT_HEADER, contact(i, "x"), strict=True) if c != "Create Date"]
                  for i in ("1", "2")]),
            ((1, "missing Create Date"), (2, "missing Create Date")), ()),
    BadCase("contact_date_in_future", CONTACTS, "hubspot/contacts.csv",
            _csv(CONTACT_HEADER, [contact("1", "2026-06-01 10:00", Became_a_Customer_Date=FAR_FUTURE),
                                  contact("2", "2026-06-01 10:00")]),
            ((1, "Became a Customer Date out of range (before 2000 or in the future): 2099-01-01"),), (2,)),
    BadCase("contact_date_before_2000", CONTACTS, "hubspot/contacts.csv",
            _csv(CONTACT_HEADER, [contact("1", "2026-06-01 10:00"), contact("2", "31.12.1999 23:00")]),
            ((2, "Create Date out of range (before 2000 or in the future): 1999-12-31"),), (1,)),
    BadCase("amount_not_a_number", DEALS, "hubspot/deals.csv",
            _csv(DEAL_HEADER, [hubspot_deal("9", "1", "2026-06-02 10:00", amount="n/a"),
                               hubspot_deal("10", "1", "2026-06-02 10:00", amount="1,200.50")]),
            ((1, "Amount is not a number: n/a"),), (2,)),
    BadCase("german_amount_garbled", DEALS, "hubspot/deals.csv",
            _csv(DEAL_HEADER, [hubspot_deal("9", "1", "02.06.2026 10:00", amount="1.200,50"),
                               hubspot_deal("10", "1", "02.06.2026 10:00", amount="1.2.3,4")], delim=";"),
            ((2, "Amount is not a number: 1.2.3,4"),), (1,)),
    BadCase("deal_without_contact", DEALS, "hubspot/deals.csv",
            _csv(DEAL_HEADER, [hubspot_deal("9", "", "2026-06-02 10:00"),
                               hubspot_deal("10", "1", "2026-06-02 10:00")]),
            ((1, "missing Associated Contact IDs"),), (2,)),
    BadCase("deal_stage_date_not_a_date", DEALS, "hubspot/deals.csv",
            _csv(DEAL_HEADER, [hubspot_deal("9", "1", "2026-06-02 10:00"),
                               hubspot_deal("10", "1", "2026-06-02 10:00",
                                            stages={"Contract Sent": "gestern"})]),
            ((2, "Contract Sent date is not a date: gestern"),), (1,)),
    BadCase("ticket_missing_requester", TICKETS, "zendesk/tickets.json",
            _json("tickets", [zendesk_ticket(1, 900, "2026-06-05T10:00:00Z") | {"requester_id": None},
                              zendesk_ticket(2, 900, "2026-06-05T10:00:00Z")]),
            ((1, "missing requester_id"),), (2,)),
    BadCase("ticket_time_not_a_timestamp", TICKETS, "zendesk/tickets.json",
            _json("tickets", [zendesk_ticket(1, 900, "2026-06-05T10:00:00Z"),
                              zendesk_ticket(2, 900, "2026-13-05T10:00:00Z")]),
            ((2, "created_at is not a timestamp: 2026-13-05T10:00:00Z"),), (1,)),
    BadCase("ticket_epoch_in_future", TICKETS, "zendesk/tickets.json",
            _json("tickets", [zendesk_ticket(1, 900, "4102444800000"),
                              zendesk_ticket(2, 900, "1780653600")]),
            ((1, "created_at out of range (before 2000 or in the future): 2100-01-01"),), (2,)),
    BadCase("json_truncated", TICKETS, "zendesk/tickets.json",
            _raw('{"tickets": [{"id": 1, "created_at": "2026-'),
            ((None, "file is not valid JSON"),), ()),
    BadCase("json_without_list", USERS, "zendesk/users.json",
            _raw('{"user": {"id": 1}}'),
            ((None, 'JSON document has no "users" list'),), ()),
    BadCase("user_missing_id", USERS, "zendesk/users.json",
            _json("users", [zendesk_user(900, "a@example.com") | {"id": None},
                            zendesk_user(901, "b@example.com")]),
            ((1, "missing id"),), (2,)),
    BadCase("score_out_of_range", NPS, "surveys/nps.csv",
            _csv(NPS_HEADER, [nps("r1", "11"), nps("r2", "7")]),
            ((1, "score must be an integer from 0 to 10, got 11"),), (2,)),
    BadCase("score_not_integer", NPS, "surveys/nps.csv",
            _csv(NPS_HEADER, [nps("r1", "8"), nps("r2", "9.5")]),
            ((2, "score must be an integer from 0 to 10, got 9.5"),), (1,)),
    BadCase("missing_email", NPS, "surveys/nps.csv",
            _csv(NPS_HEADER, [nps("r1", email=" "), nps("r2")]),
            ((1, "missing email"),), (2,)),
    BadCase("epoch_with_wrong_digit_count", NPS, "surveys/nps.csv",
            _csv(NPS_HEADER, [nps("r1", answered="17806536001"), nps("r2", answered="1780653600")]),
            ((1, "answered_at is not a timestamp: 17806536001"),), (2,)),
    BadCase("bad_row_after_quoted_newlines", NPS, "surveys/nps.csv",
            _csv(NPS_HEADER, [nps("r1", comment="line one\nline two"), nps("r2", "ten"),
                              nps("r3", comment='said "hi"\nand left')]),
            ((2, "score must be an integer from 0 to 10, got ten"),), (1, 3)),
    BadCase("bad_row_in_cp1252_file", NPS, "surveys/nps.csv",
            _csv(NPS_HEADER, [nps("r1", comment="Grüße, schön"), nps("r2", "-1", comment="teuer €")],
                 encoding="cp1252"),
            ((2, "score must be an integer from 0 to 10, got -1"),), (1,)),
    BadCase("bad_row_in_gzip_file", NPS, "surveys/nps_20260602.csv.gz",
            _csv(NPS_HEADER, [nps("r1"), nps("r2", answered="gestern")]),
            ((2, "answered_at is not a timestamp: gestern"),), (1,)),
    BadCase("bad_row_in_file_with_bom", CONTACTS, "hubspot/contacts.csv",
            lambda folder, file: put(folder, file, "\ufeff" + csv_text(
                CONTACT_HEADER, [contact("1", "2026-06-01 10:00"), contact("2", "soon")])),
            ((2, "Create Date is not a date: soon"),), (1,)),
    BadCase("empty_file_without_header", NPS, "surveys/nps.csv", _raw(b""),
            ((None, "file is empty"),), ()),
    BadCase("empty_ndjson_file", GA4, "ga4/events_20260601.ndjson", _raw(b"\n"),
            ((None, "file is empty"),), ()),
    BadCase("corrupt_gzip", GA4, "ga4/events_20260601.ndjson.gz",
            lambda folder, file: (folder / file).parent.mkdir(parents=True, exist_ok=True)
            or (folder / file).write_bytes(gzip.compress(ndjson(good_event(1)).encode())[:-12]),
            ((None, "file could not be read"),), ()),
]


# The n-th case of a raw table goes into shared load n: one file per raw table in each load (8 loads
# for the 34 cases instead of 34), the same landing, staging and quality steps, default settings
Connection = duckdb.DuckDBPyConnection
BAD_LOAD = {case.kind: [c.kind for c in BAD_CASES if c.raw_table == case.raw_table].index(case.kind)
            for case in BAD_CASES}


@pytest.fixture(scope="module")
def bad_loads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[int], Connection]]:
    """Load n of the matrix, built the first time a case of it asks (read only: tests share it)."""
    opened: dict[int, Connection] = {}

    def load_number(number: int) -> Connection:
        if number not in opened:
            base = tmp_path_factory.mktemp(f"bad_load_{number}")
            for case in BAD_CASES:
                if BAD_LOAD[case.kind] == number:
                    case.write(base / "input", case.file)
            opened[number] = load(base / "input", base)
        return opened[number]

    yield load_number
    for con in opened.values():
        con.close()


def test_matrix_covers_at_least_twenty_kinds():
    assert len({case.kind for case in BAD_CASES}) == len(BAD_CASES) >= 20


@pytest.mark.parametrize("case", BAD_CASES, ids=[case.kind for case in BAD_CASES])
def test_bad_input_is_quarantined_and_the_rest_of_the_file_loads(
        case: BadCase, bad_loads: Callable[[int], Connection]) -> None:
    con = bad_loads(BAD_LOAD[case.kind])
    path = case.file  # lineage names a file by its path inside the input folder
    rejected = con.execute("""
        SELECT row_number, reason, raw_text, raw_table FROM quality.rejected_rows
        WHERE source_file = ? ORDER BY row_number NULLS FIRST
    """, [path]).fetchall()
    assert [r[0] for r in rejected] == [row for row, _ in case.bad], rejected
    for (_, fragment), (_, reason, raw_text, raw_table) in zip(case.bad, rejected, strict=True):
        assert fragment in reason
        assert raw_text is not None
        assert raw_table == case.raw_table
    loaded = con.execute("""
        SELECT row_number FROM staging.record_outcomes
        WHERE source_file = ? AND outcome = 'loaded' ORDER BY 1
    """, [path]).fetchall()
    assert [r[0] for r in loaded] == list(case.good_rows)
    unbalanced = rows(con, """
        SELECT source_file FROM quality.load_summary
        WHERE rows_read <> rows_loaded + rows_rejected + rows_duplicate
    """)
    assert unbalanced == []
    summary = con.execute("""
        SELECT rows_read, rows_loaded, rows_rejected FROM quality.load_summary WHERE source_file = ?
    """, [path]).fetchall()
    assert summary == [(len(case.bad) + len(case.good_rows), len(case.good_rows), len(case.bad))]


def test_bad_raw_text_keeps_the_record_but_masks_contact_details(tmp_path: Path):
    folder = tmp_path / "input"
    put(folder, "surveys/nps.csv", csv_text(NPS_HEADER, [nps("r1", "11", comment="zu teuer\nsorry")]))
    con = load(folder, tmp_path)
    [(raw_text,)] = rows(con, "SELECT raw_text FROM quality.rejected_rows")
    # free text may name people, so the comment is redacted too
    assert json.loads(raw_text) == {"response_id": "r1", "email": "[email]", "score": "11",
                                    "comment": "[redacted]", "answered_at": "2026-06-02T10:00:00Z"}


# --- messy but valid input ---------------------------------------------------------------------


def test_cp1252_bom_and_gzip_files_load_with_the_right_text(tmp_path: Path):
    folder = tmp_path / "input"
    put(folder, "surveys/nps_a.csv", csv_text(NPS_HEADER, [nps("r1", comment="Grüße €")]), "cp1252")
    put(folder, "surveys/nps_b.csv", "\ufeff" + csv_text(NPS_HEADER, [nps("r2", comment="Grüße €")]))
    put(folder, "surveys/nps_c.csv.gz", csv_text(NPS_HEADER, [nps("r3", comment="Grüße €")]))
    users = envelope("users", [zendesk_user(900, "a@example.com") | {"name": "Jürgen Müller"}])
    put(folder, "zendesk/users.json.gz", users.replace("\\u00fc", "ü"), "cp1252")
    put(folder, "zendesk/tickets.json", "\ufeff" + envelope(
        "tickets", [zendesk_ticket(1, 900, "2026-06-05T10:00:00Z")]))
    put(folder, "ga4/events_20260601.ndjson.gz", ndjson(good_event(1), good_event(2)))
    put(folder, "ga4/events_20260602.ndjson", "\ufeff" + ndjson(good_event(3)))
    con = load(folder, tmp_path)
    assert rows(con, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
    comments = rows(con, "SELECT DISTINCT record->>'comment', _encoding FROM raw.survey_nps ORDER BY 2")
    assert comments == [("Grüße €", "cp1252"), ("Grüße €", "utf-8"), ("Grüße €", "utf-8-sig")]
    assert rows(con, "SELECT record->>'name' FROM raw.zendesk_users") == [("Jürgen Müller",)]
    assert rows(con, "SELECT count(*) FROM staging.events WHERE source = 'ga4'") == [(3,)]
    assert rows(con, "SELECT count(*) FROM staging.events WHERE source = 'zendesk'") == [(1,)]


def test_german_csv_separator_decimal_comma_and_dates(tmp_path: Path):
    folder = tmp_path / "input"
    put(folder, "hubspot/deals.csv", csv_text(DEAL_HEADER, [
        hubspot_deal("9", "5101;5102", "03.06.2026 14:22", amount="1.200,50",
                     stages={"Closed Won": "10.06.2026 09:00"}),
        hubspot_deal("10", "5103", "03.06.2026", amount="99,9"),
    ], delim=";"), "cp1252")
    put(folder, "hubspot/contacts.csv", csv_text(CONTACT_HEADER, [
        contact("5101", "03.06.2026 14:22:05"),
    ], delim=";"))
    con = load(folder, tmp_path, source_time_zones={"hubspot": "Europe/Berlin"})
    assert rows(con, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
    deals = rows(con, """
        SELECT record_id, crm_contact_id, amount, created_at, closed_won_at
        FROM staging.hubspot_deals ORDER BY record_id
    """)
    assert deals == [
        ("10", "hubspot:5103", 99.9, datetime(2026, 6, 2, 22, 0, tzinfo=UTC), None),
        ("9", "hubspot:5101", 1200.5, datetime(2026, 6, 3, 12, 22, tzinfo=UTC),
         datetime(2026, 6, 10, 7, 0, tzinfo=UTC)),
    ]
    assert rows(con, "SELECT created_at FROM staging.hubspot_contacts") == [
        (datetime(2026, 6, 3, 12, 22, 5, tzinfo=UTC),)]
    assert rows(con, "SELECT value FROM staging.events WHERE event_name = 'deal_closed_won'") == [(1200.5,)]


def test_header_variants_extra_and_reordered_columns(tmp_path: Path):
    folder = tmp_path / "input"
    header = ["  answered AT", "Score", "EMAIL", "RESPONSE_ID ", "Comment", "Browser", "extra col"]
    put(folder, "surveys/nps.csv", csv_text(header, [
        ["2026-06-02T10:00:00Z", "9", "x@example.com", "r1", "", "Firefox", "1"],
    ]))
    con = load(folder, tmp_path)
    assert rows(con, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
    assert rows(con, "SELECT response_id, score, answered_at FROM staging.survey_nps") == [
        ("r1", 9, datetime(2026, 6, 2, 10, 0, tzinfo=UTC))]


def test_zone_less_timestamps_use_the_source_time_zone(tmp_path: Path):
    folder = tmp_path / "input"
    put(folder, "surveys/nps.csv", csv_text(NPS_HEADER, [
        nps("r1", answered="2026-06-02 10:00"),        # zone-less: New York (EDT, UTC-4)
        nps("r2", answered="2026-06-02T10:00:00Z"),    # explicit UTC stays UTC
        nps("r3", answered="2026-06-02T10:00:00+02:00"),
    ]))
    put(folder, "zendesk/tickets.json", envelope("tickets", [zendesk_ticket(1, 900, "2026-06-02 10:00")]))
    con = load(folder, tmp_path, time_zone="Europe/Berlin",
               source_time_zones={"surveys": "America/New_York"})
    assert rows(con, "SELECT response_id, answered_at FROM staging.survey_nps ORDER BY 1") == [
        ("r1", datetime(2026, 6, 2, 14, 0, tzinfo=UTC)),
        ("r2", datetime(2026, 6, 2, 10, 0, tzinfo=UTC)),
        ("r3", datetime(2026, 6, 2, 8, 0, tzinfo=UTC)),
    ]
    # zendesk has no zone of its own: the default time_zone applies
    assert rows(con, "SELECT created_at FROM staging.zendesk_tickets") == [
        (datetime(2026, 6, 2, 8, 0, tzinfo=UTC),)]


def test_default_zone_is_utc(tmp_path: Path):
    folder = tmp_path / "input"
    put(folder, "surveys/nps.csv", csv_text(NPS_HEADER, [nps("r1", answered="2026-06-02 10:00")]))
    con = load(folder, tmp_path)
    assert rows(con, "SELECT answered_at FROM staging.survey_nps") == [
        (datetime(2026, 6, 2, 10, 0, tzinfo=UTC),)]


def test_epoch_seconds_millis_and_micros(tmp_path: Path):
    folder = tmp_path / "input"
    put(folder, "surveys/nps.csv", csv_text(NPS_HEADER, [
        nps("r1", answered="1780653600"), nps("r2", answered="1780653600000"),
        nps("r3", answered="1780653600000000"),
    ]))
    put(folder, "zendesk/tickets.json", json.dumps({"tickets": [
        zendesk_ticket(1, 900, "x") | {"created_at": 1780653600, "updated_at": 1780653600000}]}))
    con = load(folder, tmp_path, time_zone="Europe/Berlin")  # epochs carry their zone (UTC)
    expected = datetime(2026, 6, 5, 10, 0, tzinfo=UTC)
    assert rows(con, "SELECT DISTINCT answered_at FROM staging.survey_nps") == [(expected,)]
    assert rows(con, "SELECT created_at, updated_at FROM staging.zendesk_tickets") == [(expected, expected)]


def test_folder_with_many_daily_files(tmp_path: Path):
    folder = tmp_path / "input"
    for day in range(30):
        ts = T0 + timedelta(days=day)
        name = f"ga4/events_{ts:%Y%m%d}.ndjson" + (".gz" if day % 2 else "")
        put(folder, name, ndjson(ga4_event(ts, "page_view", "c1"), ga4_event(ts, "page_view", "c2")))
    con = load(folder, tmp_path)
    assert rows(con, "SELECT count(*), sum(rows_loaded), sum(rows_read) FROM quality.load_summary") == [
        (30, 60, 60)]
    assert rows(con, "SELECT count(*) FROM staging.events") == [(60,)]


def test_header_only_files_are_no_error_but_headerless_empty_ones_are(tmp_path: Path):
    folder = tmp_path / "input"
    put(folder, "surveys/nps_header_only.csv", csv_text(NPS_HEADER, []))
    put(folder, "hubspot/contacts.csv.gz", csv_text(CONTACT_HEADER, []))
    put(folder, "zendesk/tickets.json", envelope("tickets", []))
    put(folder, "zendesk/users.json", "")
    put(folder, "surveys/nps_good.csv", csv_text(NPS_HEADER, [nps("r1")]))
    con = load(folder, tmp_path)
    assert rows(con, """
        SELECT regexp_extract(source_file, '[^/]+$'), row_number, reason FROM quality.rejected_rows
    """) == [("users.json", None, "file is empty: no header and no records")]
    assert rows(con, "SELECT count(*) FROM staging.events") == [(1,)]


def test_duplicates_across_files_are_counted(tmp_path: Path):
    folder = tmp_path / "input"
    first = [contact("1", "2026-06-01 10:00"), contact("2", "2026-06-01 11:00")]
    put(folder, "hubspot/contacts_1.csv", csv_text(CONTACT_HEADER, first))
    # the next export repeats contact 2 with its columns in another order, and adds contact 3
    order = list(reversed(range(len(CONTACT_HEADER))))
    again = [first[1], contact("3", "2026-06-01 12:00")]
    put(folder, "hubspot/contacts_2.csv.gz", csv_text(
        [CONTACT_HEADER[i] for i in order], [[r[i] for i in order] for r in again]))
    con = load(folder, tmp_path)
    assert rows(con, """
        SELECT regexp_extract(source_file, '[^/]+$'), rows_read, rows_loaded, rows_rejected, rows_duplicate
        FROM quality.load_summary ORDER BY 1
    """) == [("contacts_1.csv", 2, 2, 0, 0), ("contacts_2.csv.gz", 2, 1, 0, 1)]
