"""Zendesk satisfaction ratings, Freshdesk tickets, CSAT and CES answers: hand-made exports, every
expected row worked out by hand in the comments (minutes after T0)."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from builders import (
    FRESHDESK_CSV_HEADER,
    NPS_HEADER,
    SURVEY_HEADER,
    T0,
    freshdesk_csv_row,
    freshdesk_ticket,
    ga4_event,
    write_csv,
    write_freshdesk,
    write_ga4,
    write_zendesk,
    write_zendesk_ratings,
    zendesk_rating,
    zendesk_ticket,
    zendesk_user,
)
from conftest import open_build, rows
from journeyflow.model_rows import run_model


def minutes(n: float):
    return T0 + timedelta(minutes=n)


def iso(n: float) -> str:
    return minutes(n).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(n: float) -> str:
    """How DuckDB returns minute n (UTC) as text."""
    return minutes(n).strftime("%Y-%m-%d %H:%M:%S+00")


def summary(con, raw_table: str) -> list[tuple]:
    return rows(con, f"""
        SELECT regexp_extract(source_file, '[^/]+$'), rows_read, rows_loaded, rows_rejected,
               rows_duplicate
        FROM quality.load_summary WHERE raw_table = '{raw_table}' ORDER BY 1
    """)


def rejects(con, raw_table: str) -> list[tuple]:
    return rows(con, f"""
        SELECT regexp_extract(source_file, '[^/]+$'), row_number, reason
        FROM quality.rejected_rows WHERE raw_table = '{raw_table}' ORDER BY 1, 2 NULLS FIRST
    """)


def built_once(tmp_path_factory, write_input: Callable[[Path], None]) -> Iterator[duckdb.DuckDBPyConnection]:
    """The input `write_input` writes, built once with the default settings; yields it read-only."""
    base = tmp_path_factory.mktemp(write_input.__name__)
    write_input(base / "input")
    con = open_build(base)
    yield con
    con.close()


# ---- Zendesk satisfaction ratings --------------------------------------------------------------
def write_ratings_input(folder: Path) -> None:
    write_zendesk(folder, [
        # ticket 1: rated good inside the ticket, and in the ratings export (changed to bad later)
        zendesk_ticket(1, 101, iso(0), status="solved", updated=iso(100), rating="good"),
        # ticket 2: rated bad inside the ticket only -> the fallback rating event at updated_at (60)
        zendesk_ticket(2, 102, iso(0), status="solved", updated=iso(60), rating="bad"),
        # ticket 3: the ticket export still says offered; the ratings export has the answer bad (70)
        zendesk_ticket(3, 103, iso(0), status="solved", updated=iso(80), rating="offered"),
        # ticket 4: good inside the ticket; the ratings export only has the offer -> fallback (90)
        zendesk_ticket(4, 101, iso(0), status="solved", updated=iso(90), rating="good"),
    ], [zendesk_user(101, "p1@example.com", "u1"), zendesk_user(102, "p2@example.com", "u2"),
        zendesk_user(103, "p3@example.com", "u3")])
    write_zendesk_ratings(folder, [
        zendesk_rating(11, 1, 101, "good", iso(40)),
        zendesk_rating(13, 3, 103, "bad", iso(70), comment="Took a week."),
        zendesk_rating(14, 4, 101, "offered", iso(50)),
        # a rating whose ticket is not in the tickets export still rates (requester 102)
        zendesk_rating(15, 99, 102, "good", iso(30)),
        zendesk_rating(18, 1, 101, "good", iso(45)) | {"ticket_id": None},
        zendesk_rating(19, 2, 102, "great", iso(45)),
    ])
    # a later export: the customer changed rating 11 to bad at minute 120 (created_at stays 40)
    write_zendesk_ratings(folder, [zendesk_rating(11, 1, 101, "bad", iso(40), updated=iso(120))],
                          name="satisfaction_ratings_2.json")


@pytest.fixture(scope="module")
def ratings_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The ratings exports built once (default settings): the tests using it only read it."""
    yield from built_once(tmp_path_factory, write_ratings_input)


def test_a_ticket_is_rated_once_from_the_ratings_export_else_from_the_ticket(ratings_built):
    con = ratings_built
    assert rows(con, """
        SELECT event_name, source_table, json_extract_string(properties, '$.ticket_id'),
               source_record_id, support_user_id, strftime(occurred_at, '%Y-%m-%d %H:%M:%S+00')
        FROM staging.events WHERE event_name LIKE 'ticket_rated_%'
        ORDER BY occurred_at
    """) == [
        # rating 15 (ticket 99) at 30; ticket 1's latest answer (bad, file 2) at its created_at 40
        ("ticket_rated_good", "raw.zendesk_satisfaction_ratings", "99", "15", "zendesk:102", at(30)),
        ("ticket_rated_bad", "raw.zendesk_satisfaction_ratings", "1", "11", "zendesk:101", at(40)),
        # ticket 2: no rating record -> from the ticket at updated_at 60 (properties have no ticket_id)
        ("ticket_rated_bad", "raw.zendesk_tickets", None, "2", "zendesk:102", at(60)),
        # ticket 3: the answer from the ratings export at 70; the ticket's "offered" makes nothing
        ("ticket_rated_bad", "raw.zendesk_satisfaction_ratings", "3", "13", "zendesk:103", at(70)),
        # ticket 4: only an offer in the ratings export -> the ticket's own good at 90
        ("ticket_rated_good", "raw.zendesk_tickets", None, "4", "zendesk:101", at(90)),
    ]
    # created and solved still come from every ticket: 4 + 4
    assert rows(con, """
        SELECT event_name, count(*) FROM staging.events
        WHERE event_name IN ('ticket_created', 'ticket_solved') GROUP BY 1 ORDER BY 1
    """) == [("ticket_created", 4), ("ticket_solved", 4)]
    # the free-text comment stays in raw; the reason is a canned text
    assert rows(con, """
        SELECT properties FROM staging.events WHERE source_record_id = '13'
    """) == [('{"ticket_id":"3","score":"bad","reason":"The issue took too long to resolve",'
              '"has_comment":true}',)]
    assert rows(con, """
        SELECT touchpoint, count(*) FROM core.touchpoints WHERE touchpoint LIKE 'csat_%'
        GROUP BY 1 ORDER BY 1
    """) == [("csat_negative", 3), ("csat_positive", 2)]


def test_bad_ratings_are_rejected_and_every_rating_is_counted(ratings_built):
    con = ratings_built
    assert rejects(con, "raw.zendesk_satisfaction_ratings") == [
        ("satisfaction_ratings.json", 5, "missing ticket_id"),
        ("satisfaction_ratings.json", 6, "score must be good, bad, offered or unoffered, got great"),
    ]
    # file 1: 6 read = 4 loaded (11, 13, 14, 15) + 2 rejected; file 2: the changed rating 11
    assert summary(con, "raw.zendesk_satisfaction_ratings") == [
        ("satisfaction_ratings.json", 6, 4, 2, 0),
        ("satisfaction_ratings_2.json", 1, 1, 0, 0),
    ]


# ---- Freshdesk ---------------------------------------------------------------------------------
def write_freshdesk_input(folder: Path) -> None:
    # the Zendesk user ties anna's email to the shop login u1
    write_zendesk(folder, [], [zendesk_user(101, "anna.schmidt@example.com", "u1")])
    t3 = freshdesk_ticket(3, 5001, iso(20), status=4, updated=iso(50), source=1)
    write_freshdesk(folder, [
        # closed chat ticket with stats: created 0, resolved 100 (updated 200 is the auto-close)
        freshdesk_ticket(1, 5001, iso(0), status=5, updated=iso(200), source=7,
                         email=" Anna.Schmidt@Example.com", resolved=iso(100)),
        # open phone ticket of a requester without email
        freshdesk_ticket(2, 5002, iso(10), status=2, source=3),
        # resolved without stats.resolved_at: solved at updated_at 50
        t3,
        freshdesk_ticket(4, None, iso(5)),
        freshdesk_ticket(5, 5003, "31.02.2026 10:00"),
    ], name="tickets_p1.json")
    write_freshdesk(folder, [
        # ticket 2 again, resolved at 40 (the later version wins); ticket 3 repeated unchanged
        freshdesk_ticket(2, 5002, iso(10), status=4, updated=iso(40), source=3, resolved=iso(40)),
        t3,
    ], name="tickets_p2.json")
    write_freshdesk(folder, '{"tickets": []}', name="tickets_p3.json")
    write_freshdesk(folder, "[]", name="tickets_p4.json")


@pytest.fixture(scope="module")
def freshdesk_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The Freshdesk exports built once (default settings): the tests using it only read it."""
    yield from built_once(tmp_path_factory, write_freshdesk_input)


def test_freshdesk_tickets_make_created_and_solved_events(freshdesk_built):
    con = freshdesk_built
    assert rows(con, """
        SELECT source_record_id, event_name, strftime(occurred_at, '%Y-%m-%d %H:%M:%S+00'),
               origin, support_user_id, email_hash IS NOT NULL
        FROM staging.events WHERE source = 'freshdesk' ORDER BY occurred_at, event_name
    """) == [
        ("1", "ticket_created", at(0), "chat", "freshdesk:5001", True),
        ("2", "ticket_created", at(10), "phone", "freshdesk:5002", False),
        ("3", "ticket_created", at(20), "email", "freshdesk:5001", False),
        ("2", "ticket_solved", at(40), "phone", "freshdesk:5002", False),
        ("3", "ticket_solved", at(50), "email", "freshdesk:5001", False),
        ("1", "ticket_solved", at(100), "chat", "freshdesk:5001", True),
    ]
    # the same touchpoints as Zendesk tickets, by channel
    assert rows(con, """
        SELECT e.source_record_id, t.touchpoint, t.channel
        FROM core.touchpoints AS t JOIN staging.events AS e USING (event_id)
        WHERE t.source = 'freshdesk' AND t.event_name = 'ticket_created' ORDER BY 1
    """) == [("1", "support_chat", "chat"), ("2", "support_call", "phone"),
             ("3", "support_ticket", "support")]
    # anna's requester id, her (trimmed, lower-cased) email and her shop login are one person
    assert rows(con, """
        SELECT count(DISTINCT person_id) FROM core.identity_map
        WHERE identifier IN ('freshdesk:5001', 'user:u1')
    """) == [(1,)]
    assert rows(con, """
        SELECT status, priority, channel FROM staging.freshdesk_tickets WHERE ticket_id = '1'
    """) == [("closed", "medium", "chat")]


def test_bad_freshdesk_records_and_files(freshdesk_built):
    con = freshdesk_built
    assert rejects(con, "raw.freshdesk_tickets") == [
        ("tickets_p1.json", 4, "missing requester_id"),
        ("tickets_p1.json", 5, "created_at is not a timestamp: 31.02.2026 10:00"),
        ("tickets_p3.json", None,
         "JSON document is not a list (expected the API response: a JSON array)"),
    ]
    # p1: 5 = 3 + 2 rejected; p2: ticket 2's new version loads, ticket 3 is an exact copy;
    # p3: the whole file is one reject; p4 (`[]`) has no records: read, with a row of zeros
    assert summary(con, "raw.freshdesk_tickets") == [
        ("tickets_p1.json", 5, 3, 2, 0),
        ("tickets_p2.json", 2, 1, 0, 1),
        ("tickets_p3.json", 1, 0, 1, 0),
        ("tickets_p4.json", 0, 0, 0, 0),
    ]


def test_the_web_app_csv_export_and_the_api_pages_give_each_ticket_once(build, tmp_path):
    folder = tmp_path / "input"
    write_freshdesk(folder, [freshdesk_ticket(1, 5001, iso(0), status=2, updated=iso(10),
                                              email="anna@example.com")])
    # the CSV is written in the helpdesk's zone, Berlin (CEST = UTC+2): 11:00 local = minute 0;
    # with two custom fields, columns named by their labels
    custom = ["Praxis Dr. Weber", "01719876543"]
    header = [*FRESHDESK_CSV_HEADER, "Referring Practice", "Customer Phone"]
    write_csv(folder / "freshdesk" / "tickets.csv", header, [
        # ticket 1 again, resolved at 11:30 local (minute 30): later than the API's version (10)
        freshdesk_csv_row("1", "2026-06-01 11:00:00", "Resolved", email="anna@example.com",
                          resolved="2026-06-01 11:30:00", updated="2026-06-01 11:30:00") + custom,
        # only in the CSV: closed without a Resolved time -> solved at the Closed time (minute 60)
        freshdesk_csv_row("7", "2026-06-01 11:05:00", "Closed", "Feedback Widget",
                          email="Bob@Example.com", closed="2026-06-01 12:00:00",
                          updated="2026-06-01 12:00:00") + custom,
        freshdesk_csv_row("8", "2026-06-01 11:10:00") + custom,
        freshdesk_csv_row("9", "2026-06-31 10:00", email="carl@example.com") + custom,
    ])
    con = build(source_time_zones={"freshdesk": "Europe/Berlin"})
    assert rows(con, """
        SELECT source_record_id, event_name, source_table, strftime(occurred_at, '%Y-%m-%d %H:%M:%S+00'),
               origin, support_user_id
        FROM staging.events WHERE source = 'freshdesk' ORDER BY occurred_at, event_name
    """) == [
        # ticket 1 from its latest version (the CSV), the requester id from the API version
        ("1", "ticket_created", "raw.freshdesk_tickets_csv", at(0), "email", "freshdesk:5001"),
        ("7", "ticket_created", "raw.freshdesk_tickets_csv", at(5), "feedback_widget", None),
        ("1", "ticket_solved", "raw.freshdesk_tickets_csv", at(30), "email", "freshdesk:5001"),
        ("7", "ticket_solved", "raw.freshdesk_tickets_csv", at(60), "feedback_widget", None),
    ]
    assert rejects(con, "raw.freshdesk_tickets_csv") == [
        ("tickets.csv", 3,
         "missing Requester email (and no Contact ID): the ticket cannot be linked to a person"),
        ("tickets.csv", 4, "Created time is not a timestamp: 2026-06-31 10:00"),
    ]
    assert summary(con, "raw.freshdesk_tickets_csv") == [("tickets.csv", 4, 2, 2, 0)]
    # a rejected row's text shows the export's ids, times and states; the custom fields, the agent,
    # the subject, the tags and the requester's name are redacted
    [(text,)] = rows(con, "SELECT raw_text FROM quality.rejected_rows WHERE row_number = 4 "
                          "AND raw_table = 'raw.freshdesk_tickets_csv'")
    assert json.loads(text) == {
        "ticket_id": "9", "subject": "[redacted]", "status": "Open", "priority": "Medium", "source": "Email",
        "type": "Question", "agent": "[redacted]", "group": "Support", "created_time": "2026-06-31 10:00",
        "due_by_time": "2026-06-31 10:00", "resolved_time": None, "closed_time": None,
        "last_update_time": "2026-06-31 10:00", "tags": "[redacted]", "requester_name": "[redacted]",
        "requester_email": "[email]", "referring_practice": "[redacted]", "customer_phone": "[redacted]"}


# ---- CSAT and CES ------------------------------------------------------------------------------
def write_survey_input(folder: Path) -> None:
    """P1 (u1, p1@example.com via the Zendesk user): 0 organic visit, 3 purchase, 10 CSAT 5,
    20 CSAT 2 (by user id only), 40 CES 7, 50 CES 1, 60 ticket rated good (ratings export).
    P3: 30 CSAT 4 with email and user id u3 (no other touchpoint)."""
    write_ga4(folder, [
        ga4_event(minutes(0), "session_start", "c1", user_id="u1", medium="organic"),
        ga4_event(minutes(3), "purchase", "c1", user_id="u1", path="/checkout", value=100.0),
    ])
    write_zendesk(folder, [], [zendesk_user(101, "p1@example.com", "u1")])
    write_zendesk_ratings(folder, [zendesk_rating(21, 7, 101, "good", iso(60))])
    write_csv(folder / "surveys" / "csat.csv", SURVEY_HEADER, [
        ["c1", "p1@example.com", "", "5", "Quick and friendly", iso(10)],
        ["c2", "", "u1", "2", "", iso(20)],
        ["c3", " P3@Example.com", "u3", "4", "", iso(30)],
        ["c4", "", "", "3", "", iso(35)],
        ["c5", "p1@example.com", "", "6", "", iso(36)],
        ["c6", "p1@example.com", "", "4.5", "", iso(37)],
    ])
    write_csv(folder / "surveys" / "ces.csv", SURVEY_HEADER, [
        ["e1", "", "u1", "7", "", iso(40)],
        ["e2", "p1@example.com", "", "1", "Three calls to get a refund", iso(50)],
        ["e3", "", "u1", "0", "", iso(55)],
        ["e4", "", "", "5", "", iso(56)],
    ])
    # NPS still needs an email, even when the export carries a user id
    write_csv(folder / "surveys" / "nps.csv", [*NPS_HEADER, "user_id"], [
        ["n1", "", "9", "", iso(70), "u1"],
    ])


@pytest.fixture(scope="module")
def survey_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The survey exports built once (default settings): the tests using it only read it."""
    yield from built_once(tmp_path_factory, write_survey_input)


def test_csat_and_ces_answers_link_by_email_or_user_id(survey_built):
    con = survey_built
    assert rows(con, """
        SELECT source_record_id, event_name, value, user_id, email_hash IS NOT NULL
        FROM staging.events WHERE source = 'survey' ORDER BY occurred_at
    """) == [
        ("c1", "csat_response", 5.0, None, True),
        ("c2", "csat_response", 2.0, "u1", False),
        ("c3", "csat_response", 4.0, "u3", True),
        ("e1", "ces_response", 7.0, "u1", False),
        ("e2", "ces_response", 1.0, None, True),
    ]
    assert rows(con, """
        SELECT touchpoint FROM core.touchpoints
        WHERE person_id = (SELECT person_id FROM core.identity_map WHERE identifier = 'user:u1')
        ORDER BY touchpoint_number
    """) == [("organic_search_visit",), ("purchase",), ("csat_positive",), ("csat_negative",),
             ("ces_low_effort",), ("ces_high_effort",), ("csat_positive",)]
    # c3 ties u3 to p3's email
    assert rows(con, """
        SELECT count(DISTINCT person_id) FROM core.identity_map
        WHERE identifier IN ('user:u3', (SELECT 'email:' || email_hash FROM staging.events
                                         WHERE source_record_id = 'c3'))
    """) == [(1,)]


def test_survey_rejects_name_the_scale_and_the_missing_identity(survey_built):
    con = survey_built
    assert rejects(con, "raw.survey_csat") == [
        ("csat.csv", 4, "missing email and user_id (one is needed)"),
        ("csat.csv", 5, "score must be an integer from 1 to 5, got 6"),
        ("csat.csv", 6, "score must be an integer from 1 to 5, got 4.5"),
    ]
    assert rejects(con, "raw.survey_ces") == [
        ("ces.csv", 3, "score must be an integer from 1 to 7, got 0"),
        ("ces.csv", 4, "missing email and user_id (one is needed)"),
    ]
    assert rejects(con, "raw.survey_nps") == [("nps.csv", 1, "missing email")]
    assert summary(con, "raw.survey_csat") == [("csat.csv", 6, 3, 3, 0)]
    assert summary(con, "raw.survey_ces") == [("ces.csv", 4, 2, 2, 0)]


def test_csat_pools_ratings_and_survey_answers_and_ces_counts_in_kpis(survey_built):
    # marts.touchpoint_kpis with pain_min_journeys 1, on the survey build's touchpoints and steps:
    # no table before it reads the setting, so they are those a build with it would have
    kpis = {row["touchpoint"]: row for row in run_model("marts.touchpoint_kpis", {
        table: survey_built.execute(f"SELECT * FROM {table}").to_arrow_table()
        for table in ("core.touchpoints", "marts.touchpoint_steps")}, {"pain_min_journeys": 1})}
    purchase = kpis["purchase"]
    # after P1's purchase (3): CSAT 5 (satisfied), CSAT 2 (not), the good rating (60) -> 2 of 3;
    # CES 7 and 1 -> 2 answers, one of them 1-3, average (7 + 1) / 2 = 4
    assert (purchase["csat_responses"], purchase["csat_good"]) == (3, 2)
    assert purchase["csat"] == pytest.approx(2 / 3)
    assert (purchase["ces_responses"], purchase["ces_high_effort"]) == (2, 1)
    assert purchase["ces"] == pytest.approx(4.0)
    # negative answers: CSAT 2 and CES 1 of 5 answers (no NPS)
    assert purchase["low_score_rate"] == pytest.approx((0 + (3 - 2) + 1) / (0 + 3 + 2))
    # csat_positive: P1 first at 10 -> after it CSAT 2, CES 7, CES 1, the good rating;
    # P3's journey (30) has nothing after it
    positive = kpis["csat_positive"]
    assert (positive["journeys"], positive["csat_responses"], positive["csat_good"]) == (2, 2, 1)
    assert (positive["ces_responses"], positive["ces"]) == (2, pytest.approx(4.0))
    assert positive["low_score_rate"] == pytest.approx((1 + 1) / (2 + 2))
    # the last answer has nothing after it
    assert kpis["ces_high_effort"]["ces"] is None and kpis["ces_high_effort"]["csat"] == 1.0


def test_a_deleted_ticket_makes_no_contact_even_after_an_earlier_export(build, tmp_path):
    """Snapshots: the newest export of a ticket decides; a deletion there is not undone by an older row."""
    import json

    root = tmp_path / "input"
    write_zendesk(root, [  # Monday's export
        zendesk_ticket(1, 10, iso(0)),
        zendesk_ticket(2, 10, iso(60), status="deleted"),
    ], [zendesk_user(10, "anna@example.com")])
    tuesday = [
        zendesk_ticket(1, 10, iso(0), status="deleted"),  # deleted since Monday: gone
        zendesk_ticket(2, 10, iso(60)),  # restored from the trash: a contact again
        zendesk_ticket(3, 10, iso(120), status="Deleted"),  # only ever seen deleted
    ]
    (root / "zendesk" / "tickets_2026-06-09.json").write_text(
        json.dumps({"tickets": tuesday, "next_page": None, "count": 3}), "utf-8")
    con = build()
    assert rows(con, "SELECT source_record_id, event_name FROM staging.events WHERE source = 'zendesk'") == [
        ("2", "ticket_created")]
    assert rows(con, "SELECT reason, count(*) FROM quality.rejected_rows GROUP BY reason") == [
        ("status is deleted (deleted in Zendesk)", 3)]


def test_the_requesters_account_and_location_are_not_in_a_rejected_tickets_text(build, tmp_path):
    """The API export's ticket as a nested object: a social channel's `via.source.from` (username,
    profile_url) and a `system` object (where Zendesk saw the requester, as its audits' metadata
    has it: latitude and longitude are numbers) are `[redacted]` in the rejected row's text."""
    system = {"client": "Mozilla/5.0 Firefox/126.0", "ip_address": "198.51.100.7",
              "location": "Köpenick, Berlin, DE", "latitude": 52.4456, "longitude": 13.5761}
    ticket = zendesk_ticket(7, 901, iso(10)) | {
        "requester_id": None, "system": system,
        "via": {"channel": "twitter", "source": {"from": {
            "name": "Anna Schmidt", "username": "anna_berlin87",
            "profile_url": "https://twitter.com/anna_berlin87"}, "to": {}, "rel": "mention"}}}
    write_zendesk(tmp_path / "input", [zendesk_ticket(6, 901, iso(9)), ticket],
                  [zendesk_user(901, "anna@example.com")])
    con = build()
    [(text,)] = rows(con, "SELECT raw_text FROM quality.rejected_rows WHERE reason = 'missing requester_id'")
    for value in ("anna_berlin87", "Anna", "Mozilla", "198.51.100.7", "Köpenick", "52.4456", "13.5761"):
        assert value not in text
    for member in ("username", "profile_url", "client", "ip_address", "location", "latitude", "longitude"):
        assert f'"{member}":"[redacted]"' in text
    assert '"channel":"twitter"' in text  # what explains the row stays


# a ticket form's custom fields as the Tickets API lists them (also under their older name
# `fields`): free text an agent or the requester typed, a number, a multi-select's options, an
# empty field
CUSTOM_FIELDS = [
    {"id": 360001234501, "value": 'Rückruf an Anna "Annie" Weber, Praxis Dr. Weber'},
    {"id": 360001234502, "value": "Kundennummer 4711-WEBER"},
    {"id": 360001234503, "value": ["kundin_weber_vip", "rueckruf"]},
    {"id": 360001234504, "value": 2},
    {"id": 360001234505, "value": None},
]


def test_a_tickets_custom_field_values_are_not_in_a_rejected_tickets_text(build, tmp_path):
    """The values of `custom_fields` (and `fields`) are `[redacted]` in the rejected row's text,
    text, numbers and lists alike; the field ids stay, so an analyst sees which field it was. A
    subject with quotes in it is redacted to its end, not to the first escaped quote."""
    ticket = zendesk_ticket(7, 901, iso(10)) | {
        "requester_id": None, "custom_fields": CUSTOM_FIELDS, "fields": CUSTOM_FIELDS,
        "subject": 'Re: "Wo bleibt meine Bestellung?" – Anna Weber'}
    write_zendesk(tmp_path / "input", [zendesk_ticket(6, 901, iso(9)), ticket],
                  [zendesk_user(901, "anna@example.com")])
    con = build()
    [(text,)] = rows(con, "SELECT raw_text FROM quality.rejected_rows WHERE reason = 'missing requester_id'")
    for value in ("Weber", "Annie", "4711", "kundin", "rueckruf", "Bestellung"):
        assert value not in text
    for field_id in (360001234501, 360001234502, 360001234503, 360001234504):
        assert text.count(f'{{"id":{field_id},"value":"[redacted]"}}') == 2  # custom_fields and fields
    assert text.count('{"id":360001234505,"value":null}') == 2
    assert '"subject":"[redacted]",' in text
    # the custom fields are read by no staged table
    staged = str(rows(con, "SELECT * FROM staging.zendesk_tickets")) + str(
        rows(con, "SELECT * FROM staging.events"))
    assert "Weber" not in staged and "4711" not in staged


def test_a_freshdesk_tickets_custom_fields_are_not_in_a_rejected_tickets_text(build, tmp_path):
    """Freshdesk names a ticket's custom fields `cf_<name>` under `custom_fields`: their values
    (text or numbers) are `[redacted]` in the rejected row's text, an empty one stays null."""
    ticket = freshdesk_ticket(4, None, iso(5)) | {"custom_fields": {
        "cf_order_note": "Rückruf an Praxis Dr. Weber", "cf_customer_number": 4711, "cf_reason": None}}
    write_freshdesk(tmp_path / "input", [freshdesk_ticket(1, 5001, iso(0)), ticket])
    con = build()
    [(text,)] = rows(con, "SELECT raw_text FROM quality.rejected_rows WHERE reason = 'missing requester_id'")
    assert "Weber" not in text and "4711" not in text
    assert ('"custom_fields":{"cf_order_note":"[redacted]","cf_customer_number":"[redacted]",'
            '"cf_reason":null}') in text
