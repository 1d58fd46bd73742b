"""Touchpoint graph metrics: the absorbing Markov chain of marts.transitions, solved by hand.

p1: organic → pricing → purchase
p2: organic → pricing
p3: organic
p4: pricing → purchase
p5: organic → pricing → organic → pricing → purchase
p6: pricing

Edges (CONVERSION and EXIT absorb; edges out of CONVERSION are ignored):
  START→organic 4 (p1 p2 p3 p5), START→pricing 2 (p4 p6)
  organic→pricing 4 (p1 p2 p5 p5), organic→EXIT 1 (p3)                       organic: 5 visits
  pricing→purchase 3 (p1 p4 p5), pricing→EXIT 2 (p2 p6), pricing→organic 1 (p5)   pricing: 6 visits
  purchase→CONVERSION 3                                                        purchase: 3 visits
"""

import math
from datetime import timedelta

import numpy as np
import pytest

from builders import T0, ga4_event, write_ga4
from conftest import rows
from journeyflow.markov import solve_chain

# h(pricing) = 3/6 + 1/6·h(organic), h(organic) = 4/5·h(pricing) → h(pricing) = 1/2 / (13/15) = 15/26
H_PRICING = (1 / 2) / (1 - (1 / 6) * (4 / 5))
H_ORGANIC = 4 / 5 * H_PRICING  # 6/13
P_START = 4 / 6 * H_ORGANIC + 2 / 6 * H_PRICING  # = 1/2


def minutes(n: float):
    return T0 + timedelta(minutes=n)


@pytest.fixture
def small_graph_input(tmp_path):
    def organic(person: str, at: float) -> dict:
        return ga4_event(minutes(at), "session_start", person, medium="organic")

    def pricing(person: str, at: float) -> dict:
        return ga4_event(minutes(at), "page_view", person, path="/pricing")

    def purchase(person: str, at: float) -> dict:
        return ga4_event(minutes(at), "purchase", person, path="/checkout", value=10.0)

    write_ga4(tmp_path / "input", [
        organic("p1", 0), pricing("p1", 1), purchase("p1", 2),
        organic("p2", 0), pricing("p2", 1),
        organic("p3", 0),
        pricing("p4", 0), purchase("p4", 1),
        organic("p5", 0), pricing("p5", 1), organic("p5", 2), pricing("p5", 3), purchase("p5", 4),
        pricing("p6", 0),
    ])


@pytest.fixture
def small_graph(small_graph_input, build):
    return build(bottleneck_min_visits=4)


def metrics(con) -> dict[str, tuple]:
    got = rows(con, """
        SELECT touchpoint, visits, exits, exit_rate, bottleneck_rank, conversion_probability,
               visit_probability, removal_effect, removal_effect_share
        FROM marts.touchpoint_graph_metrics WHERE unit = 'journey'
    """)
    return {name: tuple(values) for name, *values in got}


def test_hand_derived_probabilities(small_graph):
    assert math.isclose(P_START, 1 / 2)
    got = metrics(small_graph)
    assert got == {
        "organic_search_visit": (
            5, 1, pytest.approx(1 / 5),
            2,  # rankable (5 visits >= 4), exits less often than pricing
            pytest.approx(6 / 13),
            # reached from START directly (4/6) or via pricing (2/6 · 1/6)
            pytest.approx(4 / 6 + 2 / 6 * 1 / 6),
            # without organic only START→pricing→purchase is left: 2/6 · 3/6 = 1/6
            pytest.approx(1 / 2 - 1 / 6), pytest.approx((1 / 2 - 1 / 6) / (1 / 2)),
        ),
        "pricing_page": (
            6, 2, pytest.approx(2 / 6), 1, pytest.approx(15 / 26),
            pytest.approx(2 / 6 + 4 / 6 * 4 / 5),  # directly, or via organic unless it exits there
            pytest.approx(1 / 2), pytest.approx(1.0),  # every conversion passes pricing
        ),
        "purchase": (
            3, 0, pytest.approx(0.0),
            None,  # 3 visits: too few to rank (and a conversion touchpoint, see below)
            pytest.approx(1.0), pytest.approx(1 / 2), pytest.approx(1 / 2), pytest.approx(1.0),
        ),
    }


def test_conversion_touchpoints_are_not_bottlenecks(build, tmp_path):
    # p1: pricing → purchase → purchase (the second is a repeat_purchase, after CONVERSION) → EXIT
    # p2: pricing → EXIT. Every node has 1+ visit; exit rates: pricing 1/2, purchase 0 (→ CONVERSION),
    # repeat_purchase 1 (→ EXIT) - but its exit ends a journey that converted, so it is not ranked.
    write_ga4(tmp_path / "input", [
        ga4_event(minutes(0), "page_view", "p1", path="/pricing"),
        ga4_event(minutes(1), "purchase", "p1", path="/checkout", value=10.0),
        ga4_event(minutes(2), "purchase", "p1", path="/checkout", value=10.0),
        ga4_event(minutes(0), "page_view", "p2", path="/pricing"),
    ])
    got = rows(build(bottleneck_min_visits=1), """
        SELECT touchpoint, is_conversion_touchpoint, exit_rate, bottleneck_rank
        FROM marts.touchpoint_graph_metrics WHERE unit = 'journey' ORDER BY touchpoint
    """)
    assert got == [
        ("pricing_page", False, pytest.approx(1 / 2), 1),
        ("purchase", True, pytest.approx(0.0), None),
        ("repeat_purchase", True, pytest.approx(1.0), None),
    ]


def test_matches_a_direct_numpy_solve(small_graph):
    edges = rows(small_graph, "SELECT from_node, to_node, transitions FROM marts.transitions")
    states = ["START", "organic_search_visit", "pricing_page", "purchase"]
    q = np.zeros((4, 4))
    r = np.zeros(4)
    for f, t, n in edges:
        if f in ("CONVERSION", "EXIT"):
            continue  # absorbing
        total = sum(m for g, _, m in edges if g == f)
        if t == "CONVERSION":
            r[states.index(f)] += n / total
        elif t != "EXIT":
            q[states.index(f), states.index(t)] += n / total
    h = np.linalg.solve(np.eye(4) - q, r)
    got = metrics(small_graph)
    for k, node in enumerate(states[1:], start=1):
        q_removed = q.copy()
        q_removed[:, k] = 0.0  # traffic into the node leaves to EXIT
        removed = np.linalg.solve(np.eye(4) - q_removed, r)[0]
        assert got[node][4] == pytest.approx(h[k]), node
        assert got[node][6] == pytest.approx(h[0] - removed), node


def test_solve_chain_ignores_edges_out_of_absorbing_states():
    # START → a (2) and → b (1); a → CONVERSION 1, a → EXIT 1; b → a 1.
    # h(a) = 1/2, h(b) = h(a) = 1/2, P(START) = 1/2; removing a leaves nothing: drop 1/2;
    # removing b: START → b traffic exits, P = 2/3 · 1/2 = 1/3, drop 1/6 = P(visit b) 1/3 · h(b) 1/2.
    solution = solve_chain([
        ("START", "a", 2), ("START", "b", 1), ("a", "CONVERSION", 1), ("a", "EXIT", 1), ("b", "a", 1),
        ("CONVERSION", "b", 5), ("EXIT", "a", 7),  # ignored
    ])
    assert solution.nodes == ["a", "b"]
    assert solution.start_conversion_probability == pytest.approx(1 / 2)
    assert solution.conversion_probability.tolist() == pytest.approx([1 / 2, 1 / 2])
    assert solution.visit_probability.tolist() == pytest.approx([1.0, 1 / 3])
    assert solution.removal_effect.tolist() == pytest.approx([1 / 2, 1 / 6])


def test_empty_graph_has_no_nodes():
    solution = solve_chain([])
    assert solution.nodes == []
    assert solution.start_conversion_probability == 0.0
