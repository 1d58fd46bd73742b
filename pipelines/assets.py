"""One Dagster asset per warehouse table, each a thin call of the library step that builds it."""

import dagster as dg

from journeyflow.pipeline import STEPS, Step
from pipelines.resources import JourneyflowResource


def asset_key(name: str) -> dg.AssetKey:
    """`core.sessions` -> AssetKey(["core", "sessions"]): assets are named like their tables."""
    return dg.AssetKey(name.split("."))


def step_asset(step: Step) -> dg.AssetsDefinition:
    @dg.asset(
        key=asset_key(step.name),
        deps=[asset_key(dep) for dep in step.deps],
        group_name=step.layer,
        description=step.description,
        kinds={"duckdb"},
        # a locked file or a full disk may pass; a second try a minute later is cheap
        retry_policy=dg.RetryPolicy(max_retries=2, delay=60),
    )
    def _asset(
        context: dg.AssetExecutionContext, journeyflow: JourneyflowResource
    ) -> dg.MaterializeResult:
        with journeyflow.run_context(load_id=context.run.run_id) as ctx:
            metadata = step.run(ctx)
        return dg.MaterializeResult(metadata=metadata)

    return _asset


journeyflow_assets = [step_asset(step) for step in STEPS]
