"""A sensor that starts a run when new or changed export files appear in the input folder."""

from datetime import date

import dagster as dg

from journeyflow.scope import file_day
from journeyflow.sources import SOURCES
from journeyflow.sources.readers import find_files, input_fingerprint
from pipelines.assets import DAILY
from pipelines.resources import JourneyflowResource


def newest_partition(input_dir, today: date | None = None) -> str | None:  # noqa: ANN001
    """The day partition of the newest dated export (at most the last partition there is)."""
    days = [day for source in SOURCES for path in find_files(input_dir, source)
            if (day := file_day(path, input_dir / source.folder)) is not None]
    last = DAILY.get_last_partition_key()
    if not days or last is None:
        return last
    return min(max(days).isoformat(), last)


def new_exports_sensor(job_name: str) -> dg.SensorDefinition:
    @dg.sensor(
        name="journeyflow_new_exports",
        job_name=job_name,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Runs the day of the newest export when the files in the input folder change "
                    "(checked every 5 min).",
    )
    def _sensor(context: dg.SensorEvaluationContext, journeyflow: JourneyflowResource):  # noqa: ANN202
        input_dir = journeyflow.settings().input_dir
        if not input_dir.is_dir():
            return dg.SkipReason(f"input folder {input_dir} does not exist")
        fingerprint = input_fingerprint(input_dir)
        if fingerprint == context.cursor:
            return dg.SkipReason("no new or changed export files")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=f"exports-{fingerprint}",
                             partition_key=newest_partition(input_dir))

    return _sensor
