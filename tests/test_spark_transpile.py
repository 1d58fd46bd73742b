"""The DuckDB → Spark transpile layer: parameters, table names and the rewrites sqlglot lacks.

The string tests need only sqlglot; the tests that run the same statement on both engines need
pyspark (and Java) and share one local SparkSession.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import duckdb
import pytest

from conftest import SPARK
from journeyflow.engines.transpile import flat_name, parse, table_names, to_spark

# `-m "not spark"` leaves the whole module out (its pure transpile tests take milliseconds)
pytestmark = SPARK


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
    pytest.importorskip(
        "pyspark", reason="no pyspark: the Spark engine is the `spark` extra (make test EXTRAS=dev,spark)"
    )
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


def test_ranks_averages_and_divisions_have_duckdbs_types(spark):
    # Spark types row_number/rank/dense_rank/ntile as INT, avg and `/` of DECIMALs as DECIMAL(38, x);
    # DuckDB gives BIGINT and DOUBLE (its `/` is always a DOUBLE): the bi contract's types
    query = ("select row_number() over (order by x) a, rank() over (order by x) b,"
             " dense_rank() over (order by x) c, ntile(2) over (order by x) d, avg(x) over () e,"
             " 100.0 * x / nullif(x, 0) f, avg(x) filter (where x > 0) over () g"
             " from (select 1.5 as x)")
    con = duckdb.connect()
    duck_types = [t for (_, t, *_) in con.execute(f"describe {query}").fetchall()]
    spark_types = [t for _, t in spark.sql(to_spark(query)).dtypes]
    assert duck_types == ["BIGINT"] * 4 + ["DOUBLE"] * 3
    assert spark_types == ["bigint"] * 4 + ["double"] * 3
    assert to_spark("select cast(a / b as bigint) from t") == "SELECT CAST(a / b AS BIGINT) FROM t"


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


def test_a_cte_name_may_repeat_in_two_subqueries(spark):
    # staging.events unions every source's select, each with its own `typed` CTE: sqlglot would hoist
    # both to the top of the statement, where Spark refuses the duplicate name
    query = ("select sum(x) as s from ("
             "select * from (with typed as (select 1 as x) select x from typed) union all "
             "select * from (with typed as (select 2 as x) select x from typed))")
    assert "WITH typed AS (SELECT 1" in to_spark(query)
    duck, spark_row = both(spark, query)
    assert duck == spark_row == (3,)


def test_json_type_names_the_types_as_duckdb_does(spark):
    # schema_of_variant says OBJECT<...>, STRING, DECIMAL(2,1), BIGINT, VOID (text that is not JSON:
    # DuckDB raises an error, Spark gives NULL; our SQL asks json_valid first)
    query = ("""select json_type('{"a": 1}') a, json_type('[1]') b, json_type('"x"') c, json_type('7') d,"""
             """ json_type('-7') d2, json_type('1.5') e, json_type('true') f, json_type('null') g""")
    duck, spark_row = both(spark, query)
    assert duck == spark_row == (
        "OBJECT", "ARRAY", "VARCHAR", "UBIGINT", "BIGINT", "DOUBLE", "BOOLEAN", "NULL")


def test_json_merge_patch_of_nulls_drops_members_in_order(spark):
    query = ("""select json_merge_patch('{"z": 1, "value": "a@b", "a": [1, 2]}',"""
             """ '{"value": null, "x": null}') as j""")
    duck, spark_row = both(spark, query)
    assert [str(v) for v in duck] == list(spark_row) == ['{"z":1,"a":[1,2]}']
    with pytest.raises(ValueError, match="patch of nulls"):
        to_spark("""select json_merge_patch(j, '{"a": 1}')""")


def test_json_values_stay_json_and_keep_their_order(spark):
    # get_json_object gives a string member without its quotes; json() embeds a value as JSON (not as
    # a quoted text); a path built at run time reads a key with a space; json_object() is `{}`
    record = """'{"s": "x y", "o": {"z": 1, "a": 2}, "k e": 5}'"""
    query = (f"select json_extract({record}, '$.s') as a, json_extract({record}, '$.o') as b,"
             f" json_object('s', json(json_extract({record}, '$.s'))) as c,"
             f" json_extract_string({record}, '$.\"' || 'k e' || '\"') as d, json_object() as e")
    duck, spark_row = both(spark, query)
    assert [str(v) for v in duck] == list(spark_row) == ['"x y"', '{"z":1,"a":2}', '{"s":"x y"}', "5", "{}"]
    with pytest.raises(ValueError, match="wildcard"):
        to_spark("select json_extract(r, '$.results[*].id')")


def test_a_json_list_read_with_from_json(spark):
    # the portable form of `json_extract_string(r, '$.results[*].id')` (a list only in DuckDB)
    query = """select list_transform(from_json(json_extract('{"results": [{"id": 1}, {"id": "2"}]}',
               '$.results'), '[{"id": "VARCHAR"}]'), lambda c: c.id) as ids"""
    duck, spark_row = both(spark, query)
    assert duck == spark_row == (["1", "2"],)


def test_an_instant_as_text_has_duckdbs_zone_suffix(spark):
    # reject reasons print the parsed time: DuckDB's TIMESTAMPTZ text ends in +00 (session zone UTC),
    # trailing zeros of the fraction dropped; other types are cast as before
    query = ("select 'out of range: ' || cast(make_timestamptz(929448000123456) as varchar) as a,"
             " cast(make_timestamptz(4070944800120000) as varchar) as b, cast(1.5 as varchar) as c,"
             " cast(cast('2026-03-05' as date) as varchar) as d")
    duck, spark_row = both(spark, query)
    assert duck == spark_row == ("out of range: 1999-06-15 12:00:00.123456+00", "2099-01-01 10:00:00.12+00",
                                 "1.5", "2026-03-05")


def test_list_sum_adds_in_list_order_and_skips_nulls(spark):
    # core.journeys sums a journey's conversion values as a sorted list (the same total every run);
    # Spark has no list_sum: a left fold over the elements that are not NULL, NULL when there are none
    query = ("select list_sum(list_sort([0.3, 0.1, cast(null as double), 0.2])) as a,"
             " list_sum([cast(null as double)]) as b, list_sum([1e16, 1.0, 1.0]) as c")
    duck, spark_row = both(spark, query)
    assert duck == spark_row == (0.1 + 0.2 + 0.3, None, 1e16 + 1.0 + 1.0)


def test_taxonomy_regex_and_contains_agree(spark):
    # core.touchpoints' match operators: a regex is found anywhere, `(?i)` works in RE2 and Java
    query = ("select regexp_matches('/shop/p/42', '^/shop/(item|p)/[0-9]+$') a,"
             " regexp_matches('/shop/p/42x', '^/shop/(item|p)/[0-9]+$') b,"
             " regexp_matches('tiktok', '(?i)^Tik[Tt]ok$') c, regexp_matches('/en/pricing', 'pric') d,"
             " contains('/en/pricing-plans', 'pricing') e, contains('/en/Pricing', 'pricing') f")
    duck, spark_row = both(spark, query)
    assert duck == spark_row == (True, False, True, True, True, False)


def test_url_decoded_gives_duckdbs_values_and_never_raises(spark):
    """Spark's url_decode raises on a malformed `%` (DuckDB's on bytes that are not UTF-8): the
    fragment's guard keeps those raw on both engines (the values: test_utm_decoding.py)."""
    from journeyflow.sql_templates import expand_fragments
    from test_utm_decoding import CASES, QUERY, cases_table

    query = cases_table() + expand_fragments(QUERY)
    assert [tuple(row) for row in spark.sql(to_spark(query)).collect()] == [*CASES, (None, None)]


def test_a_table_without_rows_is_planned_away(spark, tmp_path):
    """A warehouse table without rows, and a table Spark built without rows, are empty relations to
    Spark's optimizer: a union drops them, and a subquery over one is an empty local relation, so
    the optimised plan reads two Parquet tables (raw.two twice) where it read five (the two empty
    ones, the empty built one and raw.two twice); the rows are the same."""
    from conftest import settings_for
    from journeyflow.engines.spark import SparkEngine

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA core")
    con.execute("CREATE TABLE raw.two AS SELECT * FROM (VALUES (1), (2)) AS t(n)")
    con.execute("CREATE TABLE raw.none (n INTEGER)")
    engine = SparkEngine(con, settings_for(tmp_path, tmp_path, engine="spark"))
    try:
        engine.create_table("core.none_built", "SELECT n FROM raw.two WHERE n > 2")
        frame = engine.sql("SELECT n FROM raw.two UNION ALL SELECT n FROM raw.none"
                           " UNION ALL SELECT n FROM core.none_built"
                           " UNION ALL SELECT n FROM raw.two WHERE n IN (SELECT n FROM raw.none)")
        assert sorted(row[0] for row in frame.collect()) == [1, 2]
        plan = frame._jdf.queryExecution().optimizedPlan().toString()
        assert plan.count("] parquet") == 2 and "LocalRelation <empty>" in plan
        assert con.execute("SELECT count(*) FROM core.none_built").fetchall() == [(0,)]
    finally:
        engine.close()
        con.close()
