"""Sessions split exactly at the inactivity gap; journeys at churn or the inactivity window.

Each test's visits are one cookie's (one person's), so the tests that run with the same settings
share one build (`built`) and each reads its own person's rows (`of`)."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import duckdb
import pytest

from builders import T0, ga4_event, write_ga4
from conftest import open_build, rows


def of(cookie: str) -> str:
    """SQL: the row is the person's of this GA4 cookie."""
    return f"person_id = (SELECT person_id FROM core.identity_map WHERE identifier = 'anon:{cookie}')"


# Gaps between consecutive page views of one cookie:
#   0 → +30:00 exactly  (not more than 30 min: same session)
#   +30:00 → +60:01     (30 min 1 s: new session)
#   +60:01 → +60:02     (1 s: same session)
GAP_TIMES = [T0, T0 + timedelta(minutes=30), T0 + timedelta(minutes=60, seconds=1),
             T0 + timedelta(minutes=60, seconds=2)]


def gap_visits(cookie: str) -> list[dict]:
    return [ga4_event(t, "page_view", cookie, path="/blog/a") for t in GAP_TIMES]


def churn_visits(cookie: str) -> list[dict]:
    # day 0 visit, day 1 cancellation (churn ends journey 1), day 2 visit (journey 2),
    # day 2 + 91 days visit: more than the 90-day inactivity window → journey 3.
    return [
        ga4_event(T0, "page_view", cookie, path="/blog/a"),
        ga4_event(T0 + timedelta(days=1), "cancel_subscription", cookie, path="/account/cancel"),
        ga4_event(T0 + timedelta(days=2), "page_view", cookie, path="/pricing"),
        ga4_event(T0 + timedelta(days=93), "page_view", cookie, path="/pricing"),
    ]


def visit_every_20_minutes(cookie: str, hours: int) -> list[dict]:
    # one cookie, a page view every 20 minutes: never a 30-minute gap, so one visit
    times = [T0 + timedelta(minutes=20 * i) for i in range(hours * 3 + 1)]
    return [ga4_event(t, "page_view", cookie, path="/blog/a") for t in times]


def two_visits(cookie: str) -> list[dict]:
    # Two visits split by a 2-hour gap (see test_the_cap_counts_from_each_visits_own_start)
    minutes = [0, 25, 50, 170, 200, 229, 231]
    return [ga4_event(T0 + timedelta(minutes=m), "page_view", cookie, path="/blog/a") for m in minutes]


# Settings → every cookie's visits built with them (one build each)
BUILDS: dict[str, tuple[dict[str, object], Callable[[], list[dict]]]] = {
    "default": ({}, lambda: gap_visits("c_gap") + churn_visits("c_churn")
                + visit_every_20_minutes("c_13h", hours=13)),
    "gap_10": ({"session_gap_minutes": 10}, lambda: gap_visits("c_gap")),
    "cap_60": ({"session_max_minutes": 60}, lambda: visit_every_20_minutes("c_3h", hours=3)
               + two_visits("c_two_visits")),
    "no_cap": ({"session_max_minutes": None}, lambda: visit_every_20_minutes("c_3h", hours=3)),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], duckdb.DuckDBPyConnection]]:
    """BUILDS[name], built the first time a test asks (read only: the tests share it)."""
    opened: dict[str, duckdb.DuckDBPyConnection] = {}

    def build_named(name: str) -> duckdb.DuckDBPyConnection:
        if name not in opened:
            base = tmp_path_factory.mktemp(name)
            overrides, visits = BUILDS[name]
            write_ga4(base / "input", visits())
            opened[name] = open_build(base, **overrides)
        return opened[name]

    yield build_named
    for con in opened.values():
        con.close()


def test_session_splits_exactly_at_the_gap(built):
    # GAP_TIMES: sessions of views 1-2 and 3-4
    sessions = rows(built("default"), f"SELECT session_number, touchpoints FROM core.sessions "
                                      f"WHERE {of('c_gap')} ORDER BY 1")
    assert sessions == [(1, 2), (2, 2)]


def test_session_gap_is_configurable(built):
    # With a 10-minute gap the 30-minute pause also splits: three sessions of 1, 1 and 2 views.
    assert rows(built("gap_10"), f"SELECT touchpoints FROM core.sessions WHERE {of('c_gap')} "
                                 f"ORDER BY session_number") == [(1,), (1,), (2,)]


def test_journey_ends_at_churn_and_after_inactivity(built):
    journeys = rows(built("default"), f"SELECT journey_number, touchpoints, outcome FROM core.journeys "
                                      f"WHERE {of('c_churn')} ORDER BY 1")
    # the last journey ended at the data's end, so it is still open
    assert journeys == [(1, 2, "churned"), (2, 1, "dropped"), (3, 1, "open")]


def test_a_visit_longer_than_the_cap_is_cut_into_sessions(built):
    # Views at 0, 20, ..., 780 minutes (40 views over 13 h). The default cap is 720 minutes:
    # offsets 0..700 (36 views) fall in the first 12 hours, 720..780 (4 views) in the next.
    assert rows(built("default"), f"SELECT session_number, touchpoints, duration_seconds FROM core.sessions "
                                  f"WHERE {of('c_13h')} ORDER BY 1") == [(1, 36, 700 * 60), (2, 4, 60 * 60)]


def test_session_cap_is_configurable_and_can_be_turned_off(built):
    # Views at 0..180 minutes every 20 (10 views). A 60-minute cap: offsets 0,20,40 | 60,80,100 |
    # 120,140,160 | 180 → 3, 3, 3, 1. No cap: one session of all 10.
    assert rows(built("cap_60"), f"SELECT touchpoints FROM core.sessions WHERE {of('c_3h')} "
                                 f"ORDER BY session_number") == [(3,), (3,), (3,), (1,)]
    assert rows(built("no_cap"), "SELECT touchpoints FROM core.sessions") == [(10,)]


def test_the_cap_counts_from_each_visits_own_start(built):
    # Two visits split by a 2-hour gap, cap 60 minutes:
    #   visit 1: 0, 25, 50 min           → one session (all within 60 min of its start)
    #   visit 2: 170, 200, 229, 231 min  → offsets 0, 30, 59 | 61 → sessions of 3 and 1
    #   (counted from minute 0 instead, 170 and 200 would fall in different pieces)
    assert rows(built("cap_60"), f"SELECT touchpoints FROM core.sessions WHERE {of('c_two_visits')} "
                                 f"ORDER BY session_number") == [(3,), (3,), (1,)]
