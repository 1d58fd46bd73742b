"""Staged tables of absent sources, made from a remembered column list instead of planning their SQL.

journeyflow knows some sixty sources; an installation delivers a few. Typing an absent one still
plans its model: the PII scrubber's six regular expressions per text column and models of up to 35
columns, 20-200 ms each, some 40% of a run over a small input (a nightly day, a test). A model over
inputs without rows gives a table without rows whose columns are decided by the model's text, its
parameters (the run's as_of aside: it changes values, never columns) and the columns of the tables
it reads. The first such build in a process is remembered under those; later ones create the table
from the column list. What the build state digests (the scrubbed query) is remembered with it, so
incremental runs see the same state whichever way the table was made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from journeyflow.connection import drop_view_named_like, row_count
from journeyflow.sql_refs import tables_read
from journeyflow.sql_templates import quote_ident


@dataclass(frozen=True)
class EmptyBuild:
    query: str  # the model as built (scrubbed): what its build state digests
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type) in order


_BUILDS: dict[str, EmptyBuild] = {}
_MOST = 512  # distinct (model, parameters, input columns); a test session makes ~200


def inputs_key(con: duckdb.DuckDBPyConnection, model: str, params: dict,
               reads: Iterable[str] | None = None) -> str | None:
    """What decides the columns of `model`'s empty result; None when a table it reads has rows
    (or cannot be read: the build then fails or succeeds the usual way). `reads`: the tables the
    model layer found in it (else sqlglot parses `model`); raw tables are looked at first."""
    described = []
    read = tables_read(model) if reads is None else reads
    tables = sorted(read, key=lambda name: (not name.startswith("raw."), name))
    try:
        for table in tables:  # names from the project's SQL files
            if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0]:
                return None
            described.append([table, con.execute(f"DESCRIBE {table}").fetchall()])
    except duckdb.Error:
        return None
    given = {name: value for name, value in params.items() if name != "as_of"}
    return json.dumps([model, given, described], sort_keys=True, default=repr)


def remembered(key: str | None) -> EmptyBuild | None:
    return _BUILDS.get(key) if key is not None else None


def remember(con: duckdb.DuckDBPyConnection, key: str | None, query: str, table: str) -> None:
    """Remember the columns of `table`, just built by `query` over inputs without rows, if it has none."""
    if key is None or row_count(con, table):
        return
    if len(_BUILDS) >= _MOST:
        _BUILDS.clear()
    columns = tuple((name, dtype) for name, dtype, *_ in con.execute(f"DESCRIBE {table}").fetchall())
    _BUILDS[key] = EmptyBuild(query, columns)


def create_empty(con: duckdb.DuckDBPyConnection, table: str, build: EmptyBuild) -> None:
    drop_view_named_like(con, table)
    listed = ", ".join(f"{quote_ident(name)} {dtype}" for name, dtype in build.columns)
    con.execute(f"CREATE OR REPLACE TABLE {table} ({listed})")
