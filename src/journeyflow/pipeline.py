"""The pipeline as an ordered list of steps, each building one table (or view) and what it keeps beside it.

The Dagster assets in `pipelines/` and the CLI's `journeyflow run` both execute these same steps, so
a run without a Dagster daemon builds exactly what `dagster asset materialize` builds. A step's
dependencies are not written here: they come from the SQL models it runs (journeyflow.models) and
the tables its Python code declares it reads and writes.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from journeyflow import bi, graph, release
from journeyflow.attribution import build_attribution, build_path_steps
from journeyflow.channels import write_channel_sources
from journeyflow.checks import raise_on_blocking_failures, record_published, run_checks_for
from journeyflow.config import DEFAULT_TAXONOMY, Settings
from journeyflow.connection import connect_run, make_private, private_files, row_count
from journeyflow.engines import build_view, open_engine
from journeyflow.funnels import build_funnels
from journeyflow.incremental import (
    BUILDERS_BY_KIND,
    build_event_persons,
    build_events,
    build_identity,
    build_journeys,
    build_touchpoints,
)
from journeyflow.markov import build_graph_metrics
from journeyflow.models import ModelError, Producer, catalogue, load_models, step_deps
from journeyflow.release import copy_working_file
from journeyflow.run_context import Metadata, RunContext, utc_as_of
from journeyflow.scope import ALL_FILES, LoadScope
from journeyflow.segments import build_segment_comparison, build_segment_journeys
from journeyflow.sources import SOURCES
from journeyflow.sources.custom import taxonomy_rules as custom_taxonomy_rules
from journeyflow.sources.landing import INGEST_ERRORS_DDL, LANDED_FILES_DDL, temp_dir_for
from journeyflow.sources.readers import land_source, reader_of
from journeyflow.sources.unread import require_input, unread_inputs
from journeyflow.taxonomy import Taxonomy, load_taxonomy, write_taxonomy_tables


@dataclass(frozen=True)
class Step:
    name: str  # the table (layer.table) or artifact it builds
    run: Callable[[RunContext], Metadata]
    description: str
    # what its Python code reads and writes beside its SQL models (journeyflow.models.catalogue)
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    # the steps it runs after: generated from what it reads (`with_generated_deps`)
    deps: tuple[str, ...] = ()

    @property
    def layer(self) -> str:
        return self.name.split(".")[0]


@contextmanager
def open_run(
    settings: Settings,
    load_id: str | None = None,
    incremental: bool = False,
    scope: LoadScope = ALL_FILES,
    as_of: datetime | None = None,
) -> Iterator[RunContext]:
    """Connect to the working file (never the published one) for the length of a run or step.

    The working file and the raw file (plain-text emails) are the run's own: owner-only (0600).
    `as_of` is the run's "now" (default: this moment); the steps of one run must share it.
    """
    discard_work_file_without_raw_file(settings)
    # the folder first, with the usual mode: readers (other users, BI tools) go through it to the
    # published warehouse, graph and Parquet snapshot
    settings.work_file.parent.mkdir(parents=True, exist_ok=True)
    with connect_run(settings) as con:
        make_private(settings.work_file)  # an existing one, and a log left by a killed run
        make_private(settings.raw_file)
        engine = open_engine(con, settings)
        try:
            yield RunContext(con, settings, load_id or uuid.uuid4().hex[:12], engine,
                             producers=PRODUCERS,
                             incremental=incremental and settings.engine == "duckdb",
                             scope=scope, as_of=utc_as_of(as_of))
        finally:
            engine.close()


def discard_work_file_without_raw_file(settings: Settings) -> None:
    """A working file whose raw file is missing is rebuilt from the exports.

    Either the raw file was deleted, or the working file is from a release that kept the raw layer
    (plain-text emails included) inside it, and so inside every published copy. Starting afresh
    keeps those bytes out of the next published warehouse; every file is landed again.
    """
    if settings.work_file.exists() and not settings.raw_file.exists():
        for stale in (settings.work_file, settings.work_file.with_name(settings.work_file.name + ".wal")):
            stale.unlink(missing_ok=True)


def _model_step(table: str, description: str) -> Step:
    """The step of a model with nothing of its own to add: built by the generic builder of the kind
    its header names (`incremental.BUILDERS_BY_KIND`), or made a view (`materialized=view`)."""
    model = load_models()[table]
    if model.materialized == "view":
        return _view_step(table, description)
    if model.kind not in BUILDERS_BY_KIND:
        raise ModelError(f"{model.file}: kind={model.kind} has no generic builder: give its step a "
                         f"builder of its own (Step({table!r}, build_...))")
    build = BUILDERS_BY_KIND[model.kind]

    def run(ctx: RunContext) -> Metadata:
        return build(ctx, table)

    return Step(table, run, description)


def _view_step(name: str, description: str) -> Step:
    def run(ctx: RunContext) -> Metadata:
        return {"rows": build_view(ctx.engine, name)}

    return Step(name, run, description)


UNREAD_INPUTS_DDL = """
CREATE OR REPLACE TABLE quality.unread_inputs (path VARCHAR, reason VARCHAR, ignored_by VARCHAR)
"""


def _unread_inputs(ctx: RunContext) -> Metadata:
    """What in the input folder no reader takes; its gate stops the run before anything is landed."""
    require_input(ctx.settings.input_dir, ctx.settings.ignore_inputs)
    found = unread_inputs(ctx.settings.input_dir, ctx.settings.ignore_inputs)
    ctx.con.execute(UNREAD_INPUTS_DDL)
    if found:
        ctx.con.execute(
            "INSERT INTO quality.unread_inputs SELECT unnest($paths), unnest($reasons), unnest($ignored)",
            {"paths": [item.path for item in found], "reasons": [item.reason for item in found],
             "ignored": [item.ignored_by for item in found]},
        )
    ignored = sum(item.ignored_by is not None for item in found)
    return {"unread": len(found) - ignored, "ignored": ignored}


def _raw_step(source_table: str) -> Step:
    source = next(s for s in SOURCES if s.raw_table == source_table)
    reader = reader_of(source)

    def run(ctx: RunContext) -> Metadata:
        # again here: in Dagster a raw asset may run although the unread-inputs asset failed
        require_input(ctx.settings.input_dir, ctx.settings.ignore_inputs)
        phases = _taxonomy_phases(ctx.settings) if reader.needs_phases else None
        with private_files():  # the raw file's write-ahead log holds the plain text meanwhile
            result = land_source(ctx.con, ctx.settings.input_dir, source, ctx.load_id,
                                 ctx.incremental, ctx.scope, phases,
                                 temp_dir=temp_dir_for(ctx.settings.work_file))
        metadata: Metadata = {"files": result.files, "rows": result.rows,
                              "unreadable_rows": result.errors}
        if ctx.incremental:
            metadata |= {"files_unchanged": result.unchanged, "files_removed": result.removed}
        return metadata

    # what the reader keeps beside the records (the custom sources' mappings, for staging.custom_events)
    return Step(source.raw_table, run, f"{source.description}, one row per record, as exported.",
                reads=("quality.unread_inputs",), writes=(source.raw_table, *reader.keeps))


# Tables every landing (and typing) step adds rows to: each has a step of its own after all of them,
# which counts it, so that its readers run after every writer
LEDGERS = {
    "raw.landed_files": "Every landed export file with its size, modification time and digest, so "
                        "an incremental run lands only new or changed files.",
    "raw.ingest_errors": "Every record or file that could not be landed or typed, with file, row and "
                         "reason (quality.rejected_rows shows them).",
}


def _ledger_step(table: str) -> Step:
    def run(ctx: RunContext) -> Metadata:
        ctx.con.execute(INGEST_ERRORS_DDL)  # a run that landed nothing has them too
        ctx.con.execute(LANDED_FILES_DDL)
        return {"rows": row_count(ctx.con, table)}

    return Step(table, run, LEDGERS[table], writes=(table,),
                reads=tuple(s.raw_table for s in SOURCES) + tuple(s.staged_table for s in SOURCES))


def _taxonomy_phases(settings: Settings) -> set[str] | None:
    """The phases custom sources' rules may name (None: the taxonomy is invalid; its step says why)."""
    try:
        return {p.name for p in load_taxonomy(settings.taxonomy, DEFAULT_TAXONOMY).phases}
    except ValueError:
        return None


def _taxonomy(ctx: RunContext) -> Metadata:
    taxonomy = load_taxonomy(ctx.settings.taxonomy, DEFAULT_TAXONOMY)
    # custom sources' rules (match.source = their name) after the taxonomy's, which can override them
    custom = custom_taxonomy_rules(ctx.settings.input_dir, {p.name for p in taxonomy.phases})
    if custom:
        taxonomy = Taxonomy(phases=taxonomy.phases, rules=taxonomy.rules + custom).check("custom sources")
    return {"rules": write_taxonomy_tables(ctx.con, taxonomy), "custom_source_rules": len(custom)}


def _channel_sources(ctx: RunContext) -> Metadata:
    return {"rows": write_channel_sources(ctx.con)}


def _graph(ctx: RunContext) -> Metadata:
    """The journey graph into the run's release folder: readers see it only with its warehouse."""
    digraph = graph.from_transitions(ctx.con)
    digraph.graph["load_id"] = ctx.load_id  # which run's graph it is (also in the GraphML)
    paths = graph.export(digraph, release.prepare(ctx.settings.warehouse, ctx.load_id))
    return {"nodes": digraph.number_of_nodes(), "edges": digraph.number_of_edges(),
            **{f"path_{k}": str(v) for k, v in paths.items()}}


def _bi(ctx: RunContext) -> Metadata:
    return bi.build_views(ctx.con)


def _publish(ctx: RunContext) -> Metadata:
    """Complete the run's release folder (warehouse copy, Parquet snapshot) and switch it in whole.

    A failure before the switch deletes the folder: no reader ever saw it, and the published
    release stays as it was (journeyflow.release).
    """
    warehouse = ctx.settings.warehouse
    folder = release.prepare(warehouse, ctx.load_id)
    try:
        if not all((folder / name).is_file() for name in release.GRAPH_FILES):
            _graph(ctx)  # its step ran in another run (Dagster can materialise this asset alone)
        record_published(ctx.con, ctx.load_id)
        ctx.con.execute("CHECKPOINT")
        snapshot = bi.ParquetSnapshot(ctx.con, folder / release.PARQUET, ctx.load_id)
        # the snapshot is written while the file is copied; the copy is taken after the checkpoint
        copy_working_file(ctx.settings.work_file, folder / warehouse.name, while_copying=snapshot.write)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    release.switch(warehouse, folder)
    deleted = release.prune(warehouse)
    return {"published": str(warehouse), "release": str(folder), "parquet_rows": snapshot.rows,
            "releases_deleted": deleted}


MARTS = ("marts.transitions", "marts.phase_funnel")
ANALYTICS_MARTS = (
    "marts.transitions_by_scope", "marts.paths", "marts.unmapped_events", "marts.attribution",
    "marts.channel_costs", "marts.attribution_costs",
    "marts.touchpoint_graph_metrics",
    "marts.phase_funnel_breakdown", "marts.phase_times",
    "marts.touchpoint_kpis", "marts.segment_journeys", "marts.segment_comparison", "marts.funnels",
)

# In the order they run; what each reads is in its SQL models (sql/, journeyflow.models) and, for
# what Python reads or writes, in `reads` and `writes` here. `deps` follow (`with_generated_deps`).
DECLARED_STEPS: tuple[Step, ...] = (
    Step("quality.unread_inputs", _unread_inputs,
         "Files and folders in the input folder that no source reads, with what was probably meant; "
         "a blocking gate unless ignore_inputs lists them.", writes=("quality.unread_inputs",)),
    *(_raw_step(s.raw_table) for s in SOURCES),
    *(_model_step(s.staged_table, "Typed records with reject reason and duplicate flag.")
      for s in SOURCES),
    *(_ledger_step(table) for table in LEDGERS),
    Step("staging.events", build_events,
         "Canonical events of every source, one row per event_id; incremental per changed file."),
    _model_step("staging.record_outcomes",
                "Every raw record: loaded, rejected or duplicate (a view: its two readers aggregate "
                "or filter it, writing its rows cost more than both)."),
    _model_step("quality.rejected_rows",
                "Every record or file that could not be used, with file, row and reason."),
    _model_step("quality.load_summary",
                "Per file: rows read = loaded + rejected + duplicate; files no source reads as "
                "'not read'."),
    _model_step("staging.ad_costs",
                "Paid media cost per platform, day, campaign and currency (not person-level: no "
                "events); the latest report of each day."),
    Step("core.taxonomy_rules", _taxonomy, "The touchpoint taxonomy rules, one row per match.",
         writes=("core.taxonomy_rules", "core.phases")),
    _model_step("staging.identity_keys",
                "Each combination of identifiers seen together on an event or profile record, "
                "with when it was first seen."),
    _model_step("quality.identity_conflicts",
                "Identifiers shared by too many persons (office PC cookie, support@ mailbox): not stitched."),
    # the components are labelled in Python (journeyflow.identity) over the links
    Step("core.identity_map", build_identity,
         "Identifier to person_id, by connected components over identifiers seen together; "
         "incremental per component.", reads=("core.identity_links",), writes=("core.identity_components",)),
    Step("core.event_persons", build_event_persons,
         "Each event's person (strongest identifier not shared by too many people); incremental."),
    # its build state digests core.phases beside the rules (journeyflow.incremental)
    Step("core.touchpoints", build_touchpoints,
         "Classified events of known persons with session and journey; incremental per person.",
         reads=("core.phases",)),
    Step("core.channel_sources", _channel_sources,
         "GA4's source categories (search, social, shopping, video sites), one row per source.",
         writes=("core.channel_sources",)),
    # core.sessions' channel groups join core.channel_sources: its content is in the build state
    _model_step("core.sessions", "One row per session; incremental per person."),
    Step("core.journeys", build_journeys, "One row per person journey; incremental per person."),
    _model_step("core.journey_transitions",
                "Each journey's, session's and person's node-to-node transitions at touchpoint, "
                "channel and phase level; incremental per person."),
    _model_step("marts.transitions_by_scope",
                "Graph edges at touchpoint, channel and phase level, per journey, session and person."),
    _model_step("marts.transitions", "Journey graph edges with START, CONVERSION and EXIT."),
    _model_step("marts.phase_funnel", "Persons per phase and drop-off."),
    Step("marts.path_steps", build_path_steps,
         "Each journey's steps before its first conversion, with rule-based attribution credit "
         "and the next step (the Markov model's edges); incremental per person."),
    _model_step("marts.paths", "Top path variants with conversion rate, per journey, session and person."),
    _model_step("marts.unmapped_events",
                "Events no taxonomy rule matched, by source, event and page, by volume."),
    Step("marts.attribution", build_attribution,
         "Conversion credit per touchpoint and channel under seven attribution models.",
         reads=("marts.path_steps",)),
    _model_step("marts.channel_costs",
                "Ad cost per channel, campaign and currency with the journeys it acquired: cost "
                "per acquired journey, per conversion and ROAS (currencies never added)."),
    _model_step("marts.attribution_costs",
                "Per rule-based attribution model, channel, campaign and currency: credited "
                "conversions and value, cost per conversion and ROAS."),
    Step("marts.touchpoint_graph_metrics", build_graph_metrics,
         "Per unit (journey, session, person) and touchpoint: absorbing-Markov conversion "
         "probability, removal effect, exit rate.", reads=("marts.transitions_by_scope",)),
    _model_step("marts.phase_funnel_breakdown",
                "Phase funnel by first channel, first touchpoint and start month; any/strict order, "
                "within the conversion window."),
    _model_step("marts.phase_times",
                "Days from a person's first time in one phase to the first time in a later phase."),
    _model_step("marts.touchpoint_steps",
                "Each journey step with its exit, time to the next step and the answers and "
                "tickets after it, for the touchpoint KPIs; incremental per person."),
    _model_step("marts.touchpoint_kpis",
                "Per touchpoint: reach, conversion after it, NPS/CSAT and tickets after it, timing, "
                "exits and a pain-point score and rank."),
    Step("marts.segment_journeys", build_segment_journeys,
         "The journeys of the two compared segments (segment_by: first channel or utm_campaign)."),
    Step("marts.segment_comparison", build_segment_comparison,
         "Segment A vs B: conversion rate, phase reach, difference with z-test and 95% interval.",
         reads=("marts.segment_journeys",)),
    Step("marts.funnels", build_funnels,
         "Every funnel of funnels.yaml (ordered, strict or any order; per person, journey or session): "
         "units per step, conversion, median time, by channel, campaign, cohort month and segment."),
    Step("exports.journey_graph", _graph,
         "The journey graph as GraphML and node-link JSON, into the run's release folder (published "
         "with the warehouse).", reads=("marts.transitions",), writes=("exports.journey_graph",)),
    # the views themselves are models (sql/bi/*.sql, built_by=bi.views)
    Step("bi.views", _bi, "Stable, commented views for dashboards (sql/bi/contract.yaml).",
         writes=("bi.views",)),
    Step("exports.published_warehouse", _publish,
         "The finished warehouse without its raw layer, with the journey graph and a Parquet "
         "snapshot of every bi view, published together by one atomic switch of the release folder.",
         reads=("quality.rejected_rows", "quality.load_summary", "core.sessions", "core.journeys",
                *MARTS, *ANALYTICS_MARTS, "exports.journey_graph", "bi.views"),
         writes=("exports.published_warehouse", "quality.published_loads")),
)


def with_generated_deps(steps: tuple[Step, ...]) -> tuple[tuple[Step, ...], dict[str, Producer]]:
    """The steps with their `deps` generated from the models and their declarations, and the
    producer of every table (ModelError: a model or declaration the catalogue cannot accept)."""
    producers = catalogue(load_models(), steps)
    deps = step_deps(steps, producers)
    return tuple(replace(step, deps=deps[step.name]) for step in steps), producers


STEPS, PRODUCERS = with_generated_deps(DECLARED_STEPS)
STEPS_BY_NAME = {step.name: step for step in STEPS}


def run_pipeline(
    settings: Settings,
    on_step: Callable[[Step, Metadata], None] | None = None,
    incremental: bool = False,
    scope: LoadScope = ALL_FILES,
    as_of: datetime | None = None,
) -> dict[str, Metadata]:
    """Run every step in order in one connection, with the quality checks after the table they guard.

    A failing blocking check raises QualityGateFailed: later steps (and publishing) do not run.
    `incremental` lands only new or changed files and recomputes the persons they affect; the
    result equals a full rebuild's (tests/test_incremental.py). `as_of` is the run's "now" (default:
    the run's start, UTC); two runs on the same inputs with the same as_of give the same warehouse.
    """
    results: dict[str, Metadata] = {}
    with open_run(settings, incremental=incremental, scope=scope, as_of=as_of) as ctx:
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
