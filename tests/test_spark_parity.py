"""The whole pipeline on the shipped sample, once on DuckDB and once on Spark (local[2]): the same marts.

Every marts.* table, core.sessions, core.journeys, core.touchpoints and core.identity_map are
compared row by row after sorting (floats within 1e-9, timestamps as UTC instants) and column by
column by type (the bi contract's types on both engines), core.event_persons
by each event's person; staging.events by its counts per source; quality.load_summary (per file: read, loaded,
rejected, duplicate) and quality.rejected_rows (with the reasons) as they are. Both builds are the
test session's (conftest.py: `sample_run`, `spark_sample_run`, at the same as_of).
Skipped when pyspark (or Java) is missing.
"""

from __future__ import annotations

import shutil
import subprocess

import duckdb
import pytest

from conftest import SAMPLE, SPARK
from journeyflow.config import Settings
from journeyflow.engines.parity import compare_table, compare_types

pytest.importorskip(
    "pyspark", reason="no pyspark: the Spark engine is the `spark` extra (make test EXTRAS=dev,spark)"
)
if shutil.which("java") is None or subprocess.run(["java", "-version"], capture_output=True).returncode:
    pytest.skip("the Spark engine needs Java 17+", allow_module_level=True)

pytestmark = SPARK  # `pytest -m "not spark"` leaves this module's ~2 min out

CORE = ("core.sessions", "core.journeys", "core.touchpoints", "core.identity_map")


@pytest.fixture(scope="module")
def warehouses(sample_run: Settings, spark_sample_run: Settings):
    """Both engines on the sample, the session's two builds (conftest.py); yields the two published
    warehouses, read-only, and the Spark build's folder."""
    assert sample_run.engine == "duckdb" and sample_run.input_dir == SAMPLE
    assert spark_sample_run.engine == "spark" and spark_sample_run.input_dir == SAMPLE
    opened = []
    for settings in (sample_run, spark_sample_run):
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        opened.append(con)
    yield (*opened, spark_sample_run.warehouse.parent)
    for con in opened:
        con.close()


def marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [f"marts.{name}" for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
    ).fetchall()]


def test_every_mart_and_core_table_is_the_same(warehouses):
    duck, spark, _ = warehouses
    tables = marts(duck)
    assert len(tables) >= 13 and tables == marts(spark)
    problems = [p for table in (*tables, *CORE) for p in compare_table(duck, spark, table)]
    assert not problems, "\n".join(problems)
    # each event's person; not its event_digest, which hashes staging.events.properties (Snowplow's
    # embedded `unstruct` object has its members sorted on Spark: docs/scaling.md)
    persons = "SELECT event_id, person_id FROM core.event_persons ORDER BY ALL"
    assert duck.execute(persons).fetchall() == spark.execute(persons).fetchall()
    assert not compare_types(duck, spark, "core.event_persons")


def test_staging_events_and_quality_counts_are_the_same(warehouses):
    duck, spark, _ = warehouses
    counts = "SELECT source, count(*), count(DISTINCT event_id) FROM staging.events GROUP BY 1 ORDER BY 1"
    assert duck.execute(counts).fetchall() == spark.execute(counts).fetchall()
    summary = "SELECT * FROM quality.load_summary ORDER BY ALL"
    assert duck.execute(summary).fetchall() == spark.execute(summary).fetchall()
    # the reasons too, as they are (a reason that prints a timestamp shows DuckDB's TIMESTAMPTZ text,
    # `1999-06-15 12:00:00.123456+00`, on both engines: docs/scaling.md)
    rejected = ("SELECT raw_table, source_file, row_number, reason, raw_text FROM quality.rejected_rows "
                "ORDER BY ALL")
    duck_rejected = duck.execute(rejected).fetchall()
    assert len(duck_rejected) > 20 and duck_rejected == spark.execute(rejected).fetchall()
    # and every column's type (compare_table checks the marts' and core's); not staging.events':
    # its `properties` is JSON in DuckDB, VARCHAR on Spark, which has no JSON type (docs/scaling.md)
    problems = [p for table in ("quality.load_summary", "quality.rejected_rows", "quality.identity_conflicts")
                for p in compare_types(duck, spark, table)]
    assert not problems, "\n".join(problems)


def test_spark_keeps_every_table_as_parquet(warehouses):
    _, spark, folder = warehouses
    layers = folder / "layers"  # default parquet_root: next to the warehouse
    assert sorted(p.name for p in (layers / "marts").iterdir()) == sorted(
        t.split(".")[1] for t in marts(spark))
    assert not (layers / "_temp").exists()  # the run's temporary tables are gone
