"""The `bi` schema: stable, commented views for dashboards, and their Parquet snapshot.

`sql/bi/contract.yaml` lists every view with its meaning and columns; `sql/bi/<view>.sql` holds its
query. The contract drives `COMMENT ON VIEW` / `COMMENT ON COLUMN` and the tables in docs/bi.md.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from journeyflow.connection import table_exists, transaction
from journeyflow.sql_templates import SQL_DIR as _SQL_DIR
from journeyflow.sql_templates import quote_ident, quote_literal, sql_text

CONTRACT_FILE = _SQL_DIR / "bi" / "contract.yaml"
UNDOCUMENTED = "Not yet described in sql/bi/contract.yaml."


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class View:
    """One `bi` view of the contract: its name, the tables it needs, what it means, its columns."""

    name: str
    requires: tuple[str, ...]
    description: str
    columns: tuple[Column, ...]

    @property
    def qualified(self) -> str:
        return f"bi.{self.name}"


def load_contract(path: Path = CONTRACT_FILE) -> tuple[View, ...]:
    """Read the bi contract YAML into View objects (in file order)."""
    return _parse_contract(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=8)
def _parse_contract(text: str) -> tuple[View, ...]:
    """Parsed once per distinct text (0.15 s a run in pure-Python YAML; an edited file counts at once)."""
    data = yaml.safe_load(text) or {}
    views = []
    for name, entry in data.items():
        specs = entry.get("columns") or {}
        columns = tuple(Column(column, str(spec[0]), str(spec[1])) for column, spec in specs.items())
        description = " ".join(str(entry["description"]).split())
        views.append(View(name, tuple(entry["requires"]), description, columns))
    return tuple(views)


def view_columns(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple[str, str]]:
    """(column, type) of `bi.<view>` in column order."""
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'bi' AND table_name = ? ORDER BY column_index",
        [view],
    ).fetchall()


def build_views(
    con: duckdb.DuckDBPyConnection, contract: tuple[View, ...] | None = None
) -> dict[str, object]:
    """(Re)create every bi view whose tables exist, comment it from the contract, drop the others.

    Returns metadata: the views built, those skipped (tables missing) and columns the contract lacks.
    """
    contract = contract or load_contract()
    # one commit for the views and their ~250 comments, not one each (half a second a run)
    with transaction(con):
        return _build_views(con, contract)


def _build_views(con: duckdb.DuckDBPyConnection, contract: tuple[View, ...]) -> dict[str, object]:
    con.execute("CREATE SCHEMA IF NOT EXISTS bi")
    built: list[str] = []
    skipped: list[str] = []
    undocumented: list[str] = []
    for view in contract:  # a dozen views
        target = f"bi.{quote_ident(view.name)}"
        if not all(table_exists(con, table) for table in view.requires):
            con.execute(f"DROP VIEW IF EXISTS {target}")
            skipped.append(view.qualified)
            continue
        con.execute(f"CREATE OR REPLACE VIEW {target} AS\n{sql_text(view.qualified)}")
        con.execute(f"COMMENT ON VIEW {target} IS {quote_literal(view.description)}")
        described = {column.name: column.description for column in view.columns}
        for column, _type in view_columns(con, view.name):
            if column not in described:
                undocumented.append(f"{view.qualified}.{column}")
            comment = described.get(column, UNDOCUMENTED)
            con.execute(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {quote_literal(comment)}")
        built.append(view.qualified)
    return {"views": built, "skipped": skipped, "undocumented_columns": undocumented}


def built_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names (without schema) of the views that exist in `bi`."""
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'bi' AND NOT internal ORDER BY view_name"
    ).fetchall()
    return [row[0] for row in rows]


@dataclass
class ParquetSnapshot:
    """The Parquet files of one run's bi views, written by `write` into the run's unpublished release
    folder (journeyflow.release): they appear to readers together with the warehouse, or not at all.

    Each file carries the run's load id in its key-value metadata (`journeyflow_load_id`), so a reader
    can tell which run wrote it."""

    con: duckdb.DuckDBPyConnection
    folder: Path
    load_id: str
    rows: dict[str, int] = field(default_factory=dict)

    def write(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        options = f"FORMAT parquet, KV_METADATA {{journeyflow_load_id: {quote_literal(self.load_id)}}}"
        # rows need not keep their table's order (docs/bi.md: sort by the columns you need), so
        # DuckDB may write row groups as they come: 2-3 s less of the 30 s publish step at 10M
        keep_order = self.con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
        self.con.execute("SET preserve_insertion_order = false")
        try:
            for view in built_views(self.con):
                # COPY returns the rows it wrote: counting the view again would run its query twice
                copied = self.con.execute(
                    f"COPY (SELECT * FROM bi.{quote_ident(view)}) TO $path ({options})",  # noqa: S608
                    {"path": str(self.folder / f"{view}.parquet")},
                )
                self.rows[view] = copied.fetchall()[0][0]
        finally:
            self.con.execute("SET preserve_insertion_order = ?", [keep_order])


# --- docs/bi.md ------------------------------------------------------------------------------------

DOC_START = "<!-- contract:start (generated from sql/bi/contract.yaml: python -m journeyflow.bi FILE) -->"
DOC_END = "<!-- contract:end -->"


def contract_markdown(contract: tuple[View, ...] | None = None) -> str:
    """The contract as Markdown: one heading, description and column table per view."""
    contract = contract or load_contract()
    parts = []
    for view in contract:
        needs = ", ".join(f"`{table}`" for table in view.requires)
        parts.append(f"### `{view.qualified}`\n\n{view.description}\n\nBuilt when {needs} exists.\n")
        if view.columns:
            lines = ["| column | type | meaning |", "|---|---|---|"]
            lines += [
                f"| `{c.name}` | {c.type} | {c.description.replace('|', '/')} |" for c in view.columns
            ]
            parts.append("\n".join(lines) + "\n")
        else:
            parts.append("Columns pass through from the mart while its contract is being settled.\n")
    return "\n".join(parts)


def update_doc(path: Path) -> bool:
    """Rewrite the generated contract section of a Markdown file; True when it changed."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(DOC_START)
    _, _, tail = rest.partition(DOC_END)
    new = f"{head}{DOC_START}\n\n{contract_markdown()}\n{DOC_END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: {'updated' if update_doc(Path(arg)) else 'up to date'}")
