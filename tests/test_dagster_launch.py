"""A `journeyflow_daily` run launched the way the schedule, the sensor and the UI launch one (issue #21).

tests/test_dagster.py materializes in-process; this test goes through the real machinery instead: a
project folder with a copy of `dagster.yaml` (DAGSTER_HOME, and the working folder, as the Makefile
sets them) and a `journeyflow.yaml` pointing at the shipped sample and a temporary warehouse,
`dagster-daemon run` in a subprocess, and the schedule's own run request for one day submitted to the
instance's run queue. The daemon dequeues it and the default run launcher starts a run worker (a
spawned subprocess of the code server), which is where GX's import of pyspark used to exit the process.
Passes with and without the `spark` extra installed. ~25 s (2 cores).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from conftest import REPO, SAMPLE
from journeyflow.checks import load_checks

BIN = Path(sys.executable).parent
DAY = "2026-06-09"  # the sample's exports run from 2026-06 to 2026-09
# A guard against a run that never finishes (a hung daemon or worker), not a speed target: a run takes
# under a minute on an idle machine and failed this limit at 150 s once on a machine at load 15-24
RUN_TIMEOUT_S = 900
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def nightly_run_request() -> dg.RunRequest:
    """What `journeyflow_nightly` asks for at 02:00 UTC the day after DAY (tags, no run config)."""
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def("journeyflow_nightly")
    tick = schedule.evaluate_tick(dg.build_schedule_context(
        scheduled_execution_time=datetime.fromisoformat(DAY).replace(tzinfo=UTC) + timedelta(days=1, hours=2)
    ))
    (request,) = tick.run_requests
    assert request.partition_key == DAY
    return request


def stop(process: subprocess.Popen) -> None:
    """End the daemon and everything it started (code server, run worker): its own process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # a code server or run worker that outlived the daemon
        os.killpg(process.pid, signal.SIGKILL)


def run_problems(instance: dg.DagsterInstance, run_id: str) -> str:
    """The failure events of the run, with their errors, for an assertion message."""
    lines = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.is_failure:
            lines.append(f"{entry.step_key or 'run'}: {entry.message}")
            error = getattr(event.event_specific_data, "error", None)
            if error is not None:
                lines.append(error.to_string())
    return "\n".join(lines)


def test_great_expectations_imports_where_main_is_bare():
    # `python -c` has a `__main__` without __spec__ or __file__, like a Dagster run worker: pyspark's
    # check_dependencies() takes that for a doctest run and exits (0) when GX imports pyspark.sql.connect
    # while a connect dependency is missing. The spark extra is pyspark[connect] for this (pyproject.toml).
    result = subprocess.run([sys.executable, "-c", "import great_expectations; print('imported')"],
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "imported", (
        f"importing great_expectations ended the process (exit {result.returncode}); pyspark needs its "
        f"connect extra: pip install -e '.[spark]'\n{result.stderr[-2000:]}")


# Dagster's own partitioned schedule calls its deprecated run_request_for_partition
@pytest.mark.filterwarnings("ignore:Function `JobDefinition.run_request_for_partition`:DeprecationWarning")
def test_a_scheduled_daily_run_succeeds_in_a_run_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "dagster.yaml", project)  # its .dagster/ paths are relative to the working folder
    warehouse = tmp_path / "warehouse" / "journeyflow.duckdb"
    # the schedule's runs carry no run config: the resource's defaults come from journeyflow.yaml
    (project / "journeyflow.yaml").write_text(
        yaml.safe_dump({"input_dir": str(SAMPLE), "warehouse": str(warehouse)}), encoding="utf-8")
    env = {**os.environ, "DAGSTER_HOME": str(project)}
    code = ["-m", "pipelines.definitions", "-d", str(REPO)]
    request = nightly_run_request()
    run_id = str(uuid.uuid4())

    monkeypatch.setenv("DAGSTER_HOME", str(project))
    monkeypatch.chdir(project)
    instance = dg.DagsterInstance.get()  # creates the SQLite storage, which two processes would race to
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", *code], cwd=project, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # submitted to the instance's run queue (QueuedRunCoordinator, as dagster.yaml configures it),
        # exactly as the daemon's scheduler submits the schedule's run request
        submit = subprocess.run(
            [str(BIN / "dagster"), "job", "launch", *code, "-j", request.job_name, "--run-id", run_id,
             "--tags", json.dumps(dict(request.tags))],
            cwd=project, env=env, capture_output=True, text=True, timeout=120,
        )
        assert submit.returncode == 0, submit.stdout[-3000:] + submit.stderr[-3000:]

        deadline = time.monotonic() + RUN_TIMEOUT_S
        while (run := instance.get_run_by_id(run_id)) is None or run.status not in FINISHED:
            daemon_log = (tmp_path / "daemon.log").read_text(errors="replace")[-3000:]
            assert daemon.poll() is None, f"the daemon exited ({daemon.returncode}):\n{daemon_log}"
            assert time.monotonic() < deadline, (
                f"run {run_id} still {run and run.status} after {RUN_TIMEOUT_S} s:\n{daemon_log}")
            time.sleep(1)

        assert run.status == dg.DagsterRunStatus.SUCCESS, run_problems(instance, run_id)
        assert ".dagster/grpc_info" in run.tags  # started by the default run launcher, not in-process
        assert run.tags["dagster/partition"] == DAY

        events = [e.dagster_event for e in instance.all_logs(run_id) if e.dagster_event is not None]
        assert not [e for e in events if e.is_failure], run_problems(instance, run_id)
        planned = {e.event_specific_data.check_name for e in events
                   if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED}
        evaluations = [e.event_specific_data for e in events
                       if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
        assert planned == {check.name for check in load_checks()}
        assert {evaluation.check_name for evaluation in evaluations} == planned  # every check ran
        assert [e.check_name for e in evaluations if not e.passed] == []
    finally:
        stop(daemon)
        log.close()
        instance.dispose()
    # the daemon, its code server and the run worker all load the definitions: no beta warning per asset
    assert "backfill_policy" not in (tmp_path / "daemon.log").read_text(errors="replace")

    assert warehouse.exists()  # published
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM core.journeys").fetchone()[0] > 0
    finally:
        con.close()
