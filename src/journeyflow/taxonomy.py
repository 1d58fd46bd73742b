"""The touchpoint taxonomy: ordered YAML rules that classify events, loaded as a table.

Classification itself is one SQL join (`sql/core/touchpoints.sql`) against the rule table this module
writes, so no event ever passes through Python.
"""

from __future__ import annotations

import copy
import functools
import itertools
import re
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CATEGORIES = ("paid", "owned", "earned", "shared", "managed")
CHANNELS = (
    "web", "app", "email", "social", "search", "display", "referral", "print", "phone", "store",
    "chat", "support", "survey", "sales",
)
MATCH_LISTS = ("source", "event_name", "page_path", "utm_medium", "utm_source", "origin")
# keys a value may also match by {regex: ...} or {contains: ...}; each has a `<key>_operator` column
PATTERN_KEYS = ("event_name", "page_path", "utm_medium", "utm_source", "origin")
LOWER_KEYS = ("utm_medium", "utm_source", "origin")


class Pattern(BaseModel):
    """`{regex: '^/products?/'}` (found anywhere in the value, RE2/Java syntax) or `{contains: 'pricing'}`."""

    model_config = ConfigDict(extra="forbid")
    regex: str | None = None
    contains: str | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"regex {value!r} does not compile: {exc}") from exc
        return value

    def operator(self) -> tuple[str, str]:
        """(operator, value); exactly one of regex and contains must be given."""
        given = [(k, v) for k, v in (("regex", self.regex), ("contains", self.contains)) if v is not None]
        if len(given) != 1 or not given[0][1]:
            raise ValueError("a pattern is {regex: '...'} or {contains: '...'}: exactly one, not empty")
        return given[0]


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: list[str] | None = None
    event_name: list[str | Pattern] | None = None
    page_path: list[str | Pattern] | None = None
    utm_medium: list[str | Pattern] | None = None
    utm_source: list[str | Pattern] | None = None
    origin: list[str | Pattern] | None = None
    value_min: float | None = None
    value_max: float | None = None

    @field_validator(*MATCH_LISTS, mode="before")
    @classmethod
    def _as_list(cls, value: object) -> object:
        return [value] if isinstance(value, str | dict) else value

    @field_validator(*PATTERN_KEYS)
    @classmethod
    def _one_operator(cls, values: list[str | Pattern] | None) -> list[str | Pattern] | None:
        for value in values or []:
            if isinstance(value, Pattern):
                value.operator()
        return values

    @field_validator(*LOWER_KEYS)
    @classmethod
    def _lower(cls, values: list[str | Pattern] | None) -> list[str | Pattern] | None:
        """Events' UTM values and origins are compared lower-case, so rules are lower-cased too
        (a regex is made case-insensitive instead: lower-casing it would change `\\D` into `\\d`)."""
        lowered: list[str | Pattern] = []
        for v in values or []:
            if isinstance(v, str):
                lowered.append(v.lower())
            elif v.contains is not None:
                lowered.append(Pattern(contains=v.contains.lower()))
            else:
                lowered.append(Pattern(regex=f"(?i){v.regex}"))
        return lowered if values else values


class Repeat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    touchpoint: str
    phase: str


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    match: Match = Field(default_factory=Match)
    ignore: bool = False
    touchpoint: str | None = None
    channel: Literal[CHANNELS] | None = None  # type: ignore[valid-type]
    category: Literal[CATEGORIES] | None = None  # type: ignore[valid-type]
    online: bool = True
    phase: str | None = None
    is_conversion: bool = False
    repeat: Repeat | None = None


class Phase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    order: int | None


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phases: list[Phase]
    rules: list[Rule]

    def check(self, origin: str) -> Taxonomy:
        """Cross-field checks pydantic cannot express; errors name the rule by position."""
        check_rules(self.rules, f"{origin}: rule ", {p.name for p in self.phases})
        return self


def check_rules(rules: list, where: str, phases: set[str] | None) -> None:
    """A touchpoint rule needs touchpoint, channel, category and a known phase (or `ignore: true`);
    the error names the rule by position (`<where>3`). Custom sources' rules pass the same checks."""
    for number, rule in enumerate(rules, start=1):
        if rule.ignore:
            continue
        missing = [f for f in ("touchpoint", "channel", "category", "phase") if not getattr(rule, f)]
        if missing:
            raise ValueError(f"{where}{number}: needs {', '.join(missing)} (or ignore: true)")
        for phase in [rule.phase] + ([rule.repeat.phase] if rule.repeat else []):
            if phases is not None and phase not in phases:
                raise ValueError(f"{where}{number}: unknown phase {phase!r}; known: {sorted(phases)}")


@functools.lru_cache(maxsize=8)
def _parse_yaml(text: str) -> object:
    """Parsed once per distinct text (a run reads the taxonomy twice; ~0.15 s each in pure Python)."""
    return yaml.safe_load(text)


def read_taxonomy(path: Path) -> Taxonomy:
    """Parse and validate one taxonomy file, with errors that name the file and rule."""
    try:
        data = copy.deepcopy(_parse_yaml(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return Taxonomy.model_validate(data).check(str(path))
    except ValidationError as exc:
        raise ValueError(f"{path}: invalid taxonomy:\n{exc}") from exc


def load_taxonomy(path: Path, default: Path | None = None) -> Taxonomy:
    """A user's taxonomy file; its rules go before the default ones, its phases replace them."""
    user = read_taxonomy(path)
    if default is None or default.resolve() == path.resolve():
        return user
    base = read_taxonomy(default)
    return Taxonomy(phases=user.phases or base.phases, rules=user.rules + base.rules)


def _operand(key: str, value: str | Pattern | None) -> tuple[str | None, str | None]:
    """A match value as (value, operator): page_path text is a LIKE pattern, other text is exact."""
    if value is None:
        return None, None
    if isinstance(value, Pattern):
        operator, text = value.operator()
        return text, operator
    return value, "like" if key == "page_path" else "equals"


def rules_frame(taxonomy: Taxonomy) -> pl.DataFrame:
    """One row per rule and combination of listed match values (a list means 'any of')."""
    phase_order = {p.name: p.order for p in taxonomy.phases}
    rows = []
    for order, rule in enumerate(taxonomy.rules, start=1):
        lists = [getattr(rule.match, key) or [None] for key in MATCH_LISTS]
        for combo in itertools.product(*lists):
            operands = {key: _operand(key, value) for key, value in zip(MATCH_LISTS, combo, strict=True)}
            rows.append({
                "rule_order": order,
                **{key: operand[0] for key, operand in operands.items()},
                **{f"{key}_operator": operands[key][1] for key in PATTERN_KEYS},
                "value_min": rule.match.value_min,
                "value_max": rule.match.value_max,
                "is_ignored": rule.ignore,
                "touchpoint": rule.touchpoint,
                "channel": rule.channel,
                "category": rule.category,
                "is_online": rule.online,
                "phase": rule.phase,
                "phase_order": phase_order.get(rule.phase) if rule.phase else None,
                "is_conversion": rule.is_conversion,
                "repeat_touchpoint": rule.repeat.touchpoint if rule.repeat else None,
                "repeat_phase": rule.repeat.phase if rule.repeat else None,
                "repeat_phase_order": phase_order.get(rule.repeat.phase) if rule.repeat else None,
            })
    operators = {f"{key}_operator": pl.String for key in PATTERN_KEYS}
    schema = {key: pl.String for key in MATCH_LISTS} | operators | {
        "rule_order": pl.Int32, "value_min": pl.Float64, "value_max": pl.Float64,
        "is_ignored": pl.Boolean, "touchpoint": pl.String, "channel": pl.String,
        "category": pl.String, "is_online": pl.Boolean, "phase": pl.String,
        "phase_order": pl.Int32, "is_conversion": pl.Boolean, "repeat_touchpoint": pl.String,
        "repeat_phase": pl.String, "repeat_phase_order": pl.Int32,
    }
    return pl.DataFrame(rows, schema=schema)


def phases_frame(taxonomy: Taxonomy) -> pl.DataFrame:
    return pl.DataFrame(
        [{"phase": p.name, "phase_order": p.order} for p in taxonomy.phases],
        schema={"phase": pl.String, "phase_order": pl.Int32},
    )


def write_taxonomy_tables(con: duckdb.DuckDBPyConnection, taxonomy: Taxonomy) -> int:
    """Write core.taxonomy_rules and core.phases; returns the number of rule rows."""
    rules = rules_frame(taxonomy)
    for table, frame in (("core.taxonomy_rules", rules), ("core.phases", phases_frame(taxonomy))):
        con.register("taxonomy_frame", frame.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM taxonomy_frame")  # noqa: S608 (internal table name)
        con.unregister("taxonomy_frame")
    return rules.height
