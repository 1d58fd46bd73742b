"""Which keys a table's last update changed, so the tables built from it can follow incrementally.

A producer records each update as a new generation with the keys it changed, or with "everything"
after a full rebuild: staging.events and core.event_persons record event ids, core.touchpoints
persons (read by core.event_persons, core.touchpoints, and core.sessions and core.journeys). A
consumer that last caught up with the generation just before may apply only those keys; one that
is further behind (a failed run, a new table, a rebuild in between) rebuilds in full. Only the
latest generation's keys are kept, so the log never grows.
"""

from __future__ import annotations

import duckdb

from journeyflow.connection import table_exists

LOG = "quality.change_log"
SEEN = "quality.change_log_seen"


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {LOG} "
                "(producer VARCHAR, generation BIGINT, everything BOOLEAN, key VARCHAR)")
    con.execute(f"CREATE TABLE IF NOT EXISTS {SEEN} (consumer VARCHAR, producer VARCHAR, generation BIGINT)")


def generation(con: duckdb.DuckDBPyConnection, producer: str) -> int:
    """The producer's latest generation (0: never recorded)."""
    if not table_exists(con, LOG):
        return 0
    found = con.execute(f"SELECT max(generation) FROM {LOG} WHERE producer = ?", [producer]).fetchall()
    return found[0][0] or 0


def record(con: duckdb.DuckDBPyConnection, producer: str, keys_query: str | None) -> None:
    """A new generation: the keys `keys_query` selects (one column) changed; None: everything did."""
    _ensure(con)
    new = generation(con, producer) + 1
    con.execute(f"DELETE FROM {LOG} WHERE producer = ?", [producer])
    # the marker row keeps the generation even when no key changed
    con.execute(f"INSERT INTO {LOG} VALUES (?, ?, ?, NULL)", [producer, new, keys_query is None])
    if keys_query is not None:
        con.execute(f"INSERT INTO {LOG} SELECT DISTINCT ?, ?, false, k FROM ({keys_query}) AS c(k) "
                    "WHERE k IS NOT NULL", [producer, new])


def pending(con: duckdb.DuckDBPyConnection, consumer: str, producer: str, into: str) -> bool:
    """Fill temp table `into` (key) with the keys `consumer` has yet to apply; False: rebuild in full."""
    if not table_exists(con, SEEN):
        return False
    latest = generation(con, producer)
    seen = con.execute(f"SELECT generation FROM {SEEN} WHERE consumer = ? AND producer = ?",
                       [consumer, producer]).fetchall()
    if not seen or latest == 0 or seen[0][0] not in (latest - 1, latest):
        return False
    everything = con.execute(f"SELECT bool_or(everything) FROM {LOG} WHERE producer = ?",
                             [producer]).fetchall()[0][0]
    if seen[0][0] == latest - 1 and everything:
        return False
    con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT key FROM {LOG} "
                "WHERE producer = ? AND key IS NOT NULL AND generation > ?", [producer, seen[0][0]])
    return True


def mark_seen(con: duckdb.DuckDBPyConnection, consumer: str, producer: str) -> None:
    """`consumer` now reflects the producer's latest generation."""
    _ensure(con)
    con.execute(f"DELETE FROM {SEEN} WHERE consumer = ? AND producer = ?", [consumer, producer])
    con.execute(f"INSERT INTO {SEEN} VALUES (?, ?, ?)", [consumer, producer, generation(con, producer)])
