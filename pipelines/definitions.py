"""`defs`: what `dagster dev` and `dagster asset materialize -m pipelines.definitions` load."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import FULL_REBUILD_TAG, journeyflow_assets
from pipelines.checks import journeyflow_checks
from pipelines.resources import JourneyflowResource
from pipelines.sensors import new_exports_sensor

daily_run = dg.define_asset_job(
    "journeyflow_daily",
    selection=dg.AssetSelection.all(),
    description="Load the day's new or changed exports (and the lookback days), recompute the "
                "persons they affect, rebuild the marts and publish.",
)

full_run = dg.define_asset_job(
    "journeyflow_full_run",
    selection=dg.AssetSelection.all(),
    tags={FULL_REBUILD_TAG: "true"},
    description="Rebuild every layer from all export files up to the chosen day and publish.",
)

# At 02:00 UTC, the day that just ended
nightly = dg.build_schedule_from_partitioned_job(
    daily_run,
    name="journeyflow_nightly",
    hour_of_day=2,
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(
    assets=journeyflow_assets,
    asset_checks=journeyflow_checks,
    jobs=[daily_run, full_run],
    schedules=[nightly],
    sensors=[new_exports_sensor(daily_run.name)],
    resources={"journeyflow": JourneyflowResource()},
    # DuckDB allows one writer: steps run one after another in the run's own process
    executor=dg.in_process_executor,
)
