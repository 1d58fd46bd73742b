"""Custom sources: any CSV, NDJSON or Parquet export described by a short YAML mapping.

An analyst adds a shop, call-centre or point-of-sale export without writing Python: a folder
`<input>/custom/<name>/` holds `source.yaml` (which column is the timestamp, the person keys, the
event name, the attributes) next to the data files. Every custom source lands in the one static
table `raw.custom_events`; the mappings are loaded as tables (`raw.custom_mappings`,
`raw.custom_columns`, `raw.custom_event_names`, `raw.custom_files`) and
`sql/staging/custom_events.sql` applies them with joins, so no SQL is ever built from a mapping's
strings. A mapping that cannot be used is one file-level reject naming the file and the field;
the other custom sources and every other source still load.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Literal

import duckdb
import polars as pl
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from journeyflow import taxonomy
from journeyflow.connection import table_exists, transaction
from journeyflow.sources import LandedColumn, Source, landing
from journeyflow.sources.landing import LandingResult, normalise_header
from journeyflow.taxonomy import Rule

CUSTOM_FOLDER = "custom"
MAPPING_FILE = "source.yaml"
BUILT_IN_SOURCES = ("ga4", "hubspot", "zendesk", "survey")  # `source` values of the shipped sources
NAME = re.compile(r"[a-z][a-z0-9_]*")
FORMATS = ("csv", "ndjson", "parquet")
# file endings per format (each also gzip-compressed, except Parquet which compresses itself)
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "csv": (".csv", ".csv.gz", ".txt", ".txt.gz", ".tsv", ".tsv.gz"),
    "ndjson": (".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz", ".json", ".json.gz"),
    "parquet": (".parquet", ".pq"),
}
PERSON_KEYS = ("email", "user_id", "anonymous_id", "crm_contact_id", "support_user_id")


def _column_shorthand(value: object) -> object:
    """`E-Mail` is short for `{column: E-Mail}`: a plain string always names a column."""
    return {"column": value} if isinstance(value, str) else value


class Column(BaseModel):
    """A value taken from a column of the export."""

    model_config = ConfigDict(extra="forbid")
    column: str = Field(min_length=1)


class ColumnOrValue(BaseModel):
    """A column of the export, or one constant for every record (`{value: EUR}`)."""

    model_config = ConfigDict(extra="forbid")
    column: str | None = Field(default=None, min_length=1)
    value: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> ColumnOrValue:
        if (self.column is None) == (self.value is None):
            raise ValueError("give either column or value, not both and not neither")
        return self


class EventName(ColumnOrValue):
    """The event name: a constant, or a column whose values may be renamed by `map`."""

    map: dict[str, str] = Field(default_factory=dict)

    @field_validator("map", mode="before")
    @classmethod
    def _texts(cls, value: object) -> object:
        """YAML reads `1: billing` as an integer key; exports hold text."""
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return value


class Timestamp(BaseModel):
    """The event time: a column, how to read it, and the zone of times that carry none."""

    model_config = ConfigDict(extra="forbid")
    column: str = Field(min_length=1)
    # auto: ISO 8601, `YYYY-MM-DD HH:MM`, German `DD.MM.YYYY HH:MM`, epochs (s/ms/µs), as for
    # every built-in source; us: `MM/DD/YYYY[ HH:MM[:SS]]`; day_first: `DD/MM/YYYY[ HH:MM[:SS]]`
    format: Literal["auto", "us", "day_first"] = "auto"
    time_zone: str | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r} (an IANA name like Europe/Berlin)") from exc
        return value


class SystemKey(BaseModel):
    """A CRM or support id; prefixed with its system (`hubspot:5101`) to stitch with that source."""

    model_config = ConfigDict(extra="forbid")
    column: str = Field(min_length=1)
    system: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")


def _system_key(default_system: str):  # noqa: ANN202 (a pydantic before-validator)
    def convert(value: object) -> object:
        if isinstance(value, str):
            return {"column": value, "system": default_system}
        if isinstance(value, dict) and "system" not in value:
            return {**value, "system": default_system}
        return value

    return BeforeValidator(convert)


ColumnField = Annotated[Column, BeforeValidator(_column_shorthand)]
ValueField = Annotated[ColumnOrValue, BeforeValidator(_column_shorthand)]


class PersonKeys(BaseModel):
    """Which columns identify the person; at least one, each stitched like the built-in sources."""

    model_config = ConfigDict(extra="forbid")
    email: ColumnField | None = None  # hashed with the salt before it leaves raw
    user_id: ColumnField | None = None  # the shop login, as GA4 `user_id` (u_000123)
    anonymous_id: ColumnField | None = None  # a web cookie id, as GA4 `user_pseudo_id`
    crm_contact_id: Annotated[SystemKey, _system_key("hubspot")] | None = None
    support_user_id: Annotated[SystemKey, _system_key("zendesk")] | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> PersonKeys:
        if all(getattr(self, key) is None for key in PERSON_KEYS):
            raise ValueError(f"name at least one person key: {', '.join(PERSON_KEYS)}")
        return self


class Mapping(BaseModel):
    """One custom source's `source.yaml` (docs/sources.md, "Custom sources (YAML mapping)")."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None  # default: the folder's name
    description: str = ""
    format: Literal["csv", "ndjson", "parquet"] | None = None  # default: from each file's ending
    files: list[str] | None = None  # globs inside the folder; default: every file of the format(s)
    timestamp: Annotated[Timestamp, BeforeValidator(_column_shorthand)]
    event_name: Annotated[EventName, BeforeValidator(_column_shorthand)]
    # the natural key; without one, every record is an event (identical rows too: a process log
    # repeats them legitimately) and only a copy of a file's records in another file is a duplicate
    event_id: ColumnField | None = None
    # which record of an event id wins: the latest (last file, last row: a re-export updates the
    # event) or the first (later records of the id are duplicates: at-least-once delivery)
    keep: Literal["first", "latest"] | None = None
    person_keys: PersonKeys
    value: ColumnField | None = None
    currency: ValueField | None = None
    origin: ValueField | None = None  # the channel the export names (store, phone, ...)
    attributes: dict[str, str] = Field(default_factory=dict)  # property name -> column
    rules: list[Rule] = Field(default_factory=list)  # taxonomy rules; match.source is this source

    @field_validator("files", mode="before")
    @classmethod
    def _as_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("attributes", mode="before")
    @classmethod
    def _list_means_same_name(cls, value: object) -> object:
        """`[Filiale, Zahlungsart]` keeps each column under its own name."""
        if isinstance(value, list):
            names = [str(v) for v in value]
            if len(set(names)) < len(names):
                raise ValueError("a column is listed twice")
            return {name: name for name in names}
        return value

    @model_validator(mode="after")
    def _no_email_in_attributes(self) -> Mapping:
        """Attributes leave raw scrubbed (journeyflow/pii.py), the email column only as a hash."""
        email = self.person_keys.email
        if email is not None and email.column in self.attributes.values():
            raise ValueError(f"attributes: {email.column!r} is the email column; emails leave raw "
                             "only hashed (person_keys.email)")
        return self

    @model_validator(mode="after")
    def _keep_needs_an_id(self) -> Mapping:
        """Without an event id no two records are one event, so there is nothing to choose."""
        if self.keep is not None and self.event_id is None:
            raise ValueError("keep: needs event_id (which record of an event id wins); without an "
                             "event id every record is its own event")
        return self

    @field_validator("rules")
    @classmethod
    def _scoped(cls, rules: list[Rule]) -> list[Rule]:
        for number, rule in enumerate(rules, start=1):
            if rule.match.source is not None:
                raise ValueError(f"rule {number}: leave out match.source (it is this source's name)")
        return rules


@dataclass(frozen=True)
class CustomSource:
    """A custom source found on disk: its folder, its mapping (or why it cannot be used), its files."""

    folder: Path
    mapping_file: Path
    mapping: Mapping | None
    error: str | None = None
    files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return (self.mapping.name if self.mapping and self.mapping.name else None) or self.folder.name

    def file_format(self, path: Path) -> str:
        """The mapping's format, else the file's ending decides."""
        if self.mapping and self.mapping.format:
            return self.mapping.format
        return format_of(path) or "csv"


def format_of(path: Path) -> str | None:
    name = path.name.lower()
    return next((fmt for fmt, ends in EXTENSIONS.items() if name.endswith(ends)), None)


def read_mapping(path: Path) -> Mapping:
    """Parse and validate one `source.yaml`; errors name the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping (timestamp:, event_name:, person_keys:, ...)")
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ValueError(f"{path}: invalid custom source mapping: {problems}") from exc
    return mapping


def check_rules(mapping: Mapping, path: Path, phases: set[str] | None) -> None:
    """The taxonomy's own checks (touchpoint, channel, category, known phase) on the mapping's rules."""
    taxonomy.check_rules(mapping.rules, f"{path}: rules.", phases)


def discover(input_dir: Path, phases: set[str] | None = None) -> list[CustomSource]:
    """Every `custom/<name>/source.yaml` under the input folder, validated, with its data files."""
    root = input_dir / CUSTOM_FOLDER
    if not root.is_dir():
        return []
    found: list[CustomSource] = []
    names: set[str] = set()
    for mapping_file in sorted(root.glob(f"*/{MAPPING_FILE}")):
        folder = mapping_file.parent
        try:
            refuse_links_out(input_dir, folder, [mapping_file], mapping_file)  # read nothing outside
            mapping = read_mapping(mapping_file)
            name = mapping.name or folder.name
            if not NAME.fullmatch(name):
                raise ValueError(
                    f"{mapping_file}: name: {name!r} must be lower case letters, digits and _ "
                    "(set name: or rename the folder)"
                )
            if name in BUILT_IN_SOURCES:
                raise ValueError(f"{mapping_file}: name: {name!r} is a built-in source; pick another")
            if name in names:
                raise ValueError(f"{mapping_file}: name: {name!r} is used by another custom source")
            outside = [p for p in mapping.files or () if PurePosixPath(p).is_absolute()
                       or PureWindowsPath(p).is_absolute() or ".." in PurePosixPath(p).parts]
            if outside:
                raise ValueError(f"{mapping_file}: files: {', '.join(map(repr, outside))} must name files "
                                 "inside the source's folder (no absolute paths, no '..')")
            check_rules(mapping, mapping_file, phases)
            source = CustomSource(folder, mapping_file, mapping)
            files = data_files(source)
            refuse_links_out(input_dir, folder, files, mapping_file)
        except ValueError as exc:
            found.append(CustomSource(folder, mapping_file, None, str(exc)))
            continue
        names.add(name)
        found.append(replace(source, files=tuple(files)))
    return found


def data_files(source: CustomSource) -> list[Path]:
    """The source's data files, in name order: the mapping's globs, else every file of its format."""
    mapping = source.mapping
    assert mapping is not None
    if mapping.files:
        matched = {p for pattern in mapping.files for p in source.folder.glob(pattern)}
    else:
        formats = (mapping.format,) if mapping.format else FORMATS
        matched = {p for p in source.folder.iterdir() if format_of(p) in formats}
    return sorted(p for p in matched if p.is_file() and p.name != MAPPING_FILE)


def leads_out(path: Path, folder: Path) -> bool:
    """Whether `path`, its symlinks followed, is outside `folder` (itself resolved)."""
    return not path.resolve().is_relative_to(folder.resolve())


def refuse_links_out(input_dir: Path, folder: Path, paths: list[Path], mapping_file: Path) -> None:
    """A custom source reads only files inside its own folder of the input folder: a symlink leading
    out (to /etc/passwd, another export, a share) makes the mapping unusable, naming the link, so
    that no byte of the file it points to is read (nor shown in quality.rejected_rows)."""
    if leads_out(folder, input_dir):
        raise ValueError(f"{mapping_file}: the folder {folder.name}/ is a symlink to {folder.resolve()}, "
                         "outside the input folder: move the exports into the input folder")
    for path in paths:
        if leads_out(path, folder):
            raise ValueError(
                f"{mapping_file}: {path.relative_to(folder).as_posix()} is a symlink to {path.resolve()}, "
                f"outside the source's folder {folder.name}/: a custom source reads only files inside its "
                "folder (copy the file there, or remove the link)")


def custom_files(input_dir: Path) -> list[Path]:
    """Every data file of every usable custom source (`readers.find_files` of raw.custom_events)."""
    return sorted(p for s in discover(input_dir) for p in s.files)


def mapping_files(input_dir: Path) -> list[Path]:
    """Every `custom/<name>/source.yaml`: a changed mapping changes the input's fingerprint too."""
    return sorted((input_dir / CUSTOM_FOLDER).glob(f"*/{MAPPING_FILE}"))


def taxonomy_rules(input_dir: Path, phases: set[str] | None = None) -> list[Rule]:
    """The usable mappings' rules, each scoped to its source (`match.source: <name>`)."""
    rules = []
    for source in discover(input_dir, phases):
        if source.mapping is None:
            continue
        for rule in source.mapping.rules:
            match = rule.match.model_copy(update={"source": [source.name]})
            rules.append(rule.model_copy(update={"match": match}))
    return rules


def describe_mapping(mapping: Mapping) -> str:
    """One line for `journeyflow sources`: which column feeds what."""
    name = mapping.event_name
    renamed = f" ({len(name.map)} renamed)" if name.map else ""
    event = repr(name.value) if name.value else f"{name.column}{renamed}"
    keys = ", ".join(f"{key}={getattr(mapping.person_keys, key).column}"
                     for key in PERSON_KEYS if getattr(mapping.person_keys, key) is not None)
    parts = [f"time={mapping.timestamp.column}", f"event={event}", f"keys: {keys}"]
    if mapping.event_id:
        parts.append(f"id={mapping.event_id.column} (keep {mapping.keep or 'latest'})")
    if mapping.value:
        parts.append(f"value={mapping.value.column}")
    if mapping.attributes:
        parts.append(f"{len(mapping.attributes)} attribute(s)")
    parts.append(f"{len(mapping.rules)} rule(s)")
    return "; ".join(parts)


# --- typed landing ------------------------------------------------------------------------------

# Formats whose files land their mapped columns as they are beside the record (`landed_columns`),
# so staging reads no JSON for them; an NDJSON line is a record only, parsed in staging.
TYPED_FORMATS = ("csv", "parquet")
# raw.custom_events' columns beside landing.RAW_COLUMNS: `_typed` (true: the row's file landed
# them; files land in turn, so typed and untyped rows sit in row groups of their own, which a scan
# of one kind skips) and one per mapped role, NULL when the mapping has none
# (sql/staging/custom_events.sql)
LANDED_COLUMNS = """
    _typed BOOLEAN NOT NULL DEFAULT false, landed_timestamp_text VARCHAR,
    landed_timestamp_instant TIMESTAMPTZ, landed_timestamp_wall TIMESTAMP, landed_event_name VARCHAR,
    landed_event_id VARCHAR,
    landed_email VARCHAR, landed_user_id VARCHAR, landed_anonymous_id VARCHAR,
    landed_crm_contact_id VARCHAR, landed_support_user_id VARCHAR, landed_value VARCHAR,
    landed_currency VARCHAR, landed_origin VARCHAR, landed_attributes VARCHAR
"""


def landed_columns(source: CustomSource, fmt: str) -> tuple[LandedColumn, ...]:
    """The columns a file of this format lands beside its record: each mapped column under its
    role (`landed_<role>`), the timestamp also typed, the attributes as one JSON object. Keys as
    in the landed record (`column_rows`): a CSV's normalised header, a Parquet name as written."""
    if fmt not in TYPED_FORMATS:
        return ()
    style = "csv" if fmt == "csv" else "json"
    keys = {(row["role"], row["column_name"]): str(row["json_key"])
            for row in column_rows(source) if row["key_style"] == style}
    columns: list[LandedColumn] = []
    attributes: list[str] = []
    for (role, _), key in keys.items():
        if role == "timestamp":
            columns += [LandedColumn("landed_timestamp_text", "untyped_text", (key,)),
                        LandedColumn("landed_timestamp_instant", "instant", (key,)),
                        LandedColumn("landed_timestamp_wall", "wall", (key,))]
        elif role.startswith("attribute:"):
            attributes += [key] if key not in attributes else []
        else:
            columns.append(LandedColumn(f"landed_{role}", "text", (key,)))
    if attributes:
        columns.append(LandedColumn("landed_attributes", "object", tuple(attributes)))
    return tuple(columns)


# --- the mapping tables -------------------------------------------------------------------------

def column_rows(source: CustomSource) -> list[dict[str, object]]:
    """One row per mapped column and key style: which JSON key holds it in a landed record.

    CSV headers are normalised by landing (`Bestell-Nr.` → `bestell_nr`), so a CSV key is the
    normalised column name: a mapping may name the header as exported or as normalised. NDJSON and
    Parquet keep their keys as written, so there the name must match exactly.
    """
    mapping = source.mapping
    assert mapping is not None
    roles: list[tuple[str, str]] = [("timestamp", mapping.timestamp.column)]
    if mapping.event_name.column:
        roles.append(("event_name", mapping.event_name.column))
    if mapping.event_id:
        roles.append(("event_id", mapping.event_id.column))
    for key in PERSON_KEYS:
        spec = getattr(mapping.person_keys, key)
        if spec is not None:
            roles.append((key, spec.column))
    if mapping.value:
        roles.append(("value", mapping.value.column))
    for role in ("currency", "origin"):
        spec = getattr(mapping, role)
        if spec is not None and spec.column:
            roles.append((role, spec.column))
    roles += [(f"attribute:{name}", column) for name, column in mapping.attributes.items()]
    return [
        {"custom_source": source.name, "key_style": style, "role": role, "column_name": column,
         "json_key": normalise_header(column) if style == "csv" else column}
        for style in ("csv", "json")
        for role, column in roles
    ]


def mapping_row(source: CustomSource, input_dir: Path) -> dict[str, object]:
    """The mapping's constants and settings: one row per custom source. The mapping file is named as
    lineage names files (`custom/shop/source.yaml`), so a moved input folder changes no row."""
    m = source.mapping
    assert m is not None
    keys = m.person_keys
    return {
        "custom_source": source.name,
        "mapping_file": landing.input_name(input_dir, source.mapping_file),
        "description": m.description,
        "format": m.format,
        "files": ", ".join(m.files) if m.files else None,
        "timestamp_format": m.timestamp.format,
        "keep": (m.keep or "latest") if m.event_id else None,
        "time_zone": m.timestamp.time_zone,
        "event_name_value": m.event_name.value,
        "currency_value": m.currency.value if m.currency else None,
        "origin_value": m.origin.value if m.origin else None,
        "crm_system": keys.crm_contact_id.system if keys.crm_contact_id else None,
        "support_system": keys.support_user_id.system if keys.support_user_id else None,
        "rules": len(m.rules),
    }


MAPPING_SCHEMA = {
    "custom_source": pl.String, "mapping_file": pl.String, "description": pl.String,
    "format": pl.String, "files": pl.String, "timestamp_format": pl.String, "keep": pl.String,
    "time_zone": pl.String,
    "event_name_value": pl.String, "currency_value": pl.String, "origin_value": pl.String,
    "crm_system": pl.String, "support_system": pl.String, "rules": pl.Int32,
}
COLUMN_SCHEMA = {"custom_source": pl.String, "key_style": pl.String, "role": pl.String,
                 "column_name": pl.String, "json_key": pl.String}
EVENT_NAME_SCHEMA = {"custom_source": pl.String, "from_value": pl.String, "to_value": pl.String}
FILE_SCHEMA = {"custom_source": pl.String, "source_file": pl.String, "format": pl.String,
               "key_style": pl.String}


# what staging.custom_events reads beside the records (the raw.custom_events step writes them)
MAPPING_TABLES = ("raw.custom_mappings", "raw.custom_columns", "raw.custom_event_names", "raw.custom_files")


def write_mapping_tables(
    con: duckdb.DuckDBPyConnection, sources: list[CustomSource], landed: list[tuple[str, str, str]],
    input_dir: Path,
) -> None:
    """raw.custom_mappings, raw.custom_columns, raw.custom_event_names and raw.custom_files."""
    usable = [s for s in sources if s.mapping is not None]
    frames = {
        "raw.custom_mappings": pl.DataFrame(
            [mapping_row(s, input_dir) for s in usable], schema=MAPPING_SCHEMA),
        "raw.custom_columns": pl.DataFrame(
            [row for s in usable for row in column_rows(s)], schema=COLUMN_SCHEMA),
        "raw.custom_event_names": pl.DataFrame(
            [{"custom_source": s.name, "from_value": k, "to_value": v}
             for s in usable for k, v in s.mapping.event_name.map.items()],  # type: ignore[union-attr]
            schema=EVENT_NAME_SCHEMA),
        "raw.custom_files": pl.DataFrame(
            [{"custom_source": name, "source_file": file_name, "format": fmt,
              "key_style": "csv" if fmt == "csv" else "json"} for name, file_name, fmt in landed],
            schema=FILE_SCHEMA),
    }
    for table, frame in frames.items():
        con.register("custom_frame", frame.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM custom_frame")  # noqa: S608 (fixed names)
        con.unregister("custom_frame")


def _errors_only_of(con: duckdb.DuckDBPyConnection, source: Source, files: dict[str, object]) -> bool:
    """Whether every ingest error on record is one of these files' (a mapping that was unusable
    last time and is gone now leaves an error no file stands for)."""
    recorded = con.execute(
        "SELECT DISTINCT source_file FROM raw.ingest_errors WHERE raw_table = ?", [source.raw_table]
    ).fetchall()
    return all(row[0] in files for row in recorded)


def _mapping_columns_current(con: duckdb.DuckDBPyConnection, raw_table: str) -> bool:
    """Whether raw.custom_mappings and the raw table have every column this release writes (a
    warehouse built by an earlier release has no `keep`, nor the typed landing's columns, and names
    its mapping files by absolute path: its custom sources are landed again once)."""
    if not table_exists(con, "raw.custom_mappings"):
        return False
    columns = {row[0] for row in con.execute("DESCRIBE raw.custom_mappings").fetchall()}
    landed = {row[0] for row in con.execute(f"DESCRIBE {raw_table}").fetchall()}  # noqa: S608 (registry name)
    if not (set(MAPPING_SCHEMA) <= columns and "landed_attributes" in landed):
        return False
    absolute = con.execute("SELECT count(*) FROM raw.custom_mappings WHERE mapping_file LIKE '/%'").fetchone()
    return absolute is not None and absolute[0] == 0


def land_custom_sources(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    source: Source,
    load_id: str,
    result: LandingResult,
    phases: set[str] | None = None,
    incremental: bool = False,
    *,
    temp_dir: Path,
) -> None:
    """Land every custom source's files into `source.raw_table`; a bad mapping is one file reject.

    A mapping decides how all its files are read, so they are landed together. An incremental run
    lands nothing when every mapping is usable and no mapping or data file was added, removed or
    changed (`landing.unchanged_files`) since the last landing. `temp_dir`: where plain-text
    copies are written (`readers.land_source`'s).
    """
    sources = discover(input_dir, phases)
    files = {landing.input_name(input_dir, path): path for custom in sources
             if custom.mapping is not None for path in (custom.mapping_file, *custom.files)}
    if (incremental and all(custom.mapping is not None for custom in sources)
            and table_exists(con, source.raw_table)
            and set(landing.landed_files(con, source)) == set(files)
            and landing.unchanged_files(con, source, files) == set(files)
            and _errors_only_of(con, source, files)
            and _mapping_columns_current(con, source.raw_table)):
        result.unchanged = sum(len(custom.files) for custom in sources)
        return
    fingerprints = {name: landing.file_fingerprint(path) for name, path in files.items()}
    with transaction(con):  # a run that stops in between must not find an empty table "landed"
        landing.forget_files(con, source, None)
        con.execute(f"CREATE OR REPLACE TABLE {source.raw_table} ({landing.RAW_COLUMNS}, {LANDED_COLUMNS})")
    landed: list[tuple[str, str, str]] = []
    for custom in sources:
        if custom.mapping is None:
            # what the mapping looks like, unless it is a link out of the input folder
            linked_out = leads_out(custom.folder, input_dir) or leads_out(custom.mapping_file, custom.folder)
            landing.record_file_error(
                con, source, landing.input_name(input_dir, custom.mapping_file), load_id,
                f"custom source not loaded: {custom.error}",
                raw_text="" if linked_out else landing._head(custom.mapping_file),
            )
            continue
        for path in custom.files:
            fmt, name = custom.file_format(path), landing.input_name(input_dir, path)
            read_as = replace(source, reader=fmt, landed_columns=landed_columns(custom, fmt))
            landing.land_one_file(con, path, name, read_as, load_id, result, temp_dir)
            landed.append((custom.name, name, fmt))
    write_mapping_tables(con, sources, landed, input_dir)
    landing.remember_files(con, source, fingerprints, load_id)
