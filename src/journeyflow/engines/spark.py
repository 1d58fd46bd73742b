"""The Spark engine: the same SQL files, transpiled by sqlglot and run by pyspark on Parquet layers.

Landing (file parsing, encodings, rejects) and the taxonomy stay in DuckDB; a table Spark has not
seen yet in this run is exported from the warehouse to Parquet when a statement first reads it. Every
table Spark builds is written to `<parquet_root>/<layer>/<table>/` (a local folder or an object store
URL Spark can write), registered for the later statements, and copied into the DuckDB warehouse so
checks, `bi` and publishing run unchanged.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from journeyflow.connection import create_view, drop_view_named_like, row_count
from journeyflow.engines.transpile import flat_name, parse, table_names, to_spark
from journeyflow.sql_templates import quote_ident, quote_literal

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import DataFrame, SparkSession

    from journeyflow.config import Settings

# Both engines read and write timestamps in UTC; non-ANSI mode gives DuckDB's NULL (not an error)
# for a division by zero or an index out of range.
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # local mode runs the tasks in the driver: Spark's 1 GB default heap ran out reading the raw GA4
    # records of the sample (OutOfMemoryError in the vectorized Parquet reader), 2 GB building
    # quality.rejected_rows of the sample with the shop, ads, lead-form and Mailchimp exports (a
    # broadcast per raw table's reject filter: "Could not allocate memory to grow BytesToBytesMap");
    # a run's spark_conf may set it again (it takes effect only when the process starts its first
    # session)
    "spark.driver.memory": "3g",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}
_TEMP = "_temp"


def spark_session(master: str, conf: dict[str, str] | None = None) -> SparkSession:
    """The process's SparkSession (created once, reused by later runs), time zone pinned to UTC."""
    from pyspark.sql import SparkSession

    settings = {**SESSION_CONF, **(conf or {})}  # the run's own spark_conf wins
    builder = SparkSession.builder.master(master).appName("journeyflow")
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in settings.items():  # runtime settings of a session made by an earlier run
        if key.startswith("spark.sql."):
            spark.conf.set(key, value)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def without_rows(frame: DataFrame) -> DataFrame:
    """A table known to have no rows, as Spark's optimizer can see it: `WHERE false` over it becomes
    an empty local relation, so a union drops the branch and a join or subquery over it is decided
    while planning, with no job, broadcast or scan (most of a run's ~57 sources have no rows)."""
    return frame.where("false")


def is_local(root: str) -> bool:
    return "://" not in root or root.startswith("file://")


class SparkEngine:
    """Transpile, run on Spark, write Parquet, copy into the DuckDB warehouse."""

    name = "spark"

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        self.con = con
        self.root = str(settings.parquet_root or settings.warehouse.parent / "layers")
        self.spark = spark_session(settings.spark_master, dict(settings.spark_conf))
        self.views: set[str] = set()  # flat view names registered by this engine

    # -- paths -------------------------------------------------------------------------------

    def path(self, table: str, temp: bool = False) -> str:
        layer, name = (_TEMP, table) if temp else table.split(".")
        return f"{self.root.rstrip('/')}/{layer}/{name}"

    # -- the Engine interface ----------------------------------------------------------------

    def create_table(self, table: str, query: str, params: dict | None = None, temp: bool = False) -> None:
        frame = self.sql(query, params)
        path = self.path(table, temp)
        frame.write.mode("overwrite").parquet(path)
        # read back with the schema just written (the files hold it): no job to infer it again
        written = self.spark.read.schema(frame.schema).parquet(path)
        if temp:
            self._view(table, written)
            return
        self._copy_to_warehouse(table, path)
        self._warehouse_view(table, written)

    def create_view(self, name: str, query: str) -> None:
        self._view(name, self.sql(query))
        create_view(self.con, name, query)  # the same view in the warehouse, for its readers

    def fetch_arrow(self, query: str, params: dict | None = None) -> pa.Table:
        return self.sql(query, params).toArrow()

    def register(self, name: str, data: pa.Table) -> None:
        self._view(name, self.spark.createDataFrame(data))

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(flat_name(name))
        self.views.discard(flat_name(name))

    def close(self) -> None:
        """Drop this run's views; the session stays for the next run in this process."""
        for view in self.views:
            self.spark.catalog.dropTempView(view)
        self.views.clear()
        if is_local(self.root):
            shutil.rmtree(Path(self.path("x", temp=True)).parent, ignore_errors=True)

    # -- internals ---------------------------------------------------------------------------

    def sql(self, query: str, params: dict | None = None) -> DataFrame:
        """Run one DuckDB statement on Spark; warehouse tables it reads are brought over first."""
        for table in sorted(table_names(parse(query))):
            if flat_name(table) not in self.views:
                self._import_from_warehouse(table)
        return self.spark.sql(to_spark(query, params))

    def _view(self, name: str, frame: DataFrame) -> None:
        frame.createOrReplaceTempView(flat_name(name))
        self.views.add(flat_name(name))

    def _warehouse_view(self, table: str, frame: DataFrame) -> None:
        """A table the warehouse holds too, registered `without_rows` when the warehouse's copy has none."""
        self._view(table, without_rows(frame) if row_count(self.con, table) == 0 else frame)

    def _import_from_warehouse(self, table: str) -> None:
        """A table built in DuckDB (raw landing, taxonomy) becomes Parquet Spark reads."""
        path = self.path(table)
        relation = f"SELECT * FROM {table}"
        if is_local(path):
            local = Path(path.removeprefix("file://"))
            shutil.rmtree(local, ignore_errors=True)
            local.mkdir(parents=True)
            target = quote_literal(str(local / "part-0.parquet"))
            self.con.execute(f"COPY ({relation}) TO {target} (FORMAT parquet)")
        else:
            arrow = self.con.execute(relation).to_arrow_table()
            self.spark.createDataFrame(arrow).write.mode("overwrite").parquet(path)
        self._warehouse_view(table, self.spark.read.parquet(path))

    def _copy_to_warehouse(self, table: str, path: str) -> None:
        """The finished table into the DuckDB warehouse: read the Parquet files, or via Arrow."""
        drop_view_named_like(self.con, table)
        files = sorted(Path(path.removeprefix("file://")).glob("*.parquet")) if is_local(path) else []
        if files:
            listed = ", ".join(quote_literal(str(f)) for f in files)
            self.con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_parquet([{listed}])")
            return
        arrow = self.spark.read.parquet(path).toArrow()
        name = "_spark_result_" + table.replace(".", "_")
        self.con.register(name, arrow)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {quote_ident(name)}")
        finally:
            self.con.unregister(name)
