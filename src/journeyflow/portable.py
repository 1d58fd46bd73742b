"""A guard for the SQL in `sql/`: constructs that sqlglot transpiles to Spark with another meaning.

Measured with sqlglot 30, DuckDB 2.0 and Spark 4: the ORDER BY inside `list(x ORDER BY y)` is dropped;
`date_diff('minute' | 'day', ...)` counts boundaries in DuckDB but elapsed units in Spark; a window
ordered by a timestamp alone breaks ties differently on each engine; a JSON path with `[*]` gives a
list in DuckDB and one JSON text on Spark (get_json_object); a JSON value (json_extract) put into
json_object or a struct is embedded as JSON by DuckDB and as a quoted text by Spark; a letter in a
time format outside its %-codes (the 'T' of ISO 8601) becomes a Spark pattern letter. The portable
forms: sort a list of structs, compare epochs or intervals, order every window by a unique tiebreak,
read a JSON list with from_json, wrap an embedded JSON value in json(), put literal letters in by
replace().
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from journeyflow.sql_templates import expand_sql

TIMESTAMP_NAME = re.compile(r"(_at|_ts|^ts|timestamp|_time|^time|date)$|timestamp", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    file: str
    construct: str
    sql: str

    def __str__(self) -> str:
        return f"{self.file}: {self.construct}: {self.sql}"


def _is_timestamp(node: exp.Expression) -> bool:
    return isinstance(node, exp.Column) and bool(TIMESTAMP_NAME.search(node.name))


def find_unportable(sql: str, file: str = "<sql>") -> list[Finding]:
    """Every construct in `sql` known to change meaning when transpiled from DuckDB to Spark."""
    findings = []
    for statement in sqlglot.parse(sql, read="duckdb"):
        if statement is None:
            continue
        for node in statement.walk():
            construct = _unportable_construct(node)
            if construct:
                findings.append(Finding(file, construct, node.sql(dialect="duckdb")[:120]))
    return findings


def _unportable_construct(node: exp.Expression) -> str | None:
    if isinstance(node, exp.AggFunc) and isinstance(node.this, exp.Order):
        return "ordered aggregate (the ORDER BY is dropped on Spark): sort a list of structs instead"
    if isinstance(node, (exp.DateDiff, exp.TimestampDiff, exp.DatetimeDiff)):
        return "date_diff counts boundaries in DuckDB, elapsed units in Spark: compare epochs"
    if isinstance(node, exp.Window) and isinstance(node.args.get("order"), exp.Order):
        keys = [ordered.this for ordered in node.args["order"].expressions]
        if keys and all(_is_timestamp(key) for key in keys):
            return "window ordered by a timestamp alone (ties): add a unique tiebreak"
    if isinstance(node, (exp.ArgMin, exp.ArgMax)) and _is_timestamp(node.expression):
        return "arg_min/arg_max by a timestamp alone (ties): use a unique sequence number"
    if isinstance(node, (exp.JSONExtract, exp.JSONExtractScalar)) and _has_wildcard(node.expression):
        return "JSON path with a wildcard (a list in DuckDB, one JSON text on Spark): use from_json"
    if isinstance(node, exp.JSONExtract) and isinstance(node.parent, (exp.JSONKeyValue, exp.PropertyEQ)):
        return "json_extract as a json_object/struct member (a quoted text on Spark): wrap it in json()"
    if any(_has_literal_letter(f) for f in _time_formats(node)):
        return ("a letter outside the %-codes of a time format (a pattern letter on Spark, 'T' an "
                "error): format without it, e.g. replace(strftime(x, '%Y-%m-%d %H:%M:%S'), ' ', 'T')")
    return None


def _time_formats(node: exp.Expression) -> list[exp.Expression]:
    """The format arguments of strftime / strptime / try_strptime (one or a list)."""
    if isinstance(node, (exp.TimeToStr, exp.StrToTime)):
        formats = node.args.get("format")
    elif isinstance(node, exp.Anonymous) and node.name.lower() == "try_strptime" and node.expressions[1:]:
        formats = node.expressions[1]
    else:
        return []
    return list(formats.expressions) if isinstance(formats, exp.Array) else [formats]


def _has_literal_letter(fmt: exp.Expression | None) -> bool:
    return (isinstance(fmt, exp.Literal) and fmt.is_string
            and re.search(r"[A-Za-z]", re.sub(r"%[-.0-9]*[A-Za-z]", "", fmt.this)) is not None)


def _has_wildcard(path: exp.Expression | None) -> bool:
    return isinstance(path, exp.JSONPath) and "*" in path.sql(dialect="duckdb")


def check_folder(folder: Path) -> list[Finding]:
    return [
        finding
        for path in sorted(folder.rglob("*.sql"))
        if path.parent.name != "_fragments"  # checked where they are inlined
        for finding in find_unportable(expand_sql(path.read_text(encoding="utf-8")), str(path))
    ]
