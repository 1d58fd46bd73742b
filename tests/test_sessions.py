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
