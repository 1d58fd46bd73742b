"""Blocking quality checks (GX) stop the run before publishing; results land in quality.check_results."""

import shutil
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pipelines.assets import journeyflow_assets
from pipelines.checks import journeyflow_checks
from pipelines.resources import JourneyflowResource

from builders import T0, ga4_event, write_ga4, write_zendesk, zendesk_ticket, zendesk_user
from conftest import rows, settings_for
from journeyflow.checks import QualityGateFailed, load_checks, run_check
from journeyflow.pipeline import run_pipeline


def two_cookie_person(folder):
    # one person: cookie c1 logs in as u1 → identifiers anon:c1 and user:u1 (2 identifiers)
    write_ga4(folder, [
        ga4_event(T0, "page_view", "c1", path="/blog/a"),
        ga4_event(T0 + timedelta(minutes=1), "login", "c1", user_id="u1"),
        ga4_event(T0 + timedelta(minutes=2), "page_view", "c1", user_id="u1", path="/pricing"),
    ])


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """two_cookie_person built once (default settings): read only by one test, copied by another
    that runs the pipeline again (the published paths are relative symlinks: the copy's point into
    the copy; copytree keeps the files' times, as the file ledger needs)."""
    base = tmp_path_factory.mktemp("two_cookie_person")
    two_cookie_person(base / "input")
    run_pipeline(settings_for(base / "input", base))
    return base


def test_all_checks_pass_and_are_recorded(first_build):
    con = duckdb.connect(str(settings_for(first_build / "input", first_build).warehouse), read_only=True)
    try:
        results = rows(con, "SELECT check_name, passed FROM quality.check_results ORDER BY 1")
    finally:
        con.close()
    assert {name for name, _ in results} >= {
        "events_keys", "events_schema", "events_timestamps_in_range", "funnel_never_increases",
        "identity_no_over_merge", "sessions_one_person", "transitions_probabilities",
    }
    assert all(passed for _, passed in results)


def test_a_session_on_two_journeys_fails_sessions_one_person():
    # a session id carries its person's id, so what can go wrong is one session on two journeys:
    # p1:s00001 has touchpoints in journeys j001 and j002 (one mixed session); p1:s00002 is fine
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    con.execute("""
        CREATE TABLE core.touchpoints AS SELECT * FROM (VALUES
            ('p1:s00001', 'p1', 'p1:j001'), ('p1:s00001', 'p1', 'p1:j002'),
            ('p1:s00002', 'p1', 'p1:j002'), ('p1:s00002', 'p1', 'p1:j002')
        ) AS t(session_id, person_id, journey_id)
    """)
    check = next(c for c in load_checks() if c.name == "sessions_one_person")
    outcome = run_check(con, check, {})
    assert not outcome.passed
    assert outcome.observed["frame"] == [{"mixed_sessions": 1}]
    con.execute("DELETE FROM core.touchpoints WHERE session_id = 'p1:s00001' AND journey_id = 'p1:j002'")
    assert run_check(con, check, {}).passed


def test_failing_blocking_check_leaves_published_warehouse_untouched(first_build, tmp_path):
    shutil.copytree(first_build, tmp_path / "run", symlinks=True)  # two_cookie_person, built
    settings = settings_for(tmp_path / "run" / "input", tmp_path / "run")
    published = settings.warehouse.read_bytes()
    # new data arrives, but the over-merge threshold says one identifier per person at most
    write_ga4(settings.input_dir, [ga4_event(T0 + timedelta(days=1), "page_view", "c2", path="/")],
              name="events_20260602.ndjson")
    with pytest.raises(QualityGateFailed, match="identity_no_over_merge"):
        run_pipeline(settings.with_overrides(max_identifiers_per_person=1))
    assert settings.warehouse.read_bytes() == published
    # the failure is on record in the working file
    con = duckdb.connect(str(settings.work_file), read_only=True)
    assert con.execute(
        "SELECT passed FROM quality.check_results WHERE check_name = 'identity_no_over_merge' "
        "ORDER BY checked_at DESC LIMIT 1"
    ).fetchall() == [(False,)]
    con.close()


def test_dagster_blocking_check_stops_downstream_assets(tmp_path):
    two_cookie_person(tmp_path / "input")
    warehouse = tmp_path / "w" / "jf.duckdb"
    resource = JourneyflowResource(
        input_dir=str(tmp_path / "input"), warehouse=str(warehouse), max_identifiers_per_person=1
    )
    result = dg.materialize(
        [*journeyflow_assets, *journeyflow_checks], resources={"journeyflow": resource},
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, partition_key="2026-06-01",
    )
    assert not result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "core/identity_map" in materialized
    assert "core/touchpoints" not in materialized  # downstream of the failed blocking check
    assert not warehouse.exists()  # never published


def test_truncated_export_does_not_replace_yesterdays_data(tmp_path):
    folder = tmp_path / "input"
    two_cookie_person(folder)
    write_zendesk(folder, [zendesk_ticket(n, 900, "2026-06-02T10:00:00Z") for n in range(1, 5)],
                  [zendesk_user(900, "a@example.com", external_id="u1")])
    settings = settings_for(folder, tmp_path)
    run_pipeline(settings)
    published = settings.warehouse.read_bytes()
    # tomorrow's ticket export arrives truncated: 0 of yesterday's 4 ticket events
    tickets = folder / "zendesk" / "tickets.json"
    tickets.write_text(tickets.read_text(encoding="utf-8")[:120], encoding="utf-8")
    with pytest.raises(QualityGateFailed, match="events_per_source_stable"):
        run_pipeline(settings)
    assert settings.warehouse.read_bytes() == published
    # still broken the next night: the baseline is the last published run, so it fails again
    with pytest.raises(QualityGateFailed, match="events_per_source_stable"):
        run_pipeline(settings)
    # a complete export again: the run publishes
    write_zendesk(folder, [zendesk_ticket(n, 900, "2026-06-02T10:00:00Z") for n in range(1, 6)],
                  [zendesk_user(900, "a@example.com", external_id="u1")])
    run_pipeline(settings)
    assert settings.warehouse.read_bytes() != published
