"""GA4 as Parquet (typed INT64, nested lists and structs) lands in raw.ga4_events next to NDJSON and
stages exactly like the same events as NDJSON (where INT64 columns are JSON strings)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from builders import T0, ga4_event, same_file, write_ga4
from conftest import REPO, settings_for
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
    assert isinstance(record["event_timestamp"], int)
    assert isinstance(record["event_params"], list) and "web_info" in record["device"]


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
