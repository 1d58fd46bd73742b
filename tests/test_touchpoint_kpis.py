"""marts.touchpoint_kpis on four hand-made journeys, every expected number worked out by hand.

Minutes after T0; web events from GA4, the ticket from Zendesk, the NPS answers from the survey export.
Zendesk users tie the shop logins u1, u2 to their emails, so tickets and answers join the journeys.

P1 (u1): 0 organic visit, 1 pricing, 3 purchase, 10 support ticket (open, rated bad at 20),
         30 NPS 10                      steps: organic > pricing > purchase > support_ticket >
                                               csat_negative > nps_promoter
P2 (u2): 0 organic visit, 2 pricing, 4 pricing (same step), 6 NPS 3
                                        steps: organic > pricing > nps_detractor (never converts)
P3 (u3): 0 organic visit, 5 blog        steps: organic > blog_article (never converts)
P4 (u4): 0 paid search click, 4 pricing, 5 purchase
"""

from datetime import timedelta

import pytest

from builders import (
    NPS_HEADER,
    T0,
    ga4_event,
    write_csv,
    write_ga4,
    write_zendesk,
    zendesk_ticket,
    zendesk_user,
)
from conftest import open_build, rows


def minutes(n: float):
    return T0 + timedelta(minutes=n)


def iso(n: float) -> str:
    return minutes(n).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_input(folder):
    write_ga4(folder, [
        ga4_event(minutes(0), "session_start", "c1", user_id="u1", medium="organic"),
        ga4_event(minutes(1), "page_view", "c1", user_id="u1", path="/pricing"),
        ga4_event(minutes(3), "purchase", "c1", user_id="u1", path="/checkout", value=100.0),
        ga4_event(minutes(0), "session_start", "c2", user_id="u2", medium="organic"),
        ga4_event(minutes(2), "page_view", "c2", user_id="u2", path="/pricing"),
        ga4_event(minutes(4), "page_view", "c2", user_id="u2", path="/pricing"),
        ga4_event(minutes(0), "session_start", "c3", user_id="u3", medium="organic"),
        ga4_event(minutes(5), "page_view", "c3", user_id="u3", path="/blog/a"),
        ga4_event(minutes(0), "session_start", "c4", user_id="u4", medium="cpc"),
        ga4_event(minutes(4), "page_view", "c4", user_id="u4", path="/pricing"),
        ga4_event(minutes(5), "purchase", "c4", user_id="u4", path="/checkout", value=50.0),
    ])
    write_zendesk(
        folder,
        [zendesk_ticket(1, 101, iso(10), status="open", updated=iso(20), rating="bad")],
        [zendesk_user(101, "p1@example.com", "u1"), zendesk_user(102, "p2@example.com", "u2")],
    )
    write_csv(folder / "surveys" / "nps.csv", NPS_HEADER, [
        ["r1", "p1@example.com", "10", "great", iso(30)],
        ["r2", "p2@example.com", "3", "too expensive", iso(6)],
    ])


@pytest.fixture
def input_dir(tmp_path):
    write_input(tmp_path / "input")
    return tmp_path / "input"


@pytest.fixture(scope="module")
def kpis(tmp_path_factory):
    """Built once for the module: the tests using it only read the warehouse."""
    base = tmp_path_factory.mktemp("kpis")
    write_input(base / "input")
    con = open_build(base, pain_min_journeys=1)
    try:
        return {
            row[0]: dict(zip([d[0] for d in con.description], row, strict=True))
            for row in con.execute("SELECT * FROM marts.touchpoint_kpis").fetchall()
        }
    finally:
        con.close()


def test_the_fixture_gives_the_described_journeys(build, input_dir):
    con = build()
    assert rows(con, "SELECT touchpoint_path, converted FROM core.journeys ORDER BY touchpoint_path") == [
        ("organic_search_visit > blog_article", False),
        ("organic_search_visit > pricing_page > nps_detractor", False),
        ("organic_search_visit > pricing_page > purchase > support_ticket > csat_negative > nps_promoter",
         True),
        ("paid_search_click > pricing_page > purchase", True),
    ]


def test_reach_and_conversion_after_the_touchpoint(kpis):
    pricing = kpis["pricing_page"]
    # P1, P2, P4 pass the pricing page; P2's second view is the same step
    assert (pricing["persons"], pricing["journeys"], pricing["visits"]) == (3, 3, 3)
    # all three pass it before any conversion (P2 never converts); P1 and P4 then convert
    assert (pricing["journeys_before_conversion"], pricing["conversions_after"]) == (3, 2)
    assert pricing["conversion_rate"] == pytest.approx(2 / 3)
    # organic: P1, P2, P3 pass it, only P1 converts
    assert kpis["organic_search_visit"]["conversion_rate"] == pytest.approx(1 / 3)
    assert kpis["paid_search_click"]["conversion_rate"] == pytest.approx(1 / 1)
    # the purchase is the first conversion itself: no journey passes it *before* converting
    purchase = kpis["purchase"]
    assert (purchase["journeys"], purchase["journeys_before_conversion"]) == (2, 0)
    assert purchase["conversion_rate"] is None


def test_nps_csat_and_tickets_after_the_touchpoint(kpis):
    pricing = kpis["pricing_page"]
    # after the pricing page: P1 answers 10 (promoter), P2 answers 3 (detractor)
    assert (pricing["nps_responses"], pricing["nps_promoters"], pricing["nps_detractors"]) == (2, 1, 1)
    assert pricing["nps"] == pytest.approx(100 * (1 / 2 - 1 / 2))  # 0
    # P1's ticket was rated bad: 0 good of 1
    assert (pricing["csat_responses"], pricing["csat_good"], pricing["csat"]) == (1, 0, 0.0)
    # one of the three journeys (P1) opens a ticket after it
    assert pricing["ticket_rate"] == pytest.approx(1 / 3)
    purchase = kpis["purchase"]
    # after the purchases (P1, P4): only P1's answer 10 → NPS = 100 · (1/1 − 0/1)
    assert (purchase["nps_responses"], purchase["nps"]) == (1, pytest.approx(100.0))
    assert purchase["ticket_rate"] == pytest.approx(1 / 2)
    # an answer counts only when it comes after the touchpoint: P1's NPS (30) follows the rating (20)
    csat_negative = kpis["csat_negative"]
    assert (csat_negative["nps_responses"], csat_negative["csat_responses"]) == (1, 0)
    assert csat_negative["csat"] is None
    # the ticket is not "after" itself
    assert kpis["support_ticket"]["journeys_with_ticket_after"] == 0
    assert kpis["blog_article"]["nps"] is None  # P3 never answered


def test_time_to_next_touchpoint_and_exits(kpis):
    pricing = kpis["pricing_page"]
    # gaps to the next step: P1 1→3 min 120 s, P2 2→6 min 240 s (the repeat at 4 is the same step),
    # P4 4→5 min 60 s; sorted 60, 120, 240
    assert pricing["median_seconds_to_next"] == pytest.approx(120.0)
    # p75 (linear interpolation): position 0.75 · (3 − 1) = 1.5 → 120 + 0.5 · (240 − 120) = 180
    assert pricing["p75_seconds_to_next"] == pytest.approx(180.0)
    assert (pricing["exits"], pricing["exit_rate"]) == (0, 0.0)
    # organic → next: P1 60 s, P2 120 s, P3 300 s → median 120
    assert kpis["organic_search_visit"]["median_seconds_to_next"] == pytest.approx(120.0)
    # P4 ends at the purchase, P1 goes on: 1 exit of 2 visits, but none before a conversion
    purchase = kpis["purchase"]
    assert (purchase["exits"], purchase["exit_rate"]) == (1, pytest.approx(1 / 2))
    assert (purchase["visits_before_conversion"], purchase["drop_off_rate"]) == (0, None)
    # the blog article ends P3's journey, which never converts
    assert kpis["blog_article"]["drop_off_rate"] == pytest.approx(1.0)
    assert kpis["nps_promoter"]["median_seconds_to_next"] is None  # always the last step


def test_pain_score_and_rank(kpis):
    # components (raw rates, then divided by their largest value over the ranked touchpoints):
    #   drop-off: blog 1/1, nps_detractor 1/1, everything else 0 or no visit before a conversion
    #             → max 1
    #   tickets:  organic 1/3, pricing 1/3, purchase 1/2, others 0 → max 1/2
    #   low score = (detractors + bad ratings) / (NPS answers + ratings) after it:
    #             organic, pricing (1 + 1) / (2 + 1) = 2/3; purchase (0 + 1) / (1 + 1) = 1/2;
    #             support_ticket (0 + 1) / (1 + 1) = 1/2; csat_negative 0/1 → max 2/3
    def score(drop_off, ticket, low):
        return 0.5 * drop_off / 1 + 0.25 * ticket / (1 / 2) + 0.25 * low / (2 / 3)

    expected = {
        "blog_article": score(1, 0, 0),  # 0.5
        "nps_detractor": score(1, 0, 0),  # 0.5
        "purchase": score(0, 1 / 2, 1 / 2),  # 0.25 + 0.1875 = 0.4375
        "organic_search_visit": score(0, 1 / 3, 2 / 3),  # 1/6 + 1/4 = 5/12
        "pricing_page": score(0, 1 / 3, 2 / 3),  # 5/12
        "support_ticket": score(0, 0, 1 / 2),  # 0.1875
        "csat_negative": 0.0,
        "nps_promoter": 0.0,
        "paid_search_click": 0.0,
    }
    assert {tp: k["pain_score"] for tp, k in kpis.items()} == pytest.approx(expected)
    # ties: more journeys first, then the name
    ranking = sorted(kpis, key=lambda tp: kpis[tp]["pain_rank"])
    assert ranking == [
        "blog_article", "nps_detractor", "purchase", "organic_search_visit", "pricing_page",
        "support_ticket", "csat_negative", "nps_promoter", "paid_search_click",
    ]
    assert kpis["organic_search_visit"]["ticket_component"] == pytest.approx((1 / 3) / (1 / 2))


def test_touchpoints_with_few_journeys_are_not_ranked(build, input_dir):
    con = build(pain_min_journeys=3)
    # only the organic visit and the pricing page are passed by 3 journeys; among them the largest
    # ticket rate is 1/3 and the largest low-score rate 2/3, and neither has a drop-off
    assert rows(con, """
        SELECT touchpoint, pain_rank, pain_score FROM marts.touchpoint_kpis
        WHERE pain_rank IS NOT NULL ORDER BY pain_rank
    """) == [("organic_search_visit", 1, pytest.approx(0.25 * 1 + 0.25 * 1)),
             ("pricing_page", 2, pytest.approx(0.25 * 1 + 0.25 * 1))]
    assert rows(con, "SELECT count(*) FROM marts.touchpoint_kpis WHERE pain_score IS NULL") == [(7,)]
