"""Opening the DuckDB warehouse: the working file a run writes (UTC, schemas, the raw layer's own
file attached, memory limit, threads and spill folder), the published file readers open in a
sandbox, owner-only files, and the small table helpers every step uses."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from journeyflow.config import Settings
from journeyflow.sql_templates import quote_ident, quote_literal

SCHEMAS = ("raw", "staging", "quality", "core", "marts", "bi")


def connect(
    path: Path | str,
    read_only: bool = False,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
    raw_file: Path | str | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the session settings every query relies on (UTC, schemas).

    With `raw_file`, the raw layer lives in that file, attached so that `raw.<table>` names it: the
    exports as they came (plain-text emails included) never enter the file that is published.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    # no extension fetched behind a statement's back: a SQLite file named *.duckdb made ATTACH try
    # to download sqlite_scanner (4-30 s to fail without internet) before saying it cannot be read
    con = duckdb.connect(str(path), read_only=read_only,
                         config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    if threads:
        con.execute("SET threads = ?", [threads])
    if temp_directory:
        con.execute("SET temp_directory = ?", [temp_directory])
    if raw_file is not None:
        attach_raw(con, Path(raw_file), read_only)
    if not read_only:
        for schema in SCHEMAS:
            if raw_file is None or schema != "raw":
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return con


# How every reader opens the published warehouse (query, the API, report, graph, sources, doctor):
# a sandbox in which SQL can read the file's tables and nothing else. DuckDB checks these per
# statement ("Securing DuckDB" in its docs); tests/test_sandbox.py tries each way out.
READER_CONFIG: dict[str, str | bool] = {
    # no file or URL outside the database file: ATTACH (the raw layer, the working file, a new file),
    # read_csv/read_parquet/read_json/read_text/read_blob/glob, COPY ... TO, EXPORT/IMPORT DATABASE,
    # INSTALL and LOAD of any extension not built in, secrets
    "enable_external_access": False,
    # no extension fetched or loaded behind the query's back, none from the community repository
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
}
READER_SANDBOX = ("read-only by design: no writes, ATTACH, file access (read_csv, COPY, EXPORT), "
                  "extensions or settings")


class ReadOnlyRefused(duckdb.PermissionException):
    """A statement the published warehouse's sandbox refuses (see READER_CONFIG): by design."""


_LOCKING = threading.Lock()


def _connect_reader(path: Path | str, attempts: int = 5) -> duckdb.DuckDBPyConnection:
    """duckdb.connect in the sandbox, tried again while a publish is switching the files.

    A connect in the instant the published path changes (a plain file becoming a symlink, the
    symlink moving to a new release) can meet the database another thread of this process still
    has open under that path, whose sandbox refuses to look at the file ("file system operations
    are disabled"); a moment later the path names the new release and the connect succeeds.
    """
    for attempt in range(attempts):
        target = Path(path).resolve() if Path(path).exists() else Path(path)
        try:
            return duckdb.connect(str(target), read_only=True, config=READER_CONFIG)
        except duckdb.PermissionException as exc:
            if "disabled by configuration" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def connect_published(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open the published warehouse read-only in the reader sandbox (READER_CONFIG), UTC.

    `lock_configuration` is set after `TimeZone`, which DuckDB only accepts as a statement (the ICU
    setting is unknown to `duckdb.connect(config=...)`); from then on no SET, RESET or PRAGMA can
    change a setting, so the sandbox cannot be undone from inside. Both are global: a second reader
    in the same process shares the first one's locked database and sets nothing.

    The published path is a symlink through `current` (release.py): the file it names now is the
    one opened, so DuckDB's per-process cache of open databases is keyed by each release's own
    file. Keyed by the symlink, a connect during a publish met the cached database of the release
    before, whose sandbox refused to look at the path ("file system operations are disabled").
    """
    try:
        con = _connect_reader(path)
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise
        raise duckdb.ConnectionException(
            f"{path} is open in this process already, outside the reader sandbox (a duckdb.connect of "
            "its own?): close that connection first, or read through journeyflow.open() only"
        ) from exc
    try:
        with _LOCKING:  # readers in threads (the explorer's requests) share the database: lock it once
            if not con.execute("SELECT current_setting('lock_configuration')").fetchall()[0][0]:
                con.execute("SET GLOBAL TimeZone = 'UTC'")
                con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def refused_by_sandbox(exc: duckdb.Error) -> bool:
    """Whether DuckDB refused the statement because of the reader sandbox (not a mistake in the SQL)."""
    text = str(exc)
    return (isinstance(exc, duckdb.PermissionException) or "configuration has been locked" in text
            or "read-only mode" in text)


def first_line(exc: BaseException) -> str:
    """DuckDB's message without the lines that point into the SQL (one line for a CLI error)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


RAW_CATALOG = "raw_layer"


def attach_raw(con: duckdb.DuckDBPyConnection, raw_file: Path, read_only: bool) -> None:
    """Attach the raw layer's own file and put its `raw` schema on the search path."""
    if read_only and not raw_file.exists():
        return
    work = con.execute("SELECT current_database()").fetchall()[0][0]
    if _has_schema(con, work, "raw"):
        raise ValueError(f"{work} holds a raw layer of its own: open it without raw_file")
    mode = " (READ_ONLY)" if read_only else ""
    con.execute(f"ATTACH {quote_literal(str(raw_file))} AS {RAW_CATALOG}{mode}")
    if not read_only:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_CATALOG}.raw")
    # `raw.x` then resolves to raw_layer.raw.x; everything else stays in the working file
    con.execute("SET search_path = $path", {"path": f"{quote_ident(work)}.main,{RAW_CATALOG}.raw"})


OWNER_ONLY = 0o600


def make_private(database: Path) -> None:
    """Give a DuckDB file and its write-ahead log owner-only permissions (0600), if they exist.

    For the raw file (the exports as they came, plain-text emails included) and the working file:
    created by an earlier release with the default 0644, or a `.wal` left by a killed run (DuckDB
    appends to an existing log and keeps its mode), they are tightened at the next run.
    """
    for path in (database, database.with_name(database.name + ".wal")):
        if path.exists():
            path.chmod(OWNER_ONLY)


@contextmanager
def private_files() -> Iterator[None]:
    """Files created meanwhile get no permission for group and others (umask 077).

    DuckDB creates a database's `.wal` anew after every checkpoint, with the process's umask (0644
    by default), and deletes it at the next checkpoint: no chmod can keep up, so the steps that
    write plain text into the raw file (landing) run under this mask. The umask is the process's,
    so nothing that readers need (the published warehouse, graph, Parquet) may be written inside.
    """
    previous = os.umask(0o077)
    os.umask(previous | 0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _has_schema(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [catalog, schema]
    ).fetchall()[0][0]
    return bool(found)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All statements inside commit together or not at all (an incremental update is never half-done)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def create_view(con: duckdb.DuckDBPyConnection, name: str, query: str) -> None:
    """(Re)create view `name`; a table of that name (an earlier release built it as one) goes first."""
    if table_type(con, name) == "BASE TABLE":
        con.execute(f"DROP TABLE {name}")
    con.execute(f"CREATE OR REPLACE VIEW {name} AS\n{query}")


def drop_view_named_like(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Before (re)creating table `table`: a view of that name (an earlier release built it as one) goes."""
    if table_type(con, table) == "VIEW":
        con.execute(f"DROP VIEW {table}")


def table_type(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """'BASE TABLE', 'VIEW', or None when `table` does not exist."""
    schema, name = table.split(".")
    # duckdb_tables()/duckdb_views(), not information_schema.tables: a run asks ~190 times, and the
    # information schema view costs 4 ms a question to their 1 ms
    found = con.execute(
        "SELECT 'BASE TABLE' FROM duckdb_tables() WHERE schema_name = $schema AND table_name = $name "
        "UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE schema_name = $schema AND view_name = $name",
        {"schema": schema, "name": name},
    ).fetchall()
    return found[0][0] if found else None


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return table_type(con, table) is not None


_OPEN_RUNS: dict[Path, int] = {}
_OPEN_RUNS_LOCK = threading.Lock()


@contextmanager
def connect_run(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A run's connection to its working file (created owner-only), with the raw layer's file
    attached and the memory limit, threads and spill folder of `settings`.

    The default spill folder (<warehouse folder>/<name>.spill) is made empty and owner-only when
    the first run of this process that uses it starts (what a killed run left), and removed when
    the last one ends. Runs in threads share one DuckDB database and its spill files, hence the
    count. The folder is touched only once the connection is open: a second process (another
    `journeyflow run` on the same warehouse) fails on DuckDB's lock of the working file first and
    leaves the folder the running run spills into alone. A folder named in
    `duckdb_temp_directory` is the user's: DuckDB removes its own files from it, nothing more.
    """
    with private_files():  # created owner-only, if new
        con = connect(settings.work_file, memory_limit=settings.memory_limit, threads=settings.threads,
                      temp_directory=str(settings.spill_dir), raw_file=settings.raw_file)
    folder = settings.spill_dir if settings.duckdb_temp_directory is None else None
    try:
        if folder is not None:
            with _OPEN_RUNS_LOCK:
                if not _OPEN_RUNS.get(folder):
                    shutil.rmtree(folder, ignore_errors=True)
                    # spilled pages hold staged rows (emails before hashing): the owner's alone
                    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                _OPEN_RUNS[folder] = _OPEN_RUNS.get(folder, 0) + 1
    except BaseException:
        con.close()
        raise
    try:
        yield con
    finally:
        con.close()
        if folder is not None:
            with _OPEN_RUNS_LOCK:
                _OPEN_RUNS[folder] -= 1
                if not _OPEN_RUNS[folder]:
                    del _OPEN_RUNS[folder]
                    shutil.rmtree(folder, ignore_errors=True)
