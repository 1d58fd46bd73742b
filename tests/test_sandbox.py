"""The published warehouse is a read-only sandbox for every reader: `journeyflow query` and
`journeyflow.open()` read its tables and nothing else. Each way out (attach the raw or working file,
read or write a file, load an extension, change a setting, write a table) is tried through the CLI in
a subprocess and through the API: refused with a message that says so, no file touched, no plain
email of the raw layer printed. The raw and working files are owner-only."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

import journeyflow
from builders import CONTACT_HEADER, T0, ga4_event, hubspot_contact, write_csv, write_ga4
from conftest import settings_for
from journeyflow.config import Settings
from journeyflow.connection import connect, make_private, private_files
from journeyflow.pipeline import Step, run_pipeline
from journeyflow.release import PARQUET
from journeyflow.run_context import Metadata

EMAILS = ("leak.alice@example.com", "leak.bob@example.com")
SECRET = "outside-secret-7f3a"  # the text of a file outside the warehouse
REFUSED = "refused: the query runs on the published warehouse read-only by design"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One small run: two HubSpot contacts (their plain emails are in the raw file only), GA4 events."""
    base = tmp_path_factory.mktemp("sandbox")
    write_ga4(base / "input", [
        ga4_event(T0, "session_start", "c1", user_id="u1", medium="cpc"),
        ga4_event(T0 + timedelta(minutes=1), "purchase", "c1", user_id="u1", value=10.0),
        ga4_event(T0, "page_view", "c2", user_id="u2", path="/blog/a"),
    ])
    write_csv(base / "input" / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("1", EMAILS[0], "2026-06-01 10:00", user_id="u1"),
        hubspot_contact("2", EMAILS[1], "2026-06-01 10:00", user_id="u2"),
    ])
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(f"secret\n{SECRET}\n", encoding="utf-8")
    pl.DataFrame({"secret": [SECRET]}).write_parquet(outside / "secret.parquet")
    settings = settings_for(base / "input", base)
    previous = os.umask(0o022)  # the usual umask: what readers of the published files rely on
    try:
        run_pipeline(settings)
    finally:
        os.umask(previous)
    raw = duckdb.connect(str(settings.raw_file), read_only=True)  # the emails are there to leak
    assert EMAILS[0] in str(raw.sql("SELECT record FROM raw.hubspot_contacts").fetchall())
    raw.close()
    return settings


def query(settings: Settings, sql: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`journeyflow query SQL --warehouse W ARGS` in a subprocess."""
    env = {k: v for k, v in os.environ.items() if k != "JOURNEYFLOW_SQL_DIR"} | {"COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "journeyflow.cli", "query", sql, "--warehouse", str(settings.warehouse),
         *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=settings.warehouse.parents[1],
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# (what is tried, SQL, part of DuckDB's message, a file that must not exist afterwards); {raw}, {work}:
# the raw and working files next to the published one; {outside}: a folder of secrets; {made}: new
ESCAPES = [
    ("attach raw file", "ATTACH '{raw}' AS r (READ_ONLY); SELECT record FROM r.raw.hubspot_contacts",
     "Cannot access file", None),
    ("attach work file writable",
     "ATTACH '{work}' AS w (READ_ONLY false); UPDATE w.core.journeys SET converted = NOT converted",
     "Cannot access file", None),
    ("attach a new file", "ATTACH '{made}/new.duckdb' AS n", "Cannot access file", "{made}/new.duckdb"),
    ("read_csv", "SELECT * FROM read_csv('{outside}/secret.csv')", "Cannot access file", None),
    ("file as table", "SELECT * FROM '{outside}/secret.csv'", "Cannot access file", None),
    ("read_parquet", "SELECT * FROM read_parquet('{outside}/secret.parquet')", "Cannot access file", None),
    ("read_text", "SELECT content FROM read_text('{outside}/secret.csv')", "Cannot access file", None),
    ("read_text passwd", "SELECT content FROM read_text('/etc/passwd')", "Cannot access file", None),
    ("glob", "SELECT * FROM glob('{outside}/*')", "Cannot access file", None),
    ("copy to", "COPY (SELECT * FROM core.journeys) TO '{made}/out.csv'", "Cannot access file",
     "{made}/out.csv"),
    ("export database", "EXPORT DATABASE '{made}/dump'", "Cannot access file", "{made}/dump"),
    ("install", "INSTALL httpfs", "file system operations are disabled", None),
    ("load", "LOAD httpfs", "disabled through configuration", None),
    ("set external access", "SET enable_external_access = true", "configuration has been locked", None),
    ("reset external access", "RESET enable_external_access", "configuration has been locked", None),
    ("unlock", "SET lock_configuration = false", "configuration has been locked", None),
    ("set profiling output", "SET profiling_output = '{made}/profile.json'", "configuration has been locked",
     "{made}/profile.json"),
    ("pragma", "PRAGMA enable_profiling", "configuration has been locked", None),
    ("pragma memory", "PRAGMA memory_limit = '1GB'", "configuration has been locked", None),
    ("create table", "CREATE TABLE core.x AS SELECT 1 AS a", "read-only mode", None),
    ("insert", "INSERT INTO core.journeys SELECT * FROM core.journeys", "read-only mode", None),
    ("update", "UPDATE core.journeys SET converted = NOT converted", "read-only mode", None),
    ("drop", "DROP TABLE core.journeys", "read-only mode", None),
]
ESCAPE_IDS = [case[0] for case in ESCAPES]


def escape(settings: Settings, case: str) -> tuple[str, str, Path | None]:
    """The case's SQL, DuckDB's message and the file it must not make, for this warehouse."""
    base = settings.warehouse.parents[1]
    places = {"raw": settings.raw_file, "work": settings.work_file, "outside": base / "outside",
              "made": base / "made"}
    _, sql, message, target = next(c for c in ESCAPES if c[0] == case)
    return sql.format(**places), message, Path(target.format(**places)) if target else None


@pytest.fixture(scope="module")
def before(built: Settings) -> dict[Path, str]:
    """The digests of the published, working and raw files before anything was tried."""
    return {path: digest(path) for path in (built.warehouse, built.work_file, built.raw_file)}


def assert_nothing_leaked(text: str) -> None:
    for secret in (*EMAILS, SECRET, "root:x:0:0"):
        assert secret not in text


@pytest.mark.parametrize("case", ESCAPE_IDS)
def test_query_refuses_each_escape(built: Settings, before: dict[Path, str], case: str) -> None:
    sql, message, target = escape(built, case)
    result = query(built, sql)
    assert result.returncode == 1, result.stdout + result.stderr
    refusal = [line for line in result.stderr.splitlines() if REFUSED in line]
    assert len(refusal) == 1, result.stderr  # one line: what is refused by design, and DuckDB's reason
    assert "no writes, ATTACH, file access" in refusal[0] and message in refusal[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert_nothing_leaked(result.stdout + result.stderr)
    assert target is None or not target.exists()
    assert {path: digest(path) for path in before} == before


@pytest.mark.parametrize("case", ESCAPE_IDS)
def test_api_refuses_each_escape(built: Settings, before: dict[Path, str], case: str) -> None:
    sql, message, target = escape(built, case)
    with journeyflow.open(built.warehouse) as jf, pytest.raises(journeyflow.ReadOnlyRefused) as caught:
        jf.sql(sql)
    assert "read-only by design" in str(caught.value) and message in str(caught.value)
    assert isinstance(caught.value, duckdb.Error)  # `except duckdb.Error` still catches it
    assert_nothing_leaked(str(caught.value))
    assert target is None or not target.exists()
    assert {path: digest(path) for path in before} == before


def test_two_readers_at_once_share_the_sandbox(built: Settings) -> None:
    with journeyflow.open(built.warehouse) as first, journeyflow.open(built.warehouse) as second:
        assert first.sql("SELECT current_setting('TimeZone') AS z")["z"].to_list() == ["UTC"]
        assert second.sql("SELECT current_setting('TimeZone') AS z")["z"].to_list() == ["UTC"]
        with pytest.raises(journeyflow.ReadOnlyRefused):
            second.sql("SELECT * FROM read_text('/etc/passwd')")


def test_readers_opened_in_threads_at_once_all_open(built: Settings) -> None:
    # the explorer answers requests in threads: the first reader locks the shared database while
    # others open it (a check-then-set race made every page fail with "configuration has been locked")
    from concurrent.futures import ThreadPoolExecutor

    def read(_: int) -> list[str]:
        with journeyflow.open(built.warehouse) as wh:
            return wh.sql("SELECT current_setting('TimeZone') AS z")["z"].to_list()

    for _ in range(5):  # a fresh database instance each round: every round races again
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(read, range(16))) == [["UTC"]] * 16


def test_a_plain_connection_open_in_the_process_is_named(built: Settings) -> None:
    plain = duckdb.connect(str(built.warehouse), read_only=True)  # not sandboxed: the sandbox cannot join it
    try:
        with pytest.raises(duckdb.ConnectionException, match="outside the reader sandbox"):
            journeyflow.open(built.warehouse)
    finally:
        plain.close()


def test_api_connection_itself_is_locked(built: Settings) -> None:
    with journeyflow.open(built.warehouse) as jf:
        with pytest.raises(duckdb.Error, match="configuration has been locked"):
            jf.con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error, match="Cannot access file"):
            jf.con.execute(f"ATTACH '{built.raw_file}' AS r")


LEGITIMATE = [
    "SELECT count(*) AS n FROM core.journeys",
    "SELECT * FROM marts.phase_funnel",
    "SELECT * FROM quality.load_summary",
    "SELECT * FROM staging.events",
    "SELECT * FROM bi.journeys",
    "DESCRIBE core.journeys",
    "SUMMARIZE core.journeys",
    "SHOW ALL TABLES",
    "SELECT table_schema, table_name FROM information_schema.tables",
    "SELECT schema_name, table_name FROM duckdb_tables()",
    "WITH j AS (SELECT * FROM core.journeys) SELECT count(*) AS n FROM j",
    "SELECT current_setting('TimeZone') AS zone",
]


@pytest.mark.parametrize("sql", LEGITIMATE)
def test_api_reads_what_analysts_read(built: Settings, sql: str) -> None:
    with journeyflow.open(built.warehouse) as jf:
        frame = jf.sql(sql)
    assert frame.height > 0
    assert_nothing_leaked(str(frame.rows()))


def test_every_schema_of_the_published_file_is_readable(built: Settings) -> None:
    with journeyflow.open(built.warehouse) as jf:
        schemas = {name.split(".")[0] for name in jf.tables}
        assert {"staging", "quality", "core", "marts", "bi"} <= schemas and "raw" not in schemas
        for name in jf.tables:
            jf.table(name)  # raises if any is not readable
        assert jf.sql("SELECT current_setting('TimeZone') AS z")["z"].to_list() == ["UTC"]


def test_query_still_prints_and_writes_results(built: Settings, tmp_path: Path) -> None:
    shown = query(built, "SHOW ALL TABLES")
    assert shown.returncode == 0, shown.stderr
    assert "phase_funnel" in shown.stdout
    cte = query(built, "WITH j AS (SELECT * FROM core.journeys) SELECT count(*) AS n FROM j",
                "--format", "csv")
    assert cte.returncode == 0 and cte.stdout.splitlines() == ["n", "2"], cte.stderr
    # --out is written by polars in this process after the query, not by DuckDB: outside the sandbox
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"journeys{suffix}"
        written = query(built, "SELECT * FROM bi.journeys", "--out", str(out))
        assert written.returncode == 0, written.stderr
        frame = pl.read_csv(out) if suffix == ".csv" else pl.read_parquet(out)
        assert frame.height == 2
    assert_nothing_leaked(shown.stdout + cte.stdout)


def test_a_mistake_in_the_sql_is_not_called_a_refusal(built: Settings) -> None:
    result = query(built, "SELECT nope FROM core.journeys")
    assert result.returncode == 1
    assert "query failed" in result.stderr and REFUSED not in result.stderr


def test_every_reader_opens_the_published_file_through_the_sandbox() -> None:
    # connect_published is the only way src/ opens a file read-only: a new reader cannot forget it
    src = Path(journeyflow.__file__).parent
    opened = [f"{path.name}:{number}" for path in sorted(src.rglob("*.py")) if path.name != "connection.py"
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
              if "read_only=True" in line]
    assert opened == []


# --- owner-only raw and working files ----------------------------------------------------------------

def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_raw_and_working_files_are_owner_only(built: Settings) -> None:
    assert mode(built.raw_file) == 0o600
    assert mode(built.work_file) == 0o600
    # readers are other users: the folder, the published file and the Parquet snapshot keep the
    # umask's mode (the folder used to be created under the owner-only mask: 0700, no way in)
    assert mode(built.warehouse.parent) == 0o755
    assert mode(built.warehouse) == 0o644
    parquet = sorted((built.warehouse.parent / PARQUET).glob("*.parquet"))
    assert parquet and {mode(path) for path in parquet} == {0o644}


def test_the_raw_file_log_is_owner_only_while_landing_and_old_files_are_tightened(tmp_path: Path) -> None:
    write_ga4(tmp_path / "input", [ga4_event(T0, "page_view", "c1", path="/blog/a")])
    write_csv(tmp_path / "input" / "hubspot" / "contacts.csv", CONTACT_HEADER,
              [hubspot_contact("1", EMAILS[0], "2026-06-01 10:00")])
    settings = settings_for(tmp_path / "input", tmp_path)
    previous = os.umask(0o022)
    try:
        run_pipeline(settings)
        # files of an earlier release (0644), and a log a killed run left behind
        for path in (settings.raw_file, settings.work_file):
            path.chmod(0o644)
        logs: dict[str, int] = {}

        def look(step: Step, metadata: Metadata) -> None:  # after each step of the second run
            wal = settings.raw_file.with_name(settings.raw_file.name + ".wal")
            if wal.exists():
                logs[step.name] = mode(wal)

        (tmp_path / "input" / "hubspot" / "contacts.csv").write_text(
            ",".join(CONTACT_HEADER) + "\n" + ",".join(hubspot_contact("2", EMAILS[1], "2026-06-02 10:00"))
            + "\n", encoding="utf-8")
        run_pipeline(settings, on_step=look, incremental=True)
    finally:
        os.umask(previous)
    assert mode(settings.raw_file) == 0o600 and mode(settings.work_file) == 0o600
    assert logs, "the raw file's log was never seen: the test would prove nothing"
    assert set(logs.values()) == {0o600}, logs


def test_make_private_and_private_files(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        con = connect(tmp_path / "open.duckdb")
        con.execute("CHECKPOINT")
        con.execute("CREATE TABLE core.t AS SELECT 'x' AS a")  # a log, created with the umask: 0644
        wal = tmp_path / "open.duckdb.wal"
        assert mode(wal) == 0o644
        make_private(tmp_path / "open.duckdb")
        assert mode(tmp_path / "open.duckdb") == 0o600 and mode(wal) == 0o600
        con.execute("CHECKPOINT")  # the log is gone; the next write makes a new one
        with private_files():
            con.execute("INSERT INTO core.t VALUES ('y')")
        assert mode(wal) == 0o600
        con.close()
        assert os.umask(0o022) == 0o022  # the mask is given back
    finally:
        os.umask(previous)
