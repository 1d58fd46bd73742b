"""The ways a source's files are found and landed: one entry per `Source.reader`, so that what
differs between readers (which files are the source's, how they land, which tables they keep
beside the raw table, whether they read the taxonomy) is a property of the reader, not a branch
at each place that asks.

Most readers take the files of the source's folder one by one (`landing.find_export_files`,
`landing.land_export_files`; the file's format picks its parser inside `landing.land_one_file`).
A custom source lets its mappings decide (sources/custom.py): it lists the files its
`source.yaml` files name, lands them together and keeps the mappings as tables for
`sql/staging/custom_events.sql`.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from journeyflow.scope import ALL_FILES, LoadScope
from journeyflow.sources import SOURCES, Source, custom, landing
from journeyflow.sources.landing import LandingResult


class LandFiles(Protocol):
    """Land the source's files (those in `scope`) into its raw table, counting into `result`."""

    def __call__(
        self, con: duckdb.DuckDBPyConnection, input_dir: Path, source: Source, load_id: str,
        result: LandingResult, *, incremental: bool, scope: LoadScope, phases: set[str] | None,
        temp_dir: Path,
    ) -> None: ...


def _no_files(input_dir: Path) -> list[Path]:
    return []


@dataclass(frozen=True)
class Reader:
    """What a reader does where readers differ."""

    name: str
    find_files: Callable[[Path, Source], list[Path]] = landing.find_export_files
    land: LandFiles = landing.land_export_files
    # files beside the data that decide how it is read (custom sources' `source.yaml`): a change
    # to them is a change of the input (`input_fingerprint`)
    mapping_files: Callable[[Path], list[Path]] = _no_files
    # tables it writes beside the source's raw table (the custom mappings)
    keeps: tuple[str, ...] = ()
    # its landing checks rules against the taxonomy's phase names (a custom mapping's rules)
    needs_phases: bool = False
    # the source's staging SQL reads what it keeps beside the raw rows, so it can change
    # without the raw rows changing (`joins_others`)
    staging_reads_kept: bool = False


def _land_custom(
    con: duckdb.DuckDBPyConnection, input_dir: Path, source: Source, load_id: str,
    result: LandingResult, *, incremental: bool, scope: LoadScope, phases: set[str] | None,
    temp_dir: Path,
) -> None:
    """Custom sources are landed whole (their mappings decide how every file is read): `scope`
    does not narrow them."""
    custom.land_custom_sources(con, input_dir, source, load_id, result, phases, incremental,
                               temp_dir=temp_dir)


# every `Source.reader` (the file formats of `landing.land_one_file` share the folder reader)
READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (
        *(Reader(name) for name in ("ndjson", "csv", "json_envelope", "json_array", "json_api",
                                    "parquet", "tsv", "duckdb")),
        Reader("custom", find_files=lambda input_dir, source: custom.custom_files(input_dir),
               land=_land_custom, mapping_files=custom.mapping_files, keeps=custom.MAPPING_TABLES,
               needs_phases=True, staging_reads_kept=True),
    )
}


def reader_of(source: Source) -> Reader:
    """The source's reader; a reader name nobody registered fails naming the source."""
    try:
        return READERS[source.reader]
    except KeyError:
        raise ValueError(f"{source.raw_table}: no reader {source.reader!r} "
                         f"(readers: {', '.join(READERS)})") from None


def find_files(input_dir: Path, source: Source) -> list[Path]:
    """The source's files under `input_dir`, sorted so that loads are reproducible."""
    return reader_of(source).find_files(input_dir, source)


def joins_others(source: Source) -> bool:
    """Its staging SQL reads more than its raw rows (other staged sources, custom mappings)."""
    return bool(source.requires) or reader_of(source).staging_reads_kept


def input_fingerprint(input_dir: Path) -> str:
    """A digest of every export's name, size and modification time: it changes when files arrive."""
    entries = sorted(
        f"{path.relative_to(input_dir)}|{stat.st_size}|{stat.st_mtime_ns}"
        for source in SOURCES
        for path in [*find_files(input_dir, source), *reader_of(source).mapping_files(input_dir)]
        for stat in [path.stat()]
    )
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


def land_source(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    source: Source,
    load_id: str,
    incremental: bool = False,
    scope: LoadScope = ALL_FILES,
    phases: set[str] | None = None,
    *,
    temp_dir: Path,
) -> LandingResult:
    """Land the source's files in its raw table with its reader.

    Full: replace the table with every file in scope. Incremental: only files that are new or
    changed since they were landed (`landing.unchanged_files`: path inside the input folder, size
    and modification time, else content digest; `raw.landed_files`) are (re)landed, and the rows
    of files that disappeared are dropped; the rest stays as it was. Custom sources (their
    mappings decide how a file is read) are landed in full whenever any mapping or data file
    changed (`custom.land_custom_sources`).
    `phases` (the taxonomy's phase names) only checks the rules in custom sources' mappings.
    `temp_dir` (`landing.temp_dir_for` the working file) holds plain-text copies while they are
    read; it is emptied first (a killed run's copies) and removed afterwards.
    """
    con.execute(landing.INGEST_ERRORS_DDL)
    con.execute(landing.LANDED_FILES_DDL)
    con.execute(landing.LANDED_FILES_DIGEST)
    landing.fresh_temp_dir(temp_dir)
    try:
        result = LandingResult()
        reader_of(source).land(con, input_dir, source, load_id, result, incremental=incremental,
                               scope=scope, phases=phases, temp_dir=temp_dir)
        return landing.count_landed(con, source, result)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
