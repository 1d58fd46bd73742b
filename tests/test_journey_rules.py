"""Configurable journey definition: start touchpoints, a length cap and a lookback, derived by hand.

Touchpoints used (GA4, one cookie = one person): session_start with utm_medium organic →
organic_search_visit, with cpc → paid_search_click; page_view /pricing → pricing_page,
/blog/... → blog_article; cancel_subscription → subscription_cancelled (churn).
"""

from datetime import timedelta

from builders import T0, ga4_event, write_ga4
from conftest import rows


def day(n: float):
    return T0 + timedelta(days=n)


def churn_then_restart(tmp_path):
    write_ga4(tmp_path / "input", [
        ga4_event(day(0), "page_view", "c1", path="/blog/a"),
        ga4_event(day(1), "session_start", "c1", medium="organic"),
        ga4_event(day(2), "page_view", "c1", path="/pricing"),
        ga4_event(day(3), "cancel_subscription", "c1", path="/account/cancel"),
        ga4_event(day(4), "page_view", "c1", path="/pricing"),
        ga4_event(day(5), "session_start", "c1", medium="cpc"),
        ga4_event(day(6), "session_start", "c1", medium="organic"),
    ])


def test_default_any_touchpoint_starts_a_journey(build, tmp_path):
    churn_then_restart(tmp_path)
    con = build()
    # the churn on day 3 ends journey 1 (days 0-3: 4 touchpoints); days 4, 5, 6 are journey 2
    assert rows(con, "SELECT journey_number, touchpoints, first_touchpoint FROM core.journeys "
                     "ORDER BY 1") == [(1, 4, "blog_article"), (2, 3, "pricing_page")]


def test_only_start_events_start_journeys(build_core, tmp_path):
    churn_then_restart(tmp_path)
    con = build_core(journey_start_events=["organic_search_visit"])
    # day 0 blog: before the first organic visit → in no journey.
    # journey 1: organic (day 1), pricing (2), cancellation (3) → 3 touchpoints, churned.
    # day 4 pricing and day 5 paid click may not start a journey → in none;
    # journey 2 starts at the organic visit on day 6 → 1 touchpoint.
    assert rows(con, "SELECT journey_number, touchpoints, first_touchpoint, outcome "
                     "FROM core.journeys ORDER BY 1") == [
        (1, 3, "organic_search_visit", "churned"),
        (2, 1, "organic_search_visit", "open"),
    ]
    # 7 events - 3 outside any journey = 4 touchpoints
    assert rows(con, "SELECT count(*) FROM core.touchpoints") == [(4,)]


def test_max_days_restarts_from_the_new_journeys_start(build_core, tmp_path):
    # page views on days 0, 9, 12, 21, 23, 33 with a 10-day cap:
    #   journey 1 starts day 0, covers up to day 10: days 0, 9
    #   day 12 > 10 → journey 2 starts day 12, covers up to day 22: days 12, 21
    #   day 23 > 22 → journey 3 starts day 23, covers up to day 33 inclusive: days 23, 33
    # (fixed 10-day buckets from day 0 would instead give [0, 9], [12], [21, 23], [33])
    write_ga4(tmp_path / "input", [
        ga4_event(day(d), "page_view", "c1", path="/pricing") for d in (0, 9, 12, 21, 23, 33)
    ])
    con = build_core(journey_max_days=10)
    assert rows(con, "SELECT journey_number, touchpoints FROM core.journeys ORDER BY 1") == [
        (1, 2), (2, 2), (3, 2)
    ]


def test_max_days_with_start_events(build_core, tmp_path):
    # cap 10 days, only organic visits start a journey:
    #   journey 1: organic day 0, pricing day 5; pricing day 11 is past the cap and cannot start
    #   a journey → in none; journey 2: organic day 12, pricing day 13.
    write_ga4(tmp_path / "input", [
        ga4_event(day(0), "session_start", "c1", medium="organic"),
        ga4_event(day(5), "page_view", "c1", path="/pricing"),
        ga4_event(day(11), "page_view", "c1", path="/pricing"),
        ga4_event(day(12), "session_start", "c1", medium="organic"),
        ga4_event(day(13), "page_view", "c1", path="/pricing"),
    ])
    con = build_core(journey_max_days=10, journey_start_events=["organic_search_visit"])
    assert rows(con, "SELECT journey_number, touchpoints, ended_at FROM core.journeys ORDER BY 1") == [
        (1, 2, day(5)), (2, 2, day(13))
    ]


def test_max_days_split_also_splits_the_session(build, tmp_path):
    # views at 0, 10 and 20 minutes are one session by the 30-minute rule; a cap of 0.01 days
    # (14.4 minutes) ends journey 1 after the 10-minute view, so the 20-minute view starts journey 2
    # and, since sessions never span journeys, session 2 (the blocking sessions check passes).
    write_ga4(tmp_path / "input", [
        ga4_event(T0 + timedelta(minutes=m), "page_view", "c1", path="/pricing") for m in (0, 10, 20)
    ])
    con = build(journey_max_days=0.01)
    assert rows(con, "SELECT journey_number, session_number, count(*) FROM core.touchpoints "
                     "GROUP BY ALL ORDER BY 1, 2") == [(1, 1, 2), (2, 2, 1)]


def test_lookback_uses_only_recent_touchpoints(build_core, tmp_path):
    # data ends on day 70; a 30-day lookback keeps days >= 70 - 30 = 40 (inclusive):
    # day 0 is dropped; days 40, 60, 70 stay and are numbered 1, 2, 3.
    write_ga4(tmp_path / "input", [
        ga4_event(day(d), "page_view", "c1", path="/pricing") for d in (0, 40, 60, 70)
    ])
    con = build_core(journey_lookback_days=30)
    assert rows(con, "SELECT touchpoint_number, occurred_at FROM core.touchpoints ORDER BY 1") == [
        (1, day(40)), (2, day(60)), (3, day(70))
    ]
    assert rows(con, "SELECT journey_number, touchpoints FROM core.journeys") == [(1, 3)]
