"""The DuckDB → Spark transpile layer: parameters, table names and the rewrites sqlglot lacks.

The string tests need only sqlglot; the tests that run the same statement on both engines need
pyspark (and Java) and share one local SparkSession.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import duckdb
import pytest

from journeyflow.engines.transpile import flat_name, parse, table_names, to_spark


def test_a_parameter_with_quotes_and_backslashes_is_one_literal():
    # the value closes the string and comments out the rest if pasted unquoted
    sql = to_spark("select $salt || email as h from staging.people", {"salt": "x' or 1=1 -- \\"})
    assert sql == "SELECT 'x\\' or 1=1 -- \\\\' || email AS h FROM staging__people"


def test_a_missing_parameter_is_named():
    with pytest.raises(ValueError, match=r"\['session_gap_seconds'\]"):
        to_spark("select 1 from t where gap > $session_gap_seconds", {})


def test_literals_keep_duckdb_types():
    # a float binds as DOUBLE in DuckDB; a bare 1.5 would be a DECIMAL on Spark
    sql = to_spark("select $a, $b, $c, $d, $e", {"a": 1.5, "b": None, "c": True, "d": 3, "e": ["x", "y"]})
    assert sql == "SELECT CAST(1.5 AS DOUBLE), NULL, TRUE, 3, ARRAY('x', 'y')"


def test_layer_tables_become_flat_view_names_and_ctes_stay():
    sql = "with s as (select * from core.sessions) select * from s join marts.paths using (x)"
    assert table_names(parse(sql)) == {"core.sessions", "marts.paths"}
    assert "core__sessions" in to_spark(sql) and "marts__paths" in to_spark(sql)
    assert flat_name("core.sessions") == "core__sessions"


# -- the same statement on both engines --------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from journeyflow.engines.spark import spark_session

    return spark_session("local[2]")


def both(spark, query: str, params: dict | None = None) -> tuple[tuple, tuple]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    duck = con.execute(query, params or {}).fetchall()[0]
    rows = spark.sql(to_spark(query, params)).collect()[0]
    return duck, tuple(rows)


def test_the_session_time_zone_is_utc(spark):
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    # a zone-less text is read as UTC wall-clock time on both engines
    duck, spark_row = both(spark, "select epoch(cast('2026-03-29 01:30:00' as timestamp)) as e")
    assert duck == spark_row == (1774747800.0,)


def test_regexp_full_match_is_a_full_match(spark):
    # RLIKE finds anywhere; Java's `$` would also match before a trailing newline (chr(10))
    query = ("select regexp_full_match('12345', '[0-9]{5}') a, regexp_full_match('123456', '[0-9]{5}') b,"
             " regexp_full_match('1' || chr(10), '1') c, regexp_full_match('1.5', '[0-9]\\.[0-9]') d")
    duck, spark_row = both(spark, query)
    assert duck == spark_row == (True, False, False, True)


def test_epoch_keeps_the_fraction_and_duckdbs_rounding(spark):
    # Spark's unix_timestamp would truncate to whole seconds; 1787601307241753 µs / 1e6 would give
    # ...241753 where DuckDB gives ...2417529, and a difference of two epochs shows it (2.4e-7 s)
    duck, spark_row = both(spark, "select epoch(make_timestamptz(1787601307241753)) as a,"
                                  " epoch(make_timestamptz(1787601307241753))"
                                  " - epoch(make_timestamptz(1787601307224243)) as b")
    assert duck == spark_row
    assert math.isclose(duck[0], 1787601307.241753, abs_tol=1e-6)


def test_from_json_reads_numbers_written_as_text(spark):
    # GA4 writes int_value as "1780333524": DuckDB casts it, Spark's JSON reader alone gives NULL
    query = """select from_json('{"a": "12", "b": [{"v": "1.5"}], "c": 7}',
                                '{"a": "BIGINT", "b": [{"v": "DOUBLE"}], "c": "VARCHAR"}') as r"""
    con = duckdb.connect()
    duck = con.execute(query).fetchall()[0][0]
    row = spark.sql(to_spark(query)).collect()[0][0]
    assert duck == {"a": 12, "b": [{"v": 1.5}], "c": "7"}
    assert (row["a"], row["b"][0]["v"], row["c"]) == (12, 1.5, "7")


def test_json_object_keeps_null_members_and_percentile_interpolates(spark):
    duck, spark_row = both(spark, "select json_object('a', cast(null as varchar), 'b', 'x') as j")
    assert duck == spark_row == ('{"a":null,"b":"x"}',)
    duck, spark_row = both(
        spark, "select quantile_cont(x, 0.75) from (select unnest([1.0, 2.0, 4.0, 10.0]) as x)")
    assert duck == spark_row == (5.5,)  # 4 + 0.25 * (10 - 4)


def test_german_dates_and_local_zones(spark):
    # try_strptime with a list of formats; timezone(zone, local) is the instant in UTC
    query = ("select timezone('Europe/Berlin', try_strptime('05.03.2026 14:30', "
             "['%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M'])) as t,"
             " regexp_replace('a+b@x', '^([^@+]*)\\+[^@]*@', '\\1@') as r")
    duck, spark_row = both(spark, query)
    expected = datetime(2026, 3, 5, 13, 30, tzinfo=UTC)
    assert duck[0] == expected and spark_row[0].replace(tzinfo=UTC) == expected.replace(tzinfo=UTC)
    assert duck[1] == spark_row[1] == "a@x"
