"""Publishing: readers of the published warehouse never block a run nor see half of one, and the
warehouse, the journey graph and the Parquet snapshot of a run appear together or not at all
(journeyflow.release), also when the run is killed at any step of its publish."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import networkx as nx
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from builders import T0, ga4_event, write_ga4
from conftest import settings_for
from journeyflow import bi, pipeline, release
from journeyflow.cli import app as cli_app
from journeyflow.config import Settings
from journeyflow.pipeline import run_pipeline

RUN_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from journeyflow.config import Settings
    from journeyflow.pipeline import run_pipeline

    input_dir, warehouse, marker = map(Path, sys.argv[1:4])

    def on_step(step, metadata):
        if step.name == "core.touchpoints":
            marker.write_text("reached")
            time.sleep(60)  # killed here

    run_pipeline(Settings(input_dir=input_dir, warehouse=warehouse), on_step=on_step)
    """
)


def web_day(folder, day: int):
    write_ga4(folder, [
        ga4_event(T0 + timedelta(days=day), "page_view", f"c{day}", path="/blog/a"),
        ga4_event(T0 + timedelta(days=day, minutes=1), "page_view", f"c{day}", path="/pricing"),
    ], name=f"events_2026060{day + 1}.ndjson")


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One GA4 day (day 0) run and published once per module: every test here starts from it.

    Each test used to build exactly this (same input, default settings) before its second run or
    its killed publish, ~8 s a build; a test gets its own copy of it instead (first_run_copy).
    """
    base = tmp_path_factory.mktemp("first_run")
    web_day(base / "input", 0)
    run_pipeline(settings_for(base / "input", base))
    return base


def first_run_copy(first_run: Path, tmp_path: Path) -> Settings:
    """The first run's input and warehouse folder copied into `tmp_path`, as if built there.

    The published paths and `current` are relative symlinks (current/jf.duckdb,
    releases/<load id>), so copied as symlinks they point into the copy; nothing in the warehouse
    files names the folder it was built in.
    """
    for name in ("input", "warehouse"):
        shutil.copytree(first_run / name, tmp_path / name, symlinks=True)
    settings = settings_for(tmp_path / "input", tmp_path)
    assert settings.warehouse.resolve().is_relative_to(tmp_path)  # not into the shared build
    return settings


def count_events(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM staging.events").fetchall()[0][0]
    finally:
        con.close()


def published_load_id(warehouse: Path) -> str:
    """The one load id that the published warehouse, both graph files and every Parquet file carry.

    The release folder is resolved once and every file read from there, as a reader of several files
    should (docs/operations.md): a publish meanwhile cannot mix two runs into what this reads.
    """
    folder = warehouse.resolve().parent
    con = duckdb.connect(str(folder / warehouse.name), read_only=True)
    try:
        warehouse_id = con.execute(
            "SELECT load_id FROM quality.published_loads ORDER BY published_at DESC LIMIT 1"
        ).fetchall()[0][0]
        journeys = con.execute("SELECT count(*) FROM bi.journeys").fetchall()[0][0]
        views = bi.built_views(con)
    finally:
        con.close()
    json_id = json.loads((folder / "journey_graph.json").read_text(encoding="utf-8"))["graph"]["load_id"]
    graphml_id = nx.read_graphml(folder / "journey_graph.graphml").graph["load_id"]
    snapshot = sorted((folder / "parquet").glob("*.parquet"))
    assert [path.stem for path in snapshot] == views  # one file per view, none missing, none stale
    parquet_ids = {pq.read_metadata(path).metadata[b"journeyflow_load_id"].decode() for path in snapshot}
    assert pq.read_metadata(folder / "parquet" / "journeys.parquet").num_rows == journeys
    assert {warehouse_id, json_id, graphml_id, *parquet_ids} == {folder.name}
    return folder.name


def assert_user_paths_show(settings, name: str) -> None:
    """Every path README names (warehouse, graph files, Parquet folder) shows release `name`."""
    for path in release.user_paths(settings.warehouse):
        assert path.is_symlink() and path.resolve().parent.name == name, path


def assert_no_leftovers(settings) -> None:
    """Only the current and the previous release are kept, and no temporary file is left."""
    folder = settings.warehouse.parent
    current, previous = release.published(settings.warehouse)
    kept = {current, previous} - {None}
    assert {path.name for path in (folder / "releases").iterdir()} == kept
    expected = {settings.warehouse.name, settings.work_file.name, settings.raw_file.name,
                *release.GRAPH_FILES, "parquet", "releases", "current", *(["previous"] if previous else [])}
    assert {path.name for path in folder.iterdir()} == expected


def cli(*args: str, cwd: Path) -> Result:
    """`journeyflow …` as cron runs it after a killed run, in `cwd`, in this process (typer's
    CliRunner: the same command, options and exit code, without the ~6 s of a new interpreter; the
    killed run itself stays a real process killed with SIGKILL, see killed_run)."""
    with contextlib.chdir(cwd):
        return CliRunner().invoke(cli_app, list(args))


# `journeyflow run …` that kills itself with SIGKILL at one point of its publish (argv[1]), as a crash
# or an OOM kill would: the functions it reaches there are wrapped, the run goes through the CLI.
KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from journeyflow import bi, cli, release

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    point = sys.argv.pop(1)
    if point == "graph_written":  # exports.journey_graph wrote into the release; bi.views is next
        bi.build_views = die
    elif point == "parquet_half":  # four Parquet files written, the copy of the working file beside them
        all_views = bi.built_views

        def four_views(con):
            for number, view in enumerate(all_views(con)):
                if number == 4:
                    die()
                yield view

        bi.built_views = four_views
    elif point == "before_switch":  # the release is complete, the paths README names are symlinks
        release.make_current = die
    elif point == "after_switch":  # published, nothing pruned yet
        make_current = release.make_current

        def switch_then_die(warehouse, folder):
            make_current(warehouse, folder)
            die()

        release.make_current = switch_then_die
    cli.app(prog_name="journeyflow")
    """
)


def killed_run(tmp_path: Path, settings, point: str) -> subprocess.CompletedProcess:
    script = tmp_path / "kill_run.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), point, "run", "--input", str(settings.input_dir),
         "--warehouse", str(settings.warehouse)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_reader_in_another_process_does_not_block_a_run(first_run, tmp_path):
    settings = first_run_copy(first_run, tmp_path)
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(settings.warehouse)!r}, read_only=True)
            print(con.execute("SELECT count(*) FROM staging.events").fetchall()[0][0], flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "2"  # the reader holds the file open
        web_day(tmp_path / "input", 1)
        run_pipeline(settings)  # does not wait for the reader
        assert count_events(settings.warehouse) == 4
    finally:
        reader.kill()
        reader.wait()


def test_run_killed_midway_leaves_published_warehouse_unchanged(first_run, tmp_path):
    settings = first_run_copy(first_run, tmp_path)
    published = settings.warehouse.read_bytes()
    web_day(tmp_path / "input", 1)
    marker = tmp_path / "marker"
    script = tmp_path / "run.py"
    script.write_text(RUN_SCRIPT, encoding="utf-8")
    run = subprocess.Popen(
        [sys.executable, str(script), str(settings.input_dir), str(settings.warehouse), str(marker)]
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the run never reached core.touchpoints"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert settings.warehouse.read_bytes() == published
    assert count_events(settings.warehouse) == 2  # readable, and still the old state
    run_pipeline(settings)  # the next run recovers the working file and succeeds
    assert count_events(settings.warehouse) == 4


def test_failed_publish_keeps_the_old_warehouse_and_parquet_snapshot(first_run, tmp_path, monkeypatch):
    settings = first_run_copy(first_run, tmp_path)
    snapshot = settings.warehouse.parent / "parquet"
    before = {path.name: path.read_bytes() for path in snapshot.glob("*.parquet")}
    assert "journeys.parquet" in before

    def broken_copy(work_file, target, while_copying):
        while_copying()
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "copy_working_file", broken_copy)
    web_day(tmp_path / "input", 1)
    with pytest.raises(OSError, match="disk full"):
        run_pipeline(settings)
    # the new day's Parquet files were written into its release, which was thrown away unpublished
    assert {path.name: path.read_bytes() for path in snapshot.glob("*.parquet")} == before
    assert count_events(settings.warehouse) == 2
    assert_no_leftovers(settings)


def test_a_snapshot_that_fails_during_the_copy_publishes_nothing(first_run, tmp_path, monkeypatch):
    # The Parquet snapshot is written while the working file is copied: when it fails, the copy is
    # waited for and thrown away, and the warehouse and snapshot stay as the last run left them.
    settings = first_run_copy(first_run, tmp_path)
    published = settings.warehouse.read_bytes()
    snapshot = settings.warehouse.parent / "parquet"
    before = {path.name: path.read_bytes() for path in snapshot.glob("*.parquet")}

    monkeypatch.setattr(bi, "built_views", lambda con: ["journeys", "no_such_view"])
    web_day(tmp_path / "input", 1)
    with pytest.raises(duckdb.CatalogException, match="no_such_view"):
        run_pipeline(settings)
    assert settings.warehouse.read_bytes() == published
    assert {path.name: path.read_bytes() for path in snapshot.glob("*.parquet")} == before
    assert count_events(settings.warehouse) == 2
    assert_no_leftovers(settings)  # the half-made release (copy, graph, some Parquet) is gone


@pytest.mark.parametrize("point", ["graph_written", "parquet_half", "before_switch", "after_switch"])
def test_a_publish_killed_at_any_step_leaves_one_runs_files_and_the_next_run_publishes(
    first_run, tmp_path, point
):
    settings = first_run_copy(first_run, tmp_path)
    first = published_load_id(settings.warehouse)
    web_day(tmp_path / "input", 1)

    killed = killed_run(tmp_path, settings, point)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    current, previous = release.published(settings.warehouse)
    assert published_load_id(settings.warehouse) == current
    assert_user_paths_show(settings, current)
    releases = settings.warehouse.parent / "releases"
    unpublished = {path.name for path in releases.iterdir()} - {current, previous}
    if point == "after_switch":
        assert previous == first and current != first and not unpublished
        assert count_events(settings.warehouse) == 4
    else:  # the killed run's release is there, unseen: the first run's files are what readers get
        assert current == first and count_events(settings.warehouse) == 2
        (folder,) = (releases / name for name in unpublished)
        files = {path.name for path in folder.iterdir()}
        parquet = list((folder / "parquet").glob("*.parquet"))
        if point == "graph_written":
            assert files == set(release.GRAPH_FILES)
        elif point == "parquet_half":
            assert files == {*release.GRAPH_FILES, settings.warehouse.name, "parquet"} and len(parquet) == 4
        else:
            assert files == {*release.GRAPH_FILES, settings.warehouse.name, "parquet"} and len(parquet) > 10

    again = cli("run", "--input", str(settings.input_dir), "--warehouse", str(settings.warehouse),
                cwd=tmp_path)
    assert again.exit_code == 0, again.output
    latest = published_load_id(settings.warehouse)
    assert latest not in (first, current)
    assert_user_paths_show(settings, latest)
    assert count_events(settings.warehouse) == 4
    assert_no_leftovers(settings)


def make_earlier_release_layout(settings) -> None:
    """Turn the published files into what an earlier release published: plain files, no releases."""
    folder = settings.warehouse.parent
    source = settings.warehouse.resolve().parent
    for path in release.user_paths(settings.warehouse):
        path.unlink()
    for name in (settings.warehouse.name, *release.GRAPH_FILES):
        shutil.copyfile(source / name, folder / name)
    shutil.copytree(source / "parquet", folder / "parquet")
    (folder / "current").unlink()
    shutil.rmtree(folder / "releases")
    (folder / "parquet.tmp").mkdir()  # an earlier release killed while publishing left this behind


def test_the_first_publish_converts_a_warehouse_of_an_earlier_release(first_run, tmp_path):
    settings = first_run_copy(first_run, tmp_path)
    make_earlier_release_layout(settings)
    old_file = settings.warehouse.stat().st_ino
    reader = duckdb.connect(str(settings.warehouse), read_only=True)  # a dashboard has it open

    web_day(tmp_path / "input", 1)
    run_pipeline(settings)
    latest = published_load_id(settings.warehouse)
    assert_user_paths_show(settings, latest)
    # the plain files became release `legacy` by hard links (no copy), kept as the previous release
    assert release.published(settings.warehouse) == (latest, release.LEGACY)
    assert (settings.warehouse.parent / "previous" / settings.warehouse.name).stat().st_ino == old_file
    assert reader.execute("SELECT count(*) FROM staging.events").fetchall()[0][0] == 2
    reader.close()
    assert count_events(settings.warehouse) == 4
    assert_no_leftovers(settings)  # parquet.tmp too

    run_pipeline(settings)
    assert release.LEGACY not in release.published(settings.warehouse)
    assert_no_leftovers(settings)


def test_an_upgrade_killed_before_the_switch_shows_the_old_files_through_symlinks(first_run, tmp_path):
    settings = first_run_copy(first_run, tmp_path)
    make_earlier_release_layout(settings)
    folder = settings.warehouse.parent
    old = {path.name: path.read_bytes() for path in release.user_paths(settings.warehouse)[:3]}
    old_parquet = {path.name: path.read_bytes() for path in (folder / "parquet").glob("*.parquet")}
    web_day(tmp_path / "input", 1)

    killed = killed_run(tmp_path, settings, "before_switch")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert_user_paths_show(settings, release.LEGACY)  # each plain file was swapped for a symlink ...
    assert {name: (folder / name).read_bytes() for name in old} == old  # ... to the same bytes
    assert {path.name: path.read_bytes() for path in (folder / "parquet").glob("*.parquet")} == old_parquet

    again = cli("run", "--input", str(settings.input_dir), "--warehouse", str(settings.warehouse),
                cwd=tmp_path)
    assert again.exit_code == 0, again.output
    assert_user_paths_show(settings, published_load_id(settings.warehouse))
    assert count_events(settings.warehouse) == 4
    assert_no_leftovers(settings)


def test_readers_during_two_publishes_never_see_a_mix_and_always_open(first_run, tmp_path):
    settings = first_run_copy(first_run, tmp_path)
    seen: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                # the README's path as a BI tool opens it, then every file of one release
                con = duckdb.connect(str(settings.warehouse), read_only=True)
                con.execute("SELECT count(*) FROM bi.journeys").fetchall()
                con.close()
                seen.append(published_load_id(settings.warehouse))
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(repr(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for day in (1, 2):
            web_day(tmp_path / "input", day)
            run_pipeline(settings)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert len(seen) >= 20 and len(set(seen)) >= 2  # it read all along, across at least one switch
    assert count_events(settings.warehouse) == 6
    assert_no_leftovers(settings)
