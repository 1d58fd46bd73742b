"""Transitions, paths and graph metrics per unit (journey, session, person) on one hand-made log.

Two persons, three journeys, four sessions (30-minute gap; a new journey after 90 days without a
touchpoint). Touchpoints: organic = organic_search_visit, pricing = pricing_page, purchase (a
conversion), paid = paid_search_click.

    A  n1 t0        organic   journey 1, session 1
       n2 t0+1m     pricing   journey 1, session 1
       n3 t0+120m   pricing   journey 1, session 2   (119 minutes later: a new session)
       n4 t0+121m   purchase  journey 1, session 2
       n5 t0+100d   paid      journey 2, session 3   (100 days later: a new journey)
    B  n1 t0        organic   journey 1, session 1
       n2 t0+1m     pricing   journey 1, session 1

Consecutive identical touchpoints are one step within a unit: A's n2 and n3 are one pricing step of
journey 1 (and of A), but in two sessions they are two steps. Every expectation below is derived
from this table by hand; the same log runs on DuckDB and on Spark (when pyspark and Java are there).
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import duckdb
import pytest

from builders import T0, ga4_event, param, write_ga4
from conftest import SPARK, open_build, rows
from journeyflow.config import Settings, SettingsError

ORGANIC, PRICING, PURCHASE, PAID = "organic_search_visit", "pricing_page", "purchase", "paid_search_click"
MINUTE, DAY = 60.0, 86400.0


def spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    java = shutil.which("java")
    return java is not None and subprocess.run([java, "-version"], capture_output=True).returncode == 0


def event(minutes: float, name: str, person: str, session: int, **kwargs: object) -> dict:
    """A GA4 row whose tracker session id agrees with the gap rule (either session rule gives the
    same sessions)."""
    row = ga4_event(T0 + timedelta(minutes=minutes), name, person, **kwargs)
    row["event_params"] = [p for p in row["event_params"] if p["key"] != "ga_session_id"]
    row["event_params"].append(param("ga_session_id", session))
    return row


def units_log() -> list[dict]:
    """The log every test here reads (benchmarks/spark_profile.py builds it too)."""
    return [
        event(0, "session_start", "A", 1, medium="organic"),
        event(1, "page_view", "A", 1, path="/pricing"),
        event(120, "page_view", "A", 2, path="/pricing"),
        event(121, "purchase", "A", 2, path="/checkout", value=10.0),
        event(100 * 24 * 60, "session_start", "A", 3, medium="cpc"),
        event(0, "session_start", "B", 1, medium="organic"),
        event(1, "page_view", "B", 1, path="/pricing"),
    ]


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=[SPARK, pytest.mark.skipif(
    not spark_available(), reason="the Spark engine needs pyspark and Java 17+")])])
def warehouse(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"units_{request.param}")
    write_ga4(base / "input", units_log())
    con = open_build(base, engine=request.param, min_path_journeys=1, units=["journey", "session", "person"])
    yield con
    con.close()


def edges(con: duckdb.DuckDBPyConnection, unit: str) -> dict[tuple[str, str], tuple]:
    got = rows(con, f"""
        SELECT from_node, to_node, transitions, persons, probability, median_seconds
        FROM marts.transitions_by_scope WHERE scope = 'touchpoint' AND unit = '{unit}'
    """)
    return {(f, t): tuple(values) for f, t, *values in got}


def test_the_log_has_two_persons_three_journeys_four_sessions(warehouse):
    assert rows(warehouse, "SELECT count(DISTINCT person_id), count(DISTINCT journey_id), "
                           "count(DISTINCT session_id) FROM core.touchpoints") == [(2, 3, 4)]


def test_journey_transitions(warehouse):
    # A j1: START > organic > pricing (n2, n3 one step) > purchase > CONVERSION > EXIT
    # A j2: START > paid > EXIT;  B: START > organic > pricing > EXIT
    assert edges(warehouse, "journey") == {
        ("START", ORGANIC): (2, 2, pytest.approx(2 / 3), None),  # of 3 journey starts
        ("START", PAID): (1, 1, pytest.approx(1 / 3), None),
        (ORGANIC, PRICING): (2, 2, 1.0, 1 * MINUTE),
        # pricing leaves once to purchase, once to EXIT; the gap from the step's start (n2) to n4
        (PRICING, PURCHASE): (1, 1, 0.5, 120 * MINUTE),
        (PRICING, "EXIT"): (1, 1, 0.5, None),
        (PURCHASE, "CONVERSION"): (1, 1, 1.0, 0.0),
        ("CONVERSION", "EXIT"): (1, 1, 1.0, None),
        (PAID, "EXIT"): (1, 1, 1.0, None),
    }
    # marts.transitions (and bi.transitions) are the journey unit, as before units existed
    mart = rows(warehouse, "SELECT from_node, to_node, transitions FROM marts.transitions")
    assert {(f, t): n for f, t, n in mart} == {k: v[0] for k, v in edges(warehouse, "journey").items()}
    assert rows(warehouse, "SELECT count(*) FROM bi.transitions") == [(8,)]


def test_session_transitions_break_at_session_boundaries(warehouse):
    # A s1: START > organic > pricing > EXIT;  A s2: START > pricing > purchase > CONVERSION > EXIT;
    # A s3: START > paid > EXIT;  B s1: START > organic > pricing > EXIT  (4 session starts)
    assert edges(warehouse, "session") == {
        ("START", ORGANIC): (2, 2, 0.5, None),
        ("START", PRICING): (1, 1, 0.25, None),
        ("START", PAID): (1, 1, 0.25, None),
        (ORGANIC, PRICING): (2, 2, 1.0, 1 * MINUTE),
        # pricing leaves 3 times: to EXIT in A s1 and B, to purchase in A s2 (n3 -> n4: 1 minute)
        (PRICING, "EXIT"): (2, 2, pytest.approx(2 / 3), None),
        (PRICING, PURCHASE): (1, 1, pytest.approx(1 / 3), 1 * MINUTE),
        (PURCHASE, "CONVERSION"): (1, 1, 1.0, 0.0),
        ("CONVERSION", "EXIT"): (1, 1, 1.0, None),
        (PAID, "EXIT"): (1, 1, 1.0, None),
    }


def test_person_transitions_run_across_journeys(warehouse):
    # A: START > organic > pricing > purchase > CONVERSION > paid > EXIT (the conversion is in the
    # step before paid, so the edge comes from CONVERSION, its gap from the conversion n4 to n5);
    # B: START > organic > pricing > EXIT
    assert edges(warehouse, "person") == {
        ("START", ORGANIC): (2, 2, 1.0, None),
        (ORGANIC, PRICING): (2, 2, 1.0, 1 * MINUTE),
        (PRICING, PURCHASE): (1, 1, 0.5, 120 * MINUTE),
        (PRICING, "EXIT"): (1, 1, 0.5, None),
        (PURCHASE, "CONVERSION"): (1, 1, 1.0, 0.0),
        ("CONVERSION", PAID): (1, 1, 1.0, 100 * DAY - 121 * MINUTE),
        (PAID, "EXIT"): (1, 1, 1.0, None),
    }


def test_channel_and_phase_scopes_have_every_unit(warehouse):
    # channels: organic and paid are `search`, pricing and purchase `web`. Per session A s2 is one
    # web step holding the conversion: START > web > CONVERSION > EXIT
    got = rows(warehouse, """
        SELECT unit, from_node, to_node, transitions FROM marts.transitions_by_scope
        WHERE scope = 'channel' AND from_node = 'START' ORDER BY ALL
    """)
    assert got == [
        ("journey", "START", "search", 3),
        ("person", "START", "search", 2),
        ("session", "START", "search", 3),  # A s1, A s3, B
        ("session", "START", "web", 1),  # A s2
    ]


def paths(con: duckdb.DuckDBPyConnection, unit: str) -> list[tuple]:
    return rows(con, f"""
        SELECT path_rank, touchpoint_path, path_steps, units, persons, conversions, conversion_rate,
               unit_share, is_other
        FROM marts.paths WHERE unit = '{unit}' ORDER BY path_rank
    """)


def test_paths_per_unit(warehouse):
    op = f"{ORGANIC} > {PRICING}"
    # journeys: A j1 "organic > pricing" (converted; the conversion step left out), A j2 "paid",
    # B "organic > pricing"
    assert paths(warehouse, "journey") == [
        (1, op, 2, 2, 2, 1, 0.5, pytest.approx(2 / 3), False),
        (2, PAID, 1, 1, 1, 0, 0.0, pytest.approx(1 / 3), False),
    ]
    # sessions: A s1 "organic > pricing", A s2 "pricing" (converted), A s3 "paid", B "organic > pricing"
    assert paths(warehouse, "session") == [
        (1, op, 2, 2, 2, 0, 0.0, 0.5, False),
        (2, PAID, 1, 1, 1, 0, 0.0, 0.25, False),  # ties by units: by the path's text
        (3, PRICING, 1, 1, 1, 1, 1.0, 0.25, False),
    ]
    # persons: A's steps organic, pricing, purchase, paid: the path stops before the conversion
    assert paths(warehouse, "person") == [(1, op, 2, 2, 2, 1, 0.5, 1.0, False)]
    # bi.paths is the journey unit under its old column names
    assert rows(warehouse, "SELECT touchpoint_path, journeys, drop_offs, journey_share FROM bi.paths "
                           "ORDER BY path_rank") == [
        (op, 2, 1, pytest.approx(2 / 3)), (PAID, 1, 1, pytest.approx(1 / 3))]


def metrics(con: duckdb.DuckDBPyConnection, unit: str) -> dict[str, tuple]:
    got = rows(con, f"""
        SELECT touchpoint, visits, exits, conversion_probability, visit_probability, removal_effect
        FROM marts.touchpoint_graph_metrics WHERE unit = '{unit}'
    """)
    return {name: tuple(pytest.approx(v) if isinstance(v, float) else v for v in values)
            for name, *values in got}


def test_graph_metrics_per_unit(warehouse):
    # journey chain: START -> organic 2/3, paid 1/3; organic -> pricing 1; pricing -> purchase 1/2,
    # EXIT 1/2; purchase -> CONVERSION; paid -> EXIT. P(convert | pricing) = 1/2 = P(.. | organic);
    # visiting pricing from START: 2/3, so its removal effect is 2/3 * 1/2 = 1/3
    assert metrics(warehouse, "journey") == {
        ORGANIC: (2, 0, 0.5, 2 / 3, 1 / 3),
        PRICING: (2, 1, 0.5, 2 / 3, 1 / 3),
        PURCHASE: (1, 0, 1.0, 1 / 3, 1 / 3),
        PAID: (1, 1, 0.0, 1 / 3, 0.0),
    }
    # session chain: START -> organic 1/2, pricing 1/4, paid 1/4; pricing -> EXIT 2/3, purchase 1/3.
    # P(convert | pricing) = 1/3; pricing is visited from START with 1/2 + 1/4 = 3/4: removal 1/4
    # (every converting session passes it); organic: 1/2 * 1/3 = 1/6
    assert metrics(warehouse, "session") == {
        ORGANIC: (2, 0, 1 / 3, 0.5, 1 / 6),
        PRICING: (3, 2, 1 / 3, 0.75, 0.25),
        PURCHASE: (1, 0, 1.0, 0.25, 0.25),
        PAID: (1, 1, 0.0, 0.25, 0.0),
    }
    # person chain: START -> organic 1; pricing -> purchase 1/2, EXIT 1/2. CONVERSION absorbs, so
    # paid (only reached after it) is never visited from START
    assert metrics(warehouse, "person") == {
        ORGANIC: (2, 0, 0.5, 1.0, 0.5),
        PRICING: (2, 1, 0.5, 1.0, 0.5),
        PURCHASE: (1, 0, 1.0, 0.5, 0.5),
        PAID: (1, 1, 0.0, 0.0, 0.0),
    }
    # bi.touchpoint_graph_metrics is the journey unit
    assert rows(warehouse, "SELECT touchpoint, visits FROM bi.touchpoint_graph_metrics ORDER BY 1") == [
        (ORGANIC, 2), (PAID, 1), (PRICING, 2), (PURCHASE, 1)]


def test_graph_export_per_unit(warehouse):
    from journeyflow.graph import from_transitions

    journey, session = from_transitions(warehouse), from_transitions(warehouse, "session")
    # A's second session starts at pricing: an edge only the session graph has
    assert not journey.has_edge("START", PRICING)
    assert session["START"][PRICING]["transitions"] == 1
    assert session[PRICING]["EXIT"]["transitions"] == 2
    with pytest.raises(ValueError, match="unit must be one of"):
        from_transitions(warehouse, "visit")


def test_the_units_setting_always_has_the_journey():
    # journey alone is the default: the extra units cost window passes (docs/metrics.md, Units)
    assert Settings().units == ["journey"]
    assert Settings(units=["journey", "person"]).units == ["journey", "person"]
    with pytest.raises(SettingsError, match="units"):
        Settings(units=["session"])
    with pytest.raises(SettingsError, match="unknown"):
        Settings(units=["journey", "visit"])
