"""The Dagster definitions load, and materializing every asset builds the warehouse."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pipelines.resources
import pytest
from pipelines.assets import journeyflow_assets
from pipelines.checks import journeyflow_checks
from pipelines.definitions import defs
from pipelines.resources import JourneyflowResource

from builders import T0, ga4_event, write_ga4
from journeyflow.pipeline import PRODUCERS, STEPS, STEPS_BY_NAME


def test_definitions_have_one_asset_per_table_a_job_and_a_schedule():
    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    # every step's own table, and every table a step keeps beside it (core.phases, the identity
    # links and components, staging.event_versions, the ledgers), one asset each
    assert keys == {table.replace(".", "/") for table in PRODUCERS}
    assert {step.name.replace(".", "/") for step in STEPS} <= keys
    assert {"core/phases", "core/identity_links", "core/identity_components", "staging/event_versions",
            "raw/ingest_errors", "raw/landed_files"} <= keys
    assert "core/sessions" in keys and "marts/transitions" in keys
    assert defs.resolve_job_def("journeyflow_full_run").tags["journeyflow/full_rebuild"] == "true"
    daily = defs.resolve_job_def("journeyflow_daily")
    assert isinstance(daily.partitions_def, dg.DailyPartitionsDefinition)
    assert defs.resolve_schedule_def("journeyflow_nightly").cron_schedule == "0 2 * * *"


def test_the_asset_graph_is_the_graph_the_sql_reads():
    # Dagster orders assets by their deps alone: a table read but not declared may be built after
    # its reader (which then fails and waits a minute for its retry). Each table's asset depends on
    # exactly what its SQL model reads (parsed again here, file by file) plus what its step's Python
    # code declares it reads; a table without a model on its step's declaration alone.
    from journeyflow.models import model_paths, parse_model, table_of

    repo = defs.get_repository_def()
    graph = {key.to_user_string().replace("/", "."): {d.to_user_string().replace("/", ".")
                                                     for d in repo.asset_graph.get(key).parent_keys}
             for key in repo.asset_graph.get_all_asset_keys()}
    steps = {step.name: step for step in STEPS}
    for path in model_paths():
        model = parse_model(path)
        step = steps[model.built_by]
        for table in (table_of(path), *model.writes):
            assert graph[table] == (set(model.reads) | set(step.reads)) - {table}, table
    python_tables = {t for step in STEPS for t in step.writes}
    for table in python_tables - {"bi.views"}:
        step = steps[PRODUCERS[table].step]
        assert graph[table] == set(step.reads) - {table}, table
    # what the hand-written lists missed: core.phases feeds the journeys and four marts
    assert "core.phases" in graph["core.journeys"] and "core.phases" in graph["marts.phase_times"]
    assert "staging.salesforce_opportunities" in graph["staging.salesforce_opportunity_history"]
    assert {"raw.ingest_errors", "raw.landed_files"} <= graph["quality.load_summary"]


def test_every_step_runs_after_the_steps_whose_tables_it_reads():
    # `journeyflow run` runs STEPS in order: the generated deps of each come before it
    seen: set[str] = set()
    for step in STEPS:
        assert set(step.deps) <= seen, step.name
        seen.add(step.name)
    assert STEPS_BY_NAME["marts.touchpoint_graph_metrics"].deps == (
        "core.touchpoints", "marts.transitions_by_scope")
    assert "core.taxonomy_rules" in STEPS_BY_NAME["core.journeys"].deps  # it writes core.phases


def test_materialize_all_assets(tmp_path, monkeypatch):
    opened = []  # every run context the resource opens
    real_open_run = pipelines.resources.open_run
    monkeypatch.setattr(pipelines.resources, "open_run",
                        lambda *args: opened.append(args[1]) or real_open_run(*args))
    write_ga4(tmp_path / "input", [
        ga4_event(T0, "session_start", "c1", medium="cpc"),
        ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", path="/checkout", value=10.0),
    ])
    warehouse = tmp_path / "w" / "jf.duckdb"
    resource = JourneyflowResource(input_dir=str(tmp_path / "input"), warehouse=str(warehouse))
    result = dg.materialize([*journeyflow_assets, *journeyflow_checks], resources={"journeyflow": resource},
                            instance=dg.DagsterInstance.ephemeral(), partition_key="2026-06-01")
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT from_node, to_node FROM marts.transitions ORDER BY 1, 2").fetchall() == [
        ("CONVERSION", "EXIT"), ("START", "paid_search_click"),
        ("paid_search_click", "purchase"), ("purchase", "CONVERSION"),
    ]
    con.close()
    assert (warehouse.parent / "journey_graph.graphml").exists()
    # the run's ~160 steps and checks shared one connection, as `journeyflow run`'s steps do, and it
    # was closed when the run ended: another process can open the working file for writing
    assert opened == [result.run_id]
    work_file = resource.settings().work_file
    subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(work_file)!r}).close()"],
                   check=True)
    # the checks of one table ran in one op: 12 checks on 7 tables, 7 check steps
    evaluations = [e for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    assert len(evaluations) == 12 and all(e.asset_check_evaluation_data.passed for e in evaluations)
    steps = {e.step_key: set() for e in evaluations}
    for e in evaluations:
        steps[e.step_key].add(e.asset_check_evaluation_data.check_name)
    assert steps["staging__events__checks"] == {"events_present", "events_schema", "events_keys",
                                                "events_timestamps_in_range", "events_per_source_stable"}
    assert steps["core__identity_map__checks"] == {"identity_map_keys", "identity_no_over_merge"}
    assert len(steps) == 7
    # one check can still run alone (checks are not partitioned): its table's op runs that check only
    again = dg.materialize([*journeyflow_assets, *journeyflow_checks], resources={"journeyflow": resource},
                           instance=dg.DagsterInstance.ephemeral(),
                           selection=dg.AssetSelection.checks(
                               dg.AssetCheckKey(dg.AssetKey(["staging", "events"]), "events_keys")))
    assert [(e.step_key, e.asset_check_evaluation_data.check_name, e.asset_check_evaluation_data.passed)
            for e in again.all_events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION] == [
        ("staging__events__checks", "events_keys", True)]


def test_a_failed_step_closes_the_runs_connection_and_teardown_closes_the_rest(tmp_path):
    resource = JourneyflowResource(input_dir=str(tmp_path / "input"),
                                   warehouse=str(tmp_path / "w" / "jf.duckdb"))
    with resource.run_context("run-1") as first, resource.run_context("run-1") as again:
        assert again is first  # the steps of one run: one context, one connection
    with pytest.raises(RuntimeError), resource.run_context("run-1"):
        raise RuntimeError("a step failed")
    with resource.run_context("run-1") as retried:  # its retry opens a new connection
        assert retried is not first
        assert retried.con.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(duckdb.ConnectionException):
        first.con.execute("SELECT 1")  # the failed step's connection was closed
    resource.teardown_after_execution(dg.build_init_resource_context())
    with pytest.raises(duckdb.ConnectionException):
        retried.con.execute("SELECT 1")


def test_a_runs_default_as_of_is_read_once_per_run():
    # each of a run's ~160 steps and checks asked the instance for the run's record; now the first
    # one does, and the others (and a retried step) share its answer
    resource = JourneyflowResource()
    asked = []

    def created(at: datetime) -> datetime:
        asked.append(at)
        return at

    first, second = datetime(2026, 6, 1, 9, tzinfo=UTC), datetime(2026, 6, 2, 9, tzinfo=UTC)
    assert resource.run_as_of("run-1", lambda: created(first)) == first
    assert resource.run_as_of("run-1", lambda: created(second)) == first  # not asked again
    assert resource.run_as_of("run-2", lambda: created(second)) == second
    assert asked == [first, second]
    resource.teardown_after_execution(dg.build_init_resource_context())
    assert resource.run_as_of("run-1", lambda: created(second)) == second  # forgotten when the run ends
    assert asked == [first, second, second]


def test_resource_carries_every_setting():
    from dataclasses import fields

    from journeyflow.config import Settings

    resource = JourneyflowResource(session_gap_minutes=12, source_time_zones={"hubspot": "Europe/Berlin"})
    settings = resource.settings()
    assert {f.name for f in fields(Settings)} <= set(JourneyflowResource.model_fields)
    assert settings.session_gap_minutes == 12
    assert settings.time_zone_for("hubspot") == "Europe/Berlin"
    assert settings == Settings().with_overrides(
        session_gap_minutes=12, source_time_zones={"hubspot": "Europe/Berlin"}
    )


def test_sensor_requests_a_run_when_exports_change(tmp_path):
    from pipelines.sensors import new_exports_sensor

    write_ga4(tmp_path / "input", [ga4_event(T0, "page_view", "c1")])
    resource = JourneyflowResource(input_dir=str(tmp_path / "input"))
    sensor = new_exports_sensor("journeyflow_full_run")
    # the resource has a teardown (it closes a run's connection), so a context opens it as the
    # daemon does, in a `with`
    with dg.build_sensor_context(cursor=None, resources={"journeyflow": resource}) as context:
        first = sensor(context)
    assert isinstance(first, dg.RunRequest)
    with dg.build_sensor_context(cursor=first.run_key.removeprefix("exports-"),
                                 resources={"journeyflow": resource}) as context:
        assert isinstance(sensor(context), dg.SkipReason)  # nothing changed
    write_ga4(tmp_path / "input", [ga4_event(T0, "page_view", "c2")], name="events_20260602.ndjson")
    with dg.build_sensor_context(cursor=context.cursor, resources={"journeyflow": resource}) as later:
        again = sensor(later)
    assert isinstance(again, dg.RunRequest) and again.run_key != first.run_key
    assert again.partition_key == "2026-06-02"  # the newest export's day


def _materialized(result: dg.ExecuteInProcessResult, table: str) -> dict:
    """The step's metadata (a range run reports one materialization per day, all alike)."""
    events = [e for e in result.get_asset_materialization_events()
              if e.asset_key.to_user_string() == table.replace(".", "/")]
    assert events
    return {k: v.value for k, v in events[-1].materialization.metadata.items()}


def test_a_backfill_is_one_incremental_run_and_rerunning_a_day_changes_nothing(tmp_path):
    # Days 1 and 2 as one backfill run (a partition range); then day 2 again: no file is new.
    write_ga4(tmp_path / "input", [ga4_event(T0, "page_view", "c1", path="/pricing")])
    write_ga4(tmp_path / "input", [ga4_event(T0 + timedelta(days=1), "page_view", "c1", path="/demo")],
              name="events_20260602.ndjson")
    write_ga4(tmp_path / "input", [ga4_event(T0 + timedelta(days=2), "page_view", "c1", path="/x")],
              name="events_20260603.ndjson")  # after the range: not read
    warehouse = tmp_path / "w" / "jf.duckdb"
    resource = JourneyflowResource(input_dir=str(tmp_path / "input"), warehouse=str(warehouse))
    instance = dg.DagsterInstance.ephemeral()
    backfill = dg.materialize(
        journeyflow_assets, resources={"journeyflow": resource}, instance=instance,
        tags={"dagster/asset_partition_range_start": "2026-06-01",
              "dagster/asset_partition_range_end": "2026-06-02"},
    )
    assert _materialized(backfill, "raw.ga4_events")["files"] == 2
    assert _materialized(backfill, "core.touchpoints")["rows"] == 2
    rerun = dg.materialize(journeyflow_assets, resources={"journeyflow": resource},
                           instance=instance, partition_key="2026-06-02")
    assert _materialized(rerun, "raw.ga4_events")["files"] == 0
    assert _materialized(rerun, "core.touchpoints")["persons_recomputed"] == 0


def test_the_resource_selects_the_engine():
    resource = JourneyflowResource(engine="spark", spark_master="spark://head:7077",
                                   parquet_root="s3a://bucket/journeyflow",
                                   spark_conf={"spark.executor.memory": "8g"})
    settings = resource.settings()
    assert (settings.engine, settings.spark_master, settings.parquet_root) == (
        "spark", "spark://head:7077", "s3a://bucket/journeyflow")
    assert settings.spark_conf == {"spark.executor.memory": "8g"}
    assert JourneyflowResource().settings().engine == "duckdb"  # the default stays DuckDB
