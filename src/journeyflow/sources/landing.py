"""Land export files in `raw` as they are, one record per row, with lineage.

Every raw table has the same shape: lineage columns plus `record`, the record as JSON text (a GA4
line, a Zendesk ticket, or a CSV row keyed by its normalised header). Parsing and typing happen in
`sql/staging`, so a record that cannot be used is kept and rejected there with a reason.
What cannot even be made a record goes to `raw.ingest_errors` with file, row and reason: a CSV
record with the wrong number of fields or a quote that never closes, a line or element holding
bytes that are not UTF-8 (or, in JSON, a raw control byte), and, as one row for the whole file, a
file that cannot be split into records at all (a truncated JSON document, a corrupt gzip or
Parquet file, an empty file). No file stops the run: any error while reading one rejects that
file; only running out of memory or disk and an interrupt fail the run (`stops_the_run`).

Real exports arrive gzip-compressed, with a byte-order mark, in Windows-1252, in UTF-16 with its
byte-order mark (Meta's lead downloads), or `;`- or tab-separated.
Each file is therefore first turned into plain UTF-8 text (a copy, owner-only, in the landing's
temporary folder beside the working file, only when it is not already that), so every reader
below sees the same kind of input.
"""

from __future__ import annotations

import codecs
import csv
import errno
import gzip
import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from itertools import chain
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from journeyflow.scope import LoadScope
from journeyflow.sources import SOURCES, LandedColumn, Source
from journeyflow.sql_templates import quote_ident, quote_literal

# `record` is stored zstd-compressed: DuckDB's default string compression (FSST) costs more than
# reading and hashing the lines (GA4 at 1M events: 1.3 GB of JSON), and zstd keeps the file small.
RAW_COLUMNS = """
    _load_id VARCHAR, _source_file VARCHAR, _row_number BIGINT,
    _loaded_at TIMESTAMPTZ, _row_hash VARCHAR, record VARCHAR USING COMPRESSION zstd,
    _encoding VARCHAR, _delimiter VARCHAR
"""
RAW_INSERT = (
    "(_load_id, _source_file, _row_number, _loaded_at, _row_hash, record, _encoding, _delimiter)"
)
INGEST_ERRORS_DDL = """
CREATE TABLE IF NOT EXISTS raw.ingest_errors (
    raw_table VARCHAR, source_file VARCHAR, row_number BIGINT,
    reason VARCHAR, raw_text VARCHAR, _load_id VARCHAR
)
"""
LANDED_FILES_DDL = """
CREATE TABLE IF NOT EXISTS raw.landed_files (
    raw_table VARCHAR, source_file VARCHAR, size_bytes BIGINT, modified_ns BIGINT, _load_id VARCHAR,
    content_digest VARCHAR
)
"""
# raw files written by earlier releases have no digest column: added, the files landed again once
LANDED_FILES_DIGEST = "ALTER TABLE raw.landed_files ADD COLUMN IF NOT EXISTS content_digest VARCHAR"
# A line without its trailing carriage returns, and "the line is not blank" (not only spaces and
# tabs). Both copy a line only when they must: rtrim() and trim() copy every string they
# get, which for 1.4 KB GA4 lines cost more than reading them.
WITHOUT_CR = "CASE WHEN suffix(line, chr(13)) THEN rtrim(line, chr(13)) ELSE line END"
NOT_BLANK = """
    CASE
        WHEN coalesce(line, '') = '' THEN false
        WHEN trim(left(line, 1), ' ' || chr(9)) <> '' THEN true
        ELSE trim(line, ' ' || chr(9)) <> ''
    END
"""
RAW_TEXT_LIMIT = 2000
REASON_LIMIT = 300  # of an error message: DuckDB's quote the whole offending line
CHUNK_BYTES = 1 << 20
SPLIT_BYTES = 64 << 20  # what the exact line splitter reads at a time
CSV_BATCH_ROWS = 50_000  # rows the exact CSV reader hands DuckDB at a time
GZIP_MAGIC = b"\x1f\x8b"
CSV_DELIMITERS = (",", ";", "\t", "|")
# The field separator the line readers (NDJSON, TSV) give DuckDB's CSV reader, so that a whole line
# is one field: U+10FFFF, a noncharacter, 4 bytes in UTF-8 (a file that holds it is split exactly).
LINE_SEPARATOR = "\U0010ffff"
# Bytes no JSON text may hold unescaped (tab, LF and CR are whitespace between values).
CONTROL_CODES = np.array([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
CONTROL_CHARACTERS = "[\x00-\x08\x0b\x0c\x0e-\x1f]"
REPLACEMENT = "\ufffd"  # stands for bytes that could not be decoded (or, in a JSON document, a control byte)
UNDECODABLE = "holds bytes that are not UTF-8 (shown as \ufffd) in a file that is otherwise UTF-8"
CONTROL_IN_DOCUMENT = "holds a raw control byte (shown as \ufffd), which JSON does not allow unescaped"
LINE_READERS = ("ndjson", "tsv")  # split at LF: the exact splitter can read what DuckDB cannot
# Errors of the machine, not of a file: they fail the run (the published warehouse then stays as
# it was). Every other error while reading a file rejects that file, and the run goes on.
RUN_ERRORS = (MemoryError, duckdb.OutOfMemoryException, duckdb.InterruptException, duckdb.FatalException)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def stops_the_run(exc: BaseException) -> bool:
    """Out of memory, out of disk, an interrupt: not the file's fault, so not the file's reject."""
    if isinstance(exc, RUN_ERRORS):
        return True
    if isinstance(exc, OSError) and exc.errno in DISK_FULL:
        return True
    return isinstance(exc, duckdb.IOException) and "no space left" in str(exc).lower()


def describe_error(exc: BaseException) -> str:
    """The first line of an error, short: DuckDB's messages go on with the whole offending line."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if not isinstance(exc, duckdb.Error):
        message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return message[:REASON_LIMIT]


@dataclass
class LandingResult:
    files: int = 0
    rows: int = 0
    errors: int = 0
    transcoded: int = 0  # files read through a UTF-8 copy (gzip, BOM, UTF-16, Windows-1252)
    removed: int = 0  # files loaded before that are gone (incremental): their rows were dropped
    unchanged: int = 0  # files skipped because they were loaded before as they are (incremental)


@dataclass(frozen=True)
class TextFile:
    """An export as DuckDB will read it: plain UTF-8 without BOM, uncompressed."""

    path: Path  # the original file, or a temporary UTF-8 copy of it
    encoding: str  # what the original was written in: utf-8, utf-8-sig, utf-16, cp1252 or latin-1
    compressed: bool
    empty: bool  # nothing but whitespace (or 0 bytes) after decompression
    # bytes of an otherwise UTF-8 file that are not UTF-8: U+FFFD in the copy, their records rejected
    undecodable: int = 0
    control_bytes: bool = False  # holds a byte 0x00-0x1F other than tab, LF and CR
    # LF or CRLF line ends only (no CR alone, not both) and no LINE_SEPARATOR: DuckDB's CSV reader
    # then splits the lines exactly as LF does; otherwise the line readers split them themselves
    plain_lines: bool = True

    @property
    def transcoded(self) -> bool:
        return self.encoding != "utf-8" or self.compressed or self.undecodable > 0

    @property
    def max_line_size(self) -> int:
        """DuckDB's `max_line_size` for this file: no line is longer than the file, so none is cut
        (a longer line than the setting fails the read or, with `store_rejects`, vanishes)."""
        return max(self.path.stat().st_size + 1, 2 << 20)


@dataclass
class ByteScan:
    """What one pass over a file's bytes found, chunk by chunk, whatever their encoding.

    numpy counts the bytes below 0x20 in one pass per chunk, and looks for the separator only in a
    chunk that has a byte 0xF4 (a regular expression, or even `in`, over every byte took longer
    than DuckDB takes to land the file).
    """

    empty: bool = True
    control_bytes: bool = False
    separator: bool = False
    cr: int = 0
    lf: int = 0
    crlf: int = 0
    tail: bytes = b""  # the end of the chunk before: a CRLF or separator may span two chunks

    def add(self, chunk: bytes) -> None:
        self.empty = self.empty and not chunk.strip()
        data = np.frombuffer(chunk, np.uint8)
        low = np.bincount(data[data < 0x20], minlength=0x20)
        self.control_bytes = self.control_bytes or bool(low[CONTROL_CODES].any())
        self.cr += int(low[0x0D])
        self.lf += int(low[0x0A])
        if low[0x0D]:
            after = np.flatnonzero(data == 0x0D) + 1
            self.crlf += int(np.count_nonzero(data[after[after < len(data)]] == 0x0A))
        self.crlf += self.tail.endswith(b"\r") and chunk.startswith(b"\n")
        separator = LINE_SEPARATOR.encode()  # starts with 0xF4: a byte most files never hold
        self.separator = (self.separator or separator in self.tail + chunk[:3]
                          or (data.max(initial=0) >= 0xF4 and separator in chunk))
        self.tail = chunk[-3:]

    @property
    def plain_lines(self) -> bool:
        return not self.separator and self.cr == self.crlf and self.crlf in (0, self.lf)


def find_export_files(input_dir: Path, source: Source) -> list[Path]:
    """The source's files anywhere under its folder, sorted by path inside it so loads are
    reproducible (the folder readers' `readers.find_files`).

    Cloud loaders write day folders (Segment `segment-logs/<source-id>/<day>/`, Snowplow
    `run=…/`, GA4 shards `events_YYYYMMDD/`), so the patterns match file names at any depth.
    Symlinked folders are followed (each real folder once); hidden files and folders (`.DS_Store`,
    `.git/`) are skipped, and so are folders Hadoop and Spark writers hide with `_` (`_temporary/`:
    files still being written). A CSV whose name no pattern of the folder matches is the source's
    when its header has the source's `header_keys` (and no other source's).
    """
    folder = input_dir / source.folder
    found = [path for path in folder_files(folder) if matches(source, path.name)]
    if source.header_keys:
        found += [path for path in folder_files(folder) if header_source(path, source.folder) is source]
    return sorted(found, key=lambda path: path.relative_to(folder).parts)


def folder_files(folder: Path) -> Iterator[Path]:
    """Every file under `folder` a reader may take: not hidden (`.`), and, as Hadoop and Spark
    writers mark what is not data, not `_` (`_SUCCESS`, `_temporary/`)."""
    seen: set[str] = set()  # real folders walked, so a symlink loop is walked once
    for parent, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(parent)
        if real in seen:
            dirs.clear()
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(names):
            path = Path(parent) / name
            if not name.startswith((".", "_")) and path.is_file():
                yield path


def matches(source: Source, name: str) -> bool:
    return any(fnmatchcase(name, pattern) for pattern in source.patterns)


def header_source(path: Path, folder: str) -> Source | None:
    """The source a CSV in the source folder `folder` belongs to by its header, when no file
    pattern of the folder names it: the only source there whose `header_keys` the header has."""
    folder_sources = [s for s in SOURCES if s.folder == folder]
    name = path.name.lower()
    if not name.endswith((".csv", ".csv.gz")) or any(matches(s, path.name) for s in folder_sources):
        return None
    keys = csv_header_keys(path)
    claimants = [s for s in folder_sources if s.header_keys and set(s.header_keys) <= keys]
    return claimants[0] if len(claimants) == 1 else None


def csv_header_keys(path: Path) -> set[str]:
    """The normalised column names of a CSV's first line (gzip, BOM, `;` and Windows-1252 too)."""
    try:
        with open_bytes(path, is_gzip(path)) as handle:
            line = handle.readline(64 * 1024).decode("utf-8", errors="replace")
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error):
        return set()
    line = line.lstrip("\ufeff").rstrip("\r\n")
    columns = next(csv.reader([line], delimiter=detect_delimiter(line)), [])
    return {normalise_header(column) for column in columns}


def land_export_files(
    con: duckdb.DuckDBPyConnection, input_dir: Path, source: Source, load_id: str,
    result: LandingResult, *, incremental: bool, scope: LoadScope, phases: set[str] | None,
    temp_dir: Path,
) -> None:
    """Land the folder's files one by one (`readers.land_source`): incremental, only the new or
    changed ones, and the rows of files gone are dropped. `phases` is not used here."""
    folder = input_dir / source.folder
    found = {input_name(input_dir, p): p for p in find_export_files(input_dir, source)
             if scope.includes(p, incremental, folder)}
    typed = typed_columns(source)
    columns = RAW_COLUMNS + "".join(f", {quote_ident(name)} {ddl}" for name, ddl in typed)
    if incremental:
        con.execute(f"CREATE TABLE IF NOT EXISTS {source.raw_table} ({columns})")
        add_typed_columns(con, source.raw_table, typed)
        unchanged = unchanged_files(con, source, found)
        files = {name: path for name, path in found.items() if name not in unchanged}
        gone = [name for name in landed_files(con, source)
                if name not in found and scope.includes(name, incremental, source.folder)]
        result.unchanged, result.removed = len(unchanged), len(gone)
        drop = [*files, *gone]
    else:
        con.execute(f"CREATE OR REPLACE TABLE {source.raw_table} ({columns})")
        files, drop = found, None
    forget_files(con, source, drop)
    # taken before reading: a file rewritten while it lands differs from this next time
    fingerprints = {name: file_fingerprint(path) for name, path in files.items()}
    ndjson = {name: path for name, path in files.items() if source.reader_for(path) == "ndjson"}
    batched = land_ndjson_batch(con, ndjson, source, load_id, result, temp_dir)  # in one statement
    remember_files(con, source, {name: fingerprints[name] for name in batched}, load_id)
    for name, path in files.items():
        if name not in batched:
            land_one_file(con, path, name, source, load_id, result, temp_dir)
            remember_files(con, source, {name: fingerprints[name]}, load_id)


def typed_columns(source: Source) -> list[tuple[str, str]]:
    """(name, DDL) of the raw table's columns beside RAW_COLUMNS for a source whose Parquet files
    land fixed fields typed (GA4: `Source.landed_columns`): `_typed` (true: the row's file landed
    them) and one per landed column; nothing for the others (custom sources make their own table)."""
    if not source.landed_columns or any(not column.type for column in source.landed_columns):
        return []
    return [("_typed", "BOOLEAN DEFAULT false"),
            *((column.target, column.type) for column in source.landed_columns)]


def add_typed_columns(con: duckdb.DuckDBPyConnection, raw_table: str, typed: list[tuple[str, str]]) -> None:
    """Give a raw table from before typed landing its typed columns: its rows are records only
    (`_typed` false), read from the record in staging as before; only files landed from now on
    are typed."""
    present = {row[0] for row in con.execute(f"DESCRIBE {raw_table}").fetchall()}
    for name, ddl in typed:
        if name not in present:
            con.execute(f"ALTER TABLE {raw_table} ADD COLUMN {quote_ident(name)} {ddl}")


def input_name(input_dir: Path, path: Path) -> str:
    """How lineage names an export: its path inside the input folder (`ga4/events_20260601.ndjson`).

    The same whether a run was started by the CLI with a relative `--input` or by Dagster with an
    absolute one, and after the input folder moved: incremental state never re-reads a file for
    being named differently.
    """
    return path.relative_to(input_dir).as_posix()


def content_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (as stored, compressed or not)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_fingerprint(path: Path) -> tuple[int, int, str | None]:
    """(size, modification time, content digest) of a file as it is now; no digest for a file
    that cannot be read (its landing says why)."""
    stat = path.stat()
    try:
        return stat.st_size, stat.st_mtime_ns, content_digest(path)
    except OSError as exc:
        if stops_the_run(exc):
            raise
        return stat.st_size, stat.st_mtime_ns, None


def unchanged_files(con: duckdb.DuckDBPyConnection, source: Source, found: dict[str, Path]) -> set[str]:
    """The names in `found` landed before with the content they have now.

    Same size and modification time: unchanged without reading. Same size, other time (a copy,
    a re-download, a moved folder): the content digest decides, and an unchanged file's new time
    is remembered so the next run does not read it again.
    """
    known = landed_files(con, source)
    unchanged: set[str] = set()
    retimed: dict[str, int] = {}
    for name, path in found.items():
        if name not in known:
            continue
        size, modified_ns, digest = known[name]
        stat = path.stat()
        if (stat.st_size, stat.st_mtime_ns) == (size, modified_ns):
            unchanged.add(name)
        elif stat.st_size == size and digest is not None and content_digest(path) == digest:
            unchanged.add(name)
            retimed[name] = stat.st_mtime_ns
    if retimed:
        con.execute(
            "UPDATE raw.landed_files AS f SET modified_ns = t.modified_ns "
            "FROM (SELECT unnest($files) AS source_file, unnest($mtimes) AS modified_ns) AS t "
            "WHERE f.raw_table = $raw AND f.source_file = t.source_file",
            {"raw": source.raw_table, "files": list(retimed), "mtimes": list(retimed.values())},
        )
    return unchanged


def count_landed(con: duckdb.DuckDBPyConnection, source: Source, result: LandingResult) -> LandingResult:
    """The raw table's rows and the source's ingest errors, into `result`."""
    result.rows = con.execute(f"SELECT count(*) FROM {source.raw_table}").fetchall()[0][0]
    result.errors = con.execute(
        "SELECT count(*) FROM raw.ingest_errors WHERE raw_table = ?", [source.raw_table]
    ).fetchall()[0][0]
    return result


def land_one_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, source: Source, load_id: str,
    result: LandingResult, temp_dir: Path,
) -> None:
    """Land one file in its own transaction; a file that cannot be split into records becomes one
    file-level reject, whatever the error (`stops_the_run` errors excepted).

    `name` is what lineage calls the file (`input_name`). A line file (NDJSON, TSV) or CSV that
    DuckDB's reader fails on is read again by the exact splitter before the file is given up.
    """
    result.files += 1
    reader = source.reader_for(path)
    try:
        if reader == "parquet":
            problem = column_problem(source, pq.read_schema(path).names)
            if problem:
                record_file_error(con, source, name, load_id, problem, raw_text="")
                return
            error = _in_transaction(con, lambda: land_parquet(con, path, name, source, load_id))
        elif reader == "duckdb":
            error = land_duckdb(con, path, name, source, load_id)
        elif reader == "sqlite":
            error = land_sqlite(con, path, name, source, load_id)
        else:
            with readable_text(path, temp_dir) as text:
                if text.empty:
                    record_file_error(con, source, name, load_id,
                                      "file is empty: no header and no records", raw_text="")
                    return
                problem = reader == "csv" and column_problem(source, csv_header(text.path)[0])
                if problem:
                    record_file_error(con, source, name, load_id, problem, raw_text=_head(path))
                    return
                result.transcoded += text.transcoded
                error = _in_transaction(con, lambda: land_file(con, text, name, source, load_id, reader))
                if error is not None and reader in (*LINE_READERS, "csv"):
                    error = _in_transaction(
                        con, lambda: land_file(con, text, name, source, load_id, reader, exact=True))
    except Exception as exc:  # noqa: BLE001 (any error of a file rejects the file)
        if stops_the_run(exc):
            raise
        error = exc
    if error is not None:
        record_file_error(con, source, name, load_id,
                          f"file could not be read: {describe_error(error)}", raw_text=_head(path))


def column_problem(source: Source, header: list[str]) -> str | None:
    """Why a file of a fixed-schema source (Snowplow's atomic.events) cannot be read by its
    column names, or None: a column the schema does not have (a headerless dump's first row, a
    renamed column) or a required one missing. Checked before landing, so the file is one reject."""
    if not (source.allowed_columns or source.required_columns):
        return None
    names = [normalise_header(title) for title in header]
    allowed = set(source.allowed_columns)
    unknown = [n for n in names if n not in allowed and not n.startswith(source.allowed_prefixes)]
    if source.allowed_columns and unknown:
        return (f"unknown column {', '.join(unknown[:5])}: not a column of {source.description} "
                "(a dump needs its header line with the table's own column names)")
    missing = [n for n in source.required_columns if n not in names]
    if missing:
        return f"required column {', '.join(missing)} missing (a {source.description} needs it)"
    return None


def _in_transaction(con: duckdb.DuckDBPyConnection, land: Callable[[], None]) -> Exception | None:
    """Run `land` in one transaction: a file that fails half-way leaves none of its rows behind,
    so its rows are counted once (as one file-level reject), never twice. Returns its error."""
    con.execute("BEGIN TRANSACTION")
    try:
        land()
    except Exception as exc:  # noqa: BLE001 (the caller decides; run-stopping errors go on up)
        con.execute("ROLLBACK")
        if stops_the_run(exc):
            raise
        return exc
    con.execute("COMMIT")
    return None


def forget_files(con: duckdb.DuckDBPyConnection, source: Source, files: list[str] | None) -> None:
    """Drop what these files landed before (None: everything of the source)."""
    if files is None:
        con.execute("DELETE FROM raw.ingest_errors WHERE raw_table = ?", [source.raw_table])
        con.execute("DELETE FROM raw.landed_files WHERE raw_table = ?", [source.raw_table])
        return
    if not files:
        return
    con.execute(f"DELETE FROM {source.raw_table} WHERE _source_file IN (SELECT unnest($files))",
                {"files": files})
    for table in ("raw.ingest_errors", "raw.landed_files"):
        con.execute(f"DELETE FROM {table} WHERE raw_table = $raw AND source_file IN (SELECT unnest($files))",
                    {"raw": source.raw_table, "files": files})


def landed_files(
    con: duckdb.DuckDBPyConnection, source: Source
) -> dict[str, tuple[int, int, str | None]]:
    """File name → (size, modification time, content digest) of what the source's last landings read."""
    return {
        row[0]: (row[1], row[2], row[3])
        for row in con.execute(
            "SELECT source_file, size_bytes, modified_ns, content_digest FROM raw.landed_files "
            "WHERE raw_table = ?",
            [source.raw_table],
        ).fetchall()
    }


def remember_files(con: duckdb.DuckDBPyConnection, source: Source,
                   fingerprints: dict[str, tuple[int, int, str | None]], load_id: str) -> None:
    """Record what was landed: file name → (size, modification time, digest) before reading."""
    if fingerprints:
        sizes, mtimes, digests = zip(*fingerprints.values(), strict=True)
        con.execute(
            "INSERT INTO raw.landed_files "
            "(raw_table, source_file, size_bytes, modified_ns, _load_id, content_digest) "
            "SELECT $raw, unnest($files), unnest($sizes), unnest($mtimes), $load, unnest($digests)",
            {"raw": source.raw_table, "files": list(fingerprints), "sizes": list(sizes),
             "mtimes": list(mtimes), "digests": list(digests), "load": load_id},
        )


def is_gzip(path: Path) -> bool:
    """By magic number, whatever the file's name says."""
    with path.open("rb") as probe:
        return probe.read(2) == GZIP_MAGIC


@contextmanager
def open_bytes(path: Path, compressed: bool) -> Iterator[BinaryIO]:
    """The file's bytes, decompressed when it is gzip."""
    with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
        yield handle  # type: ignore[misc]


def inspect_text(path: Path) -> tuple[str, bool, int, ByteScan]:
    """(encoding, compressed, undecodable bytes, byte scan) of a text export, streamed in chunks.

    UTF-8 when the whole file decodes as UTF-8. A file with bytes that are not UTF-8 is still
    UTF-8 when it has more well-formed non-ASCII characters than such bytes (a UTF-8 export with
    one row pasted from Windows-1252): only the records holding them are rejected, and "Jürgen"
    stays "Jürgen" in every other row. Otherwise it is Windows-1252 (German Excel, older CRMs),
    or Latin-1 when it has bytes undefined there (0x81, 0x8D, ...), which decodes anything.
    """
    compressed = is_gzip(path)
    utf16 = _utf16_name(path, compressed)
    if utf16:
        return _inspect_utf16(path, compressed, utf16)
    scan, decoder = ByteScan(), codecs.getincrementaldecoder("utf-8")()
    utf8, bom = True, False
    with open_bytes(path, compressed) as handle:
        first = True
        while chunk := handle.read(CHUNK_BYTES):
            if first and chunk.startswith(codecs.BOM_UTF8):
                bom, chunk = True, chunk[len(codecs.BOM_UTF8):]
            first = False
            scan.add(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    utf8_name = "utf-8-sig" if bom else "utf-8"
    if utf8:
        return utf8_name, compressed, 0, scan
    undecodable, well_formed = _count_utf8(path, compressed)
    if well_formed > undecodable:
        return utf8_name, compressed, undecodable, scan
    return ("cp1252" if _decodes(path, compressed, "cp1252") else "latin-1"), compressed, 0, scan


def _utf16_name(path: Path, compressed: bool) -> str:
    """"utf-16" when the file starts with a UTF-16 byte order mark (Meta's lead downloads, Excel's
    "Unicode Text"), else "". Without the mark UTF-16 is not told apart from other bytes."""
    with open_bytes(path, compressed) as handle:
        start = handle.read(2)
    return "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else ""


def _inspect_utf16(path: Path, compressed: bool, encoding: str) -> tuple[str, bool, int, ByteScan]:
    """A UTF-16 file scanned as the UTF-8 copy it becomes (its raw bytes hold a NUL per ASCII
    character, which the byte scan would take for control bytes); code units that do not decode
    (a file cut mid-character) count as undecodable, so their records are rejected."""
    scan, decoder = ByteScan(), codecs.getincrementaldecoder(encoding)(errors="replace")
    undecodable = 0
    with open_bytes(path, compressed) as handle:
        while chunk := handle.read(CHUNK_BYTES):
            text = decoder.decode(chunk)
            undecodable += text.count(REPLACEMENT)
            scan.add(text.encode("utf-8"))
    tail = decoder.decode(b"", final=True)
    undecodable += tail.count(REPLACEMENT)
    scan.add(tail.encode("utf-8"))
    return encoding, compressed, undecodable, scan


def _count_utf8(path: Path, compressed: bool) -> tuple[int, int]:
    """(bytes that are not UTF-8, well-formed non-ASCII characters) of a file."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    undecodable = well_formed = 0
    with open_bytes(path, compressed) as handle:
        while chunk := handle.read(CHUNK_BYTES):
            text = decoder.decode(chunk)
            bad = text.count(REPLACEMENT)
            undecodable += bad
            well_formed += len(text) - len(text.encode("ascii", "ignore")) - bad
    return undecodable + decoder.decode(b"", final=True).count(REPLACEMENT), well_formed


def _decodes(path: Path, compressed: bool, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open_bytes(path, compressed) as handle:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def readable_text(path: Path, temp_dir: Path) -> Iterator[TextFile]:
    """The file as plain UTF-8 text DuckDB can read; a copy in `temp_dir` only when needed.

    The copy holds what the export holds (emails included), so it is owner-only and removed when
    the file has landed; one left by a killed run goes with the next landing (`fresh_temp_dir`).
    """
    encoding, compressed, undecodable, scan = inspect_text(path)
    text = TextFile(path, encoding, compressed, scan.empty, undecodable, scan.control_bytes,
                    scan.plain_lines)
    if not text.transcoded or text.empty:
        yield text
        return
    with tempfile.TemporaryDirectory(prefix="copy-", dir=temp_dir) as tmp:  # mode 0700
        copy = Path(tmp) / path.name.removesuffix(".gz")
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        target = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open_bytes(path, compressed) as handle, open(target, "w", encoding="utf-8", newline="") as out:
            while chunk := handle.read(CHUNK_BYTES):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
        yield replace(text, path=copy)


def fresh_temp_dir(folder: Path) -> Path:
    """The folder for a landing's plain-text copies, owner-only (0700), emptied of what a killed
    run left there."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    folder.chmod(0o700)  # mkdir's mode passes through the umask
    return folder


def temp_dir_for(work_file: Path) -> Path:
    """Where a run's landing writes plain-text copies: beside the working file it builds."""
    return work_file.with_suffix(".landing")


def land_file(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str,
    reader: str | None = None, exact: bool = False,
) -> None:
    """Land one readable file with its reader; `name` is what lineage calls it (`input_name`).

    `exact`: split lines (NDJSON, TSV) or CSV records without DuckDB's CSV reader (`split_lines`,
    `csv_batches`): the second try for a file DuckDB cannot read. Then records holding bytes that
    are not UTF-8 and NDJSON lines holding a raw control byte are moved to ingest errors.
    """
    reader = reader or source.reader
    if reader in ("json_envelope", "json_array", "json_api"):
        land_json_list(con, text, name, source, load_id, reader)
        return
    readers = {"ndjson": land_ndjson, "tsv": land_tsv, "csv": land_csv}
    readers[reader](con, text, name, source, load_id, exact)
    if text.undecodable:
        reject_rows(con, source, name, load_id, "contains(record, $mark)", "$reason",
                    {"mark": REPLACEMENT, "reason": UNDECODABLE})
    if reader == "ndjson" and text.control_bytes:
        reject_rows(
            con, source, name, load_id, "regexp_matches(record, $control)",
            "'line holds the control byte 0x' || lpad(upper(to_hex(ascii(regexp_extract(record, "
            "$control)))), 2, '0') || ', which JSON does not allow unescaped'",
            {"control": CONTROL_CHARACTERS},
        )


def reject_rows(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, load_id: str, condition: str,
    reason: str, params: dict[str, object],
) -> None:
    """Move the file's landed records that match `condition` (SQL over `record`) to ingest errors,
    each with its row number, the `reason` (SQL, may use $reason) and its text."""
    where = f"_source_file = $file AND _load_id = $load_id AND {condition}"
    matching = {key: value for key, value in params.items() if key != "reason"}
    matching |= {"file": name, "load_id": load_id}
    con.execute(
        f"""
        INSERT INTO raw.ingest_errors
        SELECT $raw_table, _source_file, _row_number, {reason}, left(record, $limit), _load_id
        FROM {source.raw_table} WHERE {where}
        ORDER BY _row_number
        """,
        {**params, **matching, "raw_table": source.raw_table, "limit": RAW_TEXT_LIMIT},
    )
    con.execute(f"DELETE FROM {source.raw_table} WHERE {where}", matching)


def read_lines(paths: str) -> str:
    """DuckDB's CSV reader as a line reader: one field per line (the separator is LINE_SEPARATOR,
    no quotes), no line too long (`$max_line`), nothing sniffed, and no decompression (the text is
    plain already; DuckDB would go by a `.gz` name)."""
    return (
        f"read_csv({paths}, columns = {{'line': 'VARCHAR'}}, header = false, delim = chr(1114111), "
        "quote = '', escape = '', auto_detect = false, max_line_size = $max_line, compression = 'none'"
    )


def line_batches(
    con: duckdb.DuckDBPyConnection, text: TextFile, exact: bool = False
) -> Iterator[tuple[str, dict[str, object]]]:
    """The file's lines as queries of `(line_number, line)`: physical line numbers from 1, lines
    without their CR, blank ones included. One query DuckDB reads in parallel; or, when DuckDB
    would split the lines otherwise than LF does (`TextFile.plain_lines`) or `exact`, one query
    per chunk that `split_lines` split."""
    if text.plain_lines and not exact:
        yield (f"SELECT row_number() OVER () AS line_number, {WITHOUT_CR} AS line "
               f"FROM {read_lines('$path')})",
               {"path": str(text.path), "max_line": text.max_line_size})
        return
    for lines in split_lines(text.path):
        con.register("landing_lines", lines)
        try:
            yield f"SELECT line_number, {WITHOUT_CR} AS line FROM landing_lines", {}
        finally:
            con.unregister("landing_lines")


def split_lines(path: Path) -> Iterator[pa.Table]:
    """The lines of a UTF-8 file split at LF, as NDJSON and TSV define them (a CR alone is part of
    its line), SPLIT_BYTES at a time: `(line_number, line)` tables (pyarrow splits, not a loop)."""
    number, rest = 0, b""
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(SPLIT_BYTES)
            data = rest + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            data, rest = data[:cut], data[cut:]
            if data:
                lines = pc.split_pattern(pa.array([data], pa.large_binary()), b"\n").flatten()
                if data.endswith(b"\n"):
                    lines = lines.slice(0, len(lines) - 1)
                numbers = np.arange(number + 1, number + 1 + len(lines), dtype=np.int64)
                yield pa.table({"line_number": numbers, "line": lines.cast(pa.large_string())})
                number += len(lines)
            if not chunk:
                return


def land_ndjson(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str,
    exact: bool = False,
) -> None:
    """One record per non-blank line; `_row_number` is the physical line number."""
    for lines, params in line_batches(con, text, exact):
        con.execute(
            f"""
            INSERT INTO {source.raw_table} {RAW_INSERT}
            SELECT $load_id, $file, line_number, now(), md5(line), line, $encoding, NULL
            FROM ({lines})
            WHERE {NOT_BLANK}
            """,
            {**params, "load_id": load_id, "file": name, "encoding": text.encoding},
        )


def land_tsv(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str,
    exact: bool = False,
) -> None:
    """A headerless tab-separated file whose columns the source names (Snowplow enriched events).

    One record per non-blank line, keyed by `source.columns`; an empty field becomes null. A line
    with another number of fields cannot be keyed, so it goes to ingest errors with its line
    number and how many fields it had. `_row_number` is the physical line number.
    """
    if not source.columns:
        raise ValueError(f"source {source.raw_table} reads TSV but names no columns")
    struct = ", ".join(
        f"{quote_ident(name)} := nullif(fields[{i}], '')" for i, name in enumerate(source.columns, 1)
    )
    for batch, params in line_batches(con, text, exact):
        lines = (f"SELECT line_number, line, string_split(line, chr(9)) AS fields "
                 f"FROM ({batch}) WHERE {NOT_BLANK}")
        params = {**params, "load_id": load_id, "file": name, "n": len(source.columns)}
        con.execute(
            f"""
            INSERT INTO {source.raw_table} {RAW_INSERT}
            SELECT $load_id, $file, line_number, now(), md5(record), record, $encoding, chr(9)
            FROM (
                SELECT line_number, to_json(struct_pack({struct}))::VARCHAR AS record
                FROM ({lines}) WHERE len(fields) = $n
            )
            """,
            {**params, "encoding": text.encoding},
        )
        con.execute(
            f"""
            INSERT INTO raw.ingest_errors
            SELECT $raw_table, $file, line_number,
                   'TSV line ' || line_number || ': expected ' || $n || ' tab-separated fields, found '
                       || len(fields),
                   left(line, $limit), $load_id
            FROM ({lines}) WHERE len(fields) <> $n
            ORDER BY line_number
            """,
            {**params, "raw_table": source.raw_table, "limit": RAW_TEXT_LIMIT},
        )


def land_ndjson_batch(
    con: duckdb.DuckDBPyConnection,
    paths: dict[str, Path],
    source: Source,
    load_id: str,
    result: LandingResult,
    temp_dir: Path,
) -> set[str]:
    """Land many NDJSON files (GA4 writes one a day) in one statement, hence one commit.

    Committing file by file costs more than reading the lines. Returns the names it landed: none
    when fewer than two files can be read this way or DuckDB fails on them. A file that is empty,
    unreadable, not plain UTF-8 text with plain line ends, or holds control bytes is left to
    `land_one_file`, which lands or rejects it on its own.
    """
    if len(paths) < 2:
        return set()
    with ExitStack() as stack:
        texts: dict[str, TextFile] = {}
        for name, path in paths.items():
            try:
                text = stack.enter_context(readable_text(path, temp_dir))
            except Exception as exc:  # noqa: BLE001 (land_one_file rejects it with the reason)
                if stops_the_run(exc):
                    raise
                continue
            if not (text.empty or text.undecodable or text.control_bytes or not text.plain_lines):
                texts[name] = text
        if len(texts) < 2:
            return set()
        con.register("landing_files", pa.table({
            "read_path": [str(t.path) for t in texts.values()], "original": list(texts),
            "encoding": [t.encoding for t in texts.values()], "file_order": list(range(len(texts))),
        }))
        reader = read_lines("$paths") + ", filename = true)"
        params = {"paths": [str(t.path) for t in texts.values()],
                  "max_line": max(t.max_line_size for t in texts.values())}
        try:
            # each file's line numbers start after the lines of the files before it: counted in a
            # first, cheap pass, so the landing pass numbers lines with a streaming row_number()
            # instead of a window partitioned by file (which holds every line in memory)
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE landing_offsets AS
                SELECT f.read_path, f.original, f.encoding,
                    cast(coalesce(sum(c.lines) OVER (
                        ORDER BY f.file_order ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                    ), 0) AS BIGINT) AS lines_before
                FROM landing_files AS f
                LEFT JOIN (SELECT filename, count(*) AS lines FROM {reader} GROUP BY filename) AS c
                    ON c.filename = f.read_path
                """,
                params,
            )
            con.execute(
                f"""
                INSERT INTO {source.raw_table} {RAW_INSERT}
                SELECT $load_id, f.original, l.ordinal - f.lines_before, now(), md5(l.line), l.line,
                    f.encoding, NULL
                FROM (
                    SELECT row_number() OVER () AS ordinal, filename, {WITHOUT_CR} AS line
                    FROM {reader}
                ) AS l
                JOIN landing_offsets AS f ON f.read_path = l.filename
                WHERE {NOT_BLANK}
                """,
                {**params, "load_id": load_id},
            )
        except duckdb.Error as exc:
            if stops_the_run(exc):
                raise
            return set()
        finally:
            con.unregister("landing_files")
            con.execute("DROP TABLE IF EXISTS landing_offsets")
    result.files += len(texts)
    result.transcoded += sum(text.transcoded for text in texts.values())
    return set(texts)


def land_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, source: Source, load_id: str
) -> None:
    """One record per Parquet row, nested columns kept as JSON; `_row_number` is the row (1-based).

    Parquet is typed and binary, so no encoding detection: the row becomes the same JSON text an
    NDJSON export of it would be (timestamps as 'YYYY-MM-DD HH:MM:SS[+00]', INT64 as numbers).
    A table dump that its source also reads as CSV (Fivetran's tables, Snowplow's atomic.events)
    has its top-level column names lower-cased, as its CSV header's are: Snowflake unloads `ID`,
    `CREATED_DATE`. Other Parquet (GA4, custom sources) keeps its names as written.
    With `source.landed_columns` (a custom source's mapped columns, GA4's fields), a file that can
    also lands them typed beside the record (`typed_parquet_columns`), and staging reads those instead.
    """
    scan = _lower_case_columns(pq.read_schema(path).names if source.reader == "csv" else [])
    landed = typed_parquet_columns(con, path, source.landed_columns) if source.reader != "csv" else []
    con.execute(
        f"""
        INSERT INTO {source.raw_table} {raw_insert(landed)}
        SELECT $load_id, $file, n + 1, now(), md5(rec), rec, 'parquet', NULL{typed_select(landed)}
        FROM (
            SELECT
                p.file_row_number AS n,
                json_merge_patch(to_json(p), '{{"file_row_number": null}}')::VARCHAR AS rec
                {"".join(f", {expression} AS {quote_ident(target)}" for target, expression in landed)}
            FROM {scan} AS p
        )
        """,
        {"load_id": load_id, "file": name, "path": str(path)},
    )


def raw_insert(landed: list[tuple[str, str]]) -> str:
    """RAW_INSERT, plus `_typed` and the landed columns of a typed landing."""
    if not landed:
        return RAW_INSERT
    return RAW_INSERT[:-1] + ", _typed, " + ", ".join(quote_ident(target) for target, _ in landed) + ")"


def typed_select(landed: list[tuple[str, str]]) -> str:
    """The select list's end for `raw_insert(landed)`: `_typed` and the landed columns (by name)."""
    return "".join([", true", *(f", {quote_ident(target)}" for target, _ in landed)]) if landed else ""


# Parquet types whose values land as they are (`LandedColumn` kinds instant and wall); years
# outside 1000-9999 are left to staging's text parsing, which reads only 4-digit years
_INSTANT_TYPES = ("TIMESTAMP WITH TIME ZONE",)
_WALL_TYPES = ("TIMESTAMP",)


def typed_parquet_columns(
    con: duckdb.DuckDBPyConnection, path: Path, columns: tuple[LandedColumn, ...]
) -> list[tuple[str, str]]:
    """(target, SQL over the scan `p`) of each landed column; none when the file lacks a column
    one names (it lands as records only, and staging says which column is missing), or holds a
    `nested` path with another type (`nested_values`)."""
    if not columns:
        return []
    flat = [column for column in columns if column.kind != "nested"]
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                             "read_parquet($path))", {"path": str(path)}).fetchall()) if flat else {}
    if any(key not in types for column in flat for key in column.keys):
        return []
    nested = nested_values(con, path, [column for column in columns if column.kind == "nested"])
    if nested is None:
        return []
    landed = []
    for column in columns:
        if column.kind == "nested":
            landed.append((column.target, nested[column.target]))
            continue
        refs = [f"p.{quote_ident(key)}" for key in column.keys]
        kind_type = types[column.keys[0]]
        if column.kind == "untyped_text" and kind_type in (*_INSTANT_TYPES, *_WALL_TYPES):
            expression = (f"CASE WHEN NOT (isfinite({refs[0]}) AND year({refs[0]}) BETWEEN 1000 AND 9999) "
                          f"THEN CAST({refs[0]} AS VARCHAR) END")
        elif column.kind in ("text", "untyped_text"):
            # a string as is; a timestamp as its text (what to_json writes, without the JSON);
            # any other value as the JSON text the record holds
            expression = (refs[0] if kind_type == "VARCHAR"
                          else f"CAST({refs[0]} AS VARCHAR)" if kind_type in (*_INSTANT_TYPES, *_WALL_TYPES)
                          else f"json_extract_string(to_json({refs[0]}), '$')")
        elif column.kind in ("instant", "wall"):
            typed = kind_type in (_INSTANT_TYPES if column.kind == "instant" else _WALL_TYPES)
            cast = "TIMESTAMPTZ" if column.kind == "instant" else "TIMESTAMP"
            expression = (f"CASE WHEN isfinite({refs[0]}) AND year({refs[0]}) BETWEEN 1000 AND 9999 "
                          f"THEN CAST({refs[0]} AS {cast}) END" if typed else f"CAST(NULL AS {cast})")
        else:  # object
            pairs = ", ".join(f"{quote_ident(key)} := {ref}"
                              for key, ref in zip(column.keys, refs, strict=True))
            expression = f"to_json(struct_pack({pairs}))::VARCHAR"
        landed.append((column.target, expression))
    return landed


def nested_values(
    con: duckdb.DuckDBPyConnection, path: Path, columns: list[LandedColumn]
) -> dict[str, str] | None:
    """SQL over the scan `p` of each `nested` landed column, by target: the value at its path as
    it is, or a NULL of its type where the file lacks the path (its record then lacks the member,
    which `from_json` reads as NULL). None when the file holds a path with another type (the JSON
    text of another type may read otherwise), under a parent that is no struct, or under a name
    that differs in case only (DuckDB binds names case-blind, a JSON member's name is exact): the
    file then lands as records only."""
    if not columns:
        return {}
    schema = pq.read_schema(path)
    values: dict[str, str] = {}
    held: list[LandedColumn] = []
    for column in columns:
        found = _field_at(schema, column.keys)
        if found is None:
            return None
        if found:
            held.append(column)
        else:
            values[column.target] = f"CAST(NULL AS {column.type})"
    if not held:
        return values
    refs = {column.target: "p." + ".".join(quote_ident(key) for key in column.keys) for column in held}
    in_file = con.execute(
        "SELECT column_name, column_type FROM (DESCRIBE SELECT "
        + ", ".join(f"{refs[column.target]} AS {quote_ident(column.target)}" for column in held)
        + " FROM read_parquet($path) AS p)", {"path": str(path)}).fetchall()
    wanted = con.execute(
        "SELECT column_name, column_type FROM (DESCRIBE SELECT "
        + ", ".join(f"CAST(NULL AS {column.type}) AS {quote_ident(column.target)}" for column in held)
        + ")").fetchall()
    if in_file != wanted:
        return None
    return values | refs


def _field_at(schema: pa.Schema, keys: tuple[str, ...]) -> bool | None:
    """Whether the Parquet schema holds the field at the path `keys` (a column, then fields of
    struct columns) under exactly these names; None when a name differs in case only, or a
    parent on the path is not a struct (`nested_values` then lands the file as records)."""
    fields = list(schema)
    for depth, key in enumerate(keys):
        same = [field for field in fields if field.name.lower() == key.lower()]
        exact = [field for field in same if field.name == key]
        if not exact:
            return None if same else False
        if len(same) > 1:
            return None
        if depth < len(keys) - 1:
            kind = exact[0].type
            if not pa.types.is_struct(kind):
                return None
            fields = [kind.field(i) for i in range(kind.num_fields)]
    return True


def typed_csv_columns(columns: tuple[LandedColumn, ...], keys: dict[str, str]) -> list[tuple[str, str]]:
    """(target, SQL over the fields `c1`..`cN`) of each landed column of a CSV file whose header
    `keys` (cN → normalised title) has every column they name; none otherwise. A CSV field is
    text: it lands as written, and its timestamp is parsed in staging."""
    field = {key: column for column, key in keys.items()}
    if not columns or any(key not in field for column in columns for key in column.keys):
        return []
    landed = []
    for column in columns:
        if column.kind in ("text", "untyped_text"):
            expression = field[column.keys[0]]
        elif column.kind in ("instant", "wall"):
            expression = f"CAST(NULL AS {'TIMESTAMPTZ' if column.kind == 'instant' else 'TIMESTAMP'})"
        else:  # object
            pairs = ", ".join(f"{quote_ident(key)} := {field[key]}" for key in column.keys)
            expression = f"to_json(struct_pack({pairs}))::VARCHAR"
        landed.append((column.target, expression))
    return landed


# json_api: a JSON:API response (`{"data": [...], "included": [...]}`, Klaviyo's Get Events) names
# each resource's profile and metric by type and id in `relationships` and lists them once per page
# in `included`; a record is its `data` element with the included resources it names beside it
# (`"included": [...]`, empty when the response holds none), so it is read without the rest of the page
JSON_API_RECORD = """json_merge_patch(rec, json_object('included', to_json(list_filter(included, lambda r:
    (json_extract_string(r, '$.type') = 'profile' AND json_extract_string(r, '$.id')
        = json_extract_string(rec, '$.relationships.profile.data.id'))
    OR (json_extract_string(r, '$.type') = 'metric' AND json_extract_string(r, '$.id')
        = json_extract_string(rec, '$.relationships.metric.data.id'))))))"""


def land_duckdb(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, source: Source, load_id: str
) -> Exception | None:
    """The rows of the source's `tables` in a DuckDB database file (a connector's warehouse copied
    as a file), attached read-only: one record per row, as a Parquet row lands, with the table's
    name under `_dump_table`; `_row_number` counts on across the tables, in `tables` order. A table
    the file does not have lands nothing. Returns the error that rejects the file, if any.
    """
    alias = "jf_dump_" + hashlib.md5(f"{load_id}|{name}|{source.raw_table}".encode()).hexdigest()[:12]
    con.execute(f"ATTACH {quote_literal(str(path))} AS {alias} (READ_ONLY)")
    try:
        schema = source.db_schema
        # a table's name as the file has it, by its lower-case name (SQL names are case-blind)
        present = {row[0].lower(): row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = $catalog "
            "AND table_schema = $schema", {"catalog": alias, "schema": schema}).fetchall()}
        tables = [present[table.lower()] for table in source.db_tables if table.lower() in present]
        if not present:  # a renamed schema would otherwise land nothing, without a word
            return ValueError(f"the database file has no table in schema {schema!r} (expected "
                              f"{', '.join(source.db_tables)}; the connector's destination schema must "
                              f"be named {schema!r})")
        return _in_transaction(con, lambda: _land_tables(
            con, source, name, load_id, "duckdb",
            [(table, _lower_case_table(con, alias, schema, table)) for table in tables]))
    finally:
        con.execute(f"DETACH {alias}")


def land_sqlite(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, source: Source, load_id: str
) -> Exception | None:
    """The source's tables in a SQLite database file (a connector's tables copied into SQLite, or
    Airbyte's SQLite destination's typed tables), landed as a DuckDB file's are. DuckDB's sqlite
    extension cannot be installed here, so Python's own sqlite3 reads the file, read-only, one table
    at a time into Arrow. SQLite has no schemas: a table is found by its name alone (case-blind), and
    a file holding none of the folder's tables is rejected naming them."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        present = {row[0].lower(): row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        expected = sorted({table.lower() for other in SOURCES if other.folder == source.folder
                           for table in other.db_tables})
        if not present.keys() & set(expected):
            return ValueError(f"the SQLite file has none of the tables {', '.join(expected)} "
                              f"(it has {', '.join(sorted(present.values())) or 'no table'})")
        tables = {table: _sqlite_table(db, present[table.lower()])
                  for table in source.db_tables if table.lower() in present}
    views = []
    for number, (table, arrow) in enumerate(tables.items()):
        view = f"jf_sqlite_{number}"
        con.register(view, arrow)
        views.append((table, view))
    try:
        return _in_transaction(con, lambda: _land_tables(con, source, name, load_id, "sqlite", views))
    finally:
        for _, view in views:
            con.unregister(view)


def _sqlite_table(db: sqlite3.Connection, table: str) -> pa.Table:
    """A SQLite table as Arrow, its columns lower-cased as a Parquet dump's are. SQLite types each
    value, not the column: a column whose values mix types (a number stored in a text column) is
    read as text, so the staging SQL types it like a CSV dump's value."""
    cursor = db.execute(f"SELECT * FROM {quote_ident(table)}")
    names = _unique_lower([column[0] for column in cursor.description])
    rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = []
    for values in columns:
        kinds = {type(value) for value in values if value is not None}
        if len(kinds) > 1 or kinds == {bytes}:
            values = [None if value is None else _sqlite_text(value) for value in values]
        arrays.append(pa.array(values, type=None if values else pa.string()))
    return pa.table(arrays, names=names)


def _sqlite_text(value: object) -> str:
    """A value of a mixed or BLOB column as text (a BLOB as its UTF-8 text, else its hex digits)."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    return str(value)


def _land_tables(
    con: duckdb.DuckDBPyConnection, source: Source, name: str, load_id: str, encoding: str,
    relations: list[tuple[str, str]],
) -> None:
    """Each (table, relation) as one record per row with the table's name under `_dump_table`;
    `_row_number` counts on across the tables, in the given order."""
    offset = 0
    for table, relation in relations:
        con.execute(
            f"""
            INSERT INTO {source.raw_table} {RAW_INSERT}
            SELECT $load_id, $file, $offset + n, now(), md5(rec), rec, $encoding, NULL
            FROM (
                SELECT
                    row_number() OVER () AS n,
                    json_merge_patch(to_json(t), json_object('_dump_table', $table))::VARCHAR AS rec
                FROM {relation} AS t
            )
            """,
            {"load_id": load_id, "file": name, "offset": offset, "table": table, "encoding": encoding},
        )
        offset = con.execute(
            f"SELECT count(*) FROM {source.raw_table} "
            "WHERE _load_id = $load_id AND _source_file = $file",
            {"load_id": load_id, "file": name}).fetchall()[0][0]


def _lower_case_table(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> str:
    """A DuckDB file's table with its columns renamed to lower case, as a Parquet dump's are
    (Airbyte's Salesforce tables have the API names: `CreatedDate` is read as `createddate`)."""
    name = f"{catalog}.{quote_ident(schema)}.{quote_ident(table)}"
    columns = [row[0] for row in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = $catalog "
        "AND table_schema = $schema AND table_name = $table ORDER BY ordinal_position",
        {"catalog": catalog, "schema": schema, "table": table}).fetchall()]
    if all(column == column.lower() for column in columns):
        return name
    renamed = (f"{quote_ident(column)} AS {quote_ident(key)}"
               for column, key in zip(columns, _unique_lower(columns), strict=True))
    return f"(SELECT {', '.join(renamed)} FROM {name})"


def _unique_lower(names: list[str], taken: frozenset[str] = frozenset()) -> list[str]:
    """Column names in lower case; a clash keeps a `_` suffix, as CSV headers do."""
    used = set(taken)
    keys = []
    for name in names:
        key = name.lower()
        while key in used:
            key += "_"
        used.add(key)
        keys.append(key)
    return keys


def _lower_case_columns(names: list[str]) -> str:
    """`read_parquet` with its columns renamed to lower case (a clash keeps a `_` suffix, as CSV
    headers do); the plain scan when every name is lower case already."""
    scan = "read_parquet($path, file_row_number = true)"
    if all(name == name.lower() for name in names):
        return scan
    columns = (f"{quote_ident(name)} AS {quote_ident(key)}"
               for name, key in zip(names, _unique_lower(names, frozenset({"file_row_number"})), strict=True))
    return f"(SELECT {', '.join(columns)}, file_row_number FROM {scan})"


def land_json_list(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str, reader: str
) -> None:
    """An API response, one record per list element: `{"<key>": [...]}` (json_envelope), a bare
    list `[{...}, ...]` (json_array, Freshdesk) or a JSON:API `data` list with the `included`
    resources each element names (json_api, Klaviyo: JSON_API_RECORD).

    An invalid document or a missing list is one file-level reject. A document that is invalid only
    for raw control bytes is still split: they become U+FFFD, and each element holding one (or a
    byte that is not UTF-8) is rejected alone.
    """
    if reader in ("json_envelope", "json_api"):
        key = source.envelope_key or "data"
        list_path = f"$.{key}"
        not_a_list = f'JSON document has no "{key}" list (expected the API response shape)'
    else:
        list_path, not_a_list = "$", "JSON document is not a list (expected the API response: a JSON array)"
    content, valid = con.execute(
        "SELECT content, json_valid(content) FROM read_text($path)", {"path": str(text.path)}
    ).fetchall()[0]
    marked = False
    if not valid and text.control_bytes:
        marked_content = re.sub(CONTROL_CHARACTERS, REPLACEMENT, content)
        marked = con.execute("SELECT json_valid(?)", [marked_content]).fetchall()[0][0]
        content = marked_content if marked else content
        valid = marked
    if not valid:
        record_file_error(
            con, source, name, load_id,
            "file is not valid JSON (truncated or corrupt); no record could be read",
            raw_text=content[-RAW_TEXT_LIMIT:],
        )
        return
    is_list = con.execute(
        "SELECT json_type($content, $path) = 'ARRAY'",
        {"content": content, "path": list_path},
    ).fetchall()[0][0]
    if not is_list:
        record_file_error(con, source, name, load_id, not_a_list,
                          raw_text=content[:RAW_TEXT_LIMIT])
        return
    con.execute(
        f"""
        INSERT INTO {source.raw_table} {RAW_INSERT}
        SELECT $load_id, $file, idx, now(), md5(rec::VARCHAR), rec::VARCHAR, $encoding, NULL
        FROM (
            SELECT {JSON_API_RECORD if reader == "json_api" else "rec"} AS rec, idx
            FROM (
                SELECT unnest(items) AS rec, generate_subscripts(items, 1) AS idx,
                       coalesce(json_extract($content, '$.included[*]'), []) AS included
                FROM (SELECT json_extract($content, $items_path) AS items)
            )
        )
        """,
        {
            "load_id": load_id, "file": name, "content": content,
            "items_path": f"{list_path}[*]", "encoding": text.encoding,
        },
    )
    reasons = [reason for reason, found in ((UNDECODABLE, text.undecodable), (CONTROL_IN_DOCUMENT, marked))
               if found]
    if reasons:
        reject_rows(con, source, name, load_id, "contains(record, $mark)", "$reason",
                    {"mark": REPLACEMENT, "reason": "; or ".join(reasons)})


HEADER_SEARCH_LINES = 10  # csv_header: how far down a report's header may start


def normalise_header(name: str) -> str:
    """'Date entered "Closed Won (Sales Pipeline)"' -> date_entered_closed_won_sales_pipeline."""
    name = name.lstrip("\ufeff")
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_") or "column"


def detect_delimiter(header_line: str) -> str:
    """The separator of a CSV file, from its header: the candidate found most often outside quotes.

    German Excel writes `;` (the comma is the decimal mark there). DuckDB's sniffer guesses from a
    sample and can pick `,` when a `;` file has decimal commas, so the header decides instead.
    """
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {delim: unquoted.count(delim) for delim in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_header(path: Path, header_has: tuple[str, ...] = ()) -> tuple[list[str], str, int]:
    """The header's column titles, the file's separator (`detect_delimiter`) and how many lines
    come before the header, read by Python's csv module: the header names the columns,
    DuckDB's sniffer never guesses them (it gave up on a file whose last row had an unclosed
    quote, and so rejected the whole file).

    Blank lines before the header are skipped; with `header_has` (normalised column names), so are
    the lines above the first of the next HEADER_SEARCH_LINES lines that has them all: a report's
    title and date range above its table (Google Ads). None has them: the first line is the header.
    """
    csv.field_size_limit(max(csv.field_size_limit(), path.stat().st_size + 1))
    with path.open(encoding="utf-8", newline="") as handle:
        blank, line = 0, handle.readline()
        while line and not line.strip():
            blank, line = blank + 1, handle.readline()
        if header_has:
            above = [line] + [handle.readline() for _ in range(HEADER_SEARCH_LINES - 1)]
            for skipped, candidate in enumerate(above):
                columns = next(csv.reader([candidate], delimiter=detect_delimiter(candidate)), [])
                if set(header_has) <= {normalise_header(column) for column in columns}:
                    blank += skipped
                    break
            else:
                skipped = 0
            line = above[skipped]
            handle.seek(0)
            for _ in range(blank + 1):
                handle.readline()
        delimiter = detect_delimiter(line)
        return next(csv.reader(chain([line], handle), delimiter=delimiter), []), delimiter, blank


def land_csv(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str,
    exact: bool = False,
) -> None:
    """CSV rows as JSON keyed by normalised header; malformed records go to ingest errors.

    DuckDB's reader does the parsing and reports bad records itself (`store_rejects`, strict: a
    row with too many or too few fields, or an unclosed quote, which by CSV's rules runs to the
    end of the file), so we only translate its reject table into ours. `exact` reads the file with
    Python's csv module instead (`csv_batches`), for a file DuckDB's reader fails on as a whole.
    A header-only file lands nothing and is no error.
    """
    header, delimiter, blank = csv_header(text.path, source.header_has)
    # DuckDB's `skip` lands nothing below a quoted title line (a report's date range, 2.0.1): such
    # a report, a small file, is read by Python's csv module
    exact = exact or bool(source.header_has and blank)
    keys: dict[str, str] = {}  # c1, c2, ... -> normalised header
    for number, title in enumerate(header, 1):
        key = normalise_header(title)
        while key in keys.values():
            key += "_"
        keys[f"c{number}"] = key
    struct = ", ".join(f"{quote_ident(key)} := {column}" for column, key in keys.items())
    # the hash ignores column order, so the same row in a re-ordered export counts as a duplicate
    sorted_struct = ", ".join(
        f"{quote_ident(key)} := {column}" for column, key in sorted(keys.items(), key=lambda item: item[1])
    )
    # a custom source's mapped fields also land as they are (`typed_csv_columns`)
    landed = typed_csv_columns(source.landed_columns, keys)
    typed = "".join(f", {expression}" for _, expression in landed)
    typed = f", true{typed}" if landed else ""
    insert = f"""
        INSERT INTO {source.raw_table} {raw_insert(landed)}
        SELECT $load_id, $file, record_number, now(), md5(to_json(struct_pack({sorted_struct}))::VARCHAR),
               to_json(struct_pack({struct}))::VARCHAR, $encoding, $delim{typed}
        FROM ({{rows}})
    """
    params = {"load_id": load_id, "file": name, "encoding": text.encoding, "delim": delimiter}
    if exact:
        for rows, errors in csv_batches(text.path, delimiter, len(keys), blank):
            con.register("landing_rows", rows)
            try:
                con.execute(insert.format(rows="SELECT * FROM landing_rows"), params)
            finally:
                con.unregister("landing_rows")
            if errors:
                con.executemany("INSERT INTO raw.ingest_errors VALUES (?, ?, ?, ?, ?, ?)", [
                    [source.raw_table, name, number, reason, line[:RAW_TEXT_LIMIT], load_id]
                    for number, reason, line in errors
                ])
        return
    columns = ", ".join(f"'{column}': 'VARCHAR'" for column in keys)
    reader = (
        f"read_csv($path, columns = {{{columns}}}, header = true, skip = $skip, auto_detect = false, "
        "delim = $delim, quote = '\"', escape = '\"', strict_mode = true, max_line_size = $max_line, "
        "compression = 'none', "
        "store_rejects = true, rejects_table = 'jf_reject_errors', rejects_scan = 'jf_reject_scans')"
    )
    # DuckDB keeps its reject tables between scans: start each file with empty ones
    con.execute("DROP TABLE IF EXISTS jf_reject_errors")
    con.execute("DROP TABLE IF EXISTS jf_reject_scans")
    con.execute(insert.format(rows=f"SELECT row_number() OVER () AS record_number, * FROM {reader}"),
                {**params, "path": str(text.path), "max_line": text.max_line_size, "skip": blank})
    # Good rows were numbered among good rows; shift them past the rejected lines before them.
    con.execute(
        f"""
        UPDATE {source.raw_table} AS r
        SET _row_number = r._row_number + (
            SELECT count(*) FROM (
                SELECT (line - 1) - row_number() OVER (ORDER BY line) AS good_before
                FROM (SELECT DISTINCT line FROM jf_reject_errors)
            ) WHERE good_before < r._row_number
        )
        WHERE _source_file = $file AND _load_id = $load_id
        """,
        {"file": name, "load_id": load_id},
    )
    con.execute(
        """
        INSERT INTO raw.ingest_errors
        SELECT $raw_table, $file, line - 1,
               'CSV line ' || line || ': ' || string_agg(DISTINCT error_message, '; '),
               left(ltrim(any_value(csv_line), chr(13) || chr(10)), $limit), $load_id
        FROM jf_reject_errors
        GROUP BY line
        ORDER BY line
        """,
        {
            "raw_table": source.raw_table, "file": name, "load_id": load_id,
            "limit": RAW_TEXT_LIMIT,
        },
    )


def csv_batches(
    path: Path, delimiter: str, width: int, skip: int = 0
) -> Iterator[tuple[pa.Table, list[tuple[int, str, str]]]]:
    """The records after the header, read by Python's csv module, CSV_BATCH_ROWS at a time:
    (a table of the good ones, `record_number` and `c1`..`cN`, empty fields null; the bad ones as
    (record number, reason, text)).

    CSV's reference reader reads what DuckDB's state machine cannot (a CR alone in a field, LF and
    CRLF rows mixed, a quote followed by text). A loop per record in Python, but only for such a
    file: DuckDB's reader lands every other.
    """
    csv.field_size_limit(max(csv.field_size_limit(), path.stat().st_size + 1))
    good: list[list[str]] = []
    bad: list[tuple[int, str, str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for _ in range(skip):  # the lines above the header (csv_header)
            handle.readline()
        records = (fields for fields in csv.reader(handle, delimiter=delimiter) if fields)
        next(records, None)  # the header
        for number, fields in enumerate(records, start=1):
            if len(fields) == width:
                good.append([number, *fields])
            else:
                bad.append((number, f"CSV line {number + 1}: Expected Number of Columns: {width} "
                                    f"Found: {len(fields)}", delimiter.join(fields)))
            if len(good) >= CSV_BATCH_ROWS:
                yield _csv_table(good, width), bad
                good, bad = [], []
    yield _csv_table(good, width), bad


def _csv_table(records: list[list], width: int) -> pa.Table:
    columns = list(zip(*records, strict=True)) if records else [[] for _ in range(width + 1)]
    table = {"record_number": pa.array(columns[0], pa.int64())}
    for i in range(1, width + 1):
        table[f"c{i}"] = pa.array([value or None for value in columns[i]], pa.string())
    return pa.table(table)


def _head(path: Path) -> str:
    """The file's first bytes as text (undecodable bytes escaped), to show what it looks like."""
    try:
        with path.open("rb") as handle:
            return handle.read(RAW_TEXT_LIMIT).decode("utf-8", errors="backslashreplace")[:RAW_TEXT_LIMIT]
    except OSError:
        return ""


def record_file_error(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    name: str,
    load_id: str,
    reason: str,
    raw_text: str | None = None,
) -> None:
    """A whole file could not be split into records: one row for the file (row_number NULL)."""
    con.execute(
        "INSERT INTO raw.ingest_errors VALUES (?, ?, NULL, ?, ?, ?)",
        [source.raw_table, name, reason, raw_text, load_id],
    )
