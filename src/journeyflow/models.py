"""The model layer: what every SQL model builds, reads and how it is rebuilt, read off the files.

Each `sql/<layer>/<table>.sql` is one model of `layer.table`. Its SQL is parsed once with sqlglot
(DuckDB dialect, fragments and per-source unions expanded as they run): the tables it reads
(schema-qualified names; CTEs and temp tables have none) and its `$parameters` come from the tree.
What the SQL cannot say is in a header line among its leading comments:

    -- model: kind=by_person key=person_id
    -- grain: one row per session (...)

`kind` (KINDS) is how an incremental run rebuilds the table and `key` the column it rebuilds by;
`materialized` is table (default) or view; `writes` lists extra tables its step writes with it
(bookkeeping the builder keeps beside it); `built_by` names the step that runs it when that is
not the step of its own name (staging.event_versions is built with staging.events).

`catalogue` joins the models with the Python steps' own declarations (tables written and read)
into one producer per table (or artifact: exports.journey_graph, bi.views); the pipeline's step
dependencies, the Dagster assets' lineage and the bi contract's `requires` follow from it. Two
producers of a table, a table read that nobody produces, a model without a header, an unknown kind:
`ModelError`, naming the file.
docs/architecture.md ("Models") explains the header with a worked example.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Protocol

import sqlglot
from sqlglot import exp

from journeyflow.engines.transpile import parse
from journeyflow.sql_refs import tables_in
from journeyflow.sql_templates import SQL_DIR, expand_sql

HEADER = "-- model:"
GRAIN = "-- grain:"

# How an incremental run rebuilds a table (journeyflow/incremental.py does it; a full run rebuilds all)
KINDS: dict[str, str] = {
    "full": "rebuilt whole on every run",
    "by_file": "the rows of export files that are new, changed or gone are derived again",
    "by_event": "the rows of events that changed (or whose person did) are derived again",
    "by_person": "the rows of persons whose touchpoints changed are derived again",
    "by_component": "the identifiers of identity components a changed link touches are labelled again",
    "append_by_day": "rows of a new day are appended, earlier days kept (no model uses it yet)",
}
MATERIALIZATIONS = ("table", "view")
FIELDS = ("kind", "key", "materialized", "writes", "built_by")

# Folders under sql/ that hold text other models include, not models: `{{ fragment(...) }}` and the
# per-source event selects of `{{ events_of_every_source }}` (staging.event_versions)
INCLUDED = ("_fragments", "staging/events")

# Tables the run machinery keeps for itself beside every step's table (no step's data, no asset):
# which module writes them and why. Every other table in the warehouse has one producer.
BOOKKEEPING: dict[str, str] = {
    "quality.build_state": "journeyflow.incremental: what each table was built from (SQL, settings)",
    "quality.change_log": "journeyflow.changelog: the keys each incremental update changed",
    "quality.change_log_seen": "journeyflow.changelog: how far each reader has read the change log",
    "quality.check_results": "journeyflow.checks: every quality check's outcome, per run",
    "quality.table_counts": "journeyflow.checks: the row count of each checked table, per run",
}


class ModelError(ValueError):
    """A model file or step declaration the model layer cannot accept (the message names the file)."""


@dataclass(frozen=True)
class Model:
    """One SQL model: the table it builds, how, and what it reads (from the parsed SQL)."""

    table: str
    path: Path
    kind: str
    key: str | None
    materialized: str
    writes: tuple[str, ...]
    built_by: str
    grain: str
    reads: frozenset[str]
    params: frozenset[str]

    @property
    def file(self) -> str:
        """The path as the project names it (sql/core/sessions.sql)."""
        return f"sql/{self.path.parent.name}/{self.path.name}"


def table_of(path: Path) -> str:
    """sql/core/sessions.sql -> core.sessions."""
    return f"{path.parent.name}.{path.stem}"


def model_paths(sql_dir: Path = SQL_DIR) -> list[Path]:
    """Every model file: sql/<layer>/<table>.sql, without the included text (INCLUDED)."""
    included = [sql_dir / folder for folder in INCLUDED]
    return sorted(p for p in sql_dir.rglob("*.sql")
                  if not any(p.is_relative_to(folder) for folder in included))


def parse_header(name: str, text: str) -> dict[str, str]:
    """The `-- model:` fields and the grain of a model's leading comment block.

    `name` is the file, for the errors: a file without the header, an unknown field, a field
    without `=value`, twice the same field.
    """
    comments = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        comments.append(stripped)
    headers = [line for line in comments if line.startswith(HEADER)]
    if len(headers) != 1:
        found = "no" if not headers else f"{len(headers)}"
        raise ModelError(
            f"{name}: {found} '{HEADER}' line in its leading comments; a model file declares one, "
            f"e.g. '{HEADER} kind=full' (kinds: {', '.join(KINDS)}; docs/architecture.md, Models)"
        )
    fields: dict[str, str] = {}
    for item in headers[0].removeprefix(HEADER).split():
        key, equals, value = item.partition("=")
        if not equals or not value:
            raise ModelError(f"{name}: '{item}' in its model header is not field=value")
        if key not in FIELDS:
            raise ModelError(f"{name}: unknown field '{key}' in its model header "
                             f"(fields: {', '.join(FIELDS)})")
        if key in fields:
            raise ModelError(f"{name}: field '{key}' twice in its model header")
        fields[key] = value
    grains = [line for line in comments if line.startswith(GRAIN)]
    if not grains:
        raise ModelError(f"{name}: no '{GRAIN}' line in its leading comments (what one row is)")
    fields["grain"] = grains[0].removeprefix(GRAIN).strip()
    return fields


def parse_model(path: Path, text: str | None = None) -> Model:
    """One model file: its header checked, its SQL expanded and parsed for tables and parameters."""
    name = f"sql/{path.parent.name}/{path.name}"
    text = path.read_text(encoding="utf-8") if text is None else text
    fields = parse_header(name, text)
    kind = fields.get("kind")
    if kind is None:
        raise ModelError(f"{name}: its model header has no kind (kinds: {', '.join(KINDS)})")
    if kind not in KINDS:
        raise ModelError(f"{name}: unknown kind '{kind}' in its model header (kinds: {', '.join(KINDS)})")
    key = fields.get("key")
    if kind != "full" and not key:
        raise ModelError(f"{name}: kind {kind} needs the key it is rebuilt by (key=<column>)")
    materialized = fields.get("materialized", "table")
    if materialized not in MATERIALIZATIONS:
        raise ModelError(f"{name}: materialized={materialized}: a model is a table or a view")
    if materialized == "view" and kind != "full":
        raise ModelError(f"{name}: a view is never rebuilt in parts: kind must be full, not {kind}")
    writes = tuple(w for w in fields.get("writes", "").split(",") if w)
    for table in writes:
        if table.count(".") != 1:
            raise ModelError(f"{name}: writes={table}: name extra tables as layer.table")
    try:
        tables, params = _tables_and_params(expand_sql(text))
    except Exception as exc:  # sqlglot's ParseError, a fragment that is missing
        raise ModelError(f"{name}: its SQL does not parse: {str(exc).splitlines()[0]}") from exc
    table = table_of(path)
    return Model(table, path, kind, key, materialized, writes, fields.get("built_by", table),
                 fields["grain"], tables - {table}, params)


def _tables_and_params(query: str) -> tuple[frozenset[str], frozenset[str]]:
    """The schema-qualified tables and the `$parameters` of one statement, from its sqlglot tree.

    Parsing all models takes sqlglot about 3 s, paid by every process that imports the pipeline
    (the CLI, each Dagster worker): the result is kept per SQL text and sqlglot version in the
    user's cache folder, so an unchanged file is not parsed again.
    """
    digest = hashlib.sha256(query.encode()).hexdigest()
    cached = _parse_cache().get(digest)
    if cached is not None:
        return frozenset(cached[0]), frozenset(cached[1])
    tree = parse(query)
    tables = frozenset(tables_in(tree))
    params = frozenset(p.name for p in tree.find_all(exp.Placeholder) if p.name)
    _parse_cache()[digest] = [sorted(tables), sorted(params)]
    _PARSE_CACHE_CHANGED.append(digest)
    return tables, params


_PARSE_CACHE: dict[str, list[list[str]]] = {}
_PARSE_CACHE_CHANGED: list[str] = []
_PARSE_CACHE_READ: list[bool] = []


def _parse_cache_file() -> Path:
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "journeyflow"
    return folder / f"models-sqlglot-{sqlglot.__version__}.json"


def _parse_cache() -> dict[str, list[list[str]]]:
    if not _PARSE_CACHE_READ:  # once per process; none, or unreadable: everything is parsed
        _PARSE_CACHE_READ.append(True)
        with contextlib.suppress(OSError, ValueError):
            _PARSE_CACHE.update(json.loads(_parse_cache_file().read_text(encoding="utf-8")))
    return _PARSE_CACHE


def _save_parse_cache() -> None:
    """Write the cache (atomically, by rename) when this process parsed something new; a cache
    folder that cannot be written only costs the next process the parsing."""
    if not _PARSE_CACHE_CHANGED:
        return
    path = _parse_cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(_PARSE_CACHE, handle)
        os.replace(temp, path)
        _PARSE_CACHE_CHANGED.clear()
    except OSError:
        pass


def load_models(sql_dir: Path = SQL_DIR) -> dict[str, Model]:
    """Every model of `sql_dir`, by table (parsed once per process for the shipped folder)."""
    return dict(_load_models(sql_dir))


@cache
def _load_models(sql_dir: Path) -> tuple[tuple[str, Model], ...]:
    models = tuple((table_of(path), parse_model(path)) for path in model_paths(sql_dir))
    _save_parse_cache()
    return models


class StepDeclaration(Protocol):
    """What a pipeline step says of itself beside its models (journeyflow.pipeline.Step)."""

    name: str
    reads: tuple[str, ...]  # tables its Python code reads
    writes: tuple[str, ...]  # tables its Python code writes (no model of their own)


@dataclass(frozen=True)
class Producer:
    """Who builds a table: the step that runs, the model (if any), and the tables it reads."""

    table: str
    step: str
    reads: frozenset[str]
    model: Model | None = None
    origin: str = ""  # "sql/core/sessions.sql", "the Python step raw.ga4_events"

    @property
    def kind(self) -> str | None:
        return self.model.kind if self.model else None


def catalogue(models: Mapping[str, Model], steps: Iterable[StepDeclaration]) -> dict[str, Producer]:
    """One producer per table, from the models and the steps' Python declarations.

    A table built by two (a model and a step's `writes`, two models' `writes`), a model whose
    `built_by` names no step, or a table read that nobody produces: ModelError naming the file.
    """
    steps = list(steps)
    names = {step.name for step in steps}
    producers: dict[str, Producer] = {}

    def add(producer: Producer) -> None:
        if producer.table in BOOKKEEPING:
            raise ModelError(f"{producer.origin}: writes {producer.table}, which the run machinery "
                             f"keeps ({BOOKKEEPING[producer.table]})")
        other = producers.get(producer.table)
        if other is not None:
            raise ModelError(f"{producer.origin}: writes {producer.table}, which {other.origin} "
                             "writes already: one producer per table")
        producers[producer.table] = producer

    for model in models.values():
        if model.built_by not in names:
            raise ModelError(f"{model.file}: built_by={model.built_by} names no pipeline step")
        add(Producer(model.table, model.built_by, model.reads, model, model.file))
        for extra in model.writes:
            add(Producer(extra, model.built_by, model.reads, model, f"{model.file} (writes=)"))
    for step in steps:
        for table in step.writes:
            reads = frozenset(step.reads) - {table}
            add(Producer(table, step.name, reads, None, f"the Python step {step.name}"))
    # Python code of a step reads beside its models' SQL (attribution reads marts.path_steps)
    for step in steps:
        for producer in [p for p in producers.values() if p.step == step.name and p.model]:
            producers[producer.table] = replace(
                producer, reads=producer.reads | (frozenset(step.reads) - {producer.table}))
    for producer in producers.values():
        missing = sorted(producer.reads - producers.keys())
        if missing:
            raise ModelError(f"{producer.origin}: reads {', '.join(missing)}, which no model or step "
                             "produces (a typo, or a model file or step declaration missing)")
    check_kinds(producers)
    return producers


# The table whose changed persons an incremental run rebuilds the by_person models for (its change
# log lists them): journeyflow.incremental.build_per_person restricts it to those persons.
PERSON_ROWS = "core.touchpoints"


def built_from(table: str, root: str, producers: Mapping[str, Producer]) -> bool:
    """Whether `table` is `root` or reads it, directly or through other tables."""
    seen: set[str] = set()
    todo = [table]
    while todo:
        current = todo.pop()
        if current == root:
            return True
        if current not in seen and current in producers:
            seen.add(current)
            todo.extend(producers[current].reads)
    return False


def check_kinds(producers: Mapping[str, Producer]) -> None:
    """The rules of the by_person kind, checked when the models load, not by a slow test.

    An incremental run rebuilds a by_person model for the changed persons only, from their rows of
    core.touchpoints. Besides that it may read other by_person tables (their rows of the same
    persons are rebuilt earlier in the run) and lookup tables that no person's data changes (taxonomy
    phases, channel sources: their content is in the build state, so a change rebuilds it all). A
    table built over every person's touchpoints (a total, a graph, a mart) would join the rebuilt
    persons to figures of the last run: ModelError naming the file and the table.
    """
    for producer in producers.values():
        model = producer.model
        if model is None or model.kind != "by_person" or producer.table != model.table:
            continue  # extra tables (writes=) are the builder's bookkeeping
        if model.table == PERSON_ROWS:
            continue
        if PERSON_ROWS not in model.reads:
            raise ModelError(f"{model.file}: kind=by_person but it does not read {PERSON_ROWS}: an "
                             f"incremental run rebuilds it from the changed persons' rows of "
                             f"{PERSON_ROWS} (or make it kind=full)")
        for table in sorted(producer.reads - {PERSON_ROWS}):
            if producers[table].kind == "by_person" or not built_from(table, PERSON_ROWS, producers):
                continue
            raise ModelError(
                f"{model.file}: kind=by_person reads {table}, which is built over every person's "
                f"{PERSON_ROWS}: an incremental run would join the rebuilt persons to the other "
                "persons' figures of the last run. Pass a total over all persons in as a "
                "parameter computed by the step (as core.journeys gets $data_end_epoch), or make "
                "the model kind=full (docs/architecture.md, Models)")


def lookup_tables(table: str, producers: Mapping[str, Producer]) -> tuple[str, ...]:
    """The lookup tables a by_person model depends on: read by it or by the by_person tables it
    reads, and built from no person's data. Their content goes into its build state."""
    found: set[str] = set()
    todo = [table]
    seen: set[str] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for read in producers[current].reads:
            if read == PERSON_ROWS:
                continue  # its own build state covers its inputs; its change log, the persons
            if producers[read].kind == "by_person":
                todo.append(read)
            elif not built_from(read, PERSON_ROWS, producers):
                found.add(read)
    return tuple(sorted(found))


def step_reads(step: StepDeclaration, producers: Mapping[str, Producer]) -> frozenset[str]:
    """The tables a step's tables read (its own left out), plus what the step declares it reads."""
    own = {table for table, p in producers.items() if p.step == step.name}
    read = set(step.reads).union(*(producers[t].reads for t in own))
    return frozenset(read - own)


def step_deps(
    steps: Iterable[StepDeclaration], producers: Mapping[str, Producer]
) -> dict[str, tuple[str, ...]]:
    """Each step's upstream steps: the producers of the tables it reads, in the steps' order.

    A step that reads what a later step produces is an error: the pipeline runs steps in order.
    """
    steps = list(steps)
    order = {step.name: index for index, step in enumerate(steps)}
    deps: dict[str, tuple[str, ...]] = {}
    for step in steps:
        if producers.get(step.name) is None or producers[step.name].step != step.name:
            raise ModelError(f"step {step.name} produces nothing of its name: give it a model "
                             f"sql/{step.name.replace('.', '/')}.sql or declare writes=('{step.name}',)")
        upstream = {producers[table].step for table in step_reads(step, producers)} - {step.name}
        later = sorted(u for u in upstream if order[u] > order[step.name])
        if later:
            raise ModelError(f"step {step.name} reads what {', '.join(later)} builds, which runs after it")
        deps[step.name] = tuple(sorted(upstream, key=order.__getitem__))
    return deps
