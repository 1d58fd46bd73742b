"""The command line: a clear message and a non-zero exit code on bad arguments, no traceback."""

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from builders import T0, ga4_event, write_ga4
from journeyflow.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_run_prints_summary(tmp_path):
    write_ga4(tmp_path / "in", [
        ga4_event(T0, "session_start", "c1", medium="cpc"),
        ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", value=10.0),
        ga4_event(T0, "page_view", "c2", path="/blog/a"),
    ])
    result = invoke("run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.exit_code == 0, result.output
    # 2 persons, 2 journeys, one converted
    assert "50.0% (1 converted journeys)" in result.output
    # highest phases: c1 acquisition (3), c2 awareness (1). Drop-off rates: awareness 1 of 2,
    # consideration 0 of 1, acquisition 1 of 1 (nobody reached service) → the biggest is 100%
    assert "acquisition → service: 100.0% leave" in result.output


def test_nightly_day_reads_only_that_day_and_its_lookback(tmp_path):
    # Files of June 1, 2 and 10. The run of June 2 (lookback 3: May 30 .. June 2) reads two files;
    # June 2 again reads none; --full up to June 10 reads all three.
    for day in (1, 2, 10):
        write_ga4(tmp_path / "in", [ga4_event(T0 + timedelta(days=day - 1), "page_view", f"c{day}",
                                              path="/blog/a")], name=f"events_202606{day:02d}.ndjson")
    base = ("run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb"))
    first = invoke(*base, "--day", "2026-06-02")
    assert first.exit_code == 0, first.output
    assert "incremental: 2 file(s) read, 0 unchanged" in first.output
    again = invoke(*base, "--day", "2026-06-02")
    assert "incremental: 0 file(s) read, 2 unchanged" in again.output
    backfill = invoke(*base, "--from", "2026-06-03", "--to", "2026-06-10")
    # --from June 3 reads May 31 .. June 10: June 1 and 2 are in the lookback, unchanged
    assert "incremental: 1 file(s) read, 2 unchanged" in backfill.output


@pytest.mark.parametrize(("args", "message"), [
    (("--day", "2026-06-02", "--from", "2026-06-01"), "either --day or --from/--to"),
    (("--from", "2026-06-05", "--to", "2026-06-01"), "is after --to"),
    (("--to", "2026-06-05"), "--to needs --from"),
])
def test_bad_day_options_are_clear_errors(tmp_path, args, message):
    (tmp_path / "in").mkdir()
    result = invoke("run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb"),
                    *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_input_folder_is_a_clear_error(tmp_path):
    result = invoke("run", "--input", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert "does not exist" in " ".join(result.output.split())  # wrapped at 80 columns
    assert "Traceback" not in result.output


def test_bad_option_value(tmp_path):
    result = invoke("run", "--session-gap", "0")
    assert result.exit_code == 2
    assert "session-gap" in result.output


def test_unknown_setting_in_config_file(tmp_path):
    config = tmp_path / "journeyflow.yaml"
    config.write_text("sesion_gap_minutes: 5\n", encoding="utf-8")
    result = invoke("run", "--config", str(config))
    assert result.exit_code == 1
    assert "sesion_gap_minutes: unknown setting (did you mean session_gap_minutes?)" in result.output


# --- report, query, graph, sources, doctor -------------------------------------------------------

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import polars as pl  # noqa: E402

NEW_COMMANDS = ("report", "query", "graph", "sources", "doctor")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One small pipeline run shared by the command tests: returns the published warehouse."""
    root = tmp_path_factory.mktemp("cli")
    write_ga4(root / "in", [
        ga4_event(T0, "session_start", "c1", medium="cpc"),
        ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", value=10.0),
        ga4_event(T0, "page_view", "c2", path="/blog/a"),
    ])
    result = invoke("run", "--input", str(root / "in"), "--warehouse", str(root / "w" / "jf.duckdb"))
    assert result.exit_code == 0, result.output
    return root / "w" / "jf.duckdb"


def assert_clean_failure(result, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", NEW_COMMANDS)
def test_every_command_explains_its_options(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "--warehouse" in result.output


@pytest.mark.parametrize("args", [
    ("report", "--out", "r.html"), ("query", "select 1"), ("graph",), ("sources",), ("doctor",),
])
def test_missing_warehouse_says_run_first(args, tmp_path):
    result = invoke(*args, "--warehouse", str(tmp_path / "none.duckdb"))
    assert_clean_failure(result)
    assert "run `journeyflow run` first" in result.output


def test_report_command(built, tmp_path):
    result = invoke("report", "--warehouse", str(built), "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 0, result.output
    assert '<section id="sankey"' in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_report_needs_out(built):
    assert_clean_failure(invoke("report", "--warehouse", str(built)), code=2)


def test_query_prints_a_table(built):
    result = invoke("query", "select phase, persons_entered from bi.phase_funnel order by phase_order",
                    "--warehouse", str(built))
    assert result.exit_code == 0, result.output
    assert "awareness" in result.output and "5 rows" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_query_writes_a_file(built, tmp_path, suffix):
    out = tmp_path / f"j{suffix}"
    result = invoke("query", "select * from bi.journeys", "--warehouse", str(built), "--out", str(out))
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out) if suffix == ".csv" else pl.read_parquet(out)
    assert frame.height == 2


def test_malformed_sql_is_a_clear_error(built):
    result = invoke("query", "selec * form nowhere", "--warehouse", str(built))
    assert_clean_failure(result)
    assert "query failed" in result.output and "syntax error" in result.output


def test_query_cannot_write(built):
    result = invoke("query", "drop table core.journeys", "--warehouse", str(built))
    assert_clean_failure(result)
    assert "read-only" in result.output


def test_query_rejects_other_file_types(built, tmp_path):
    result = invoke("query", "select 1", "--warehouse", str(built), "--out", str(tmp_path / "x.xlsx"))
    assert_clean_failure(result, code=2)
    assert ".csv or .parquet" in result.output


@pytest.mark.parametrize("fmt, marker", [("graphml", "<graphml"), ("gexf", "<gexf"), ("json", '"edges"')])
def test_graph_formats(built, tmp_path, fmt, marker):
    out = tmp_path / f"g.{fmt}"
    result = invoke("graph", "--format", fmt, "--warehouse", str(built), "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert marker in text and "paid_search_click" in text
    if fmt == "json":
        assert {e["source"] for e in json.loads(text)["edges"]} >= {"START", "purchase"}


def test_graph_to_stdout_and_bad_format(built):
    result = invoke("graph", "--warehouse", str(built))
    assert result.exit_code == 0 and "<graphml" in result.output
    assert_clean_failure(invoke("graph", "--format", "dot", "--warehouse", str(built)), code=2)


def test_sources_lists_loaded_and_new_files(built, tmp_path):
    folder = built.parents[1] / "in"
    result = invoke("sources", "--warehouse", str(built), "--input", str(folder))
    assert result.exit_code == 0, result.output
    assert "ga4_events" in result.output and "not loaded" not in result.output
    write_ga4(tmp_path / "new", [ga4_event(T0, "page_view", "c9")], name="events_20260602.ndjson")
    result = invoke("sources", "--warehouse", str(built), "--input", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output


def test_sources_bad_input(built, tmp_path):
    result = invoke("sources", "--warehouse", str(built), "--input", str(tmp_path / "nope"))
    assert_clean_failure(result)
    assert "does not exist" in " ".join(result.output.split())  # wrapped at 80 columns


def test_doctor_ok_and_problem(built, tmp_path):
    folder = built.parents[1] / "in"
    result = invoke("doctor", "--warehouse", str(built), "--input", str(folder))
    assert result.exit_code == 0, result.output
    assert "problem" not in result.output and "package duckdb" in result.output
    result = invoke("doctor", "--warehouse", str(built), "--input", str(tmp_path / "nope"),
                    "--taxonomy", str(tmp_path / "none.yaml"))
    assert_clean_failure(result)
    assert "2 problem(s) found" in result.output


def test_failed_quality_gate_is_a_clear_error(tmp_path):
    write_ga4(tmp_path / "in", [
        ga4_event(T0, "page_view", "c1", path="/blog/a"),
        ga4_event(T0 + timedelta(minutes=1), "login", "c1", user_id="u1"),
    ])
    config = tmp_path / "journeyflow.yaml"
    config.write_text("max_identifiers_per_person: 1\n", encoding="utf-8")
    result = invoke("run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb"),
                    "--config", str(config))
    assert result.exit_code == 1
    assert "identity_no_over_merge" in result.output
    assert "Traceback" not in result.output


def test_null_in_config_file_is_a_value(tmp_path):
    from journeyflow.config import load_settings

    config = tmp_path / "journeyflow.yaml"
    config.write_text("funnel_window_days: null\nwarehouse: w/jf.duckdb\n", encoding="utf-8")
    settings = load_settings(config)
    assert settings.funnel_window_days is None
    assert str(settings.warehouse) == "w/jf.duckdb"


def test_unknown_engine_is_a_clear_error(tmp_path):
    result = invoke("run", "--engine", "presto", "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.exit_code == 1
    assert 'engine: "presto" is unknown (one of duckdb, spark)' in result.output
    assert "Traceback" not in result.output
