"""Run configuration as a Dagster resource, with the same defaults as the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from journeyflow.config import Settings, load_settings
from journeyflow.pipeline import RunContext, open_run

_defaults = load_settings()


class JourneyflowResource(dg.ConfigurableResource):
    """Where the exports are, where the warehouse goes, and the journey rules."""

    input_dir: str = str(_defaults.input_dir)
    warehouse: str = str(_defaults.warehouse)
    taxonomy: str = str(_defaults.taxonomy)
    salt: str = _defaults.salt
    session_gap_minutes: int = _defaults.session_gap_minutes
    journey_inactivity_days: int = _defaults.journey_inactivity_days
    max_identifiers_per_person: int = _defaults.max_identifiers_per_person
    min_row_ratio: float = _defaults.min_row_ratio

    def settings(self) -> Settings:
        return Settings(
            input_dir=Path(self.input_dir),
            warehouse=Path(self.warehouse),
            taxonomy=Path(self.taxonomy),
            salt=self.salt,
            session_gap_minutes=self.session_gap_minutes,
            journey_inactivity_days=self.journey_inactivity_days,
            max_identifiers_per_person=self.max_identifiers_per_person,
            min_row_ratio=self.min_row_ratio,
        )

    @contextmanager
    def run_context(self, load_id: str) -> Iterator[RunContext]:
        with open_run(self.settings(), load_id) as ctx:
            yield ctx
