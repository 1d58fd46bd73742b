"""One SQL model run alone on given rows: a model's unit test in milliseconds, no pipeline run.

As dbt's unit tests: the rows of the tables the model reads go in (only the columns its SQL uses),
its rows come out. The tables it reads come from its parsed SQL (journeyflow.models), so a test
that gives a table the model does not read, or leaves one out, fails naming it; so does a missing
`$parameter`.

    run_model("marts.phase_funnel", {
        "core.phases": [{"phase": "awareness", "phase_order": 1}, ...],
        "core.touchpoints": [{"person_id": "p1", "phase": "awareness", "phase_order": 1}, ...],
    })
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pyarrow as pa

from journeyflow.engines import used_params
from journeyflow.models import ModelError, load_models
from journeyflow.sql_templates import quote_ident, sql_text

Rows = Sequence[Mapping[str, object]] | pa.Table


def run_model(
    table: str, given: Mapping[str, Rows], params: Mapping[str, object] | None = None
) -> list[dict[str, object]]:
    """The rows `table`'s model builds from the `given` rows of each table it reads.

    Rows are dicts (column types inferred by Arrow: give datetimes for timestamps) or an Arrow
    table (for an empty input, or exact types). The result is in the model's own order, if any.
    """
    models = load_models()
    if table not in models:
        raise ModelError(f"{table}: no model sql/{table.replace('.', '/')}.sql")
    model = models[table]
    missing = sorted(model.reads - given.keys())
    unread = sorted(given.keys() - model.reads)
    if missing or unread:
        said = [f"give the rows of {', '.join(missing)}" if missing else "",
                f"{', '.join(unread)} is not read by it" if unread else ""]
        raise ModelError(f"{model.file} reads {', '.join(sorted(model.reads)) or 'no table'}: "
                         + "; ".join(part for part in said if part))
    query = sql_text(table)
    params = dict(params or {})
    unset = sorted(model.params - params.keys())
    if unset:
        raise ModelError(f"{model.file} needs the parameters {', '.join('$' + p for p in unset)}")
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")  # as the pipeline's connection
        for name, rows in given.items():
            schema, bare = name.split(".")
            arrow = rows if isinstance(rows, pa.Table) else _arrow(name, rows)
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            con.from_arrow(arrow).create(f"{quote_ident(schema)}.{quote_ident(bare)}")
        cursor = con.execute(query, used_params(query, params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _arrow(name: str, rows: Sequence[Mapping[str, object]]) -> pa.Table:
    if not rows:
        raise ModelError(f"{name}: no rows to infer its columns from: give an empty Arrow table "
                         "with the schema instead")
    return pa.Table.from_pylist(list(rows))
