"""Snowplow (enriched TSV and SDK JSON) and Segment (NDJSON calls): given export lines, expect the
staged records, events, rejects, duplicates and identities worked out by hand."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from builders import (
    CONTACT_HEADER,
    T0,
    hubspot_contact,
    segment_call,
    snowplow_fields,
    snowplow_sdk_json,
    snowplow_tsv_line,
    snowplow_unstruct,
    write_csv,
    write_lines,
)
from conftest import open_build, rows

COOKIE = "d1f0c0de-0000-4000-8000-000000000001"
FORM = snowplow_unstruct(
    "iglu:com.snowplowanalytics.snowplow/submit_form/jsonschema/1-0-0",
    {"formId": "contact", "formClasses": ["hc-form"], "elements": []},
)


def minutes(n: int):
    return T0 + timedelta(minutes=n)


def snowplow_export(folder: Path) -> None:
    """A TSV of nine lines and an SDK JSON file of two, on the help centre."""
    e5 = snowplow_fields(minutes(4), "e5", "unstruct", user_id="u_000001", path="/hc/contact",
                         unstruct_event=FORM, event_name="submit_form")
    write_lines(folder / "snowplow" / "enriched-2026-06-01.tsv", [
        # 1 page view of an article by the cookie alone
        snowplow_tsv_line(snowplow_fields(minutes(0), "e1")),
        # 2 its page ping: staged and loaded, but no event of its own
        snowplow_tsv_line(snowplow_fields(minutes(0) + timedelta(seconds=10), "e2", "page_ping")),
        # 3 a structured event: a search, logged in as u_000001
        snowplow_tsv_line(snowplow_fields(minutes(1), "e3", "struct", user_id="u_000001",
                                          se_category="help", se_action="search",
                                          se_label="delivery", event_name="event",
                                          event_vendor="com.google.analytics")),
        # 4 a transaction of 49.00 EUR
        snowplow_tsv_line(snowplow_fields(minutes(2), "e4", "transaction", user_id="u_000001",
                                          tr_orderid="HC-1", tr_total="49.00",
                                          tr_currency="EUR")),
        # 5 the contact form sent (an unstruct event)
        snowplow_tsv_line(e5),
        # 6 a line that lost its last field: 130 fields → ingest error
        snowplow_tsv_line(snowplow_fields(minutes(5), "e8")).rsplit("\t", 1)[0],
        # 7 line 1 delivered again → duplicate of e1
        snowplow_tsv_line(snowplow_fields(minutes(0), "e1")),
        # 8 collected in 1999 → rejected
        snowplow_tsv_line(snowplow_fields(minutes(0).replace(year=1999), "e6")),
        # 9 no event_id → rejected
        snowplow_tsv_line(snowplow_fields(minutes(6), "")),
    ])
    write_lines(folder / "snowplow" / "enriched-2026-06-01.json", [
        # 1 e5 again, as the Analytics SDK writes it → duplicate (same event_id)
        json.dumps(snowplow_sdk_json(e5)),
        # 2 a new page view in SDK JSON, docs page, same cookie
        json.dumps(snowplow_sdk_json(snowplow_fields(minutes(30), "e7", path="/docs/sd-100"))),
    ])


@pytest.fixture(scope="module")
def snowplow_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The Snowplow export built once per module with the default settings: its tests only read it."""
    base = tmp_path_factory.mktemp("snowplow")
    snowplow_export(base / "input")
    con = open_build(base)
    yield con
    con.close()


def test_snowplow_tsv_and_json_rows_are_accounted_for(snowplow_built):
    con = snowplow_built
    summary = {
        Path(f).name: (read, loaded, rejected, duplicate)
        for f, read, loaded, rejected, duplicate in rows(con, """
            SELECT source_file, rows_read, rows_loaded, rows_rejected, rows_duplicate
            FROM quality.load_summary WHERE raw_table = 'raw.snowplow_events'""")
    }
    # files count in name order, so the .json file's e5 comes first and the TSV's is the copy:
    # JSON: 2 lines = loaded e5 e7; TSV: 9 lines = loaded e1 e2 e3 e4 + rejected line 6 (fields),
    # 8 (1999), 9 (no id) + duplicate line 5 (e5, seen in the JSON) and 7 (e1 again)
    assert summary == {"enriched-2026-06-01.tsv": (9, 4, 3, 2),
                       "enriched-2026-06-01.json": (2, 2, 0, 0)}
    rejected = rows(con, """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.snowplow_events' ORDER BY row_number""")
    assert rejected[0] == (6, "TSV line 6: expected 131 tab-separated fields, found 130")
    assert rejected[1][0] == 8 and rejected[1][1].startswith(
        "collector_tstamp out of range (before 2000 or in the future): 1999-06-01 09:00:00")
    assert rejected[2] == (9, "missing event_id")


def test_snowplow_events_names_values_and_identity(snowplow_built):
    con = snowplow_built
    events = rows(con, """
        SELECT source_record_id, event_name, anonymous_id, user_id, page_path, origin, value,
               currency, occurred_at
        FROM staging.events WHERE source = 'snowplow' ORDER BY occurred_at""")
    sp = "sp:" + COOKIE
    # the ping (e2) makes no event; structured events are named by se_action, origin se_category;
    # the transaction's value is tr_total; the unstruct event is named by its schema; the TSV's
    # zone-less timestamps are UTC
    assert [e[:8] for e in events] == [
        ("e1", "page_view", sp, None, "/hc/articles/delivery-times", None, None, None),
        ("e3", "search", sp, "u_000001", "/hc/articles/delivery-times", "help", None, None),
        ("HC-1", "transaction", sp, "u_000001", "/hc/articles/delivery-times", None, 49.0, "EUR"),
        ("e5", "submit_form", sp, "u_000001", "/hc/contact", None, None, None),
        ("e7", "page_view", sp, None, "/docs/sd-100", None, None, None),
    ]
    assert [e[8] for e in events] == [minutes(n) for n in (0, 1, 2, 4, 30)]
    # the cookie and the login are one person; all five are touchpoints of it
    touchpoints = rows(con, """
        SELECT touchpoint, is_conversion FROM core.touchpoints WHERE source = 'snowplow'
        ORDER BY occurred_at""")
    assert touchpoints == [("help_article", False), ("help_search", False), ("purchase", True),
                           ("help_contact_form", False), ("docs_article", False)]
    assert rows(con, "SELECT count(DISTINCT person_id) FROM core.touchpoints") == [(1,)]
    # the form's own data goes along, what was typed into it (`elements`) stays in raw
    unstruct = rows(con, """
        SELECT properties->>'$.unstruct' FROM staging.events WHERE source_record_id = 'e5'""")
    assert json.loads(unstruct[0][0]) == {"formId": "contact", "formClasses": ["hc-form"]}


def test_snowplow_tsv_and_sdk_json_stage_identically(snowplow_built):
    con = snowplow_built
    # every typed column (the texts as exported differ: `2026-06-01 09:04:00.000` vs `...T...Z`)
    staged = rows(con, """
        SELECT COLUMNS(lambda c: c NOT LIKE '%\\_text' ESCAPE '\\'
                       AND c NOT IN ('_source_file', '_row_number', '_load_id', '_is_duplicate'))
        FROM staging.snowplow_events WHERE event_id = 'e5' ORDER BY _source_file""")
    assert len(staged) == 2 and staged[0] == staged[1]
    assert len(staged[0]) > 30 and staged[0][-1] is None  # _reject_reason


# where and with what a visitor was (the IP lookup enrichment's fields, the user agent, the
# tracker's fingerprint): personal data under the GDPR; country, region and time zone are not
WHERE_AND_WHAT = {
    "user_ipaddress": "203.0.113.77", "user_fingerprint": "2812461235",
    "useragent": "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "geo_city": "Köpenick", "geo_zipcode": "12555", "geo_latitude": "52.4456",
    "geo_longitude": "13.5761", "ip_isp": "Kiezfunk Telekom", "ip_organization": "Weber Zahnarztpraxis",
    "ip_domain": "praxis-weber.example.net",
}
KEPT_PLACE = {"geo_country": "DE", "geo_region": "BE", "geo_region_name": "Berlin",
              "network_userid": "0f2a6c1e-0000-4000-8000-00000000000a"}


def test_where_and_with_what_a_visitor_was_is_not_in_a_rejected_rows_text(tmp_path):
    """An event without domain_userid and user_id is rejected whole, in either shape: its IP
    address, IP lookups (zip code, city, coordinates, ISP, organisation, domain), user agent and
    fingerprint are `[redacted]` in quality.rejected_rows (the SDK's coordinates are numbers); a
    line that lost a field cannot be keyed, and its IP address is `[ip]`. None of them is staged."""
    seen = snowplow_fields(minutes(0), "w1", **WHERE_AND_WHAT, **KEPT_PLACE)
    anonymous = snowplow_fields(minutes(1), "w2", domain_userid=None, **WHERE_AND_WHAT, **KEPT_PLACE)
    write_lines(tmp_path / "input" / "snowplow" / "enriched.tsv", [
        snowplow_tsv_line(seen),
        snowplow_tsv_line(anonymous),  # line 2: no identifier
        snowplow_tsv_line(snowplow_fields(minutes(2), "w3", **WHERE_AND_WHAT)).rsplit("\t", 1)[0],
    ])
    write_lines(tmp_path / "input" / "snowplow" / "enriched.json",
                [json.dumps(snowplow_sdk_json(anonymous | {"event_id": "w4"}))])
    con = open_build(tmp_path)
    texts = dict(rows(con, """
        SELECT source_file || ':' || row_number, raw_text FROM quality.rejected_rows
        WHERE raw_table = 'raw.snowplow_events'"""))
    assert sorted(texts) == ["snowplow/enriched.json:1", "snowplow/enriched.tsv:2",
                             "snowplow/enriched.tsv:3"]
    record_texts = [texts["snowplow/enriched.json:1"], texts["snowplow/enriched.tsv:2"]]
    for text in record_texts:
        for column, value in WHERE_AND_WHAT.items():
            assert re.search(rf'"{column}": ?"\[redacted\]"', text)
            assert value not in text
        for column, value in KEPT_PLACE.items():  # what explains the row stays
            assert re.search(rf'"{column}": ?"{value}"', text)
    assert "52.4456" not in texts["snowplow/enriched.json:1"]  # a number in the SDK's JSON
    line = texts["snowplow/enriched.tsv:3"]
    assert "203.0.113.77" not in line and "\t[ip]\t" in line
    # the visitor's event is staged without them
    staged = str(rows(con, "SELECT * FROM staging.snowplow_events")) + str(
        rows(con, "SELECT * FROM staging.events"))
    assert "w1" in staged
    assert [value for value in WHERE_AND_WHAT.values() if value in staged] == []
    con.close()


def segment_export(folder: Path) -> None:
    """Nine lines of a Segment S3 file from the mobile app, and the shop's CRM contact."""
    anon = "a1b2c3d4-0000-4000-8000-000000000001"
    order = segment_call(minutes(3), "m4", event="Order Completed", user_id="u_000002",
                         anonymous_id=anon,
                         properties={"order_id": "A-1", "revenue": 449.0, "total": 484.0,
                                     "currency": "EUR"})
    retry = dict(order, receivedAt="2026-06-01T09:10:00.000Z")
    write_lines(folder / "segment" / "1780300800000.ndjson", [
        # 1 login: identify links the app's anonymousId, the shop login and the (hashed) email
        json.dumps(segment_call(minutes(0), "m1", "identify", anonymous_id=anon,
                                user_id="u_000002", traits={"email": " Ben.Weber@Example.com "})),
        # 2 a screen the track calls already say: ignored by the taxonomy
        json.dumps(segment_call(minutes(1), "m2", "screen", name="Home", anonymous_id=anon,
                                user_id="u_000002")),
        # 3 a product viewed
        json.dumps(segment_call(minutes(2), "m3", event="Product Viewed", anonymous_id=anon,
                                user_id="u_000002", properties={"product_id": "sd-100"})),
        # 4 the order: value is revenue (449), not total
        json.dumps(order),
        # 5 the same messageId delivered again, another receivedAt → duplicate
        json.dumps(retry),
        # 6 a track call without a name → rejected
        json.dumps(segment_call(minutes(4), "m5", anonymous_id=anon)),
        # 7 no anonymousId, no userId → rejected
        json.dumps(segment_call(minutes(5), "m6", event="Product Viewed", anonymous_id=None)),
        # 8 revenue that is no number → rejected
        json.dumps(segment_call(minutes(6), "m7", event="Order Completed", anonymous_id=anon,
                                properties={"revenue": "n/a"})),
        # 9 cut off mid-line → not JSON
        json.dumps(segment_call(minutes(7), "m8", event="Product Viewed"))[:60],
    ])
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER,
              [hubspot_contact("201", "ben.weber@example.com", "2026-06-01 08:00")])


@pytest.fixture(scope="module")
def segment_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The Segment export built once per module with the default settings: its tests only read it."""
    base = tmp_path_factory.mktemp("segment")
    segment_export(base / "input")
    con = open_build(base)
    yield con
    con.close()


def test_segment_rows_are_accounted_for(segment_built):
    con = segment_built
    # 9 lines = loaded m1 m2 m3 m4 + duplicate line 5 + rejected lines 6, 7, 8, 9
    assert rows(con, """
        SELECT rows_read, rows_loaded, rows_rejected, rows_duplicate FROM quality.load_summary
        WHERE raw_table = 'raw.segment_events'""") == [(9, 4, 4, 1)]
    assert rows(con, """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.segment_events' ORDER BY row_number""") == [
        (6, "missing event (track call without a name)"),
        (7, "no identifier: anonymousId and userId are empty"),
        (8, "properties.revenue/total/value is not a number: n/a"),
        (9, "line is not valid JSON"),
    ]


def test_segment_events_touchpoints_and_identity(segment_built):
    con = segment_built
    events = rows(con, """
        SELECT source_record_id, event_name, anonymous_id, user_id, email_hash IS NOT NULL, value,
               currency
        FROM staging.events WHERE source = 'segment' ORDER BY occurred_at""")
    seg = "seg:a1b2c3d4-0000-4000-8000-000000000001"
    assert events == [
        ("m1", "identify", seg, "u_000002", True, None, None),
        ("m2", "Viewed Home Screen", seg, "u_000002", False, None, None),
        ("m3", "Product Viewed", seg, "u_000002", False, None, None),
        ("A-1", "Order Completed", seg, "u_000002", False, 449.0, "EUR"),
    ]
    touchpoints = rows(con, """
        SELECT source, touchpoint, is_conversion, value FROM core.touchpoints
        ORDER BY person_id, touchpoint_number""")  # the pipeline's order: ties stay as exported
    # identify and the Home screen are ignored; the CRM contact joins through the email hash
    assert touchpoints == [
        ("hubspot", "crm_contact_created", False, None),
        ("hubspot", "lead_qualified", False, None),
        ("segment", "app_product_view", False, None),
        ("segment", "app_purchase", True, 449.0),
    ]
    assert rows(con, "SELECT count(DISTINCT person_id) FROM core.touchpoints") == [(1,)]
    kinds = rows(con, """
        SELECT identifier_kind, count(*) FROM core.identity_map GROUP BY 1 ORDER BY 1""")
    assert kinds == [("anon", 1), ("email", 1), ("hubspot", 1), ("user", 1)]
