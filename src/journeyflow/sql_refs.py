"""The tables a query reads, and the same query reading something else instead, from its syntax tree.

Incremental builders and the explorer run a model's own SQL over some of its input rows: the model
reads `core.touchpoints`, the rebuild gives it a view of the changed journeys' touchpoints instead.
Doing that on the parsed query (sqlglot) rather than on its text leaves alone a name that only
appears in a comment, a string, a column (`touchpoints.journey_id`) or a CTE of the same name.
"""

from __future__ import annotations

from functools import lru_cache

from sqlglot import exp

from journeyflow.engines.transpile import parse

DIALECT = "duckdb"


@lru_cache(maxsize=256)
def _parse(query: str) -> exp.Expression:
    return parse(query)


def _table_name(table: exp.Table) -> str:
    return f"{table.db}.{table.name}" if table.db else table.name


def _cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name for cte in tree.find_all(exp.CTE)}


def _references(tree: exp.Expression) -> list[exp.Table]:
    """Every table the query names in a FROM or JOIN (CTEs referred to by name excluded)."""
    ctes = _cte_names(tree)
    return [table for table in tree.find_all(exp.Table)
            if table.name and not (not table.db and table.name in ctes)]


def tables_in(tree: exp.Expression) -> set[str]:
    """The schema-qualified tables and views a parsed query reads (`raw.ga4_events`)."""
    return {_table_name(table) for table in _references(tree) if table.db}


@lru_cache(maxsize=512)
def tables_read(query: str) -> frozenset[str]:
    """The schema-qualified tables and views `query` reads (`raw.ga4_events`, `core.touchpoints`);
    remembered, as a run asks it of the same ~150 models again and again."""
    return frozenset(tables_in(_parse(query)))


def reading(query: str, table: str, instead: str) -> str:
    """`query` reading `instead` (a view, temp table or CTE of some of its rows) wherever it reads
    `table`; the query is unchanged when it does not read `table`."""
    tree = _parse(query)
    found = [ref for ref in _references(tree) if _table_name(ref) == table]
    if not found:
        return query
    tree = tree.copy()
    for ref in _references(tree):
        if _table_name(ref) == table:
            alias = ref.args.get("alias")
            replacement = exp.to_table(instead)
            # keep the columns qualified by the old name (`touchpoints.person_id`) meaning the same
            replacement.set("alias", alias or exp.TableAlias(this=exp.to_identifier(ref.name)))
            ref.replace(replacement)
    return tree.sql(dialect=DIALECT)
