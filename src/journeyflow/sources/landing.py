"""Land export files in `raw` as they are, one record per row, with lineage.

Every raw table has the same shape: lineage columns plus `record`, the record as JSON text (a GA4
line, a Zendesk ticket, or a CSV row keyed by its normalised header). Parsing and typing happen in
`sql/staging`, so a record that cannot be used is kept and rejected there with a reason.
Whatever cannot even be split into records (a truncated JSON document, a CSV line with the wrong
number of fields, an empty or unreadable file) goes to `raw.ingest_errors` with file, row and
reason.

Real exports arrive gzip-compressed, with a byte-order mark, in Windows-1252, or `;`-separated.
Each file is therefore first turned into plain UTF-8 text (a temporary copy only when it is not
already that), so every reader below sees the same kind of input.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa

from journeyflow.scope import ALL_FILES, LoadScope
from journeyflow.sources import SOURCES, Source
from journeyflow.warehouse import quote_ident

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
# A line without its trailing carriage returns, and "the line is not blank" (what trim() keeps is
# not empty). Both copy a line only when they must: rtrim() and trim() copy every string they
# get, which for 1.4 KB GA4 lines cost more than reading them.
WITHOUT_CR = "CASE WHEN suffix(line, chr(13)) THEN rtrim(line, chr(13)) ELSE line END"
NOT_BLANK = """
    CASE
        WHEN coalesce(line, '') = '' THEN false
        WHEN trim(left(line, 1)) <> '' THEN true
        ELSE trim(line) <> ''
    END
"""
RAW_TEXT_LIMIT = 2000
CHUNK_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
CSV_DELIMITERS = (",", ";", "\t", "|")
# A file that fails here is one file-level reject; the other files of the source still load.
# Only errors that say the file's content is unusable; running out of memory or disk, a missing
# permission or an interrupt fail the run instead (the published warehouse then stays as it was).
FILE_ERRORS = (
    duckdb.InvalidInputException, duckdb.ConversionException, duckdb.ParserException,
    gzip.BadGzipFile, EOFError, UnicodeError, zlib.error,
)


@dataclass
class LandingResult:
    files: int = 0
    rows: int = 0
    errors: int = 0
    transcoded: int = 0  # files read through a UTF-8 copy (gzip, BOM, Windows-1252)
    removed: int = 0  # files loaded before that are gone (incremental): their rows were dropped
    unchanged: int = 0  # files skipped because they were loaded before as they are (incremental)


@dataclass(frozen=True)
class TextFile:
    """An export as DuckDB will read it: plain UTF-8 without BOM, uncompressed."""

    path: Path  # the original file, or a temporary UTF-8 copy of it
    encoding: str  # what the original was written in: utf-8, utf-8-sig, cp1252 or latin-1
    compressed: bool
    empty: bool  # nothing but whitespace (or 0 bytes) after decompression

    @property
    def transcoded(self) -> bool:
        return self.encoding != "utf-8" or self.compressed


def find_files(input_dir: Path, source: Source) -> list[Path]:
    """The source's files anywhere under its folder, sorted by path inside it so loads are
    reproducible.

    Cloud loaders write day folders (Segment `segment-logs/<source-id>/<day>/`, Snowplow
    `run=…/`, GA4 shards `events_YYYYMMDD/`), so the patterns match file names at any depth.
    Symlinked folders are followed (each real folder once); hidden files and folders (`.DS_Store`,
    `.git/`) are skipped, and so are folders Hadoop and Spark writers hide with `_` (`_temporary/`:
    files still being written). A CSV whose name no pattern of the folder matches is the source's
    when its header has the source's `header_keys` (and no other source's).
    """
    if source.reader == "custom":
        from journeyflow.sources.custom import custom_files

        return custom_files(input_dir)
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


def input_fingerprint(input_dir: Path) -> str:
    """A digest of every export's name, size and modification time: it changes when files arrive."""
    entries = sorted(
        f"{path.relative_to(input_dir)}|{stat.st_size}|{stat.st_mtime_ns}"
        for source in SOURCES
        for path in [*find_files(input_dir, source), *_mapping_files(input_dir, source)]
        for stat in [path.stat()]
    )
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


def _mapping_files(input_dir: Path, source: Source) -> list[Path]:
    """Custom sources' `source.yaml` files: a changed mapping changes the fingerprint too."""
    if source.reader != "custom":
        return []
    from journeyflow.sources.custom import CUSTOM_FOLDER, MAPPING_FILE

    return sorted((input_dir / CUSTOM_FOLDER).glob(f"*/{MAPPING_FILE}"))


def land_source(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    source: Source,
    load_id: str,
    incremental: bool = False,
    scope: LoadScope = ALL_FILES,
    phases: set[str] | None = None,
) -> LandingResult:
    """Land the source's files in its raw table.

    Full: replace the table with every file in scope. Incremental: only files that are new or
    changed since they were landed (`unchanged_files`: path inside the input folder, size and
    modification time, else content digest; `raw.landed_files`) are (re)landed, and the rows of
    files that disappeared are dropped; the rest stays as it was. Custom sources (their mappings
    decide how a file is read) are landed in full whenever any mapping or data file changed
    (`land_custom_sources`).
    `phases` (the taxonomy's phase names) only checks the rules in custom sources' mappings.
    """
    con.execute(INGEST_ERRORS_DDL)
    con.execute(LANDED_FILES_DDL)
    con.execute(LANDED_FILES_DIGEST)
    result = LandingResult()
    if source.reader == "custom":
        from journeyflow.sources.custom import land_custom_sources

        land_custom_sources(con, input_dir, source, load_id, result, phases, incremental)
        return _count(con, source, result)
    folder = input_dir / source.folder
    found = {input_name(input_dir, p): p for p in find_files(input_dir, source)
             if scope.includes(p, incremental, folder)}
    if incremental:
        con.execute(f"CREATE TABLE IF NOT EXISTS {source.raw_table} ({RAW_COLUMNS})")
        unchanged = unchanged_files(con, source, found)
        files = {name: path for name, path in found.items() if name not in unchanged}
        gone = [name for name in landed_files(con, source)
                if name not in found and scope.includes(name, incremental, source.folder)]
        result.unchanged, result.removed = len(unchanged), len(gone)
        drop = [*files, *gone]
    else:
        con.execute(f"CREATE OR REPLACE TABLE {source.raw_table} ({RAW_COLUMNS})")
        files, drop = found, None
    forget_files(con, source, drop)
    # taken before reading: a file rewritten while it lands differs from this next time
    fingerprints = {name: file_fingerprint(path) for name, path in files.items()}
    ndjson = {name: path for name, path in files.items() if source.reader_for(path) == "ndjson"}
    if land_ndjson_batch(con, ndjson, source, load_id, result):
        remember_files(con, source, {name: fingerprints[name] for name in ndjson}, load_id)
        files = {name: path for name, path in files.items() if name not in ndjson}  # in one statement
    for name, path in files.items():
        land_one_file(con, path, name, source, load_id, result)
        remember_files(con, source, {name: fingerprints[name]}, load_id)
    return _count(con, source, result)


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


def file_fingerprint(path: Path) -> tuple[int, int, str]:
    """(size, modification time, content digest) of a file as it is now."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, content_digest(path)


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


def _count(con: duckdb.DuckDBPyConnection, source: Source, result: LandingResult) -> LandingResult:
    result.rows = con.execute(f"SELECT count(*) FROM {source.raw_table}").fetchall()[0][0]
    result.errors = con.execute(
        "SELECT count(*) FROM raw.ingest_errors WHERE raw_table = ?", [source.raw_table]
    ).fetchall()[0][0]
    return result


def land_one_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, source: Source, load_id: str,
    result: LandingResult,
) -> None:
    """Land one file in its own transaction; an unreadable file becomes one file-level reject.

    `name` is what lineage calls the file (`input_name`).
    """
    result.files += 1
    reader = source.reader_for(path)
    # one transaction per file: a file that fails half-way leaves none of its rows behind,
    # so its rows are counted once (as one file-level reject), never twice
    con.execute("BEGIN TRANSACTION")
    try:
        if reader == "parquet":
            land_parquet(con, path, name, source, load_id)
        else:
            with readable_text(path) as text:
                result.transcoded += text.transcoded
                if text.empty:
                    record_file_error(
                        con, source, name, load_id,
                        "file is empty: no header and no records", raw_text="",
                    )
                else:
                    land_file(con, text, name, source, load_id, reader)
        con.execute("COMMIT")
    except FILE_ERRORS as exc:
        con.execute("ROLLBACK")
        record_file_error(
            con, source, name, load_id, f"file could not be read: {exc}", raw_text=_head(path)
        )


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
                   fingerprints: dict[str, tuple[int, int, str]], load_id: str) -> None:
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


def detect_encoding(path: Path) -> tuple[str, bool, bool]:
    """(encoding, compressed, empty): UTF-8 if the whole file decodes as UTF-8, else Windows-1252.

    Exports from German Excel or older CRMs are Windows-1252; bytes that are undefined there
    (0x81, 0x8D, ...) fall back to Latin-1, which decodes anything. Streams in chunks, so a large
    file is never held in memory.
    """
    compressed = is_gzip(path)
    for candidate in ("utf-8", "cp1252", "latin-1"):
        encoding, decoder = candidate, codecs.getincrementaldecoder(candidate)()
        empty, first = True, True
        try:
            with open_bytes(path, compressed) as handle:
                while chunk := handle.read(CHUNK_BYTES):
                    if first and encoding == "utf-8" and chunk.startswith(codecs.BOM_UTF8):
                        encoding, chunk = "utf-8-sig", chunk[len(codecs.BOM_UTF8):]
                    first = False
                    empty = empty and not chunk.strip()
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, compressed, empty
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


@contextmanager
def readable_text(path: Path) -> Iterator[TextFile]:
    """The file as plain UTF-8 text DuckDB can read; a temporary copy only when needed."""
    encoding, compressed, empty = detect_encoding(path)
    if (encoding == "utf-8" and not compressed) or empty:
        yield TextFile(path, encoding, compressed, empty)
        return
    with tempfile.TemporaryDirectory(prefix="journeyflow-") as tmp:
        copy = Path(tmp) / path.name.removesuffix(".gz")
        decoder = codecs.getincrementaldecoder(encoding)()
        with open_bytes(path, compressed) as handle, copy.open("w", encoding="utf-8", newline="") as out:
            while chunk := handle.read(CHUNK_BYTES):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
        yield TextFile(copy, encoding, compressed, empty)


def land_file(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str,
    reader: str | None = None,
) -> None:
    """Land one readable file with its reader; `name` is what lineage calls it (`input_name`)."""
    readers = {"ndjson": land_ndjson, "csv": land_csv, "json_envelope": land_json_envelope,
               "tsv": land_tsv, "json_array": land_json_array}
    readers[reader or source.reader](con, text, name, source, load_id)


def land_ndjson(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str
) -> None:
    """One record per non-blank line; `_row_number` is the physical line number."""
    con.execute(
        f"""
        INSERT INTO {source.raw_table} {RAW_INSERT}
        SELECT $load_id, $file, line_number, now(), md5(line), line, $encoding, NULL
        FROM (
            SELECT row_number() OVER () AS line_number, {WITHOUT_CR} AS line
            FROM read_csv($path, columns = {{'line': 'VARCHAR'}}, header = false,
                          delim = chr(1), quote = '', escape = '', auto_detect = false)
        )
        WHERE {NOT_BLANK}
        """,
        {"load_id": load_id, "file": name, "path": str(text.path),
         "encoding": text.encoding},
    )


def land_tsv(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str
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
    lines = """
        SELECT line_number, line, string_split(line, chr(9)) AS fields
        FROM (
            SELECT row_number() OVER () AS line_number, rtrim(line, chr(13)) AS line
            FROM read_csv($path, columns = {'line': 'VARCHAR'}, header = false,
                          delim = chr(1), quote = '', escape = '', auto_detect = false)
        )
        WHERE trim(coalesce(line, '')) <> ''
    """
    params = {"load_id": load_id, "file": name, "path": str(text.path),
              "n": len(source.columns)}
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
) -> bool:
    """Land many NDJSON files (GA4 writes one a day) in one statement, hence one commit.

    Committing file by file costs more than reading the lines. Returns False, having landed
    nothing, when some file cannot be read this way (empty, unreadable): the caller then lands
    file by file, so that file alone becomes a reject.
    """
    if len(paths) < 2:
        return False
    with ExitStack() as stack:
        texts = []
        for name, path in paths.items():
            try:
                text = stack.enter_context(readable_text(path))
            except FILE_ERRORS:
                return False
            if text.empty:
                return False
            texts.append((str(text.path), name, text.encoding, text.transcoded))
        con.register("landing_files", pa.table({
            "read_path": [t[0] for t in texts], "original": [t[1] for t in texts],
            "encoding": [t[2] for t in texts], "file_order": list(range(len(texts))),
        }))
        reader = (
            "read_csv($paths, columns = {'line': 'VARCHAR'}, header = false, delim = chr(1), "
            "quote = '', escape = '', auto_detect = false, filename = true)"
        )
        params = {"paths": [t[0] for t in texts]}
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
        except duckdb.Error:
            return False
        finally:
            con.unregister("landing_files")
            con.execute("DROP TABLE IF EXISTS landing_offsets")
    result.files += len(texts)
    result.transcoded += sum(1 for t in texts if t[3])
    return True


def land_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, source: Source, load_id: str
) -> None:
    """One record per Parquet row, nested columns kept as JSON; `_row_number` is the row (1-based).

    Parquet is typed and binary, so no encoding detection: the row becomes the same JSON text an
    NDJSON export of it would be (timestamps as 'YYYY-MM-DD HH:MM:SS[+00]', INT64 as numbers).
    """
    con.execute(
        f"""
        INSERT INTO {source.raw_table} {RAW_INSERT}
        SELECT $load_id, $file, n + 1, now(), md5(rec), rec, 'parquet', NULL
        FROM (
            SELECT
                p.file_row_number AS n,
                json_merge_patch(to_json(p), '{{"file_row_number": null}}')::VARCHAR AS rec
            FROM read_parquet($path, file_row_number = true) AS p
        )
        """,
        {"load_id": load_id, "file": name, "path": str(path)},
    )


def land_json_envelope(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str
) -> None:
    """An API response `{"<key>": [...]}`: one record per list element."""
    key = source.envelope_key
    _land_json_list(con, text, name, source, load_id, f"$.{key}",
                    f'JSON document has no "{key}" list (expected the API response shape)')


def land_json_array(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str
) -> None:
    """An API response that is a bare list `[{...}, ...]` (Freshdesk): one record per element."""
    _land_json_list(con, text, name, source, load_id, "$",
                    "JSON document is not a list (expected the API response: a JSON array)")


def _land_json_list(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str,
    list_path: str, not_a_list: str,
) -> None:
    """One record per element of the list at `list_path`; an invalid document or a missing list
    is one file-level reject."""
    doc = con.execute(
        "SELECT content, json_valid(content) FROM read_text($path)", {"path": str(text.path)}
    ).fetchall()[0]
    content, valid = doc
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
            SELECT unnest(items) AS rec, generate_subscripts(items, 1) AS idx
            FROM (SELECT json_extract($content, $items_path) AS items)
        )
        """,
        {
            "load_id": load_id, "file": name, "content": content,
            "items_path": f"{list_path}[*]", "encoding": text.encoding,
        },
    )


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


def land_csv(
    con: duckdb.DuckDBPyConnection, text: TextFile, name: str, source: Source, load_id: str
) -> None:
    """CSV rows as JSON keyed by normalised header; malformed lines go to ingest errors.

    DuckDB's reader does the parsing and reports bad lines itself (`store_rejects`), so we only
    translate its reject table into ours. A header-only file lands nothing and is no error.
    """
    with text.path.open(encoding="utf-8", newline="") as handle:
        delimiter = detect_delimiter(handle.readline())
    reader = (
        "read_csv($path, all_varchar = true, header = true, delim = $delim, quote = '\"', "
        "escape = '\"', store_rejects = true, "
        "rejects_table = 'jf_reject_errors', rejects_scan = 'jf_reject_scans')"
    )
    # DuckDB keeps its reject tables between scans: start each file with empty ones
    con.execute("DROP TABLE IF EXISTS jf_reject_errors")
    con.execute("DROP TABLE IF EXISTS jf_reject_scans")
    described = con.execute(
        f"DESCRIBE SELECT * FROM {reader}", {"path": str(text.path), "delim": delimiter}
    ).fetchall()
    header = [row[0] for row in described]
    keys: dict[str, str] = {}
    for column in header:
        key = normalise_header(column)
        while key in keys.values():
            key += "_"
        keys[column] = key
    struct = ", ".join(f"{quote_ident(key)} := {quote_ident(col)}" for col, key in keys.items())
    # the hash ignores column order, so the same row in a re-ordered export counts as a duplicate
    sorted_struct = ", ".join(
        f"{quote_ident(key)} := {quote_ident(col)}"
        for col, key in sorted(keys.items(), key=lambda item: item[1])
    )
    con.execute(
        f"""
        INSERT INTO {source.raw_table} {RAW_INSERT}
        SELECT $load_id, $file, row_number() OVER (), now(), row_hash, record, $encoding, $delim
        FROM (
            SELECT to_json(struct_pack({struct}))::VARCHAR AS record,
                   md5(to_json(struct_pack({sorted_struct}))::VARCHAR) AS row_hash
            FROM {reader}
        )
        """,
        {"load_id": load_id, "file": name, "path": str(text.path),
         "encoding": text.encoding, "delim": delimiter},
    )
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
               left(any_value(csv_line), $limit), $load_id
        FROM jf_reject_errors
        GROUP BY line
        ORDER BY line
        """,
        {
            "raw_table": source.raw_table, "file": name, "load_id": load_id,
            "limit": RAW_TEXT_LIMIT,
        },
    )


def _head(path: Path) -> str:
    """The file's first bytes as text (undecodable bytes escaped), to show what it looks like."""
    try:
        with path.open("rb") as handle:
            return handle.read(RAW_TEXT_LIMIT).decode("utf-8", errors="backslashreplace")
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
