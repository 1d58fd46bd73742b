"""Tracker sessions (`sessions: tracker`), Snowplow's late-event quarantine and Snowplow's referrer
fields in the channel group, on hand-written GA4 and Snowplow events (docs/metrics.md "Tracker
sessions"). Every expectation is derived in the comments from the rows written here."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from builders import (
    T0,
    ga4_event,
    param,
    snowplow_fields,
    snowplow_tsv_line,
    write_ga4,
    write_lines,
)
from conftest import SPARK, open_build, rows, settings_for
from journeyflow import channels
from journeyflow.config import Settings, SettingsError
from journeyflow.pipeline import run_pipeline
from test_incremental import assert_equals_full_rebuild

M = timedelta(minutes=1)
SNOWPLOW_RULES = {"sessions": "tracker", "snowplow_days_late_allowed": 3, "snowplow_max_session_days": 3}
D = timedelta(days=1)


def _ga4(ts, pseudo_id: str, session: int | None, user_id: str | None = None) -> dict:
    """A GA4 page view of /pricing in GA4 session `session` (None: the event has no ga_session_id)."""
    event = ga4_event(ts, "page_view", pseudo_id, user_id=user_id, path="/pricing")
    event["event_params"] = [p for p in event["event_params"] if p["key"] != "ga_session_id"]
    if session is not None:
        event["event_params"].append(param("ga_session_id", session))
    return event


def _sp(ts, event_id: str, cookie: str, session: str, **extra: str) -> str:
    return snowplow_tsv_line(snowplow_fields(
        ts, event_id, domain_userid=f"d1f0c0de-0000-4000-8000-00000000000{cookie}",
        domain_sessionid=f"5e5510f1-0000-4000-8000-00000000000{session}", **extra))


def _stamp(ts) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def write_divergence_cases(folder: Path) -> None:
    """Persons whose sessions differ between the gap rule (30 minutes) and the trackers' ids."""
    write_ga4(folder, [
        # GA4 person (cookie c1; c2 after the cookie rotated, both logged in as u1)
        # (a) idle 40 min inside one ga_session_id (the property's session timeout is longer)
        _ga4(T0, "c1", 100), _ga4(T0 + 10 * M, "c1", 100), _ga4(T0 + 50 * M, "c1", 100),
        # (b) the tracker's session expired after 10 quiet minutes (a shorter timeout): new id
        _ga4(T0 + D, "c1", 200), _ga4(T0 + D + 10 * M, "c1", 201),
        # (c) a rotating cookie mid-visit: c1 then c2, 5 minutes apart, with the same session
        # number; ga_session_id is unique per user_pseudo_id only, so these are two sessions
        _ga4(T0 + 2 * D, "c1", 300, user_id="u1"), _ga4(T0 + 2 * D + 5 * M, "c2", 300, user_id="u1"),
        # (d) no ga_session_id: the gap rule, in both modes; the next event (5 min later) has one,
        # but its predecessor has none, so the gap rule decides for it too
        _ga4(T0 + 3 * D, "c1", None), _ga4(T0 + 3 * D + 40 * M, "c1", None),
        _ga4(T0 + 3 * D + 45 * M, "c1", 400),
    ])
    write_lines(folder / "snowplow" / "enriched-2026-06-01.tsv", [
        # Snowplow person (cookie 1; cookie 2 after it rotated, both logged in as u9)
        # (a) idle 40 min inside one domain_sessionid (a 60-minute session cookie)
        _sp(T0, "s1", "1", "1"), _sp(T0 + 40 * M, "s2", "1", "1"),
        # (c) rotating cookie: a new domain_userid and with it a new domain_sessionid, 5 min later
        _sp(T0 + D, "s3", "1", "2", user_id="u9"), _sp(T0 + D + 5 * M, "s4", "2", "3", user_id="u9"),
        # (b) expired: 20 quiet minutes, past a 15-minute session cookie: a new domain_sessionid
        _sp(T0 + 2 * D, "s5", "1", "4"), _sp(T0 + 2 * D + 20 * M, "s6", "1", "5"),
        # late arrivals (another person, cookie 7): created at T0+10d; l1 has no dvce_sent_tstamp
        # and reached the collector 5 days later; l2 was sent 1 hour after it was created and
        # reached the collector 4 days later (a stuck queue, not a late device)
        _sp(T0 + 10 * D, "l1", "7", "7", collector_tstamp=_stamp(T0 + 15 * D)),
        _sp(T0 + 10 * D + 60 * M, "l2", "7", "7", collector_tstamp=_stamp(T0 + 14 * D),
            dvce_sent_tstamp=_stamp(T0 + 10 * D + 120 * M)),
        # a long session (cookie 8, session 8): m1 at T0+20d starts it; m2 2.5 days and m3 4 days
        # later
        _sp(T0 + 20 * D, "m1", "8", "8"), _sp(T0 + 22 * D + 12 * 60 * M, "m2", "8", "8"),
        _sp(T0 + 24 * D, "m3", "8", "8"),
    ])


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, duckdb.DuckDBPyConnection]:
    """The same input built with the gap rule, and with tracker sessions and Snowplow's two
    quarantines at Snowplow's defaults (3 days each)."""
    opened = {}
    for mode, overrides in {"gap": {}, "tracker": SNOWPLOW_RULES}.items():
        base = tmp_path_factory.mktemp(mode)
        write_divergence_cases(base / "input")
        opened[mode] = open_build(base, **overrides)
    yield opened
    for con in opened.values():
        con.close()


def _session_sizes(con, source: str) -> list[int]:
    """Touchpoints per session of the person with events of `source`, in session order."""
    return [n for (n,) in rows(con, f"""
        SELECT count(*) FROM core.touchpoints
        WHERE person_id IN (SELECT person_id FROM core.touchpoints WHERE source = '{source}'
                            AND occurred_at < TIMESTAMPTZ '2026-06-08 00:00:00+00')
        GROUP BY session_number ORDER BY session_number
    """)]


def test_ga4_sessions_gap_rule_and_tracker_disagree_where_documented(builds):
    # gap rule: (a) T0, +10 | +50 (40 > 30 min): [2, 1]; (b) 10 min apart: [2]; (c) 5 min: [2];
    # (d) +0 | +40 (40 > 30), +45: [1, 2]  → [2, 1, 2, 2, 1, 2]
    assert _session_sizes(builds["gap"], "ga4") == [2, 1, 2, 2, 1, 2]
    # tracker: (a) one ga_session_id: [3]; (b) ids 200, 201: [1, 1]; (c) c1:300, c2:300: [1, 1];
    # (d) no ids: the gap rule, as above: [1, 2]  → [3, 1, 1, 1, 1, 1, 2]
    assert _session_sizes(builds["tracker"], "ga4") == [3, 1, 1, 1, 1, 1, 2]
    ids = rows(builds["tracker"], """
        SELECT DISTINCT tracker_session_id FROM core.touchpoints
        WHERE source = 'ga4' AND tracker_session_id LIKE '%:300' ORDER BY 1
    """)
    assert ids == [("ga4:c1:300",), ("ga4:c2:300",)]


def test_snowplow_sessions_gap_rule_and_tracker_disagree_where_documented(builds):
    # gap rule: (a) 40 min apart: [1, 1]; (c) 5 min: [2]; (b) 20 min: [2]  → [1, 1, 2, 2]
    assert _session_sizes(builds["gap"], "snowplow") == [1, 1, 2, 2]
    # tracker: (a) one domain_sessionid: [2]; (c) sessions 2, 3: [1, 1]; (b) 4, 5: [1, 1]
    assert _session_sizes(builds["tracker"], "snowplow") == [2, 1, 1, 1, 1]


def test_late_events_and_long_sessions_are_quarantined_as_snowplow_does(builds):
    # l1 (line 7): no dvce_sent_tstamp, so collector_tstamp: 15d - 10d = 5 days > 3 → rejected;
    # l2 (line 8): sent 1 hour after it was created (≤ 3 days) → kept, however late it reached the
    # collector. m1 (line 9) starts session 8, m2 (line 10) is 2.5 days ≤ 3 after it → kept, m3
    # (line 11) 4 days > 3 → rejected. Without the settings all five are kept.
    reasons = rows(builds["tracker"], """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.snowplow_events' ORDER BY row_number
    """)
    assert reasons == [
        (7, "arrived late: sent more than 3 days (snowplow_days_late_allowed) after "
            "dvce_created_tstamp 2026-06-11 09:00:00.000"),
        (11, "session longer than 3 days (snowplow_max_session_days): collector_tstamp "
             "2026-06-25 09:00:00.000 in domain_sessionid 5e5510f1-0000-4000-8000-000000000008"),
    ]
    assert rows(builds["gap"], "SELECT count(*) FROM quality.rejected_rows") == [(0,)]
    late = "SELECT count(*) FROM core.touchpoints WHERE occurred_at >= TIMESTAMPTZ '2026-06-11 00:00:00+00'"
    assert rows(builds["gap"], late) == [(5,)]
    assert rows(builds["tracker"], late) == [(3,)]


def test_the_sessions_setting_is_checked():
    assert Settings().sessions == "gap"
    with pytest.raises(SettingsError, match=r"sessions: \"ga4\" is unknown \(one of gap, tracker\)"):
        Settings(sessions="ga4")
    with pytest.raises(SettingsError, match="snowplow_days_late_allowed: -1 is out of range"):
        Settings(snowplow_days_late_allowed=-1)
    with pytest.raises(SettingsError, match="snowplow_max_session_days: 0 is out of range"):
        Settings(snowplow_max_session_days=0)


def _sp_referred(day: int, event_id: str, **fields: str) -> str:
    return snowplow_tsv_line(snowplow_fields(
        T0 + day * D, event_id, domain_userid="d1f0c0de-0000-4000-8000-000000000005",
        domain_sessionid=f"5e5510f1-0000-4000-8000-00000000010{day}", **fields))


def test_snowplow_referrer_fields_give_the_sessions_channel_group(build, tmp_path):
    # One Snowplow visitor, one page view a day. Without mkt_* (campaign) values the referrer
    # decides, as for GA4: Snowplow's referer parser adds the kind of site (refr_medium).
    write_lines(tmp_path / "input" / "snowplow" / "enriched-2026-06-01.tsv", [
        # day 0: a search engine: source refr_source (google), medium organic → Organic Search
        _sp_referred(0, "r0", refr_urlhost="www.google.com", refr_medium="search", refr_source="Google",
                     refr_term="delivery times"),
        # day 1: another site the parser does not know: host as source, medium referral → Referral
        _sp_referred(1, "r1", refr_urlhost="news.example.org", refr_medium="unknown"),
        # day 2: a webmail: medium email → Email (mail.yahoo.com is in no source category)
        _sp_referred(2, "r2", refr_urlhost="mail.yahoo.com", refr_medium="email", refr_source="Yahoo! Mail"),
        # day 3: internal navigation is no origin: nothing says where the visit came from → Unassigned
        _sp_referred(3, "r3", refr_urlhost="help.example.com", refr_medium="internal"),
        # day 4: campaign values win over the referrer: google / cpc → Paid Search
        _sp_referred(4, "r4", refr_urlhost="www.bing.com", refr_medium="search", refr_source="Bing",
                     mkt_source="google", mkt_medium="cpc"),
        # day 5: a search engine missing from GA4's list: GA4 would say Referral; the parser knows
        # it is a search engine: examplesearch / organic → Organic Search (medium organic, rule 12)
        _sp_referred(5, "r5", refr_urlhost="find.example.net", refr_medium="search",
                     refr_source="ExampleSearch"),
        # day 6: a social site missing from the list: medium social → Organic Social
        _sp_referred(6, "r6", refr_urlhost="forum.example.social", refr_medium="social",
                     refr_source="ExampleForum"),
    ])
    con = build()
    got = [g for (g,) in rows(con, "SELECT default_channel_group FROM bi.sessions ORDER BY session_number")]
    assert got == ["Organic Search", "Referral", "Email", "Unassigned", "Paid Search", "Organic Search",
                   "Organic Social"]
    origins = rows(con, "SELECT origin, referrer_medium, referrer_source FROM core.touchpoints "
                        "ORDER BY touchpoint_number LIMIT 3")
    assert origins == [("google.com", "search", "google"), ("news.example.org", "unknown", None),
                       ("mail.yahoo.com", "email", "yahoo! mail")]


def test_new_session_settings_and_channel_list_incrementally_equal_a_full_rebuild(tmp_path, monkeypatch):
    # Night 1 with the defaults; night 2 with tracker sessions, the late limit and a new list of
    # source categories (news.example.org listed as social): the incremental run must equal a full
    # rebuild with the same settings and list (sessions, channel groups, path steps, rejects).
    folder = tmp_path / "input"
    write_divergence_cases(folder)
    write_lines(folder / "snowplow" / "enriched-2026-06-02.tsv", [
        _sp_referred(1, "r1", refr_urlhost="news.example.org", refr_medium="unknown")])
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    listed = tmp_path / "channel_sources.yaml"
    listed.write_text("social: [news.example.org]\n", encoding="utf-8")
    monkeypatch.setattr(channels, "CHANNEL_SOURCES", listed)
    nightly = nightly.with_overrides(**SNOWPLOW_RULES)
    results = run_pipeline(nightly, incremental=True)
    assert "persons_recomputed" not in results["core.sessions"]  # rebuilt in full
    assert "persons_recomputed" not in results["marts.path_steps"]
    with duckdb.connect(str(nightly.warehouse), read_only=True) as con:
        assert ("Organic Social",) in rows(con, "SELECT default_channel_group FROM core.sessions")
    # night 3: a new file starts session 8 a day earlier (T0+19d): m2 in the first file, 3.5 days
    # after the new start, is now rejected too, though its file did not change
    write_lines(folder / "snowplow" / "enriched-2026-06-03.tsv", [_sp(T0 + 19 * D, "m0", "8", "8")])
    run_pipeline(nightly, incremental=True)
    with duckdb.connect(str(nightly.warehouse), read_only=True) as con:
        assert rows(con, "SELECT count(*) FROM quality.rejected_rows WHERE reason LIKE 'session longer%'"
                    ) == [(2,)]
    assert_equals_full_rebuild(nightly, folder, tmp_path, **SNOWPLOW_RULES)


@SPARK
def test_spark_gives_the_same_sessions_groups_and_rejects(tmp_path):
    # The new SQL (tracker sessions, the two quarantines, Snowplow's referrer) on both engines
    pytest.importorskip("pyspark", reason="no pyspark: the Spark engine is the `spark` extra")
    import shutil
    import subprocess

    if shutil.which("java") is None or subprocess.run(["java", "-version"], capture_output=True).returncode:
        pytest.skip("the Spark engine needs Java 17+")
    from journeyflow.engines.parity import compare_table

    folder = tmp_path / "input"
    write_divergence_cases(folder)
    write_lines(folder / "snowplow" / "enriched-2026-06-02.tsv", [
        _sp_referred(0, "r0", refr_urlhost="www.google.com", refr_medium="search", refr_source="Google"),
        _sp_referred(2, "r2", refr_urlhost="mail.yahoo.com", refr_medium="email")])
    opened = []
    for engine in ("duckdb", "spark"):
        settings = settings_for(folder, tmp_path / engine, engine=engine, **SNOWPLOW_RULES)
        run_pipeline(settings)
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        opened.append(con)
    duck, spark = opened
    problems = [p for table in ("core.touchpoints", "core.sessions", "marts.path_steps")
                for p in compare_table(duck, spark, table)]
    assert not problems, "\n".join(problems)
    rejected = "SELECT raw_table, source_file, row_number, reason FROM quality.rejected_rows ORDER BY ALL"
    assert len(duck.execute(rejected).fetchall()) == 2
    assert duck.execute(rejected).fetchall() == spark.execute(rejected).fetchall()
    groups = "SELECT DISTINCT default_channel_group FROM core.sessions ORDER BY 1"
    assert duck.execute(groups).fetchall() == [("Email",), ("Organic Search",), ("Unassigned",)]
    for con in opened:
        con.close()
