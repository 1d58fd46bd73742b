"""Attribution on five hand-made journeys, every credit worked out by hand.

Credited path = the steps before the journey's first conversion (the conversion step itself only
when nothing precedes it). Days are days before the purchase; channels: organic and paid search →
search, pricing page and purchase → web, newsletter click → email.

J1 p1: paid search (14 d) → pricing (7 d) → purchase → account page     credited: paid, pricing
J2 p2: organic (21 d) → newsletter (14 d) → pricing (7 d) → purchase   credited: organic, newsletter, pricing
J3 p3: purchase                                                        credited: purchase (nothing before it)
J4 p4: organic → pricing → pricing                                      no conversion (Markov only)
J5 p5: organic (28) → paid (21) → organic (14) → pricing (7) → purchase  credited: 4 steps
"""

from datetime import timedelta

import numpy as np
import pytest

from builders import T0, ga4_event, write_ga4
from conftest import open_build, rows
from journeyflow.attribution import PATH_EDGES_SQL
from journeyflow.markov import solve_chain

CONVERSIONS = 4  # J1, J2, J3, J5
MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based", "last_non_direct", "markov")


def day(n: float):
    return T0 + timedelta(days=n)


@pytest.fixture(scope="module")
def five_journeys(tmp_path_factory):
    """Built once for the module: the tests using it only read the warehouse."""
    base = tmp_path_factory.mktemp("five_journeys")
    write_ga4(base / "input", [
        ga4_event(day(0), "session_start", "p1", medium="cpc"),
        ga4_event(day(7), "page_view", "p1", path="/pricing"),
        ga4_event(day(14), "purchase", "p1", path="/checkout", value=100.0),
        ga4_event(day(15), "page_view", "p1", path="/account"),  # after the conversion: no credit
        ga4_event(day(0), "session_start", "p2", medium="organic"),
        ga4_event(day(7), "session_start", "p2", medium="email"),
        ga4_event(day(14), "page_view", "p2", path="/pricing"),
        ga4_event(day(21), "purchase", "p2", path="/checkout", value=100.0),
        ga4_event(day(3), "purchase", "p3", path="/checkout", value=100.0),
        ga4_event(day(0), "session_start", "p4", medium="organic"),
        ga4_event(day(1), "page_view", "p4", path="/pricing"),
        ga4_event(day(1.001), "page_view", "p4", path="/pricing"),  # a repeat: the same step
        ga4_event(day(0), "session_start", "p5", medium="organic"),
        ga4_event(day(7), "session_start", "p5", medium="cpc"),
        ga4_event(day(14), "session_start", "p5", medium="organic"),
        ga4_event(day(21), "page_view", "p5", path="/pricing"),
        ga4_event(day(28), "purchase", "p5", path="/checkout", value=100.0),
    ])
    con = open_build(base)
    yield con
    con.close()


def credits(con, level: str) -> dict[str, dict[str, float]]:
    got = rows(con, f"SELECT name, {', '.join(MODELS)} FROM marts.attribution WHERE level = '{level}'")
    return {name: dict(zip(MODELS, values, strict=True)) for name, *values in got}


# Removal effects of the touchpoint chain. Edges of the credited paths:
#   START→paid 1, START→organic 3, START→purchase 1                     (5 journeys)
#   paid→pricing 1, paid→organic 1; organic→newsletter 1, organic→pricing 2, organic→paid 1
#   newsletter→pricing 1; pricing→CONVERSION 3, pricing→EXIT 1; purchase→CONVERSION 1
# h(pricing) = h(newsletter) = 3/4, h(paid) = h(organic) = 3/4, h(purchase) = 1
# P(START→CONVERSION) = 1/5·3/4 + 3/5·3/4 + 1/5·1 = 4/5
REMOVAL = {
    # every conversion except J3's passes pricing: only START→purchase is left, 1/5
    "pricing_page": 4 / 5 - 1 / 5,
    "purchase": 1 / 5,
    # without paid: h(organic) = 1/4·3/4 + 2/4·3/4 = 9/16, P = 3/5·9/16 + 1/5 = 43/80
    "paid_search_click": 4 / 5 - 43 / 80,
    # without organic: h(paid) = 1/2·3/4 = 3/8, P = 1/5·3/8 + 1/5 = 11/40
    "organic_search_visit": 4 / 5 - 11 / 40,
    # without newsletter: h(org) = 3/8 + h(paid)/4, h(paid) = 3/8 + h(org)/2 → h(org) = 15/28,
    # h(paid) = 9/14; P = 3/5·15/28 + 1/5·9/14 + 1/5 = 13/20
    "newsletter_click": 4 / 5 - 13 / 20,
}


def test_touchpoint_credit_per_model(five_journeys):
    got = credits(five_journeys, "touchpoint")
    removal_total = sum(REMOVAL.values())  # 139/80
    expected = {
        "paid_search_click": {
            "first_touch": 1,  # J1
            "last_touch": 0,
            "linear": 1 / 2 + 1 / 4,  # J1 half, J5 a quarter
            # J1: weights 2^-2 (14 d) and 2^-1 (7 d) → 1/4 / (3/4) = 1/3;
            # J5: weights 1/16, 1/8, 1/4, 1/2 (sum 15/16) → paid 2/15
            "time_decay": 1 / 3 + 2 / 15,
            "position_based": 1 / 2 + 0.2 / 2,  # J1: two touches 50/50; J5: a middle touch of four
        },
        "pricing_page": {
            "first_touch": 0,
            "last_touch": 3,  # J1, J2, J5
            "linear": 1 / 2 + 1 / 3 + 1 / 4,
            # J2: weights 1/8, 1/4, 1/2 (sum 7/8) → pricing 4/7
            "time_decay": 2 / 3 + 4 / 7 + 8 / 15,
            "position_based": 1 / 2 + 0.4 + 0.4,
        },
        "organic_search_visit": {
            "first_touch": 2,  # J2, J5
            "last_touch": 0,
            "linear": 1 / 3 + 2 / 4,  # J5: two of its four steps
            "time_decay": 1 / 7 + (1 + 4) / 15,
            "position_based": 0.4 + (0.4 + 0.1),  # J5: first and one middle step
        },
        "newsletter_click": {
            "first_touch": 0, "last_touch": 0, "linear": 1 / 3, "time_decay": 2 / 7,
            "position_based": 0.2,
        },
        # J3 has only its conversion: that touch gets all of it under every model
        "purchase": {"first_touch": 1, "last_touch": 1, "linear": 1, "time_decay": 1,
                     "position_based": 1},
    }
    for name, models in expected.items():
        # no session of the five journeys is Direct: last non-direct is last touch
        models["last_non_direct"] = models["last_touch"]
        models["markov"] = REMOVAL[name] / removal_total * CONVERSIONS
    assert set(got) == set(expected)  # account_page came after the conversion: not credited
    for name in expected:
        assert got[name] == pytest.approx(expected[name]), name


def test_channel_credit_per_model(five_journeys):
    got = credits(five_journeys, "channel")
    # Channel paths: J1 search > web, J2 search > email > web, J3 web, J4 search > web (exit),
    # J5 search > search > search > web. Markov: h(web) = 4/5 (4 of 5 leave to CONVERSION),
    # h(search) = h(email) = 4/5, P = 4/5. Without web nothing converts (drop 4/5); without search
    # only J3's START→web is left: P = 1/5·4/5 (drop 16/25); without email h(search) = 3/4·4/5,
    # P = 4/5·3/5 + 1/5·4/5 = 16/25 (drop 4/25). Sum of drops 40/25.
    assert got["search"]["markov"] == pytest.approx(16 / 40 * CONVERSIONS)
    assert got["web"]["markov"] == pytest.approx(20 / 40 * CONVERSIONS)
    assert got["email"]["markov"] == pytest.approx(4 / 40 * CONVERSIONS)
    # rule-based: a channel's credit is the sum of its touchpoints' credit
    touch = credits(five_journeys, "touchpoint")
    for model in MODELS[:-1]:
        assert got["search"][model] == pytest.approx(
            touch["paid_search_click"][model] + touch["organic_search_visit"][model])
        assert got["web"][model] == pytest.approx(touch["pricing_page"][model] + touch["purchase"][model])


def test_every_model_sums_to_the_conversions(five_journeys):
    for level in ("touchpoint", "channel"):
        totals = rows(five_journeys, f"""
            SELECT {', '.join(f'sum({m})' for m in MODELS)} FROM marts.attribution WHERE level = '{level}'
        """)[0]
        assert totals == pytest.approx((CONVERSIONS,) * len(MODELS)), level


def test_path_steps_keep_steps_before_the_first_conversion(five_journeys):
    got = rows(five_journeys, """
        SELECT person_id, list(touchpoint ORDER BY step_number), max(path_steps), bool_or(converted)
        FROM marts.path_steps GROUP BY person_id
    """)
    assert sorted(tuple(r[1:]) for r in got) == sorted([
        (["paid_search_click", "pricing_page"], 2, True),
        (["organic_search_visit", "newsletter_click", "pricing_page"], 3, True),
        (["purchase"], 1, True),
        (["organic_search_visit", "pricing_page"], 2, False),  # the repeated pricing view is one step
        (["organic_search_visit", "paid_search_click", "organic_search_visit", "pricing_page"], 4, True),
    ])


def test_markov_edges_of_the_credited_paths(five_journeys):
    # the touchpoint edges listed above REMOVAL, by hand from the five credited paths
    got = rows(five_journeys, PATH_EDGES_SQL)
    assert [r[1:] for r in got if r[0] == "touchpoint"] == sorted([
        ("START", "paid_search_click", 1), ("START", "organic_search_visit", 3), ("START", "purchase", 1),
        ("paid_search_click", "pricing_page", 1), ("paid_search_click", "organic_search_visit", 1),
        ("organic_search_visit", "newsletter_click", 1), ("organic_search_visit", "pricing_page", 2),
        ("organic_search_visit", "paid_search_click", 1), ("newsletter_click", "pricing_page", 1),
        ("pricing_page", "CONVERSION", 3), ("pricing_page", "EXIT", 1), ("purchase", "CONVERSION", 1),
    ])
    # channels (paid and organic search → search; pricing and purchase → web; newsletter → email):
    # J1 search→web, J2 search→email→web, J3 web, J4 search→web (exit), J5 search→search→search→web
    assert [r[1:] for r in got if r[0] == "channel"] == sorted([
        ("START", "search", 4), ("START", "web", 1),
        ("search", "web", 3), ("search", "email", 1), ("search", "search", 2),
        ("email", "web", 1), ("web", "CONVERSION", 4), ("web", "EXIT", 1),
    ])


def test_time_decay_half_life_is_configurable(build, tmp_path):
    # one journey: organic 14 d and pricing 7 d before the purchase. With a 14-day half-life the
    # weights are 2^-1 and 2^-1/2 → organic 0.5 / (0.5 + 0.5^0.5).
    write_ga4(tmp_path / "input", [
        ga4_event(day(0), "session_start", "p1", medium="organic"),
        ga4_event(day(7), "page_view", "p1", path="/pricing"),
        ga4_event(day(14), "purchase", "p1", path="/checkout", value=10.0),
    ])
    con = build(attribution_half_life_days=14.0)
    got = dict(rows(con, "SELECT name, time_decay FROM marts.attribution WHERE level = 'touchpoint'"))
    assert got == pytest.approx({
        "organic_search_visit": 0.5 / (0.5 + 0.5 ** 0.5),
        "pricing_page": 0.5 ** 0.5 / (0.5 + 0.5 ** 0.5),
    })


def test_removal_effects_match_a_direct_solve():
    # the touchpoint chain of the five journeys, solved directly node by node: remove the node
    # (its inflow goes to EXIT) and solve (I − Q) h = r again
    edges = [
        ("START", "paid", 1), ("START", "organic", 3), ("START", "purchase", 1),
        ("paid", "pricing", 1), ("paid", "organic", 1),
        ("organic", "newsletter", 1), ("organic", "pricing", 2), ("organic", "paid", 1),
        ("newsletter", "pricing", 1), ("pricing", "CONVERSION", 3), ("pricing", "EXIT", 1),
        ("purchase", "CONVERSION", 1),
    ]
    solution = solve_chain(edges)
    states = ["START", "paid", "organic", "newsletter", "pricing", "purchase"]
    q = np.zeros((6, 6))
    r = np.zeros(6)
    totals = {s: sum(w for f, _, w in edges if f == s) for s in states}
    for f, t, w in edges:
        if t == "CONVERSION":
            r[states.index(f)] += w / totals[f]
        elif t != "EXIT":
            q[states.index(f), states.index(t)] += w / totals[f]
    base = np.linalg.solve(np.eye(6) - q, r)[0]
    assert base == pytest.approx(4 / 5)
    assert solution.start_conversion_probability == pytest.approx(4 / 5)
    for node, effect in zip(solution.nodes, solution.removal_effect, strict=True):
        k = states.index(node)
        q_removed = q.copy()
        q_removed[:, k] = 0.0  # inflow to k now leaves to EXIT
        removed = np.linalg.solve(np.eye(6) - q_removed, r)[0]
        assert effect == pytest.approx(base - removed), node
    named = {"paid": "paid_search_click", "organic": "organic_search_visit",
             "newsletter": "newsletter_click", "pricing": "pricing_page", "purchase": "purchase"}
    assert dict(zip(solution.nodes, solution.removal_effect, strict=True)) == pytest.approx(
        {short: REMOVAL[full] for short, full in named.items()})


# Last non-direct (GA4's paid and organic last click): a step in a Direct session passes its credit
# to the last credited step before it that is not in a Direct session and at most
# last_non_direct_lookback_days (default 90) before the conversion; with none, the last step keeps it.
# Journeys may last past the default inactivity window here (journey_inactivity_days = 365).
#   pA: organic (bing) day 0 → pricing in a (direct)/(none) session day 10 → purchase in it
#       credited: organic, pricing (Direct); organic is 10 d back: organic gets the credit
#   pB: the same with the direct pricing visit on day 100: organic is 100 d back, outside the
#       lookback: pricing (Direct, the last step) keeps the credit
#   pC: pricing in a direct session day 0 → paid search click day 1 → purchase in that session
#       the last step is not direct: it gets the credit, as under last touch
def _direct_visits() -> list[dict]:
    minute = timedelta(minutes=1)
    return [
        ga4_event(day(0), "session_start", "pA", medium="organic", source="bing"),
        ga4_event(day(10), "page_view", "pA", path="/pricing", medium="(none)", source="(direct)"),
        ga4_event(day(10) + minute, "purchase", "pA", path="/checkout", value=10.0),
        ga4_event(day(0), "session_start", "pB", medium="organic", source="bing"),
        ga4_event(day(100), "page_view", "pB", path="/pricing", medium="(none)", source="(direct)"),
        ga4_event(day(100) + minute, "purchase", "pB", path="/checkout", value=10.0),
        ga4_event(day(0), "page_view", "pC", path="/pricing", medium="(none)", source="(direct)"),
        ga4_event(day(1), "session_start", "pC", medium="cpc", source="google"),
        ga4_event(day(1) + minute, "purchase", "pC", path="/checkout", value=10.0),
    ]


def test_last_non_direct_skips_direct_visits_within_the_lookback(build, tmp_path):
    write_ga4(tmp_path / "input", _direct_visits())
    con = build(journey_inactivity_days=365)
    got = dict(rows(con, "SELECT name, last_non_direct FROM bi.attribution WHERE level = 'touchpoint'"))
    # pA → organic; pB → pricing (organic outside the 90 days); pC → paid
    assert got == {"organic_search_visit": 1, "pricing_page": 1, "paid_search_click": 1}
    last = dict(rows(con, "SELECT name, last_touch FROM bi.attribution WHERE level = 'touchpoint'"))
    assert last == {"organic_search_visit": 0, "pricing_page": 2, "paid_search_click": 1}
    # channels: organic → search, pricing → web, paid → search
    by_channel = dict(rows(con, "SELECT name, last_non_direct FROM bi.attribution WHERE level = 'channel'"))
    assert by_channel == {"search": 2, "web": 1}
    directs = rows(con, "SELECT count(*) FROM bi.sessions WHERE default_channel_group = 'Direct'")
    assert directs == [(3,)]  # pA's and pB's pricing visits, pC's first


def test_last_non_direct_lookback_is_configurable(build, tmp_path):
    # 120 days reach pB's organic visit 100 days before its purchase; 5 days no longer reach pA's
    # organic visit 10 days before, so pA's direct pricing visit keeps its credit
    write_ga4(tmp_path / "input", _direct_visits())
    con = build(journey_inactivity_days=365, last_non_direct_lookback_days=120.0)
    got = dict(rows(con, "SELECT name, last_non_direct FROM bi.attribution WHERE level = 'touchpoint'"))
    assert got == {"organic_search_visit": 2, "pricing_page": 0, "paid_search_click": 1}
    con = build(journey_inactivity_days=365, last_non_direct_lookback_days=5.0)
    got = dict(rows(con, "SELECT name, last_non_direct FROM bi.attribution WHERE level = 'touchpoint'"))
    assert got == {"organic_search_visit": 0, "pricing_page": 2, "paid_search_click": 1}
