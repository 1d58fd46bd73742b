"""Funnel definitions: named lists of steps (funnels.yaml, the CLI, the API), and the mart built from them.

One funnel implementation, `sql/marts/funnels.sql`, reads the steps as a table `funnel_steps`: the
pipeline registers every defined funnel's steps as that table and builds `marts.funnels`; an ad-hoc
funnel (API, CLI, explorer) puts its steps in a `funnel_steps` CTE (values bound as parameters) and runs
the same file over the selected journeys (journeyflow.figures.funnel). docs/metrics.md defines the modes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from journeyflow.config import DEFAULT_FUNNELS
from journeyflow.engines import build_table
from journeyflow.run_context import Metadata, RunContext

__all__ = ["DEFAULT_FUNNELS", "Funnel", "FunnelError", "FunnelStep", "build_funnels", "load_funnels"]
# What a step can match: the taxonomy's outcome (touchpoint, channel, category, phase) and match keys
# (source, event_name, page_path as a LIKE pattern, utm_*, origin), all columns of core.touchpoints.
STEP_KEYS = ("touchpoint", "event_name", "phase", "channel", "category", "source", "page_path",
             "utm_source", "utm_medium", "utm_campaign", "origin")
MODES = ("ordered", "strict", "any")
UNITS = ("person", "journey", "session")
BREAKDOWNS = ("all", "channel", "campaign", "cohort_month", "segment")


class FunnelError(ValueError):
    """A funnel definition that cannot be used; the message names file, funnel and step."""


@dataclass(frozen=True)
class FunnelStep:
    """One step: touchpoints whose every key in `match` (STEP_KEYS) has the given value."""

    match: tuple[tuple[str, str], ...]
    name: str | None = None

    def __post_init__(self) -> None:
        if not self.match:
            raise ValueError(f"a step needs at least one key ({', '.join(STEP_KEYS)})")
        for key, _ in self.match:
            if key not in STEP_KEYS:
                raise ValueError(f"a step's kind must be one of {', '.join(STEP_KEYS)}, got {key!r}")

    @classmethod
    def of(cls, name: str | None = None, **match: str) -> FunnelStep:
        return cls(tuple(match.items()), name)

    @property
    def label(self) -> str:
        """The name given, else `pricing_page` for a touchpoint, `phase: awareness`, `a: x, b: y`."""
        if self.name:
            return self.name
        if len(self.match) == 1 and self.match[0][0] == "touchpoint":
            return self.match[0][1]
        return ", ".join(f"{key}: {value}" for key, value in self.match)

    @property
    def text(self) -> str:
        """The form `parse` reads back."""
        return ",".join(f"{key}={value}" for key, value in self.match)

    @classmethod
    def parse(cls, text: str) -> FunnelStep:
        """`pricing_page` (a touchpoint), `phase=acquisition`, several: `phase=awareness,channel=search`."""
        if "=" not in text:
            return cls((("touchpoint", text.strip()),))
        pairs = [part.partition("=") for part in text.split(",")]
        for _key, sign, value in pairs:
            if not sign or not value.strip():
                raise ValueError(f"a step is touchpoint or key=value[,key=value…], got {text!r}")
        return cls(tuple((key.strip(), value.strip()) for key, _, value in pairs))


@dataclass(frozen=True)
class Funnel:
    """A named funnel: its steps, mode (ordered, strict, any), unit counted and conversion window."""

    name: str
    steps: tuple[FunnelStep, ...]
    mode: str = "ordered"
    unit: str = "person"
    window_days: float | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a funnel needs at least one step")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {self.unit!r}")
        if self.window_days is not None and self.window_days <= 0:
            raise ValueError(f"window_days must be > 0 or none, got {self.window_days!r}")


# --- funnels.yaml -------------------------------------------------------------------------------------------


class _StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = None
    touchpoint: str | None = None
    event_name: str | None = None
    phase: str | None = None
    channel: str | None = None
    category: str | None = None
    source: str | None = None
    page_path: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    origin: str | None = None


class _FunnelModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str = ""
    mode: Literal["ordered", "strict", "any"] = "ordered"
    unit: Literal["person", "journey", "session"] = "person"
    window_days: float | None = Field(default=None, gt=0)
    steps: list[_StepModel] = Field(min_length=1)


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    funnels: list[_FunnelModel] = Field(default_factory=list)

    @field_validator("funnels")
    @classmethod
    def _unique(cls, funnels: list[_FunnelModel]) -> list[_FunnelModel]:
        twice = sorted(name for name, n in Counter(f.name for f in funnels).items() if n > 1)
        if twice:
            raise ValueError(f"funnel names must be unique, {', '.join(twice)} repeats")
        return funnels


ALLOWED = {
    "file": "funnels",
    "funnel": "name, description, mode (ordered, strict, any), unit (person, journey, session), "
              "window_days, steps",
    "step": f"label, {', '.join(STEP_KEYS)}",
}


def _where(raw: object, loc: tuple) -> tuple[str, str]:
    """'funnel 'x', step 2' and which keys are allowed there, from a pydantic error location."""
    parts, allowed = [], ALLOWED["file"]
    if len(loc) >= 2 and loc[0] == "funnels" and isinstance(loc[1], int):
        funnels = raw.get("funnels") if isinstance(raw, dict) else None
        entry = funnels[loc[1]] if isinstance(funnels, list) and loc[1] < len(funnels) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        parts.append(f"funnel {name!r}" if name else f"funnel #{loc[1] + 1}")
        allowed = ALLOWED["funnel"]
        if len(loc) >= 4 and loc[2] == "steps" and isinstance(loc[3], int):
            parts.append(f"step {loc[3] + 1}")
            allowed = ALLOWED["step"]
    return ", ".join(parts), allowed


def parse_funnels(raw: object, file: str) -> list[Funnel]:
    """The funnels of a loaded YAML document; FunnelError lists every mistake with where it is."""
    try:
        model = _FileModel.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where, allowed = _where(raw, error["loc"])
            field = error["loc"][-1] if error["loc"] and isinstance(error["loc"][-1], str) else ""
            what = (f"unknown key {field!r}" if error["type"] == "extra_forbidden"
                    else f"{field}: {error['msg']}" if field else error["msg"])
            lines.append(f"{file}: {where + ': ' if where else ''}{what} (allowed: {allowed})")
        raise FunnelError("\n".join(lines)) from None
    funnels = []
    for entry in model.funnels:
        steps = []
        for index, step in enumerate(entry.steps, start=1):
            match = tuple((key, value) for key in STEP_KEYS if (value := getattr(step, key)) is not None)
            if not match:
                raise FunnelError(f"{file}: funnel {entry.name!r}, step {index}: matches nothing, give at "
                                  f"least one of {', '.join(STEP_KEYS)} (allowed: {ALLOWED['step']})")
            steps.append(FunnelStep(match, step.label))
        funnels.append(Funnel(entry.name, tuple(steps), entry.mode, entry.unit, entry.window_days,
                              entry.description))
    return funnels


def load_funnels(path: Path) -> list[Funnel]:
    """The funnels defined in a funnels.yaml file."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FunnelError(f"{path}: cannot read the funnel definitions ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise FunnelError(f"{path}: not valid YAML ({exc})") from None
    return parse_funnels(raw, str(path))


def find_funnel(funnels: list[Funnel], name: str, file: Path) -> Funnel:
    for funnel in funnels:
        if funnel.name == name:
            return funnel
    known = ", ".join(f.name for f in funnels) or "none"
    raise FunnelError(f"{file}: no funnel {name!r} (defined: {known})")


# --- the steps table ----------------------------------------------------------------------------------------

STEP_COLUMNS = {"funnel": pa.string(), "step": pa.int64(), "label": pa.string(), "mode": pa.string(),
                "unit": pa.string(), "window_seconds": pa.float64(), "occurrence": pa.int64(),
                **{key: pa.string() for key in STEP_KEYS}}


def step_rows(funnels: list[Funnel]) -> list[dict[str, object]]:
    """One row per funnel step; `occurrence` = how often the same match was listed up to this step."""
    rows = []
    for funnel in funnels:
        seen: Counter[tuple] = Counter()
        for number, step in enumerate(funnel.steps, start=1):
            seen[tuple(sorted(step.match))] += 1
            window = None if funnel.window_days is None else float(funnel.window_days) * 86400
            rows.append({"funnel": funnel.name, "step": number, "label": step.label, "mode": funnel.mode,
                         "unit": funnel.unit, "window_seconds": window,
                         "occurrence": seen[tuple(sorted(step.match))],
                         **{key: dict(step.match).get(key) for key in STEP_KEYS}})
    return rows


def steps_table(funnels: list[Funnel]) -> pa.Table:
    return pa.Table.from_pylist(step_rows(funnels), schema=pa.schema(STEP_COLUMNS))


def steps_cte(funnel: Funnel) -> tuple[str, dict[str, object]]:
    """The `funnel_steps` of one ad-hoc funnel as a VALUES query, every value a bound parameter."""
    params: dict[str, object] = {}
    rows = []
    for i, row in enumerate(step_rows([funnel])):
        cells = []
        for column, kind in STEP_COLUMNS.items():
            params[f"fs_{i}_{column}"] = row[column]
            sql_type = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.float64(): "DOUBLE"}[kind]
            cells.append(f"CAST($fs_{i}_{column} AS {sql_type})")
        rows.append(f"({', '.join(cells)})")
    # only placeholders and fixed column names are in the text
    return f"SELECT * FROM (VALUES {', '.join(rows)}) AS v({', '.join(STEP_COLUMNS)})", params  # noqa: S608


# --- the mart -----------------------------------------------------------------------------------------------


def build_funnels(ctx: RunContext) -> Metadata:
    """marts.funnels: every funnel of the funnels file (settings.funnels), with breakdowns."""
    funnels = load_funnels(ctx.settings.funnels)
    ctx.engine.register("funnel_steps", steps_table(funnels))
    try:
        rows = build_table(ctx.engine, "marts.funnels", ctx.params)
    finally:
        ctx.engine.unregister("funnel_steps")
    return {"rows": rows, "funnels": [f.name for f in funnels], "file": str(ctx.settings.funnels)}
