"""Taxonomy rules: validation with clear errors, first match wins, overrides, repeats, unmapped."""

from datetime import timedelta

import pytest

from builders import NPS_HEADER, T0, ga4_event, write_csv, write_ga4
from conftest import rows
from journeyflow.config import DEFAULT_TAXONOMY
from journeyflow.taxonomy import load_taxonomy, read_taxonomy, rules_frame


def test_default_taxonomy_is_valid_and_lists_expand():
    taxonomy = read_taxonomy(DEFAULT_TAXONOMY)
    frame = rules_frame(taxonomy)
    # the first rule lists three utm_medium values → three match rows with the same order
    assert frame.filter(frame["rule_order"] == 1)["utm_medium"].to_list() == ["cpc", "ppc", "paidsearch"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("phases: [{name: a, order: 1}]\nrules:\n  - {touchpoint: x, channel: web, category: paid}",
         "rule 1: needs phase"),
        ("phases: [{name: a, order: 1}]\nrules:\n  - {touchpoint: x, channel: web, category: paid, phase: b}",
         "unknown phase 'b'"),
        ("phases: [{name: a, order: 1}]\nrules:\n  - {touchpoint: x, channel: tv, category: paid, phase: a}",
         "channel"),
        ("phases: [{name: a, order: 1}]\nrules:\n  - {match: {colour: red}, ignore: true}",
         "colour"),
        ("phases: [", "not valid YAML"),
    ],
)
def test_invalid_taxonomy_names_file_and_problem(tmp_path, text, message):
    path = tmp_path / "touchpoints.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        read_taxonomy(path)
    assert str(path) in str(info.value)


def test_user_rules_come_before_the_defaults(build, tmp_path):
    override = tmp_path / "mine.yaml"
    override.write_text(
        "phases:\n"
        + "".join(f"  - {{name: {n}, order: {o}}}\n" for n, o in [
            ("awareness", 1), ("consideration", 2), ("acquisition", 3), ("service", 4),
            ("loyalty", 5)])
        + "  - {name: churn, order: null}\n"
        "rules:\n"
        "  - match: {source: ga4, event_name: page_view, page_path: '/pricing%'}\n"
        "    touchpoint: price_check\n    channel: web\n    category: owned\n"
        "    phase: consideration\n",
        encoding="utf-8",
    )
    taxonomy = load_taxonomy(override, DEFAULT_TAXONOMY)
    assert taxonomy.rules[0].touchpoint == "price_check"
    write_ga4(tmp_path / "input", [
        ga4_event(T0, "page_view", "c1", path="/pricing"),
        ga4_event(T0 + timedelta(minutes=1), "page_view", "c1", path="/blog/x"),
    ])
    con = build(taxonomy=override)
    assert rows(con, "SELECT touchpoint FROM core.touchpoints ORDER BY touchpoint_number") == [
        ("price_check",), ("blog_article",)
    ]


def test_repeat_purchase_unmapped_and_ignored_events(build, tmp_path):
    write_ga4(tmp_path / "input", [
        ga4_event(T0, "session_start", "c1"),  # no campaign: ignored
        ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", value=10.0),
        ga4_event(T0 + timedelta(days=20), "purchase", "c1", value=20.0),
        ga4_event(T0 + timedelta(days=20, minutes=1), "spin_the_wheel", "c1"),
    ])
    write_csv(tmp_path / "input" / "surveys" / "nps.csv", NPS_HEADER, [
        ["r1", "x@example.com", "9", "", "2026-06-02T10:00:00Z"],
        ["r2", "y@example.com", "7", "", "2026-06-02T10:00:00Z"],
        ["r3", "z@example.com", "6", "", "2026-06-02T10:00:00Z"],
    ])
    con = build()
    web = rows(con, """
        SELECT touchpoint, phase, is_conversion FROM core.touchpoints
        WHERE source = 'ga4' ORDER BY touchpoint_number
    """)
    assert web == [
        ("purchase", "acquisition", True),
        ("repeat_purchase", "loyalty", True),  # the second purchase of the same person
        ("unmapped", None, False),  # no rule knows this event
    ]
    nps = rows(con, "SELECT touchpoint FROM core.touchpoints WHERE source = 'survey' ORDER BY value")
    assert nps == [("nps_detractor",), ("nps_passive",), ("nps_promoter",)]


def test_rule_values_match_whatever_their_case(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "phases: [{name: awareness, order: 1}]\n"
        "rules:\n  - match: {utm_medium: CPC, origin: Chat}\n"
        "    touchpoint: x\n    channel: search\n    category: paid\n    phase: awareness\n",
        encoding="utf-8",
    )
    frame = rules_frame(read_taxonomy(path))
    assert frame["utm_medium"].to_list() == ["cpc"] and frame["origin"].to_list() == ["chat"]


@pytest.mark.parametrize(
    ("match", "message"),
    [
        ("{page_path: {regex: '^/(products'}}", "does not compile"),
        ("{page_path: {regex: '^/p', contains: p}}", "exactly one"),
        ("{page_path: {contains: ''}}", "exactly one"),
        ("{utm_medium: {glob: 'c*'}}", "glob"),
        ("{source: {regex: ga}}", "source"),  # a source is named exactly
    ],
)
def test_invalid_match_patterns_are_named(tmp_path, match, message):
    path = tmp_path / "touchpoints.yaml"
    path.write_text(f"phases: [{{name: a, order: 1}}]\nrules:\n  - {{match: {match}, ignore: true}}\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        read_taxonomy(path)
    assert str(path) in str(info.value) and "rule" in str(info.value).lower()


def test_patterns_become_operator_rows(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "phases: [{name: a, order: 1}]\n"
        "rules:\n  - match: {page_path: ['/x%', {regex: '^/p/'}], utm_source: [{regex: 'TikTok'},"
        " {contains: FB}]}\n    ignore: true\n",
        encoding="utf-8",
    )
    frame = rules_frame(read_taxonomy(path))
    assert list(zip(frame["page_path"], frame["page_path_operator"], frame["utm_source"],
                    frame["utm_source_operator"], strict=True)) == [
        ("/x%", "like", "(?i)TikTok", "regex"), ("/x%", "like", "fb", "contains"),
        ("^/p/", "regex", "(?i)TikTok", "regex"), ("^/p/", "regex", "fb", "contains"),
    ]
    assert frame["event_name_operator"].to_list() == [None] * 4


def test_rules_match_by_regex_and_contains(build, tmp_path):
    """Each operator on each kind of key, with a near miss that falls through to the default rules."""
    override = tmp_path / "mine.yaml"
    rule = "    channel: web\n    category: owned\n    phase: consideration\n"
    override.write_text(
        "phases:\n"
        + "".join(f"  - {{name: {n}, order: {o}}}\n" for n, o in [
            ("awareness", 1), ("consideration", 2), ("acquisition", 3), ("service", 4),
            ("loyalty", 5)])
        + "  - {name: churn, order: null}\n"
        "rules:\n"
        "  - match: {source: ga4, event_name: page_view, page_path: {regex: '^/shop/(item|p)/[0-9]+$'}}\n"
        "    touchpoint: item_page\n" + rule
        + "  - match: {source: ga4, event_name: page_view, page_path: {contains: pricing}}\n"
        "    touchpoint: any_pricing\n" + rule
        + "  - match: {source: ga4, event_name: {regex: '^custom_'}}\n"
        "    touchpoint: custom_event\n" + rule
        + "  - match: {source: ga4, event_name: session_start, utm_medium: {contains: AFFIL}}\n"
        "    touchpoint: affiliate_visit\n" + rule
        + "  - match: {source: ga4, event_name: session_start, utm_source: {regex: '^Tik[Tt]ok$'}}\n"
        "    touchpoint: tiktok_visit\n" + rule,
        encoding="utf-8",
    )
    events = [
        ("page_view", "/shop/p/42", None, None, "item_page"),
        ("page_view", "/shop/p/42x", None, None, "category_page"),  # anchored at the end: the default's /shop
        ("page_view", "/en/pricing-plans", None, None, "any_pricing"),
        ("page_view", "/en/Pricing", None, None, "pricing_page"),  # contains is case-sensitive: the default's
        ("custom_spin", "/", None, None, "custom_event"),
        ("my_custom_spin", "/", None, None, "unmapped"),  # the regex is anchored at the start
        ("session_start", "/", "Affiliate_Partner", None, "affiliate_visit"),  # UTM values: any case
        ("session_start", "/", "afil", None, None),  # the default rules ignore it
        ("session_start", "/", "social", "TIKTOK", "tiktok_visit"),  # a UTM regex ignores case
        ("session_start", "/", "social", "tiktoks", "social_post_click"),
    ]
    write_ga4(tmp_path / "input", [
        ga4_event(T0 + timedelta(minutes=n), name, f"c{n}", path=path, medium=medium, source=source)
        for n, (name, path, medium, source, _) in enumerate(events)
    ])
    con = build(taxonomy=override)
    got = dict(rows(con, "SELECT e.page_path || ' ' || e.event_name || ' ' || coalesce(e.utm_medium, '')"
                         " || coalesce(e.utm_source, ''), t.touchpoint FROM staging.events AS e"
                         " LEFT JOIN core.touchpoints AS t USING (event_id)"))
    expected = {f"{path} {name} {medium or ''}{(source or 'google') if medium else ''}": touchpoint
                for name, path, medium, source, touchpoint in events}
    assert got == expected
