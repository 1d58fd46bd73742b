"""The run's "now" is one parameter, `$as_of`: rejects for a time in the future are judged against it,
so a run is repeatable, and tests pin it instead of waiting for the clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from typer.testing import CliRunner

from builders import T0, ga4_event, write_ga4
from conftest import settings_for
from journeyflow.cli import app
from journeyflow.config import Settings
from journeyflow.engines.transpile import to_spark
from journeyflow.pipeline import run_pipeline
from journeyflow.run_context import utc_as_of
from journeyflow.sql_templates import expand_sql
from test_incremental import assert_same_tables, snapshot

AS_OF = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# T0 is 2026-06-01 09:00 UTC. "More than a day after as_of" is after 2026-06-02 12:00:00 UTC:
# - c1 at T0: past, accepted
# - c2 at exactly as_of + 1 day: not *more* than a day later, accepted
# - c3 at as_of + 1 day + 1 s: rejected, its time shown in the reason
EDGE = AS_OF + timedelta(days=1)
LATE = EDGE + timedelta(seconds=1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict, Path]:
    """The three events run at AS_OF: (settings, its step results, the input folder)."""
    base = tmp_path_factory.mktemp("as_of")
    write_ga4(base / "input", [ga4_event(T0, "page_view", "c1"), ga4_event(EDGE, "page_view", "c2"),
                               ga4_event(LATE, "page_view", "c3")])
    settings = settings_for(base / "input", base / "first")
    return settings, run_pipeline(settings, as_of=AS_OF), base


def test_an_event_more_than_a_day_after_as_of_is_rejected_and_the_run_checks_pass(runs):
    settings, results, _ = runs
    assert results["staging.ga4_events"]["rejected"] == 1
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    assert con.execute("SELECT anonymous_id FROM staging.events ORDER BY 1").fetchall() == [("c1",), ("c2",)]
    assert con.execute("SELECT raw_table, row_number, reason FROM quality.rejected_rows").fetchall() == [
        ("raw.ga4_events", 3, "event_timestamp out of range: 2026-06-02 12:00:01+00")]
    # the blocking check on staging.events judges "the future" by the same as_of
    assert con.execute("SELECT passed FROM quality.check_results "
                       "WHERE check_name = 'events_timestamps_in_range'").fetchall() == [(True,)]
    con.close()


def test_the_same_as_of_from_the_cli_gives_the_same_warehouse(runs):
    first, _, base = runs
    # 14:00 at +02:00 is AS_OF, 12:00 UTC
    result = CliRunner().invoke(app, ["run", "--full", "--input", str(first.input_dir),
                                      "--warehouse", str(base / "cli" / "jf.duckdb"),
                                      "--as-of", "2026-06-01T14:00:00+02:00"])
    assert result.exit_code == 0, result.output
    assert_same_tables(snapshot(base / "cli" / "jf.duckdb"), snapshot(first.warehouse))


def test_one_second_later_the_event_is_accepted(runs):
    first, _, base = runs
    # at AS_OF + 1 s, c3 is exactly a day ahead: not more, accepted
    later = settings_for(first.input_dir, base / "later")
    assert run_pipeline(later, as_of=AS_OF + timedelta(seconds=1))["staging.ga4_events"]["rejected"] == 0


def test_a_naive_as_of_is_utc():
    assert utc_as_of(datetime(2026, 6, 1, 12)) == utc_as_of(datetime.fromisoformat("2026-06-01T14:00+02:00"))


def test_as_of_is_a_utc_timestamp_literal_on_spark():
    # 14:00 at +02:00 is 12:00 UTC; the Spark session reads timestamps in UTC
    sql = to_spark("select 1 from staging.x where t > $as_of + interval 1 day",
                   {"as_of": datetime.fromisoformat("2026-06-01T14:00:00+02:00")})
    assert "CAST('2026-06-01 12:00:00.000000' AS TIMESTAMP) + INTERVAL '1' DAY" in sql


def test_a_dagster_run_takes_its_as_of_tag_or_else_its_creation_time():
    from pipelines.assets import AS_OF_TAG, run_as_of
    from pipelines.resources import JourneyflowResource

    created = datetime(2026, 6, 3, 1, 2, 3)  # naive: UTC, as the run storage may keep it

    def context(tags: dict[str, str]) -> SimpleNamespace:
        record = SimpleNamespace(create_timestamp=created)
        return SimpleNamespace(run=SimpleNamespace(run_id="r1", tags=tags),
                               instance=SimpleNamespace(get_run_record_by_id=lambda run_id: record))

    resource = JourneyflowResource()
    assert run_as_of(context({}), resource) == datetime(2026, 6, 3, 1, 2, 3, tzinfo=UTC)
    assert run_as_of(context({AS_OF_TAG: "2026-06-01T14:00:00+02:00"}), resource) == AS_OF


def test_no_model_reads_the_clock():
    # "now" is $as_of alone: a clock in a model makes a rerun at the same as_of differ (the ad
    # reports' future-day check read current_date until issue #27's review)
    from journeyflow.models import load_models

    clock = re.compile(r"\b(current_date|current_timestamp|now\(\)|today\(\)|get_current_time)",
                       re.IGNORECASE)
    readers = sorted(model.file for model in load_models().values()
                     if clock.search(expand_sql(model.path.read_text(encoding="utf-8"))))
    assert readers == []
