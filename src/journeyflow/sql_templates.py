"""The SQL files in `sql/` and how they become the SQL that runs: where they are (`SQL_DIR`),
quoting names and values that come from files (`quote_ident`, `quote_literal`), inlining the
fragments (`{{ name(arg) }}`) and the per-source unions, and a model's text (`sql_text`).
`$name` parameters stay in the text: the engines bind them (`engines.used_params`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from journeyflow.config import PROJECT_ROOT
from journeyflow.sources import EVENT_COLUMNS, OPTIONAL_EVENT_COLUMNS, SOURCES, Source


def find_sql_dir() -> Path:
    """The folder of the SQL files (and checks.yaml, bi/contract.yaml), found the same way however
    journeyflow is installed: $JOURNEYFLOW_SQL_DIR if set; else the package's own `sql/` (a wheel
    install, where pyproject.toml maps the repository's top-level sql/ to journeyflow/sql/); else
    the checkout's top-level `sql/` (an editable install, or src/ on the path)."""
    if "JOURNEYFLOW_SQL_DIR" in os.environ:
        return Path(os.environ["JOURNEYFLOW_SQL_DIR"])
    shipped = Path(__file__).resolve().with_name("sql")
    return shipped if shipped.is_dir() else PROJECT_ROOT / "sql"


SQL_DIR = find_sql_dir()


def quote_literal(text: str) -> str:
    """Quote a string literal for statements that take no parameters (ATTACH, COMMENT ON, COPY TO)."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB so names from files can never inject SQL."""
    return '"' + name.replace('"', '""') + '"'


# a column, `$parameter` or name; or a short string literal without commas (a label)
_ARG = r"(?:\$?[a-z_][a-z0-9_.$]*|'[^',{}\n]*')"
_FRAGMENT = re.compile(
    r"\{\{\s*([a-z_]+)\(\s*(" + _ARG + r"(?:\s*,\s*" + _ARG + r")*)\s*\)\s*\}\}"
)


def expand_fragments(query: str) -> str:
    """Inline `{{ name(arg) }}` from `sql/_fragments/name.sql`, its `$arg` replaced by `arg`.

    `arg` is a column (`n.value_text`), a `$parameter`, a name (a table, a survey) or a string literal
    without commas (`'Created time'`, a label the fragment shows). With several
    arguments, `{{ name(a, b) }}`, the fragment uses `$arg1`, `$arg2`, ... instead. Plain text
    substitution, so the SQL that runs (and is transpiled for Spark) has no macros. A fragment may
    use other fragments.
    """

    def inline(match: re.Match[str]) -> str:
        lines = (SQL_DIR / "_fragments" / f"{match[1]}.sql").read_text(encoding="utf-8").splitlines()
        body = "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip()
        args = re.split(r"\s*,\s*", match[2])
        if len(args) == 1:
            body = body.replace("$arg", args[0])
        else:
            # highest number first, so that `$arg1` does not eat the start of `$arg10`
            for number in range(len(args), 0, -1):
                body = body.replace(f"$arg{number}", args[number - 1])
        return expand_fragments(body)

    return _FRAGMENT.sub(inline, query)


def source_events_sql(name: str) -> str | None:
    """sql/staging/events/<name>.sql over the canonical columns (None: the source makes no events).

    `events_sql` names the file, so an incremental run can replace exactly the rows it made (a
    source's file may emit events of another source table: Salesforce opportunity history).
    """
    path = SQL_DIR / "staging" / "events" / f"{name}.sql"
    if not path.exists():
        return None
    body = expand_fragments(path.read_text(encoding="utf-8")).strip().rstrip(";")
    # an optional column the file does not select (`... as <column>`) is NULL for its events
    optional = [column if re.search(rf"\bas\s+{column}\b", body, re.IGNORECASE)
                else f"cast(null as {kind}) as {column}" for column, kind in OPTIONAL_EVENT_COLUMNS.items()]
    columns = ", ".join((*EVENT_COLUMNS, *optional))
    return f"select '{name}' as events_sql, {columns} from (\n{body}\n)"


def _events_of_every_source() -> str:
    """UNION ALL of sql/staging/events/<source>.sql over the canonical columns, registry order."""
    selects = [source_events_sql(source.name) for source in SOURCES]
    return "\nunion all\n".join(select for select in selects if select)


def _records_of_every_source() -> str:
    """Every staging.<source>'s lineage and outcome columns, UNION ALL (quality accounting)."""
    return "\nunion all\n".join(
        f"select '{s.raw_table}' as raw_table, _source_file, _row_number, _load_id, _reject_reason, "
        f"_is_duplicate from {s.staged_table}"
        for s in SOURCES
    )


def _raw_records_of_rejects() -> str:
    """The raw records that the CTE `record_rejects` names, with their lineage, UNION ALL.

    Each branch keeps only the rows and files of its table's rejects before it reads `record`: the
    filters reach the scan, so the text of millions of good rows is never read (3.9 s → 0.8 s at 10M
    events for a handful of rejects). The rejects of raw.<source> are the rows of its staged table
    with a reject reason (what `record_rejects` selects of it through staging.record_outcomes),
    read there: through the CTE, each of the 114 subqueries was the union of every staged table,
    which Spark analyses and optimises one by one before it can drop the other tables (~6,500
    relations in one plan; docs/performance.md, 2026-12-08).
    """
    return "\nunion all\n".join(
        f"select '{s.raw_table}' as raw_table, _source_file, _row_number, {_shown_record(s)} as record"
        f" from {s.raw_table}"
        f" where _row_number in (select _row_number from {s.staged_table} where _reject_reason is not null)"
        f" and _source_file in (select _source_file from {s.staged_table} where _reject_reason is not null)"
        for s in SOURCES
    )


_MEMBER_NAMES = re.compile(r"[a-z0-9_]+(\|[a-z0-9_]+)*")


def _shown_record(source: Source) -> str:
    """`record`, or for an export with a column per custom field (`Source.shown_members`) the record
    with every other member's value redacted: such a column is named by the account, not the vendor."""
    if not source.shown_members:
        return "record"
    names = "|".join(source.shown_members)
    if not _MEMBER_NAMES.fullmatch(names):
        raise ValueError(f"{source.raw_table}: shown_members must be lower-case names, got {names}")
    return f"{{{{ documented_members_only(record, '{names}') }}}}"


def _tables_with_custom_columns() -> str:
    """The raw tables whose records are shown through `_shown_record`, as a SQL list: a line of theirs
    that could not be parsed into columns cannot be shown member by member."""
    return ", ".join(f"'{s.raw_table}'" for s in SOURCES if s.shown_members)


_UNIONS = {
    "events_of_every_source": _events_of_every_source,
    "records_of_every_source": _records_of_every_source,
    "raw_records_of_rejects": _raw_records_of_rejects,
    "tables_with_custom_columns": _tables_with_custom_columns,
}
_UNION = re.compile(r"\{\{\s*(" + "|".join(_UNIONS) + r")\s*\}\}")


def expand_sql(text: str, events_of_sources: str | None = None) -> str:
    """Inline the per-source unions and the fragments: the SQL that actually runs.

    `events_of_sources` replaces `{{ events_of_every_source }}` (an incremental run derives the
    events of a few sources or files only).
    """
    text = "\n".join(line for line in text.splitlines()
                     if "{{" not in line or not line.lstrip().startswith("--"))
    unions = dict(_UNIONS)
    if events_of_sources is not None:
        unions["events_of_every_source"] = lambda: events_of_sources
    return expand_fragments(_UNION.sub(lambda m: unions[m[1]](), text))


def sql_text(table: str, events_of_sources: str | None = None) -> str:
    """The SQL that builds `layer.table`, read from `sql/<layer>/<table>.sql`, expanded."""
    layer, name = table.split(".")
    return expand_sql((SQL_DIR / layer / f"{name}.sql").read_text(encoding="utf-8"), events_of_sources)
