"""Python API for notebooks: the published warehouse as polars DataFrames and a NetworkX graph.

    >>> import journeyflow
    >>> with journeyflow.open("warehouse/journeyflow.duckdb") as jf:
    ...     jf.phase_funnel            # polars DataFrame of marts.phase_funnel
    ...     jf.table("core.journeys")  # any table or view by name
    ...     jf.sql("select * from bi.journeys where converted")
    ...     jf.graph                   # networkx.DiGraph of the transitions
    ...     jf.funnel(["phase=awareness", "pricing_page", "phase=acquisition"], unit="person")
"""

from __future__ import annotations

import re
from pathlib import Path
from types import TracebackType

import duckdb
import networkx as nx
import polars as pl

from journeyflow import figures
from journeyflow import graph as graph_module
from journeyflow.config import load_settings
from journeyflow.connection import (
    READER_SANDBOX,
    ReadOnlyRefused,
    connect_published,
    first_line,
    refused_by_sandbox,
)
from journeyflow.sql_templates import quote_ident

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")


class WarehouseNotFound(FileNotFoundError):
    """The published warehouse file does not exist (the pipeline has not run yet)."""


class Warehouse:
    """A read-only view of a published journeyflow warehouse. Close it (or use `with`) when done.

    The file is opened in the reader sandbox (connection.connect_published): SQL reads its tables and
    nothing else; a write, ATTACH, file access, extension or setting raises ReadOnlyRefused.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise WarehouseNotFound(
                f"warehouse {self.path} does not exist: run `journeyflow run` first"
            )
        self._con: duckdb.DuckDBPyConnection | None = connect_published(self.path)
        self._graph: nx.DiGraph | None = None

    # --- connection ---------------------------------------------------------------------------------

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The read-only, sandboxed DuckDB connection (raises once closed)."""
        if self._con is None:
            raise ValueError(f"warehouse {self.path} is closed")
        return self._con

    def close(self) -> None:
        """Release the file."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._con is None else "open"
        return f"<journeyflow.Warehouse {self.path} ({state}, read-only)>"

    # --- data ---------------------------------------------------------------------------------------

    @property
    def tables(self) -> list[str]:
        """Every table and view as `schema.name`."""
        rows = self.con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() ORDER BY 1"
        ).fetchall()
        return [row[0] for row in rows]

    def table(self, name: str) -> pl.DataFrame:
        """A whole table or view as a polars DataFrame, e.g. `table("marts.transitions")`."""
        if not _NAME.match(name) or name not in self.tables:
            raise KeyError(f"no table {name!r} in {self.path}; known: {', '.join(self.tables)}")
        schema, table = name.split(".")
        return self.con.sql(f"SELECT * FROM {quote_ident(schema)}.{quote_ident(table)}").pl()  # noqa: S608

    def sql(self, query: str, params: list[object] | dict[str, object] | None = None) -> pl.DataFrame:
        """Run a read-only query (values as `?`/`$name` parameters) and return a DataFrame (empty for a
        statement without a result). Raises ReadOnlyRefused for what the sandbox refuses."""
        try:
            result = self.con.sql(query, params=params)
            return result.pl() if result is not None else pl.DataFrame()
        except duckdb.Error as exc:
            if refused_by_sandbox(exc) and not isinstance(exc, ReadOnlyRefused):
                raise ReadOnlyRefused(f"{self.path} is opened {READER_SANDBOX}; DuckDB: {first_line(exc)}") \
                    from exc
            raise

    def funnel(
        self, steps: list[str | figures.FunnelStep], unit: str = "person", window_days: float | None = None,
        filters: figures.Filters = figures.NO_FILTERS, mode: str = "ordered", breakdown: str = "all",
    ) -> pl.DataFrame:
        """A funnel over the journeys `filters` selects, e.g. `funnel(["phase=awareness", "pricing_page",
        "phase=acquisition"], unit="journey", window_days=30, mode="strict")`: units per step, the
        conversion from the first and previous step, the median time from the previous step (per
        `breakdown` value: channel, campaign, cohort_month, segment). The same computation as
        marts.funnels, `journeyflow funnel` and the explorer's Funnels page (journeyflow.figures.funnel)."""
        parsed = [s if isinstance(s, figures.FunnelStep) else figures.FunnelStep.parse(s) for s in steps]
        return figures.funnel(self.con, parsed, filters, unit, window_days, mode, breakdown)

    @property
    def graph(self) -> nx.DiGraph:
        """The journey graph (touchpoints plus START/CONVERSION/EXIT) from marts.transitions."""
        if self._graph is None:
            self._graph = graph_module.from_transitions(self.con)
        return self._graph

    # the marts and core tables, for tab completion
    journeys = property(lambda self: self.table("core.journeys"), doc="core.journeys")
    touchpoints = property(lambda self: self.table("core.touchpoints"), doc="core.touchpoints")
    sessions = property(lambda self: self.table("core.sessions"), doc="core.sessions")
    identity_map = property(lambda self: self.table("core.identity_map"), doc="core.identity_map")
    transitions = property(lambda self: self.table("marts.transitions"), doc="marts.transitions")
    phase_funnel = property(lambda self: self.table("marts.phase_funnel"), doc="marts.phase_funnel")
    funnels = property(lambda self: self.table("marts.funnels"), doc="marts.funnels")
    paths = property(lambda self: self.table("marts.paths"), doc="marts.paths")
    attribution = property(lambda self: self.table("marts.attribution"), doc="marts.attribution")
    unmapped_events = property(lambda self: self.table("marts.unmapped_events"), doc="marts.unmapped_events")
    rejected_rows = property(lambda self: self.table("quality.rejected_rows"), doc="quality.rejected_rows")
    load_summary = property(lambda self: self.table("quality.load_summary"), doc="quality.load_summary")


def open(warehouse: Path | str | None = None, config: Path | None = None) -> Warehouse:  # noqa: A001
    """Open a published warehouse read-only (default: the one in journeyflow.yaml or the default path)."""
    return Warehouse(warehouse if warehouse is not None else load_settings(config).warehouse)
