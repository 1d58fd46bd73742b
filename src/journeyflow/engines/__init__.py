"""Where the SQL runs: DuckDB (default) or Spark, behind one small interface.

The SQL in `sql/` is written once, in DuckDB's dialect. A step asks its engine to build a table from
that SQL, to fetch a (small, aggregated) result as Arrow, or to see an Arrow table under a name. The
DuckDB engine runs it in the warehouse connection, as before. The Spark engine transpiles it with
sqlglot, runs it with pyspark, keeps each table as Parquet under `<parquet_root>/<layer>/<table>/`
and copies it into the DuckDB warehouse, so quality checks, `bi`, publishing and every reader work
unchanged whichever engine built the tables.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

import duckdb
import pyarrow as pa

from journeyflow.connection import create_view, drop_view_named_like, row_count
from journeyflow.sql_templates import sql_text

if TYPE_CHECKING:
    from journeyflow.config import Settings

ENGINES = ("duckdb", "spark")
PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class Engine(Protocol):
    """What the pipeline steps need from an engine; every SQL text is DuckDB dialect."""

    name: str
    con: duckdb.DuckDBPyConnection  # the warehouse: holds every finished table on either engine

    def create_table(self, table: str, query: str, params: dict | None = None, temp: bool = False) -> None:
        """(Re)create `table` from `query`; a temp table lives only for this run and is not copied."""

    def create_view(self, name: str, query: str) -> None:
        """(Re)create view `name` over finished tables: its rows are read, never written."""

    def fetch_arrow(self, query: str, params: dict | None = None) -> pa.Table:
        """Run a query whose result is small (aggregated) and return it as Arrow."""

    def register(self, name: str, data: pa.Table) -> None:
        """Make `data` readable as a table called `name` by the following statements."""

    def unregister(self, name: str) -> None: ...

    def close(self) -> None: ...


def used_params(query: str, params: dict | None) -> dict[str, object]:
    """The parameters `query` refers to; an unknown `$name` is an error naming it."""
    used = set(PARAM.findall(query))
    values = {k: v for k, v in (params or {}).items() if k in used}
    missing = used - set(values)
    if missing:
        raise ValueError(f"sql needs parameter(s) {sorted(missing)}")
    return values


def build_view(engine: Engine, name: str) -> int:
    """(Re)create view `layer.name` from `sql/<layer>/<name>.sql` (no parameters); its row count."""
    query = sql_text(name)
    if PARAM.search(query):
        raise ValueError(f"sql for {name}: a view cannot take parameters")
    engine.create_view(name, query)
    return row_count(engine.con, name)


def build_table(engine: Engine, table: str, params: dict | None = None) -> int:
    """(Re)create `layer.table` from `sql/<layer>/<table>.sql` on the engine; returns its row count."""
    try:
        engine.create_table(table, sql_text(table), params)
    except ValueError as exc:
        raise ValueError(f"sql for {table}: {exc}") from None
    return row_count(engine.con, table)


class DuckDBEngine:
    """Today's behaviour: every statement runs in the warehouse connection."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def create_table(self, table: str, query: str, params: dict | None = None, temp: bool = False) -> None:
        if not temp:
            drop_view_named_like(self.con, table)
        kind = "TEMP TABLE" if temp else "TABLE"
        self.con.execute(f"CREATE OR REPLACE {kind} {table} AS\n{query}", used_params(query, params))

    def create_view(self, name: str, query: str) -> None:
        create_view(self.con, name, query)

    def fetch_arrow(self, query: str, params: dict | None = None) -> pa.Table:
        # a relation, not a DB-API result: DuckDB 2 copies the rows once more for the latter (and warns)
        return self.con.sql(query, params=used_params(query, params)).to_arrow_table()

    def register(self, name: str, data: pa.Table) -> None:
        self.con.register(name, data)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def close(self) -> None:
        """The connection belongs to the run, not to the engine."""


def open_engine(con: duckdb.DuckDBPyConnection, settings: Settings) -> Engine:
    """The engine `settings.engine` names, around the run's warehouse connection."""
    if settings.engine == "duckdb":
        return DuckDBEngine(con)
    if settings.engine == "spark":
        from journeyflow.engines.spark import SparkEngine  # pyspark only when asked for

        return SparkEngine(con, settings)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {settings.engine!r}")


__all__ = ["ENGINES", "DuckDBEngine", "Engine", "build_table", "open_engine", "used_params"]
