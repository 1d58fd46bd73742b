"""The command line: a clear message and a non-zero exit code on bad arguments, no traceback."""

from datetime import timedelta

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


def test_missing_input_folder_is_a_clear_error(tmp_path):
    result = invoke("run", "--input", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert "does not exist" in result.output
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
    assert "unknown setting(s) sesion_gap_minutes" in result.output
