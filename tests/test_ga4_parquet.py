"""GA4 as Parquet (typed INT64, nested lists and structs) lands in raw.ga4_events next to NDJSON and
stages exactly like the same events as NDJSON (where INT64 columns are JSON strings)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from builders import T0, ga4_event, same_file, write_ga4
from conftest import REPO, rows, settings_for
from journeyflow.generate import generate
from journeyflow.generate.web import GA4_PARQUET_COLUMNS
from journeyflow.pipeline import STEPS_BY_NAME, open_run

SAMPLE_PARQUET = REPO / "data" / "sample_parquet"
LINEAGE = ("_source_file", "_row_number", "_load_id", "_row_hash", "_is_duplicate")


def to_parquet(ndjson: Path, target: Path) -> None:
    """The same rows with the BigQuery export's own types, as `EXPORT DATA` writes Parquet."""
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in GA4_PARQUET_COLUMNS.items()) + "}"
    target.parent.mkdir(parents=True, exist_ok=True)
    duckdb.sql(f"""
        COPY (SELECT * FROM read_json('{ndjson}', format = 'newline_delimited', columns = {columns}))
        TO '{target}' (FORMAT parquet)""")


def staged_ga4(input_dir: Path, out: Path) -> list[tuple]:
    """Land and stage only GA4 (two steps, not the whole pipeline); rows without lineage."""
    with open_run(settings_for(input_dir, out)) as ctx:
        STEPS_BY_NAME["raw.ga4_events"].run(ctx)
        STEPS_BY_NAME["staging.ga4_events"].run(ctx)
        exclude = ", ".join(LINEAGE)
        return ctx.con.execute(
            f"SELECT * EXCLUDE ({exclude}) FROM staging.ga4_events ORDER BY ALL").fetchall()


def test_same_events_as_ndjson_and_parquet_stage_identically(tmp_path):
    # four events: a plain page view, a campaign session start, a purchase with ecommerce and a
    # value param, and one whose ga_session_id int_value is a JSON number, not a string
    purchase = ga4_event(T0 + timedelta(minutes=5), "purchase", "c1", user_id="u1",
                         path="/checkout", value=129.5)
    purchase["ecommerce"] = {"purchase_revenue": 129.5, "transaction_id": "T1",
                             "total_item_quantity": "2"}
    numeric = ga4_event(T0 + timedelta(minutes=6), "page_view", "c1", user_id="u1")
    numeric["event_params"][1]["value"]["int_value"] = 17  # a number where bq writes "17"
    events = [ga4_event(T0, "page_view", "c1", path="/pricing?x=1"),
              ga4_event(T0 + timedelta(minutes=1), "session_start", "c1", medium="cpc"),
              purchase, numeric]
    ndjson = write_ga4(tmp_path / "a", events)
    to_parquet(ndjson, tmp_path / "b" / "ga4" / "events_000000000000.parquet")
    raw = pq.read_table(tmp_path / "b" / "ga4" / "events_000000000000.parquet")
    assert str(raw.schema.field("event_timestamp").type) == "int64"  # typed, not text

    from_ndjson = staged_ga4(tmp_path / "a", tmp_path / "out_a")
    from_parquet = staged_ga4(tmp_path / "b", tmp_path / "out_b")

    assert len(from_ndjson) == 4 and from_ndjson == from_parquet
    assert all(row[-1] is None for row in from_parquet)  # _reject_reason: all usable


def test_ndjson_and_parquet_files_in_one_folder_land_in_one_table(tmp_path):
    write_ga4(tmp_path / "in", [ga4_event(T0, "page_view", "c1")], "events_20260601.ndjson")
    write_ga4(tmp_path / "tmp", [ga4_event(T0 + timedelta(days=1), "page_view", "c2"),
                                 ga4_event(T0 + timedelta(days=1, minutes=1), "page_view", "c2")])
    to_parquet(tmp_path / "tmp" / "ga4" / "events_20260601.ndjson",
               tmp_path / "in" / "ga4" / "events_20260602.parquet")
    with open_run(settings_for(tmp_path / "in", tmp_path / "out")) as ctx:
        result = STEPS_BY_NAME["raw.ga4_events"].run(ctx)
        landed = ctx.con.execute("""
            SELECT regexp_extract(_source_file, '[^/]+$'), _row_number, _encoding
            FROM raw.ga4_events ORDER BY 1, 2""").fetchall()
    assert result == {"files": 2, "rows": 3, "unreadable_rows": 0}
    assert landed == [("events_20260601.ndjson", 1, "utf-8"),
                      ("events_20260602.parquet", 1, "parquet"),
                      ("events_20260602.parquet", 2, "parquet")]


@pytest.fixture(scope="module")
def ndjson_twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/sample_parquet's arguments, with GA4 as NDJSON day files."""
    out = tmp_path_factory.mktemp("twin")
    generate(out, persons=30, seed=7)
    return out


def test_shipped_parquet_sample_is_the_generators_output(tmp_path, ndjson_twin):
    generate(tmp_path, persons=30, seed=7, ga4_format="parquet")
    for path in sorted(SAMPLE_PARQUET.rglob("*")):
        if path.is_file():
            assert same_file(tmp_path / path.relative_to(SAMPLE_PARQUET), path), path
    assert [p.name for p in (SAMPLE_PARQUET / "ga4").iterdir()] == ["events_000000000000.parquet"]
    # every other file is the NDJSON run's (byte for byte, Parquet row for row): only GA4's format differs
    for path in sorted(ndjson_twin.rglob("*")):
        if path.is_file() and path.parent.name != "ga4" and path.name != ".journeyflow-generated":
            assert same_file(tmp_path / path.relative_to(ndjson_twin), path), path


def test_shipped_parquet_sample_stages_like_its_ndjson_twin(tmp_path, ndjson_twin):
    from_parquet = staged_ga4(SAMPLE_PARQUET, tmp_path / "p")
    from_ndjson = staged_ga4(ndjson_twin, tmp_path / "n")
    # NDJSON has two defect lines Parquet cannot hold (not JSON; event_timestamp "not-a-number");
    # everything else, the 1999 event and the duplicate line included, stages the same
    missing = [row[-1] for row in from_ndjson if row not in from_parquet]
    assert sorted(missing) == ["event_timestamp is not an integer: not-a-number",
                               "line is not valid JSON"]
    assert sorted(from_parquet, key=repr) == sorted(
        [row for row in from_ndjson if row[-1] not in missing], key=repr)
    rows = pq.ParquetFile(SAMPLE_PARQUET / "ga4" / "events_000000000000.parquet").metadata.num_rows
    assert len(from_parquet) == rows


def test_parquet_rows_keep_nested_fields_as_json(tmp_path):
    with open_run(settings_for(SAMPLE_PARQUET, tmp_path)) as ctx:
        STEPS_BY_NAME["raw.ga4_events"].run(ctx)
        record = json.loads(ctx.con.execute(
            "SELECT record FROM raw.ga4_events ORDER BY _row_number LIMIT 1").fetchall()[0][0])
        # the generator's shard has the export's types: every row also landed its fields typed
        typed = ctx.con.execute("SELECT bool_and(_typed), count(landed_event_params) = count(*) "
                                "FROM raw.ga4_events").fetchall()
    assert isinstance(record["event_timestamp"], int)
    assert isinstance(record["event_params"], list) and "web_info" in record["device"]
    assert typed == [(True, True)]


def test_cli_generate_writes_ga4_as_parquet(tmp_path):
    from typer.testing import CliRunner

    from journeyflow.cli import app

    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--persons", "5",
                                      "--seed", "3", "--ga4-format", "parquet"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "ga4").iterdir()] == ["events_000000000000.parquet"]
    rows = pq.ParquetFile(tmp_path / "ga4" / "events_000000000000.parquet").metadata.num_rows
    assert f"{rows:,}" in result.output  # the table reports the rows written
    bad = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--ga4-format", "csv"])
    assert bad.exit_code != 0


# --- typed landing: a Parquet row's fields land as they are, staging parses no JSON for it ---------

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
# an export from before `collected_traffic_source` (2023) and `ecommerce`, its device without
# operating_system: the fields it lacks land as NULL, as from_json reads the missing members
OLD_EXPORT_COLUMNS = {
    **{k: v for k, v in GA4_PARQUET_COLUMNS.items() if k not in ("collected_traffic_source", "ecommerce")},
    "device": "STRUCT(category VARCHAR)",
}
# event_timestamp written as text: not the export's type, so the file lands as records only
TEXT_TIMESTAMP_COLUMNS = {**GA4_PARQUET_COLUMNS, "event_timestamp": "VARCHAR"}


def parquet_copy(ndjson: Path, target: Path, columns: dict[str, str]) -> None:
    """The NDJSON file's rows as Parquet with the given column types (missing members as NULL)."""
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    target.parent.mkdir(parents=True, exist_ok=True)
    duckdb.sql(f"""
        COPY (SELECT * FROM read_json('{ndjson}', format = 'newline_delimited', columns = {spec}))
        TO '{target}' (FORMAT parquet)""")


def awkward_events() -> list[dict]:
    """GA4 rows (in bq extract's JSON: INT64 as strings) for every way a field can be odd; the
    verdicts and values the tests expect are in the comments, by row number."""
    def slot(**values: object) -> dict:
        return {"string_value": None, "int_value": None, "float_value": None, "double_value": None,
                **values}

    plain = ga4_event(T0, "page_view", "c1", path="/pricing?x=1")  # 1: usable, value NULL
    campaign = ga4_event(T0 + timedelta(minutes=1), "session_start", "c1", medium="cpc")  # 2: utm cpc
    purchase = ga4_event(T0 + timedelta(minutes=2), "purchase", "c1", user_id="u1", value=129.5)
    purchase["ecommerce"] = {"purchase_revenue": 129.5, "transaction_id": "T1"}  # 3: 129.5, T1
    as_int = ga4_event(T0 + timedelta(minutes=3), "purchase", "c2")
    as_int["event_params"].append({"key": "value", "value": slot(int_value="3")})  # 5: 3.0
    as_float = ga4_event(T0 + timedelta(minutes=4), "purchase", "c2")
    as_float["event_params"].append({"key": "value", "value": slot(float_value=2.5)})  # 6: 2.5
    as_text = ga4_event(T0 + timedelta(minutes=5), "purchase", "c2")
    as_text["event_params"].append({"key": "value", "value": slot(string_value="12")})  # 7: NULL
    no_params = ga4_event(T0 + timedelta(minutes=6), "page_view", "c3")
    no_params["event_params"] = None  # 8: usable, no page_location, no ga_session_id
    null_values = ga4_event(T0 + timedelta(minutes=7), "page_view", "c3")
    null_values["event_params"] = [{"key": "page_location", "value": None},  # 9: page NULL,
                                   {"key": "ga_session_id", "value": slot()},  # session NULL
                                   {"key": "page_referrer", "value": slot(string_value="https://x.org/")}]
    bare = ga4_event(T0 + timedelta(minutes=8), "page_view", "c3")
    bare.update(device=None, geo={"city": "Berlin"}, collected_traffic_source=None)  # 10: all NULL
    del bare["platform"]
    empty_user = ga4_event(T0 + timedelta(minutes=9), "page_view", "c4", user_id="")  # 11: user NULL
    no_name = ga4_event(T0 + timedelta(minutes=10), "page_view", "c4")
    no_name["event_name"] = None  # 12: missing event_name
    no_pseudo = ga4_event(T0 + timedelta(minutes=11), "page_view", "")  # 13: missing user_pseudo_id
    early = ga4_event(datetime(1999, 12, 31, tzinfo=UTC), "page_view", "c5")  # 14: out of range
    huge = ga4_event(T0, "page_view", "c5")
    huge["event_timestamp"] = "9223372036854775807"  # 15: out of range (no timestamp)
    big_value = ga4_event(T0 + timedelta(minutes=12), "purchase", "c5", value=1e16)  # 16: value > 10^15
    no_time = ga4_event(T0, "page_view", "c5")
    no_time["event_timestamp"] = None  # 17: missing event_timestamp
    # row 4 repeats row 3 exactly: usable, a duplicate of it
    return [plain, campaign, purchase, purchase, as_int, as_float, as_text, no_params, null_values,
            bare, empty_user, no_name, no_pseudo, early, huge, big_value, no_time]


def old_export_events() -> list[dict]:
    """Two rows of an export without collected_traffic_source and ecommerce, device.category only."""
    events = [ga4_event(T0 + timedelta(days=1), "page_view", "c6", medium="email"),
              ga4_event(T0 + timedelta(days=1, minutes=1), "page_view", "c6", value=4.0)]
    for event in events:
        del event["collected_traffic_source"], event["ecommerce"]
        event["device"] = {"category": "mobile"}
    return events


def ga4_inputs(folder: Path) -> tuple[Path, Path]:
    """The same rows as NDJSON (`ndjson/`) and as Parquet (`parquet/`): the export's types, an
    old export's fields, and event_timestamp as text."""
    ndjson, parquet = folder / "ndjson", folder / "parquet"
    days = {"events_20260601": (awkward_events(), GA4_PARQUET_COLUMNS),
            "events_20260602": (old_export_events(), OLD_EXPORT_COLUMNS),
            "events_20260603": ([ga4_event(T0 + timedelta(days=2), "page_view", "c7")],
                                TEXT_TIMESTAMP_COLUMNS)}
    for day, (events, columns) in days.items():
        lines = write_ga4(ndjson, events, f"{day}.ndjson")
        parquet_copy(lines, parquet / "ga4" / f"{day}.parquet", columns)
    return ndjson, parquet


def land_and_stage(input_dir: Path, out: Path) -> dict[str, list[tuple]]:
    """Land and stage GA4 only: staged rows (with lineage but the load id) and their column names,
    raw lineage and records, and each file's typed flags."""
    with open_run(settings_for(input_dir, out), as_of=AS_OF) as ctx:
        STEPS_BY_NAME["raw.ga4_events"].run(ctx)
        STEPS_BY_NAME["staging.ga4_events"].run(ctx)
        staged = ctx.con.execute("SELECT * EXCLUDE (_load_id) FROM staging.ga4_events ORDER BY ALL")
        return {
            "columns": [column[0] for column in staged.description],
            "staged": staged.fetchall(),
            "raw": rows(ctx.con, "SELECT _source_file, _row_number, _row_hash, record FROM raw.ga4_events "
                                 "ORDER BY ALL"),
            "typed": rows(ctx.con, "SELECT regexp_extract(_source_file, '[^/]+$'), bool_and(_typed), "
                                   "bool_or(_typed) FROM raw.ga4_events GROUP BY ALL ORDER BY ALL"),
        }


def without_lineage(staged: dict[str, list[tuple]]) -> list[tuple]:
    """Staged rows without _source_file and _row_hash (an NDJSON line's record is other text)."""
    keep = [i for i, name in enumerate(staged["columns"]) if name not in ("_source_file", "_row_hash")]
    return sorted((tuple(row[i] for i in keep) for row in staged["staged"]), key=repr)


def test_typed_landing_gives_the_rows_the_records_give(tmp_path, monkeypatch):
    """A GA4 Parquet row's fields landed as they are (typed) stage to the rows its JSON record gives
    (the record path, typed landing off) and the same rows as NDJSON give (BigQuery's JSON export),
    with the same verdicts, duplicates and raw records: for missing nested fields, null and empty
    event_params values, int/float/double/string `value` params, a repeated row, an old export
    lacking fields, and a file whose event_timestamp is text (not typed: records only)."""
    from journeyflow.sources import landing

    ndjson, parquet = ga4_inputs(tmp_path / "in")
    typed = land_and_stage(parquet, tmp_path / "typed")
    from_ndjson = land_and_stage(ndjson, tmp_path / "ndjson")
    monkeypatch.setattr(landing, "nested_values", lambda *args: None)  # every file as records
    records = land_and_stage(parquet, tmp_path / "records")

    assert typed["typed"] == [("events_20260601.parquet", True, True),
                              ("events_20260602.parquet", True, True),
                              ("events_20260603.parquet", False, False)]
    assert not any(some for _, _, some in records["typed"])
    assert typed["raw"] == records["raw"]  # same records, same _row_hash (so the same event ids)
    assert typed["staged"] == records["staged"]
    assert without_lineage(typed) == without_lineage(from_ndjson)

    names = typed["columns"]  # the hand-worked values, by file and row
    staged = [dict(zip(names, row, strict=True)) for row in typed["staged"]]
    day1 = {r["_row_number"]: r for r in staged if r["_source_file"].endswith("events_20260601.parquet")}
    assert {n: r["value"] for n, r in day1.items() if r["value"] is not None} == {
        3: 129.5, 4: 129.5, 5: 3.0, 6: 2.5, 16: 1e16}
    assert (day1[1]["page_location"], day1[1]["ga_session_id"]) == ("https://shop.example.com/pricing?x=1", 1)
    assert (day1[2]["utm_medium"], day1[3]["transaction_id"], day1[3]["user_id"]) == ("cpc", "T1", "u1")
    assert [(day1[n]["page_location"], day1[n]["ga_session_id"]) for n in (8, 9)] == [(None, None)] * 2
    assert day1[9]["page_referrer"] == "https://x.org/"
    assert json.loads(day1[10]["properties"]) == {"device_category": None, "operating_system": None,
                                                  "country": None, "platform": None}
    assert day1[11]["user_id"] is None and day1[11]["_reject_reason"] is None
    assert [n for n, r in day1.items() if r["_is_duplicate"]] == [4]  # the repeated row
    assert {n: r["_reject_reason"] for n, r in day1.items() if r["_reject_reason"]} == {
        12: "missing event_name", 13: "missing user_pseudo_id",
        14: "event_timestamp out of range: 1999-12-31 00:00:00+00",
        15: "event_timestamp out of range: 9223372036854775807",
        16: "value out of range (beyond ±10^15): 1e+16", 17: "missing event_timestamp"}
    old = {r["_row_number"]: r for r in staged if r["_source_file"].endswith("events_20260602.parquet")}
    assert old[1]["utm_medium"] is None and old[2]["value"] == 4.0  # no collected_traffic_source
    assert json.loads(old[1]["properties"]) == {"device_category": "mobile", "operating_system": None,
                                                "country": "Germany", "platform": "WEB"}


def test_a_raw_table_from_before_typed_landing_keeps_its_rows_as_records(tmp_path):
    """An incremental run over raw.ga4_events as an earlier release wrote it (lineage and record
    only) gives the table its typed columns: the rows landed then stay records (`_typed` false,
    parsed in staging), a new Parquet file lands typed, and staging gives a full build's rows."""
    from journeyflow.sources.landing import RAW_INSERT

    folder = tmp_path / "in"
    first = write_ga4(tmp_path / "tmp", [ga4_event(T0, "page_view", "c1"),
                                         ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", value=9.5)])
    parquet_copy(first, folder / "ga4" / "events_20260601.parquet", GA4_PARQUET_COLUMNS)
    write_ga4(folder, [ga4_event(T0 + timedelta(hours=1), "page_view", "c2")], "events_20260601.ndjson")
    settings = settings_for(folder, tmp_path / "out")
    with open_run(settings, load_id="load1", incremental=True, as_of=AS_OF) as ctx:
        STEPS_BY_NAME["raw.ga4_events"].run(ctx)
        STEPS_BY_NAME["staging.ga4_events"].run(ctx)
        # the lineage and the record only, as every raw table was
        old_columns = RAW_INSERT[1:-1]
        ctx.con.execute(f"CREATE OR REPLACE TABLE raw.ga4_events AS SELECT {old_columns} FROM raw.ga4_events")
    later = write_ga4(tmp_path / "tmp2", [ga4_event(T0 + timedelta(days=1), "page_view", "c3")])
    parquet_copy(later, folder / "ga4" / "events_20260602.parquet", GA4_PARQUET_COLUMNS)
    with open_run(settings, load_id="load2", incremental=True, as_of=AS_OF) as ctx:
        STEPS_BY_NAME["raw.ga4_events"].run(ctx)
        STEPS_BY_NAME["staging.ga4_events"].run(ctx)
        landed = rows(ctx.con, "SELECT regexp_extract(_source_file, '[^/]+$'), _row_number, _load_id, "
                               "_typed, landed_event_name FROM raw.ga4_events ORDER BY ALL")
        nightly = rows(ctx.con, "SELECT * EXCLUDE (_load_id) FROM staging.ga4_events ORDER BY ALL")
    assert landed == [("events_20260601.ndjson", 1, "load1", False, None),
                      ("events_20260601.parquet", 1, "load1", False, None),
                      ("events_20260601.parquet", 2, "load1", False, None),
                      ("events_20260602.parquet", 1, "load2", True, "page_view")]
    full = land_and_stage(folder, tmp_path / "full")
    assert len(nightly) == 4 and nightly == full["staged"]
    assert full["typed"] == [("events_20260601.ndjson", False, False),
                             ("events_20260601.parquet", True, True),
                             ("events_20260602.parquet", True, True)]


def test_the_landed_types_are_what_staging_parses_a_record_into():
    """GA4_LANDED_COLUMNS' types are the real export's (INT64 → BIGINT, FLOAT64 → DOUBLE) and the
    members of sql/staging/ga4_events.sql's from_json structure, but event_timestamp, which staging
    parses from text (an NDJSON export holds it as a string) and a Parquet file holds as INT64."""
    import re

    from journeyflow.sources import GA4_LANDED_COLUMNS

    sql = (REPO / "sql" / "staging" / "ga4_events.sql").read_text(encoding="utf-8")
    structure = json.loads(re.search(r"from_json\(record, '(\{.*?\})'\)", sql, re.S).group(1))

    def duckdb_type(shape: object) -> str:
        if isinstance(shape, dict):
            return "STRUCT(" + ", ".join(f'"{k}" {duckdb_type(v)}' for k, v in shape.items()) + ")"
        if isinstance(shape, list):
            return duckdb_type(shape[0]) + "[]"
        return str(shape)

    def parsed_type(path: tuple[str, ...]) -> str:
        shape: object = structure
        for key in path:
            shape = shape[key]  # type: ignore[index]
        return duckdb_type(shape)

    with duckdb.connect() as con:
        def same(a: str, b: str) -> bool:
            query = f"SELECT typeof(CAST(NULL AS {a})) = typeof(CAST(NULL AS {b}))"
            return con.execute(query).fetchall()[0][0]

        for column in GA4_LANDED_COLUMNS:
            export_type = column.type if column.keys != ("event_timestamp",) else "VARCHAR"
            assert same(parsed_type(column.keys), export_type), column
            top = GA4_PARQUET_COLUMNS[column.keys[0]]  # the generator writes the export's types
            if len(column.keys) == 1:
                assert same(top, column.type), column
    assert {column.keys for column in GA4_LANDED_COLUMNS} >= {
        ("event_params",), ("device", "category"), ("geo", "country"), ("ecommerce", "purchase_revenue")}
