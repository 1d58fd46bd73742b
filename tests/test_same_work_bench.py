"""The same-work benchmark (benchmarks/same_work.py, issue #24): its three edge counts agree with a
hand-counted log, and its generated log is what the benchmark says (no future dates, 25 names)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from benchmarks import same_work

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# (person, minutes after T0, event)
LOG = [
    ("p1", 0, "a"), ("p1", 10, "b"),
    ("p1", 50, "a"),  # 40 min after b > 30: a new session
    ("p1", 60, "a"),
    ("p1", 90, "c"),  # exactly 30 min after a: not more than the gap, the same session
    ("p2", 0, "b"), ("p2", 5, "a"),
]
# sessions: p1 [a, b], p1 [a, a, c], p2 [b, a] → edges a→b, a→a, a→c, b→a, once each
EXPECTED = {("a", "b", 1), ("a", "a", 1), ("a", "c", 1), ("b", "a", 1)}


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "log.parquet"
    con = duckdb.connect()
    con.execute("create table log (person_id varchar, occurred_at timestamptz, event_name varchar)")
    con.executemany("insert into log values (?, ?, ?)",
                    [(p, T0 + timedelta(minutes=m), e) for p, m, e in LOG])
    con.execute("copy log to ? (format parquet)", [str(path)])
    con.close()
    return path


@pytest.mark.parametrize("script", [same_work.DUCKDB_SCRIPT, same_work.POLARS_SCRIPT],
                         ids=["duckdb", "polars"])
def test_bare_engines_count_session_edges(tmp_path, log_file, script):
    out = tmp_path / "edges.parquet"
    subprocess.run([sys.executable, "-c", script, str(log_file), str(out), "1800"], check=True, timeout=120)
    con = duckdb.connect()
    assert same_work.edges(con, "select * from read_parquet(?)", [str(out)]) == EXPECTED


def test_journeyflow_edges_follow_its_sessions():
    con = duckdb.connect()
    # core.touchpoints as journeyflow would number the log above (sessions by the same 30-minute rule)
    con.execute("create schema core")
    con.execute("create table core.touchpoints "
                "(session_id varchar, touchpoint_number int, touchpoint varchar)")
    con.executemany("insert into core.touchpoints values (?, ?, ?)", [
        ("p1:s00001", 1, "a"), ("p1:s00001", 2, "b"),
        ("p1:s00002", 3, "a"), ("p1:s00002", 4, "a"), ("p1:s00002", 5, "c"),
        ("p2:s00001", 1, "b"), ("p2:s00001", 2, "a"),
    ])
    assert same_work.edges(con, same_work.JOURNEYFLOW_EDGES_SQL) == EXPECTED


def test_the_generated_log(tmp_path, monkeypatch):
    monkeypatch.setattr(same_work, "DATA", tmp_path)
    log = same_work.generate_log(5000)
    con = duckdb.connect()
    rows, names, people, duplicates, latest = con.execute(
        "select count(*), count(distinct event_name), count(distinct person_id),"
        " count(*) - count(distinct (person_id, occurred_at)), max(occurred_at) from read_parquet(?)",
        [str(log)]).fetchall()[0]
    assert 4000 < rows < 6000  # 1000 visits of 1-9 events, 5 on average
    assert names == same_work.EVENT_NAMES
    assert people == 5000 // 20
    assert duplicates == 0
    assert latest < same_work.HISTORY_START + timedelta(days=same_work.HISTORY_DAYS + 1)
    assert latest < datetime.now(UTC)
    assert "name: plain_log" in (log.parent / "source.yaml").read_text()


def test_a_child_is_measured_on_its_own(tmp_path):
    # each child's own peak: 200 MB and more for the one that allocates it, little for the other
    grow = "x = bytearray(200 * 2**20); x[::4096] = b'1' * len(x[::4096])"
    measured = same_work.run_measured([sys.executable, "-c", grow], tmp_path, tmp_path / "grow.log")
    small = same_work.run_measured([sys.executable, "-c", "pass"], tmp_path, tmp_path / "small.log")
    assert measured.peak_rss_mb >= 200
    assert small.peak_rss_mb < 150  # not this test process's peak
