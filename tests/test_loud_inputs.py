"""Input mistakes are loud: each case a new user hits in the first week stops the run with a message
naming the file or folder, changes the exit code, and leaves the published warehouse as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from builders import (
    CONTACT_HEADER,
    DEAL_HEADER,
    T0,
    ga4_event,
    hubspot_contact,
    hubspot_deal,
    write_csv,
    write_ga4,
)
from conftest import rows, settings_for
from journeyflow.checks import QualityGateFailed
from journeyflow.cli import app
from journeyflow.config import Settings
from journeyflow.pipeline import run_pipeline
from journeyflow.sources import SOURCES_BY_TABLE
from journeyflow.sources.readers import find_files
from journeyflow.sources.unread import NoInputError, unread_inputs

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`journeyflow …` as a user runs it: a new process, 80 columns, no journeyflow.yaml unless given."""
    env = {**os.environ, "COLUMNS": "80", "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "journeyflow.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def published(settings) -> dict[str, str]:  # noqa: ANN001
    """Digest of every published file: the warehouse, its graph files and its Parquet snapshot."""
    folder = settings.warehouse.parent
    names = [settings.warehouse, folder / "journey_graph.graphml", folder / "journey_graph.json",
             *sorted((folder / "parquet").glob("*"))]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in names if p.is_file()}


def two_days(folder: Path) -> None:
    write_ga4(folder, [ga4_event(T0, "session_start", "c1", medium="cpc"),
                       ga4_event(T0 + timedelta(minutes=1), "page_view", "c1", path="/pricing")])
    write_ga4(folder, [ga4_event(T0 + timedelta(days=1), "page_view", "c2", path="/pricing"),
                       ga4_event(T0 + timedelta(days=1, minutes=2), "purchase", "c2", value=5.0)],
              name="events_20260602.ndjson")


@pytest.fixture(scope="module")
def two_days_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`two_days` run and published once per module with the default settings (the first run of
    four tests here, each of which used to build exactly this); each test gets its own copy."""
    base = tmp_path_factory.mktemp("two_days")
    two_days(base / "input")
    run_pipeline(settings_for(base / "input", base))
    return base


def two_days_copy(two_days_run: Path, tmp_path: Path) -> Settings:
    """The first run's input and warehouse folders copied into `tmp_path`, as if built there.

    The published paths and `current` are relative symlinks, copied as symlinks they point into the
    copy; copytree keeps the modification times the file ledger compares; nothing in the warehouse
    files names the folder it was built in (as in tests/test_publishing.py)."""
    for name in ("input", "warehouse"):
        shutil.copytree(two_days_run / name, tmp_path / name, symlinks=True)
    settings = settings_for(tmp_path / "input", tmp_path)
    assert settings.warehouse.resolve().is_relative_to(tmp_path)  # not into the shared build
    return settings


def test_misnamed_folders_and_files_stop_the_run_by_name(two_days_run, tmp_path):
    settings = two_days_copy(two_days_run, tmp_path)
    before = published(settings)
    shutil.copytree(tmp_path / "input" / "ga4", tmp_path / "input" / "GA4")
    (tmp_path / "input" / "google_analytics").mkdir()
    (tmp_path / "input" / "ga4" / "events_20260603.csv").write_text("a,b\n1,2\n")
    result = cli("run", "--input", "input", "--warehouse", str(settings.warehouse), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    message = " ".join(result.stderr.split())  # rich wraps at 80 columns
    assert "inputs_all_read" in message and "unread_inputs=3" in message
    assert "GA4/ (not a source folder: did you mean ga4/?)" in message
    assert "google_analytics/ (not a source folder: did you mean ga4/?)" in message
    assert "ga4/events_20260603.csv (no ga4 reader takes this file name" in message
    assert published(settings) == before  # nothing published, byte for byte
    # sources and doctor say the same and fail too
    sources = cli("sources", "--input", "input", "--warehouse", str(settings.warehouse), cwd=tmp_path)
    assert sources.returncode == 1 and "GA4/: not a source folder: did you mean ga4/?" in sources.stderr
    doctor = cli("doctor", "--input", "input", "--warehouse", str(settings.warehouse), cwd=tmp_path)
    assert doctor.returncode == 1 and "unread inputs" in doctor.stdout


def test_ignored_inputs_are_reported_as_not_read_and_the_run_goes_on(tmp_path, monkeypatch):
    two_days(tmp_path / "input")
    (tmp_path / "input" / "README.txt").write_text("exports of 2026-06")
    (tmp_path / "input" / "archive" / "ga4").mkdir(parents=True)
    (tmp_path / "input" / "archive" / "ga4" / "events_20250101.ndjson").write_text("{}\n")
    (tmp_path / "journeyflow.yaml").write_text('ignore_inputs: ["README.txt", "archive/**"]\n')
    # `journeyflow run` as typed in that folder (its journeyflow.yaml, relative paths, the exit code),
    # in this process: the test is about what the run reads, not how it is launched (~7 s less CPU)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "--input", "input", "--warehouse", "wh/jf.duckdb"],
                                env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(tmp_path / "wh" / "jf.duckdb"), read_only=True)
    folders = ("ga4/, hubspot/, zendesk/, freshdesk/, surveys/, salesforce/, fivetran_salesforce/, "
               "snowplow/, snowplow_atomic/, segment/, shopify/, woocommerce/, google_ads/, meta_ads/, "
               "linkedin_ads/, meta_leads/, linkedin_leads/, mailchimp/, klaviyo/, fivetran_hubspot/, "
               "fivetran_zendesk/, airbyte_zendesk/, airbyte_hubspot/, airbyte_salesforce/, custom/")
    assert rows(con, "SELECT source_file, outcome, note FROM bi.load_summary WHERE outcome = 'not read' "
                     "ORDER BY 1") == [
        ("README.txt", "not read", "ignored (ignore_inputs: README.txt): a file beside the source folders: "
                                   f"no reader looks there (put it in its source's folder: {folders})"),
        ("archive/", "not read", "ignored (ignore_inputs: archive/**): not a source folder: source folders "
                                 f"are {folders}"),
    ]
    read = "SELECT source_file, outcome FROM bi.load_summary WHERE outcome = 'read' ORDER BY 1"
    assert rows(con, read) == [("ga4/events_20260601.ndjson", "read"), ("ga4/events_20260602.ndjson", "read")]
    con.close()


def test_hubspot_exports_are_recognised_by_their_own_names_or_by_header(tmp_path):
    folder = tmp_path / "hubspot"
    contacts = write_csv(folder / "hubspot-crm-exports-all-contacts-2025-11-28.csv", CONTACT_HEADER,
                         [hubspot_contact("1", "a@example.com", "2026-06-01 10:00")])
    deals = write_csv(folder / "hubspot-crm-exports-q3-pipeline-2025-11-28.csv", DEAL_HEADER,
                      [hubspot_deal("7", "1", "2026-06-01 10:00")])  # a view's name: the header decides
    both = write_csv(folder / "merged-view.csv", ["Record ID", "Email", "Deal Stage"], [["1", "a@x", "won"]])
    other = write_csv(folder / "owners.csv", ["Owner", "Team"], [["x", "y"]])
    assert find_files(tmp_path, SOURCES_BY_TABLE["raw.hubspot_contacts"]) == [contacts]
    assert find_files(tmp_path, SOURCES_BY_TABLE["raw.hubspot_deals"]) == [deals]
    unread = {item.path: item.reason for item in unread_inputs(tmp_path)}
    assert set(unread) == {"hubspot/merged-view.csv", "hubspot/owners.csv"}  # ambiguous, unknown
    assert both.exists() and other.exists()


def test_an_empty_input_folder_never_publishes_and_never_wipes(two_days_run, tmp_path):
    # a first run with nothing usable: non-zero, says why, publishes nothing
    (tmp_path / "empty").mkdir()
    first = cli("run", "--input", "empty", "--warehouse", "wh/jf.duckdb", cwd=tmp_path)
    assert first.returncode == 1
    assert "no export file in empty that a source reads (it is empty)" in " ".join(first.stderr.split())
    assert not (tmp_path / "wh" / "jf.duckdb").exists()
    # against a published warehouse: refused before anything is landed or dropped
    settings = two_days_copy(two_days_run, tmp_path)
    before = published(settings)
    shutil.move(tmp_path / "input" / "ga4", tmp_path / "away")
    with pytest.raises(NoInputError, match="no export file"):
        run_pipeline(settings, incremental=True)
    assert published(settings) == before
    shutil.move(tmp_path / "away", tmp_path / "input" / "ga4")
    again = run_pipeline(settings, incremental=True)
    assert again["raw.ga4_events"]["files"] == 0 and again["raw.ga4_events"]["files_unchanged"] == 2


def test_an_input_whose_every_row_is_rejected_is_blocked(tmp_path):
    path = tmp_path / "input" / "ga4" / "events_20260601.ndjson"
    path.parent.mkdir(parents=True)
    path.write_text('{"event_name": "page_view"}\n{not json\n')  # no timestamp, no cookie; broken
    settings = settings_for(tmp_path / "input", tmp_path)
    with pytest.raises(QualityGateFailed) as failed:
        run_pipeline(settings)
    message = str(failed.value)
    assert "check events_present on staging.events failed" in message
    observed = "observed events=0, files_landed=1, files=ga4/events_20260601.ndjson, ingest_errors=0"
    assert f"expected events >= 1; {observed}" in message
    assert not settings.warehouse.exists()


def test_a_blocking_gate_names_the_check_source_files_expected_and_observed(two_days_run, tmp_path):
    settings = two_days_copy(two_days_run, tmp_path)
    before = published(settings)
    # day 2 re-delivered with one of its two events, day 1 gone: GA4 keeps 1 of its 4 events
    (tmp_path / "input" / "ga4" / "events_20260601.ndjson").unlink()
    write_ga4(tmp_path / "input", [ga4_event(T0 + timedelta(days=1), "page_view", "c2", path="/pricing")],
              name="events_20260602.ndjson")
    with pytest.raises(QualityGateFailed) as failed:
        run_pipeline(settings, incremental=True)
    expected = ("check events_per_source_stable on staging.events failed: no source lost more than "
                "(1 - min_row_ratio) of its events against the last published run")
    detail = ("expected ratio_to_last_published >= 0.5; observed source=raw.ga4_events, previous_events=4, "
              "events=1, ratio_to_last_published=0.25, files_now=1, files=ga4/events_20260602.ndjson")
    assert expected in str(failed.value) and detail in str(failed.value)
    assert published(settings) == before
    con = duckdb.connect(str(settings.work_file), read_only=True)
    stored = rows(con, "SELECT expectation FROM quality.check_results "
                       "WHERE check_name = 'events_per_source_stable' AND NOT passed")
    con.close()
    assert stored == [(detail,)]


def test_a_cli_run_and_a_dagster_run_of_the_same_day_read_nothing_twice(tmp_path):
    import dagster as dg
    from pipelines.assets import journeyflow_assets
    from pipelines.resources import JourneyflowResource

    two_days(tmp_path / "input")
    cli_run = cli("run", "--input", "input", "--warehouse", "wh/jf.duckdb", "--day", "2026-06-02",
                  cwd=tmp_path)  # relative paths, as typed
    assert cli_run.returncode == 0, cli_run.stderr
    assert "incremental: 2 file(s) read" in cli_run.stdout
    resource = JourneyflowResource(input_dir=str(tmp_path / "input"),  # absolute, as Dagster stores it
                                   warehouse=str(tmp_path / "wh" / "jf.duckdb"))
    result = dg.materialize(journeyflow_assets, resources={"journeyflow": resource},
                            instance=dg.DagsterInstance.ephemeral(), partition_key="2026-06-02")
    ga4 = next(e for e in result.get_asset_materialization_events()
               if e.asset_key.to_user_string() == "raw/ga4_events").materialization.metadata
    assert ga4["files"].value == 0 and ga4["files_unchanged"].value == 2 and ga4["files_removed"].value == 0
    again = cli("run", "--input", "input", "--warehouse", "wh/jf.duckdb", "--day", "2026-06-02", cwd=tmp_path)
    assert "incremental: 0 file(s) read, 2 unchanged, 0 removed" in again.stdout


def test_a_moved_or_copied_input_folder_is_not_read_again(two_days_run, tmp_path):
    two_days_copy(two_days_run, tmp_path)
    # a plain copy: new modification times, same contents: the digests say nothing changed
    shutil.copytree(tmp_path / "input", tmp_path / "moved", copy_function=shutil.copyfile)
    moved = settings_for(tmp_path / "moved", tmp_path)
    again = run_pipeline(moved, incremental=True)
    assert (again["raw.ga4_events"]["files"], again["raw.ga4_events"]["files_unchanged"]) == (0, 2)
    # same size, other content: read again
    day2 = tmp_path / "moved" / "ga4" / "events_20260602.ndjson"
    day2.write_text(day2.read_text().replace("/pricing", "/pricinG"))
    changed = run_pipeline(moved, incremental=True)
    assert (changed["raw.ga4_events"]["files"], changed["raw.ga4_events"]["files_unchanged"]) == (1, 1)
