"""Dagster wiring for journeyflow: assets, resources, jobs and schedules over the plain library."""
