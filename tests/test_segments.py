"""Segment comparison: the two-proportion statistics from counts, and marts.segment_comparison on
hand-made journeys with every expected number worked out by hand."""

import math
from datetime import timedelta

import pytest

from builders import T0, ga4_event, write_ga4
from conftest import rows
from journeyflow.segments import compare_proportions, proportion_interval

Z_975 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval


def minutes(n: float):
    return T0 + timedelta(minutes=n)


def campaign(event: dict, name: str) -> dict:
    event["collected_traffic_source"]["manual_campaign_name"] = name
    return event


# --- statistics from counts ---------------------------------------------------------------------------


def test_two_proportion_z_test_by_hand():
    # A converts 2 of 3, B 1 of 4
    result = compare_proportions(2, 3, 1, 4)
    p_a, p_b = 2 / 3, 1 / 4
    assert result.rate_difference == pytest.approx(p_b - p_a)  # -5/12
    pooled = (2 + 1) / (3 + 4)  # 3/7
    se = math.sqrt(pooled * (1 - pooled) * (1 / 3 + 1 / 4))  # sqrt(12/49 · 7/12) = sqrt(1/7)
    assert se == pytest.approx(math.sqrt(1 / 7))
    assert result.z == pytest.approx((p_b - p_a) / se)  # -5·sqrt(7)/12 ≈ -1.1024
    assert result.z == pytest.approx(-5 * math.sqrt(7) / 12)
    # two-sided p = 2 · (1 − Φ(|z|)) = erfc(|z| / sqrt(2))
    assert result.p_value == pytest.approx(math.erfc(5 * math.sqrt(7) / 12 / math.sqrt(2)))
    assert result.p_value == pytest.approx(0.2703, abs=1e-4)
    wald = math.sqrt(p_a * (1 - p_a) / 3 + p_b * (1 - p_b) / 4)  # sqrt(2/27 + 3/64)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (p_b - p_a - Z_975 * wald, p_b - p_a + Z_975 * wald))
    assert result.confidence == 0.95


def test_larger_counts_match_the_textbook_example():
    # 120 of 1000 vs 150 of 1000: pooled 0.135, se = sqrt(0.135 · 0.865 · 0.002) ≈ 0.015283
    result = compare_proportions(120, 1000, 150, 1000)
    assert result.z == pytest.approx(0.03 / math.sqrt(0.135 * 0.865 * 0.002))  # ≈ 1.963
    assert result.p_value == pytest.approx(0.0496, abs=1e-4)
    assert result.ci_low == pytest.approx(0.03 - Z_975 * math.sqrt(0.12 * 0.88 / 1000 + 0.15 * 0.85 / 1000))


def test_undefined_statistics_are_none():
    # a segment without journeys: nothing to compare
    empty = compare_proportions(1, 2, 0, 0)
    assert (empty.rate_difference, empty.z, empty.p_value, empty.ci_low, empty.ci_high) == (None,) * 5
    # nobody (or everybody) converts: the pooled variance is 0, z is undefined; the interval is a point
    flat = compare_proportions(0, 5, 0, 7)
    assert (flat.rate_difference, flat.z, flat.p_value, flat.ci_low, flat.ci_high) == (0, None, None, 0, 0)
    with pytest.raises(ValueError, match="conversions <= journeys"):
        compare_proportions(4, 3, 0, 1)


def test_proportion_interval():
    low, high = proportion_interval(1, 4)
    half = Z_975 * math.sqrt(1 / 4 * 3 / 4 / 4)
    assert (low, high) == pytest.approx((1 / 4 - half, 1 / 4 + half))
    assert proportion_interval(0, 0) is None


# --- the mart -----------------------------------------------------------------------------------------


@pytest.fixture
def channel_input(tmp_path):
    """First channel search: 3 journeys, 2 convert. First channel social: 4 journeys, 1 converts.
    One email journey (converts) belongs to neither segment."""
    write_ga4(tmp_path / "input", [
        # search (paid and organic search both have channel "search")
        ga4_event(minutes(0), "session_start", "s1", medium="cpc"),
        ga4_event(minutes(1), "purchase", "s1", path="/checkout", value=10.0),  # acquisition
        ga4_event(minutes(0), "session_start", "s2", medium="organic"),
        ga4_event(minutes(1), "page_view", "s2", path="/pricing"),
        ga4_event(minutes(2), "purchase", "s2", path="/checkout", value=10.0),  # acquisition
        ga4_event(minutes(0), "session_start", "s3", medium="organic"),
        ga4_event(minutes(1), "page_view", "s3", path="/pricing"),  # consideration
        # social (paid social and social posts)
        ga4_event(minutes(0), "session_start", "o1", medium="paid_social"),
        ga4_event(minutes(1), "purchase", "o1", path="/checkout", value=10.0),  # acquisition
        ga4_event(minutes(0), "session_start", "o2", medium="paid_social"),
        ga4_event(minutes(1), "page_view", "o2", path="/pricing"),  # consideration
        ga4_event(minutes(0), "session_start", "o3", medium="social"),
        ga4_event(minutes(1), "page_view", "o3", path="/blog/a"),  # awareness
        ga4_event(minutes(0), "session_start", "o4", medium="social"),  # awareness
        # neither
        ga4_event(minutes(0), "session_start", "e1", medium="email"),
        ga4_event(minutes(1), "purchase", "e1", path="/checkout", value=10.0),
    ])


def comparison(con):
    result = con.execute("SELECT * FROM marts.segment_comparison ORDER BY segment_role")
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def test_first_channel_segments(build, channel_input):
    con = build(segment_by="first_channel", segment_a="search", segment_b="social")
    a, b = comparison(con)
    assert (a["segment_role"], a["segment"], a["journeys"], a["persons"], a["conversions"]) == \
        ("a", "search", 3, 3, 2)
    assert (b["segment_role"], b["segment"], b["journeys"], b["persons"], b["conversions"]) == \
        ("b", "social", 4, 4, 1)
    assert a["conversion_rate"] == pytest.approx(2 / 3)
    assert b["conversion_rate"] == pytest.approx(1 / 4)
    # phase reach: highest phase per journey A: 3, 3, 2; B: 3, 2, 1, 1
    assert [a[f"reach_{p}"] for p in ("awareness", "consideration", "acquisition", "service", "loyalty")] \
        == pytest.approx([3 / 3, 3 / 3, 2 / 3, 0, 0])
    assert [b[f"reach_{p}"] for p in ("awareness", "consideration", "acquisition", "service", "loyalty")] \
        == pytest.approx([4 / 4, 2 / 4, 1 / 4, 0, 0])
    # b − a = 1/4 − 2/3; pooled rate (2 + 1) / (3 + 4) = 3/7
    pooled = 3 / 7
    z = (1 / 4 - 2 / 3) / math.sqrt(pooled * (1 - pooled) * (1 / 3 + 1 / 4))
    wald = math.sqrt((2 / 3) * (1 / 3) / 3 + (1 / 4) * (3 / 4) / 4)
    for row in (a, b):  # the comparison is on both rows
        assert row["rate_difference"] == pytest.approx(1 / 4 - 2 / 3)
        assert row["z"] == pytest.approx(z)
        assert row["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            (1 / 4 - 2 / 3 - Z_975 * wald, 1 / 4 - 2 / 3 + Z_975 * wald))
    assert rows(con, "SELECT segment, is_significant FROM bi.segment_comparison ORDER BY segment_role") \
        == [("search", False), ("social", False)]
    # the email journey is in neither segment
    assert rows(con, "SELECT count(*) FROM marts.segment_journeys") == [(7,)]


def test_utm_campaign_segments(build, tmp_path):
    """The variant is the first utm_campaign of the journey (an experiment tagged on the landing link)."""
    write_ga4(tmp_path / "input", [
        # v1: lands with variant_a, later comes back with variant_b, converts → a
        campaign(ga4_event(minutes(0), "session_start", "v1", medium="cpc"), "variant_a"),
        campaign(ga4_event(minutes(60), "session_start", "v1", medium="cpc"), "variant_b"),
        ga4_event(minutes(61), "purchase", "v1", path="/checkout", value=10.0),
        # v2: GA4's "(organic)" placeholder is no campaign; then variant_a, does not convert → a
        campaign(ga4_event(minutes(0), "session_start", "v2", medium="organic"), "(organic)"),
        campaign(ga4_event(minutes(60), "session_start", "v2", medium="organic"), "variant_a"),
        # v3, v4: variant_b, v3 converts → b
        campaign(ga4_event(minutes(0), "session_start", "v3", medium="cpc"), "variant_b"),
        ga4_event(minutes(1), "purchase", "v3", path="/checkout", value=10.0),
        campaign(ga4_event(minutes(0), "session_start", "v4", medium="paid_social"), "variant_b"),
        # v5: no campaign → neither
        ga4_event(minutes(0), "session_start", "v5", medium="cpc"),
        ga4_event(minutes(1), "purchase", "v5", path="/checkout", value=10.0),
    ])
    con = build(segment_by="utm_campaign", segment_a="variant_a", segment_b="variant_b")
    a, b = comparison(con)
    assert (a["segment_by"], a["segment"], a["journeys"], a["conversions"]) == \
        ("utm_campaign", "variant_a", 2, 1)
    assert (b["segment"], b["journeys"], b["conversions"]) == ("variant_b", 2, 1)
    # equal rates 1/2 and 1/2: difference 0, z 0, p = erfc(0) = 1
    assert (a["rate_difference"], a["z"], a["p_value"]) == pytest.approx((0, 0, 1))


def test_an_empty_segment_keeps_its_row_without_statistics(build, channel_input):
    con = build(segment_a="search", segment_b="print")
    a, b = comparison(con)
    assert (a["segment"], a["journeys"], b["segment"], b["journeys"]) == ("search", 3, "print", 0)
    assert (b["conversion_rate"], b["rate_difference"], b["z"], b["p_value"], b["ci_low"]) == (None,) * 5


def test_unknown_segment_rule_is_refused(build, channel_input):
    # refused when the settings are made (config.Settings), before anything runs
    with pytest.raises(ValueError, match=r'segment_by: "device" is unknown \(one of first_channel, utm_'):
        build(segment_by="device")
    with pytest.raises(ValueError, match="must differ"):
        build(segment_a="search", segment_b="search")
