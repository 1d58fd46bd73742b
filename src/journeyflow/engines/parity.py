"""Compare two warehouses table by table: the parity check of the DuckDB and the Spark engine.

Rows are compared as sets after sorting (neither engine promises an order), floats within a
tolerance, timestamps as UTC instants (Spark's TIMESTAMP lands as TIMESTAMPTZ, DuckDB's may be
naive), decimals as floats; each column's type must be the same too (engines/transpile.py casts the
calls whose type differs on Spark to DuckDB's type).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import duckdb

TOLERANCE = 1e-9


def normalise(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return tuple(normalise(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, normalise(v)) for k, v in value.items()))
    return value


def _sort_key(row: tuple) -> tuple:
    # floats rounded so that a difference in the 15th digit cannot reorder rows; None first
    return tuple((v is not None, round(v, 6) if isinstance(v, float) else str(v)) for v in row)


def _same(a: object, b: object, tolerance: float) -> bool:
    if isinstance(a, float) and isinstance(b, (float, int)) or isinstance(b, float) and isinstance(a, int):
        if math.isnan(a) or math.isnan(b):  # type: ignore[arg-type]
            return math.isnan(a) and math.isnan(b)  # type: ignore[arg-type]
        return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)  # type: ignore[arg-type]
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y, tolerance) for x, y in zip(a, b, strict=True))
    return a == b


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list[str], list[tuple]]:
    result = con.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names come from the catalog
    columns = [d[0] for d in result.description]
    rows = [tuple(normalise(v) for v in row) for row in result.fetchall()]
    return columns, sorted(rows, key=_sort_key)


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of `table` in column order, as the published warehouse holds it."""
    schema, name = table.split(".")
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, name]
    ).fetchall()


def compare_types(expected: duckdb.DuckDBPyConnection, actual: duckdb.DuckDBPyConnection,
                  table: str) -> list[str]:
    """Columns of `table` whose type differs between two warehouses (empty: the same types)."""
    types_e, types_a = column_types(expected, table), column_types(actual, table)
    if [c for c, _ in types_e] != [c for c, _ in types_a]:
        return []  # compare_table names the columns that differ
    return [f"{table}.{c}: type {t} vs {u}" for (c, t), (_, u) in zip(types_e, types_a, strict=True)
            if t != u]


def compare_table(
    expected: duckdb.DuckDBPyConnection, actual: duckdb.DuckDBPyConnection, table: str,
    tolerance: float = TOLERANCE, show: int = 5,
) -> list[str]:
    """Readable differences of `table` between two warehouses, column types included (empty: the
    same)."""
    columns_e, rows_e = table_rows(expected, table)
    columns_a, rows_a = table_rows(actual, table)
    if columns_e != columns_a:
        return [f"{table}: columns differ: {columns_e} vs {columns_a}"]
    problems = compare_types(expected, actual, table)
    if len(rows_e) != len(rows_a):
        problems.append(f"{table}: {len(rows_e)} rows vs {len(rows_a)} rows")
    mismatches = [(e, a) for e, a in zip(rows_e, rows_a, strict=False) if not _same(e, a, tolerance)]
    if mismatches:
        problems.append(f"{table}: {len(mismatches)} of {len(rows_e)} sorted rows differ, e.g.:")
        for e, a in mismatches[:show]:
            cols = [f"{c}: {x!r} vs {y!r}" for c, x, y in zip(columns_e, e, a, strict=True)
                    if not _same(x, y, tolerance)]
            problems.append("    " + "; ".join(cols))
    return problems
