"""Dagster asset checks from `sql/checks.yaml`: GX validations that gate the assets they guard.

The checks of one table run in one op (a multi-asset check), as `journeyflow run` runs them after
the table's step: the table's rows are counted once for all of them, and a run has 7 check steps
instead of 12. Each check is still its own asset check in the UI, with its own result, blocking
flag and description, and can be run alone (the op runs the selected checks only).
"""

from collections.abc import Iterator, Sequence

import dagster as dg

from journeyflow.checks import Check, failure_message, load_checks, record_row_count, run_and_record
from pipelines.assets import asset_key, run_as_of, run_scope
from pipelines.resources import JourneyflowResource


def table_checks(table: str, checks: Sequence[Check]) -> dg.AssetChecksDefinition:
    """The checks guarding `table` (in the order of `sql/checks.yaml`), as one multi-asset check."""
    key = asset_key(table)
    specs = [dg.AssetCheckSpec(name=check.name, asset=key, blocking=check.blocking,
                               description=check.description) for check in checks]

    @dg.multi_asset_check(name=f"{table.replace('.', '__')}__checks", specs=specs, can_subset=True)
    def _checks(
        context: dg.AssetCheckExecutionContext, journeyflow: JourneyflowResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = [check for check in checks
                    if dg.AssetCheckKey(key, check.name) in context.selected_asset_check_keys]
        incremental, scope = run_scope(context, journeyflow)
        as_of = run_as_of(context, journeyflow)
        with journeyflow.run_context(context.run.run_id, incremental, scope, as_of) as ctx:
            record_row_count(ctx.con, table, ctx.load_id)  # once for the table's checks
            for check in selected:
                outcome = run_and_record(ctx.con, check, ctx.load_id, ctx.params)
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=check.name,
                    passed=outcome.passed,
                    severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
                    # the check, its table, what it means, the rule, the failing rows (source, files, counts)
                    metadata={"failures": failure_message(outcome) if outcome.failures else "none",
                              "observed": dg.MetadataValue.json(_jsonable(outcome.observed))},
                )

    return _checks


def _jsonable(value: object) -> object:
    import json

    return json.loads(json.dumps(value, default=str))


def checks_by_table(checks: Sequence[Check]) -> dict[str, list[Check]]:
    """The checks grouped by the table they guard, tables and checks in the order of the file."""
    grouped: dict[str, list[Check]] = {}
    for check in checks:
        grouped.setdefault(check.table, []).append(check)
    return grouped


journeyflow_checks = [table_checks(table, checks) for table, checks in checks_by_table(load_checks()).items()]
