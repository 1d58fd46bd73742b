"""The pipeline as an ordered list of steps, one per warehouse table.

The Dagster assets in `pipelines/` and the CLI's `journeyflow run` both execute these same steps, so
a run without a Dagster daemon builds exactly what `dagster asset materialize` builds.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeyflow import bi, changelog, graph
from journeyflow.attribution import build_attribution, build_path_steps
from journeyflow.checks import raise_on_blocking_failures, record_published, run_checks_for
from journeyflow.config import DEFAULT_TAXONOMY, Settings
from journeyflow.engines import Engine, build_table, open_engine, used_params
from journeyflow.identity import build_identity_map
from journeyflow.markov import build_graph_metrics
from journeyflow.scope import ALL_FILES, LoadScope
from journeyflow.segments import build_segment_comparison, build_segment_journeys
from journeyflow.sources import SOURCES, SOURCES_BY_TABLE
from journeyflow.sources.custom import taxonomy_rules as custom_taxonomy_rules
from journeyflow.sources.landing import land_source
from journeyflow.taxonomy import Taxonomy, load_taxonomy, write_taxonomy_tables
from journeyflow.warehouse import (
    connect,
    publish,
    row_count,
    source_events_sql,
    sql_text,
    table_exists,
    transaction,
)


@dataclass
class RunContext:
    """What a step needs: the working warehouse connection, the settings, this run's load id and the
    engine that builds the SQL tables (it leaves each finished table in `con` on either engine)."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    load_id: str
    engine: Engine
    # incremental: land new or changed files only and recompute the persons they affect
    # (DuckDB engine only; a Spark run rebuilds every table)
    incremental: bool = False
    scope: LoadScope = ALL_FILES

    @property
    def params(self) -> dict[str, object]:
        return {
            "salt": self.settings.salt,
            "session_gap_seconds": self.settings.session_gap_minutes * 60,
            "session_max_seconds": (self.settings.session_max_minutes * 60
                                    if self.settings.session_max_minutes is not None else None),
            "journey_gap_seconds": self.settings.journey_inactivity_days * 86400,
            "journey_start_events": (list(self.settings.journey_start_events)
                                     if self.settings.journey_start_events is not None else None),
            "journey_max_seconds": _days_to_seconds(self.settings.journey_max_days),
            "journey_lookback_seconds": _days_to_seconds(self.settings.journey_lookback_days),
            "funnel_window_seconds": _days_to_seconds(self.settings.funnel_window_days),
            "min_path_journeys": self.settings.min_path_journeys,
            "max_identifiers_per_person": self.settings.max_identifiers_per_person,
            "min_row_ratio": self.settings.min_row_ratio,
            "max_persons_per_identifier": self.settings.max_persons_per_identifier,
            "strip_plus_addressing": self.settings.strip_plus_addressing,
            "pain_min_journeys": self.settings.pain_min_journeys,
            **{s.time_zone_param: self.settings.time_zone_for(s.folder) for s in SOURCES},
        }


Metadata = dict[str, object]


def _days_to_seconds(days: float | None) -> float | None:
    return None if days is None else float(days) * 86400


@dataclass(frozen=True)
class Step:
    name: str  # the table (layer.table) or artifact it builds
    deps: tuple[str, ...]
    run: Callable[[RunContext], Metadata]
    description: str

    @property
    def layer(self) -> str:
        return self.name.split(".")[0]


@contextmanager
def open_run(
    settings: Settings,
    load_id: str | None = None,
    incremental: bool = False,
    scope: LoadScope = ALL_FILES,
) -> Iterator[RunContext]:
    """Connect to the working file (never the published one) for the length of a run or step."""
    con = connect(settings.work_file, memory_limit=settings.duckdb_memory_limit,
                  temp_directory=settings.duckdb_temp_directory)
    try:
        engine = open_engine(con, settings)
        try:
            yield RunContext(con, settings, load_id or uuid.uuid4().hex[:12], engine,
                             incremental and settings.engine == "duckdb", scope)
        finally:
            engine.close()
    finally:
        con.close()


def _table_step(table: str, deps: tuple[str, ...], description: str) -> Step:
    def run(ctx: RunContext) -> Metadata:
        return {"rows": build_table(ctx.engine, table, ctx.params)}

    return Step(table, deps, run, description)


def _raw_step(source_table: str) -> Step:
    source = next(s for s in SOURCES if s.raw_table == source_table)

    def run(ctx: RunContext) -> Metadata:
        if not ctx.settings.input_dir.is_dir():
            raise FileNotFoundError(f"input folder {ctx.settings.input_dir} does not exist")
        phases = _taxonomy_phases(ctx.settings) if source.reader == "custom" else None
        result = land_source(ctx.con, ctx.settings.input_dir, source, ctx.load_id,
                             ctx.incremental, ctx.scope, phases)
        metadata: Metadata = {"files": result.files, "rows": result.rows,
                              "unreadable_rows": result.errors}
        if ctx.incremental:
            metadata |= {"files_unchanged": result.unchanged, "files_removed": result.removed}
        return metadata

    return Step(source.raw_table, (), run, f"{source.description}, one row per record, as exported.")


def _taxonomy_phases(settings: Settings) -> set[str] | None:
    """The phases custom sources' rules may name (None: the taxonomy is invalid; its step says why)."""
    try:
        return {p.name for p in load_taxonomy(settings.taxonomy, DEFAULT_TAXONOMY).phases}
    except ValueError:
        return None


DUPLICATE_FLAG = """
    _reject_reason IS NULL AND row_number() OVER (
        PARTITION BY _row_hash, _reject_reason IS NULL ORDER BY _source_file, _row_number
    ) > 1
"""


def build_staged_source(ctx: RunContext, table: str) -> Metadata:
    """Type one source's raw records and flag exact duplicates (same record seen before)."""
    query = sql_text(table)
    params = used_params(query, ctx.params)
    state = _build_state(query, params)
    # a staging file that joins another source (`requires`) or the custom mappings can change
    # without its own raw rows changing: it is always rebuilt
    source = SOURCES_BY_TABLE["raw." + table.split(".")[1]]
    joins_others = bool(source.requires) or source.reader == "custom"
    if (ctx.incremental and not joins_others and table_exists(ctx.con, table)
            and _stored_state(ctx.con, table) == state):
        metadata = _update_staged_source(ctx, table, query, params)
    else:
        ctx.engine.create_table(
            table, f"SELECT *, {DUPLICATE_FLAG} AS _is_duplicate FROM ({query})", ctx.params
        )
        _store_state(ctx.con, table, state)
        metadata = {}
    counts = ctx.con.execute(
        f"SELECT count(*), count(_reject_reason), count(*) FILTER (WHERE _is_duplicate) FROM {table}"
    ).fetchall()[0]
    return {"rows": counts[0], "rejected": counts[1], "duplicates": counts[2], **metadata}


def _update_staged_source(ctx: RunContext, table: str, query: str, params: dict) -> Metadata:
    """Re-type only the files whose raw rows changed (another load id, new, or gone).

    Duplicate flags are recomputed for every record hash the changed files had or have, so the
    flags equal a full rebuild's: the first copy in (file, row) order is kept.
    """
    con = ctx.con
    raw_table = "raw." + table.split(".")[1]
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
            delta_query = re.sub(rf"\b{re.escape(raw_table)}\b", "delta_raw", query)
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT *, false AS _is_duplicate FROM ({delta_query})",
                params,
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


def _build_state(*parts: object) -> str:
    """What a table was built from (its SQL and parameter values): when it changes, rebuild fully."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _stored_state(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    if not table_exists(con, "quality.build_state"):
        return None
    found = con.execute("SELECT state FROM quality.build_state WHERE table_name = ?", [table]).fetchall()
    return found[0][0] if found else None


def _store_state(con: duckdb.DuckDBPyConnection, table: str, state: str) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS quality.build_state (table_name VARCHAR, state VARCHAR)")
    con.execute("DELETE FROM quality.build_state WHERE table_name = ?", [table])
    con.execute("INSERT INTO quality.build_state VALUES (?, ?)", [table, state])


# what core.event_persons was built from, beside staging.events: identifier → person, shared ones
EVENT_PERSON_INPUTS = {
    "core.event_persons_identity_map": "SELECT identifier, person_id FROM core.identity_map",
    "core.event_persons_conflicts": "SELECT DISTINCT identifier FROM quality.identity_conflicts",
}


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
        for copy, select in EVENT_PERSON_INPUTS.items():
            con.execute(f"CREATE OR REPLACE TABLE {copy} AS {select}")
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
            WHERE 'user:' || user_id IN (SELECT identifier FROM changed_identifiers)
                OR 'email:' || email_hash IN (SELECT identifier FROM changed_identifiers)
                OR crm_contact_id IN (SELECT identifier FROM changed_identifiers)
                OR support_user_id IN (SELECT identifier FROM changed_identifiers)
                OR 'anon:' || anonymous_id IN (SELECT identifier FROM changed_identifiers)
            """
        )
        events = row_count(con, "affected_events")
        con.execute(f"DELETE FROM {table} WHERE event_id IN (SELECT event_id FROM affected_events)")
        con.execute("CREATE OR REPLACE TEMP VIEW affected_staged_events AS SELECT * FROM staging.events "
                    "WHERE event_id IN (SELECT event_id FROM affected_events)")
        delta_query = re.sub(r"\bstaging\.events\b", "affected_staged_events", query)
        con.execute(f"INSERT INTO {table} BY NAME {delta_query}", params)
        for copy, select in EVENT_PERSON_INPUTS.items():
            con.execute(f"CREATE OR REPLACE TABLE {copy} AS {select}")
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
            delta_query = re.sub(r"\bcore\.event_persons\b", "affected_event_persons", query)
            con.execute(f"INSERT INTO {table} BY NAME {delta_query}", params)
            con.execute("DELETE FROM core.touchpoint_inputs "
                        "WHERE person_id IN (SELECT * FROM affected_persons)")
            con.execute("INSERT INTO core.touchpoint_inputs SELECT * FROM affected_event_persons")
        changelog.record(con, table, "SELECT person_id FROM affected_persons")
        changelog.mark_seen(con, table, "core.event_persons")
    return {"rows": row_count(con, table), "persons_recomputed": persons}


def _file_digests() -> str:
    """Per staged file: a digest of its rows' lineage and outcome flags (what its events depend on)."""
    return "\nunion all\n".join(
        f"select '{s.raw_table}' as source_table, _source_file, count(*) as records, "
        f"bit_xor(hash(_row_number, _load_id, _reject_reason is null, _is_duplicate)) as digest "
        f"from {s.staged_table} group by _source_file"
        for s in SOURCES if source_events_sql(s.name)
    )


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
        # file re-exported as it was, or a source that is always re-derived, changes nothing)
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

    Event streams: the versions from files in changed_files. Other sources with a changed file,
    and those that join other sources or custom mappings (they can change without their own rows
    changing): all their versions.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE removed_versions AS "
                "SELECT * FROM staging.event_versions WHERE false")
    changed = {row[0] for row in con.execute("SELECT DISTINCT source_table FROM changed_files").fetchall()}
    changed |= {s.raw_table for s in SOURCES if s.requires or s.reader == "custom"}
    selects = []
    for source in SOURCES:
        select = source_events_sql(source.name)
        if source.raw_table not in changed or not select:
            continue
        # registry names (constants), not user input
        stale = f"events_sql = '{source.name}'"
        if source.events_per_file:
            files = f"SELECT _source_file FROM changed_files WHERE source_table = '{source.raw_table}'"
            stale += f" AND source_file IN ({files})"
            con.execute(f"CREATE OR REPLACE TEMP VIEW changed_{source.name} AS SELECT * FROM "
                        f"{source.staged_table} WHERE _source_file IN ({files})")
            select = re.sub(rf"\b{re.escape(source.staged_table)}\b", f"changed_{source.name}", select)
        con.execute(f"INSERT INTO removed_versions SELECT * FROM staging.event_versions WHERE {stale}")
        con.execute(f"DELETE FROM staging.event_versions WHERE {stale}")
        selects.append(select)
    if not selects:  # nothing to derive: the union must still have the canonical columns
        selects.append(f"SELECT * FROM ({source_events_sql(SOURCES[0].name)}) WHERE false")
    return selects


def build_per_person(ctx: RunContext, table: str, extra_persons: str | None = None) -> Metadata:
    """A table whose rows each belong to one person and come from core.touchpoints alone.

    An incremental run rebuilds the rows of the persons core.touchpoints' last update recomputed
    (its change log), plus those `extra_persons` selects (rows that depend on more than the person).
    """
    con = ctx.con
    query = sql_text(table)
    params = used_params(query, ctx.params)
    state = _build_state(query, params)
    incremental = (
        ctx.incremental
        and table_exists(con, table)
        and _stored_state(con, table) == state
        and changelog.pending(con, table, "core.touchpoints", into="changed_persons")
    )
    if not incremental:
        rows = build_table(ctx.engine, table, ctx.params)
        _store_state(con, table, state)
        changelog.mark_seen(con, table, "core.touchpoints")
        return {"rows": rows}
    with transaction(con):
        persons = "SELECT key AS person_id FROM changed_persons" + (
            f" UNION {extra_persons}" if extra_persons else "")
        con.execute(f"CREATE OR REPLACE TEMP TABLE rebuilt_persons AS {persons}",
                    used_params(persons, ctx.params))
        con.execute(f"DELETE FROM {table} WHERE person_id IN (SELECT person_id FROM rebuilt_persons)")
        con.execute("CREATE OR REPLACE TEMP VIEW rebuilt_touchpoints AS SELECT * FROM core.touchpoints "
                    "WHERE person_id IN (SELECT person_id FROM rebuilt_persons)")
        delta_query = re.sub(r"\bcore\.touchpoints\b", "rebuilt_touchpoints", query)
        con.execute(f"INSERT INTO {table} BY NAME {delta_query}", params)
        changelog.mark_seen(con, table, "core.touchpoints")
    return {"rows": row_count(con, table), "persons_recomputed": row_count(con, "rebuilt_persons")}


def build_sessions(ctx: RunContext) -> Metadata:
    return build_per_person(ctx, "core.sessions")


# A journey that neither churned nor converted is `dropped` once the data's end (the latest
# touchpoint) is more than the inactivity window after it, else `open` (sql/core/journeys.sql): when
# the data's end moves, journeys that ended within the window's width of either end may flip.
JOURNEYS_NEAR_THE_WINDOW = """
    SELECT j.person_id
    FROM core.journeys AS j
    CROSS JOIN (SELECT max(ended_at) AS as_of FROM core.journeys) AS old
    CROSS JOIN (SELECT max(occurred_at) AS as_of FROM core.touchpoints) AS new
    WHERE NOT j.converted AND NOT j.churned
        AND epoch(j.ended_at) + $journey_gap_seconds
            BETWEEN least(epoch(old.as_of), epoch(new.as_of)) - 1
                AND greatest(epoch(old.as_of), epoch(new.as_of)) + 1
"""


def build_journeys(ctx: RunContext) -> Metadata:
    return build_per_person(ctx, "core.journeys", JOURNEYS_NEAR_THE_WINDOW)


def build_journey_transitions(ctx: RunContext) -> Metadata:
    return build_per_person(ctx, "core.journey_transitions")


def _staged_step(source_table: str) -> Step:
    source = SOURCES_BY_TABLE[source_table]
    table = source.staged_table

    def run(ctx: RunContext) -> Metadata:
        return build_staged_source(ctx, table)

    return Step(table, (source_table, *source.requires), run,
                "Typed records with reject reason and duplicate flag.")


def _taxonomy(ctx: RunContext) -> Metadata:
    taxonomy = load_taxonomy(ctx.settings.taxonomy, DEFAULT_TAXONOMY)
    # custom sources' rules (match.source = their name) after the taxonomy's, which can override them
    custom = custom_taxonomy_rules(ctx.settings.input_dir, {p.name for p in taxonomy.phases})
    if custom:
        taxonomy = Taxonomy(phases=taxonomy.phases, rules=taxonomy.rules + custom).check("custom sources")
    return {"rules": write_taxonomy_tables(ctx.con, taxonomy), "custom_source_rules": len(custom)}


def _identity(ctx: RunContext) -> Metadata:
    return build_identity_map(ctx.engine)


def _graph(ctx: RunContext) -> Metadata:
    digraph = graph.from_transitions(ctx.con)
    paths = graph.export(digraph, graph_dir(ctx.settings))
    return {"nodes": digraph.number_of_nodes(), "edges": digraph.number_of_edges(),
            **{f"path_{k}": str(v) for k, v in paths.items()}}


def _bi(ctx: RunContext) -> Metadata:
    return bi.build(ctx.con, ctx.settings.warehouse)


def _publish(ctx: RunContext) -> Metadata:
    record_published(ctx.con, ctx.load_id)
    ctx.con.execute("CHECKPOINT")
    publish(ctx.settings.work_file, ctx.settings.warehouse)
    return {"published": str(ctx.settings.warehouse)}


def graph_dir(settings: Settings) -> Path:
    return settings.warehouse.parent


STAGED = tuple("staging." + s.raw_table.split(".")[1] for s in SOURCES)
MARTS = ("marts.transitions", "marts.phase_funnel")
ANALYTICS_MARTS = (
    "marts.transitions_by_scope", "marts.paths", "marts.unmapped_events", "marts.attribution",
    "marts.touchpoint_graph_metrics",
    "marts.phase_funnel_breakdown", "marts.phase_times",
    "marts.touchpoint_kpis", "marts.segment_journeys", "marts.segment_comparison",
)

STEPS: tuple[Step, ...] = (
    *(_raw_step(s.raw_table) for s in SOURCES),
    *(_staged_step(s.raw_table) for s in SOURCES),
    Step("staging.events", STAGED, build_events,
         "Canonical events of every source, one row per event_id; incremental per changed file."),
    _table_step("staging.record_outcomes", STAGED, "Every raw record: loaded, rejected or duplicate."),
    _table_step(
        "quality.rejected_rows", ("staging.record_outcomes",) + tuple(s.raw_table for s in SOURCES),
        "Every record or file that could not be used, with file, row and reason.",
    ),
    _table_step("quality.load_summary", ("staging.record_outcomes",),
                "Per file: rows read = loaded + rejected + duplicate."),
    Step("core.taxonomy_rules", (), _taxonomy, "The touchpoint taxonomy rules, one row per match."),
    _table_step("staging.identity_keys",
                ("staging.events", "staging.zendesk_users", "staging.salesforce_contacts"),
                "The identifiers each event or profile record carries."),
    _table_step("quality.identity_conflicts", ("staging.identity_keys",),
                "Identifiers shared by too many persons (office PC cookie, support@ mailbox): not stitched."),
    Step("core.identity_map", ("staging.identity_keys", "quality.identity_conflicts"),
         _identity,
         "Identifier to person_id, by connected components over identifiers seen together."),
    Step("core.event_persons", ("staging.events", "core.identity_map", "quality.identity_conflicts"),
         build_event_persons,
         "Each event's person (strongest identifier not shared by too many people); incremental."),
    Step("core.touchpoints", ("staging.events", "core.event_persons", "core.taxonomy_rules"),
         build_touchpoints,
         "Classified events of known persons with session and journey; incremental per person."),
    Step("core.sessions", ("core.touchpoints",), build_sessions,
         "One row per session; incremental per person."),
    Step("core.journeys", ("core.touchpoints",), build_journeys,
         "One row per person journey; incremental per person."),
    Step("core.journey_transitions", ("core.touchpoints",), build_journey_transitions,
         "Each journey's node-to-node transitions at touchpoint, channel and phase level; "
         "incremental per person."),
    _table_step("marts.transitions_by_scope", ("core.journey_transitions", "core.touchpoints"),
                "Journey graph edges at touchpoint, channel and phase level."),
    _table_step("marts.transitions", ("marts.transitions_by_scope",),
                "Journey graph edges with START, CONVERSION and EXIT."),
    _table_step("marts.phase_funnel", ("core.touchpoints",), "Persons per phase and drop-off."),
    Step("marts.path_steps", ("core.touchpoints",), build_path_steps,
         "Each journey's steps before its first conversion, with rule-based attribution credit."),
    _table_step("marts.paths", ("marts.path_steps",), "Top path variants with conversion rate."),
    _table_step("marts.unmapped_events", ("core.touchpoints",),
                "Events no taxonomy rule matched, by source, event and page, by volume."),
    Step("marts.attribution", ("marts.path_steps",), build_attribution,
         "Conversion credit per touchpoint and channel under six attribution models."),
    Step("marts.touchpoint_graph_metrics", ("marts.transitions",), build_graph_metrics,
         "Per touchpoint: absorbing-Markov conversion probability, removal effect, exit rate."),
    _table_step("marts.phase_funnel_breakdown", ("core.touchpoints", "core.journeys"),
                "Phase funnel by first channel, first touchpoint and start month; any/strict order, "
                "within the conversion window."),
    _table_step("marts.phase_times", ("core.touchpoints",),
                "Days from a person's first time in one phase to the first time in a later phase."),
    _table_step("marts.touchpoint_kpis", ("core.touchpoints",),
                "Per touchpoint: reach, conversion after it, NPS/CSAT and tickets after it, timing, "
                "exits and a pain-point score and rank."),
    Step("marts.segment_journeys", ("core.journeys", "core.touchpoints"), build_segment_journeys,
         "The journeys of the two compared segments (segment_by: first channel or utm_campaign)."),
    Step("marts.segment_comparison", ("marts.segment_journeys",), build_segment_comparison,
         "Segment A vs B: conversion rate, phase reach, difference with z-test and 95% interval."),
    Step("exports.journey_graph", ("marts.transitions",), _graph,
         "The journey graph as GraphML and node-link JSON next to the warehouse."),
    Step("bi.views", ("quality.rejected_rows", "quality.load_summary", "core.touchpoints", "core.sessions",
                      "core.journeys", *MARTS, *ANALYTICS_MARTS), _bi,
         "Stable, commented views for dashboards (sql/bi/contract.yaml) and their Parquet snapshot."),
    Step("exports.published_warehouse",
         ("quality.rejected_rows", "quality.load_summary", "core.sessions", "core.journeys",
          *MARTS, *ANALYTICS_MARTS, "exports.journey_graph", "bi.views"),
         _publish, "The finished warehouse, published atomically for readers."),
)
STEPS_BY_NAME = {step.name: step for step in STEPS}


def run_pipeline(
    settings: Settings,
    on_step: Callable[[Step, Metadata], None] | None = None,
    incremental: bool = False,
    scope: LoadScope = ALL_FILES,
) -> dict[str, Metadata]:
    """Run every step in order in one connection, with the quality checks after the table they guard.

    A failing blocking check raises QualityGateFailed: later steps (and publishing) do not run.
    `incremental` lands only new or changed files and recomputes the persons they affect; the
    result equals a full rebuild's (tests/test_incremental.py).
    """
    results: dict[str, Metadata] = {}
    with open_run(settings, incremental=incremental, scope=scope) as ctx:
        for step in STEPS:
            results[step.name] = step.run(ctx)
            checks_started = time.perf_counter()
            outcomes = run_checks_for(ctx.con, step.name, ctx.load_id, ctx.params)
            if outcomes:
                results[step.name]["checks_failed"] = [o.check.name for o in outcomes if not o.passed]
                results[step.name]["checks_seconds"] = time.perf_counter() - checks_started
            raise_on_blocking_failures(outcomes)
            if on_step:
                on_step(step, results[step.name])
    return results


__all__ = ["STEPS", "Step", "RunContext", "open_run", "run_pipeline", "row_count"]
