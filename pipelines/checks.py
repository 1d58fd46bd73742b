"""Dagster asset checks from `sql/checks.yaml`: GX validations that gate the assets they guard."""

import dagster as dg

from journeyflow.checks import Check, failure_message, load_checks, record_row_count, run_and_record
from pipelines.assets import asset_key, run_as_of, run_scope
from pipelines.resources import JourneyflowResource


def asset_check(check: Check) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key(check.table),
        name=check.name,
        blocking=check.blocking,
        description=check.description,
    )
    def _check(
        context: dg.AssetCheckExecutionContext, journeyflow: JourneyflowResource
    ) -> dg.AssetCheckResult:
        incremental, scope = run_scope(context, journeyflow)
        with journeyflow.run_context(context.run.run_id, incremental, scope, run_as_of(context)) as ctx:
            record_row_count(ctx.con, check.table, ctx.load_id)  # one op per check: each counts
            outcome = run_and_record(ctx.con, check, ctx.load_id, ctx.params)
        return dg.AssetCheckResult(
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
            # the check, its table, what it means, the rule and the failing rows (source, files, counts)
            metadata={"failures": failure_message(outcome) if outcome.failures else "none",
                      "observed": dg.MetadataValue.json(_jsonable(outcome.observed))},
        )

    return _check


def _jsonable(value: object) -> object:
    import json

    return json.loads(json.dumps(value, default=str))


journeyflow_checks = [asset_check(check) for check in load_checks()]
