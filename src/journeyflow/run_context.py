"""What one run's steps share (`RunContext`): the working connection, the settings, the load id,
the engine, incremental or not, the scope, `as_of` and the catalogue of the tables the steps build.

A module of its own so that the builders (incremental.py, attribution.py, ...) take a context
without importing pipeline.py, which imports them to list its steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from journeyflow.config import Settings
from journeyflow.engines import Engine
from journeyflow.models import Producer
from journeyflow.scope import ALL_FILES, LoadScope
from journeyflow.sources import SOURCES


def run_start() -> datetime:
    """The default `as_of`: now, in UTC, to the microsecond (what DuckDB and Spark timestamps hold)."""
    return datetime.now(UTC)


@dataclass
class RunContext:
    """What a step needs: the working warehouse connection, the settings, this run's load id, the
    engine that builds the SQL tables (it leaves each finished table in `con` on either engine) and
    the catalogue of what the steps build."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    load_id: str
    engine: Engine
    # every table the run's steps build, with its kind and what it reads (pipeline.PRODUCERS):
    # the by_person builders read their lookup tables off it
    producers: Mapping[str, Producer]
    # incremental: land new or changed files only and recompute the persons they affect
    # (DuckDB engine only; a Spark run rebuilds every table)
    incremental: bool = False
    scope: LoadScope = ALL_FILES
    # "now" for every rule that depends on the date (a timestamp more than a day after `as_of` is
    # rejected): fixed once per run, so a rerun with the same as_of gives the same rows
    as_of: datetime = field(default_factory=run_start)

    @property
    def params(self) -> dict[str, object]:
        return {
            "as_of": self.as_of,
            "salt": self.settings.salt,
            "session_gap_seconds": self.settings.session_gap_minutes * 60,
            "session_max_seconds": (self.settings.session_max_minutes * 60
                                    if self.settings.session_max_minutes is not None else None),
            "tracker_sessions": self.settings.sessions == "tracker",
            "snowplow_days_late_allowed": self.settings.snowplow_days_late_allowed,
            "snowplow_max_session_days": self.settings.snowplow_max_session_days,
            "journey_gap_seconds": self.settings.journey_inactivity_days * 86400,
            "journey_start_events": (list(self.settings.journey_start_events)
                                     if self.settings.journey_start_events is not None else None),
            "journey_max_seconds": _days_to_seconds(self.settings.journey_max_days),
            "journey_lookback_seconds": _days_to_seconds(self.settings.journey_lookback_days),
            "funnel_window_seconds": _days_to_seconds(self.settings.funnel_window_days),
            "min_path_journeys": self.settings.min_path_journeys,
            "units": list(self.settings.units),
            "max_identifiers_per_person": self.settings.max_identifiers_per_person,
            "min_row_ratio": self.settings.min_row_ratio,
            "max_persons_per_identifier": self.settings.max_persons_per_identifier,
            "strip_plus_addressing": self.settings.strip_plus_addressing,
            "pain_min_journeys": self.settings.pain_min_journeys,
            **{s.time_zone_param: self.settings.time_zone_for(s.folder) for s in SOURCES},
        }


Metadata = dict[str, object]


def _days_to_seconds(days: float | None) -> float | None:
    return None if days is None else float(days) * 86400


def utc_as_of(as_of: datetime | None) -> datetime:
    """`as_of` as an aware UTC instant (a naive one is taken as UTC); None is the run's start."""
    if as_of is None:
        return run_start()
    return as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)
