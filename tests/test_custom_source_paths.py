"""Custom sources read only files inside their own folder of the input folder.

`files: ../../../../etc/passwd`, an absolute `files:` path, a symlink to /etc/passwd among the data
files, a `source.yaml` that is such a symlink, or a custom/<name>/ folder that is a link out: each
makes the mapping unusable with a message naming the mapping (and the link), `doctor` and `sources`
show it, the run stops at the gate custom_sources_usable naming it, and no byte of the file pointed
to reaches any table (the file-level reject included), the published warehouse or its Parquet.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from builders import T0, ga4_event, write_custom, write_ga4
from conftest import settings_for
from journeyflow.checks import QualityGateFailed
from journeyflow.cli import app
from journeyflow.config import Settings
from journeyflow.pipeline import run_pipeline
from journeyflow.release import PARQUET

PASSWD = Path("/etc/passwd")
ORDERS_MAPPING = """
format: csv
timestamp: at
event_name: {value: store_order}
person_keys: {user_id: customer}
"""
ORDERS_CSV = "at,customer\n2026-06-01 10:00,u1\n"


@pytest.fixture(scope="module")
def passwd_lines() -> list[str]:
    if not PASSWD.is_file():
        pytest.skip("no /etc/passwd on this system")
    lines = [line for line in PASSWD.read_text(encoding="utf-8", errors="replace").splitlines() if line]
    assert lines
    return lines


def good_input(folder: Path) -> None:
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", user_id="u1", path="/blog/a")])
    write_custom(folder, "orders", ORDERS_MAPPING, {"orders.csv": ORDERS_CSV})


def plant(folder: Path, case: str) -> tuple[str, str]:
    """Put the case's way out under folder/custom/evil/: (the mapping file's name, the link's name)."""
    evil = folder / "custom" / "evil"
    if case == "dot-dot":
        write_custom(folder, "evil", ORDERS_MAPPING + "files: ../../../../../../../../etc/passwd\n", {})
        return "custom/evil/source.yaml", "../../../../../../../../etc/passwd"
    if case == "absolute":
        write_custom(folder, "evil", ORDERS_MAPPING + "files: /etc/passwd\n", {})
        return "custom/evil/source.yaml", "/etc/passwd"
    if case == "data file link":
        write_custom(folder, "evil", ORDERS_MAPPING, {"orders.csv": ORDERS_CSV})
        (evil / "passwd.csv").symlink_to(PASSWD)
        return "custom/evil/source.yaml", "passwd.csv is a symlink to /etc/passwd"
    if case == "mapping link":
        evil.mkdir(parents=True)
        (evil / "source.yaml").symlink_to(PASSWD)
        (evil / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
        return "custom/evil/source.yaml", "source.yaml is a symlink to /etc/passwd"
    assert case == "folder link"
    elsewhere = folder.parent / "elsewhere"
    write_custom(elsewhere, "evil", ORDERS_MAPPING, {"passwd.csv": PASSWD.read_bytes()})
    (folder / "custom" / "evil").symlink_to(elsewhere / "custom" / "evil", target_is_directory=True)
    return "custom/evil/source.yaml", "evil/ is a symlink to"


def texts_of(database: Path) -> str:
    """Every value of every table and view in a DuckDB file, as text."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.sql("SELECT table_catalog, table_schema, table_name FROM information_schema.tables")
        return "\n".join(
            str(con.sql(f'SELECT * FROM "{catalog}"."{schema}"."{name}"').fetchall())  # noqa: S608
            for catalog, schema, name in tables.fetchall()
        )
    finally:
        con.close()


def assert_no_passwd(text: str, passwd_lines: list[str]) -> None:
    leaked = [line for line in passwd_lines if line in text]
    assert not leaked, leaked[:3]


CASES = ["dot-dot", "absolute", "data file link", "mapping link", "folder link"]


@pytest.mark.parametrize("case", CASES)
def test_a_way_out_of_the_folder_stops_the_run_naming_the_mapping(
    tmp_path: Path, passwd_lines: list[str], case: str
) -> None:
    folder = tmp_path / "input"
    good_input(folder)
    mapping, link = plant(folder, case)
    settings = settings_for(folder, tmp_path)
    with pytest.raises(QualityGateFailed) as caught:
        run_pipeline(settings)
    message = str(caught.value)
    assert "custom_sources_usable" in message and mapping in message and link in message
    assert_no_passwd(message, passwd_lines)
    assert not settings.warehouse.exists()
    raw = duckdb.connect(str(settings.raw_file), read_only=True)
    rejects = raw.sql("SELECT source_file, reason, raw_text FROM raw.ingest_errors").fetchall()
    raw.close()
    # one file-level reject: the mapping, with why; what it points to is never read
    assert [(row[0], link in row[1]) for row in rejects] == [(mapping, True)]
    assert_no_passwd(texts_of(settings.raw_file) + texts_of(settings.work_file), passwd_lines)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse published from the good input, for `sources` to compare an input folder with."""
    base = tmp_path_factory.mktemp("published")
    good_input(base / "input")
    settings = settings_for(base / "input", base)
    run_pipeline(settings)
    return settings.warehouse


@pytest.mark.parametrize("case", CASES)
def test_doctor_and_sources_show_the_mapping_and_the_link(
    tmp_path: Path, published: Path, passwd_lines: list[str], case: str
) -> None:
    folder = tmp_path / "input"
    good_input(folder)
    mapping, link = plant(folder, case)
    runner = CliRunner()
    env = {"COLUMNS": "400"}
    doctor = runner.invoke(app, ["doctor", "--input", str(folder), "--warehouse", str(published)], env=env)
    assert doctor.exit_code == 1
    custom = next(line for line in doctor.output.splitlines() if "custom sources" in line)
    assert "problem" in custom and mapping in custom and link in custom
    sources = runner.invoke(app, ["sources", "--input", str(folder), "--warehouse", str(published)], env=env)
    shown = next(line for line in sources.output.splitlines() if "not loaded:" in line)
    assert mapping.removeprefix("custom/") in shown and link in shown
    assert_no_passwd(doctor.output + sources.output, passwd_lines)


def test_the_published_warehouse_and_parquet_stay_clean(tmp_path: Path, passwd_lines: list[str]) -> None:
    folder = tmp_path / "input"
    good_input(folder)
    settings: Settings = settings_for(folder, tmp_path)
    run_pipeline(settings)
    published = hashlib.sha256(settings.warehouse.read_bytes()).hexdigest()
    plant(folder, "data file link")
    with pytest.raises(QualityGateFailed, match="custom/evil/source.yaml"):
        run_pipeline(settings, incremental=True)
    assert hashlib.sha256(settings.warehouse.read_bytes()).hexdigest() == published
    snapshot = sorted((settings.warehouse.parent / PARQUET).glob("*.parquet"))
    assert snapshot
    text = texts_of(settings.warehouse) + "".join(str(pl.read_parquet(path).rows()) for path in snapshot)
    assert "store_order" in text  # the good custom source is there: the search reads the tables
    assert_no_passwd(text, passwd_lines)
