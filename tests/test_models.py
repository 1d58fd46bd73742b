"""The model layer (journeyflow.models): headers, the producer of every table, and the kinds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from builders import T0, ga4_event, write_ga4
from conftest import settings_for
from journeyflow.bi import load_contract
from journeyflow.config import Settings
from journeyflow.connection import connect
from journeyflow.incremental import BUILDERS_BY_KIND
from journeyflow.models import (
    BOOKKEEPING,
    KINDS,
    ModelError,
    catalogue,
    load_models,
    lookup_tables,
    parse_model,
)
from journeyflow.pipeline import DECLARED_STEPS, PRODUCERS, STEPS, Step, run_pipeline
from journeyflow.sources import SOURCES

# Steps that make files, not tables (their name is an artifact of the run)
ARTIFACTS = {"exports.journey_graph", "exports.published_warehouse", "bi.views"}


def model_file(tmp_path: Path, text: str, table: str = "marts.things") -> Path:
    layer, name = table.split(".")
    path = tmp_path / "sql" / layer / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "-- model: kind=by_person key=person_id\n"
GOOD = HEADER + "-- grain: one row per thing\nselect person_id from core.touchpoints\n"


def test_a_model_reads_the_tables_its_sql_names_without_its_ctes(tmp_path):
    path = model_file(tmp_path, (
        "-- model: kind=full\n-- grain: one row per person\n"
        "with touchpoints as (select * from core.touchpoints where occurred_at < $as_of)\n"
        "select t.person_id from touchpoints as t join core.journeys as j using (person_id)\n"
        "where j.person_id not in (select person_id from temp_persons)\n"
    ))
    model = parse_model(path)
    # the CTE `touchpoints` and the temp table have no schema: neither is a table it reads
    assert model.reads == {"core.touchpoints", "core.journeys"}
    assert model.params == {"as_of"}
    assert (model.table, model.kind, model.key, model.materialized) == ("marts.things", "full", None, "table")
    assert model.grain == "one row per person"


def test_fragments_are_read_as_the_sql_that_runs():
    # sql/core/sessions.sql names core.channel_sources only inside {{ default_channel_group(...) }}
    assert "core.channel_sources" in load_models()["core.sessions"].reads
    # staging.event_versions reads every staged source through {{ events_of_every_source }}
    assert "staging.ga4_events" in load_models()["staging.event_versions"].reads


@pytest.mark.parametrize(("text", "message"), [
    ("-- grain: one row per thing\nselect 1\n", "sql/marts/things.sql: no '-- model:' line"),
    ("-- model: kind=by_week key=day\n-- grain: x\nselect 1\n",
     "sql/marts/things.sql: unknown kind 'by_week'"),
    ("-- model: kind=by_person\n-- grain: x\nselect 1\n",
     "sql/marts/things.sql: kind by_person needs the key"),
    ("-- model: kind=full colour=red\n-- grain: x\nselect 1\n",
     "sql/marts/things.sql: unknown field 'colour'"),
    ("-- model: kind full\n-- grain: x\nselect 1\n", "sql/marts/things.sql: 'kind' in its model header"),
    ("-- model: kind=full materialized=index\n-- grain: x\nselect 1\n",
     "sql/marts/things.sql: materialized=index"),
    ("-- model: kind=by_person key=person_id materialized=view\n-- grain: x\nselect 1\n",
     "sql/marts/things.sql: a view is never rebuilt in parts"),
    ("-- model: kind=full\nselect 1\n", "sql/marts/things.sql: no '-- grain:' line"),
    ("-- model: kind=full\n-- grain: x\nselect from where\n", "sql/marts/things.sql: its SQL does not parse"),
])
def test_a_bad_header_names_the_file_and_what_is_wrong(tmp_path, text, message):
    with pytest.raises(ModelError, match="^" + message.replace("(", r"\(").replace("*", r"\*")):
        parse_model(model_file(tmp_path, text))


def test_a_table_nobody_produces_or_two_producers_are_refused_naming_the_file(tmp_path):
    models = load_models()
    typo = parse_model(model_file(tmp_path, GOOD.replace("core.touchpoints", "core.touchpionts")))
    with pytest.raises(ModelError, match=r"^sql/marts/things.sql: reads core.touchpionts, which no"):
        catalogue({**models, typo.table: typo}, [*DECLARED_STEPS, Step("marts.things", print, "")])
    phases_too = "-- model: kind=full writes=core.phases\n" + GOOD.removeprefix(HEADER)
    twice = parse_model(model_file(tmp_path, phases_too))
    with pytest.raises(ModelError, match=r"core.phases, which sql/marts/things.sql \(writes=\) writes"):
        catalogue({**models, twice.table: twice}, [*DECLARED_STEPS, Step("marts.things", print, "")])
    with pytest.raises(ModelError, match=r"^sql/marts/things.sql: built_by=marts.things names no"):
        catalogue({**models, twice.table: twice}, DECLARED_STEPS)


@pytest.mark.parametrize(("sql", "message"), [
    # a total over every person: the rebuilt persons would be joined to last run's figures
    ("select t.person_id, m.transitions from core.touchpoints as t cross join marts.transitions as m",
     r"^sql/marts/things.sql: kind=by_person reads marts.transitions, which is built over every "
     r"person's core.touchpoints: .* as a parameter"),
    # not rebuilt from the changed persons' rows at all
    ("select person_id from core.sessions",
     r"^sql/marts/things.sql: kind=by_person but it does not read core.touchpoints"),
])
def test_a_by_person_model_that_breaks_its_kinds_rules_is_refused_when_the_models_load(
        tmp_path, sql, message):
    bad = parse_model(model_file(tmp_path, HEADER + "-- grain: one row per thing\n" + sql + "\n"))
    with pytest.raises(ModelError, match=message):
        catalogue({**load_models(), bad.table: bad}, [*DECLARED_STEPS, Step("marts.things", print, "")])


def test_a_by_person_model_may_read_other_by_person_tables_and_lookups(tmp_path):
    # core.sessions is by_person (the same persons' rows, rebuilt before); core.phases is built from
    # the taxonomy file, from no person's data: a lookup whose content goes into the build state
    sql = ("select t.person_id, s.session_id, p.phase_order from core.touchpoints as t "
           "join core.sessions as s using (person_id) join core.phases as p on p.phase = t.phase")
    good = parse_model(model_file(tmp_path, HEADER + "-- grain: one row per thing\n" + sql + "\n"))
    producers = catalogue({**load_models(), good.table: good},
                          [*DECLARED_STEPS, Step("marts.things", print, "")])
    # its own lookup and core.sessions' (the channel sources its channel groups join)
    assert lookup_tables("marts.things", producers) == ("core.channel_sources", "core.phases")


def test_the_shipped_by_person_models_digest_the_lookups_their_sql_reads():
    by_person = {table: lookup_tables(table, PRODUCERS) for table, producer in PRODUCERS.items()
                 if producer.kind == "by_person" and producer.model.table == table
                 and table != "core.touchpoints"}
    assert by_person == {
        "core.sessions": ("core.channel_sources",),  # GA4's source categories
        "core.journeys": ("core.phases",),  # the phases' order decides a journey's end
        "core.journey_transitions": (),
        "marts.path_steps": ("core.channel_sources",),  # through core.sessions' channel groups
        "marts.touchpoint_steps": (),
    }


def test_every_shipped_model_has_a_header_and_a_known_kind():
    models = load_models()
    assert len(models) > 60
    assert {m.kind for m in models.values()} <= set(KINDS)
    assert {t for t, m in models.items() if m.materialized == "view"} == (
        {"staging.record_outcomes"} | {f"bi.{view.name}" for view in load_contract()})


def test_the_bi_contracts_requires_are_what_the_views_read():
    models = load_models()
    assert {view.name: set(view.requires) for view in load_contract()} == {
        view.name: set(models[f"bi.{view.name}"].reads) for view in load_contract()}


def test_a_sources_requires_are_the_staged_tables_its_staging_sql_reads():
    models = load_models()
    for source in SOURCES:
        read = {t for t in models[source.staged_table].reads if t.startswith("staging.")}
        assert read == set(source.requires), source.name


def test_every_table_of_the_warehouse_has_exactly_one_producer(sample_run: Settings):
    # exactly one: catalogue() refuses a second producer, so each table here is in PRODUCERS once
    con = connect(sample_run.work_file, read_only=True, raw_file=sample_run.raw_file)
    try:
        found = {f"{schema}.{name}" for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog <> 'temp'").fetchall()}
    finally:
        con.close()
    produced = set(PRODUCERS) - ARTIFACTS
    assert found - set(BOOKKEEPING) == produced
    assert {"core.phases", "core.identity_links", "core.identity_components", "staging.event_versions",
            "raw.ingest_errors", "raw.landed_files", "core.touchpoint_inputs"} <= produced
    assert set(BOOKKEEPING) <= found


# What each kind's builder reports on an incremental run (journeyflow/incremental.py): the rows it
# rebuilt by the kind's key, the narrowest key first (staging.events reports the files that changed
# and the event ids it rebuilt from them: it is rebuilt by event). A full table reports none of them.
REPORTS = {
    "by_person": {"persons_recomputed"},
    "by_component": {"identifiers_relabelled"},
    "by_event": {"events_recomputed", "event_ids_changed"},
    "by_file": {"files_changed", "inputs_changed"},
}


def test_each_tables_kind_is_how_an_incremental_run_rebuilds_it(tmp_path):
    write_ga4(tmp_path / "input", [ga4_event(T0, "page_view", "c1", path="/pricing")])
    settings = settings_for(tmp_path / "input", tmp_path)
    run_pipeline(settings)
    write_ga4(tmp_path / "input", [ga4_event(T0 + timedelta(days=1), "purchase", "c1", value=5.0)],
              name="events_20260602.ndjson")
    results = run_pipeline(settings, incremental=True)
    kinds = {}
    for step in STEPS:
        model = PRODUCERS[step.name].model
        if model is None:
            continue
        reported = [kind for kind, keys in REPORTS.items() if keys & results[step.name].keys()]
        kinds[step.name] = reported[0] if reported else "full"
    assert kinds == {step.name: PRODUCERS[step.name].kind for step in STEPS if PRODUCERS[step.name].model}
    assert results["core.sessions"]["persons_recomputed"] == 1


def test_the_parse_cache_gives_what_parsing_gives(tmp_path, monkeypatch):
    import journeyflow.models as models
    from journeyflow.sql_templates import SQL_DIR

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for empty in ("_PARSE_CACHE", "_PARSE_CACHE_CHANGED", "_PARSE_CACHE_READ"):
        monkeypatch.setattr(models, empty, type(getattr(models, empty))())
    parsed = models._load_models.__wrapped__(SQL_DIR)  # nothing cached: every file parsed, then saved
    assert (tmp_path / "journeyflow").is_dir()
    for empty in ("_PARSE_CACHE", "_PARSE_CACHE_CHANGED", "_PARSE_CACHE_READ"):
        monkeypatch.setattr(models, empty, type(getattr(models, empty))())

    def no_parsing(query: str) -> None:
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(models, "parse", no_parsing)
    assert models._load_models.__wrapped__(SQL_DIR) == parsed


def test_a_step_by_kind_takes_the_generic_builder_of_its_models_kind():
    # full, by_file, by_person: one builder each, picked from the header; a view is made a view
    from journeyflow.incremental import build_full, build_per_person, build_staged_source
    from journeyflow.pipeline import _model_step

    generic = {"full": build_full, "by_file": build_staged_source, "by_person": build_per_person}
    assert generic == BUILDERS_BY_KIND
    for table in ("marts.phase_funnel", "staging.ga4_events", "core.sessions", "bi.transitions"):
        assert _model_step(table, "described").name == table
    # by_event and by_component redo more than their key's change log: a builder of their own
    with pytest.raises(ModelError, match=r"^sql/staging/events.sql: kind=by_event has no generic builder"):
        _model_step("staging.events", "described")
    with pytest.raises(ModelError, match=r"^sql/core/identity_map.sql: kind=by_component has no generic"):
        _model_step("core.identity_map", "described")
