"""Funnels over any steps (sql/marts/funnels.sql, journeyflow.funnels): each mode with repeated steps and
windows, each unit, breakdowns, funnels.yaml validation and marts.funnels, on fixtures checked by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from builders import ga4_event, write_ga4
from conftest import open_build, rows
from journeyflow import figures
from journeyflow.config import DEFAULT_FUNNELS
from journeyflow.funnels import Funnel, FunnelError, FunnelStep, load_funnels, parse_funnels, steps_table

T0 = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
CHANNELS = {"A": "web", "B": "email", "C": "search", "X": "web"}
# (person, journey number, session number, hour from T0, touchpoint); touchpoint_number per person by hour
TOUCHPOINTS = [
    ("p1", 1, 1, 0, "A"), ("p1", 1, 1, 1, "B"), ("p1", 1, 1, 2, "C"),
    ("p1", 1, 2, 10, "A"), ("p1", 1, 2, 11, "C"), ("p1", 1, 2, 12, "B"),
    ("p2", 1, 1, 0, "B"), ("p2", 1, 1, 1, "A"), ("p2", 1, 1, 2, "X"), ("p2", 1, 1, 3, "B"),
    ("p3", 1, 1, 0, "A"), ("p3", 1, 1, 1, "X"), ("p3", 1, 1, 2, "B"),
    ("p3", 2, 1, 240, "B"), ("p3", 2, 1, 241, "A"),
]
HOUR = 3600.0


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """core.touchpoints, core.journeys and marts.segment_journeys of the three persons above."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE SCHEMA core")
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE core.touchpoints (person_id VARCHAR, journey_id VARCHAR, session_id VARCHAR, "
                "touchpoint_number BIGINT, occurred_at TIMESTAMPTZ, touchpoint VARCHAR, event_name VARCHAR, "
                "phase VARCHAR, channel VARCHAR, category VARCHAR, source VARCHAR, page_path VARCHAR, "
                "utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, origin VARCHAR)")
    numbers: dict[str, int] = {}
    for person, journey, session, hour, touchpoint in TOUCHPOINTS:
        numbers[person] = numbers.get(person, 0) + 1
        journey_id = f"{person}:j{journey}"
        campaign = {("p2", 0): "spring", ("p1", 0): "(organic)", ("p1", 1): "summer"}.get((person, hour))
        con.execute("INSERT INTO core.touchpoints VALUES (?, ?, ?, ?, ?, ?, 'page_view', 'awareness', ?, "
                    "NULL, 'ga4', ?, NULL, NULL, ?, NULL)",
                    [person, journey_id, f"{journey_id}:s{session}", numbers[person],
                     T0 + timedelta(hours=hour), touchpoint, CHANNELS[touchpoint], f"/{touchpoint.lower()}",
                     campaign])
    con.execute("CREATE TABLE core.journeys AS SELECT journey_id, any_value(person_id) AS person_id, "
                "min(occurred_at) AS started_at, CAST(right(journey_id, 1) AS BIGINT) AS journey_number "
                "FROM core.touchpoints GROUP BY journey_id")
    con.execute("CREATE TABLE marts.segment_journeys AS SELECT 'p1:j1' AS journey_id, 'a' AS segment_role")
    yield con
    con.close()


def run(con, steps: str, mode: str = "ordered", unit: str = "person", window_hours: float | None = None,
        breakdown: str = "all"):
    parsed = [FunnelStep.parse(s) for s in steps.split()]
    window = None if window_hours is None else window_hours / 24
    return figures.funnel(con, parsed, unit=unit, window_days=window, mode=mode, breakdown=breakdown)


def units(frame) -> list[int]:
    return frame["units"].to_list()


def medians(frame) -> list[float | None]:
    return frame["median_seconds_from_previous"].to_list()


def test_ordered_funnel_per_person_journey_and_session(con) -> None:
    # A → B per person: p1 A0→B1 (1 h), p2 A1→B3 (2 h; its B0 comes before A), p3 A0→B2 (2 h)
    person = run(con, "A B")
    assert units(person) == [3, 3] and medians(person) == [None, 2 * HOUR]
    # per journey p3:j2 (B240, A241) has no B after its A
    journey = run(con, "A B", unit="journey")
    assert units(journey) == [4, 3] and journey["from_previous"].to_list() == [None, 0.75]
    # per session p1's second session counts too: A10 → B12 (2 h); gaps 1, 2, 2, 2 h
    session = run(con, "A B", unit="session")
    assert units(session) == [5, 4] and medians(session) == [None, 2 * HOUR]


def test_strict_funnel_needs_the_very_next_touchpoint(con) -> None:
    # A then directly B: only p1 (A0, B1); p2's A1 and p3's A0 are followed by X, p3's A241 by nothing
    assert units(run(con, "A B", mode="strict")) == [3, 1]
    # per session p1's second session has C between A10 and B12
    assert units(run(con, "A B", mode="strict", unit="session")) == [5, 1]
    # B A B: every B starts a try. p2 B0 A1 then X; p3 B240 A241 then nothing; p1 B1 then C
    strict = run(con, "B A B", mode="strict")
    assert units(strict) == [3, 2, 0] and medians(strict) == [None, HOUR, None]


def test_ordered_funnel_with_a_repeated_step_and_a_window(con) -> None:
    # B → A → B: p1 B1 → A10 (9 h) → B12 (2 h); p2 B0 → A1 (1 h) → B3 (2 h); p3 B2 → A241 (239 h), no B after
    ordered = run(con, "B A B")
    assert units(ordered) == [3, 3, 2]
    assert medians(ordered) == [None, 9 * HOUR, 2 * HOUR]
    assert ordered["from_first"].to_list() == [1.0, 1.0, pytest.approx(2 / 3)]
    # within 3 h of the first B (inclusive): p1's A10 and p3's A241 are too late; p2's B3 is exactly 3 h
    assert units(run(con, "B A B", window_hours=3)) == [3, 1, 1]


def test_any_order_funnel_counts_a_repeated_step_twice(con) -> None:
    # A and B in any order, reached when both are there (at the later of the first A and first B):
    # p1 A0, B1 → 1 h; p2 B0, A1 → reached step 1 (A) at 1 h, both by then → 0; p3 A0, B2 → 2 h
    person = run(con, "A B", mode="any")
    assert units(person) == [3, 3] and medians(person) == [None, HOUR]
    # per journey p3:j2 (B240, A241) counts too, gap 0 → gaps 0, 0, 1 h, 2 h
    journey = run(con, "A B", mode="any", unit="journey")
    assert units(journey) == [4, 4] and medians(journey) == [None, 0.5 * HOUR]
    # B, A, B: the second B step needs a second B. p1 first B1, A0 (done at 1 h, gap 0), second B12 (11 h);
    # p2 B0, A1 (1 h), B3 (2 h); p3 B2, A0 (0), B240 (238 h)
    repeated = run(con, "B A B", mode="any")
    assert units(repeated) == [3, 3, 3] and medians(repeated) == [None, 0.0, 11 * HOUR]
    # within 3 h of the unit's first match of any step: p1 (from A0) has one B in the window, p3 (from A0)
    # B2 only, p2 (from B0) B0, A1, B3
    assert units(run(con, "B A B", mode="any", window_hours=3)) == [3, 3, 1]


def test_steps_with_several_keys_and_page_patterns(con) -> None:
    # channel web and page /a = A (X is web too, but /x); then B by page pattern
    steps = [FunnelStep.parse("channel=web,page_path=/a"), FunnelStep.parse("page_path=/b%")]
    assert units(figures.funnel(con, steps)) == [3, 3]
    assert figures.funnel(con, steps)["label"].to_list() == ["channel: web, page_path: /a", "page_path: /b%"]
    # nobody matches: every step with 0
    assert units(run(con, "Z A")) == [0, 0]


def test_breakdowns_by_first_channel_campaign_cohort_month_and_segment(con) -> None:
    # first touchpoints: p1 A (web), p2 B (email, campaign spring), p3 A (web); p1:j1 is segment a;
    # p1's first campaign is summer on B1 (the GA4 placeholder (organic) on A0 is no campaign)
    assert run(con, "A B", breakdown="channel").select("breakdown_value", "units").rows() == [
        ("email", 1), ("email", 1), ("web", 2), ("web", 2)]
    assert run(con, "A B", breakdown="campaign")["breakdown_value"].to_list() == [
        "(none)", "(none)", "spring", "spring", "summer", "summer"]
    assert run(con, "A B", breakdown="cohort_month").select("breakdown_value", "units").rows() == [
        ("2026-06", 3), ("2026-06", 3)]
    assert run(con, "A B", breakdown="segment").select("breakdown_value", "units").rows() == [
        ("(none)", 2), ("(none)", 2), ("a", 1), ("a", 1)]
    with pytest.raises(ValueError, match="breakdown must be one of"):
        run(con, "A B", breakdown="colour")


def test_funnels_yaml_is_validated_naming_file_funnel_step_and_keys() -> None:
    steps = [{"phase": "awareness", "channel": "search"}, {"touchpoint": "A", "label": "first A"},
             {"touchpoint": "A"}]
    good = parse_funnels({"funnels": [{"name": "f", "mode": "strict", "unit": "session", "window_days": 1,
                                       "steps": steps}]}, "f.yaml")
    assert good == [Funnel("f", (FunnelStep((("phase", "awareness"), ("channel", "search"))),
                                 FunnelStep((("touchpoint", "A"),), "first A"),
                                 FunnelStep.of(touchpoint="A")), "strict", "session", 1.0)]
    # the repeated step A is its second occurrence
    assert steps_table(good)["occurrence"].to_pylist() == [1, 1, 2]
    with pytest.raises(FunnelError) as bad_key:
        parse_funnels({"funnels": [{"name": "shop", "steps": [{"touchpoint": "A"}, {"pahse": "x"}]}]},
                      "my.yaml")
    message = str(bad_key.value)
    assert "my.yaml: funnel 'shop', step 2: unknown key 'pahse'" in message
    assert "allowed: label, touchpoint, event_name, phase" in message
    with pytest.raises(FunnelError, match="funnel 'shop': mode: .*allowed: name, description, mode"):
        parse_funnels({"funnels": [{"name": "shop", "mode": "sometimes", "steps": [{"touchpoint": "A"}]}]},
                      "f")
    with pytest.raises(FunnelError, match="funnel 'shop', step 1: matches nothing"):
        parse_funnels({"funnels": [{"name": "shop", "steps": [{"label": "x"}]}]}, "f")
    with pytest.raises(FunnelError, match="names must be unique, a repeats"):
        parse_funnels({"funnels": [{"name": "a", "steps": [{"phase": "x"}]},
                                   {"name": "a", "steps": [{"phase": "y"}]}]}, "f")
    # the shipped file loads, with the phase funnel as an ordered funnel over the phases
    shipped = {f.name: f for f in load_funnels(DEFAULT_FUNNELS)}
    assert shipped["phase_funnel"].mode == "ordered"
    assert [s.label for s in shipped["phase_funnel"].steps][:3] == [
        "phase: awareness", "phase: consideration", "phase: acquisition"]


# --- marts.funnels built by the pipeline --------------------------------------------------------------------


def test_marts_funnels_has_every_defined_funnel_and_the_ordered_phase_funnel(tmp_path) -> None:
    def day(n: float) -> datetime:
        return datetime(2026, 6, 1, 9, tzinfo=UTC) + timedelta(days=n)

    # phases: session_start organic → awareness, page_view /pricing → consideration, purchase → acquisition
    #   a: awareness 0, consideration 1, acquisition 2
    #   f: consideration 0, awareness 1, consideration 2, acquisition 3 (its first consideration is
    #      before its first awareness: strict_order of phase_funnel_breakdown stops it at awareness)
    write_ga4(tmp_path / "input", [
        ga4_event(day(0), "session_start", "a", medium="organic"),
        ga4_event(day(1), "page_view", "a", path="/pricing"),
        ga4_event(day(2), "purchase", "a", path="/checkout", value=10.0),
        ga4_event(day(0), "page_view", "f", path="/pricing"),
        ga4_event(day(1), "session_start", "f", medium="organic"),
        ga4_event(day(2), "page_view", "f", path="/pricing"),
        ga4_event(day(3), "purchase", "f", path="/checkout", value=10.0),
    ])
    own = tmp_path / "funnels.yaml"
    own.write_text("funnels:\n"
                   "  - name: phase_funnel\n    steps: [{phase: awareness}, {phase: consideration},\n"
                   "            {phase: acquisition}, {phase: service}, {phase: loyalty}]\n"
                   "  - name: pricing_twice\n    mode: strict\n    unit: journey\n"
                   "    steps: [{touchpoint: pricing_page}, {phase: awareness},\n"
                   "            {touchpoint: pricing_page}]\n")
    con = open_build(tmp_path, funnels=own)
    try:
        # ordered: a and f (aw1 → co2 → ac3) both reach acquisition; nobody service
        assert rows(con, "SELECT step, units FROM bi.funnels WHERE funnel = 'phase_funnel' "
                         "AND breakdown = 'all' ORDER BY step") == [(1, 2), (2, 2), (3, 2), (4, 0), (5, 0)]
        assert rows(con, "SELECT persons_entered FROM marts.phase_funnel_breakdown WHERE breakdown = 'all' "
                         "AND mode = 'strict_order' ORDER BY phase_order")[:3] == [(2,), (1,), (1,)]
        # strict, per journey: both journeys have a pricing page (a's is followed by its purchase); only f
        # has pricing, awareness, pricing one after the other, a day apart each
        assert rows(con, "SELECT step, units, median_seconds_from_previous FROM marts.funnels "
                         "WHERE funnel = 'pricing_twice' AND breakdown = 'all' ORDER BY step") == [
            (1, 2, None), (2, 1, 86400.0), (3, 1, 86400.0)]
        assert rows(con, "SELECT DISTINCT breakdown FROM marts.funnels ORDER BY 1") == [
            ("all",), ("campaign",), ("channel",), ("cohort_month",), ("segment",)]
    finally:
        con.close()
