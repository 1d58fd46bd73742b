"""The Dagster definitions load, and materializing every asset builds the warehouse."""

from datetime import timedelta

import dagster as dg
import duckdb
from pipelines.assets import journeyflow_assets
from pipelines.checks import journeyflow_checks
from pipelines.definitions import defs
from pipelines.resources import JourneyflowResource

from builders import T0, ga4_event, write_ga4
from journeyflow.pipeline import STEPS


def test_definitions_have_one_asset_per_table_a_job_and_a_schedule():
    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    assert keys == {step.name.replace(".", "/") for step in STEPS}
    assert "core/sessions" in keys and "marts/transitions" in keys
    assert defs.resolve_job_def("journeyflow_full_run") is not None
    assert defs.resolve_schedule_def("journeyflow_nightly").cron_schedule == "0 2 * * *"


def test_materialize_all_assets(tmp_path):
    write_ga4(tmp_path / "input", [
        ga4_event(T0, "session_start", "c1", medium="cpc"),
        ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", path="/checkout", value=10.0),
    ])
    warehouse = tmp_path / "w" / "jf.duckdb"
    resource = JourneyflowResource(input_dir=str(tmp_path / "input"), warehouse=str(warehouse))
    result = dg.materialize([*journeyflow_assets, *journeyflow_checks], resources={"journeyflow": resource},
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT from_node, to_node FROM marts.transitions ORDER BY 1, 2").fetchall() == [
        ("CONVERSION", "EXIT"), ("START", "paid_search_click"),
        ("paid_search_click", "purchase"), ("purchase", "CONVERSION"),
    ]
    con.close()
    assert (warehouse.parent / "journey_graph.graphml").exists()


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
    first = sensor(dg.build_sensor_context(cursor=None, resources={"journeyflow": resource}))
    assert isinstance(first, dg.RunRequest)
    context = dg.build_sensor_context(cursor=first.run_key.removeprefix("exports-"),
                                      resources={"journeyflow": resource})
    assert isinstance(sensor(context), dg.SkipReason)  # nothing changed
    write_ga4(tmp_path / "input", [ga4_event(T0, "page_view", "c2")], name="events_20260602.ndjson")
    again = sensor(dg.build_sensor_context(cursor=context.cursor, resources={"journeyflow": resource}))
    assert isinstance(again, dg.RunRequest) and again.run_key != first.run_key


def test_the_resource_selects_the_engine():
    resource = JourneyflowResource(engine="spark", spark_master="spark://head:7077",
                                   parquet_root="s3a://bucket/journeyflow",
                                   spark_conf={"spark.executor.memory": "8g"})
    settings = resource.settings()
    assert (settings.engine, settings.spark_master, settings.parquet_root) == (
        "spark", "spark://head:7077", "s3a://bucket/journeyflow")
    assert settings.spark_conf == {"spark.executor.memory": "8g"}
    assert JourneyflowResource().settings().engine == "duckdb"  # the default stays DuckDB
