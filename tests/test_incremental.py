"""Incremental runs: only new or changed files are loaded and only affected persons recomputed,
and the result is exactly what a full rebuild of the same files gives."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from builders import T0, ga4_event, write_custom, write_ga4
from conftest import SAMPLE, copy_build, settings_for
from journeyflow.config import Settings
from journeyflow.pipeline import run_pipeline
from journeyflow.scope import ALL_FILES, LoadScope, file_day
from journeyflow.sources import SOURCES

# Columns that name the run that loaded a row: they differ between any two runs by design.
RUN_COLUMNS = {"_load_id", "load_id", "_loaded_at"}
# Tables that log runs (one row per run or check), not the data; staging.event_inputs digests each
# staged file's rows with their load ids; the change log counts updates.
RUN_LOGS = {"quality.check_results", "quality.table_counts", "quality.published_loads",
            "quality.build_state", "raw.landed_files", "staging.event_inputs", "quality.change_log",
            "quality.change_log_seen"}


def day_scope(day: date, lookback: int = 3) -> LoadScope:
    """What the nightly run for `day` looks at: files of that day and the lookback days before."""
    return LoadScope(first_day=day - timedelta(days=lookback), last_day=day)


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every data table's rows, sorted, without run ids; floats rounded to 9 places."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            f"{schema}.{name}"
            for schema, name in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' AND table_schema IN "
                "('raw', 'staging', 'quality', 'core', 'marts')"
            ).fetchall()
        ]
        result = {}
        for table in sorted(set(tables) - RUN_LOGS):
            columns = [
                (name, dtype) for name, dtype in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                    table.split("."),
                ).fetchall()
                if name not in RUN_COLUMNS
            ]
            select = ", ".join(
                f'round("{name}", 9)' if dtype in ("DOUBLE", "FLOAT") else f'"{name}"'
                for name, dtype in columns
            )
            result[table] = sorted(
                con.execute(f"SELECT {select} FROM {table}").fetchall(), key=repr
            )
        return result
    finally:
        con.close()


def assert_same_tables(got: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    assert sorted(got) == sorted(expected)
    differing = [t for t in expected if got[t] != expected[t]]
    assert not differing, f"tables that differ from the full rebuild: {differing}"


def assert_equals_full_rebuild(nightly: Settings, folder: Path, tmp_path: Path,
                               scope: LoadScope = ALL_FILES, as_of: datetime | None = None,
                               **overrides: object) -> None:
    """The warehouse the incremental runs left equals a full rebuild of the same input folder
    (of the files `scope` covers, at the last run's `as_of`)."""
    full = settings_for(folder, tmp_path / "full", **overrides)
    run_pipeline(full, scope=scope, as_of=as_of)
    assert_same_tables(snapshot(nightly.warehouse), snapshot(full.warehouse))


def test_file_day_comes_from_the_name():
    assert file_day("ga4/events_20260605.ndjson.gz") == date(2026, 6, 5)
    assert file_day("tickets-2026-06-05.json") == date(2026, 6, 5)
    assert file_day("contacts.csv") is None
    assert file_day("export_20261399.csv") is None  # not a date


@pytest.fixture(scope="module")
def sample_full(sample_run: Settings) -> Path:
    """A full build of the sample (the session's, conftest.py)."""
    return sample_run.warehouse


# The sample's shop, ad-cost, lead-form and Mailchimp exports (issue #26), by the range before
# which they arrive: files without a day in their names, so each lands with the first run that
# finds it, into a warehouse that already holds the persons they belong to
LATE_FOLDERS = {1: ("meta_leads", "linkedin_leads", "shopify"), 2: ("mailchimp", "google_ads", "meta_ads")}


def test_incremental_runs_over_the_sample_equal_a_full_rebuild(sample_full, tmp_path):
    # The sample's GA4 days run from 2026-06-01 to 2026-09-27; load it as three backfill ranges
    # (first_day - 3 .. last_day each, like `journeyflow run --from --to`), then as one more
    # nightly run that finds nothing new. CRM and support snapshots land with the first range, the
    # newer sources' exports with the second and third (LATE_FOLDERS), as later deliveries would.
    folder = tmp_path / "input"
    late = [name for names in LATE_FOLDERS.values() for name in names]
    shutil.copytree(SAMPLE, folder, ignore=lambda path, names: late if Path(path) == SAMPLE else [])
    settings = settings_for(folder, tmp_path)
    ranges = [(date(2026, 6, 1), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 8, 15)),
              (date(2026, 8, 16), date(2026, 9, 30))]
    for number, (first, last) in enumerate(ranges):
        for name in LATE_FOLDERS.get(number, ()):
            shutil.copytree(SAMPLE / name, folder / name)
        results = run_pipeline(settings, incremental=True,
                               scope=LoadScope(first_day=first - timedelta(days=3), last_day=last))
        for name in LATE_FOLDERS.get(number, ()):  # each arrived folder is read by that run
            assert any(results[s.raw_table]["files"] for s in SOURCES if s.folder == name), name
    # the copy's build equals the build of the sample where it lies: nothing names the input folder
    assert_same_tables(snapshot(settings.warehouse), snapshot(sample_full))
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    sources = {s for (s,) in con.execute("SELECT DISTINCT source FROM staging.events").fetchall()}
    costs = con.execute("SELECT count(*) FROM staging.google_ads_campaigns").fetchone()[0]
    con.close()
    assert {"shopify", "mailchimp", "meta_leads", "linkedin_leads"} <= sources and costs > 0

    before = snapshot(settings.warehouse)
    results = run_pipeline(settings, incremental=True, scope=day_scope(date(2026, 9, 30)))
    assert results["raw.ga4_events"]["files"] == 0
    assert results["staging.ga4_events"]["files_changed"] == 0
    # sources that join others (custom mappings, Salesforce contact roles) are not derived again
    assert results["raw.custom_events"]["files"] == 0
    assert results["staging.salesforce_opportunity_history"]["inputs_changed"] is False
    assert results["staging.events"]["event_versions_rederived"] == 0
    assert results["core.touchpoints"]["persons_recomputed"] == 0
    assert snapshot(settings.warehouse) == before


def _day_files(folder: Path) -> None:
    """Five GA4 days for two people; c2 logs in on day 3, which ties its day-1 cookie to u2."""
    day = timedelta(days=1)
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/blog/a"),
                       ga4_event(T0, "page_view", "c2", path="/blog/b")], "events_20260601.ndjson")
    write_ga4(folder, [ga4_event(T0 + day, "page_view", "c1", path="/pricing")],
              "events_20260602.ndjson")
    write_ga4(folder, [ga4_event(T0 + 2 * day, "login", "c2", user_id="u2"),
                       ga4_event(T0 + 2 * day + timedelta(minutes=1), "page_view", "c2",
                                 user_id="u2", path="/pricing")], "events_20260603.ndjson")
    write_ga4(folder, [ga4_event(T0 + 3 * day, "page_view", "c3", path="/blog/a")],
              "events_20260604.ndjson")
    write_ga4(folder, [ga4_event(T0 + 4 * day, "purchase", "c1", value=50.0)],
              "events_20260605.ndjson")


# -- shared first builds ----------------------------------------------------------------------
# Several tests start from the same preparation of the same input with the same settings: the five
# `_day_files` days built in full, run night by night, or run once incrementally; the sample run
# once incrementally. Each is built once per module (one input folder, only read); a test that runs
# the pipeline again works on its own copy (copy_build).


@pytest.fixture(scope="module")
def day_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `_day_files` input folder, written once per module: the fixtures below build from it
    and only read it; a test that changes its input changes a copy."""
    folder = tmp_path_factory.mktemp("day_files") / "input"
    _day_files(folder)
    return folder


@pytest.fixture(scope="module")
def day_files_full(day_files: Path) -> Settings:
    """A full build of `_day_files` with the default settings (read it, or copy it)."""
    full = settings_for(day_files, day_files.parent / "full")
    run_pipeline(full)
    return full


@pytest.fixture(scope="module")
def day_files_nightly(day_files: Path) -> tuple[Settings, list[dict]]:
    """`_day_files` loaded by five nightly runs, one per day (each with its 3 lookback days), with
    the default settings: the warehouse and each night's results (read it, or copy it)."""
    nightly = settings_for(day_files, day_files.parent / "nightly")
    nights = [run_pipeline(nightly, incremental=True,
                           scope=day_scope(date(2026, 6, 1) + timedelta(days=offset)))
              for offset in range(5)]
    return nightly, nights


@pytest.fixture(scope="module")
def day_files_first_incremental(day_files: Path) -> Settings:
    """`_day_files` loaded by one incremental run (no earlier state, every file) with the default
    settings (copy it)."""
    nightly = settings_for(day_files, day_files.parent / "first_incremental")
    run_pipeline(nightly, incremental=True)
    return nightly


@pytest.fixture(scope="module")
def sample_first_incremental(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the sample loaded by one incremental run (no earlier state) with the default
    settings: its input folder is only read; a test that changes the input copies it."""
    base = tmp_path_factory.mktemp("sample_first_incremental")
    shutil.copytree(SAMPLE, base / "input")
    nightly = settings_for(base / "input", base / "nightly")
    run_pipeline(nightly, incremental=True)
    return nightly


def test_nightly_runs_day_by_day_equal_a_full_rebuild(day_files_full, day_files_nightly):
    nightly, nights = day_files_nightly
    recomputed = []
    for results in nights:
        assert results["raw.ga4_events"]["files"] == 1  # only that day's file is read
        recomputed.append(results["core.event_persons"].get("events_recomputed"))
    assert_same_tables(snapshot(nightly.warehouse), snapshot(day_files_full.warehouse))
    # Events whose person is worked out again, per night: day 1 builds the table (no count); days
    # 2, 4 and 5 bring one new event each; day 3 brings c2's login and page view (2). The login adds
    # user:u2 to c2's person, which keeps its id (named after its earliest identifier, anon:c2), so
    # c2's day-1 event keeps its person and is not redone.
    assert recomputed == [None, 1, 2, 1, 1]


def _touch_later(path: Path) -> None:
    """A re-export: same name, newer modification time (GA4 rewrites a day's table for 72 hours)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def test_a_late_event_lands_in_its_own_day_session_and_journey(day_files_nightly, tmp_path):
    # Day 3's export is re-written on day 5 with an event 10 minutes after c2's day-3 page view.
    # The nightly run of day 5 (lookback 3 days: days 2-5) re-loads day 3's file; the late event
    # joins u2's day-3 session (10 min < 30 min gap), not a session of its own on day 5.
    # the five nights, run on a copy
    nightly = copy_build(day_files_nightly[0], tmp_path / "nightly", tmp_path / "input")
    folder = nightly.input_dir
    day3 = folder / "ga4" / "events_20260603.ndjson"
    late = ga4_event(T0 + timedelta(days=2, minutes=11), "page_view", "c2", user_id="u2",
                     path="/compare")
    with day3.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(late) + "\n")
    _touch_later(day3)

    results = run_pipeline(nightly, incremental=True, scope=day_scope(date(2026, 6, 5)))

    assert results["raw.ga4_events"]["files"] == 1  # day 3 only; days 2, 4, 5 unchanged
    # the re-exported file's three events are derived again, but only the late one is new: c2's
    # login and page view are as they were, so only the late event's person is worked out again
    assert results["staging.events"]["event_versions_rederived"] == 3
    assert results["staging.events"]["event_ids_changed"] == 1
    assert results["core.event_persons"]["events_recomputed"] == 1
    assert results["core.touchpoints"]["persons_recomputed"] == 1  # u2 alone
    # and so are u2's sessions and journeys; the data's end (day 5's purchase) did not move, so no
    # other journey can turn from open to dropped
    assert results["core.sessions"]["persons_recomputed"] == 1
    assert results["core.journeys"]["persons_recomputed"] == 1
    assert results["core.journey_transitions"]["persons_recomputed"] == 1
    assert results["marts.path_steps"]["persons_recomputed"] == 1
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    u2_pricing_session = con.execute(
        "SELECT t.person_id, t.session_number, t.journey_number FROM core.touchpoints AS t "
        "JOIN core.identity_map AS m ON m.person_id = t.person_id AND m.identifier = 'user:u2' "
        "WHERE t.touchpoint = 'pricing_page'"
    ).fetchall()
    late_row = con.execute(
        "SELECT person_id, session_number, journey_number FROM core.touchpoints "
        "WHERE touchpoint = 'comparison_page'"
    ).fetchall()
    con.close()
    assert late_row == u2_pricing_session

    assert_equals_full_rebuild(nightly, folder, tmp_path)


def test_a_removed_or_changed_snapshot_and_a_new_setting_are_picked_up(day_files_first_incremental,
                                                                           tmp_path):
    # A file that disappears takes its rows with it; a changed setting (session gap, attribution
    # half-life) rebuilds the tables that depend on it rather than mixing old and new rows.
    # _day_files, one run, copied
    nightly = copy_build(day_files_first_incremental, tmp_path / "nightly", tmp_path / "input")
    folder = nightly.input_dir
    (folder / "ga4" / "events_20260604.ndjson").unlink()
    results = run_pipeline(nightly.with_overrides(session_gap_minutes=10), incremental=True)
    assert results["raw.ga4_events"]["files_removed"] == 1
    # the half-life and the last-non-direct lookback change no touchpoint, but the credits
    changed = {"session_gap_minutes": 10, "attribution_half_life_days": 2.0,
               "last_non_direct_lookback_days": 30.0}
    results = run_pipeline(nightly.with_overrides(**changed), incremental=True)
    assert results["core.touchpoints"]["persons_recomputed"] == 0
    assert "persons_recomputed" not in results["marts.path_steps"]  # rebuilt in full
    assert_equals_full_rebuild(nightly, folder, tmp_path, **changed)


def test_a_source_whose_events_another_source_reads_changes_those_events_too(tmp_path):
    # Some sources' events consult another source: a Zendesk ticket is rated from the ratings
    # export when that has its rating, Freshdesk's API pages and CSV export are one ticket, a
    # Salesforce contact a lead converted into is created by the conversion. When only the
    # consulted export changes (here: it disappears), those events must be derived again.
    folder = tmp_path / "input"
    shutil.copytree(SAMPLE, folder)
    nightly = settings_for(folder, tmp_path / "nightly", min_row_ratio=0.0)  # sources vanish
    run_pipeline(nightly, incremental=True)
    for export in ("zendesk/satisfaction_ratings.json", "freshdesk/tickets_archive_export.csv",
                   "salesforce/Lead.csv"):
        (folder / export).unlink()
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path, min_row_ratio=0.0)


def test_a_new_salt_derives_the_events_of_every_source_again(sample_first_incremental, tmp_path):
    # A new salt rebuilds every staged table with other email hashes but the same files, load ids
    # and flags: the events made from them must follow, or stitching mixes old and new hashes.
    # the sample's first incremental run, copied; its input folder is shared (only read)
    nightly = copy_build(sample_first_incremental, tmp_path / "nightly")
    folder = nightly.input_dir
    results = run_pipeline(nightly.with_overrides(salt="another-salt"), incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path, salt="another-salt")


def test_a_changed_custom_mapping_or_contact_role_derives_those_sources_again(sample_first_incremental,
                                                                              tmp_path):
    # Custom sources and Salesforce opportunities are rebuilt only when something they read
    # changed: a mapping (here: no value any more), or the contact role that says whose an
    # opportunity is (here: the first opportunity's goes to another contact).
    # the sample's first run, copied
    nightly = copy_build(sample_first_incremental, tmp_path / "nightly", tmp_path / "input")
    folder = nightly.input_dir
    mapping = folder / "custom" / "shop_orders" / "source.yaml"
    mapping.write_text(mapping.read_text().replace("value: Gesamtsumme\n", ""))
    roles = folder / "salesforce" / "OpportunityContactRole.csv"
    text = roles.read_text()
    roles.write_text(text.replace("0067Q0000000001QAA,0037Q0000000001QAA",
                                  "0067Q0000000001QAA,0037Q0000000003QAA"))
    assert roles.read_text() != text
    results = run_pipeline(nightly, incremental=True)
    assert results["raw.custom_events"]["files"] == 2
    assert results["staging.salesforce_opportunity_history"]["inputs_changed"] is True
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)


def test_duplicates_across_files_are_flagged_as_a_full_rebuild_flags_them(tmp_path):
    # The same GA4 line in day 1 and day 2: the copy in the later file is the duplicate. When day
    # 1 is re-exported without it, day 2's copy becomes the one that counts.
    folder = tmp_path / "input"
    event = ga4_event(T0, "page_view", "c1", path="/blog/a")
    first = write_ga4(folder, [event, ga4_event(T0, "page_view", "c9", path="/blog/z")],
                      "events_20260601.ndjson")
    write_ga4(folder, [event], "events_20260602.ndjson")
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    write_ga4(folder, [ga4_event(T0, "page_view", "c9", path="/blog/z")], "events_20260601.ndjson")
    _touch_later(first)
    run_pipeline(nightly, incremental=True)
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    flags = con.execute("SELECT _source_file, _is_duplicate FROM staging.ga4_events "
                        "WHERE _row_hash IN (SELECT _row_hash FROM staging.ga4_events "
                        "GROUP BY 1 HAVING count(*) > 1)").fetchall()
    con.close()
    assert flags == []  # only one copy left, in day 2's file, and it is not a duplicate


def test_an_incremental_run_without_earlier_state_is_a_full_load(tmp_path):
    shutil.copytree(SAMPLE / "hubspot", tmp_path / "input" / "hubspot")
    settings: Settings = settings_for(tmp_path / "input", tmp_path)
    results = run_pipeline(settings, incremental=True)
    assert results["raw.hubspot_contacts"]["files"] == 1
    assert results["raw.hubspot_contacts"]["files_unchanged"] == 0


def test_a_row_rejected_for_a_future_time_is_accepted_once_its_day_comes(tmp_path):
    # A clock-skewed event 1 day and 30 s after the run's as_of, in a GA4 export (typed per file)
    # and in a custom source (rebuilt when what it reads changed), is rejected: more than a day in
    # the future. A run 31 s later (its as_of) accepts both on a full rebuild, and so must a nightly
    # run that finds no new file.
    folder = tmp_path / "input"
    as_of = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
    ahead = as_of + timedelta(days=1, seconds=30)
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/a"),
                       ga4_event(ahead, "page_view", "c1", path="/b")], "events_20260601.ndjson")
    # `plan` is on the first call only, and the third call's time is no time at all (rejected for
    # good): typed alone, the rejected calls would seem to come from a file without `plan`
    calls = [{"at": T0.isoformat(), "user": "u1", "plan": "pro"}, {"at": ahead.isoformat(), "user": "u1"},
             {"at": "not a time", "user": "u2"}]
    write_custom(folder, "calls", "format: ndjson\ntimestamp: at\nevent_name: {value: call}\n"
                 "person_keys: {user_id: user}\nattributes: {plan: plan}\n",
                 {"calls.ndjson": "".join(json.dumps(call) + "\n" for call in calls)})
    nightly = settings_for(folder, tmp_path / "nightly")
    first = run_pipeline(nightly, incremental=True, as_of=as_of)
    assert (first["staging.ga4_events"]["rejected"], first["staging.custom_events"]["rejected"]) == (1, 2)
    later = as_of + timedelta(seconds=31)  # `ahead` is now 1 day minus 1 s away: in range

    results = run_pipeline(nightly, incremental=True, as_of=later)

    assert results["raw.ga4_events"]["files"] == results["raw.custom_events"]["files"] == 0
    assert results["staging.ga4_events"]["files_changed"] == 1  # its file was typed again
    assert results["staging.custom_events"]["inputs_changed"] is True  # rebuilt
    assert (results["staging.ga4_events"]["rejected"], results["staging.custom_events"]["rejected"]) == (0, 1)
    assert_equals_full_rebuild(nightly, folder, tmp_path, as_of=later)
    # the reject that stays is not taken for a change night after night
    again = run_pipeline(nightly, incremental=True, as_of=later + timedelta(days=1))
    assert again["staging.ga4_events"]["files_changed"] == 0
    assert again["staging.custom_events"]["inputs_changed"] is False


def test_a_rerun_at_an_earlier_as_of_rejects_again_what_is_then_in_the_future(tmp_path):
    # The same two files run at `later` (all accepted but the call without a time), then again at
    # the earlier `as_of`: the event 1 day 30 s after `as_of` is in its future again, so the
    # incremental run rejects it as a full rebuild at `as_of` does (GA4: 1, custom: 2 rejects).
    folder = tmp_path / "input"
    as_of = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
    ahead = as_of + timedelta(days=1, seconds=30)
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/a"),
                       ga4_event(ahead, "page_view", "c1", path="/b")], "events_20260601.ndjson")
    calls = [{"at": T0.isoformat(), "user": "u1"}, {"at": ahead.isoformat(), "user": "u1"},
             {"at": "not a time", "user": "u2"}]
    write_custom(folder, "calls", "format: ndjson\ntimestamp: at\nevent_name: {value: call}\n"
                 "person_keys: {user_id: user}\n",
                 {"calls.ndjson": "".join(json.dumps(call) + "\n" for call in calls)})
    nightly = settings_for(folder, tmp_path / "nightly")
    first = run_pipeline(nightly, incremental=True, as_of=as_of + timedelta(days=2))
    assert (first["staging.ga4_events"]["rejected"], first["staging.custom_events"]["rejected"]) == (0, 1)

    results = run_pipeline(nightly, incremental=True, as_of=as_of)

    assert (results["staging.ga4_events"]["rejected"], results["staging.custom_events"]["rejected"]) == (1, 2)
    assert_equals_full_rebuild(nightly, folder, tmp_path, as_of=as_of)


def test_identity_keys_written_as_a_view_by_an_earlier_release_become_the_table(day_files_full, tmp_path):
    # _day_files built in full, copied
    settings = copy_build(day_files_full, tmp_path / "nightly", tmp_path / "input")
    con = duckdb.connect(str(settings.work_file))
    con.execute("DROP TABLE staging.identity_keys")
    # the view as an earlier release wrote it: one row per event (its profile records left out here)
    con.execute("""CREATE VIEW staging.identity_keys AS SELECT occurred_at, 'anon:' || anonymous_id AS anon,
                   'user:' || user_id AS usr, 'email:' || email_hash AS email, crm_contact_id AS crm,
                   support_user_id AS support FROM staging.events""")
    con.close()
    run_pipeline(settings, incremental=True)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = 'staging' AND table_name = 'identity_keys'"
    ).fetchall() == [("BASE TABLE",)]
    # c1, c2 (= u2), c3: three persons' identifiers, as before
    assert con.execute("SELECT count(DISTINCT person_id) FROM core.identity_map").fetchall() == [(3,)]
    con.close()
    # equal to a full rebuild of the same input and settings: the module's (day_files_full)
    assert_same_tables(snapshot(settings.warehouse), snapshot(day_files_full.warehouse))


def test_an_events_later_version_wins_and_its_removal_brings_the_earlier_back(tmp_path):
    # One GA4 event (same cookie, time, name, page: one natural key, one event_id) exported in day
    # 1's file without a user id and again in a later "fix" file with user id u1: the later file's
    # version is the event. Runs: (1) day 1 alone; (2) the fix file arrives; (3) it is withdrawn.
    folder = tmp_path / "input"
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/blog/a"),
                       ga4_event(T0, "page_view", "c2", path="/blog/b")], "events_20260601.ndjson")
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)

    fix = write_ga4(folder, [ga4_event(T0, "page_view", "c1", user_id="u1", path="/blog/a")],
                    "events_20260601_fix.ndjson")
    results = run_pipeline(nightly, incremental=True)
    # only the fix file's event is derived again; c2's event in day 1 is not touched
    assert results["staging.events"]["files_changed"] == 1
    assert results["staging.events"]["event_versions_rederived"] == 1
    assert results["staging.events"]["event_ids_changed"] == 1
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    events = con.execute("SELECT anonymous_id, user_id, source_file LIKE '%_fix.ndjson' "
                         "FROM staging.events ORDER BY 1").fetchall()
    con.close()
    assert events == [("c1", "u1", True), ("c2", None, False)]  # 2 events, not 3

    fix.unlink()
    results = run_pipeline(nightly, incremental=True)
    # the withdrawn file's version goes; day 1's version of the event, kept aside, is the event again
    assert results["staging.events"]["event_versions_rederived"] == 0
    assert results["staging.events"]["event_ids_changed"] == 1
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    events = con.execute("SELECT anonymous_id, user_id FROM staging.events ORDER BY 1").fetchall()
    con.close()
    assert events == [("c1", None), ("c2", None)]
    assert_equals_full_rebuild(nightly, folder, tmp_path)


def test_a_journey_turns_dropped_when_the_datas_end_passes_its_window(tmp_path):
    # c1's journey (one page view at T0) is open while the data ends at T0. A file 91 days later
    # brings c9's first visit: the data's end moves past c1's 90-day window, so c1's journey is
    # dropped although none of c1's touchpoints changed. c9's journey is new and open.
    folder = tmp_path / "input"
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/blog/a")], "events_20260601.ndjson")
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    write_ga4(folder, [ga4_event(T0 + timedelta(days=91), "page_view", "c9", path="/blog/z")],
              "events_20260831.ndjson")
    results = run_pipeline(nightly, incremental=True)
    assert results["core.touchpoints"]["persons_recomputed"] == 1  # c9
    assert results["core.journeys"]["persons_recomputed"] == 2  # c9, and c1 for its outcome
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    outcomes = con.execute("SELECT first_touchpoint, outcome FROM core.journeys ORDER BY started_at")
    assert outcomes.fetchall() == [("blog_article", "dropped"), ("blog_article", "open")]
    con.close()
    assert_equals_full_rebuild(nightly, folder, tmp_path)


def test_a_lost_change_log_falls_back_to_comparing_everything(day_files_first_incremental, tmp_path):
    # As if a run had failed between two tables: the change log no longer tells what was applied.
    # The next run rebuilds what it must (event_persons, sessions, journeys) and still recomputes
    # only the one changed person's touchpoints, found by comparing all events' persons and digests.
    # _day_files, one run, copied
    nightly = copy_build(day_files_first_incremental, tmp_path / "nightly", tmp_path / "input")
    folder = nightly.input_dir
    con = duckdb.connect(str(nightly.work_file))
    con.execute("DELETE FROM quality.change_log_seen")
    con.close()
    write_ga4(folder, [ga4_event(T0 + timedelta(days=5), "page_view", "c3", path="/pricing")],
              "events_20260606.ndjson")
    results = run_pipeline(nightly, incremental=True)
    assert "events_recomputed" not in results["core.event_persons"]  # rebuilt in full
    assert results["core.touchpoints"]["persons_recomputed"] == 1  # c3
    assert "persons_recomputed" not in results["core.sessions"]  # rebuilt in full
    assert_equals_full_rebuild(nightly, folder, tmp_path)


def test_identity_relabels_only_the_components_a_new_link_touches(tmp_path):
    # Day 1: cookie c1 browses anonymously, c2 logs in as u2, c9 browses. Day 2: c1 logs in as u2,
    # which merges {c1} and {c2, u2}. Day 3: c3 logs in as u4. Day 4: c3 logs in as u5, u6 and u7,
    # so c3 is seen with 4 users (over the limit of 3): it stops stitching and u4 splits off again.
    folder, day = tmp_path / "input", timedelta(days=1)
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/blog/a"),
                       ga4_event(T0, "login", "c2", user_id="u2"),
                       ga4_event(T0, "page_view", "c9", path="/blog/b")], "events_20260601.ndjson")
    write_ga4(folder, [ga4_event(T0 + day, "login", "c1", user_id="u2")], "events_20260602.ndjson")
    write_ga4(folder, [ga4_event(T0 + 2 * day, "login", "c3", user_id="u4")], "events_20260603.ndjson")
    write_ga4(folder, [ga4_event(T0 + 3 * day + timedelta(minutes=m), "login", "c3", user_id=user)
                       for m, user in enumerate(["u5", "u6", "u7"])], "events_20260604.ndjson")
    nightly = settings_for(folder, tmp_path / "nightly")
    figures = []
    for offset in range(4):
        figures.append(run_pipeline(nightly, incremental=True,
                                    scope=day_scope(date(2026, 6, 1) + offset * day))["core.identity_map"])
        # each night equals a full rebuild of the files up to that day
        assert_equals_full_rebuild(nightly, folder, tmp_path / f"day{offset + 1}",
                                   scope=LoadScope(last_day=date(2026, 6, 1) + offset * day))
    # day 1 builds the graph in full; then the identifiers of each changed link and the other
    # members of their old components: day 2 anon:c1 + user:u2 and anon:c2 (c9 is left alone);
    # day 3 anon:c3 and user:u4, both new; day 4 anon:c3, whose link to u4 goes, user:u4, and
    # the new user:u5, user:u6 and user:u7
    assert [f.get("identifiers_relabelled") for f in figures] == [None, 3, 2, 5]
    # {c1, c2, u2}, {c9}, {c3}, {u4}, {u5}, {u6}, {u7}
    assert [f["persons"] for f in figures] == [3, 2, 3, 7]

    # Day 4's export is withdrawn: c3 is no longer shared, so it links to u4 again, and u5, u6 and
    # u7 disappear. Relabelled: anon:c3, user:u4 and the three gone users (each its own component).
    (folder / "ga4" / "events_20260604.ndjson").unlink()
    figures = run_pipeline(nightly, incremental=True)["core.identity_map"]
    assert figures["identifiers_relabelled"] == 5
    assert figures["persons"] == 3  # {c1, c2, u2}, {c9}, {c3, u4}
    assert_equals_full_rebuild(nightly, folder, tmp_path / "withdrawn")


def test_a_late_event_far_from_the_datas_end_keeps_the_journeys_outcome(tmp_path):
    # c1 browses on June 1, c2 on September 15: the data ends 106 days after c1's journey, more than
    # the 90-day inactivity window, so c1's journey is dropped. A re-export of June 1 adds a late
    # c1 event an hour later; the nightly run recomputes c1 alone, and the journey must still be
    # judged against the data's end (September 15), not against c1's own last event.
    folder = tmp_path / "input"
    june = write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/blog/a")], "events_20260601.ndjson")
    write_ga4(folder, [ga4_event(T0 + timedelta(days=106), "page_view", "c2", path="/blog/b")],
              "events_20260915.ndjson")
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    with june.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(ga4_event(T0 + timedelta(hours=1), "page_view", "c1",
                                          path="/pricing")) + "\n")
    _touch_later(june)

    results = run_pipeline(nightly, incremental=True)

    assert results["core.journeys"]["persons_recomputed"] == 1  # c1
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    outcomes = con.execute("SELECT touchpoints, outcome FROM core.journeys ORDER BY started_at")
    assert outcomes.fetchall() == [(2, "dropped"), (1, "open")]
    con.close()
    assert_equals_full_rebuild(nightly, folder, tmp_path)


def test_every_unit_follows_a_late_event_as_a_full_rebuild_has_it(tmp_path):
    # the session and person units' rows (core.journey_transitions, marts.transitions_by_scope,
    # marts.paths, marts.touchpoint_graph_metrics) are rebuilt per person like the journey's: the
    # late event joins u2's day-3 session, and every unit's rows equal a full rebuild's
    units = ["journey", "session", "person"]
    folder = tmp_path / "input"
    _day_files(folder)
    nightly = settings_for(folder, tmp_path / "nightly", units=units)
    for offset in range(5):
        run_pipeline(nightly, incremental=True, scope=day_scope(date(2026, 6, 1) + timedelta(days=offset)))
    day3 = folder / "ga4" / "events_20260603.ndjson"
    late = ga4_event(T0 + timedelta(days=2, minutes=11), "page_view", "c2", user_id="u2", path="/compare")
    with day3.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(late) + "\n")
    _touch_later(day3)
    results = run_pipeline(nightly, incremental=True, scope=day_scope(date(2026, 6, 5)))
    assert results["core.journey_transitions"]["persons_recomputed"] == 1
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    kinds = con.execute("SELECT DISTINCT unit FROM core.journey_transitions ORDER BY 1").fetchall()
    con.close()
    assert kinds == [("journey",), ("person",), ("session",)]
    assert_equals_full_rebuild(nightly, folder, tmp_path, units=units)
