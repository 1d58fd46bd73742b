"""figures: the step Sankey and the ordered funnel on a hand-checked fixture, filters bound as parameters,
the marts recomputed over a selection equal the marts, readable numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl
import pytest

from journeyflow import figures
from journeyflow.api import open as open_warehouse
from journeyflow.config import Settings
from journeyflow.figures import Filters, FunnelStep

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CHANNELS = {"A": "web", "B": "email", "C": "search", "P": "web"}
# journey: person, start day offset, touchpoints (one per hour); P = purchase (a conversion)
JOURNEYS = {
    "j1": ("p1", 0, "ABAPC"),
    "j2": ("p2", 1, "AAB"),
    "j3": ("p3", 2, "B"),
    "j4": ("p3", 9, "CABBAC"),
}


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """core.journeys and core.touchpoints of the four journeys above (only the columns figures read)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE SCHEMA core")
    con.execute("CREATE TABLE core.journeys (journey_id VARCHAR, person_id VARCHAR, started_at TIMESTAMPTZ, "
                "outcome VARCHAR, first_channel VARCHAR, first_touchpoint VARCHAR, converted BOOLEAN, "
                "journey_number BIGINT)")
    con.execute("CREATE TABLE core.touchpoints (journey_id VARCHAR, person_id VARCHAR, "
                "touchpoint_number BIGINT, occurred_at TIMESTAMPTZ, touchpoint VARCHAR, channel VARCHAR, "
                "phase VARCHAR, source VARCHAR, "
                "event_name VARCHAR, is_conversion BOOLEAN, value DOUBLE, currency VARCHAR)")
    numbers: dict[str, int] = {}
    for journey, (person, day, path) in JOURNEYS.items():
        start = T0 + timedelta(days=day)
        con.execute("INSERT INTO core.journeys VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [journey, person, start, "converted" if "P" in path else "open", CHANNELS[path[0]],
                     path[0], "P" in path, 2 if journey == "j4" else 1])
        for hour, touchpoint in enumerate(path):
            numbers[person] = numbers.get(person, 0) + 1
            bought = touchpoint == "P"
            con.execute("INSERT INTO core.touchpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [journey, person, numbers[person], start + timedelta(hours=hour), touchpoint,
                         CHANNELS[touchpoint], "acquisition" if bought else "awareness",
                         "crm" if touchpoint == "C" else "ga4", "purchase" if bought else "page_view",
                         bought, 25.0 if bought else None, "EUR" if bought else None])
    # the columns only funnel steps read: one session per journey, no campaigns
    con.execute("ALTER TABLE core.touchpoints ADD COLUMN session_id VARCHAR")
    con.execute("UPDATE core.touchpoints SET session_id = journey_id || ':s1'")
    for column in ("category", "page_path", "utm_source", "utm_medium", "utm_campaign", "origin"):
        con.execute(f"ALTER TABLE core.touchpoints ADD COLUMN {column} VARCHAR")
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.segment_journeys (journey_id VARCHAR, segment_role VARCHAR)")
    yield con
    con.close()


def test_step_sankey_folds_the_rare_nodes_per_step_and_the_steps_past_the_last(con) -> None:
    # steps (runs of one touchpoint): j1 A B A P C, j2 A B, j3 B, j4 C A B A C; max 3 steps, top 1 per step.
    # step 1: A ×2 (j1, j2), B ×1, C ×1 → A, (other) ×2. step 2: B ×2, A ×1 (j4) → B, (other); j3 exits.
    # step 3: A ×1 (j1), B ×1 (j4): the tie goes to the name, A; j2 exits. Step 4 folds what goes on.
    data = figures.step_sankey_data(con, max_steps=3, top_n=1)
    assert data.link_journeys() == {
        ((0, "START"), (1, "A")): 2, ((0, "START"), (1, "(other)")): 2,
        ((1, "A"), (2, "B")): 2, ((1, "(other)"), (2, "EXIT")): 1, ((1, "(other)"), (2, "(other)")): 1,
        ((2, "B"), (3, "A")): 1, ((2, "B"), (3, "EXIT")): 1, ((2, "(other)"), (3, "(other)")): 1,
        ((3, "A"), (4, "(more steps)")): 1, ((3, "(other)"), (4, "(more steps)")): 1,
    }
    assert data.node_journeys() == {
        (0, "START"): 4, (1, "A"): 2, (1, "(other)"): 2, (2, "B"): 2, (2, "EXIT"): 1, (2, "(other)"): 1,
        (3, "A"): 1, (3, "EXIT"): 1, (3, "(other)"): 1, (4, "(more steps)"): 2,
    }


def test_step_sankey_puts_conversion_after_the_converting_step_and_goes_on(con) -> None:
    links = figures.step_sankey_data(con, max_steps=10, top_n=10).link_journeys()
    # j1: START → A → B → A → P → CONVERSION → C → EXIT, one column each
    assert links[((3, "A"), (4, "P"))] == 1
    assert links[((4, "P"), (5, "CONVERSION"))] == 1
    assert links[((5, "CONVERSION"), (6, "C"))] == 1
    assert links[((6, "C"), (7, "EXIT"))] == 1
    # a loop back to A is a new column, not an edge back: j4 C → A → B → A → C → EXIT
    assert links[((4, "A"), (5, "C"))] == 1 and links[((5, "C"), (6, "EXIT"))] == 1
    assert sum(n for (source, _), n in links.items() if source == (0, "START")) == 4


def test_step_sankey_by_channel_merges_consecutive_nodes_of_one_channel(con) -> None:
    # j1 channels web email web web search → steps web, email, web, search (the purchase is in the 3rd)
    links = figures.step_sankey_data(con, Filters(outcomes=("converted",)), level="channel",
                                     max_steps=10, top_n=10).link_journeys()
    assert links == {((0, "START"), (1, "web")): 1, ((1, "web"), (2, "email")): 1,
                     ((2, "email"), (3, "web")): 1,
                     ((3, "web"), (4, "CONVERSION")): 1, ((4, "CONVERSION"), (5, "search")): 1,
                     ((5, "search"), (6, "EXIT")): 1}


def test_filters_pick_journeys(con) -> None:
    def starts(filters: Filters) -> dict[str, int]:
        links = figures.step_sankey_data(con, filters, max_steps=2, top_n=10).link_journeys()
        return {target[1]: n for (source, target), n in links.items() if source == (0, "START")}

    assert starts(Filters(channels=("search",))) == {"A": 1, "C": 1}  # j1 and j4 touch search
    assert starts(Filters(start=date(2026, 6, 2), end=date(2026, 6, 3))) == {"A": 1, "B": 1}  # j2, j3
    assert starts(Filters(sources=("crm",), outcomes=("open",))) == {"C": 1}  # j4
    assert starts(Filters(segment_by="first_touchpoint", segments=("B", "C"))) == {"B": 1, "C": 1}
    assert starts(Filters(segments=("no such channel",))) == {}
    # a value that looks like SQL is only ever a bound value
    assert starts(Filters(channels=("web') OR true --",))) == {}
    with pytest.raises(ValueError, match="segment_by"):
        Filters(segment_by="1; DROP TABLE core.journeys")


def test_paths_through_a_node(con) -> None:
    paths = figures.paths_through(con, 2, "B", max_steps=3, top_n=1)
    assert paths.rows() == [("A > B > A > (more steps)", 1, 0), ("A > B > EXIT", 1, 0)]
    assert figures.paths_through(con, 2, "B", max_steps=3, top_n=1, limit=1).rows() == [
        ("A > B > A > (more steps)", 1, 0), ("(other paths) (1 more)", 1, 0)]


def test_ordered_funnel_by_journey_and_by_person(con) -> None:
    # B then A: journeys j1 (B@2 → A@3), j4 (B@3 → A@5); j2 and j3 have no A after their B
    b_then_a = [FunnelStep.of(touchpoint="B"), FunnelStep.of(touchpoint="A")]
    by_journey = figures.funnel(con, b_then_a, unit="journey")
    assert by_journey["units"].to_list() == [4, 2]
    assert by_journey["from_previous"].to_list() == [None, 0.5]
    # per person p3's journeys are one history: B (j3) … A (j4) counts
    by_person = figures.funnel(con, b_then_a, unit="person")
    assert by_person["units"].to_list() == [3, 2]


def test_ordered_funnel_with_a_repeated_step_and_a_window(con) -> None:
    steps = [FunnelStep.parse("A"), FunnelStep.parse("touchpoint=B"), FunnelStep.parse("A")]
    # A → B → A: j1 (0h, 1h, 2h) and j4 (1h, 2h, 4h) reach all three, j2 (0h, 2h) two, j3 none
    result = figures.funnel(con, steps, unit="journey")
    assert result["units"].to_list() == [3, 3, 2]
    # gaps from the previous step: A→B 1h (j1), 2h (j2), 1h (j4); B→A 1h (j1), 2h (j4)
    assert result["median_seconds_from_previous"].to_list() == [None, 3600.0, 5400.0]
    assert result["from_first"].to_list() == [1.0, 1.0, pytest.approx(2 / 3)]
    # within 1.5 h of the first A: j1's second A (2h) and j4's (3h after its A) are too late, j2's B too
    windowed = figures.funnel(con, steps, unit="journey", window_days=1.5 / 24)
    assert windowed["units"].to_list() == [3, 2, 0]
    phases = figures.funnel(con, [FunnelStep.parse("phase=awareness"), FunnelStep.parse("phase=acquisition")])
    assert phases["units"].to_list() == [3, 1] and phases["label"].to_list() == ["phase: awareness",
                                                                                  "phase: acquisition"]
    with pytest.raises(ValueError, match="kind"):
        FunnelStep.parse("touchpoint') OR true --=x")


def test_headline_counts_and_money_with_currency(con) -> None:
    assert figures.headline(con) == {"journeys": 4, "persons": 3, "conversions": 1, "conversion_rate": 0.25,
                                     "conversion_value": "25.00 EUR"}
    assert figures.headline(con, Filters(outcomes=("open",)))["conversion_value"] == "0.00"


def test_readable_numbers() -> None:
    assert figures.format_duration(42) == "42 s"
    assert figures.format_duration(17_108 * 60) == "11.9 days"
    assert figures.format_duration(5400) == "1.5 h"
    assert figures.format_duration(600) == "10 min"
    assert figures.format_duration(None) == "–"
    assert figures.format_money(1234.5, "EUR") == "1,234.50 EUR"
    assert figures.format_count(1234567) == "1,234,567"
    assert figures.format_rate(0.1234) == "12.3%"


def test_top_with_rest_sums_the_rest() -> None:
    frame = pl.DataFrame({"name": ["a", "b", "c", "d"], "n": [5, 3, 2, 1]})
    assert figures.top_with_rest(frame, "name", 2, "(others)").rows() == [
        ("a", 5), ("b", 3), ("(others) (2 more)", 3)]
    assert figures.top_with_rest(frame, "name", 4, "(others)").equals(frame)


def test_marts_over_no_filter_equal_the_marts(sample_run: Settings) -> None:
    with open_warehouse(sample_run.warehouse) as wh:
        con = wh.con
        kpis = wh.sql("SELECT * FROM marts.touchpoint_kpis ORDER BY touchpoint")
        assert figures.touchpoint_kpis(con).equals(kpis)
        funnel = wh.sql("SELECT * FROM marts.phase_funnel ORDER BY phase_order")
        assert figures.phase_funnel(con).equals(funnel)
        edges = figures.transition_edges(con)
        mart = wh.sql("SELECT from_node, to_node, transitions, persons FROM marts.transitions")
        by_edge = ["from_node", "to_node"]
        assert edges.drop("median_seconds").sort(by_edge).equals(mart.sort(by_edge))
        metrics = figures.graph_metrics(con, edges).sort("touchpoint")
        expected = wh.sql("SELECT touchpoint, visits, exits, exit_rate, bottleneck_rank, "
                          "conversion_probability, removal_effect FROM marts.touchpoint_graph_metrics "
                          "WHERE unit = 'journey' ORDER BY touchpoint")
        assert metrics.drop("conversion_probability", "removal_effect").equals(
            expected.drop("conversion_probability", "removal_effect"))
        assert metrics["removal_effect"].to_list() == pytest.approx(expected["removal_effect"].to_list())
        credit = figures.attribution(con).sort("name")
        models = ", ".join(figures.ATTRIBUTION_MODELS)
        expected = wh.sql(f"SELECT name, journeys, conversions_touched, {models} FROM marts.attribution "
                          "WHERE level = 'channel' ORDER BY name")
        assert credit["journeys"].to_list() == expected["journeys"].to_list()
        for model in figures.ATTRIBUTION_MODELS:
            assert credit[model].to_list() == pytest.approx(expected[model].to_list()), model
        # a filter changes the numbers: only journeys that touched search
        search = figures.touchpoint_kpis(con, Filters(channels=("search",)))
        assert 0 < search["journeys"].max() < figures.touchpoint_kpis(con)["journeys"].max()


def test_cli_funnel_prints_the_api_funnel(sample_run: Settings) -> None:
    from typer.testing import CliRunner

    from journeyflow.cli import app

    steps = ["phase=awareness", "pricing_page", "phase=acquisition"]
    with open_warehouse(sample_run.warehouse) as wh:
        expected = wh.funnel(steps, unit="journey", window_days=30)
    result = CliRunner().invoke(app, ["funnel", "--warehouse", str(sample_run.warehouse), "--unit", "journey",
                                      "--window-days", "30", *(f"--step={s}" for s in steps)])
    assert result.exit_code == 0, result.output
    assert "pricing_page" in result.output
    for units in expected["units"]:  # the table may wrap the labels; each count is a cell of its own
        assert f" {units} " in result.output
    assert expected["units"].to_list()[0] > expected["units"].to_list()[-1] > 0
    bad = CliRunner().invoke(app, ["funnel", "--warehouse", str(sample_run.warehouse),
                                   "--step", "colour=red"])
    assert bad.exit_code == 1 and "kind must be one of" in bad.output


def test_cli_funnel_by_name_equals_marts_funnels(sample_run: Settings) -> None:
    from typer.testing import CliRunner

    from journeyflow.cli import app

    with open_warehouse(sample_run.warehouse) as wh:
        mart = wh.sql("SELECT step, units, from_previous FROM marts.funnels WHERE funnel = 'phase_funnel' "
                      "AND breakdown = 'all' ORDER BY step")
        adhoc = wh.funnel(["phase=awareness", "phase=consideration", "phase=acquisition", "phase=service",
                           "phase=loyalty"], window_days=30)
        strict = wh.funnel(["phase=awareness", "phase=consideration"], mode="strict")
        by_channel = wh.funnel(["phase=awareness", "phase=consideration"], breakdown="channel")
    # the named funnel, the same steps ad hoc and the mart agree; strict never counts more than ordered
    assert adhoc["units"].to_list() == mart["units"].to_list()
    assert strict["units"][0] == adhoc["units"][0] and strict["units"][1] <= adhoc["units"][1]
    assert by_channel.filter(pl.col("step") == 1)["units"].sum() == adhoc["units"][0]
    result = CliRunner().invoke(app, ["funnel", "--warehouse", str(sample_run.warehouse), "--funnel",
                                      "phase_funnel"])
    assert result.exit_code == 0, result.output
    for units in mart["units"]:
        assert f" {units} " in result.output
    unknown = CliRunner().invoke(app, ["funnel", "--warehouse", str(sample_run.warehouse), "--funnel",
                                       "nope"])
    message = " ".join(unknown.output.split())  # the console wraps long lines
    assert unknown.exit_code == 1 and "no funnel 'nope' (defined: phase_funnel, shop_checkout)" in message
