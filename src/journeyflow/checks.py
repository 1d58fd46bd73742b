"""Quality gates: Great Expectations (GX Core 1.x) expectations on frames pulled from DuckDB.

GX cannot validate DuckDB through SQLAlchemy reliably and has no polars support, so each check runs
its query in DuckDB (aggregating there) and validates the small pandas result with GX. Checks are
declared in `sql/checks.yaml`; results are appended to `quality.check_results`.
"""

from __future__ import annotations

import copy
import functools
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from journeyflow.engines import used_params
from journeyflow.sql_templates import SQL_DIR

CHECKS_FILE = SQL_DIR / "checks.yaml"

RESULTS_DDL = """
CREATE TABLE IF NOT EXISTS quality.check_results (
    load_id VARCHAR, check_name VARCHAR, table_name VARCHAR, blocking BOOLEAN, passed BOOLEAN,
    expectation VARCHAR, observed VARCHAR, checked_at TIMESTAMPTZ
)
"""
COUNTS_DDL = """
CREATE TABLE IF NOT EXISTS quality.table_counts (
    load_id VARCHAR, table_name VARCHAR, rows BIGINT, counted_at TIMESTAMPTZ
)
"""


@dataclass(frozen=True)
class Check:
    name: str
    table: str
    blocking: bool
    description: str
    query: str
    expect: tuple[dict, ...]


@dataclass
class CheckOutcome:
    check: Check
    passed: bool
    failures: list[str] = field(default_factory=list)
    observed: dict[str, object] = field(default_factory=dict)


class QualityGateFailed(RuntimeError):
    """A blocking check failed: nothing downstream is built and nothing is published."""


def load_checks(path: Path = CHECKS_FILE) -> tuple[Check, ...]:
    """The checks declared in `path`, read fresh every call (an edited file counts at once)."""
    return _parse_checks(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=8)
def _parse_checks(text: str) -> tuple[Check, ...]:
    """Parsed once per distinct text: a run asks for the checks of each of its ~70 steps, and
    parsing the YAML in pure Python took ~45 ms each time (3 s per run)."""
    entries = yaml.safe_load(text)
    return tuple(
        Check(
            name=e["name"], table=e["table"], blocking=bool(e.get("blocking", True)),
            description=e.get("description", ""), query=e["query"], expect=tuple(e["expect"]),
        )
        for e in entries
    )


def checks_for(table: str) -> tuple[Check, ...]:
    return tuple(check for check in load_checks() if check.table == table)


# Integrations GX imports when they are installed although the checks never use them (they validate
# pandas frames): pyspark (the `spark` extra) and sqlalchemy (installed for Dagster). Without them
# GX's import took 2.6 CPU seconds instead of 3.25 (3 runs each, docs/performance.md).
GX_UNUSED_INTEGRATIONS = ("pyspark", "sqlalchemy")


@functools.cache
def _gx():  # noqa: ANN202 - the great_expectations module
    """great_expectations, imported once per process and only when a check runs (2.5-3.3 s: a run
    pays it at its first check, `journeyflow query`/`report`/`sources` never do). The integrations
    not loaded yet (pyspark unless the Spark engine runs, sqlalchemy unless Dagster runs) look not
    installed to GX; they stay importable afterwards."""
    blocked = [name for name in GX_UNUSED_INTEGRATIONS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # `import pyspark` raises ImportError
    try:
        import great_expectations
    finally:
        for name in blocked:
            if sys.modules.get(name) is None:
                del sys.modules[name]
    return great_expectations


@functools.cache
def _gx_batch_definition():  # noqa: ANN202 - a GX object; imported lazily because GX loads slowly
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("journeyflow")
    return source.add_dataframe_asset("check_frame").add_batch_definition_whole_dataframe("whole")


def _expectation(spec: dict, params: dict[str, object]):  # noqa: ANN202 - a GX Expectation
    """{'expect_column_values_to_be_between': {...}} → the GX Expectation, with $params filled in."""
    gx = _gx()

    (name, kwargs), = spec.items()
    cls = getattr(gx.expectations, "".join(part.title() for part in name.split("_")))
    filled = {
        key: params[value[1:]] if isinstance(value, str) and value.startswith("$") else copy.deepcopy(value)
        for key, value in kwargs.items()
    }
    return cls(**filled)


def run_check(con: duckdb.DuckDBPyConnection, check: Check, params: dict[str, object]) -> CheckOutcome:
    """Run the check's query in DuckDB and validate the result with its GX expectations."""
    gx = _gx()

    frame = con.execute(check.query, used_params(check.query, params)).df()
    batch_definition = _gx_batch_definition()  # creates the GX context the suite needs
    suite = gx.ExpectationSuite(name=check.name)
    for spec in check.expect:
        suite.add_expectation(_expectation(spec, params))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="COMPLETE")  # with the failing rows' indexes
    outcome = CheckOutcome(check, bool(result.success))
    for item in result.results:
        config = item.expectation_config
        label = f"{config.type}({config.kwargs.get('column') or config.kwargs.get('column_A') or ''})"
        observed = item.result.get("observed_value", item.result.get("partial_unexpected_list"))
        outcome.observed[label] = observed
        if not item.success:
            outcome.failures.append(failure_text(config.type, config.kwargs, item.result, frame))
    if len(frame) <= 20:  # small aggregate frames are worth showing as they are
        outcome.observed["frame"] = frame.to_dict(orient="records")
    return outcome


MAX_FAILING_ROWS = 5


def failure_text(kind: str, kwargs: dict, result: dict, frame: object) -> str:
    """What was expected and what was observed, with every column of the failing rows of the
    check's frame (its source, files, counts), so the message alone says what to look at."""
    expected = expected_text(kind, kwargs)
    rows = result.get("unexpected_index_list") or result.get("partial_unexpected_index_list") or []
    if rows:
        shown = [row_text(frame.iloc[i]) for i in rows[:MAX_FAILING_ROWS]]  # type: ignore[attr-defined]
        more = f" (and {len(rows) - MAX_FAILING_ROWS} more rows)" if len(rows) > MAX_FAILING_ROWS else ""
        return f"expected {expected}; observed {' | '.join(shown)}{more}"
    mismatched = (result.get("details") or {}).get("mismatched")
    observed = result.get("observed_value")
    return f"expected {expected}; observed {observed}" + (f" ({mismatched})" if mismatched else "")


def expected_text(kind: str, kwargs: dict) -> str:
    """An expectation's rule in words: `ratio_to_last_published >= 0.5`."""
    column = kwargs.get("column")
    low, high = (None if v is None else _value(v) for v in (kwargs.get("min_value"), kwargs.get("max_value")))
    if kind == "expect_column_values_to_be_between":
        if low is not None and high is not None:
            return f"{column} = {low}" if low == high else f"{column} between {low} and {high}"
        return f"{column} >= {low}" if low is not None else f"{column} <= {high}"
    if kind == "expect_column_pair_values_to_be_equal":
        return f"{kwargs['column_A']} = {kwargs['column_B']}"
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        return f"{kwargs['column_A']} {'>=' if kwargs.get('or_equal') else '>'} {kwargs['column_B']}"
    if kind == "expect_column_values_to_be_decreasing":
        return f"{column} never increasing from row to row"
    if kind == "expect_table_columns_to_match_set":
        return f"exactly the columns {', '.join(kwargs['column_set'])}"
    settings = ", ".join(f"{key}={value}" for key, value in kwargs.items() if key != "batch_id")
    return f"{kind}({settings})"


def row_text(row: object) -> str:
    """One row of a check's frame as `column=value, …`."""
    return ", ".join(f"{column}={_value(value)}" for column, value in row.items())  # type: ignore[attr-defined]


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"  # 0.0 as 0, 0.999999 as it is
    return str(value)


PUBLISHED_DDL = """
CREATE TABLE IF NOT EXISTS quality.published_loads (load_id VARCHAR, published_at TIMESTAMPTZ)
"""


def record_row_count(con: duckdb.DuckDBPyConnection, table: str, load_id: str) -> None:
    """Row counts of this load, so the next load can compare (staging.events also per source)."""
    con.execute(COUNTS_DDL)
    con.execute(PUBLISHED_DDL)
    con.execute(
        "DELETE FROM quality.table_counts WHERE load_id = ? AND (table_name = ? OR table_name LIKE ?)",
        [load_id, table, f"{table}/%"],
    )
    con.execute(
        f"INSERT INTO quality.table_counts SELECT ?, ?, count(*), now() FROM {table}",  # noqa: S608
        [load_id, table],
    )
    if table == "staging.events":
        con.execute(
            "INSERT INTO quality.table_counts "
            "SELECT ?, 'staging.events/' || source_table, count(*), now() "
            "FROM staging.events GROUP BY source_table",
            [load_id],
        )


def record_published(con: duckdb.DuckDBPyConnection, load_id: str) -> None:
    """The baseline for row-count checks is the last load that was published, not the last attempt."""
    con.execute(PUBLISHED_DDL)
    con.execute("INSERT INTO quality.published_loads VALUES (?, now())", [load_id])


def run_and_record(
    con: duckdb.DuckDBPyConnection, check: Check, load_id: str, params: dict[str, object]
) -> CheckOutcome:
    """Run one check and append its result to quality.check_results.

    The caller records the table's row counts first (`record_row_count`): row-count checks compare
    them with the last published load.
    """
    con.execute(RESULTS_DDL)
    outcome = run_check(con, check, params | {"load_id": load_id})
    con.execute(
        "INSERT INTO quality.check_results VALUES (?, ?, ?, ?, ?, ?, ?, now())",
        [load_id, check.name, check.table, check.blocking, outcome.passed,
         "; ".join(outcome.failures) or "all expectations met",
         json.dumps(outcome.observed, default=str)],
    )
    return outcome


def run_checks_for(
    con: duckdb.DuckDBPyConnection, table: str, load_id: str, params: dict[str, object]
) -> list[CheckOutcome]:
    """Run every check guarding `table`, store the results, and return them."""
    checks = checks_for(table)
    if checks:  # counted once for all of them: staging.events' per-source count reads 12M rows at 10M
        record_row_count(con, table, load_id)
    return [run_and_record(con, check, load_id, params) for check in checks]


def failure_message(outcome: CheckOutcome) -> str:
    """The check, the table it guards, what it means, and each expectation that failed."""
    check = outcome.check
    lines = [f"check {check.name} on {check.table} failed: {check.description.strip()}"]
    lines += [f"  {failure}" for failure in outcome.failures]
    return "\n".join(lines)


def raise_on_blocking_failures(outcomes: list[CheckOutcome]) -> None:
    failed = [o for o in outcomes if o.check.blocking and not o.passed]
    if failed:
        details = "\n".join(failure_message(o) for o in failed)
        raise QualityGateFailed(f"blocking quality check failed, nothing published:\n{details}")
