"""Landing readers on their own: what lands in raw for each file kind."""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import settings_for
from journeyflow.connection import connect
from journeyflow.pipeline import STEPS_BY_NAME, open_run
from journeyflow.sources import SOURCES_BY_TABLE, Source, landing
from journeyflow.sources.landing import land_file, temp_dir_for
from journeyflow.sources.readers import land_source

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

    result = land_source(con, tmp_path / "input", PARQUET, "load1", temp_dir=tmp_path / "tmp")

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


GA4 = SOURCES_BY_TABLE["raw.ga4_events"]
LINE = '{"event_name": "page_view", "user_pseudo_id": "c1", "email": "a@example.com"}\n'


def test_plain_text_copies_are_owner_only_beside_the_working_file_and_never_left_behind(
    tmp_path, monkeypatch
):
    folder = tmp_path / "input" / "ga4"
    folder.mkdir(parents=True)
    (folder / "events_20260601.ndjson.gz").write_bytes(gzip.compress(LINE.encode()))
    settings = settings_for(tmp_path / "input", tmp_path)
    temp_dir = temp_dir_for(settings.work_file)
    assert temp_dir.parent == settings.work_file.parent
    # a run killed while it decompressed left a plain-text copy (emails included) behind
    stale = temp_dir / "copy-killed" / "events_20260531.ndjson"
    stale.parent.mkdir(parents=True)
    stale.write_text(LINE, encoding="utf-8")
    seen = []

    def spy(con, text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append((text.path, stale.exists(), *(oct(p.stat().st_mode & 0o777) for p in
                                                    (text.path, text.path.parent, temp_dir))))
        return land_file(con, text, *args, **kwargs)

    monkeypatch.setattr(landing, "land_file", spy)
    with open_run(settings) as ctx:
        STEPS_BY_NAME["raw.ga4_events"].run(ctx)
        assert ctx.con.execute("SELECT count(*) FROM raw.ga4_events").fetchall() == [(1,)]
    [(copy, stale_there, file_mode, folder_mode, temp_mode)] = seen
    assert copy.is_relative_to(temp_dir) and not stale_there
    assert (file_mode, folder_mode, temp_mode) == ("0o600", "0o700", "0o700")
    assert not temp_dir.exists()


def test_any_error_of_one_file_rejects_that_file_and_the_others_land(tmp_path, monkeypatch):
    folder = tmp_path / "input" / "surveys"
    folder.mkdir(parents=True)
    for name in ("nps_a.csv", "nps_b.csv.gz"):
        (folder / name).write_bytes(gzip.compress(b"response_id,score\r\nr1,9\r\n"))

    def fails_on_the_second(con, text, name, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if name.endswith("nps_b.csv.gz"):
            raise RuntimeError("a bug in a reader")
        return land_file(con, text, name, *args, **kwargs)

    monkeypatch.setattr(landing, "land_file", fails_on_the_second)
    con = connect(tmp_path / "w.duckdb")
    nps = SOURCES_BY_TABLE["raw.survey_nps"]
    result = land_source(con, tmp_path / "input", nps, "load1", temp_dir=tmp_path / "tmp")
    assert con.execute("SELECT _source_file FROM raw.survey_nps").fetchall() == [("surveys/nps_a.csv",)]
    assert con.execute("SELECT source_file, row_number, reason FROM raw.ingest_errors").fetchall() == [
        ("surveys/nps_b.csv.gz", None, "file could not be read: RuntimeError: a bug in a reader")]
    assert (result.files, result.rows, result.errors) == (2, 1, 1)


@pytest.mark.parametrize("error", [
    duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block"),
    OSError(errno.ENOSPC, "No space left on device"),
    duckdb.IOException("IO Error: Could not write file: No space left on device"),
    KeyboardInterrupt(),
], ids=["out_of_memory", "disk_full", "duckdb_disk_full", "interrupt"])
def test_running_out_of_memory_or_disk_or_an_interrupt_fails_the_run(error, tmp_path, monkeypatch):
    folder = tmp_path / "input" / "ga4"
    folder.mkdir(parents=True)
    (folder / "events_20260601.ndjson").write_text(LINE, encoding="utf-8")

    def machine_gives_up(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise error

    monkeypatch.setattr(landing, "land_file", machine_gives_up)
    con = connect(tmp_path / "w.duckdb")
    with pytest.raises(type(error)):
        land_source(con, tmp_path / "input", GA4, "load1", temp_dir=tmp_path / "tmp")
    assert con.execute("SELECT count(*) FROM raw.ingest_errors").fetchall() == [(0,)]
    assert not (tmp_path / "tmp").exists()


def test_parquet_with_text_that_is_not_utf8_is_rejected_whole(tmp_path):
    """A known limit: DuckDB refuses the whole Parquet file, so it is one file-level reject."""
    folder = tmp_path / "input" / "web"
    folder.mkdir(parents=True)
    names = pa.array([b"Anna", b"J\xfcrgen"], pa.binary()).cast(pa.string(), safe=False)
    pq.write_table(pa.table({"id": [1, 2], "name": names}), folder / "a.parquet")
    con = connect(tmp_path / "w.duckdb")
    result = land_source(con, tmp_path / "input", PARQUET, "load1", temp_dir=tmp_path / "tmp")
    [(reason,)] = con.execute("SELECT reason FROM raw.ingest_errors").fetchall()
    assert "Invalid string encoding" in reason and len(reason) <= 320
    assert (result.rows, result.errors) == (0, 1)


def test_ndjson_files_land_in_one_batch_whatever_their_names_say(tmp_path):
    """A `.gz` name on plain text made DuckDB's reader fail the batch (and then the run)."""
    folder = tmp_path / "input" / "ga4"
    folder.mkdir(parents=True)
    (folder / "events_20260601.ndjson").write_text(LINE, encoding="utf-8")
    (folder / "events_20260602.ndjson.gz").write_text(LINE + LINE, encoding="utf-8")
    (folder / "events_20260603.ndjson.gz").write_bytes(gzip.compress(LINE.encode()))
    con = connect(tmp_path / "w.duckdb")
    con.execute(f"CREATE TABLE raw.ga4_events ({landing.RAW_COLUMNS})")
    files = {path.name: path for path in sorted(folder.iterdir())}
    fresh = landing.fresh_temp_dir(tmp_path / "tmp")
    landed = landing.land_ndjson_batch(con, files, GA4, "load1", landing.LandingResult(), fresh)
    assert landed == set(files)
    counts = con.execute("SELECT _source_file, count(*) FROM raw.ga4_events GROUP BY 1 ORDER BY 1").fetchall()
    assert counts == [("events_20260601.ndjson", 1), ("events_20260602.ndjson.gz", 2),
                      ("events_20260603.ndjson.gz", 1)]


KILLED_LANDING = """
import sys, time
from pathlib import Path
from journeyflow.sources import SOURCES_BY_TABLE, landing, readers
from journeyflow.connection import connect
landing.land_file = lambda *args, **kwargs: time.sleep(120)  # stuck reading the plain-text copy
con = connect(Path(sys.argv[1]))
readers.land_source(con, Path(sys.argv[2]), SOURCES_BY_TABLE["raw.ga4_events"], "load1",
                    temp_dir=Path(sys.argv[3]))
"""


def test_a_copy_left_by_a_killed_landing_is_owner_only_and_gone_with_the_next(tmp_path):
    folder = tmp_path / "input" / "ga4"
    folder.mkdir(parents=True)
    (folder / "events_20260601.ndjson.gz").write_bytes(gzip.compress(LINE.encode()))
    temp_dir = tmp_path / "w.landing"
    env = {**os.environ, "PYTHONPATH": str(Path(landing.__file__).parents[2])}
    child = subprocess.Popen([sys.executable, "-c", KILLED_LANDING, str(tmp_path / "w.duckdb"),
                              str(tmp_path / "input"), str(temp_dir)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not list(temp_dir.glob("*/*")) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    [copy] = temp_dir.glob("*/*")
    assert "a@example.com" in copy.read_text(encoding="utf-8")
    modes = [oct(p.stat().st_mode & 0o777) for p in (copy, copy.parent, temp_dir)]
    assert modes == ["0o600", "0o700", "0o700"]
    con = connect(tmp_path / "w.duckdb")
    land_source(con, tmp_path / "input", GA4, "load2", temp_dir=temp_dir)
    assert not temp_dir.exists()
    assert con.execute("SELECT count(*) FROM raw.ga4_events").fetchall() == [(1,)]
