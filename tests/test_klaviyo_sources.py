"""Klaviyo email events: hand-made Get Events responses in Klaviyo's own JSON:API shape
(GET /api/events?include=profile,metric: `data` events, `included` profiles and metrics), every
expected event worked out by hand in the comments (T0 = 2026-06-01 09:00 UTC)."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conftest import open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from test_email_sources import CONTACTS_JOURNEY, write_json, write_visit_and_contact
from test_incremental import assert_equals_full_rebuild

MESSAGE = "01HZX3M5QK4W2N8S7T6V5R4P3A"  # a campaign message's id ($message)
OTHER_MESSAGE = "01HZX9B2C3D4E5F6G7H8J9K0LM"
# the link as Klaviyo's UTM tracking leaves it
LINK = "https://shop.example.com/summer?utm_source=newsletter&utm_medium=email&utm_campaign=june_news"
METRICS = {"m-rec": "Received Email", "m-open": "Opened Email", "m-click": "Clicked Email",
           "m-bounce": "Bounced Email", "m-unsub": "Unsubscribed",
           "m-spam": "Marked Email as Spam", "m-order": "Placed Order"}


def event(event_id: str, metric: str, profile: str, when: str | int | None,
          message: str | None = MESSAGE, campaign: str | None = "June News",
          **properties: str) -> dict:
    """One element of `data`, as Get Events returns it: `datetime` (ISO) when `when` is text,
    only the epoch `timestamp` when it is a number."""
    props = {"Subject": "Summer is here", "Email Domain": "example.com", "$event_id": event_id,
             **properties}
    if message is not None:
        props["$message"] = message
    if campaign is not None:
        props["Campaign Name"] = campaign
    attributes: dict = {"event_properties": props, "uuid": f"uuid-{event_id}"}
    if isinstance(when, int):
        attributes["timestamp"] = when
    elif when is not None:
        attributes["datetime"] = when
    return {
        "type": "event", "id": event_id, "attributes": attributes,
        "relationships": {
            "profile": {"data": {"type": "profile", "id": profile}},
            "metric": {"data": {"type": "metric", "id": metric}},
        },
        "links": {"self": f"https://a.klaviyo.com/api/events/{event_id}/"},
    }


def profile(profile_id: str, email: str | None) -> dict:
    return {"type": "profile", "id": profile_id,
            "attributes": {"email": email, "first_name": "Anna", "properties": {}}}


def metric(metric_id: str) -> dict:
    return {"type": "metric", "id": metric_id,
            "attributes": {"name": METRICS[metric_id], "created": "2024-01-01T00:00:00+00:00",
                           "integration": {"name": "Klaviyo", "category": "Internal"}}}


def response(events: list[dict], profiles: list[dict]) -> dict:
    used = sorted({e["relationships"]["metric"]["data"]["id"] for e in events})
    return {"data": events, "included": profiles + [metric(m) for m in used],
            "links": {"self": "https://a.klaviyo.com/api/events/", "next": None, "prev": None}}


PROFILES = [profile("p-anna", "Anna@Example.com"), profile("p-ben", "ben@example.com"),
            profile("p-carl", "carl@example.com"), profile("p-dora", None)]


def write_klaviyo_input(folder: Path) -> None:
    write_json(folder / "klaviyo" / "events_page_001.json", response([
        # 1-3: Anna receives at T0, opens at 11:02 +02:00 = 09:02 UTC, clicks at 09:05
        event("e1", "m-rec", "p-anna", "2026-06-01T09:00:00+00:00"),
        event("e2", "m-open", "p-anna", "2026-06-01T11:02:00+02:00"),
        event("e3", "m-click", "p-anna", "2026-06-01T09:05:00+00:00", URL=LINK),
        # 4: Ben's address bounced; only the epoch timestamp: 1780304400 = 2026-06-01 09:00 UTC
        event("e4", "m-bounce", "p-ben", 1780304400, **{"Bounce Type": "Hard"}),
        # 5: Anna unsubscribes the next day
        event("e5", "m-unsub", "p-anna", "2026-06-02T10:00:00+00:00"),
        # 6-7: Carl receives it and marks it as spam the next day
        event("e6", "m-rec", "p-carl", "2026-06-01T09:00:00+00:00"),
        event("e7", "m-spam", "p-carl", "2026-06-02T11:00:00+00:00"),
        # 8-12: bad records
        event("e8", "m-order", "p-anna", "2026-06-01T12:00:00+00:00"),
        event("e9", "m-open", "p-dora", "2026-06-01T09:10:00+00:00"),
        event("e10", "m-open", "p-anna", "yesterday"),
        event("e11", "m-click", "p-anna", "2026-06-01T09:06:00+00:00"),
        event("e12", "m-open", "p-gone", "2026-06-01T09:07:00+00:00"),
        # 13: Ben receives another campaign nobody clicked: its Campaign Name is the campaign
        event("e13", "m-rec", "p-ben", "2026-06-03T08:00:00+00:00", message=OTHER_MESSAGE,
              campaign="Flash Sale"),
    ], PROFILES))
    # Anna's web visit from the click at 09:06 and her HubSpot contact, as in Mailchimp's test
    write_visit_and_contact(folder)


@pytest.fixture(scope="module")
def klaviyo_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    base = tmp_path_factory.mktemp("klaviyo")
    write_klaviyo_input(base / "input")
    con = open_build(base)
    yield con
    con.close()


def test_email_events_are_events_with_the_campaign(klaviyo_built):
    events = rows(klaviyo_built, """
        SELECT source_record_id, event_name, strftime(occurred_at, '%Y-%m-%d %H:%M'), utm_source,
               utm_medium, utm_campaign, page_path, json_extract_string(properties, '$.bounce_type')
        FROM staging.events WHERE source = 'klaviyo' ORDER BY occurred_at, source_record_id
    """)
    assert events == [
        # the events without a link take the utm_campaign of their message's click (june_news);
        # source and medium are Klaviyo's own
        ("e1", "email_received", "2026-06-01 09:00", "klaviyo", "email", "june_news", None, None),
        ("e4", "email_bounced", "2026-06-01 09:00", "klaviyo", "email", "june_news", None, "hard"),
        ("e6", "email_received", "2026-06-01 09:00", "klaviyo", "email", "june_news", None, None),
        ("e2", "email_opened", "2026-06-01 09:02", "klaviyo", "email", "june_news", None, None),
        # UTM fields and the path from the link
        ("e3", "email_clicked", "2026-06-01 09:05", "newsletter", "email", "june_news", "/summer",
         None),
        ("e5", "email_unsubscribed", "2026-06-02 10:00", "klaviyo", "email", "june_news", None,
         None),
        ("e7", "email_marked_spam", "2026-06-02 11:00", "klaviyo", "email", "june_news", None,
         None),
        # a message without clicks: its Campaign Name
        ("e13", "email_received", "2026-06-03 08:00", "klaviyo", "email", "Flash Sale", None, None),
    ]
    # the person is the profile's hashed email: no address in clear text outside raw
    assert rows(klaviyo_built, "SELECT count(*) FROM staging.events WHERE source = 'klaviyo' "
                               "AND (properties LIKE '%@%' OR email_hash LIKE '%@%')") == [(0,)]


def test_the_click_and_the_web_visit_it_opens_share_person_and_campaign(klaviyo_built):
    journey = rows(klaviyo_built, CONTACTS_JOURNEY)
    assert journey == [
        # 05-30: the contact, a lead the same day; 06-01 09:00 the email arrives, 09:02 open, 09:05
        # click in the email, 09:06 the visit it opened (same person through email and user id,
        # same utm_campaign); 06-02 unsubscribe
        ("hubspot", "crm_contact_created", "sales", "consideration", None),
        ("hubspot", "lead_qualified", "sales", "consideration", None),
        ("klaviyo", "newsletter_received", "email", "consideration", "june_news"),
        ("klaviyo", "newsletter_open", "email", "consideration", "june_news"),
        ("klaviyo", "newsletter_link_click", "email", "consideration", "june_news"),
        ("ga4", "newsletter_click", "email", "consideration", "june_news"),
        ("klaviyo", "newsletter_unsubscribe", "email", "churn", "june_news"),
    ]
    # Ben's bounce is no touchpoint (never delivered); Carl's spam complaint ends it in churn
    assert rows(klaviyo_built, """
        SELECT e.source_record_id, t.touchpoint, t.phase
        FROM staging.events AS e LEFT JOIN core.touchpoints AS t ON t.event_id = e.event_id
        WHERE e.source = 'klaviyo' AND e.source_record_id IN ('e4', 'e7') ORDER BY 1
    """) == [("e4", None, None), ("e7", "newsletter_spam_complaint", "churn")]


def test_bad_events_land_in_quarantine_with_a_reason(klaviyo_built):
    assert rows(klaviyo_built, """
        SELECT raw_table, row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.klaviyo_events' ORDER BY row_number
    """) == [
        ("raw.klaviyo_events", 8, "metric is not an email metric read here: Placed Order"),
        ("raw.klaviyo_events", 9, "profile without email (no person to attach the event to)"),
        ("raw.klaviyo_events", 10, "datetime is not a timestamp: yesterday"),
        ("raw.klaviyo_events", 11, "a Clicked Email without its URL"),
        ("raw.klaviyo_events", 12,
         "profile p-gone not in the response's included (request include=profile)"),
    ]


def test_a_response_without_a_campaign_or_included_metric_is_rejected(tmp_path):
    write_json(tmp_path / "input" / "klaviyo" / "events.json", {
        "data": [
            # 1: neither $message nor Campaign Name: no campaign
            event("x1", "m-open", "p-anna", "2026-06-01T09:00:00+00:00", message=None,
                  campaign=None),
            # 2: a metric the response does not include (requested without include=metric)
            event("x2", "m-click", "p-anna", "2026-06-01T09:00:00+00:00", URL=LINK),
            # 3: usable (a run with no usable event publishes nothing)
            event("x3", "m-open", "p-anna", "2026-06-01T09:00:00+00:00"),
        ],
        "included": [profile("p-anna", "anna@example.com"), metric("m-open")],
    })
    con = open_build(tmp_path)
    try:
        assert rows(con, "SELECT row_number, reason FROM quality.rejected_rows "
                         "WHERE raw_table = 'raw.klaviyo_events' ORDER BY 1") == [
            (1, "missing $message and Campaign Name (no campaign or flow message)"),
            (2, "metric m-click not in the response's included (request include=metric)"),
        ]
    finally:
        con.close()


def test_incremental_runs_with_overlapping_klaviyo_exports_equal_a_full_rebuild(tmp_path):
    """A later export overlaps the first: it repeats Anna's open and click (the same event ids: each
    event once) and adds Carl's open."""
    folder = tmp_path / "input"
    write_klaviyo_input(folder)
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    write_json(folder / "klaviyo" / "events_page_002.json", response([
        event("e2", "m-open", "p-anna", "2026-06-01T11:02:00+02:00"),
        event("e3", "m-click", "p-anna", "2026-06-01T09:05:00+00:00", URL=LINK),
        event("e14", "m-open", "p-carl", "2026-06-03T08:00:00+00:00"),
    ], PROFILES))
    run_pipeline(nightly, incremental=True)
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    try:
        # the first file's usable events e1-e7 and e13 = 8, + Carl's open e14 = 9 (e2 and e3
        # again are the same events)
        assert rows(con, "SELECT count(*) FROM staging.events WHERE source = 'klaviyo'") == [(9,)]
        assert rows(con, "SELECT count(*) FROM staging.events WHERE source = 'klaviyo' "
                         "AND source_record_id IN ('e2', 'e3')") == [(2,)]
    finally:
        con.close()
