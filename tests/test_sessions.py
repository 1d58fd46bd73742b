"""Sessions split exactly at the inactivity gap; journeys at churn or the inactivity window."""

from datetime import timedelta

from builders import T0, ga4_event, write_ga4
from conftest import rows


def test_session_splits_exactly_at_the_gap(build, tmp_path):
    # Gaps between consecutive page views of one cookie:
    #   0 → +30:00 exactly  (not more than 30 min: same session)
    #   +30:00 → +60:01     (30 min 1 s: new session)
    #   +60:01 → +60:02     (1 s: same session)
    times = [T0, T0 + timedelta(minutes=30), T0 + timedelta(minutes=60, seconds=1),
             T0 + timedelta(minutes=60, seconds=2)]
    write_ga4(tmp_path / "input", [ga4_event(t, "page_view", "c1", path="/blog/a") for t in times])
    con = build()
    sessions = rows(con, "SELECT session_number, touchpoints FROM core.sessions ORDER BY 1")
    assert sessions == [(1, 2), (2, 2)]


def test_session_gap_is_configurable(build, tmp_path):
    # With a 10-minute gap the 30-minute pause also splits: three sessions of 1, 1 and 2 views.
    times = [T0, T0 + timedelta(minutes=30), T0 + timedelta(minutes=60, seconds=1),
             T0 + timedelta(minutes=60, seconds=2)]
    write_ga4(tmp_path / "input", [ga4_event(t, "page_view", "c1", path="/blog/a") for t in times])
    con = build(session_gap_minutes=10)
    assert rows(con, "SELECT touchpoints FROM core.sessions ORDER BY session_number") == [
        (1,), (1,), (2,)
    ]


def test_journey_ends_at_churn_and_after_inactivity(build, tmp_path):
    # day 0 visit, day 1 cancellation (churn ends journey 1), day 2 visit (journey 2),
    # day 2 + 91 days visit: more than the 90-day inactivity window → journey 3.
    events = [
        ga4_event(T0, "page_view", "c1", path="/blog/a"),
        ga4_event(T0 + timedelta(days=1), "cancel_subscription", "c1", path="/account/cancel"),
        ga4_event(T0 + timedelta(days=2), "page_view", "c1", path="/pricing"),
        ga4_event(T0 + timedelta(days=93), "page_view", "c1", path="/pricing"),
    ]
    write_ga4(tmp_path / "input", events)
    con = build()
    journeys = rows(
        con, "SELECT journey_number, touchpoints, outcome FROM core.journeys ORDER BY 1"
    )
    # the last journey ended at the data's end, so it is still open
    assert journeys == [(1, 2, "churned"), (2, 1, "dropped"), (3, 1, "open")]


def _visit_every_20_minutes(tmp_path, hours: int) -> None:
    # one cookie, a page view every 20 minutes: never a 30-minute gap, so one visit
    times = [T0 + timedelta(minutes=20 * i) for i in range(hours * 3 + 1)]
    write_ga4(tmp_path / "input", [ga4_event(t, "page_view", "c1", path="/blog/a") for t in times])


def test_a_visit_longer_than_the_cap_is_cut_into_sessions(build, tmp_path):
    # Views at 0, 20, ..., 780 minutes (40 views over 13 h). The default cap is 720 minutes:
    # offsets 0..700 (36 views) fall in the first 12 hours, 720..780 (4 views) in the next.
    _visit_every_20_minutes(tmp_path, hours=13)
    con = build()
    assert rows(con, "SELECT session_number, touchpoints, duration_seconds FROM core.sessions "
                     "ORDER BY 1") == [(1, 36, 700 * 60), (2, 4, 60 * 60)]


def test_session_cap_is_configurable_and_can_be_turned_off(build, tmp_path):
    # Views at 0..180 minutes every 20 (10 views). A 60-minute cap: offsets 0,20,40 | 60,80,100 |
    # 120,140,160 | 180 → 3, 3, 3, 1. No cap: one session of all 10.
    _visit_every_20_minutes(tmp_path, hours=3)
    capped = build(session_max_minutes=60)
    assert rows(capped, "SELECT touchpoints FROM core.sessions ORDER BY session_number") == [
        (3,), (3,), (3,), (1,)
    ]
    capped.close()
    uncapped = build(session_max_minutes=None)
    assert rows(uncapped, "SELECT touchpoints FROM core.sessions") == [(10,)]


def test_the_cap_counts_from_each_visits_own_start(build, tmp_path):
    # Two visits split by a 2-hour gap, cap 60 minutes:
    #   visit 1: 0, 25, 50 min           → one session (all within 60 min of its start)
    #   visit 2: 170, 200, 229, 231 min  → offsets 0, 30, 59 | 61 → sessions of 3 and 1
    #   (counted from minute 0 instead, 170 and 200 would fall in different pieces)
    minutes = [0, 25, 50, 170, 200, 229, 231]
    write_ga4(tmp_path / "input", [ga4_event(T0 + timedelta(minutes=m), "page_view", "c1",
                                             path="/blog/a") for m in minutes])
    con = build(session_max_minutes=60)
    assert rows(con, "SELECT touchpoints FROM core.sessions ORDER BY session_number") == [
        (3,), (3,), (1,)
    ]
