"""Absent sources: their staged tables are made from remembered column lists (journeyflow/empty_inputs.py)
and are exactly what planning their SQL gives."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from builders import T0, ga4_event, write_ga4, write_zendesk, zendesk_ticket, zendesk_user
from conftest import settings_for
from journeyflow import empty_inputs, incremental
from journeyflow.pipeline import run_pipeline


def staged_tables(settings) -> dict[str, tuple]:
    """Every staged source table's columns and types in order, its row count and its build state."""
    con = duckdb.connect(str(settings.work_file), read_only=True)
    try:
        names = [name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'staging' ORDER BY 1").fetchall()]
        return {name: (con.execute(f"DESCRIBE staging.{name}").fetchall(),
                       con.execute(f"SELECT count(*) FROM staging.{name}").fetchall()[0][0],
                       con.execute("SELECT state FROM quality.build_state WHERE table_name = ?",
                                   [f"staging.{name}"]).fetchall())
                for name in names}
    finally:
        con.close()


@pytest.fixture
def planned_typings(monkeypatch) -> list[str]:
    """The staged tables whose SQL was planned (scrubbed) in this test."""
    planned: list[str] = []
    scrub = incremental.scrub_text_columns

    def counting(con, query, params):
        planned.append(query)
        return scrub(con, query, params)

    monkeypatch.setattr(incremental, "scrub_text_columns", counting)
    monkeypatch.setattr(empty_inputs, "_BUILDS", {})
    return planned


def test_absent_sources_are_made_as_planning_their_sql_makes_them(tmp_path: Path, planned_typings):
    folder = tmp_path / "input"
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/pricing")])
    first = settings_for(folder, tmp_path / "first")
    run_pipeline(first)
    planned_first = len(planned_typings)
    planned = staged_tables(first)
    # every source but GA4 is absent; the first run plans all of them and remembers the absent ones
    absent = [name for name, (_, count, _) in planned.items() if count == 0]
    assert planned_first >= len(absent) > 40

    second = settings_for(folder, tmp_path / "second")
    run_pipeline(second)
    # the second run plans only what reads rows (GA4's staging), and the tables are the same:
    # columns, types, order, no rows, and the build state an incremental run compares
    assert 0 < len(planned_typings) - planned_first < planned_first - len(absent) + 3
    assert staged_tables(second) == planned


def test_a_source_that_arrives_later_is_typed_from_its_sql(tmp_path: Path, planned_typings):
    # The remembered columns are for inputs without rows only: once a source's file comes, its
    # table is planned and typed as usual
    folder = tmp_path / "input"
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/pricing")])
    settings = settings_for(folder, tmp_path / "wh")
    run_pipeline(settings)
    write_zendesk(folder, [zendesk_ticket(1, 7, "2026-06-02T10:00:00Z")],
                  [zendesk_user(7, "a@example.com")])
    run_pipeline(settings, incremental=True)
    tables = staged_tables(settings)
    assert tables["zendesk_tickets"][1] == 1 and tables["zendesk_users"][1] == 1
