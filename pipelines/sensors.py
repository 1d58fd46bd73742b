"""A sensor that starts the full run when new or changed export files appear in the input folder."""

import dagster as dg

from journeyflow.sources.landing import input_fingerprint
from pipelines.resources import JourneyflowResource


def new_exports_sensor(job_name: str) -> dg.SensorDefinition:
    @dg.sensor(
        name="journeyflow_new_exports",
        job_name=job_name,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Runs the pipeline when the files in the input folder change (checked every 5 min).",
    )
    def _sensor(context: dg.SensorEvaluationContext, journeyflow: JourneyflowResource):  # noqa: ANN202
        input_dir = journeyflow.settings().input_dir
        if not input_dir.is_dir():
            return dg.SkipReason(f"input folder {input_dir} does not exist")
        fingerprint = input_fingerprint(input_dir)
        if fingerprint == context.cursor:
            return dg.SkipReason("no new or changed export files")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=f"exports-{fingerprint}")

    return _sensor
