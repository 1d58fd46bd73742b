"""One Dagster asset per warehouse table (or view), each step a thin call of the library that builds
its table and those it keeps beside it (one multi-asset per step; lineage from journeyflow.models).

Every asset is partitioned by day: materializing day D (or a backfill of D1..D2, run as one run)
reads the export files dated D - lookback .. D (plus undated snapshots) and updates the warehouse
incrementally. A run tagged `journeyflow/full_rebuild=true` rebuilds everything from all files up
to its last day instead.
"""


import os
import warnings
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from graphlib import TopologicalSorter

import dagster as dg

from journeyflow.connection import row_count, table_exists
from journeyflow.models import Producer, step_reads
from journeyflow.pipeline import PRODUCERS, STEPS, Step
from journeyflow.run_context import utc_as_of
from journeyflow.scope import LoadScope
from pipelines.resources import JourneyflowResource

FULL_REBUILD_TAG = "journeyflow/full_rebuild"
# The run's "now" (`$as_of`: a timestamp more than a day later is rejected), ISO 8601; default: when
# the run was created, so every asset and check of one run (and their retries) share it
AS_OF_TAG = "journeyflow/as_of"
# The first day exports can be backfilled from; set JOURNEYFLOW_PARTITIONS_START for older history
DAILY = dg.DailyPartitionsDefinition(
    start_date=os.environ.get("JOURNEYFLOW_PARTITIONS_START", "2025-01-01"), timezone="UTC"
)


def asset_key(name: str) -> dg.AssetKey:
    """`core.sessions` -> AssetKey(["core", "sessions"]): assets are named like their tables."""
    return dg.AssetKey(name.split("."))


def run_scope(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
              journeyflow: JourneyflowResource) -> tuple[bool, LoadScope]:
    """(incremental, files in scope) for this run: its partition range, or all files."""
    incremental = context.run.tags.get(FULL_REBUILD_TAG, "false").lower() != "true"
    if context.has_partition_key_range:  # a backfill of many days, run once
        first, last = context.partition_key_range.start, context.partition_key_range.end
    elif context.has_partition_key:
        first = last = context.partition_key
    else:
        return incremental, LoadScope()
    scope = journeyflow.settings().day_scope(date.fromisoformat(first), date.fromisoformat(last))
    if not incremental:
        scope = LoadScope(last_day=scope.last_day)
    return incremental, scope


def table_specs(step: Step, producers: Mapping[str, Producer] = PRODUCERS) -> list[dg.AssetSpec]:
    """One asset per table the step produces (its own first), each depending on the tables it
    reads: the lineage of journeyflow.models, generated from the SQL and the steps' declarations."""
    own = sorted(t for t, p in producers.items() if p.step == step.name)
    # Dagster takes a multi-asset's results in dependency order (staging.event_versions first)
    tables = TopologicalSorter({t: producers[t].reads & set(own) for t in own}).static_order()
    specs = []
    for table in tables:
        producer = producers[table]
        reads = producer.reads if producer.model or table != step.name else step_reads(step, producers)
        if table == step.name:
            description = step.description
        else:
            description = producer.model.grain if producer.model and producer.model.table == table else (
                f"Kept by the {step.name} step beside it.")
        specs.append(dg.AssetSpec(
            key=asset_key(table),
            deps=[asset_key(dep) for dep in sorted(reads)],
            group_name=table.split(".")[0],
            description=description,
            kinds={"duckdb"},
        ))
    return specs


def run_as_of(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
              journeyflow: JourneyflowResource) -> datetime:
    """This run's as_of: its `journeyflow/as_of` tag (UTC unless it has an offset), or its creation time."""
    tag = context.run.tags.get(AS_OF_TAG)
    if tag:
        return utc_as_of(datetime.fromisoformat(tag))

    def created() -> datetime:
        record = context.instance.get_run_record_by_id(context.run.run_id)
        return utc_as_of(record.create_timestamp if record else None)

    return journeyflow.run_as_of(context.run.run_id, created)


def step_asset(step: Step) -> dg.AssetsDefinition:
    specs = table_specs(step)

    @dg.multi_asset(
        name=step.name.replace(".", "__"),
        specs=specs,
        partitions_def=DAILY,
        # a backfill of many days is one run over the range, not one run per day
        backfill_policy=dg.BackfillPolicy.single_run(),
        # a locked file or a full disk may pass; a second try a minute later is cheap
        retry_policy=dg.RetryPolicy(max_retries=2, delay=60),
    )
    def _asset(
        context: dg.AssetExecutionContext, journeyflow: JourneyflowResource
    ) -> Iterator[dg.MaterializeResult]:
        incremental, scope = run_scope(context, journeyflow)
        as_of = run_as_of(context, journeyflow)
        with journeyflow.run_context(context.run.run_id, incremental, scope, as_of) as ctx:
            metadata = step.run(ctx)
            for spec in specs:  # its own table with the step's figures, those it keeps with their rows
                table = ".".join(spec.key.path)
                if table == step.name:
                    yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)
                else:
                    kept = {"rows": row_count(ctx.con, table)} if table_exists(ctx.con, table) else {}
                    yield dg.MaterializeResult(asset_key=spec.key, metadata=kept)

    return _asset


# `backfill_policy` is a beta parameter of `dg.multi_asset`: Dagster warns once per asset (dozens
# of BetaWarnings in every process that loads the definitions: dagster dev, the daemon, each run
# worker). We rely on it knowingly (one run per backfill range), so that one warning is silenced
# here, for these definitions only; every other warning, Dagster's other beta warnings included,
# still shows.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy` of function `(multi_)?asset`",
                            category=dg.BetaWarning)
    journeyflow_assets = [step_asset(step) for step in STEPS]
