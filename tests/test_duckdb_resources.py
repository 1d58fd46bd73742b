"""DuckDB's memory limit, threads and spill folder come from the machine by default and from
journeyflow.yaml when set there (issue #24): read back from the run's own connection."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from journeyflow import machine
from journeyflow.config import Settings, SettingsError, load_settings
from journeyflow.pipeline import open_run

GIB = 2**30


def shown_by_duckdb(setting: str, value: object) -> str:
    """How DuckDB shows `value` once set (memory_limit "3072MiB" reads back as "3.0 GiB")."""
    con = duckdb.connect()
    con.execute(f"SET {setting} = ?", [value])
    shown = con.execute(f"SELECT current_setting('{setting}')").fetchall()[0][0]
    con.close()
    return str(shown)


def run_settings(settings: Settings) -> dict[str, str]:
    """memory_limit, threads and temp_directory on the connection a run opens."""
    with open_run(settings) as ctx:
        row = ctx.con.execute("SELECT current_setting('memory_limit'), current_setting('threads'), "
                              "current_setting('temp_directory')").fetchall()[0]
    return {"memory_limit": row[0], "threads": str(row[1]), "temp_directory": row[2]}


def test_default_memory_limit_is_per_thread_and_at_most_half_the_memory():
    # 2 threads × 1.5 GiB = 3 GiB, below half of 24 GiB (12 GiB): 3 GiB = 3072 MiB
    assert machine.default_memory_limit(2, memory=24 * GIB) == "3072MiB"
    # 8 threads × 1.5 GiB = 12 GiB, above half of 8 GiB (4 GiB): 4096 MiB
    assert machine.default_memory_limit(8, memory=8 * GIB) == "4096MiB"
    # 1 thread × 1.5 GiB = 1536 MiB, below half of 4 GiB (2048 MiB)
    assert machine.default_memory_limit(1, memory=4 * GIB) == "1536MiB"


def test_a_container_limits_cores_and_memory(tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # 1.5 cores → 2 threads
    (tmp_path / "memory.max").write_text(f"{GIB}\n")  # 1 GiB
    assert machine.usable_cores(tmp_path) == min(machine.usable_cores(Path("/nonexistent")), 2)
    assert machine.usable_memory(tmp_path) == GIB
    (tmp_path / "cpu.max").write_text("max 100000\n")
    (tmp_path / "memory.max").write_text("max\n")  # no limit: the physical memory
    physical = machine.usable_memory(Path("/nonexistent"))
    assert machine.usable_memory(tmp_path) == physical
    assert machine.usable_cores(tmp_path) == machine.usable_cores(Path("/nonexistent"))


def test_defaults_are_derived_from_the_machine(tmp_path):
    settings = Settings(warehouse=tmp_path / "wh" / "jf.duckdb")
    threads = machine.usable_cores()
    assert settings.threads == threads
    assert settings.memory_limit == machine.default_memory_limit(threads)
    assert settings.spill_dir == tmp_path / "wh" / "jf.spill"
    assert run_settings(settings) == {
        "memory_limit": shown_by_duckdb("memory_limit", settings.memory_limit),
        "threads": str(threads),
        "temp_directory": str(tmp_path / "wh" / "jf.spill"),
    }


def test_journeyflow_yaml_overrides_apply(tmp_path):
    config = tmp_path / "journeyflow.yaml"
    config.write_text(f'warehouse: {tmp_path / "wh" / "jf.duckdb"}\nduckdb_memory_limit: "700MB"\n'
                      f'duckdb_threads: 1\nduckdb_temp_directory: {tmp_path / "my_spill"}\n')
    assert run_settings(load_settings(config)) == {
        "memory_limit": shown_by_duckdb("memory_limit", "700MB"),
        "threads": "1",
        "temp_directory": str(tmp_path / "my_spill"),
    }


def test_the_default_spill_folder_is_removed_after_the_run_a_named_one_is_kept(tmp_path):
    settings = Settings(warehouse=tmp_path / "wh" / "jf.duckdb")
    settings.spill_dir.mkdir(parents=True)
    (settings.spill_dir / "duckdb_temp_block-left-by-a-killed-run.block").write_bytes(b"x")
    with open_run(settings):
        # what a killed run left is gone at the start; the folder is made again for the owner alone
        # (spilled pages hold staged rows)
        assert settings.spill_dir.is_dir() and not any(settings.spill_dir.iterdir())
        assert stat.S_IMODE(settings.spill_dir.stat().st_mode) == 0o700
    assert not settings.spill_dir.exists()

    mine = tmp_path / "my_spill"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with open_run(Settings(warehouse=tmp_path / "wh" / "jf.duckdb", duckdb_temp_directory=str(mine))):
        pass
    assert (mine / "notes.txt").read_text() == "mine"


SECOND_RUN = """
import sys
from pathlib import Path
from journeyflow.config import Settings
from journeyflow.pipeline import open_run
with open_run(Settings(warehouse=Path(sys.argv[1]))):
    pass
"""


def test_a_second_process_leaves_the_running_spill_folder_alone(tmp_path):
    settings = Settings(warehouse=tmp_path / "wh" / "jf.duckdb")
    with open_run(settings):
        spilled = settings.spill_dir / "duckdb_temp_block-of-the-running-run.block"
        spilled.write_bytes(b"staged rows")
        # another process's run (a second `journeyflow run`, a Dagster run beside a CLI run) fails
        # on DuckDB's lock of the working file before it touches the folder this run spills into
        second = subprocess.run([sys.executable, "-c", SECOND_RUN, str(settings.warehouse)],
                                capture_output=True, text=True, timeout=120)
        assert second.returncode != 0
        assert "lock" in second.stderr.lower()
        assert spilled.read_bytes() == b"staged rows"
    assert not settings.spill_dir.exists()


@pytest.mark.parametrize(("text", "message"), [
    ('duckdb_threads: "2"\n', 'duckdb_threads: "2" is not a whole number (a count ≥ 1, or null for every '
                              "usable core)"),
    ("duckdb_threads: 0\n", "duckdb_threads: 0 is out of range (a count ≥ 1, or null for every usable core)"),
    ("duckdb_memory_limit: 4\n", "duckdb_memory_limit: 4 is not text (e.g. "),
    ("duckdb_temp_directory: 12\n", "duckdb_temp_directory: 12 is not text (a folder, or null for "),
])
def test_a_setting_of_the_wrong_type_is_an_error(tmp_path, text, message):
    config = tmp_path / "journeyflow.yaml"
    config.write_text(text)
    with pytest.raises(SettingsError) as caught:
        load_settings(config)
    [line] = caught.value.problems
    assert line.startswith(message), line


def test_doctor_says_what_duckdb_gets(tmp_path):
    from journeyflow.cli import duckdb_resources

    given = Settings(warehouse=tmp_path / "jf.duckdb", duckdb_threads=1, duckdb_memory_limit="700MB")
    assert duckdb_resources(given).startswith("1 threads (set), memory limit 700MB (set), spills to ")
    derived = duckdb_resources(Settings(warehouse=tmp_path / "jf.duckdb"))
    assert f"{machine.usable_cores()} threads (from the machine)" in derived
    assert derived.endswith("(removed after the run)")
