"""Run configuration as a Dagster resource: every setting of `journeyflow.yaml`, same defaults as the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import fields
from datetime import datetime
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from journeyflow.config import Settings, SettingsError, load_settings
from journeyflow.pipeline import open_run
from journeyflow.run_context import RunContext
from journeyflow.scope import ALL_FILES, LoadScope

_defaults = load_settings()
PATH_SETTINGS = ("input_dir", "warehouse", "taxonomy", "funnels")


class JourneyflowResource(dg.ConfigurableResource):
    """Where the exports are, where the warehouse goes, the journey rules and the quality limits."""

    input_dir: str = str(_defaults.input_dir)
    warehouse: str = str(_defaults.warehouse)
    taxonomy: str = str(_defaults.taxonomy)
    funnels: str = str(_defaults.funnels)
    ignore_inputs: list[str] = list(_defaults.ignore_inputs)
    salt: str = _defaults.salt
    session_gap_minutes: int = _defaults.session_gap_minutes
    session_max_minutes: int | None = _defaults.session_max_minutes
    sessions: str = _defaults.sessions
    snowplow_days_late_allowed: int | None = _defaults.snowplow_days_late_allowed
    snowplow_max_session_days: int | None = _defaults.snowplow_max_session_days
    journey_inactivity_days: int = _defaults.journey_inactivity_days
    journey_start_events: list[str] | None = (
        list(_defaults.journey_start_events) if _defaults.journey_start_events is not None else None
    )
    journey_max_days: float | None = _defaults.journey_max_days
    journey_lookback_days: float | None = _defaults.journey_lookback_days
    max_identifiers_per_person: int = _defaults.max_identifiers_per_person
    max_persons_per_identifier: int = _defaults.max_persons_per_identifier
    strip_plus_addressing: bool = _defaults.strip_plus_addressing
    time_zone: str = _defaults.time_zone
    source_time_zones: dict[str, str] = dict(_defaults.source_time_zones)
    late_data_lookback_days: int = _defaults.late_data_lookback_days
    min_row_ratio: float = _defaults.min_row_ratio
    duckdb_memory_limit: str | None = _defaults.duckdb_memory_limit
    duckdb_threads: int | None = _defaults.duckdb_threads
    duckdb_temp_directory: str | None = _defaults.duckdb_temp_directory
    min_path_journeys: int = _defaults.min_path_journeys
    units: list[str] = list(_defaults.units)
    attribution_half_life_days: float = _defaults.attribution_half_life_days
    last_non_direct_lookback_days: float = _defaults.last_non_direct_lookback_days
    bottleneck_min_visits: int = _defaults.bottleneck_min_visits
    pain_min_journeys: int = _defaults.pain_min_journeys
    segment_by: str = _defaults.segment_by
    segment_a: str = _defaults.segment_a
    segment_b: str = _defaults.segment_b
    funnel_window_days: float | None = _defaults.funnel_window_days
    engine: str = _defaults.engine
    spark_master: str = _defaults.spark_master
    parquet_root: str | None = _defaults.parquet_root
    spark_conf: dict[str, str] = dict(_defaults.spark_conf)

    def settings(self) -> Settings:
        """The run's Settings; a SettingsError (a ValueError) naming every bad field of the resource."""
        values = {f.name: getattr(self, f.name) for f in fields(Settings)}
        try:  # an empty path stays text, so that the check reports it instead of taking the working folder
            return Settings(**{k: Path(v) if k in PATH_SETTINGS and v else v for k, v in values.items()})
        except SettingsError as exc:
            raise exc.with_source(f"{type(self).__name__} config") from None

    # The runs open in this process: (load id, incremental, scope, as_of) -> their context
    _open_runs: dict[tuple, tuple[ExitStack, RunContext]] = PrivateAttr(default_factory=dict)

    @contextmanager
    def run_context(
        self, load_id: str, incremental: bool = False, scope: LoadScope = ALL_FILES,
        as_of: datetime | None = None,
    ) -> Iterator[RunContext]:
        """The run's context; the steps and checks of one run share it, as `journeyflow run`'s do.

        Opening the working file, attaching the raw file and checkpointing it on close for each of
        a run's ~160 steps and checks cost about half the CPU of a small Dagster run. The connection stays
        open until the run ends (`teardown_after_execution`); a step that fails closes it, so that
        its retry starts from a new connection.
        """
        key = (load_id, incremental, scope, as_of)
        if key not in self._open_runs:
            stack = ExitStack()
            ctx = stack.enter_context(open_run(self.settings(), load_id, incremental, scope, as_of))
            self._open_runs[key] = (stack, ctx)
        try:
            yield self._open_runs[key][1]
        except BaseException:
            self._close_run(key)
            raise

    # Each run's default as_of (when it was created), by run id
    _run_as_of: dict[str, datetime] = PrivateAttr(default_factory=dict)

    def run_as_of(self, run_id: str, created: Callable[[], datetime]) -> datetime:
        """The run's default as_of, `created()` asked once per run: each of a run's ~160 steps and
        checks reading the run's record back from the instance cost about 4% of a small run's CPU."""
        if run_id not in self._run_as_of:
            self._run_as_of[run_id] = created()
        return self._run_as_of[run_id]

    def _close_run(self, key: tuple) -> None:
        stack, _ = self._open_runs.pop(key, (None, None))
        if stack is not None:
            stack.close()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        for key in list(self._open_runs):
            self._close_run(key)
        self._run_as_of.clear()
