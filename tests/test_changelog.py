"""The change log: a consumer applies the producer's changed keys only when it is one update behind."""

from __future__ import annotations

import duckdb

from journeyflow import changelog


def _keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(row[0] for row in con.execute("SELECT key FROM pending_keys").fetchall())


def test_a_consumer_one_update_behind_gets_that_updates_keys():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA quality")
    changelog.record(con, "p", None)  # generation 1: a full rebuild
    changelog.mark_seen(con, "c", "p")  # c built from it
    changelog.record(con, "p", "SELECT * FROM (VALUES ('a'), ('b'), ('a'), (NULL))")  # generation 2
    assert changelog.pending(con, "c", "p", into="pending_keys")
    assert _keys(con) == ["a", "b"]  # distinct, no null
    changelog.mark_seen(con, "c", "p")
    assert changelog.pending(con, "c", "p", into="pending_keys")  # up to date: nothing to apply
    assert _keys(con) == []


def test_a_consumer_further_behind_or_after_a_full_rebuild_rebuilds():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA quality")
    assert not changelog.pending(con, "c", "p", into="pending_keys")  # no log yet
    changelog.record(con, "p", None)
    changelog.mark_seen(con, "c", "p")
    changelog.record(con, "p", "SELECT 'a'")  # generation 2: c misses it (its run failed)
    changelog.record(con, "p", "SELECT 'b'")  # generation 3 keeps only 'b'
    assert not changelog.pending(con, "c", "p", into="pending_keys")  # two behind: 'a' is lost
    changelog.mark_seen(con, "c", "p")
    changelog.record(con, "p", None)  # a full rebuild of the producer
    assert not changelog.pending(con, "c", "p", into="pending_keys")
    assert not changelog.pending(con, "never-built", "p", into="pending_keys")
