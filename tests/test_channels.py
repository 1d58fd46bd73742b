"""GA4's default channel group: every group with a case that matches and a near miss that does not.

The rule is one SQL expression (sql/_fragments/default_channel_group.sql) over source, medium,
campaign and the source's category (core.channel_sources, from channel_sources.yaml); the rules go in
Google's order and the first match wins, so each near miss names the group it falls through to.
"""

from datetime import timedelta

import duckdb
import pytest

from builders import T0, ga4_event, param, write_ga4
from conftest import rows, settings_for
from journeyflow import channels
from journeyflow.channels import read_channel_sources, write_channel_sources
from journeyflow.pipeline import run_pipeline
from journeyflow.sql_templates import expand_fragments

# (source, medium, campaign, expected group)
CASES = [
    # Direct: source exactly (direct), medium (none) or (not set)
    ("(direct)", "(none)", None, "Direct"),
    ("(direct)", "(not set)", None, "Direct"),
    ("(direct)", "referral", None, "Referral"),  # near miss: another medium
    ("direct", "(none)", None, "Unassigned"),  # near miss: not the literal (direct)
    # Cross-network: campaign contains cross-network (before the paid groups)
    ("google", "cpc", "pmax cross-network q3", "Cross-network"),
    ("google", "cpc", "pmax crossnetwork", "Paid Search"),  # near miss: no hyphen
    # Paid Shopping: shopping site or shop campaign, and a paid medium
    ("amazon", "cpc", None, "Paid Shopping"),
    ("partner", "ppc", "summer-shop", "Paid Shopping"),  # "-shop": a non-letter before shop
    ("partner", "ppc", "eshop", "Paid Shopping"),  # "e" is the one letter allowed before shop
    ("partner", "ppc", "workshop", "Paid Other"),  # near miss: "k" before shop
    # Paid Search: search site and a paid medium (cpm contains cp: Paid Search before Display)
    ("google", "cpc", None, "Paid Search"),
    ("Bing", "CPM", None, "Paid Search"),  # compared lower-cased
    ("www.google.com", "cpc", None, "Paid Other"),  # near miss: the list is matched exactly
    # Paid Social
    ("facebook", "paid_social", None, "Paid Social"),
    ("facebook", "social", None, "Organic Social"),  # near miss: unpaid medium
    # Paid Video
    ("youtube", "cpv", None, "Paid Video"),
    ("youtube", "video", None, "Organic Video"),  # near miss: unpaid medium
    # Display: one of five media
    ("partner", "display", None, "Display"),
    ("partner", "cpm", None, "Display"),
    ("partner", "displays", None, "Unassigned"),  # near miss: not in the list
    # Paid Other: a paid medium from a source of no category
    ("partner", "retargeting", None, "Paid Other"),
    ("partner", "paid-partner", None, "Paid Other"),
    ("partner", "retarget", None, "Unassigned"),  # near miss: not the whole word
    # Organic Shopping: shopping site or shop campaign, any medium
    ("ebay", "referral", None, "Organic Shopping"),
    (None, None, "shopping-week", "Organic Shopping"),
    ("partner", "referral", "workshop", "Referral"),  # near miss
    # Organic Social: social site or a social medium
    ("linkedin", "referral", None, "Organic Social"),
    ("partner", "social media", None, "Organic Social"),
    ("partner", "socialmedia", None, "Unassigned"),  # near miss
    # Organic Video: video site or a medium containing video
    ("vimeo", "referral", None, "Organic Video"),
    ("partner", "video-post", None, "Organic Video"),
    ("partner", "vid", None, "Unassigned"),  # near miss
    # Organic Search: search site or medium organic
    ("duckduckgo", "referral", None, "Organic Search"),
    ("partner", "organic", None, "Organic Search"),
    ("partner", "organic-search", None, "Unassigned"),  # near miss: exactly organic
    # Referral: referral, app or link
    ("blog.example.org", "referral", None, "Referral"),
    ("partner", "app", None, "Referral"),
    ("partner", "link", None, "Referral"),
    ("partner", "referrals", None, "Unassigned"),  # near miss
    # Email: source or medium one of four spellings
    ("newsletter", "email", None, "Email"),
    ("e-mail", "weekly", None, "Email"),
    ("crm", "E_Mail", None, "Email"),
    ("crm", "emails", None, "Unassigned"),  # near miss
    # Affiliates
    ("awin", "affiliate", None, "Affiliates"),
    ("awin", "affiliates", None, "Unassigned"),  # near miss
    # Audio
    ("spotify", "audio", None, "Audio"),
    ("spotify", "audio ad", None, "Unassigned"),  # near miss
    # SMS: source or medium exactly sms
    ("sms", "text", None, "SMS"),
    ("crm", "sms", None, "SMS"),
    ("crm", "sms-blast", None, "Unassigned"),  # near miss
    # Mobile Push Notifications: medium ends with push, contains mobile or notification; source firebase
    ("crm", "web-push", None, "Mobile Push Notifications"),
    ("crm", "mobile", None, "Mobile Push Notifications"),
    ("crm", "in-app-notification", None, "Mobile Push Notifications"),
    ("firebase", None, None, "Mobile Push Notifications"),
    ("crm", "pushed", None, "Unassigned"),  # near miss
    # Unassigned: nothing says where the visit came from (Snowplow-style; GA4 would say Direct)
    (None, None, None, "Unassigned"),
    ("(direct)", None, None, "Unassigned"),  # no medium: not (none) or (not set)
]


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    write_channel_sources(con)
    yield con
    con.close()


def test_every_group_matches_and_each_near_miss_falls_through(con):
    group = expand_fragments("{{ default_channel_group(v.src, v.med, v.camp, c.source_category) }}")
    values = ", ".join(
        "(" + ", ".join("NULL" if x is None else "'" + x.replace("'", "''") + "'" for x in case[:3]) + ")"
        for case in CASES)
    got = rows(con, f"""
        SELECT v.src, v.med, v.camp, {group}
        FROM (VALUES {values}) AS v(src, med, camp)
        LEFT JOIN core.channel_sources AS c ON c.source = lower(trim(v.src))
    """)
    assert sorted(got, key=str) == sorted(CASES, key=str)
    groups = {case[3] for case in CASES}
    assert len(groups) == 19  # the 18 channels of GA4 and Unassigned, each reached


def test_channel_sources_are_one_category_each():
    pairs = dict(read_channel_sources())
    assert pairs["google"] == "search" and pairs["t.co"] == "social"
    assert pairs["youtube"] == "video" and pairs["google shopping"] == "shopping"


def test_a_source_in_two_categories_is_refused(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("search: [google]\nshopping: [Google]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'google' is listed under search and shopping"):
        read_channel_sources(path)


def test_sessions_get_the_group_of_their_first_touchpoint_with_a_campaign(build, tmp_path):
    # p1: three sessions a day apart. Day 0: a paid Google click, then a pricing page (one session,
    # Paid Search); day 1: a page view with GA4's (direct)/(none) (Direct); day 2: a page view with
    # no campaign at all (Unassigned). p2: a session whose first page view has no campaign and
    # whose second (5 minutes later) says organic/bing: the session is Organic Search.
    write_ga4(tmp_path / "input", [
        ga4_event(T0, "session_start", "p1", medium="cpc", source="google"),
        ga4_event(T0 + timedelta(minutes=1), "page_view", "p1", path="/pricing"),
        ga4_event(T0 + timedelta(days=1), "page_view", "p1", path="/pricing", medium="(none)",
                  source="(direct)"),
        ga4_event(T0 + timedelta(days=2), "page_view", "p1", path="/pricing"),
        ga4_event(T0, "page_view", "p2", path="/blog"),
        ga4_event(T0 + timedelta(minutes=5), "session_start", "p2", medium="organic", source="bing"),
    ])
    con = build()
    got = rows(con, """
        SELECT list(default_channel_group ORDER BY session_number)
        FROM bi.sessions GROUP BY person_id ORDER BY count(*)
    """)
    assert got == [(["Organic Search"],), (["Paid Search", "Direct", "Unassigned"],)]


def test_a_new_list_of_source_categories_regroups_every_session(tmp_path, monkeypatch):
    # newsite/referral is a Referral; listed as a social site it is Organic Social (rule 10 before
    # rule 13). The data is unchanged, so only the list's digest tells core.sessions to rebuild.
    write_ga4(tmp_path / "input", [
        ga4_event(T0, "session_start", "p1", medium="referral", source="newsite"),
        ga4_event(T0 + timedelta(minutes=1), "page_view", "p1", path="/pricing"),
    ])
    settings = settings_for(tmp_path / "input", tmp_path)
    run_pipeline(settings, incremental=True)
    assert _groups(settings) == [("Referral",)]
    listed = tmp_path / "channel_sources.yaml"
    listed.write_text("social: [newsite]\n", encoding="utf-8")
    monkeypatch.setattr(channels, "CHANNEL_SOURCES", listed)
    results = run_pipeline(settings, incremental=True)
    assert "persons_recomputed" not in results["core.sessions"]  # rebuilt in full
    assert _groups(settings) == [("Organic Social",)]


def _groups(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return rows(con, "SELECT default_channel_group FROM core.sessions")


def _referred(ts, pseudo_id: str, referrer: str, **campaign: str) -> dict:
    event = ga4_event(ts, "page_view", pseudo_id, path="/pricing", **campaign)
    event["event_params"].append(param("page_referrer", referrer))
    return event


def test_a_visit_from_another_site_without_a_campaign_is_grouped_by_that_site(build, tmp_path):
    # GA4 takes the referring site as source with medium referral: linkedin.com is a social site
    # (Organic Social, rule 10), news.example.org none (Referral, rule 13). A referrer on the shop's
    # own host is navigation, not a visit from elsewhere (Unassigned); campaign values win over the
    # referrer (cpc from google with facebook.com referring: Paid Search).
    write_ga4(tmp_path / "input", [
        _referred(T0, "p1", "https://www.linkedin.com/feed/"),
        _referred(T0 + timedelta(days=1), "p1", "https://news.example.org/story?id=3"),
        _referred(T0 + timedelta(days=2), "p1", "https://shop.example.com/"),
        _referred(T0 + timedelta(days=3), "p1", "https://facebook.com/", medium="cpc", source="google"),
    ])
    con = build()
    got = rows(con, "SELECT default_channel_group FROM bi.sessions ORDER BY session_number")
    assert got == [("Organic Social",), ("Referral",), ("Unassigned",), ("Paid Search",)]
    hosts = rows(con, "SELECT origin FROM core.touchpoints ORDER BY touchpoint_number")
    assert hosts == [("linkedin.com",), ("news.example.org",), (None,), ("facebook.com",)]
