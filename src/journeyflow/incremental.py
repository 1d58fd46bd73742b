"""Incremental builds: each function updates one table from what changed since it was built.

Every builder rebuilds in full on a full run, when its SQL, settings or taxonomy changed
(`quality.build_state`), or when it cannot tell what changed; otherwise it recomputes only the
rows that depend on changed files, events or persons, inside one transaction, so the result equals
a full rebuild's (tests/test_incremental.py). docs/operations.md has the table of what each does.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from datetime import UTC

import duckdb

from journeyflow import changelog, empty_inputs, identity
from journeyflow.connection import row_count, table_exists, transaction
from journeyflow.engines import DuckDBEngine, build_table, used_params
from journeyflow.models import lookup_tables
from journeyflow.pii import scrub_text_columns
from journeyflow.run_context import Metadata, RunContext
from journeyflow.sources import SOURCES, SOURCES_BY_TABLE, Source, landing
from journeyflow.sources.readers import joins_others as source_joins_others
from journeyflow.sql_refs import reading, tables_read
from journeyflow.sql_templates import source_events_sql, sql_text

DUPLICATE_FLAG = """
    _reject_reason IS NULL AND row_number() OVER (
        PARTITION BY _row_hash, _reject_reason IS NULL ORDER BY _source_file, _row_number
    ) > 1
"""

# Settings with which a staged table's verdict on a row depends on rows of other files
SETTINGS_ACROSS_FILES = ("snowplow_max_session_days",)


def _raw_table(staged_table: str) -> str:
    """staging.<source> → raw.<source>."""
    return "raw." + staged_table.split(".")[1]


def _tables_read(query: str) -> set[str]:
    """The raw and staging tables a query reads."""
    return {name for name in tables_read(query) if name.startswith(("raw.", "staging."))}


def build_staged_source(ctx: RunContext, table: str) -> Metadata:
    """Type one source's raw records and flag exact duplicates (same record seen before).

    The staged table is the first place text leaves raw, so every text column but the keys passes
    the PII scrubber here (journeyflow/pii.py); everything built later reads scrubbed text.
    Typing is set-based, so one value the SQL cannot handle would fail every file of the source:
    should it fail, each file is typed alone, those that fail are quarantined (`quarantine_files`)
    and the rest is typed again. Out of memory or disk and interrupts fail the run as they are.
    """
    try:
        return _build_staged_source(ctx, table)
    except Exception as exc:
        if landing.stops_the_run(exc):
            raise
        quarantined = quarantine_files(ctx, table)
        if not quarantined:
            raise
    return {**_build_staged_source(ctx, table), "files_quarantined": quarantined}


def quarantine_files(ctx: RunContext, table: str) -> int:
    """Type each file of the staged table's raw table alone (on DuckDB, whatever the engine);
    move the rows of each that fails to one file-level reject in `raw.ingest_errors` with the
    error, and forget that the file was landed, so the next run lands and types it again (after
    the fix, it loads). Returns how many files were quarantined."""
    con, raw_table = ctx.con, _raw_table(table)
    query = reading(sql_text(table), raw_table, "typing_probe")
    params = used_params(query, ctx.params)
    failed: dict[str, str] = {}
    for (name,) in con.execute(f"SELECT DISTINCT _source_file FROM {raw_table} ORDER BY 1").fetchall():
        con.execute(f"CREATE OR REPLACE TEMP TABLE typing_probe AS SELECT * FROM {raw_table} "
                    "WHERE _source_file = $file", {"file": name})
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE typing_result AS SELECT * FROM ({query})", params)
        except Exception as exc:
            if landing.stops_the_run(exc):
                raise
            failed[name] = landing.describe_error(exc)
    con.execute("DROP TABLE IF EXISTS typing_probe")
    con.execute("DROP TABLE IF EXISTS typing_result")
    with transaction(con):
        for name, error in failed.items():
            params = {"raw_table": raw_table, "file": name, "limit": landing.RAW_TEXT_LIMIT,
                      "reason": f"file could not be typed: {error}"}
            con.execute(
                f"""
                INSERT INTO raw.ingest_errors
                SELECT $raw_table, $file, NULL, $reason, left(arg_min(record, _row_number), $limit),
                       any_value(_load_id)
                FROM {raw_table} WHERE _source_file = $file
                """,
                params,
            )
            con.execute(f"DELETE FROM {raw_table} WHERE _source_file = $file", {"file": name})
            con.execute("DELETE FROM raw.landed_files WHERE raw_table = $raw_table AND source_file = $file",
                        {"raw_table": raw_table, "file": name})
    return len(failed)


def _build_staged_source(ctx: RunContext, table: str) -> Metadata:
    model = sql_text(table)
    params = used_params(model, ctx.params)
    producer = ctx.producers.get(table)
    reads = producer.model.reads if producer and producer.model else None
    empty_key = empty_inputs.inputs_key(ctx.con, model, params, reads)
    empty = empty_inputs.remembered(empty_key)  # an absent source typed before in this process
    query = empty.query if empty else scrub_text_columns(ctx.con, model, params)
    # a staging file that joins another source (`requires`) or the custom mappings can change
    # without its own raw rows changing: it is rebuilt whenever any table it reads changed; so is
    # one that, with a setting on, judges a row by rows of other files (a Snowplow session's start)
    joins_others = (source_joins_others(SOURCES_BY_TABLE[_raw_table(table)])
                    or any(params.get(name) is not None for name in SETTINGS_ACROSS_FILES))
    inputs = [_content_digests(ctx.con, query, table)] if joins_others else []
    # not the run's `as_of`: each run has its own, and a later one only asks for the rejects that
    # depended on the date to be judged again (below)
    state = _build_state(query, {k: v for k, v in params.items() if k != "as_of"}, *inputs)
    stored = _stored_states(ctx.con, [table, f"{table}{AS_OF_STATE}"])  # one query for both
    unchanged = ctx.incremental and table_exists(ctx.con, table) and stored.get(table) == state
    as_of, built_as_of = _as_of_text(ctx), stored.get(f"{table}{AS_OF_STATE}")
    if unchanged and "as_of" in params and built_as_of is not None and as_of < built_as_of:
        unchanged = False  # an earlier as_of: rows accepted then may be in its future (rebuild)
    # a table whose SQL has no `$as_of` gives the same verdicts at any date; one built at this very
    # as_of has them already
    rejudge = "as_of" in params and built_as_of != as_of
    if (unchanged and joins_others and rejudge
            and _files_judged_otherwise_today(ctx.con, table, query, params)):
        unchanged = False  # a reject that depended on the date no longer holds
    rebuilt: dict[str, str] = {}
    if unchanged and joins_others:
        metadata = {"inputs_changed": False}
    elif unchanged:
        metadata = _update_staged_source(ctx, table, query, params, rejudge)
    else:
        # should the build fail half-way, the next run must not find the new state with old rows
        # (no state stored: nothing to find)
        if table in stored:
            _store_state(ctx.con, table, "rebuilding")
        # a source without rows is typed in the warehouse whatever the engine: on Spark, a run that
        # reads a few sources paid a job, a Parquet write and a copy for each of the ~60 others
        # (60% of a small run); the later Spark statements import the empty table like any other
        if empty:
            empty_inputs.create_empty(ctx.con, table, empty)
        elif isinstance(ctx.engine, DuckDBEngine) or empty_key is not None:  # probed: no input rows
            DuckDBEngine(ctx.con).create_table(
                table, f"SELECT *, false AS _is_duplicate FROM ({query})", ctx.params
            )
            flag_duplicates(ctx.con, table)
            empty_inputs.remember(ctx.con, empty_key, query, table)
        else:  # Spark reads its own copy of the table: the flags must be in it
            ctx.engine.create_table(
                table, f"SELECT *, {DUPLICATE_FLAG} AS _is_duplicate FROM ({query})", ctx.params
            )
        rebuilt = {table: state}
        metadata = {"inputs_changed": True} if joins_others else {}
    # the table's new state (when rebuilt) and the as_of its verdicts were made at, in one commit
    _store_states(ctx.con, rebuilt | {f"{table}{AS_OF_STATE}": as_of})
    counts = ctx.con.execute(
        f"SELECT count(*), count(_reject_reason), count(*) FILTER (WHERE _is_duplicate) FROM {table}"
    ).fetchall()[0]
    return {"rows": counts[0], "rejected": counts[1], "duplicates": counts[2], **metadata}


def flag_duplicates(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Set `_is_duplicate` as DUPLICATE_FLAG does, by the narrow key alone: only the usable rows
    whose `_row_hash` occurs more than once are numbered, and only (rowid, hash, file, row) of
    them. A window over the typed rows themselves carried every column of every row through a
    sort (25 s of 55 s for a 1M-event custom source), for a flag that is false almost everywhere."""
    con.execute(
        f"""
        UPDATE {table} SET _is_duplicate = true
        WHERE rowid IN (
            SELECT row_id FROM (
                SELECT rowid AS row_id, row_number() OVER (
                    PARTITION BY _row_hash ORDER BY _source_file, _row_number
                ) AS copy
                FROM {table}
                WHERE _reject_reason IS NULL AND _row_hash IN (
                    SELECT _row_hash FROM {table} WHERE _reject_reason IS NULL
                    GROUP BY _row_hash HAVING count(*) > 1
                )
            )
            WHERE copy > 1
        )
        """
    )


def _update_staged_source(ctx: RunContext, table: str, query: str, params: dict,
                          rejudge: bool = True) -> Metadata:
    """Re-type only the files whose raw rows changed (another load id, new, or gone), and with
    `rejudge` those where a reject that depended on the date (the run's as_of) no longer holds.

    Duplicate flags are recomputed for every record hash the changed files had or have, so the
    flags equal a full rebuild's: the first copy in (file, row) order is kept.
    """
    con = ctx.con
    raw_table = _raw_table(table)
    with transaction(con):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE delta_files AS
            SELECT DISTINCT _source_file FROM (
                (SELECT DISTINCT _source_file, _load_id FROM {raw_table}
                 EXCEPT SELECT DISTINCT _source_file, _load_id FROM {table})
                UNION ALL
                (SELECT DISTINCT _source_file, _load_id FROM {table}
                 EXCEPT SELECT DISTINCT _source_file, _load_id FROM {raw_table})
            )
            """
        )
        if rejudge:
            _files_judged_otherwise_today(con, table, query, params, into="delta_files")
        files = row_count(con, "delta_files")
        if files:
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE delta_hashes AS
                SELECT DISTINCT _row_hash FROM {table} WHERE _source_file IN (SELECT * FROM delta_files)
                UNION
                SELECT DISTINCT _row_hash FROM {raw_table} WHERE _source_file IN (SELECT * FROM delta_files)
                """
            )
            con.execute(f"DELETE FROM {table} WHERE _source_file IN (SELECT * FROM delta_files)")
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW delta_raw AS SELECT * FROM {raw_table} "
                "WHERE _source_file IN (SELECT * FROM delta_files)"
            )
            delta_query = reading(query, raw_table, "delta_raw")
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT *, false AS _is_duplicate FROM ({delta_query})",
                params,
            )
            # and the hashes the staging SQL gave the new rows: a staged _row_hash need not be the
            # raw record's (Snowplow's is the event_id), so a new file's redelivered event is
            # flagged only by its staged hash
            con.execute(
                f"INSERT INTO delta_hashes SELECT DISTINCT _row_hash FROM {table} "
                "WHERE _source_file IN (SELECT * FROM delta_files)"
            )
            con.execute(
                f"""
                UPDATE {table} AS s SET _is_duplicate = d.is_duplicate
                FROM (
                    SELECT _source_file, _row_number, {DUPLICATE_FLAG} AS is_duplicate
                    FROM {table} WHERE _row_hash IN (SELECT * FROM delta_hashes)
                ) AS d
                WHERE s._source_file = d._source_file AND s._row_number = d._row_number
                """
            )
    return {"files_changed": files}


def _files_judged_otherwise_today(
    con: duckdb.DuckDBPyConnection, table: str, query: str, params: dict, into: str | None = None
) -> int:
    """The files (beyond those already in `into`) with a rejected row that the SQL now judges otherwise.

    Some reasons depend on the date: a timestamp more than a day after the run's `as_of` is rejected
    until its day comes, and from then on a full rebuild accepts the row. So the rows rejected
    earlier are typed again, alone (their files and row numbers filter the raw scan). A file where
    one of them gets another verdict is typed again in full and compared with what is stored, since
    a verdict may also depend on the file's other rows (a custom NDJSON file's mapped keys are those
    of all its records).
    Returns how many files differ; with `into`, they are added to that table of file names.
    """
    raw_table = _raw_table(table)
    kept = f"AND _source_file NOT IN (SELECT * FROM {into})" if into else ""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE earlier_rejects AS SELECT _source_file, _row_number, _reject_reason "
        f"FROM {table} WHERE _reject_reason IS NOT NULL {kept}"
    )
    files = 0
    if row_count(con, "earlier_rejects"):
        # the IN filters reach the scan; the semi-join keeps the exact (file, row) pairs
        rows = (f"SELECT * FROM {raw_table} AS r "
                "WHERE _row_number IN (SELECT _row_number FROM earlier_rejects) "
                "AND _source_file IN (SELECT _source_file FROM earlier_rejects) "
                "AND EXISTS (SELECT 1 FROM earlier_rejects AS e "
                "WHERE e._source_file = r._source_file AND e._row_number = r._row_number)")
        if _verdicts_differ(con, query, params, raw_table, rows, "SELECT * FROM earlier_rejects"):
            whole = f"SELECT * FROM {raw_table} WHERE _source_file IN (SELECT * FROM files_judged_otherwise)"
            stored = (f"SELECT _source_file, _row_number, _reject_reason FROM {table} "
                      "WHERE _source_file IN (SELECT * FROM files_judged_otherwise)")
            files = _verdicts_differ(con, query, params, raw_table, whole, stored, both_ways=True)
            if into and files:
                con.execute(f"INSERT INTO {into} SELECT * FROM files_judged_otherwise")
        con.execute("DROP TABLE files_judged_otherwise")
    con.execute("DROP TABLE earlier_rejects")
    return files


def _verdicts_differ(con: duckdb.DuckDBPyConnection, query: str, params: dict,
                     raw_table: str, raw_rows: str, stored: str, both_ways: bool = False) -> int:
    """Temp table files_judged_otherwise, and how many: the files where `stored` verdicts (file, row,
    reason) are not what `query` gives now on `raw_rows` (`both_ways`: or it gives verdicts not stored)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW retyped_raw AS {raw_rows}")
    retyped = ("SELECT _source_file, _row_number, _reject_reason FROM ("
               + reading(query, raw_table, "retyped_raw") + ")")
    differ = f"({stored} EXCEPT {retyped})"
    if both_ways:
        differ += f" UNION ALL ({retyped} EXCEPT {stored})"
    con.execute("CREATE OR REPLACE TEMP TABLE files_judged_otherwise AS "
                f"SELECT DISTINCT _source_file FROM ({differ})", params)
    con.execute("DROP VIEW retyped_raw")
    return row_count(con, "files_judged_otherwise")


def _content_digests(con: duckdb.DuckDBPyConnection, query: str, table: str) -> list[tuple]:
    """Row count and an order-free digest of every raw or staged table `query` reads, with the
    build state of those that are staged (a staged table that joins others keeps its own rows'
    load ids when what it joined changed)."""
    read = sorted(_tables_read(query) - {table})
    return [
        (name, *con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {name} AS t").fetchall()[0],
         _stored_state(con, name) if name.startswith("staging.") else None)
        for name in read  # table names from the project's SQL files, not user input
    ]


# quality.build_state's row `<staged table>@as_of`: the as_of (ISO, UTC) its verdicts were made at
AS_OF_STATE = "@as_of"


def _as_of_text(ctx: RunContext) -> str:
    """The run's as_of as fixed-width UTC text, so that text order is time order."""
    return ctx.as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _build_state(*parts: object) -> str:
    """What a table was built from (its SQL and parameter values): when it changes, rebuild fully."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _stored_state(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    return _stored_states(con, [table]).get(table)


def _stored_states(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, str]:
    """The stored states of `tables` (those that have one), in one query."""
    if not table_exists(con, "quality.build_state"):
        return {}
    return dict(con.execute(
        "SELECT table_name, state FROM quality.build_state WHERE list_contains(?, table_name)", [tables]
    ).fetchall())


def _store_state(con: duckdb.DuckDBPyConnection, table: str, state: str) -> None:
    _store_states(con, {table: state})


def _store_states(con: duckdb.DuckDBPyConnection, states: dict[str, str]) -> None:
    """One statement, one commit for all of `states`: a run stores a state or two per table."""
    con.execute("CREATE TABLE IF NOT EXISTS quality.build_state (table_name VARCHAR, state VARCHAR)")
    con.execute(
        """
        MERGE INTO quality.build_state AS stored
        USING (SELECT unnest($tables) AS table_name, unnest($states) AS state) AS new
        ON stored.table_name = new.table_name
        WHEN MATCHED THEN UPDATE SET state = new.state
        WHEN NOT MATCHED THEN INSERT VALUES (new.table_name, new.state)
        """,
        {"tables": list(states), "states": list(states.values())},
    )


def build_identity(ctx: RunContext) -> Metadata:
    """core.identity_links, core.identity_components and core.identity_map; incremental per component.

    The links are rebuilt (one aggregation); only the components a changed link touches are
    labelled again. Every other component kept all its links, so its label (its least identifier)
    and its person (its earliest identifier) are what a full rebuild gives. The identifiers to
    relabel are those of a changed link plus every member of their old components: no current link
    leads out of that set (such a link would be new, so changed, or old, so inside one old
    component), so labelling them on their own links alone finds their whole new components.
    """
    con, table = ctx.con, "core.identity_map"
    # the stitching code is part of what the tables were built from, beside the SQL
    state = _build_state(sql_text("core.identity_links"), sql_text(table),
                         inspect.getsource(identity.label_components), identity.ALL_EDGES)
    incremental = (
        ctx.incremental
        and all(table_exists(con, t) for t in ("core.identity_links", "core.identity_components", table))
        and _stored_state(con, table) == state
    )
    if not incremental:
        _store_state(con, table, "rebuilding")  # should the rebuild fail, the next run rebuilds too
        metadata = identity.build_identity_map(ctx.engine)
        _store_state(con, table, state)
        return metadata
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE previous_links AS SELECT * FROM core.identity_links")
        links = build_table(ctx.engine, "core.identity_links")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE changed_links AS
            (SELECT * FROM core.identity_links EXCEPT SELECT * FROM previous_links)
            UNION ALL
            (SELECT * FROM previous_links EXCEPT SELECT * FROM core.identity_links)
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE relabelled AS
            WITH touched AS (
                SELECT identifier FROM changed_links UNION SELECT anchor FROM changed_links
            )
            SELECT identifier FROM touched
            UNION
            SELECT identifier FROM core.identity_components
            WHERE component IN (
                SELECT component FROM core.identity_components
                WHERE identifier IN (SELECT identifier FROM touched)
            )
            """
        )
        con.execute("DROP TABLE previous_links; DROP TABLE changed_links")
        con.execute("CREATE OR REPLACE TEMP VIEW relabelled_links AS SELECT * FROM core.identity_links "
                    "WHERE identifier IN (SELECT identifier FROM relabelled)")
        # temp tables and views of this connection: incremental runs are DuckDB-only (pipeline.open_run)
        rounds = identity.label_components(DuckDBEngine(con), identity.edges_of("relabelled_links"),
                                           into="relabelled_components", temp=True)
        con.execute("DELETE FROM core.identity_components WHERE identifier IN (SELECT * FROM relabelled)")
        con.execute("INSERT INTO core.identity_components BY NAME SELECT * FROM relabelled_components")
        con.execute(f"DELETE FROM {table} WHERE identifier IN (SELECT * FROM relabelled)")
        delta_query = reading(sql_text(table), "core.identity_links", "relabelled_links")
        delta_query = reading(delta_query, "core.identity_components", "relabelled_components")
        con.execute(f"INSERT INTO {table} BY NAME {delta_query}")
        relabelled = row_count(con, "relabelled")
        con.execute("DROP VIEW relabelled_links; DROP TABLE relabelled; DROP TABLE relabelled_components")
    return {**identity.identity_figures(con, links, rounds), "identifiers_relabelled": relabelled}


# what core.event_persons was built from, beside staging.events: identifier → person, shared ones
EVENT_PERSON_INPUTS = {
    "core.event_persons_identity_map": "SELECT identifier, person_id FROM core.identity_map",
    "core.event_persons_conflicts": "SELECT DISTINCT identifier FROM quality.identity_conflicts",
}


def _copy_event_person_inputs(con: duckdb.DuckDBPyConnection, only: str | None = None) -> None:
    """Keep what core.event_persons was built from; `only`: a table of the identifiers that changed.

    The rows of other identifiers are the same in both, so rewriting just those keeps an exact copy
    (at 10M events, rewriting the whole identity map took about 1 s).
    """
    for copy, select in EVENT_PERSON_INPUTS.items():
        if only is None:
            con.execute(f"CREATE OR REPLACE TABLE {copy} AS {select}")
            continue
        con.execute(f"DELETE FROM {copy} WHERE identifier IN (SELECT identifier FROM {only})")
        con.execute(f"INSERT INTO {copy} BY NAME SELECT * FROM ({select}) "
                    f"WHERE identifier IN (SELECT identifier FROM {only})")


def build_event_persons(ctx: RunContext) -> Metadata:
    """core.event_persons; an incremental run redoes only events that changed or whose person did.

    An event's row depends on the event (staging.events' change log names the event ids its last
    update touched) and on the persons of its identifiers and whether they are shared: the
    identifiers whose person or conflict status differs from what the table was built from name the
    other events to redo.
    """
    con, table = ctx.con, "core.event_persons"
    query = sql_text(table)
    params = used_params(query, ctx.params)
    state = _build_state(query, params)
    incremental = (
        ctx.incremental
        and all(table_exists(con, t) for t in (table, *EVENT_PERSON_INPUTS))
        and _stored_state(con, table) == state
        and changelog.pending(con, table, "staging.events", into="changed_events")
    )
    if not incremental:
        changelog.record(con, table, None)
        rows = build_table(ctx.engine, table, ctx.params)
        _copy_event_person_inputs(con)
        _store_state(con, table, state)
        changelog.mark_seen(con, table, "staging.events")
        return {"rows": rows}
    with transaction(con):
        map_copy, conflicts_copy = EVENT_PERSON_INPUTS
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE changed_identifiers AS
            SELECT identifier FROM (
                ({EVENT_PERSON_INPUTS[map_copy]} EXCEPT SELECT * FROM {map_copy})
                UNION ALL
                (SELECT * FROM {map_copy} EXCEPT {EVENT_PERSON_INPUTS[map_copy]})
            )
            UNION
            SELECT identifier FROM (
                ({EVENT_PERSON_INPUTS[conflicts_copy]} EXCEPT SELECT * FROM {conflicts_copy})
                UNION ALL
                (SELECT * FROM {conflicts_copy} EXCEPT {EVENT_PERSON_INPUTS[conflicts_copy]})
            )
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE affected_events AS
            SELECT key AS event_id FROM changed_events
            UNION
            SELECT event_id FROM staging.events
            WHERE user_id IN (SELECT substr(identifier, 6) FROM changed_identifiers
                              WHERE starts_with(identifier, 'user:'))
            UNION
            SELECT event_id FROM staging.events
            WHERE email_hash IN (SELECT substr(identifier, 7) FROM changed_identifiers
                                 WHERE starts_with(identifier, 'email:'))
            UNION
            SELECT event_id FROM staging.events
            WHERE crm_contact_id IN (SELECT identifier FROM changed_identifiers)
            UNION
            SELECT event_id FROM staging.events
            WHERE support_user_id IN (SELECT identifier FROM changed_identifiers)
            UNION
            SELECT event_id FROM staging.events
            WHERE anonymous_id IN (SELECT substr(identifier, 6) FROM changed_identifiers
                                   WHERE starts_with(identifier, 'anon:'))
            """
        )  # one semi-join per identifier column, prefixes taken off the few changed identifiers:
        # the filters reach the scans, where an OR of prefixed columns built 12M strings three times
        events = row_count(con, "affected_events")
        con.execute(f"DELETE FROM {table} WHERE event_id IN (SELECT event_id FROM affected_events)")
        con.execute("CREATE OR REPLACE TEMP VIEW affected_staged_events AS SELECT * FROM staging.events "
                    "WHERE event_id IN (SELECT event_id FROM affected_events)")
        delta_query = reading(query, "staging.events", "affected_staged_events")
        con.execute(f"INSERT INTO {table} BY NAME {delta_query}", params)
        _copy_event_person_inputs(con, only="changed_identifiers")
        changelog.mark_seen(con, table, "staging.events")
        changelog.record(con, table, "SELECT event_id FROM affected_events")
    return {"rows": row_count(con, table), "events_recomputed": events,
            "identifiers_changed": row_count(con, "changed_identifiers")}


def build_touchpoints(ctx: RunContext) -> Metadata:
    """core.touchpoints; an incremental run recomputes only the persons whose events changed.

    A person's touchpoints depend only on that person's events (sessions, journeys and repeat
    conversions are windows per person), so recomputing every person whose events, or whose
    events' digest, differ from the last build gives what a full rebuild gives. A changed SQL file,
    setting or taxonomy, or a journey lookback (which depends on the data's end), rebuilds all.
    """
    con, table = ctx.con, "core.touchpoints"
    query = sql_text(table)
    params = used_params(query, ctx.params)
    taxonomy = con.execute(
        "SELECT md5(string_agg(j, '|' ORDER BY j)) FROM ("
        "SELECT to_json(r)::VARCHAR AS j FROM core.taxonomy_rules AS r "
        "UNION ALL SELECT to_json(p)::VARCHAR FROM core.phases AS p)"
    ).fetchall()[0][0]
    state = _build_state(query, params, taxonomy)
    incremental = (
        ctx.incremental
        and ctx.settings.journey_lookback_days is None
        and table_exists(con, table)
        and table_exists(con, "core.touchpoint_inputs")
        and _stored_state(con, table) == state
    )
    if not incremental:
        changelog.record(con, table, None)
        rows = build_table(ctx.engine, table, ctx.params)
        con.execute("CREATE OR REPLACE TABLE core.touchpoint_inputs AS SELECT * FROM core.event_persons")
        _store_state(con, table, state)
        changelog.mark_seen(con, table, "core.event_persons")
        return {"rows": rows}
    with transaction(con):
        if changelog.pending(con, table, "core.event_persons", into="changed_event_ids"):
            # the persons the redone events belong to now, and belonged to before
            affected = """
                SELECT person_id FROM core.event_persons
                WHERE event_id IN (SELECT key FROM changed_event_ids)
                UNION
                SELECT person_id FROM core.touchpoint_inputs
                WHERE event_id IN (SELECT key FROM changed_event_ids)
            """
        else:  # the change log is out of reach (a run failed in between): compare everything
            affected = """
                SELECT DISTINCT person_id FROM (
                    (SELECT * FROM core.event_persons EXCEPT SELECT * FROM core.touchpoint_inputs)
                    UNION ALL
                    (SELECT * FROM core.touchpoint_inputs EXCEPT SELECT * FROM core.event_persons)
                )
            """
        con.execute(f"CREATE OR REPLACE TEMP TABLE affected_persons AS {affected}")
        persons = row_count(con, "affected_persons")
        if persons:
            con.execute("DELETE FROM core.touchpoints WHERE person_id IN (SELECT * FROM affected_persons)")
            con.execute(
                "CREATE OR REPLACE TEMP VIEW affected_event_persons AS SELECT * FROM core.event_persons "
                "WHERE person_id IN (SELECT * FROM affected_persons)"
            )
            delta_query = reading(query, "core.event_persons", "affected_event_persons")
            con.execute(f"INSERT INTO {table} BY NAME {delta_query}", params)
            con.execute("DELETE FROM core.touchpoint_inputs "
                        "WHERE person_id IN (SELECT * FROM affected_persons)")
            con.execute("INSERT INTO core.touchpoint_inputs SELECT * FROM affected_event_persons")
        changelog.record(con, table, "SELECT person_id FROM affected_persons")
        changelog.mark_seen(con, table, "core.event_persons")
    return {"rows": row_count(con, table), "persons_recomputed": persons}


def events_inputs(name: str) -> set[Source]:
    """The staged tables sql/staging/events/<name>.sql reads: its own, and those it consults (a
    Zendesk ticket's rating comes from the ratings export when that has one)."""
    select = source_events_sql(name)
    if not select:
        return set()
    read = _tables_read(select)
    return {s for s in SOURCES if s.staged_table in read}


BUILD_STATE_ROW = "(build state)"  # the _source_file of a staged table's build state in the digests


def _file_digests() -> str:
    """Per file of every staged table some source's events read: a digest of its rows' lineage and
    outcome flags (what the events made from it depend on). A staged table can change without that
    lineage changing (a new salt or time zone rebuilds it; one that joins others follows what it
    joined): its build state (SQL, settings and, if it joins others, what it read) is one more row."""
    read = set().union(*(events_inputs(s.name) for s in SOURCES))
    digests = []
    for s in (s for s in SOURCES if s in read):
        digests += [
            f"select '{s.raw_table}' as source_table, _source_file, count(*) as records, "
            f"bit_xor(hash(_row_number, _load_id, _reject_reason is null, _is_duplicate)) as digest "
            f"from {s.staged_table} group by _source_file",
            f"select '{s.raw_table}', '{BUILD_STATE_ROW}', 0, hash(state) "
            f"from quality.build_state where table_name = '{s.staged_table}'",
        ]
    return "\nunion all\n".join(digests)


def build_events(ctx: RunContext) -> Metadata:
    """staging.events (with its bookkeeping staging.event_versions); incremental per changed file.

    An incremental run re-derives the events of event-stream files whose staged rows changed (new,
    re-exported, removed, or duplicate flags flipped) and of every other source that changed at all
    (snapshots: a record's latest version spans files), then re-ranks the versions of each event id
    it touched, so both tables equal a full rebuild's.
    """
    con = ctx.con
    versions_query = sql_text("staging.event_versions")
    params = used_params(versions_query, ctx.params)
    state = _build_state(versions_query, sql_text("staging.events"), params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE current_inputs AS {_file_digests()}")
    incremental = (
        ctx.incremental
        and all(table_exists(con, t) for t in ("staging.events", "staging.event_versions",
                                                "staging.event_inputs"))
        and _stored_state(con, "staging.events") == state
    )
    if not incremental:
        # first: should the rebuild fail half-way, the tables built from it rebuild in full too
        changelog.record(con, "staging.events", None)
        ctx.engine.create_table("staging.event_versions", versions_query, ctx.params)
        rows = build_table(ctx.engine, "staging.events", ctx.params)
        con.execute("CREATE OR REPLACE TABLE staging.event_inputs AS SELECT * FROM current_inputs")
        _store_state(con, "staging.events", state)
        return {"rows": rows}
    with transaction(con):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE changed_files AS
            SELECT DISTINCT source_table, _source_file FROM (
                (SELECT * FROM current_inputs EXCEPT SELECT * FROM staging.event_inputs)
                UNION ALL
                (SELECT * FROM staging.event_inputs EXCEPT SELECT * FROM current_inputs)
            )
            """
        )
        selects = _remove_events_to_rederive(con)
        delta_query = sql_text("staging.event_versions", "\nunion all\n".join(selects))
        con.execute(f"CREATE OR REPLACE TEMP TABLE new_versions AS {delta_query}", params)
        con.execute("INSERT INTO staging.event_versions BY NAME SELECT * FROM new_versions")
        con.execute("CREATE OR REPLACE TEMP TABLE rewritten_ids AS "
                    "SELECT event_id FROM removed_versions UNION SELECT event_id FROM new_versions")
        # an event's versions may sit in unchanged files too: rank all versions of each rewritten id
        con.execute(
            """
            UPDATE staging.event_versions AS v SET version_rank = r.version_rank
            FROM (
                SELECT event_id, source_file, source_row, row_number() OVER (
                    PARTITION BY event_id ORDER BY source_file DESC, source_row DESC
                ) AS version_rank
                FROM staging.event_versions
                WHERE event_id IN (SELECT event_id FROM rewritten_ids)
            ) AS r
            WHERE v.event_id = r.event_id AND v.source_file = r.source_file
                AND v.source_row = r.source_row
            """
        )
        con.execute("DELETE FROM staging.events WHERE event_id IN (SELECT event_id FROM rewritten_ids)")
        con.execute(
            "INSERT INTO staging.events BY NAME SELECT * EXCLUDE (version_rank, events_sql) "
            "FROM staging.event_versions WHERE version_rank = 1 "
            "AND event_id IN (SELECT event_id FROM rewritten_ids)"
        )
        con.execute("DELETE FROM staging.event_inputs")
        con.execute("INSERT INTO staging.event_inputs SELECT * FROM current_inputs")
        # what later tables must redo: events whose versions differ in more than the load id (a
        # file re-exported as it was, or a source derived again with the same rows, changes nothing)
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE changed_ids AS
            SELECT DISTINCT event_id FROM (
                (SELECT * EXCLUDE (version_rank, _load_id) FROM removed_versions
                 EXCEPT SELECT * EXCLUDE (version_rank, _load_id) FROM new_versions)
                UNION ALL
                (SELECT * EXCLUDE (version_rank, _load_id) FROM new_versions
                 EXCEPT SELECT * EXCLUDE (version_rank, _load_id) FROM removed_versions)
            )
            """
        )
        changelog.record(con, "staging.events", "SELECT event_id FROM changed_ids")
    return {"rows": row_count(con, "staging.events"), "files_changed": row_count(con, "changed_files"),
            "event_versions_rederived": row_count(con, "new_versions"),
            "event_ids_changed": row_count(con, "changed_ids")}


def _remove_events_to_rederive(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Move the event versions to derive again into temp table removed_versions; their sources' SQL.

    A source is derived again when a staged table its events read (`events_inputs`) changed: a
    file's digest, or the table's build state. Event streams that read only themselves, and were
    not rebuilt: the versions from files in changed_files; the others: all their versions.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE removed_versions AS "
                "SELECT * FROM staging.event_versions WHERE false")
    changed = {row[0] for row in con.execute("SELECT DISTINCT source_table FROM changed_files").fetchall()}
    rebuilt = {row[0] for row in con.execute(
        "SELECT source_table FROM changed_files WHERE _source_file = ?", [BUILD_STATE_ROW]).fetchall()}
    selects = []
    for source in SOURCES:
        select = source_events_sql(source.name)
        changed_inputs = {s.raw_table for s in events_inputs(source.name)} & changed
        if not changed_inputs or not select:
            continue
        # registry names (constants), not user input
        stale = f"events_sql = '{source.name}'"
        if source.events_per_file and changed_inputs == {source.raw_table} - rebuilt:
            files = f"SELECT _source_file FROM changed_files WHERE source_table = '{source.raw_table}'"
            stale += f" AND source_file IN ({files})"
            con.execute(f"CREATE OR REPLACE TEMP VIEW changed_{source.name} AS SELECT * FROM "
                        f"{source.staged_table} WHERE _source_file IN ({files})")
            select = reading(select, source.staged_table, f"changed_{source.name}")
        con.execute(f"INSERT INTO removed_versions SELECT * FROM staging.event_versions WHERE {stale}")
        con.execute(f"DELETE FROM staging.event_versions WHERE {stale}")
        selects.append(select)
    if not selects:  # nothing to derive: the union must still have the canonical columns
        selects.append(f"SELECT * FROM ({source_events_sql(SOURCES[0].name)}) WHERE false")
    return selects


def build_full(ctx: RunContext, table: str) -> Metadata:
    """A kind=full model: rebuilt whole on every run (an aggregate over everyone)."""
    return {"rows": build_table(ctx.engine, table, ctx.params)}


def lookup_digest(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> str:
    """The content of small lookup tables (taxonomy phases, channel sources), as one digest."""
    rows = [con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() for table in tables]
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def build_per_person(ctx: RunContext, table: str, extra_persons: str | None = None,
                     extra_params: dict | None = None, run_params: dict | None = None) -> Metadata:
    """A table whose rows each belong to one person (a by_person model: journeyflow.models).

    An incremental run rebuilds the rows of the persons core.touchpoints' last update recomputed
    (its change log), plus those `extra_persons` selects (rows that depend on more than the person).
    A change of a parameter the table's SQL uses (`ctx.params` and `extra_params`) rebuilds it all,
    as does a change of the lookup tables it depends on (models.lookup_tables: read off the SQL);
    `run_params` are facts of this run's data that the rebuilt rows need, not settings.
    """
    con = ctx.con
    query = sql_text(table)
    all_params = {**ctx.params, **(extra_params or {}), **(run_params or {})}
    params = used_params(query, all_params)
    lookups = lookup_tables(table, ctx.producers)
    state = _build_state(query, {k: v for k, v in params.items() if k not in (run_params or {})},
                         *([lookup_digest(con, lookups)] if lookups else []))
    incremental = (
        ctx.incremental
        and table_exists(con, table)
        and _stored_state(con, table) == state
        and changelog.pending(con, table, "core.touchpoints", into="changed_persons")
    )
    if not incremental:
        rows = build_table(ctx.engine, table, all_params)
        _store_state(con, table, state)
        changelog.mark_seen(con, table, "core.touchpoints")
        return {"rows": rows}
    with transaction(con):
        persons = "SELECT key AS person_id FROM changed_persons" + (
            f" UNION {extra_persons}" if extra_persons else "")
        con.execute(f"CREATE OR REPLACE TEMP TABLE rebuilt_persons AS {persons}",
                    used_params(persons, all_params))
        con.execute(f"DELETE FROM {table} WHERE person_id IN (SELECT person_id FROM rebuilt_persons)")
        con.execute("CREATE OR REPLACE TEMP VIEW rebuilt_touchpoints AS SELECT * FROM core.touchpoints "
                    "WHERE person_id IN (SELECT person_id FROM rebuilt_persons)")
        delta_query = reading(query, "core.touchpoints", "rebuilt_touchpoints")
        con.execute(f"INSERT INTO {table} BY NAME {delta_query}", params)
        changelog.mark_seen(con, table, "core.touchpoints")
    return {"rows": row_count(con, table), "persons_recomputed": row_count(con, "rebuilt_persons")}


# A journey that neither churned nor converted is `dropped` once the data's end (the latest
# touchpoint) is more than the inactivity window after it, else `open` (sql/core/journeys.sql): when
# the data's end moves, journeys that ended within the window's width of either end may flip.
JOURNEYS_NEAR_THE_WINDOW = """
    SELECT j.person_id
    FROM core.journeys AS j
    CROSS JOIN (SELECT max(ended_at) AS as_of FROM core.journeys) AS old
    WHERE NOT j.converted AND NOT j.churned
        AND epoch(j.ended_at) + $journey_gap_seconds
            BETWEEN least(epoch(old.as_of), $data_end_epoch) - 1
                AND greatest(epoch(old.as_of), $data_end_epoch) + 1
"""


def build_journeys(ctx: RunContext) -> Metadata:
    # the data's end is taken over every person, also when the run rebuilds only a few of them
    data_end = ctx.con.execute("SELECT epoch(max(occurred_at)) FROM core.touchpoints").fetchall()[0][0]
    return build_per_person(ctx, "core.journeys", JOURNEYS_NEAR_THE_WINDOW,
                            run_params={"data_end_epoch": data_end})


# The generic builder of each kind (the model header's `kind=`): a model with nothing of its own to
# add is built by its kind's builder, so adding such a table is its SQL file and one step naming
# it (`pipeline._model_step`). by_event (staging.events, core.event_persons) and by_component
# (core.identity_map) keep builders of their own: what they redo depends on more than their key's
# change log (the event versions of other files, the identifiers whose person changed).
BUILDERS_BY_KIND: dict[str, Callable[[RunContext, str], Metadata]] = {
    "full": build_full,
    "by_file": build_staged_source,
    "by_person": build_per_person,
}
