"""Transitions and phase funnel on four hand-made journeys, numbers worked out by hand.

P1: organic visit → pricing page → purchase → account page          (converts, goes on to service)
P2: organic visit → pricing page → pricing page                      (the repeat is one step; drops)
P3: paid search click → purchase                                     (converts, skips consideration)
P4: organic visit → subscription cancelled                           (churns)
"""

from datetime import timedelta

import pytest

from builders import T0, ga4_event, write_ga4
from conftest import open_build, rows


def minutes(n: float):
    return T0 + timedelta(minutes=n)


@pytest.fixture(scope="module")
def four_journeys(tmp_path_factory):
    """Built once for the module: the tests using it only read the warehouse."""
    base = tmp_path_factory.mktemp("four_journeys")
    write_ga4(base / "input", [
        ga4_event(minutes(0), "session_start", "p1", medium="organic"),
        ga4_event(minutes(1), "page_view", "p1", path="/pricing"),
        ga4_event(minutes(2), "purchase", "p1", path="/checkout", value=100.0),
        ga4_event(minutes(3), "page_view", "p1", path="/account"),
        ga4_event(minutes(0), "session_start", "p2", medium="organic"),
        ga4_event(minutes(2), "page_view", "p2", path="/pricing"),
        ga4_event(minutes(3), "page_view", "p2", path="/pricing"),
        ga4_event(minutes(0), "session_start", "p3", medium="cpc"),
        ga4_event(minutes(5), "purchase", "p3", path="/checkout", value=50.0),
        ga4_event(minutes(0), "session_start", "p4", medium="organic"),
        ga4_event(minutes(4), "cancel_subscription", "p4", path="/account/cancel"),
    ])
    con = open_build(base)
    yield con
    con.close()


def test_transition_counts_with_start_conversion_exit(four_journeys):
    edges = {
        (f, t): (n, persons)
        for f, t, n, persons in rows(
            four_journeys, "SELECT from_node, to_node, transitions, persons FROM marts.transitions"
        )
    }
    assert edges == {
        ("START", "organic_search_visit"): (3, 3),  # P1, P2, P4
        ("START", "paid_search_click"): (1, 1),  # P3
        ("organic_search_visit", "pricing_page"): (2, 2),  # P1, P2
        ("organic_search_visit", "subscription_cancelled"): (1, 1),  # P4
        ("pricing_page", "purchase"): (1, 1),  # P1
        ("pricing_page", "EXIT"): (1, 1),  # P2: the second pricing view is the same step
        ("paid_search_click", "purchase"): (1, 1),  # P3
        ("purchase", "CONVERSION"): (2, 2),  # P1, P3
        ("CONVERSION", "account_page"): (1, 1),  # P1 goes on after converting
        ("CONVERSION", "EXIT"): (1, 1),  # P3
        ("account_page", "EXIT"): (1, 1),  # P1
        ("subscription_cancelled", "EXIT"): (1, 1),  # P4
    }


def test_transition_probability_and_median_gap(four_journeys):
    got = {
        (f, t): (p, m)
        for f, t, p, m in rows(
            four_journeys,
            "SELECT from_node, to_node, probability, median_seconds FROM marts.transitions",
        )
    }
    # START has 4 outgoing transitions, 3 of them to the organic visit
    assert got[("START", "organic_search_visit")][0] == pytest.approx(3 / 4)
    # organic → pricing: 2 of 3; gaps P1 60 s and P2 120 s → median 90 s
    assert got[("organic_search_visit", "pricing_page")] == pytest.approx((2 / 3, 90.0))
    assert got[("purchase", "CONVERSION")] == pytest.approx((1.0, 0.0))
    assert got[("pricing_page", "EXIT")][1] is None


def test_phase_funnel_drop_off(four_journeys):
    funnel = rows(four_journeys, """
        SELECT phase, persons_entered, persons_next, drop_off, drop_off_rate,
               persons_with_touchpoint, persons_churned
        FROM marts.phase_funnel ORDER BY phase_order
    """)
    # Highest phase reached: P1 service (4), P2 consideration (2), P3 acquisition (3),
    # P4 awareness (1; churn has no order). Entered phase k = persons whose highest phase >= k.
    assert funnel == [
        # awareness: 4 entered, 3 reach consideration or later → 1 drops (P4, who churned)
        ("awareness", 4, 3, 1, pytest.approx(1 / 4), 4, 1),
        # consideration: P1, P2, P3 (P3 skipped it but went further) → 2 go on, P2 drops
        ("consideration", 3, 2, 1, pytest.approx(1 / 3), 2, 0),
        # acquisition: P1, P3 → only P1 reaches service
        ("acquisition", 2, 1, 1, pytest.approx(1 / 2), 2, 0),
        ("service", 1, 0, 1, pytest.approx(1.0), 1, 0),
        # the last phase has no next phase
        ("loyalty", 0, None, None, None, 0, 0),
    ]


def test_journey_outcomes_and_paths(four_journeys):
    journeys = rows(four_journeys, """
        SELECT touchpoint_path, converted, outcome, conversion_value
        FROM core.journeys ORDER BY touchpoint_path
    """)
    assert journeys == [
        ("organic_search_visit > pricing_page", False, "open", 0),
        ("organic_search_visit > pricing_page > purchase > account_page", True, "converted", 100.0),
        ("organic_search_visit > subscription_cancelled", False, "churned", 0),
        ("paid_search_click > purchase", True, "converted", 50.0),
    ]


def test_transitions_by_channel_and_phase(four_journeys):
    edges = {
        (scope, f, t): n
        for scope, f, t, n in rows(four_journeys, """
            SELECT scope, from_node, to_node, transitions FROM marts.transitions_by_scope
            WHERE scope IN ('channel', 'phase') AND unit = 'journey'
        """)
    }
    # channels: every journey starts in search; pricing, purchase and account pages are one web step,
    # so P1's and P3's web step holds their conversion and the CONVERSION node follows it
    assert {k[1:]: v for k, v in edges.items() if k[0] == "channel"} == {
        ("START", "search"): 4,
        ("search", "web"): 4,
        ("web", "CONVERSION"): 2,  # P1, P3
        ("web", "EXIT"): 2,  # P2, P4
        ("CONVERSION", "EXIT"): 2,
    }
    # phases: P1 awareness > consideration > acquisition > CONVERSION > service; P2 awareness >
    # consideration (two pricing views, one step); P3 awareness > acquisition; P4 awareness > churn
    assert {k[1:]: v for k, v in edges.items() if k[0] == "phase"} == {
        ("START", "awareness"): 4,
        ("awareness", "consideration"): 2,
        ("awareness", "acquisition"): 1,
        ("awareness", "churn"): 1,
        ("consideration", "acquisition"): 1,
        ("consideration", "EXIT"): 1,
        ("acquisition", "CONVERSION"): 2,
        ("CONVERSION", "service"): 1,
        ("CONVERSION", "EXIT"): 1,
        ("service", "EXIT"): 1,
        ("churn", "EXIT"): 1,
    }
