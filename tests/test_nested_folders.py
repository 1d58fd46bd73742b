"""Exports in nested folders, as the cloud loaders write them: Segment's S3 destination
(`segment-logs/<source-id>/<received day as epoch ms>/<file>.gz`), Snowplow's archive
(`run=YYYY-MM-DD-hh-mm-ss/part-00000.gz`) and a GA4 BigQuery export to GCS
(`events_YYYYMMDD/000000000000.json.gz`). Every file is found, dated by its day folder, and counted
as a file of its own even when another day folder holds a file of the same name."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from builders import (
    T0,
    ga4_event,
    segment_call,
    snowplow_fields,
    snowplow_tsv_line,
    write_gzip_lines,
    write_lines,
)
from conftest import rows, settings_for
from journeyflow.pipeline import run_pipeline
from journeyflow.scope import LoadScope, file_day
from journeyflow.sources import SOURCES_BY_TABLE, file_label
from journeyflow.sources.readers import find_files
from test_incremental import assert_equals_full_rebuild

DAY = timedelta(days=1)
# 2026-06-01T00:00:00Z in epoch milliseconds: 20,605 days * 86,400,000 ms
D1_MS = 20_605 * 86_400_000
SEGMENT_LOGS = Path("segment") / "segment-logs" / "Hd8Lm2sQpX"
SEGMENT_FILE = "4f2a9c1e.gz"  # the same file name in every day folder
ANON = "a1b2c3d4-0000-4000-8000-000000000001"


def day_ms(n: int) -> str:
    """The Segment day folder of 2026-06-01 + n days."""
    return str(D1_MS + n * 86_400_000)


def load_summary(con, raw_table: str) -> dict[str, tuple[int, int, int, int]]:
    """(read, loaded, rejected, duplicate) per file, keyed by its path inside the source folder."""
    return {
        file_label(r[0], raw_table): tuple(r[1:])
        for r in rows(con, f"""
            SELECT source_file, rows_read, rows_loaded, rows_rejected, rows_duplicate
            FROM quality.load_summary WHERE raw_table = '{raw_table}'""")
    }


# ---- which day a file belongs to -----------------------------------------------------------------
@pytest.mark.parametrize(("relative", "day"), [
    # Segment: the received day's UTC midnight in epoch ms
    ("segment-logs/src/1780272000000/1780301234567.4f2a9c1e.gz", date(2026, 6, 1)),
    # 13 digits that are not a midnight are a timestamp, not a day folder
    ("segment-logs/src/1780272000001/x.gz", None),
    # Snowplow archive run folders, S3 loader date partitions, Hive style
    ("enriched/run=2026-06-02-03-04-05/part-00000.gz", date(2026, 6, 2)),
    ("enriched/2026/06/03/14/enriched-1.gz", date(2026, 6, 3)),  # YYYY/MM/DD/HH: the DD folder
    ("date=2026-06-04/part-00000.gz", date(2026, 6, 4)),
    ("dt=2026-06-05/part-00000.gz", date(2026, 6, 5)),
    # GA4 export to GCS: one folder per daily table
    ("events_20260606/000000000000.json.gz", date(2026, 6, 6)),
    # the nearest folder wins, the file's own name before any folder
    ("events_20260601/events_20260607/000000000000.json.gz", date(2026, 6, 7)),
    ("events_20260601/events_20260608.ndjson", date(2026, 6, 8)),
    # a month folder alone, an impossible date: no day (always in scope)
    ("2026/06/part-00000.gz", None),
    ("run=2026-13-45-00-00-00/part-00000.gz", None),
])
def test_file_day_from_day_folders(relative: str, day: date | None) -> None:
    root = Path("/in/source")
    assert file_day(root / relative, root) == day
    assert file_day(str(root / relative), str(root)) == day  # lineage columns hold text


def test_file_day_counts_only_folders_inside_the_source_folder() -> None:
    # the input folder itself may be named after a day: that says nothing about the files
    root = Path("/exports/20260601/ga4")
    assert file_day(root / "000000000000.json.gz", root) is None
    assert file_day(root / "events_20260602" / "0.json.gz", root) == date(2026, 6, 2)
    # without the source folder (or outside it) only the name counts, as before
    assert file_day(root / "events_20260602" / "0.json.gz") is None
    assert file_day("/elsewhere/events_20260602/0.json.gz", root) is None
    assert file_day("ga4/events_20260605.ndjson.gz") == date(2026, 6, 5)


def test_load_scope_uses_day_folders() -> None:
    root = Path("/in/segment")
    scope = LoadScope(first_day=date(2026, 6, 2), last_day=date(2026, 6, 2))
    assert [scope.includes(root / "logs" / day_ms(n) / "a.gz", True, root) for n in range(3)] == [
        False, True, False]


# ---- finding files ------------------------------------------------------------------------------
def test_find_files_walks_nested_folders(tmp_path: Path) -> None:
    segment = tmp_path / "segment"
    for n in (1, 0):
        write_gzip_lines(tmp_path / SEGMENT_LOGS / day_ms(n) / SEGMENT_FILE, ["{}"])
    write_lines(segment / "webhook.ndjson", ["{}"])
    # hidden files and folders are not exports (Finder, a sync tool's staging folder)
    write_lines(segment / ".DS_Store.json", ["{}"])
    write_gzip_lines(segment / ".sync" / "partial.gz", ["{}"])
    # nor are folders Hadoop and Spark writers hide with `_` (files still being written)
    write_gzip_lines(segment / "_temporary" / "0" / "part-00000.gz", ["{}"])
    # a symlinked folder is read through its link, a loop back up only once
    elsewhere = tmp_path / "archive" / day_ms(2)
    write_gzip_lines(elsewhere / SEGMENT_FILE, ["{}"])
    os.symlink(elsewhere.parent, segment / "archive")
    os.symlink(segment, segment / "archive" / "loop")

    found = find_files(tmp_path, SOURCES_BY_TABLE["raw.segment_events"])
    # sorted by the path inside the folder: the days in order, the flat file after `segment-logs`
    assert [p.relative_to(segment).as_posix() for p in found] == [
        f"archive/{day_ms(2)}/{SEGMENT_FILE}",
        f"segment-logs/Hd8Lm2sQpX/{day_ms(0)}/{SEGMENT_FILE}",
        f"segment-logs/Hd8Lm2sQpX/{day_ms(1)}/{SEGMENT_FILE}",
        "webhook.ndjson",
    ]


# ---- Segment: the same file name in two day folders ---------------------------------------------
def segment_day(folder: Path, n: int, calls: list[dict]) -> Path:
    return write_gzip_lines(folder / SEGMENT_LOGS / day_ms(n) / SEGMENT_FILE,
                            [json.dumps(c) for c in calls])


def test_segment_files_of_the_same_name_in_two_day_folders_both_load(build, tmp_path):
    folder = tmp_path / "input"
    viewed = segment_call(T0 + timedelta(minutes=2), "m2", event="Product Viewed", anonymous_id=ANON)
    segment_day(folder, 0, [
        segment_call(T0, "m1", event="Product Viewed", anonymous_id=ANON),
        viewed,
        segment_call(T0 + timedelta(minutes=5), "m3", event="Product Added", anonymous_id=ANON),
    ])
    segment_day(folder, 1, [
        segment_call(T0 + DAY, "m4", event="Order Completed", anonymous_id=ANON,
                     properties={"order_id": "A-1", "revenue": 49.0, "currency": "EUR"}),
        viewed,  # m2 delivered again the next day
    ])
    con = build()
    # day 1: 3 lines, all loaded; day 2: 2 lines = m4 loaded + m2 a duplicate of day 1's (the
    # earlier file, by path, keeps it)
    assert load_summary(con, "raw.segment_events") == {
        f"segment-logs/Hd8Lm2sQpX/{day_ms(0)}/{SEGMENT_FILE}": (3, 3, 0, 0),
        f"segment-logs/Hd8Lm2sQpX/{day_ms(1)}/{SEGMENT_FILE}": (2, 1, 0, 1),
    }
    assert rows(con, """SELECT source_record_id FROM staging.events WHERE source = 'segment'
                        ORDER BY occurred_at""") == [("m1",), ("m2",), ("m3",), ("A-1",)]


# ---- Snowplow: archive run folders --------------------------------------------------------------
def test_snowplow_run_folders(build, tmp_path):
    archive = tmp_path / "input" / "snowplow" / "enriched" / "archive"
    e1 = snowplow_tsv_line(snowplow_fields(T0, "e1"))
    write_gzip_lines(archive / "run=2026-06-01-00-00-00" / "part-00000.gz", [
        e1, snowplow_tsv_line(snowplow_fields(T0 + timedelta(seconds=10), "e2", "page_ping")),
    ])
    write_gzip_lines(archive / "run=2026-06-02-00-00-00" / "part-00000.gz", [
        snowplow_tsv_line(snowplow_fields(T0 + DAY, "e3", path="/hc/articles/returns")), e1,
    ])
    # what Spark/Hadoop leave next to the parts: not exports
    write_lines(archive / "run=2026-06-02-00-00-00" / "_SUCCESS", [])
    write_lines(archive / "run=2026-06-02-00-00-00" / ".part-00000.gz.crc", ["crc"])
    con = build()
    # run 1: e1 and its ping loaded; run 2: e3 loaded, e1 again a duplicate
    assert load_summary(con, "raw.snowplow_events") == {
        "enriched/archive/run=2026-06-01-00-00-00/part-00000.gz": (2, 2, 0, 0),
        "enriched/archive/run=2026-06-02-00-00-00/part-00000.gz": (2, 1, 0, 1),
    }
    # the ping makes no event
    assert rows(con, """SELECT source_record_id, page_path FROM staging.events
                        WHERE source = 'snowplow' ORDER BY occurred_at""") == [
        ("e1", "/hc/articles/delivery-times"), ("e3", "/hc/articles/returns")]


# ---- GA4: one folder per daily table, BigQuery's numbered shards --------------------------------
def ga4_shard(folder: Path, day: date, shard: int, events: list[dict]) -> Path:
    return write_gzip_lines(
        folder / "ga4" / f"events_{day:%Y%m%d}" / f"{shard:012d}.json.gz",
        [json.dumps(e) for e in events],
    )


def test_ga4_export_folders(build, tmp_path):
    folder = tmp_path / "input"
    ga4_shard(folder, date(2026, 6, 1), 0, [ga4_event(T0, "page_view", "c1", path="/blog/a"),
                                            ga4_event(T0, "page_view", "c2", path="/blog/b")])
    ga4_shard(folder, date(2026, 6, 1), 1, [ga4_event(T0 + timedelta(hours=1), "page_view", "c1",
                                                      path="/pricing")])
    ga4_shard(folder, date(2026, 6, 2), 0, [ga4_event(T0 + DAY, "purchase", "c1", value=50.0)])
    con = build()
    assert load_summary(con, "raw.ga4_events") == {
        "events_20260601/000000000000.json.gz": (2, 2, 0, 0),
        "events_20260601/000000000001.json.gz": (1, 1, 0, 0),
        "events_20260602/000000000000.json.gz": (1, 1, 0, 0),
    }
    assert rows(con, "SELECT count(*) FROM staging.events WHERE source = 'ga4'") == [(4,)]


# ---- incremental runs by day --------------------------------------------------------------------
def test_day_scope_of_incremental_runs_picks_nested_files(tmp_path):
    folder = tmp_path / "input"
    days = [date(2026, 6, 1) + n * DAY for n in range(3)]
    for n, day in enumerate(days):
        at = T0 + n * DAY
        segment_day(folder, n, [segment_call(at, f"m{n}", event="Product Viewed", anonymous_id=ANON)])
        ga4_shard(folder, day, 0, [ga4_event(at, "page_view", f"c{n}", path="/blog/a")])
    nightly = settings_for(folder, tmp_path / "nightly", late_data_lookback_days=1)

    def run(day: date) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """(files read, unchanged, removed) of Segment and GA4 in the nightly run of `day`."""
        results = run_pipeline(nightly, incremental=True, scope=nightly.day_scope(day))
        return tuple(  # type: ignore[return-value]
            tuple(results[t][k] for k in ("files", "files_unchanged", "files_removed"))
            for t in ("raw.segment_events", "raw.ga4_events")
        )

    # each night reads its own day's folder only: later days are not seen, the day before (the
    # lookback) is in scope but unchanged
    assert run(days[0]) == ((1, 0, 0), (1, 0, 0))
    assert run(days[1]) == ((1, 1, 0), (1, 1, 0))
    assert run(days[2]) == ((1, 1, 0), (1, 1, 0))
    # a rerun reads nothing
    assert run(days[2]) == ((0, 2, 0), (0, 2, 0))
    # Segment rewrites day 2's file (same name as every day's): the next night reads that file
    # alone, since the lookback reaches it; a shard of day 2 that disappeared is removed
    segment_day(folder, 1, [segment_call(T0 + DAY, "m1", event="Product Viewed", anonymous_id=ANON),
                            segment_call(T0 + DAY, "m9", event="Product Added", anonymous_id=ANON)])
    (folder / "ga4" / "events_20260602" / "000000000000.json.gz").unlink()
    assert run(days[2]) == ((1, 1, 0), (0, 1, 1))
    assert_equals_full_rebuild(nightly, folder, tmp_path, late_data_lookback_days=1)
