"""Settings mistakes are loud (issue #21): checked by type and range when the settings are made, every
problem at once, each naming the file, the setting, the bad value and what is allowed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import MISSING, fields, replace
from pathlib import Path

import pytest
import yaml

from journeyflow.config import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[1]


def problems(tmp_path: Path, text: str) -> list[str]:
    """The lines of the SettingsError that journeyflow.yaml with `text` raises."""
    config = tmp_path / "journeyflow.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(config)
    lines = str(caught.value).splitlines()
    assert lines == caught.value.lines
    assert all(line.startswith(f"{config}: ") for line in lines), lines  # every line names the file
    return [line.removeprefix(f"{config}: ") for line in lines]


def test_wrong_type(tmp_path):
    assert problems(tmp_path, 'session_gap_minutes: "thirty"\n') == [
        'session_gap_minutes: "thirty" is not a whole number (minutes ≥ 1)'
    ]
    # strict: YAML has real numbers and booleans, so text is not taken for them
    assert problems(tmp_path, 'session_gap_minutes: "30"\n')[0].startswith(
        'session_gap_minutes: "30" is not a whole number')
    assert problems(tmp_path, "max_identifiers_per_person: 2.5\n")[0].startswith(
        "max_identifiers_per_person: 2.5 is not a whole number")
    assert problems(tmp_path, 'strip_plus_addressing: "yes"\n')[0].startswith(
        'strip_plus_addressing: "yes" is not true or false')
    assert problems(tmp_path, "salt: [a, b]\n")[0].startswith('salt: ["a", "b"] is not text')
    assert problems(tmp_path, "journey_start_events: purchase\n")[0].startswith(
        'journey_start_events: "purchase" is not a list')
    assert problems(tmp_path, "warehouse: null\n")[0].startswith("warehouse: null is not a path")


def test_out_of_range(tmp_path):
    text = ("session_gap_minutes: 0\nmin_row_ratio: 1.5\nlate_data_lookback_days: -1\n"
            "attribution_half_life_days: 0\nlast_non_direct_lookback_days: -3\nfunnel_window_days: 0\n"
            "salt: ''\n")
    assert problems(tmp_path, text) == [  # all at once, in the order of the settings
        'salt: "" is empty (non-empty text; quote it if it looks like a number)',
        "session_gap_minutes: 0 is out of range (minutes ≥ 1)",
        "late_data_lookback_days: -1 is out of range (days ≥ 0)",
        "min_row_ratio: 1.5 is out of range (a share from 0 to 1)",
        "attribution_half_life_days: 0 is out of range (days > 0)",
        "last_non_direct_lookback_days: -3 is out of range (days > 0)",
        "funnel_window_days: 0 is out of range (days > 0, or null for no window)",
    ]


def test_unknown_setting_says_did_you_mean(tmp_path):
    found = problems(tmp_path, "sesion_gap_minutes: 5\nmax_identifiers: 3\nfavourite_colour: blue\n")
    assert found[0] == "sesion_gap_minutes: unknown setting (did you mean session_gap_minutes?)"
    assert found[1].startswith("max_identifiers: unknown setting (did you mean max_identifiers_per_person")
    assert found[2].startswith("favourite_colour: unknown setting (known: input_dir, warehouse, ")


def test_choices(tmp_path):
    assert problems(tmp_path, "engine: presto\nsegment_by: device\n") == [
        'segment_by: "device" is unknown (one of first_channel, utm_campaign)',
        'engine: "presto" is unknown (one of duckdb, spark)',
    ]
    assert problems(tmp_path, "segment_a: search\nsegment_b: search\n")[0].startswith(
        'segment_b: "search" must differ from segment_a')


def test_bad_time_zone(tmp_path):
    found = problems(tmp_path, "time_zone: Europe/Berln\nsource_time_zones: {hubspot: Mars/Base}\n")
    assert found[0] == ('time_zone: "Europe/Berln" is not an IANA time zone (e.g. "UTC", "Europe/Berlin"); '
                        "did you mean Europe/Berlin?")
    assert found[1].startswith('source_time_zones.hubspot: "Mars/Base" is not an IANA time zone')
    assert len(found) == 2


@pytest.mark.parametrize("limit", ["4 gigs", "4000", "0GB", "120%", "lots"])
def test_bad_memory_limit(tmp_path, limit):
    [found] = problems(tmp_path, f'duckdb_memory_limit: "{limit}"\n')
    assert found.startswith(f'duckdb_memory_limit: "{limit}" is ')
    assert '(e.g. "4GB", "500MB", "75%" of the memory' in found


@pytest.mark.parametrize("limit", ["4GB", "500MB", "75%", "1.5 GiB", "512kb", "2T"])
def test_memory_limits_duckdb_takes(limit):
    import duckdb

    assert Settings(duckdb_memory_limit=limit).duckdb_memory_limit == limit
    con = duckdb.connect()
    con.execute("SET memory_limit = ?", [limit])  # DuckDB takes it too
    con.close()


def test_not_a_mapping(tmp_path):
    assert problems(tmp_path, "# settings\n- session_gap_minutes: 30\n") == [
        "line 2: is a list, not a mapping of settings (one `setting: value` per line)"
    ]
    assert problems(tmp_path, "thirty\n")[0].startswith('line 1: is the value "thirty", not a mapping')


def test_yaml_that_does_not_parse_names_the_line(tmp_path):
    [found] = problems(tmp_path, "session_gap_minutes: 30\nsalt: [unclosed\nengine: duckdb\n")
    assert re.match(r"line \d+, column \d+: not valid YAML \(", found), found


def test_a_setting_given_twice(tmp_path):
    assert problems(tmp_path, "engine: duckdb\nsalt: a\nengine: spark\n") == [
        "line 3: engine is set twice (also on line 1)"
    ]


def test_session_max_below_the_gap(tmp_path):
    assert problems(tmp_path, "session_gap_minutes: 60\nsession_max_minutes: 30\n") == [
        "session_max_minutes: 30 is less than the session gap of 60 minutes "
        "(minutes ≥ 1 and ≥ session_gap_minutes, or null for no cap)"
    ]
    ok = tmp_path / "ok.yaml"
    ok.write_text("session_gap_minutes: 60\nsession_max_minutes: null\n", encoding="utf-8")
    assert load_settings(ok).session_max_minutes is None


def test_ignore_inputs(tmp_path):
    config = tmp_path / "journeyflow.yaml"
    config.write_text('ignore_inputs: ["archive/**", README.txt]\n', encoding="utf-8")
    assert load_settings(config).ignore_inputs == ["archive/**", "README.txt"]
    assert Settings().ignore_inputs == []
    assert problems(tmp_path, 'ignore_inputs: ["/data/archive/**", "../other/*", ""]\n') == [
        f'ignore_inputs[{i}]: {value} {what} (glob patterns relative to the input folder, '
        'e.g. ["archive/**", "README.txt"])'
        for i, value, what in [(0, '"/data/archive/**"', "is not inside the input folder"),
                               (1, '"../other/*"', "is not inside the input folder"), (2, '""', "is empty")]
    ]
    assert problems(tmp_path, "ignore_inputs: archive/**\n")[0].startswith(
        'ignore_inputs: "archive/**" is not a list')


def test_overrides_and_replace_are_checked_too():
    with pytest.raises(SettingsError, match="session_max_minutes: 10 is less than the session gap of 30"):
        Settings().with_overrides(session_max_minutes=10)
    with pytest.raises(SettingsError, match=r'engine: "presto" is unknown'):
        replace(Settings(), engine="presto")
    with pytest.raises(SettingsError, match="input_dir: 5 is not a path"):
        Settings(input_dir=5)  # type: ignore[arg-type]
    settings = Settings().with_overrides(warehouse="w/jf.duckdb", session_gap_minutes=None)
    assert settings.warehouse == Path("w/jf.duckdb") and settings.session_gap_minutes == 30


def test_normalised_values():
    settings = Settings(input_dir="in", funnel_window_days=40,  # type: ignore[arg-type]
                        spark_conf={"spark.executor.cores": 2, "spark.x.enabled": True})  # type: ignore[dict-item]
    assert settings.input_dir == Path("in")
    assert settings.funnel_window_days == 40.0 and isinstance(settings.funnel_window_days, float)
    assert settings.spark_conf == {"spark.executor.cores": "2", "spark.x.enabled": "true"}


def test_dagster_resource_says_what_is_wrong():
    from pipelines.resources import JourneyflowResource

    with pytest.raises(ValueError) as caught:
        JourneyflowResource(session_gap_minutes=0, time_zone="Berlin").settings()
    assert str(caught.value).splitlines() == [
        "JourneyflowResource config: session_gap_minutes: 0 is out of range (minutes ≥ 1)",
        'JourneyflowResource config: time_zone: "Berlin" is not an IANA time zone (e.g. "UTC", '
        '"Europe/Berlin"); did you mean Europe/Berlin?',
    ]


# --- the shipped defaults and the documented examples ------------------------------------------------


def test_shipped_defaults_are_valid(tmp_path):
    defaults = Settings()
    assert replace(defaults) == defaults
    with pytest.raises(SettingsError, match="absent.yaml: the settings file does not exist"):
        load_settings(tmp_path / "absent.yaml")  # named explicitly (--config): a typo is not the defaults
    for f in fields(Settings):  # the defaults come through the check unchanged
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        assert getattr(defaults, f.name) == default, f.name


def documented_settings() -> list[tuple[str, dict]]:
    """Every ```yaml block in the README and docs/ that the text before it says is journeyflow.yaml."""
    examples = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        lines = doc.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.strip() == "```yaml" and "journeyflow.yaml" in " ".join(lines[max(0, i - 3):i]):
                end = lines.index("```", i + 1)
                examples.append((f"{doc.name}:{i + 1}", yaml.safe_load("\n".join(lines[i + 1:end]))))
    return examples


def test_every_documented_journeyflow_yaml_is_valid(tmp_path):
    examples = documented_settings()
    assert len(examples) >= 3, examples  # README, docs/scaling.md, docs/sources.md
    for where, data in examples:
        config = tmp_path / "journeyflow.yaml"
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        try:
            load_settings(config)
        except SettingsError as exc:
            pytest.fail(f"{where}: {exc}")


# --- the command line --------------------------------------------------------------------------------

BAD = 'session_gap_minutes: "thirty"\nsession_max_minutes: 0\nengnie: spark\n'


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "journeyflow.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_run_and_doctor_refuse_a_bad_settings_file(tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    (tmp_path / "in").mkdir()
    expected = ['bad.yaml: engnie: unknown setting (did you mean engine?)',
                'bad.yaml: session_gap_minutes: "thirty" is not a whole number (minutes ≥ 1)',
                "bad.yaml: session_max_minutes: 0 is out of range"]

    run = cli("run", "--config", "bad.yaml", "--input", str(tmp_path / "in"),
              "--warehouse", str(tmp_path / "wh" / "jf.duckdb"), cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    for line in expected:
        assert line in run.stderr, run.stderr
    assert not (tmp_path / "wh").exists()  # nothing was done

    doctor = cli("doctor", "--config", "bad.yaml", cwd=tmp_path)
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    assert "Traceback" not in doctor.stderr
    row = doctor.stdout[doctor.stdout.index("config file"):]
    for line in expected:
        assert line in row, doctor.stdout
    assert "problem(s) found" in doctor.stderr


def test_run_refuses_a_session_max_below_the_gap(tmp_path):
    (tmp_path / "in").mkdir()
    result = cli("run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "wh" / "jf.duckdb"),
                 "--session-gap", "60", "--session-max", "30", cwd=tmp_path)
    assert result.returncode == 1
    assert "session_max_minutes: 30 is less than the session gap of 60 minutes" in result.stderr
