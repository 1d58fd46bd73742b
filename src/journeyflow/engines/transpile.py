"""DuckDB SQL → Spark SQL: sqlglot's transpiler plus the few rewrites Spark needs.

`$param` placeholders become literals built by sqlglot (quoted and escaped for Spark, floats as
DOUBLE), and `layer.table` names become the flat names `layer__table` the Spark engine registers
its Parquet layers under (temporary views have no schema).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.generators.spark import SparkGenerator
from sqlglot.time import format_time

SEPARATOR = "__"


def flat_name(table: str) -> str:
    """`core.sessions` -> `core__sessions`: the Spark view name of a warehouse table."""
    return table.replace(".", SEPARATOR)


def literal(value: object) -> exp.Expression:
    """A Spark literal with the type DuckDB would bind for the Python value."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):  # a bare 1.5 would be a DECIMAL on Spark; DuckDB binds a DOUBLE
        return exp.cast(exp.Literal.number(repr(value)), exp.DataType.build("double"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[literal(v) for v in value])
    if isinstance(value, datetime):  # an instant (`$as_of`): its UTC text, read in the UTC session
        if value.tzinfo is None:
            raise TypeError(f"cannot bind a naive datetime as an instant: {value!r}")
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return exp.cast(exp.Literal.string(text), exp.DataType.build("timestamp"))
    raise TypeError(f"cannot bind a {type(value).__name__} as a SQL literal: {value!r}")


def bind_params(tree: exp.Expression, params: Mapping[str, object]) -> exp.Expression:
    """Replace every `$name` by the literal of params[name]; an unknown name is an error."""
    missing = sorted({p.name for p in tree.find_all(exp.Placeholder) if p.name not in params})
    if missing:
        raise ValueError(f"sql needs parameter(s) {missing}")
    return tree.transform(
        lambda node: literal(params[node.name]) if isinstance(node, exp.Placeholder) else node
    )


def table_names(tree: exp.Expression) -> set[str]:
    """The `layer.table` names a statement reads (CTE names have no layer)."""
    return {f"{t.db}.{t.name}" for t in tree.find_all(exp.Table) if t.db}


def flatten_tables(tree: exp.Expression) -> exp.Expression:
    def flatten(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.db:
            flat = node.copy()
            flat.set("this", exp.to_identifier(f"{node.db}{SEPARATOR}{node.name}"))
            flat.set("db", None)
            return flat
        return node

    return tree.transform(flatten)


def parse(query: str) -> exp.Expression:
    statements = [s for s in sqlglot.parse(query, read="duckdb") if s is not None]
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement, got {len(statements)}")
    return statements[0]


# -- rewrites where sqlglot's Spark output is missing or means something else (docs/scaling.md) --------


def _string(node: exp.Expression | None, what: str) -> str:
    if not isinstance(node, exp.Literal) or not node.is_string:
        raise ValueError(f"{what} must be a string literal to run on Spark, got {node}")
    return node.this


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _full_match(node: exp.RegexpFullMatch) -> exp.Expression:
    """regexp_full_match(x, p) → x RLIKE '^(?:p)\\z' (RLIKE finds; Java's `$` also matches before a
    final newline, `\\z` only at the very end, like a full match)."""
    pattern = _string(node.expression, "regexp_full_match's pattern")
    return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"^(?:{pattern})\\z"))


def _regexp_replace(node: exp.RegexpReplace) -> exp.Expression:
    """DuckDB's replacement refers to groups as \\1, Java's as $1 (and `$` itself is \\$)."""
    replacement = node.args.get("replacement")
    if isinstance(replacement, exp.Literal) and replacement.is_string:
        java = re.sub(r"\\(\d)", r"$\1", replacement.this.replace("$", "\\$"))
        node = node.copy()
        node.set("replacement", exp.Literal.string(java))
    return node


def _percentile(node: exp.PercentileCont) -> exp.Expression:
    """quantile_cont(x, q) → percentile(x, q): both interpolate linearly between the order statistics."""
    if isinstance(node.parent, exp.WithinGroup):
        return node
    return _call("PERCENTILE", node.this, node.expression)


def _json_object(node: exp.JSONObject) -> exp.Expression:
    """json_object(k, v, ...) → to_json(named_struct(k, v, ...)), keeping null members as DuckDB does;
    json_object() → '{}' (a named_struct needs members)."""
    pairs: list[exp.Expression] = []
    for kv in node.expressions:
        pairs += [kv.this, kv.expression]
    if not pairs:
        return exp.Literal.string("{}")
    options = _call("MAP", exp.Literal.string("ignoreNullFields"), exp.Literal.string("false"))
    return _call("TO_JSON", _call("NAMED_STRUCT", *pairs), options)


_DUCKDB_TYPES = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "INTEGER": "INT", "DOUBLE": "DOUBLE",
                 "BOOLEAN": "BOOLEAN", "FLOAT": "FLOAT"}


def _spark_type(structure: object, leaf: Callable[[str], str]) -> str:
    if isinstance(structure, dict):
        return "STRUCT<" + ", ".join(f"`{k}`: {_spark_type(v, leaf)}" for k, v in structure.items()) + ">"
    if isinstance(structure, list) and len(structure) == 1:
        return f"ARRAY<{_spark_type(structure[0], leaf)}>"
    if isinstance(structure, str) and structure.upper() in _DUCKDB_TYPES:
        return leaf(_DUCKDB_TYPES[structure.upper()])
    raise ValueError(f"from_json structure not supported on Spark: {structure!r}")


def _from_json(node: exp.FromJson) -> exp.Expression:
    """from_json(x, '{"a": "BIGINT"}') → CAST(from_json(x, 'STRUCT<a: STRING>') AS STRUCT<a: BIGINT>).

    DuckDB converts a JSON string "123" to a BIGINT member; Spark's reader gives NULL, so every leaf
    is read as text and cast, member by member, to the type DuckDB would give.
    """
    structure = json.loads(_string(node.expression, "from_json's structure"))
    as_text = _spark_type(structure, lambda _: "STRING")
    typed = _spark_type(structure, lambda t: t)
    return exp.cast(_call("FROM_JSON", node.this, exp.Literal.string(as_text)),
                    exp.DataType.build(typed, dialect="spark"))


def _try_strptime(node: exp.Anonymous) -> exp.Expression:
    """try_strptime(x, fmt | [fmt, ...]) → coalesce(try_to_timestamp(x, java_fmt), ...)."""
    text, formats = node.expressions
    literals = formats.expressions if isinstance(formats, exp.Array) else [formats]
    parsed = [
        _call("TRY_TO_TIMESTAMP", text.copy(),
              exp.Literal.string(format_time(_string(f, "try_strptime's format"), Spark.INVERSE_TIME_MAPPING,
                                             Spark.INVERSE_TIME_TRIE)))
        for f in literals
    ]
    return parsed[0] if len(parsed) == 1 else exp.Coalesce(this=parsed[0], expressions=parsed[1:])


# json_type's answer on Spark: the head of schema_of_variant's type, named as DuckDB names it
_VARIANT_TYPES = {"OBJECT": "OBJECT", "ARRAY": "ARRAY", "STRING": "VARCHAR", "BIGINT": "BIGINT",
                  "DOUBLE": "DOUBLE", "DECIMAL": "DOUBLE", "FLOAT": "DOUBLE", "BOOLEAN": "BOOLEAN",
                  "VOID": "NULL"}


def _json_type(node: exp.JSONType) -> exp.Expression:
    """json_type(x) → the type of try_parse_json(x) (schema_of_variant), in DuckDB's names.

    Spark has no json_type; schema_of_variant says `OBJECT<a: BIGINT>`, `ARRAY<...>`, `STRING`,
    `DECIMAL(2,1)`, `BIGINT`, `VOID` where DuckDB says OBJECT, ARRAY, VARCHAR, DOUBLE, UBIGINT (BIGINT
    when negative), NULL. Text that is not JSON: NULL (an error in DuckDB; ask json_valid first).
    """
    head = _call("REGEXP_EXTRACT", _call("SCHEMA_OF_VARIANT", _call("TRY_PARSE_JSON", node.this)),
                 exp.Literal.string("^[A-Z]+"), exp.Literal.number(0))
    case = exp.Case(this=head)
    for spark_name, duckdb_name in _VARIANT_TYPES.items():
        answer: exp.Expression = exp.Literal.string(duckdb_name)
        if spark_name == "BIGINT":  # DuckDB: UBIGINT for a whole number >= 0, BIGINT below
            negative = exp.RegexpLike(this=node.this.copy(), expression=exp.Literal.string("^\\s*-"))
            answer = exp.Case().when(negative, answer).else_(exp.Literal.string("UBIGINT"))
        case = case.when(exp.Literal.string(spark_name), answer)
    return case


def _json_merge_patch(node: exp.Anonymous) -> exp.Expression:
    """json_merge_patch(x, '{"a": null, "b": null}') → x without the top-level members a and b.

    Spark has no merge patch; the one form we use (a literal patch of nulls: drop members) is a
    map_filter over the object read as map<string, variant>, which to_json writes back unchanged.
    """
    target, patch = node.expressions
    members = json.loads(_string(patch, "json_merge_patch's patch"))
    if not isinstance(members, dict) or any(v is not None for v in members.values()):
        raise ValueError("json_merge_patch on Spark: only a literal patch of nulls (drop members)")
    key, value = exp.to_identifier("k"), exp.to_identifier("v")
    keep = exp.Lambda(
        this=exp.Not(this=exp.In(this=exp.column("k"),
                                 expressions=[exp.Literal.string(k) for k in members])),
        expressions=[key, value],
    )
    as_map = _call("FROM_JSON", target, exp.Literal.string("MAP<STRING, VARIANT>"))
    return _call("TO_JSON", _call("MAP_FILTER", as_map, keep))


def _json_path(node: exp.JSONExtract | exp.JSONExtractScalar) -> exp.Expression:
    """JSON paths and JSON values that Spark's get_json_object reads otherwise.

    - A path computed at run time, `'$."' || key || '"'`, becomes `$['key']`: get_json_object reads
      the bracket form only, DuckDB the quoted one only (sqlglot translates literal paths itself).
    - json_extract (a JSON value, not json_extract_string's text): get_json_object gives a JSON
      string member without its quotes (`abc`, not `"abc"`), so a value embedded into JSON later
      (`json(...)`) would not be JSON: a string member is quoted (to_json(variant_get(...))), any
      other value is get_json_object's text (to_json of a VARIANT would sort an object's members).
      A `[*]` path is refused (a list in DuckDB; read the list with from_json, see portable.py).
    """
    path = node.expression
    if not isinstance(path, (exp.JSONPath, exp.Literal)) and path is not None:
        node = node.copy()
        path = exp.RegexpReplace(
            this=node.expression, expression=exp.Literal.string('^\\$\\."(.*)"$'),
            replacement=exp.Literal.string("\\$['$1']"),
        )
        node.set("expression", path)
    if not isinstance(node, exp.JSONExtract):
        return node
    if isinstance(path, exp.JSONPath):
        text = path.sql(dialect="spark")
        if "*" in text:
            raise ValueError(f"a JSON path with a wildcard does not run on Spark: {text}")
        path = sqlglot.parse_one(text, read="spark")
    value = _call("VARIANT_GET", _call("TRY_PARSE_JSON", node.this.copy()), path.copy())
    is_text = exp.EQ(this=_call("SCHEMA_OF_VARIANT", value), expression=exp.Literal.string("STRING"))
    # a string member quoted by to_json; anything else as get_json_object writes it (an object's
    # members in their order: to_json of a VARIANT would sort them)
    return exp.Case(ifs=[exp.If(this=is_text, true=_call("TO_JSON", value.copy()))],
                    default=exp.JSONExtractScalar(this=node.this, expression=path))


def _list_sum(node: exp.Anonymous) -> exp.Expression:
    """list_sum(l) → a left fold over l's non-NULL elements, NULL when there are none (as DuckDB).

    Spark has no list_sum; AGGREGATE adds the elements in the list's order, so a sorted list gives
    the same sum every run (core.journeys.conversion_value).
    """
    value, acc = exp.to_identifier("v"), exp.to_identifier("acc")
    present = exp.Lambda(this=exp.Not(this=exp.Is(this=exp.column("v"), expression=exp.Null())),
                         expressions=[value])
    add = exp.Lambda(this=exp.Add(this=exp.func("COALESCE", exp.column("acc"), exp.Literal.number(0)),
                                  expression=exp.column("v")),
                     expressions=[acc, value])
    return _call("AGGREGATE", _call("FILTER", node.expressions[0], present),
                 exp.cast(exp.Null(), "DOUBLE"), add)


def _anonymous(node: exp.Anonymous) -> exp.Expression:
    name = node.name.upper()
    args = node.expressions
    if name == "LIST_SUM" and len(args) == 1:
        return _list_sum(node)
    if name == "TRY_STRPTIME":
        return _try_strptime(node)
    if name == "TIMEZONE" and len(args) == 2:  # timezone(zone, local timestamp) → the instant in UTC
        return _call("TO_UTC_TIMESTAMP", args[1], args[0])
    if name == "MAKE_TIMESTAMPTZ" and len(args) == 1:  # microseconds since the epoch
        return _call("TIMESTAMP_MICROS", args[0])
    if name == "JSON_MERGE_PATCH" and len(args) == 2:
        return _json_merge_patch(node)
    if name == "JSON_VALID":  # parses as JSON (Spark's parser also refuses duplicate keys)
        return exp.Not(this=exp.Is(this=_call("TRY_PARSE_JSON", args[0]), expression=exp.Null()))
    return node


def _epoch(node: exp.TimeToUnix) -> exp.Expression:
    """epoch(ts) → seconds as a DOUBLE with DuckDB's own rounding.

    Spark's unix_timestamp truncates to whole seconds. DuckDB 2.0 computes milliseconds / 1e3 plus
    the remaining microseconds / 1e6 (measured: bit-identical for every timestamp after 1970), which
    can differ in the last bit from microseconds / 1e6, and a difference of two epochs shows it.
    """
    micros = _call("UNIX_MICROS", exp.cast(node.this, exp.DataType.build("timestamp")))
    double = exp.DataType.build("double")
    millis = exp.Div(this=exp.cast(exp.IntDiv(this=micros, expression=exp.Literal.number(1000)), double),
                     expression=exp.Literal.number(1000))
    rest = exp.Div(this=exp.cast(exp.Mod(this=micros.copy(), expression=exp.Literal.number(1000)), double),
                   expression=exp.Literal.number(1000000))
    return exp.Paren(this=exp.Add(this=millis, expression=rest))


def _timestamp_text(node: exp.Cast) -> exp.Expression:
    """cast(x as varchar) of an instant → DuckDB's TIMESTAMPTZ text, `2099-01-01 10:00:00+00`.

    Spark's TIMESTAMP is an instant like DuckDB's TIMESTAMPTZ (every time our SQL parses is one),
    but its text lacks the zone; both print the session zone, UTC. typeof() is folded by Spark's
    planner, so other types cost nothing.
    """
    if isinstance(node.this, (exp.Literal, exp.Null)) or not node.to.is_type(
            exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT):
        return node
    is_instant = exp.EQ(this=_call("TYPEOF", node.this.copy()), expression=exp.Literal.string("timestamp"))
    with_zone = exp.func("CONCAT", node.copy(), exp.Literal.string("+00"))
    return exp.Case(ifs=[exp.If(this=is_instant, true=with_zone)], default=node.copy())


# DuckDB's result type of calls whose Spark result type differs: ranks are INT on Spark, an average
# of DECIMALs and a division of DECIMALs stay DECIMAL(38, x) there (DuckDB's `/` is always a DOUBLE)
_DUCKDB_RESULT_TYPES: dict[type[exp.Expression], str] = {
    exp.RowNumber: "bigint", exp.Rank: "bigint", exp.DenseRank: "bigint", exp.Ntile: "bigint",
    exp.Avg: "double", exp.Div: "double",
}
_WRAPPERS = (exp.Window, exp.Filter)  # `f(x) filter (where ...) over (...)`: the type of f(x)


def _duckdb_result_type(node: exp.Expression) -> exp.Expression:
    """Cast a call whose type differs on Spark to DuckDB's type, so every column has the type the bi
    contract states on both engines. The cast goes around the whole call: `avg(x) over (...)`, not
    around `avg(x)` inside it; a call already inside a cast takes the cast's type."""
    if isinstance(node.parent, (*_WRAPPERS, exp.Cast)):
        return node
    inner = node
    while isinstance(inner, _WRAPPERS):
        inner = inner.this
    kind = _DUCKDB_RESULT_TYPES.get(type(inner))
    if kind is None:
        return node
    return exp.cast(node, exp.DataType.build(kind))


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.RegexpFullMatch):
        return _full_match(node)
    if isinstance(node, exp.RegexpReplace):
        return _regexp_replace(node)
    if isinstance(node, exp.PercentileCont):
        return _percentile(node)
    if isinstance(node, exp.JSONObject):
        return _json_object(node)
    if isinstance(node, exp.TimeToUnix):
        return _epoch(node)
    if isinstance(node, exp.FromJson):
        return _from_json(node)
    if isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast):
        return _timestamp_text(node)
    if isinstance(node, exp.JSONType):
        return _json_type(node)
    if isinstance(node, exp.ParseJSON):  # json(x): a VARIANT, which to_json writes as JSON, not text
        return _call("PARSE_JSON", node.this)
    if isinstance(node, (exp.JSONExtract, exp.JSONExtractScalar)):
        return _json_path(node)
    if isinstance(node, exp.Anonymous):
        return _anonymous(node)
    if isinstance(node, (*_WRAPPERS, *_DUCKDB_RESULT_TYPES)):
        return _duckdb_result_type(node)
    return node


def rewrite_for_spark(tree: exp.Expression) -> exp.Expression:
    """Apply the DuckDB → Spark rewrites sqlglot does not do itself, innermost nodes first (a
    rewritten call may take a rewritten argument), each node once."""
    for node in reversed(list(tree.walk(bfs=False))):
        new = _rewrite(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


class SparkNestedCtes(Spark):
    """Spark SQL that keeps a WITH where it is written (inside a subquery or a UNION branch).

    sqlglot's Hive-family generator hoists every nested CTE to the top of the statement; two
    subqueries that each define `typed` (the per-source selects staging.events unions) then clash
    with DUPLICATE CTE names. Spark 3+ parses nested WITH clauses, scoped as in DuckDB.
    """

    class Generator(SparkGenerator):
        EXPRESSIONS_WITHOUT_NESTED_CTES: set = set()  # noqa: RUF012 - overrides the Hive setting


def to_spark(query: str, params: Mapping[str, object] | None = None) -> str:
    """The Spark SQL for one DuckDB statement, with parameters bound and tables flattened."""
    tree = rewrite_for_spark(flatten_tables(bind_params(parse(query), params or {})))
    return tree.sql(dialect=SparkNestedCtes)
