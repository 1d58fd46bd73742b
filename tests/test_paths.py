"""Path variants and the unmapped-events report on hand-made journeys, counts worked out by hand.

A path variant is the journey's steps before its first conversion (all steps when it did not
convert; the conversion itself when nothing precedes it).

p1: organic → pricing → purchase                          "organic > pricing", converted
p2: organic → pricing                                     "organic > pricing"
p3: organic → pricing → pricing → purchase → account      "organic > pricing", converted (repeat is one step)
p4: paid → purchase                                       "paid", converted
p5: paid → purchase                                       "paid", converted
p6: j1 organic → blog;  j2 (100 days later) purchase      "organic > blog";  "purchase", converted
p7: j1 organic → pricing; j2 (100 days later) paid → purchase   "organic > pricing"; "paid", converted
"""

from datetime import timedelta

import pytest

from builders import T0, ga4_event, write_ga4
from conftest import rows

ORGANIC_PRICING = "organic_search_visit > pricing_page"
PAID = "paid_search_click"


def at(days: float, minutes: float = 0):
    return T0 + timedelta(days=days, minutes=minutes)


@pytest.fixture
def path_input(tmp_path):
    def organic_pricing(person: str, days: float = 0) -> list[dict]:
        return [ga4_event(at(days), "session_start", person, medium="organic"),
                ga4_event(at(days, 1), "page_view", person, path="/pricing")]

    def paid_purchase(person: str, days: float = 0) -> list[dict]:
        return [ga4_event(at(days), "session_start", person, medium="cpc"),
                ga4_event(at(days, 1), "purchase", person, path="/checkout", value=50.0)]

    write_ga4(tmp_path / "input", [
        *organic_pricing("p1"), ga4_event(at(0, 2), "purchase", "p1", path="/checkout", value=10.0),
        *organic_pricing("p2"),
        *organic_pricing("p3"), ga4_event(at(0, 2), "page_view", "p3", path="/pricing"),
        ga4_event(at(0, 3), "purchase", "p3", path="/checkout", value=10.0),
        ga4_event(at(0, 4), "page_view", "p3", path="/account"),
        *paid_purchase("p4"),
        *paid_purchase("p5"),
        ga4_event(at(0), "session_start", "p6", medium="organic"),
        ga4_event(at(0, 1), "page_view", "p6", path="/blog/a"),
        ga4_event(at(100), "purchase", "p6", path="/checkout", value=10.0),
        *organic_pricing("p7"), *paid_purchase("p7", days=100),
    ])


def paths(con) -> list[tuple]:
    return rows(con, """
        SELECT path_rank, touchpoint_path, path_steps, units, persons, conversions, conversion_rate,
               unit_share, is_other
        FROM marts.paths WHERE unit = 'journey' ORDER BY path_rank
    """)


def test_path_variants_with_conversion_rate(path_input, build):
    all_journeys = 9  # p1..p5 one each, p6 and p7 two each
    assert paths(build()) == [
        # p1, p2, p3, p7's first journey; p1 and p3 converted
        (1, ORGANIC_PRICING, 2, 4, 4, 2, pytest.approx(2 / 4), pytest.approx(4 / all_journeys), False),
        # p4, p5, p7's second journey: all converted
        (2, PAID, 1, 3, 3, 3, pytest.approx(1.0), pytest.approx(3 / all_journeys), False),
        # one journey each; ties broken by the path text
        (3, "organic_search_visit > blog_article", 2, 1, 1, 0, pytest.approx(0.0),
         pytest.approx(1 / all_journeys), False),
        (4, "purchase", 1, 1, 1, 1, pytest.approx(1.0), pytest.approx(1 / all_journeys), False),
    ]


def test_rare_variants_fold_into_other_paths(path_input, build):
    got = paths(build(min_path_journeys=2))
    assert got[:2] == [
        (1, ORGANIC_PRICING, 2, 4, 4, 2, pytest.approx(0.5), pytest.approx(4 / 9), False),
        (2, PAID, 1, 3, 3, 3, pytest.approx(1.0), pytest.approx(3 / 9), False),
    ]
    # "organic > blog" and "purchase" have one journey each (< 2): both are p6's → 1 person;
    # p6's second journey converted → 1 of 2
    assert got[2:] == [
        (3, "(other paths)", None, 2, 1, 1, pytest.approx(0.5), pytest.approx(2 / 9), True),
    ]


def test_unmapped_events_by_source_event_and_page(build, tmp_path):
    # video_start and file_download match no taxonomy rule; page views of any path do (site_page)
    write_ga4(tmp_path / "input", [
        ga4_event(at(0), "page_view", "p1", path="/blog/a"),
        ga4_event(at(0, 1), "video_start", "p1", path="/home"),
        ga4_event(at(0, 2), "video_start", "p2", path="/home"),
        ga4_event(at(1), "video_start", "p2", path="/home"),
        ga4_event(at(2), "video_start", "p2", path="/pricing"),
        ga4_event(at(0, 3), "file_download", "p1", path="/docs?file=a.pdf"),  # the query is cut off
        ga4_event(at(3), "file_download", "p1", path="/docs"),
    ])
    got = rows(build(), """
        SELECT volume_rank, source, event_name, page_path, events, persons, share_of_unmapped,
               epoch(first_seen_at), epoch(last_seen_at)
        FROM marts.unmapped_events ORDER BY volume_rank
    """)
    t0 = T0.timestamp()
    all_unmapped = 6  # 7 events minus the mapped blog view
    assert got == [
        (1, "ga4", "video_start", "/home", 3, 2, pytest.approx(3 / all_unmapped), t0 + 60, t0 + 86400),
        # two events each: file_download sorts before video_start
        (2, "ga4", "file_download", "/docs", 2, 1, pytest.approx(2 / all_unmapped), t0 + 180,
         t0 + 3 * 86400),
        (3, "ga4", "video_start", "/pricing", 1, 1, pytest.approx(1 / all_unmapped), t0 + 2 * 86400,
         t0 + 2 * 86400),
    ]
