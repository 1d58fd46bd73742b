"""UTM values in URLs are URL-decoded as GA4 decodes them (issue #26): `utm_campaign=Summer%20Sale`,
`Summer+Sale` and GA4's `Summer Sale` are one campaign; a malformed encoding keeps the raw value and
never fails the run (sql/_fragments/url_decoded.sql; Spark: test_spark_transpile.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from builders import ga4_event, write_ga4
from conftest import open_build, rows
from journeyflow.sql_templates import expand_fragments
from test_email_sources import act, recipient, write_json

# (as written in the URL, the value it stands for), worked out by hand from RFC 3986 / UTF-8
CASES = [
    ("Summer%20Sale", "Summer Sale"),
    ("Summer+Sale", "Summer Sale"),  # a query string's + is a space
    ("a%2Bb", "a+b"),  # an encoded + stays a plus
    ("100%25+off", "100% off"),
    ("caf%C3%A9", "café"),  # two bytes of UTF-8
    ("caf%c3%a9", "café"),  # lower-case hex
    ("%E2%82%AC5", "€5"),  # three bytes
    ("%F0%9F%98%80", "😀"),  # four bytes
    ("june_news", "june_news"),
    # malformed: kept as written
    ("%zz", "%zz"),  # not hex
    ("50%", "50%"),  # a lone % at the end
    ("a%2", "a%2"),  # one hex digit
    ("50%+off", "50%+off"),  # the + is not decoded either: the raw value is kept whole
    ("caf%e9", "caf%e9"),  # Latin-1 é: not UTF-8
    ("%C3", "%C3"),  # a UTF-8 lead byte without its continuation
    ("%C0%80", "%C0%80"),  # an overlong form of NUL
    ("%ED%A0%80", "%ED%A0%80"),  # a UTF-16 surrogate
    ("%F4%90%80%80", "%F4%90%80%80"),  # above U+10FFFF
]
QUERY = "select v, {{ url_decoded(v) }} as decoded from cases order by n"


def cases_table() -> str:
    values = ", ".join(f"({n}, '{raw}')" for n, (raw, _) in enumerate(CASES)) + f", ({len(CASES)}, null)"
    return f"with cases(n, v) as (values {values}) "


def test_url_decoded_decodes_valid_encodings_and_keeps_malformed_ones() -> None:
    con = duckdb.connect()
    got = con.execute(cases_table() + expand_fragments(QUERY)).fetchall()
    assert got == [*CASES, (None, None)]


CAMPAIGN, OTHER = "42694e9e57", "5f1e2d3c4b"


def link(campaign: str) -> str:
    return f"https://shop.example.com/summer?utm_source=newsletter&utm_medium=e%2Dmail&utm_campaign={campaign}"


def test_an_email_clicks_encoded_campaign_is_the_ga4_visits_campaign(tmp_path) -> None:
    """Mailchimp clicks with the campaign encoded two ways are GA4's `Summer Sale`; the opens and the
    unsubscribe take the decoded campaign of their campaign's clicks; a malformed link stays as it is."""
    folder = tmp_path / "input"
    write_json(folder / "mailchimp" / f"email-activity_{CAMPAIGN}.json", {"emails": [
        recipient("anna@example.com", [act("open", "2026-06-01T09:00:00+00:00"),
                                       act("click", "2026-06-01T09:05:00+00:00", link("Summer%20Sale"))]),
        recipient("ben@example.com", [act("click", "2026-06-01T09:10:00+00:00", link("Summer+Sale"))]),
    ], "campaign_id": CAMPAIGN, "total_items": 2})
    write_json(folder / "mailchimp" / f"email-activity_{OTHER}.json", {"emails": [
        recipient("carl@example.com", [act("open", "2026-06-01T09:00:00+00:00"),
                                       act("click", "2026-06-01T09:20:00+00:00", link("50%+off"))],
                  campaign=OTHER),
    ], "campaign_id": OTHER, "total_items": 1})
    write_json(folder / "mailchimp" / f"unsubscribed_{CAMPAIGN}.json", {"unsubscribes": [
        {"email_id": "x1", "email_address": "ben@example.com", "timestamp": "2026-06-02T10:00:00+00:00",
         "reason": "", "campaign_id": CAMPAIGN, "list_id": "57afe96172"},
    ], "campaign_id": CAMPAIGN, "total_items": 1})
    visit = ga4_event(datetime(2026, 6, 1, 9, 6, tzinfo=UTC), "session_start", "cookie-1",
                      path="/summer", medium="email", source="newsletter")
    visit["collected_traffic_source"]["manual_campaign_name"] = "Summer Sale"  # GA4 decodes
    write_ga4(folder, [visit])
    con = open_build(tmp_path)
    try:
        assert rows(con, """
            SELECT source, event_name, utm_source, utm_medium, utm_campaign FROM staging.events
            ORDER BY occurred_at, source, utm_campaign""") == [
            ("mailchimp", "email_opened", "mailchimp", "email", "50%+off"),  # no link: the sender, email
            ("mailchimp", "email_opened", "mailchimp", "email", "Summer Sale"),
            ("mailchimp", "email_clicked", "newsletter", "e-mail", "Summer Sale"),
            ("ga4", "session_start", "newsletter", "email", "Summer Sale"),
            ("mailchimp", "email_clicked", "newsletter", "e-mail", "Summer Sale"),
            ("mailchimp", "email_clicked", "newsletter", "e-mail", "50%+off"),
            ("mailchimp", "email_unsubscribed", "mailchimp", "email", "Summer Sale"),
        ]
        assert rows(con, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
    finally:
        con.close()
