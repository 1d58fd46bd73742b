"""Mailchimp campaign activity: hand-made API responses in Mailchimp's own shape
(GET /reports/{campaign_id}/email-activity and /unsubscribed), every expected event worked out by
hand in the comments (T0 = 2026-06-01 09:00 UTC)."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from builders import CONTACT_HEADER, ga4_event, hubspot_contact, write_csv, write_ga4
from conftest import open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from test_incremental import assert_equals_full_rebuild

CAMPAIGN = "42694e9e57"
# the link as Mailchimp's Google Analytics link tracking leaves it
LINK = ("https://shop.example.com/summer?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=june_news")


# the touchpoints of the HubSpot contact's person, in order
CONTACTS_JOURNEY = """
    SELECT t.source, t.touchpoint, t.channel, t.phase, t.utm_campaign
    FROM core.touchpoints AS t
    WHERE t.person_id = (SELECT DISTINCT person_id FROM core.touchpoints WHERE source = 'hubspot')
    ORDER BY t.occurred_at, t.source, t.touchpoint
"""


def recipient(email: str, activity: list[dict] | None, campaign: str | None = CAMPAIGN) -> dict:
    """One element of `emails`, with the fields Mailchimp's email-activity response gives."""
    record = {"campaign_id": campaign, "list_id": "57afe96172", "list_is_active": True,
              "email_id": "62eeb292278cc15f5817cb78f7790b08", "email_address": email,
              "_links": []}
    if activity is not None:
        record["activity"] = activity
    return record


def act(action: str, timestamp: str, url: str | None = None, kind: str | None = None) -> dict:
    entry = {"action": action, "timestamp": timestamp, "ip": "198.51.100.7"}
    if url is not None:
        entry["url"] = url
    if kind is not None:
        entry["type"] = kind
    return entry


def write_json(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def write_email_input(folder: Path) -> None:
    write_json(folder / "mailchimp" / f"email-activity_{CAMPAIGN}.json", {
        "emails": [
            # 1: Anna (mixed case: hashed as anna@example.com) opens at T0, clicks at T0 + 5 min
            recipient("Anna@Example.com", [act("open", "2026-06-01T09:00:00+00:00"),
                                           act("click", "2026-06-01T11:05:00+02:00", LINK)]),
            # 2: Ben's address bounced (hard)
            recipient("ben@example.com", [act("bounce", "2026-06-01T09:00:00+00:00", kind="hard")]),
            # 3: Carl got the email and did nothing: no activity, no event, no reject
            recipient("carl@example.com", []),
            # 4-8: bad records
            recipient("", [act("open", "2026-06-01T09:00:00+00:00")]),
            recipient("dora@example.com", [act("open", "2026-06-01T09:00:00+00:00"),
                                           act("forward", "2026-06-01T09:10:00+00:00")]),
            recipient("dora@example.com", [act("open", "yesterday")]),
            recipient("dora@example.com", [act("click", "2026-06-01T09:00:00+00:00")]),
            recipient("dora@example.com", [act("open", "2026-06-01T09:00:00+00:00")], campaign=None),
        ],
        "campaign_id": CAMPAIGN, "total_items": 8, "_links": [],
    })
    write_json(folder / "mailchimp" / f"unsubscribed_{CAMPAIGN}.json", {
        "unsubscribes": [
            # 1: Anna leaves the list the next day
            {"email_id": "62eeb292278cc15f5817cb78f7790b08", "email_address": "anna@example.com",
             "merge_fields": {}, "vip": False, "timestamp": "2026-06-02T10:00:00+00:00",
             "reason": "Other: Anna Berg here, too many emails, ring me on 0171 2345 678",
             "campaign_id": CAMPAIGN,
             "list_id": "57afe96172", "list_is_active": True, "_links": []},
            # 2: no timestamp Mailchimp would write
            {"email_id": "x", "email_address": "eve@example.com", "timestamp": "soon",
             "reason": "", "campaign_id": CAMPAIGN, "list_id": "57afe96172"},
        ],
        "campaign_id": CAMPAIGN, "total_items": 2, "_links": [],
    })
    write_visit_and_contact(folder)


def write_visit_and_contact(folder: Path) -> None:
    """Anna's web visit from the click (june_news, /summer), signed in as u-anna, at 09:06, one
    minute after it; her HubSpot contact (05-30) carries the same web user id and her email."""
    visit = ga4_event(datetime(2026, 6, 1, 9, 6, tzinfo=UTC), "session_start", "cookie-1",
                      user_id="u-anna", path="/summer", medium="email", source="newsletter")
    visit["collected_traffic_source"]["manual_campaign_name"] = "june_news"
    write_ga4(folder, [visit])
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("101", "anna@example.com", "2026-05-30T09:00:00Z", user_id="u-anna"),
    ])


@pytest.fixture(scope="module")
def email_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    base = tmp_path_factory.mktemp("email")
    write_email_input(base / "input")
    con = open_build(base)
    yield con
    con.close()


def test_opens_clicks_bounces_and_unsubscribes_are_events_with_the_campaign(email_built):
    events = rows(email_built, """
        SELECT event_name, strftime(occurred_at, '%Y-%m-%d %H:%M'), utm_source, utm_medium,
               utm_campaign, page_path, json_extract_string(properties, '$.campaign_id'),
               json_extract_string(properties, '$.bounce_type')
        FROM staging.events WHERE source = 'mailchimp' ORDER BY occurred_at, event_name
    """)
    assert events == [
        # Ben's bounce and Anna's open carry no link: the campaign's clicks name it june_news;
        # source and medium are Mailchimp's own
        ("email_bounced", "2026-06-01 09:00", "mailchimp", "email", "june_news", None, CAMPAIGN,
         "hard"),
        ("email_opened", "2026-06-01 09:00", "mailchimp", "email", "june_news", None, CAMPAIGN,
         None),
        # 11:05 +02:00 = 09:05 UTC; UTM fields and the path from the link
        ("email_clicked", "2026-06-01 09:05", "newsletter", "email", "june_news", "/summer",
         CAMPAIGN, None),
        ("email_unsubscribed", "2026-06-02 10:00", "mailchimp", "email", "june_news", None,
         CAMPAIGN, None),
    ]


def test_the_click_and_the_web_visit_it_opens_share_person_and_campaign(email_built):
    journey = rows(email_built, CONTACTS_JOURNEY)
    assert journey == [
        # 05-30: the contact, a lead the same day (Became a Lead Date); 06-01 09:00 open, 09:05
        # click in the email, 09:06 the visit it opened (same person through email and user id,
        # same utm_campaign); 06-02 unsubscribe
        ("hubspot", "crm_contact_created", "sales", "consideration", None),
        ("hubspot", "lead_qualified", "sales", "consideration", None),
        ("mailchimp", "newsletter_open", "email", "consideration", "june_news"),
        ("mailchimp", "newsletter_link_click", "email", "consideration", "june_news"),
        ("ga4", "newsletter_click", "email", "consideration", "june_news"),
        ("mailchimp", "newsletter_unsubscribe", "email", "churn", "june_news"),
    ]
    # Ben's bounce is no touchpoint (never delivered)
    assert rows(email_built, "SELECT count(*) FROM core.touchpoints "
                             "WHERE source = 'mailchimp' AND touchpoint = 'email_bounced'") == [(0,)]


def test_bad_email_activity_lands_in_quarantine_with_a_reason(email_built):
    assert rows(email_built, """
        SELECT raw_table, row_number, reason FROM quality.rejected_rows
        WHERE raw_table LIKE 'raw.mailchimp%' ORDER BY raw_table, row_number
    """) == [
        ("raw.mailchimp_email_activity", 4,
         "missing email_address (no person to attach the activity to)"),
        ("raw.mailchimp_email_activity", 5,
         "activity 2: action is not open, click or bounce: forward"),
        ("raw.mailchimp_email_activity", 6, "activity 1: timestamp is not a timestamp: yesterday"),
        ("raw.mailchimp_email_activity", 7, "activity 1: a click without its url"),
        ("raw.mailchimp_email_activity", 8, "missing campaign_id"),
        ("raw.mailchimp_unsubscribes", 2, "timestamp is not a timestamp: soon"),
    ]


def test_an_unsubscribe_reason_is_free_text_and_is_not_published(email_built):
    # Anna's reason names her and her phone number (the scrubber finds the number, not the name):
    # no table or view of the published warehouse holds any of it, the event only its campaign
    found = []
    for schema, table in email_built.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal").fetchall():
        hits = email_built.execute(
            f'SELECT count(*) FROM "{schema}"."{table}" AS t '
            "WHERE lower(CAST(t AS VARCHAR)) LIKE '%berg%' OR CAST(t AS VARCHAR) LIKE '%2345 678%'"
        ).fetchall()[0][0]
        if hits:
            found.append(f"{schema}.{table}")
    assert found == []
    assert rows(email_built, """
        SELECT properties FROM staging.events WHERE event_name = 'email_unsubscribed'
    """) == [(json.dumps({"campaign_id": CAMPAIGN, "list_id": "57afe96172"}, separators=(",", ":")),)]


def test_incremental_runs_with_mailchimp_exports_equal_a_full_rebuild(tmp_path):
    """A later export of the same campaign repeats Anna's open and click (each event once) and
    adds Carl's open."""
    folder = tmp_path / "input"
    write_email_input(folder)
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    write_json(folder / "mailchimp" / f"email-activity_{CAMPAIGN}_2.json", {"emails": [
        recipient("anna@example.com", [act("open", "2026-06-01T09:00:00+00:00"),
                                       act("click", "2026-06-01T09:05:00Z", LINK)]),
        recipient("carl@example.com", [act("open", "2026-06-03T08:00:00+00:00")]),
    ]})
    run_pipeline(nightly, incremental=True)
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    try:
        # 2 opens of the first file's Anna + Ben's bounce + her click + unsubscribe = 4, + Carl's
        # open = 5 (Anna's repeated open and click are the same events)
        assert rows(con, "SELECT count(*) FROM staging.events WHERE source = 'mailchimp'") == [(5,)]
    finally:
        con.close()
