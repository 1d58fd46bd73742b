"""Landing readers on their own: what lands in raw for each file kind."""

from __future__ import annotations

import json

import duckdb

from journeyflow.sources import Source
from journeyflow.sources.landing import land_source
from journeyflow.warehouse import connect

PARQUET = Source("raw.test_parquet", "web", ("*.parquet",), "parquet")


def test_parquet_rows_land_as_json_records_and_a_corrupt_file_is_one_reject(tmp_path):
    folder = tmp_path / "input" / "web"
    folder.mkdir(parents=True)
    scratch = duckdb.connect()
    scratch.execute(
        f"""
        COPY (
            SELECT i AS id, 'page_view' AS event_name,
                   [{{'key': 'ga_session_id', 'value': {{'int_value': 17 + i}}}}] AS event_params
            FROM range(3) AS t(i)
        ) TO '{folder / "a.parquet"}' (FORMAT parquet)
        """
    )
    (folder / "b.parquet").write_bytes(b"PAR1 this is not parquet")
    con = connect(tmp_path / "w.duckdb")

    result = land_source(con, tmp_path / "input", PARQUET, "load1")

    landed = con.execute(
        "SELECT _row_number, record, _encoding FROM raw.test_parquet ORDER BY _row_number"
    ).fetchall()
    assert [row[0] for row in landed] == [1, 2, 3]
    first = json.loads(landed[0][1])
    assert first == {"id": 0, "event_name": "page_view",
                     "event_params": [{"key": "ga_session_id", "value": {"int_value": 17}}]}
    assert landed[0][2] == "parquet"
    errors = con.execute(
        "SELECT source_file, reason FROM raw.ingest_errors WHERE raw_table = 'raw.test_parquet'"
    ).fetchall()
    assert len(errors) == 1 and errors[0][0].endswith("b.parquet")
    assert "could not be read" in errors[0][1]
    assert (result.files, result.rows, result.errors) == (2, 3, 1)
