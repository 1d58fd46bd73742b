"""Run settings shared by the CLI, the Python API and the Dagster resources."""

from __future__ import annotations

import difflib
import json
import re
import zoneinfo
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, get_args, get_type_hints

import yaml
from pydantic import Field, Strict, TypeAdapter, ValidationError

from journeyflow.machine import default_memory_limit, default_threads
from journeyflow.scope import LoadScope

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INPUT = PROJECT_ROOT / "data" / "sample"
DEFAULT_WAREHOUSE = Path("warehouse") / "journeyflow.duckdb"
DEFAULT_TAXONOMY = Path(__file__).with_name("touchpoints.yaml")
DEFAULT_FUNNELS = Path(__file__).with_name("funnels.yaml")
# How sessions are cut (the `sessions` setting)
SESSION_RULES = ("gap", "tracker")


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on; the same defaults for CLI, API and Dagster.

    Every Settings is checked by type and range when it is made (also by `replace` and
    `with_overrides`): a mistake raises SettingsError naming each bad setting (rules: `_RULES`).
    """

    input_dir: Path = DEFAULT_INPUT
    warehouse: Path = DEFAULT_WAREHOUSE
    taxonomy: Path = DEFAULT_TAXONOMY
    # Funnel definitions (funnels.yaml) built into marts.funnels
    funnels: Path = DEFAULT_FUNNELS
    # Files and folders in the input folder that no reader takes and the run should not complain about:
    # glob patterns relative to the input folder, e.g. ["archive/**", "README.txt"]
    ignore_inputs: list[str] = field(default_factory=list)
    # Salt for email hashes: set your own in production so hashes cannot be looked up.
    salt: str = "journeyflow-default-salt"
    session_gap_minutes: int = 30
    # A visit longer than this is cut into sessions of this length (None: no cap); bounds how far a
    # late event can move session boundaries, and keeps bot or kiosk activity from one endless session
    session_max_minutes: int | None = 720
    # Where sessions come from (docs/metrics.md "Tracker sessions"): "gap" the inactivity gap alone;
    # "tracker" the web tracker's own session id where an event has one (GA4 ga_session_id with
    # user_pseudo_id, Snowplow domain_sessionid), the gap rule for the rest
    sessions: str = "gap"
    # Snowplow's data-model quarantine (snowplow__days_late_allowed, Snowplow's default 3): an event
    # sent more than this many days after the device created it is rejected (None: no limit)
    snowplow_days_late_allowed: int | None = None
    # ... and snowplow__max_session_days (Snowplow's default 3): the events of a Snowplow session
    # more than this many days after its first are rejected (None: no limit)
    snowplow_max_session_days: int | None = None
    journey_inactivity_days: int = 90
    # Journey definition (README "Journey rules"): touchpoints that may start a journey (None: any);
    # a cap on a journey's length in days (None: no cap); only touchpoints at most this many days
    # before the data's end are used (None: all)
    journey_start_events: list[str] | None = None
    journey_max_days: float | None = None
    journey_lookback_days: float | None = None
    # Quality gates: a person with more identifiers than this is an over-merge (shared device/email)
    max_identifiers_per_person: int = 50
    # Identity guard: an identifier seen with more persons' user ids / CRM ids than this (a shared
    # office PC cookie, a support@ mailbox) is reported in quality.identity_conflicts, not stitched
    max_persons_per_identifier: int = 3
    # Treat anna+news@example.com as anna@example.com when hashing emails
    strip_plus_addressing: bool = False
    # Zone of timestamps that carry none (IANA name); per source folder in source_time_zones,
    # e.g. {"hubspot": "Europe/Berlin"}, else time_zone
    time_zone: str = "UTC"
    source_time_zones: dict[str, str] = field(default_factory=dict)
    # Incremental nightly runs: the run for day D re-reads export files dated D - lookback .. D, so
    # a day's file that the tool re-writes later (GA4 updates a day's table for 72 hours) is seen
    late_data_lookback_days: int = 3
    # Warn when a table has fewer rows than this share of the previous run's
    min_row_ratio: float = 0.5
    # DuckDB resources (docs/performance.md "Memory and cores"): a memory cap (e.g. "4GB"; null:
    # 1.5 GB per thread, at most half the machine's or container's memory), threads (null: every
    # usable core) and where to spill beyond the cap (null: <warehouse folder>/<name>.spill, removed
    # after the run)
    duckdb_memory_limit: str | None = None
    duckdb_threads: int | None = None
    duckdb_temp_directory: str | None = None
    # Analytics: path variants seen in fewer journeys are grouped as "(other paths)"; the time-decay
    # attribution half-life; how far back last-non-direct attribution looks past direct visits;
    # touchpoints with fewer visits are not ranked as bottlenecks
    min_path_journeys: int = 1
    # The units transitions, paths and graph metrics are computed for besides the journey: "session"
    # and "person" (docs/metrics.md, Units). Each extra unit adds about one more pass of
    # core.journey_transitions' windows (at 1M events: about 3.5x its time with both)
    units: list[str] = field(default_factory=lambda: ["journey"])
    attribution_half_life_days: float = 7.0
    last_non_direct_lookback_days: float = 90.0
    bottleneck_min_visits: int = 20
    # Touchpoint KPIs: touchpoints passed by fewer journeys get no pain_rank (marts.touchpoint_kpis)
    pain_min_journeys: int = 5
    # Segment comparison (marts.segment_comparison): journeys are split by `segment_by`
    # ("first_channel": channel of the journey's first touchpoint; "utm_campaign": the first
    # utm_campaign of the journey, e.g. an experiment variant) and segment_a is compared with segment_b
    segment_by: str = "first_channel"
    segment_a: str = "search"
    segment_b: str = "social"
    # Funnel breakdown: a phase counts as reached only within this many days of the person's first
    # journey start (None: no window)
    funnel_window_days: float | None = 30.0
    # Engine (docs/scaling.md): "duckdb" runs the SQL in the warehouse; "spark" transpiles it to Spark
    # SQL and runs it on `spark_master` ("local[2]", "spark://host:7077", "yarn", ...), keeping each
    # table as Parquet under `parquet_root` (default: <warehouse folder>/layers; a local folder or an
    # object store URL such as s3a://bucket/journeyflow); `spark_conf` adds Spark settings
    engine: str = "duckdb"
    spark_master: str = "local[2]"
    parquet_root: str | None = None
    spark_conf: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in _validated({f.name: getattr(self, f.name) for f in fields(self)}).items():
            object.__setattr__(self, name, value)  # e.g. a path given as text becomes a Path

    @property
    def work_file(self) -> Path:
        """The file a run builds in; a finished copy of it is published (journeyflow.release)."""
        return self.warehouse.with_name(self.warehouse.stem + ".work.duckdb")

    @property
    def raw_file(self) -> Path:
        """The raw layer's own file: the exports as they came, PII included, never published."""
        return self.warehouse.with_name(self.warehouse.stem + ".raw.duckdb")

    @property
    def spill_dir(self) -> Path:
        """Where DuckDB spills beyond its memory limit: `duckdb_temp_directory`, else a folder beside
        the working file that the run removes when it ends (`pipeline.open_run`)."""
        if self.duckdb_temp_directory is not None:
            return Path(self.duckdb_temp_directory)
        return self.warehouse.with_name(self.warehouse.stem + ".spill")

    @property
    def threads(self) -> int:
        """DuckDB's threads for a run: `duckdb_threads`, else every usable core."""
        return self.duckdb_threads if self.duckdb_threads is not None else default_threads()

    @property
    def memory_limit(self) -> str:
        """DuckDB's memory_limit for a run: `duckdb_memory_limit`, else one derived from the machine."""
        return self.duckdb_memory_limit or default_memory_limit(self.threads)

    def day_scope(self, first_day: date, last_day: date | None = None) -> LoadScope:
        """The files a run for the days first_day..last_day reads: those days plus the lookback."""
        return LoadScope(first_day=first_day - timedelta(days=self.late_data_lookback_days),
                         last_day=last_day or first_day)

    def time_zone_for(self, folder: str) -> str:
        """The zone that zone-less timestamps of the source in `folder` are read in."""
        return self.source_time_zones.get(folder, self.time_zone)

    def with_overrides(self, **overrides: object) -> Settings:
        """Return a copy with the non-None overrides applied (CLI options that were given), checked
        like any Settings (e.g. a --session-max below the session gap is a SettingsError)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given)  # type: ignore[arg-type]


class SettingsError(ValueError):
    """Settings that break their rules: one line per problem, each naming the source (the settings
    file, when there is one), the setting, the bad value and what is allowed."""

    def __init__(self, problems: list[str], source: object = None) -> None:
        self.problems = list(problems)
        self.source = None if source is None else str(source)
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        return [f"{self.source}: {p}" if self.source else p for p in self.problems]

    def with_source(self, source: object) -> SettingsError:
        """The same problems, said of `source` (a settings file, a Dagster resource)."""
        return SettingsError(self.problems, source)


def load_settings(path: Path | None = None) -> Settings:
    """Read `journeyflow.yaml` (if present) over the defaults; SettingsError lists every mistake.

    A file named explicitly (`--config`) must exist: a typo there would run with the defaults.
    """
    if path is not None and not path.exists():
        raise SettingsError(["the settings file does not exist"], path)
    path = path or Path("journeyflow.yaml")
    if not path.exists():
        return Settings()
    data = read_settings_file(path)
    known = list(Settings.__dataclass_fields__)
    problems = [f"{key}: {unknown_setting(key, known)}" for key in data if key not in known]
    # unlike CLI options, a null in the file is a value (e.g. funnel_window_days: null = no window)
    try:
        settings = Settings(**{k: v for k, v in data.items() if k in known})
    except SettingsError as exc:
        problems += exc.problems
    if problems:
        raise SettingsError(problems, path)
    return settings


def read_settings_file(path: Path) -> dict[Any, Any]:
    """The mapping of a settings file as written; SettingsError (with the line) when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError([f"is not UTF-8 text ({exc.reason} at byte {exc.start})"], path) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(filter(None, (exc.context, exc.problem)))
        raise SettingsError([f"{where}not valid YAML ({problem})"], path) from None
    except yaml.YAMLError as exc:
        raise SettingsError([f"not valid YAML ({exc})"], path) from None
    finally:
        loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the value {_shown(data)}"
        raise SettingsError([f"line {node.start_mark.line + 1}: is {kind}, not a mapping of settings "
                             f"(one `setting: value` per line)"], path)
    seen: dict[object, int] = {}
    problems = []
    for key_node, _ in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        line = key_node.start_mark.line + 1
        if key not in (None, "<<") and key in seen:
            problems.append(f"line {line}: {key} is set twice (also on line {seen[key]})")
        seen.setdefault(key, line)
    if problems:
        raise SettingsError(problems, path)
    return data


def unknown_setting(key: object, known: list[str]) -> str:
    """"unknown setting" with the closest known name (a typo), else all of them."""
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    if close:
        return f"unknown setting (did you mean {close[0]}?)"
    return f"unknown setting (known: {', '.join(known)})"


# --- validation ---------------------------------------------------------------------------------------

# Per setting: the bounds pydantic checks on top of the type of its Settings field (numbers and booleans
# strictly: "30" is not a whole number, as YAML has real numbers), and what is allowed, said in messages
# as `<setting>: <value> is not <type> (<what is allowed>)`. The rules beyond type and bounds (zones,
# sizes, patterns, non-empty text, one setting against another) are in `_check`.
_RULES: dict[str, tuple[tuple[object, ...], str]] = {
    "input_dir": ((), "the folder of the exports"),
    "warehouse": ((), "the path of the published DuckDB file"),
    "taxonomy": ((), "the path of a taxonomy YAML file"),
    "funnels": ((), "the path of a funnels YAML file"),
    "ignore_inputs": ((), 'glob patterns relative to the input folder, e.g. ["archive/**", "README.txt"]'),
    "salt": ((), "non-empty text; quote it if it looks like a number"),
    "session_gap_minutes": ((Field(ge=1),), "minutes ≥ 1"),
    "session_max_minutes": ((Field(ge=1),), "minutes ≥ 1 and ≥ session_gap_minutes, or null for no cap"),
    "sessions": ((), "one of {sessions}"),
    "snowplow_days_late_allowed": ((Field(ge=0),), "days ≥ 0, or null for no limit"),
    "snowplow_max_session_days": ((Field(ge=1),), "days ≥ 1, or null for no limit"),
    "journey_inactivity_days": ((Field(ge=1),), "days ≥ 1"),
    "journey_start_events": ((), "a list of touchpoint names, or null for any touchpoint"),
    "journey_max_days": ((Field(gt=0),), "days > 0, or null for no cap"),
    "journey_lookback_days": ((Field(gt=0),), "days > 0, or null for all the data"),
    "max_identifiers_per_person": ((Field(ge=1),), "a count ≥ 1"),
    "max_persons_per_identifier": ((Field(ge=1),), "a count ≥ 1"),
    "strip_plus_addressing": ((), "true: anna+news@example.com is hashed as anna@example.com"),
    "time_zone": ((), 'e.g. "UTC", "Europe/Berlin"'),
    "source_time_zones": ((), "source folder: IANA time zone, e.g. {hubspot: Europe/Berlin}"),
    "late_data_lookback_days": ((Field(ge=0),), "days ≥ 0"),
    "min_row_ratio": ((Field(ge=0, le=1),), "a share from 0 to 1"),
    "duckdb_memory_limit": ((), 'e.g. "4GB", "500MB", "75%" of the memory, or null for 1.5 GB per thread, '
                                "at most half the memory"),
    "duckdb_threads": ((Field(ge=1),), "a count ≥ 1, or null for every usable core"),
    "duckdb_temp_directory": ((), "a folder, or null for <warehouse folder>/<name>.spill"),
    "min_path_journeys": ((Field(ge=0),), "a count ≥ 0"),
    "units": ((), 'a list of "journey" (always included), "session", "person"'),
    "attribution_half_life_days": ((Field(gt=0),), "days > 0"),
    "last_non_direct_lookback_days": ((Field(gt=0),), "days > 0"),
    "bottleneck_min_visits": ((Field(ge=0),), "a count ≥ 0"),
    "pain_min_journeys": ((Field(ge=0),), "a count ≥ 0"),
    "segment_by": ((), "one of {segment_by}"),
    "segment_a": ((), "non-empty text, e.g. a channel or a campaign"),
    "segment_b": ((), "non-empty text other than segment_a, e.g. a channel or a campaign"),
    "funnel_window_days": ((Field(gt=0),), "days > 0, or null for no window"),
    "engine": ((), "one of {engine}"),
    "spark_master": ((), 'e.g. "local[2]", "spark://host:7077", "yarn"'),
    "parquet_root": ((), "a folder or object store URL, or null for <warehouse folder>/layers"),
    "spark_conf": ((), "Spark setting: value, e.g. {spark.driver.memory: 6g}"),
}
# Spark settings may be YAML numbers or booleans too (spark.executor.cores: 2): checked in _check, kept
# as text
_TYPE_OVERRIDES: dict[str, object] = {"spark_conf": dict[str, Any]}
_PATHS = ("input_dir", "warehouse", "taxonomy", "funnels")
_NON_EMPTY = ("salt", "segment_a", "segment_b", "spark_master", "parquet_root", "duckdb_temp_directory")
# DuckDB's memory_limit: a positive amount with a unit (of 1000^i or 1024^i bytes), or a share of the memory
_MEMORY_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:[kmgt]i?b?|b|bytes?)\s*", re.IGNORECASE)
_MEMORY_SHARE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*")
_KINDS = {"int_type": "a whole number", "float_type": "a number", "bool_type": "true or false",
          "string_type": "text", "list_type": "a list", "dict_type": "a mapping", "path_type": "a path"}
UNITS = ("journey", "session", "person")
_BOUNDS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


@cache
def _choices() -> dict[str, tuple[str, ...]]:
    from journeyflow.engines import ENGINES  # not at the top: engines imports warehouse, which imports us
    from journeyflow.segments import SEGMENT_RULES

    return {"engine": ENGINES, "segment_by": SEGMENT_RULES, "sessions": SESSION_RULES}


@cache
def _validators() -> dict[str, TypeAdapter[Any]]:
    """Per setting, pydantic's check of its type and bounds."""
    hints = get_type_hints(Settings)
    if set(hints) != set(_RULES):
        mismatch = sorted(set(hints) ^ set(_RULES))
        raise RuntimeError(f"config._RULES must have a rule for every setting, and only those: {mismatch}")
    validators = {}
    for name, hint in hints.items():
        hint = _TYPE_OVERRIDES.get(name, hint)
        base = [arg for arg in get_args(hint) or (hint,) if arg is not type(None)]
        strict = (Strict(),) if base in ([int], [float], [bool]) else ()
        metadata = (*strict, *_RULES[name][0])
        validators[name] = TypeAdapter(Annotated[(hint, *metadata)] if metadata else hint)
    return validators


def _problem(name: str, key: str, value: object, what: str, hint: str = "") -> str:
    allowed = _RULES[name][1]
    for choice, options in _choices().items():  # "one of {engine}"
        allowed = allowed.replace(f"{{{choice}}}", ", ".join(options))
    return f"{key}: {_shown(value)} {what} ({allowed}){hint}"


def _shown(value: object, limit: int = 60) -> str:
    """A value as written in YAML/JSON ("thirty", 0, null, true, ["a"]), cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    """`values` (every setting) checked and normalised; SettingsError with one line per problem."""
    problems: list[tuple[str, str]] = []
    checked: dict[str, Any] = {}
    for name, validator in _validators().items():
        value = values[name]
        if name in _PATHS and isinstance(value, str) and not value.strip():  # Path("") = working folder
            problems.append((name, _problem(name, name, value, "is empty")))
            continue
        try:
            checked[name] = validator.validate_python(value)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                key = name + "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                                     for part in error["loc"] if part != "[key]")
                kind = error["type"]
                what = (f"is not {_KINDS[kind]}" if kind in _KINDS
                        else "is out of range" if kind in _BOUNDS else f"is not valid: {error['msg']}")
                problems.append((name, _problem(name, key, error["input"], what)))
    problems += _check(checked)
    if problems:
        order = list(values)
        raise SettingsError([text for _, text in sorted(problems, key=lambda p: order.index(p[0]))])
    checked["spark_conf"] = {key: ("true" if value else "false") if isinstance(value, bool) else str(value)
                             for key, value in checked["spark_conf"].items()}
    return checked


def _check(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The rules beyond type and bounds, for the settings of the right type (those in `values`)."""
    found: list[tuple[str, str]] = []

    def problem(name: str, key: str, value: object, what: str, hint: str = "") -> None:
        found.append((name, _problem(name, key, value, what, hint)))

    def get(name: str) -> Any:
        return values.get(name)  # None when it is null or already found of the wrong type

    for name in _NON_EMPTY:
        if get(name) is not None and not get(name).strip():
            problem(name, name, get(name), "is empty")
    for name, choices in _choices().items():
        if name in values and get(name) not in choices:
            problem(name, name, get(name), "is unknown")
    gap, cap = get("session_gap_minutes"), get("session_max_minutes")
    if gap is not None and cap is not None and cap < gap:
        problem("session_max_minutes", "session_max_minutes", cap,
                f"is less than the session gap of {gap} minutes")
    if get("segment_a") is not None and get("segment_a") == get("segment_b"):
        problem("segment_b", "segment_b", get("segment_b"), "must differ from segment_a")
    units = get("units")
    for i, unit in enumerate(units or []):
        if unit not in UNITS:
            problem("units", f"units[{i}]", unit, "is unknown")
    if units is not None and "journey" not in units:
        problem("units", "units", units, "lacks journey: marts.transitions and the bi views read it")
    if get("journey_start_events") == []:
        problem("journey_start_events", "journey_start_events", [], "is empty: no journey could start")
    for i, event in enumerate(get("journey_start_events") or []):
        if not event.strip():
            problem("journey_start_events", f"journey_start_events[{i}]", event, "is empty")
    zones = {"time_zone": get("time_zone")} if "time_zone" in values else {}
    zones |= {f"source_time_zones.{folder}": zone
              for folder, zone in (get("source_time_zones") or {}).items()}
    for key, zone in zones.items():
        if (close := _zone_problem(zone)) is not None:
            problem(key.split(".")[0], key, zone, "is not an IANA time zone",
                    f"; did you mean {close}?" if close else "")
    limit = get("duckdb_memory_limit")
    if limit is not None:
        amount = _MEMORY_SIZE.fullmatch(limit) or _MEMORY_SHARE.fullmatch(limit)
        if amount is None:
            problem("duckdb_memory_limit", "duckdb_memory_limit", limit, "is not a DuckDB memory size")
        elif not 0 < float(amount.group(1)) <= (100 if amount.re is _MEMORY_SHARE else float("inf")):
            problem("duckdb_memory_limit", "duckdb_memory_limit", limit, "is out of range")
    for i, pattern in enumerate(get("ignore_inputs") or []):
        if not pattern.strip():
            problem("ignore_inputs", f"ignore_inputs[{i}]", pattern, "is empty")
        elif (pattern.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", pattern)
              or ".." in PurePosixPath(pattern.replace("\\", "/")).parts):
            problem("ignore_inputs", f"ignore_inputs[{i}]", pattern, "is not inside the input folder")
    for key, value in (get("spark_conf") or {}).items():
        if not isinstance(value, str | int | float):  # bool is an int
            problem("spark_conf", f"spark_conf.{key}", value, "is not text, a number or true/false")
    return found


@cache
def _zone_problem(name: str) -> str | None:
    """None when `name` is an IANA time zone, else the closest zone name ("" when none is close)."""
    try:
        zoneinfo.ZoneInfo(name)
        return None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1, cutoff=0.6)
        return close[0] if close else ""
