"""What the command line prints: --version, tables that stay readable at 80 columns, query results as
CSV or JSON lines on stdout, and `generate`, which never deletes or overwrites files it did not write.

Most tests drive the CLI in a subprocess (`python -m journeyflow.cli`) with COLUMNS=80, as a user's
terminal would; they read the warehouse that conftest's `sample_run` builds once per session.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLE
from journeyflow.cli import shorten_path
from journeyflow.generate import MANIFEST


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`journeyflow ARGS` in a subprocess on an 80-column terminal."""
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "JOURNEYFLOW_SQL_DIR")}
    return subprocess.run([sys.executable, "-m", "journeyflow.cli", *map(str, args)], cwd=cwd,
                          env=env | {"COLUMNS": "80"}, capture_output=True, text=True, timeout=300)


def assert_fits_80(text: str) -> None:
    wide = [line for line in text.splitlines() if len(line.rstrip()) > 80]
    assert not wide, "\n".join(wide)


@pytest.fixture(scope="module")
def built(sample_run) -> Path:
    return sample_run.warehouse


# --- --version -------------------------------------------------------------------------------------
def test_version_prints_the_installed_version() -> None:
    result = cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"journeyflow {importlib.metadata.version('journeyflow')}\n"


# --- paths in tables -------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "width", "shown"), [
    ("data/sample/ga4/events_20260601.ndjson", 80, "data/sample/ga4/events_20260601.ndjson"),
    ("/home/ana/exports/2026/ga4/events_20260601.ndjson", 30, "…/ga4/events_20260601.ndjson"),
    ("/home/ana/exports/2026/ga4/events_20260601.ndjson", 26, "…/events_20260601.ndjson"),
    ("/home/ana/exports/2026/ga4/events_20260601.ndjson", 12, "…0601.ndjson"),
])
def test_paths_are_shortened_from_the_left(path: str, width: int, shown: str) -> None:
    assert shorten_path(path, width) == shown
    assert len(shorten_path(path, width)) <= width


def test_sources_keeps_the_end_of_each_file_at_80_columns(built: Path) -> None:
    result = cli("sources", "--warehouse", built, "--input", SAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_fits_80(result.stdout)
    # the file names' ends (day and type) stay visible, not cut on the right
    ga4 = [line for line in result.stdout.splitlines() if line.startswith("│ ga4_events ")]
    assert len(ga4) == len(list((SAMPLE / "ga4").glob("events_*.ndjson")))
    assert all(re.search(r"20260[6-9]\d\d\.ndjson │", line) for line in ga4), ga4
    assert "bestellungen.csv" in result.stdout


# --- query ------------------------------------------------------------------------------------------
def test_query_with_more_columns_than_fit_is_shown_one_block_per_row(built: Path) -> None:
    result = cli("query", "select * from core.journeys order by journey_id", "--warehouse", built,
                 "--limit", "2")
    assert result.returncode == 0, result.stderr
    assert_fits_80(result.stdout)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("244 rows, one block per row")
    assert sum(line.startswith("row ") for line in lines) == 2
    con = duckdb.connect(str(built), read_only=True)
    columns = [row[0] for row in con.execute("describe core.journeys").fetchall()]
    first = con.execute("select journey_id, person_id from core.journeys order by journey_id").fetchone()
    con.close()
    for column in columns:  # every column, by its whole name, at the start of a line
        assert any(line.startswith(column + " ") for line in lines), column
    assert any(line.split() == ["journey_id", first[0]] for line in lines)
    assert f"{244 - 2} more rows" in result.stdout  # the two shown


def test_query_with_few_columns_stays_a_table(built: Path) -> None:
    result = cli("query", "select phase, persons_entered from marts.phase_funnel order by phase_order",
                 "--warehouse", built)
    assert result.returncode == 0, result.stderr
    assert "┃ phase" in result.stdout and "persons_entered" in result.stdout
    assert "one block per row" not in result.stdout


def test_query_format_csv_writes_every_row_and_nothing_else_to_stdout(built: Path) -> None:
    sql = "select journey_id, touchpoints, phases_reached, started_at from core.journeys order by journey_id"
    result = cli("query", sql, "--warehouse", built, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    con = duckdb.connect(str(built), read_only=True)
    expected = con.execute(sql).fetchall()
    con.close()
    assert len(rows) == len(expected) == 244  # every row: --limit is for the table only
    assert [(r["journey_id"], int(r["touchpoints"])) for r in rows] == [(e[0], e[1]) for e in expected]
    assert [json.loads(r["phases_reached"]) for r in rows] == [e[2] for e in expected]  # lists as JSON


def test_query_format_json_writes_json_lines(built: Path) -> None:
    result = cli("query", "select phase, persons_entered from marts.phase_funnel order by phase_order",
                 "--warehouse", built, "--format", "json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["phase"] for r in records][0] == "awareness" and len(records) == 5


def test_query_format_csv_errors_go_to_stderr(built: Path, tmp_path: Path) -> None:
    failed = cli("query", "select * from nowhere", "--warehouse", built, "--format", "csv")
    assert failed.returncode == 1 and failed.stdout == ""
    assert "query failed" in failed.stderr
    both = cli("query", "select 1", "--warehouse", built, "--format", "csv", "--out", tmp_path / "x.csv")
    assert both.returncode == 2 and both.stdout == "" and "--format" in both.stderr
    assert not (tmp_path / "x.csv").exists()


# --- generate ---------------------------------------------------------------------------------------
FOREIGN = "ga4/events_20260601.ndjson"  # a file the default generation (200 persons, seed 42) writes too


def test_generate_never_deletes_or_overwrites_what_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "exports"
    (out / "ga4").mkdir(parents=True)
    (out / FOREIGN).write_text('{"mine": true}\n', encoding="utf-8")

    refused = cli("generate", "--out", out)  # not empty, no --force
    assert refused.returncode == 1
    message = " ".join(refused.stderr.split())
    assert f"{out} is not empty: it holds ga4/" in message and "--force" in message
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["ga4", FOREIGN]

    clash = cli("generate", "--out", out, "--force")  # it would have to overwrite the foreign file
    assert clash.returncode == 1
    message = " ".join(clash.stderr.split())
    assert f"{out} already holds {FOREIGN}" in message and "nothing was changed" in message
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["ga4", FOREIGN]

    (out / "notes.txt").write_text("my notes\n", encoding="utf-8")
    later = cli("generate", "--out", out, "--force", "--start", "2026-07-01", "--days", "60")
    assert later.returncode == 0, later.stderr
    assert (out / FOREIGN).read_text(encoding="utf-8") == '{"mine": true}\n'
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    days = sorted(p.name for p in (out / "ga4").glob("events_202607*.ndjson"))
    assert len(days) > 20 and (out / "ga4" / "events_20260801.ndjson").exists()
    listed = (out / MANIFEST).read_text(encoding="utf-8")
    assert "ga4/events_20260701.ndjson\t" in listed and FOREIGN not in listed and "notes.txt" not in listed

    # again with a shorter history: its own day files of August go, the foreign files stay
    again = cli("generate", "--out", out, "--force", "--start", "2026-07-01", "--days", "20")
    assert again.returncode == 0, again.stderr
    assert not list((out / "ga4").glob("events_202608*"))
    assert (out / FOREIGN).read_text(encoding="utf-8") == '{"mine": true}\n'
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    assert not [p for p in out.iterdir() if p.name.startswith(".journeyflow-generate-")]  # no staging left


def test_generate_into_a_new_folder_and_again_with_force(tmp_path: Path) -> None:
    from journeyflow.generate import generate

    out = tmp_path / "new" / "exports"
    first = generate(out, persons=20, seed=3)
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert MANIFEST in files and len(files) > 10
    # the Python function may regenerate over its own files without force; the result is the same
    assert generate(out, persons=20, seed=3) == first
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == files
    refused = cli("generate", "--out", out, "--persons", "20", "--seed", "3")  # the CLI wants --force
    assert refused.returncode == 1 and "--force" in refused.stderr
    forced = cli("generate", "--out", out, "--persons", "20", "--seed", "3", "--force")
    assert forced.returncode == 0, forced.stderr
    assert_fits_80(forced.stdout)
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == files
