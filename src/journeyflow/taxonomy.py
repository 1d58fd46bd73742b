"""The touchpoint taxonomy: ordered YAML rules that classify events, loaded as a table.

Classification itself is one SQL join (`sql/core/touchpoints.sql`) against the rule table this module
writes, so no event ever passes through Python.
"""

from __future__ import annotations

import copy
import functools
import itertools
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


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: list[str] | None = None
    event_name: list[str] | None = None
    page_path: list[str] | None = None
    utm_medium: list[str] | None = None
    utm_source: list[str] | None = None
    origin: list[str] | None = None
    value_min: float | None = None
    value_max: float | None = None

    @field_validator(*MATCH_LISTS, mode="before")
    @classmethod
    def _as_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("utm_medium", "utm_source", "origin")
    @classmethod
    def _lower(cls, values: list[str] | None) -> list[str] | None:
        """Events' UTM values and origins are compared lower-case, so rules are lower-cased too."""
        return [v.lower() for v in values] if values else values


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
        phases = {p.name for p in self.phases}
        for number, rule in enumerate(self.rules, start=1):
            where = f"{origin}: rule {number}"
            if rule.ignore:
                continue
            missing = [f for f in ("touchpoint", "channel", "category", "phase") if not getattr(rule, f)]
            if missing:
                raise ValueError(f"{where}: needs {', '.join(missing)} (or ignore: true)")
            for phase in [rule.phase] + ([rule.repeat.phase] if rule.repeat else []):
                if phase not in phases:
                    raise ValueError(f"{where}: unknown phase {phase!r}; known: {sorted(phases)}")
        return self


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


def rules_frame(taxonomy: Taxonomy) -> pl.DataFrame:
    """One row per rule and combination of listed match values (a list means 'any of')."""
    phase_order = {p.name: p.order for p in taxonomy.phases}
    rows = []
    for order, rule in enumerate(taxonomy.rules, start=1):
        lists = [getattr(rule.match, key) or [None] for key in MATCH_LISTS]
        for combo in itertools.product(*lists):
            rows.append({
                "rule_order": order,
                **dict(zip(MATCH_LISTS, combo, strict=True)),
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
    schema = {key: pl.String for key in MATCH_LISTS} | {
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
