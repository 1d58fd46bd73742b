"""Phase funnel breakdown (any/strict order, conversion window, skipped) and phase times, by hand.

Phases of the GA4 events used: session_start organic / cpc → awareness (organic_search_visit /
paid_search_click, channel search); page_view /pricing → consideration (pricing_page, channel web);
purchase → acquisition.
"""

from datetime import timedelta

import pytest

from builders import T0, ga4_event, write_ga4
from conftest import open_build, rows


def day(n: float):
    return T0 + timedelta(days=n)


def aware(d, who, medium="organic"):
    return ga4_event(day(d), "session_start", who, medium=medium)


def consider(d, who):
    return ga4_event(day(d), "page_view", who, path="/pricing")


def buy(d, who):
    return ga4_event(day(d), "purchase", who, path="/checkout", value=10.0)


def write_five_persons(folder):
    # first time per phase (day), within the default 30-day window from the person's first touchpoint:
    #   A: awareness 0, consideration 1, acquisition 2         (in order)
    #   B: awareness 0, acquisition 5                          (skips consideration)
    #   C: awareness 0, consideration 3; purchase on day 40    (outside the 30-day window)
    #   D: consideration 0, awareness 1, acquisition 2         (out of order)
    #   E: awareness on day 35 only (first journey starts in July)
    write_ga4(folder, [
        aware(0, "a"), consider(1, "a"), buy(2, "a"),
        aware(0, "b"), buy(5, "b"),
        aware(0, "c", medium="cpc"), consider(3, "c"), buy(40, "c"),
        consider(0, "d"), aware(1, "d"), buy(2, "d"),
        aware(35, "e", medium="cpc"),
    ])


@pytest.fixture
def five_persons(tmp_path):
    write_five_persons(tmp_path / "input")


@pytest.fixture(scope="module")
def five_persons_default(tmp_path_factory):
    """The five persons with the default settings, built once: the tests using it only read it."""
    base = tmp_path_factory.mktemp("five_persons")
    write_five_persons(base / "input")
    con = open_build(base)
    yield con
    con.close()


FUNNEL = """
    SELECT phase, persons, persons_entered, persons_next, drop_off, drop_off_rate, persons_skipped
    FROM marts.phase_funnel_breakdown
    WHERE breakdown = ? AND breakdown_value = ? AND mode = ?
    ORDER BY phase_order
"""


def funnel(con, breakdown, value, mode):
    return con.execute(FUNNEL, [breakdown, value, mode]).fetchall()


def test_any_order_funnel_within_the_window(five_persons_default):
    con = five_persons_default
    # highest phase reached within the window: A 3, B 3, C 2 (day-40 purchase is out), D 3, E 1
    assert funnel(con, "all", "all", "any_order") == [
        # entered = highest >= 1: 5; next = highest >= 2: A B C D = 4; drop 1 (E) → 1/5
        ("awareness", 5, 5, 4, 1, pytest.approx(1 / 5), 0),
        # entered: A B C D = 4; next (highest >= 3): A B D = 3; drop C → 1/4;
        # skipped: B reached acquisition without consideration
        ("consideration", 5, 4, 3, 1, pytest.approx(1 / 4), 1),
        # entered A B D = 3; nobody reaches service → 3 drop, rate 3/3
        ("acquisition", 5, 3, 0, 3, pytest.approx(1.0), 0),
        ("service", 5, 0, 0, 0, None, 0),
        ("loyalty", 5, 0, None, None, None, 0),
    ]


def test_strict_order_funnel(five_persons_default):
    con = five_persons_default
    assert funnel(con, "all", "all", "strict_order") == [
        # all 5 have awareness; phase 2 in order: A (1 >= 0), C (3 >= 0); not B (none),
        # not D (consideration day 0 before awareness day 1) → next 2, drop 3 → 3/5
        ("awareness", 5, 5, 2, 3, pytest.approx(3 / 5), 0),
        # entered A, C; acquisition in order: A (2 >= 1); C none within the window → 1, drop 1/2
        ("consideration", 5, 2, 1, 1, pytest.approx(1 / 2), 1),
        ("acquisition", 5, 1, 0, 1, pytest.approx(1.0), 0),
        ("service", 5, 0, 0, 0, None, 0),
        ("loyalty", 5, 0, None, None, None, 0),
    ]


def test_breakdowns_by_first_touchpoint_channel_and_month(five_persons_default):
    con = five_persons_default
    # first touchpoint: organic A B, paid click C E, pricing page D
    assert funnel(con, "first_touchpoint", "organic_search_visit", "any_order")[:3] == [
        ("awareness", 2, 2, 2, 0, 0.0, 0),
        ("consideration", 2, 2, 2, 0, 0.0, 1),  # B skipped it
        ("acquisition", 2, 2, 0, 2, 1.0, 0),
    ]
    # C reaches consideration, E only awareness
    assert funnel(con, "first_touchpoint", "paid_search_click", "any_order")[:2] == [
        ("awareness", 2, 2, 1, 1, 0.5, 0),
        ("consideration", 2, 1, 0, 1, 1.0, 0),
    ]
    # first channel: search = A B C E, web = D
    assert rows(con, """
        SELECT breakdown_value, max(persons) FROM marts.phase_funnel_breakdown
        WHERE breakdown IN ('first_channel', 'month', 'first_campaign') GROUP BY ALL ORDER BY 1
    """) == [("(none)", 5), ("2026-06", 4), ("2026-07", 1), ("search", 4), ("web", 1)]
    # E (July) has awareness only
    assert funnel(con, "month", "2026-07", "strict_order")[0] == ("awareness", 1, 1, 0, 1, 1.0, 0)


def test_window_is_inclusive_and_configurable(build, five_persons):
    # with 40 days, C's purchase exactly 40 days after their first touchpoint counts:
    # any_order acquisition: A B C D = 4; strict: A and C (purchase day 40 >= consideration day 3)
    con = build(funnel_window_days=40)
    assert funnel(con, "all", "all", "any_order")[2][:3] == ("acquisition", 5, 4)
    assert funnel(con, "all", "all", "strict_order")[2][:3] == ("acquisition", 5, 2)
    assert rows(con, "SELECT DISTINCT window_days FROM marts.phase_funnel_breakdown") == [(40.0,)]


def test_all_breakdown_without_window_matches_phase_funnel(build, five_persons):
    # a window longer than the data: the any_order 'all' rows are marts.phase_funnel
    con = build(funnel_window_days=3650)
    overall = rows(con, "SELECT phase, persons_entered, persons_next, drop_off FROM marts.phase_funnel "
                        "ORDER BY phase_order")
    assert [r[:1] + r[2:5] for r in funnel(con, "all", "all", "any_order")] == overall


def test_phase_times_quantiles(build, tmp_path):
    # awareness → consideration after 1, 2, 4 and 10 days (persons p1..p4); p5 saw pricing first.
    # sorted x = [1, 2, 4, 10], n = 4, linear interpolation at position h = (n - 1) q:
    #   p50: h = 1.5  → 2 + 0.5 (4 - 2)   = 3.0
    #   p75: h = 2.25 → 4 + 0.25 (10 - 4) = 5.5
    #   p90: h = 2.7  → 4 + 0.7 (10 - 4)  = 8.2
    #   mean = (1 + 2 + 4 + 10) / 4 = 4.25
    events = []
    for who, d in (("p1", 1), ("p2", 2), ("p3", 4), ("p4", 10)):
        events += [aware(0, who), consider(d, who)]
    events += [consider(0, "p5"), aware(1, "p5")]
    # p1 buys on day 3: consideration → acquisition 3 - 1 = 2 days (one person: every quantile 2)
    events += [buy(3, "p1")]
    write_ga4(tmp_path / "input", events)
    con = build()
    got = {
        (f, t): rest
        for f, t, *rest in rows(con, """
            SELECT from_phase, to_phase, is_next_phase, persons, persons_out_of_order,
                   mean_days, p50_days, p75_days, p90_days
            FROM marts.phase_times
        """)
    }
    assert got[("awareness", "consideration")] == [
        True, 4, 1, pytest.approx(4.25), pytest.approx(3.0), pytest.approx(5.5), pytest.approx(8.2)
    ]
    assert got[("consideration", "acquisition")] == [True, 1, 0, 2.0, 2.0, 2.0, 2.0]
    # awareness → acquisition (not consecutive): p1 only, 3 days
    assert got[("awareness", "acquisition")][:3] == [False, 1, 0]
    assert got[("awareness", "acquisition")][3] == pytest.approx(3.0)
    # nobody reached service: no persons, no times
    assert got[("acquisition", "service")] == [True, 0, 0, None, None, None, None]
    assert len(got) == 10  # every pair of the 5 phases (5 * 4 / 2)
