"""Publishing: readers of the published warehouse never block a run nor see half of one."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import duckdb
import pytest

from builders import T0, ga4_event, write_ga4
from conftest import settings_for
from journeyflow import bi, pipeline
from journeyflow.pipeline import run_pipeline

RUN_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from journeyflow.config import Settings
    from journeyflow.pipeline import run_pipeline

    input_dir, warehouse, marker = map(Path, sys.argv[1:4])

    def on_step(step, metadata):
        if step.name == "core.touchpoints":
            marker.write_text("reached")
            time.sleep(60)  # killed here

    run_pipeline(Settings(input_dir=input_dir, warehouse=warehouse), on_step=on_step)
    """
)


def web_day(folder, day: int):
    write_ga4(folder, [
        ga4_event(T0 + timedelta(days=day), "page_view", f"c{day}", path="/blog/a"),
        ga4_event(T0 + timedelta(days=day, minutes=1), "page_view", f"c{day}", path="/pricing"),
    ], name=f"events_2026060{day + 1}.ndjson")


def count_events(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM staging.events").fetchall()[0][0]
    finally:
        con.close()


def test_reader_in_another_process_does_not_block_a_run(tmp_path):
    web_day(tmp_path / "input", 0)
    settings = settings_for(tmp_path / "input", tmp_path)
    run_pipeline(settings)
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(settings.warehouse)!r}, read_only=True)
            print(con.execute("SELECT count(*) FROM staging.events").fetchall()[0][0], flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "2"  # the reader holds the file open
        web_day(tmp_path / "input", 1)
        run_pipeline(settings)  # does not wait for the reader
        assert count_events(settings.warehouse) == 4
    finally:
        reader.kill()
        reader.wait()


def test_run_killed_midway_leaves_published_warehouse_unchanged(tmp_path):
    web_day(tmp_path / "input", 0)
    settings = settings_for(tmp_path / "input", tmp_path)
    run_pipeline(settings)
    published = settings.warehouse.read_bytes()
    web_day(tmp_path / "input", 1)
    marker = tmp_path / "marker"
    script = tmp_path / "run.py"
    script.write_text(RUN_SCRIPT, encoding="utf-8")
    run = subprocess.Popen(
        [sys.executable, str(script), str(settings.input_dir), str(settings.warehouse), str(marker)]
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the run never reached core.touchpoints"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert settings.warehouse.read_bytes() == published
    assert count_events(settings.warehouse) == 2  # readable, and still the old state
    run_pipeline(settings)  # the next run recovers the working file and succeeds
    assert count_events(settings.warehouse) == 4


def test_failed_publish_keeps_the_old_warehouse_and_parquet_snapshot(tmp_path, monkeypatch):
    web_day(tmp_path / "input", 0)
    settings = settings_for(tmp_path / "input", tmp_path)
    run_pipeline(settings)
    snapshot = settings.warehouse.parent / "parquet"
    before = {path.name: path.read_bytes() for path in snapshot.glob("*.parquet")}
    assert "journeys.parquet" in before

    def broken_publish(work_file, published, while_copying=None):
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "publish", broken_publish)
    web_day(tmp_path / "input", 1)
    with pytest.raises(OSError, match="disk full"):
        run_pipeline(settings)
    # the new day's Parquet files were written, but never replaced yesterday's
    assert {path.name: path.read_bytes() for path in snapshot.glob("*.parquet")} == before
    assert not snapshot.with_name("parquet.tmp").exists()
    assert count_events(settings.warehouse) == 2


def test_a_snapshot_that_fails_during_the_copy_publishes_nothing(tmp_path, monkeypatch):
    # The Parquet snapshot is written while the working file is copied: when it fails, the copy is
    # waited for and thrown away, and the warehouse and snapshot stay as the last run left them.
    web_day(tmp_path / "input", 0)
    settings = settings_for(tmp_path / "input", tmp_path)
    run_pipeline(settings)
    published = settings.warehouse.read_bytes()
    snapshot = settings.warehouse.parent / "parquet"
    before = {path.name: path.read_bytes() for path in snapshot.glob("*.parquet")}

    monkeypatch.setattr(bi, "built_views", lambda con: ["journeys", "no_such_view"])
    web_day(tmp_path / "input", 1)
    with pytest.raises(duckdb.CatalogException, match="no_such_view"):
        run_pipeline(settings)
    assert settings.warehouse.read_bytes() == published
    assert not settings.warehouse.with_name(settings.warehouse.name + ".tmp").exists()
    assert {path.name: path.read_bytes() for path in snapshot.glob("*.parquet")} == before
    assert count_events(settings.warehouse) == 2
