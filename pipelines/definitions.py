"""`defs`: what `dagster dev` and `dagster asset materialize -m pipelines.definitions` load."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import journeyflow_assets
from pipelines.checks import journeyflow_checks
from pipelines.resources import JourneyflowResource
from pipelines.sensors import new_exports_sensor

full_run = dg.define_asset_job(
    "journeyflow_full_run",
    selection=dg.AssetSelection.all(),
    description="Load every export, rebuild all layers and publish the warehouse.",
)

nightly = dg.ScheduleDefinition(
    name="journeyflow_nightly",
    job=full_run,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(
    assets=journeyflow_assets,
    asset_checks=journeyflow_checks,
    jobs=[full_run],
    schedules=[nightly],
    sensors=[new_exports_sensor(full_run.name)],
    resources={"journeyflow": JourneyflowResource()},
    # DuckDB allows one writer: steps run one after another in the run's own process
    executor=dg.in_process_executor,
)
