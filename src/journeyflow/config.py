"""Run settings shared by the CLI, the Python API and the Dagster resources."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import yaml

from journeyflow.scope import LoadScope

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INPUT = PROJECT_ROOT / "data" / "sample"
DEFAULT_WAREHOUSE = Path("warehouse") / "journeyflow.duckdb"
DEFAULT_TAXONOMY = Path(__file__).with_name("touchpoints.yaml")


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on; the same defaults for CLI, API and Dagster."""

    input_dir: Path = DEFAULT_INPUT
    warehouse: Path = DEFAULT_WAREHOUSE
    taxonomy: Path = DEFAULT_TAXONOMY
    # Salt for email hashes: set your own in production so hashes cannot be looked up.
    salt: str = "journeyflow-default-salt"
    session_gap_minutes: int = 30
    # A visit longer than this is cut into sessions of this length (None: no cap); bounds how far a
    # late event can move session boundaries, and keeps bot or kiosk activity from one endless session
    session_max_minutes: int | None = 720
    journey_inactivity_days: int = 90
    # Journey definition (README "Journey rules"): touchpoints that may start a journey (None: any);
    # a cap on a journey's length in days (None: no cap); only touchpoints at most this many days
    # before the data's end are used (None: all)
    journey_start_events: list[str] | None = None
    journey_max_days: float | None = None
    journey_lookback_days: float | None = None
    # Quality gates: a person with more identifiers than this is an over-merge (shared device/email)
    max_identifiers_per_person: int = 50
    # Identity guard: an identifier seen with more persons' user ids / CRM ids than this (a shared
    # office PC cookie, a support@ mailbox) is reported in quality.identity_conflicts, not stitched
    max_persons_per_identifier: int = 3
    # Treat anna+news@example.com as anna@example.com when hashing emails
    strip_plus_addressing: bool = False
    # Zone of timestamps that carry none (IANA name); per source folder in source_time_zones,
    # e.g. {"hubspot": "Europe/Berlin"}, else time_zone
    time_zone: str = "UTC"
    source_time_zones: dict[str, str] = field(default_factory=dict)
    # Incremental nightly runs: the run for day D re-reads export files dated D - lookback .. D, so
    # a day's file that the tool re-writes later (GA4 updates a day's table for 72 hours) is seen
    late_data_lookback_days: int = 3
    # Warn when a table has fewer rows than this share of the previous run's
    min_row_ratio: float = 0.5
    # DuckDB resources: a memory cap (e.g. "4GB") and where to spill when it is reached
    duckdb_memory_limit: str | None = None
    duckdb_temp_directory: str | None = None
    # Analytics: path variants seen in fewer journeys are grouped as "(other paths)"; the time-decay
    # attribution half-life; touchpoints with fewer visits are not ranked as bottlenecks
    min_path_journeys: int = 1
    attribution_half_life_days: float = 7.0
    bottleneck_min_visits: int = 20
    # Touchpoint KPIs: touchpoints passed by fewer journeys get no pain_rank (marts.touchpoint_kpis)
    pain_min_journeys: int = 5
    # Segment comparison (marts.segment_comparison): journeys are split by `segment_by`
    # ("first_channel": channel of the journey's first touchpoint; "utm_campaign": the first
    # utm_campaign of the journey, e.g. an experiment variant) and segment_a is compared with segment_b
    segment_by: str = "first_channel"
    segment_a: str = "search"
    segment_b: str = "social"
    # Funnel breakdown: a phase counts as reached only within this many days of the person's first
    # journey start (None: no window)
    funnel_window_days: float | None = 30.0
    # Engine (docs/scaling.md): "duckdb" runs the SQL in the warehouse; "spark" transpiles it to Spark
    # SQL and runs it on `spark_master` ("local[2]", "spark://host:7077", "yarn", ...), keeping each
    # table as Parquet under `parquet_root` (default: <warehouse folder>/layers; a local folder or an
    # object store URL such as s3a://bucket/journeyflow); `spark_conf` adds Spark settings
    engine: str = "duckdb"
    spark_master: str = "local[2]"
    parquet_root: str | None = None
    spark_conf: dict[str, str] = field(default_factory=dict)

    @property
    def work_file(self) -> Path:
        """The file a run builds in; published by rename so readers never see a half-built state."""
        return self.warehouse.with_name(self.warehouse.stem + ".work.duckdb")

    @property
    def raw_file(self) -> Path:
        """The raw layer's own file: the exports as they came, PII included, never published."""
        return self.warehouse.with_name(self.warehouse.stem + ".raw.duckdb")

    def day_scope(self, first_day: date, last_day: date | None = None) -> LoadScope:
        """The files a run for the days first_day..last_day reads: those days plus the lookback."""
        return LoadScope(first_day=first_day - timedelta(days=self.late_data_lookback_days),
                         last_day=last_day or first_day)

    def time_zone_for(self, folder: str) -> str:
        """The zone that zone-less timestamps of the source in `folder` are read in."""
        return self.source_time_zones.get(folder, self.time_zone)

    def with_overrides(self, **overrides: object) -> Settings:
        """Return a copy with the non-None overrides applied (CLI options that were given)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        for key in ("input_dir", "warehouse", "taxonomy"):
            if key in given:
                given[key] = Path(given[key])  # type: ignore[arg-type]
        return replace(self, **given)  # type: ignore[arg-type]


def load_settings(path: Path | None = None) -> Settings:
    """Read `journeyflow.yaml` (if present) over the defaults."""
    path = path or Path("journeyflow.yaml")
    if not path.exists():
        return Settings()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    known = set(Settings.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {sorted(known)}")
    # unlike CLI options, a null in the file is a value (e.g. funnel_window_days: null = no window)
    paths = {k: Path(v) for k, v in data.items() if k in ("input_dir", "warehouse", "taxonomy") and v}
    return replace(Settings(), **(data | paths))
