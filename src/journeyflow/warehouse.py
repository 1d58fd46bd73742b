"""The DuckDB warehouse: connect, run the SQL files in `sql/`, copy the finished file for publishing."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb

from journeyflow.config import PROJECT_ROOT


def find_sql_dir() -> Path:
    """The folder of the SQL files (and checks.yaml, bi/contract.yaml), found the same way however
    journeyflow is installed: $JOURNEYFLOW_SQL_DIR if set; else the package's own `sql/` (a wheel
    install, where pyproject.toml maps the repository's top-level sql/ to journeyflow/sql/); else
    the checkout's top-level `sql/` (an editable install, or src/ on the path)."""
    if "JOURNEYFLOW_SQL_DIR" in os.environ:
        return Path(os.environ["JOURNEYFLOW_SQL_DIR"])
    shipped = Path(__file__).resolve().with_name("sql")
    return shipped if shipped.is_dir() else PROJECT_ROOT / "sql"


SQL_DIR = find_sql_dir()
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
    con = duckdb.connect(str(path), read_only=read_only)
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


def quote_literal(text: str) -> str:
    """Quote a string literal for statements that take no parameters (ATTACH, COMMENT ON, COPY TO)."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB so names from files can never inject SQL."""
    return '"' + name.replace('"', '""') + '"'


# a column, `$parameter` or name; or a short string literal without commas (a label)
_ARG = r"(?:\$?[a-z_][a-z0-9_.$]*|'[^',{}\n]*')"
_FRAGMENT = re.compile(
    r"\{\{\s*([a-z_]+)\(\s*(" + _ARG + r"(?:\s*,\s*" + _ARG + r")*)\s*\)\s*\}\}"
)


def expand_fragments(query: str) -> str:
    """Inline `{{ name(arg) }}` from `sql/_fragments/name.sql`, its `$arg` replaced by `arg`.

    `arg` is a column (`n.value_text`), a `$parameter`, a name (a table, a survey) or a string literal
    without commas (`'Created time'`, a label the fragment shows). With several
    arguments, `{{ name(a, b) }}`, the fragment uses `$arg1`, `$arg2`, ... instead. Plain text
    substitution, so the SQL that runs (and is transpiled for Spark) has no macros. A fragment may
    use other fragments.
    """

    def inline(match: re.Match[str]) -> str:
        lines = (SQL_DIR / "_fragments" / f"{match[1]}.sql").read_text(encoding="utf-8").splitlines()
        body = "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip()
        args = re.split(r"\s*,\s*", match[2])
        if len(args) == 1:
            body = body.replace("$arg", args[0])
        else:
            # highest number first, so that `$arg1` does not eat the start of `$arg10`
            for number in range(len(args), 0, -1):
                body = body.replace(f"$arg{number}", args[number - 1])
        return expand_fragments(body)

    return _FRAGMENT.sub(inline, query)


def source_events_sql(name: str) -> str | None:
    """sql/staging/events/<name>.sql over the canonical columns (None: the source makes no events).

    `events_sql` names the file, so an incremental run can replace exactly the rows it made (a
    source's file may emit events of another source table: Salesforce opportunity history).
    """
    from journeyflow.sources import EVENT_COLUMNS, OPTIONAL_EVENT_COLUMNS

    path = SQL_DIR / "staging" / "events" / f"{name}.sql"
    if not path.exists():
        return None
    body = expand_fragments(path.read_text(encoding="utf-8")).strip().rstrip(";")
    # an optional column the file does not select (`... as <column>`) is NULL for its events
    optional = [column if re.search(rf"\bas\s+{column}\b", body, re.IGNORECASE)
                else f"cast(null as {kind}) as {column}" for column, kind in OPTIONAL_EVENT_COLUMNS.items()]
    columns = ", ".join((*EVENT_COLUMNS, *optional))
    return f"select '{name}' as events_sql, {columns} from (\n{body}\n)"


def _events_of_every_source() -> str:
    """UNION ALL of sql/staging/events/<source>.sql over the canonical columns, registry order."""
    from journeyflow.sources import SOURCES

    selects = [source_events_sql(source.name) for source in SOURCES]
    return "\nunion all\n".join(select for select in selects if select)


def _records_of_every_source() -> str:
    """Every staging.<source>'s lineage and outcome columns, UNION ALL (quality accounting)."""
    from journeyflow.sources import SOURCES

    return "\nunion all\n".join(
        f"select '{s.raw_table}' as raw_table, _source_file, _row_number, _load_id, _reject_reason, "
        f"_is_duplicate from {s.staged_table}"
        for s in SOURCES
    )


def _raw_records_of_rejects() -> str:
    """The raw records that the CTE `record_rejects` names, with their lineage, UNION ALL.

    Each branch keeps only the rows and files of its table's rejects before it reads `record`: the
    filters reach the scan, so the text of millions of good rows is never read (3.9 s → 0.8 s at 10M
    events for a handful of rejects).
    """
    from journeyflow.sources import SOURCES

    return "\nunion all\n".join(
        f"select '{s.raw_table}' as raw_table, _source_file, _row_number, record from {s.raw_table}"
        f" where _row_number in (select row_number from record_rejects where raw_table = '{s.raw_table}')"
        f" and _source_file in (select source_file from record_rejects where raw_table = '{s.raw_table}')"
        for s in SOURCES
    )


_UNIONS = {
    "events_of_every_source": _events_of_every_source,
    "records_of_every_source": _records_of_every_source,
    "raw_records_of_rejects": _raw_records_of_rejects,
}
_UNION = re.compile(r"\{\{\s*(" + "|".join(_UNIONS) + r")\s*\}\}")


def expand_sql(text: str, events_of_sources: str | None = None) -> str:
    """Inline the per-source unions and the fragments: the SQL that actually runs.

    `events_of_sources` replaces `{{ events_of_every_source }}` (an incremental run derives the
    events of a few sources or files only).
    """
    text = "\n".join(line for line in text.splitlines()
                     if "{{" not in line or not line.lstrip().startswith("--"))
    unions = dict(_UNIONS)
    if events_of_sources is not None:
        unions["events_of_every_source"] = lambda: events_of_sources
    return expand_fragments(_UNION.sub(lambda m: unions[m[1]](), text))


def sql_text(table: str, events_of_sources: str | None = None) -> str:
    """The SQL that builds `layer.table`, read from `sql/<layer>/<table>.sql`, expanded."""
    layer, name = table.split(".")
    return expand_sql((SQL_DIR / layer / f"{name}.sql").read_text(encoding="utf-8"), events_of_sources)



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
    found = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return found[0][0] if found else None


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return table_type(con, table) is not None


def copy_working_file(work_file: Path, target: Path, while_copying: Callable[[], object]) -> None:
    """Copy the finished working file into the run's release folder, flushed to disk.

    The release is not published yet (journeyflow.release switches it in whole), so the copy is
    the only one the release needs: nothing is renamed afterwards. The raw layer is not in the
    working file (see `connect`), so it is never published. `while_copying` runs during the copy,
    which mostly waits on the disk (the Parquet snapshot, which mostly keeps DuckDB's threads busy:
    55 s one after the other at 10M events, 28 s side by side); nothing may write to the working
    file meanwhile. Should both fail, the error of `while_copying` is the one raised; a failed copy
    leaves no partial file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:  # leaving the block waits for the copy
            copied = pool.submit(_copy_synced, work_file, target)
            while_copying()
            copied.result()  # the copy's error, if it failed
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _copy_synced(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())
