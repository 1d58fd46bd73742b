"""Land export files in `raw` as they are, one record per row, with lineage.

Every raw table has the same shape: lineage columns plus `record`, the record as JSON text (a GA4
line, a Zendesk ticket, or a CSV row keyed by its normalised header). Parsing and typing happen in
`sql/staging`, so a record that cannot be used is kept and rejected there with a reason.
Whatever cannot even be split into records (a truncated JSON document, a CSV line with the wrong
number of fields) goes to `quality.ingest_errors` with file, row and reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from journeyflow.sources import Source
from journeyflow.warehouse import quote_ident

RAW_COLUMNS = """
    _load_id VARCHAR, _source_file VARCHAR, _row_number BIGINT,
    _loaded_at TIMESTAMPTZ, _row_hash VARCHAR, record VARCHAR
"""
INGEST_ERRORS_DDL = """
CREATE TABLE IF NOT EXISTS quality.ingest_errors (
    raw_table VARCHAR, source_file VARCHAR, row_number BIGINT,
    reason VARCHAR, raw_text VARCHAR, _load_id VARCHAR
)
"""
RAW_TEXT_LIMIT = 2000


@dataclass
class LandingResult:
    files: int = 0
    rows: int = 0
    errors: int = 0


def find_files(input_dir: Path, source: Source) -> list[Path]:
    """The source's files under the input folder, sorted so loads are reproducible."""
    folder = input_dir / source.folder
    found: set[Path] = set()
    for pattern in source.patterns:
        found.update(p for p in folder.glob(pattern) if p.is_file())
    return sorted(found)


def land_source(
    con: duckdb.DuckDBPyConnection, input_dir: Path, source: Source, load_id: str
) -> LandingResult:
    """Replace the source's raw table with the records of every file found (full refresh)."""
    con.execute(f"CREATE OR REPLACE TABLE {source.raw_table} ({RAW_COLUMNS})")
    con.execute(INGEST_ERRORS_DDL)
    con.execute("DELETE FROM quality.ingest_errors WHERE raw_table = ?", [source.raw_table])
    result = LandingResult()
    for path in find_files(input_dir, source):
        result.files += 1
        try:
            land_file(con, path, source, load_id)
        except duckdb.Error as exc:
            record_file_error(con, source, path, load_id, f"file could not be read: {exc}")
    result.rows = con.execute(f"SELECT count(*) FROM {source.raw_table}").fetchall()[0][0]
    result.errors = con.execute(
        "SELECT count(*) FROM quality.ingest_errors WHERE raw_table = ?", [source.raw_table]
    ).fetchall()[0][0]
    return result


def land_file(con: duckdb.DuckDBPyConnection, path: Path, source: Source, load_id: str) -> None:
    readers = {"ndjson": land_ndjson, "csv": land_csv, "json_envelope": land_json_envelope}
    readers[source.reader](con, path, source, load_id)


def land_ndjson(con: duckdb.DuckDBPyConnection, path: Path, source: Source, load_id: str) -> None:
    """One record per non-blank line; `_row_number` is the physical line number."""
    con.execute(
        f"""
        INSERT INTO {source.raw_table}
        SELECT $load_id, $file, line_number, now(), md5(line), line
        FROM (
            SELECT row_number() OVER () AS line_number, line
            FROM read_csv($path, columns = {{'line': 'VARCHAR'}}, header = false,
                          delim = chr(1), quote = '', escape = '', auto_detect = false)
        )
        WHERE trim(coalesce(line, '')) <> ''
        """,
        {"load_id": load_id, "file": str(path), "path": str(path)},
    )


def land_json_envelope(
    con: duckdb.DuckDBPyConnection, path: Path, source: Source, load_id: str
) -> None:
    """An API response `{"<key>": [...]}`: one record per list element."""
    key = source.envelope_key
    doc = con.execute(
        "SELECT content, json_valid(content) FROM read_text($path)", {"path": str(path)}
    ).fetchall()[0]
    content, valid = doc
    if not content or not content.strip():
        record_file_error(con, source, path, load_id, "file is empty")
        return
    if not valid:
        record_file_error(
            con, source, path, load_id,
            "file is not valid JSON (truncated or corrupt); no record could be read",
            raw_text=content[-RAW_TEXT_LIMIT:],
        )
        return
    is_list = con.execute(
        "SELECT json_type($content, $path) = 'ARRAY'",
        {"content": content, "path": f"$.{key}"},
    ).fetchall()[0][0]
    if not is_list:
        record_file_error(
            con, source, path, load_id,
            f'JSON document has no "{key}" list (expected the API response shape)',
            raw_text=content[:RAW_TEXT_LIMIT],
        )
        return
    con.execute(
        f"""
        INSERT INTO {source.raw_table}
        SELECT $load_id, $file, idx, now(), md5(rec::VARCHAR), rec::VARCHAR
        FROM (
            SELECT unnest(items) AS rec, generate_subscripts(items, 1) AS idx
            FROM (SELECT json_extract($content, $items_path) AS items)
        )
        """,
        {
            "load_id": load_id, "file": str(path), "content": content,
            "items_path": f"$.{key}[*]",
        },
    )


def normalise_header(name: str) -> str:
    """'Date entered "Closed Won (Sales Pipeline)"' -> date_entered_closed_won_sales_pipeline."""
    name = name.lstrip("\ufeff")
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_") or "column"


def land_csv(con: duckdb.DuckDBPyConnection, path: Path, source: Source, load_id: str) -> None:
    """CSV rows as JSON keyed by normalised header; malformed lines go to ingest errors.

    DuckDB's reader does the parsing and reports bad lines itself (`store_rejects`), so we only
    translate its reject table into ours.
    """
    reader = (
        "read_csv($path, all_varchar = true, header = true, store_rejects = true, "
        "rejects_table = 'jf_reject_errors', rejects_scan = 'jf_reject_scans')"
    )
    # DuckDB keeps its reject tables between scans: start each file with empty ones
    con.execute("DROP TABLE IF EXISTS jf_reject_errors")
    con.execute("DROP TABLE IF EXISTS jf_reject_scans")
    described = con.execute(f"DESCRIBE SELECT * FROM {reader}", {"path": str(path)}).fetchall()
    header = [row[0] for row in described]
    keys: dict[str, str] = {}
    for column in header:
        key = normalise_header(column)
        while key in keys.values():
            key += "_"
        keys[column] = key
    struct = ", ".join(f"{quote_ident(key)} := {quote_ident(col)}" for col, key in keys.items())
    con.execute(
        f"""
        INSERT INTO {source.raw_table}
        SELECT $load_id, $file, row_number() OVER (), now(), md5(record), record
        FROM (SELECT to_json(struct_pack({struct}))::VARCHAR AS record FROM {reader})
        """,
        {"load_id": load_id, "file": str(path), "path": str(path)},
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
        {"file": str(path), "load_id": load_id},
    )
    con.execute(
        """
        INSERT INTO quality.ingest_errors
        SELECT $raw_table, $file, line - 1,
               'CSV line ' || line || ': ' || string_agg(DISTINCT error_message, '; '),
               left(any_value(csv_line), $limit), $load_id
        FROM jf_reject_errors
        GROUP BY line
        ORDER BY line
        """,
        {
            "raw_table": source.raw_table, "file": str(path), "load_id": load_id,
            "limit": RAW_TEXT_LIMIT,
        },
    )


def record_file_error(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    load_id: str,
    reason: str,
    raw_text: str | None = None,
) -> None:
    """A whole file could not be split into records: one row for the file (row_number NULL)."""
    con.execute(
        "INSERT INTO quality.ingest_errors VALUES (?, ?, NULL, ?, ?, ?)",
        [source.raw_table, str(path), reason, raw_text, load_id],
    )
