"""The one place where text leaves the raw layer: every staged table's text passes the PII scrubber.

The rule is SQL, `sql/_fragments/scrub_pii.sql` (emails, phone numbers, query-string parameters that
name a person). Rather than naming the scrubbed columns in each of the staging models (some 150
columns, and a column added later would leak until someone remembered it), the staging step wraps
each model's query: every text column is scrubbed unless it is a key. Keys stay as exported because
identity stitching and deduplication join on them; emails never appear as keys, only hashed (the
staging models hash them from the original text before this wrapper sees the row).
"""

from __future__ import annotations

import re

import duckdb

from journeyflow.sql_templates import expand_fragments, quote_ident

# lineage, person and record ids (`user_id`, `crm_contact_ids`, `email_hash`, `event_key`, Snowplow's
# `domain_userid`), and a custom source's mapped event id: joined on, so never rewritten
KEY_COLUMN = re.compile(r"_(id|ids|hash|key)$|^_source_file$|^domain_(userid|sessionid)$|^event_id_text$")
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_TEXT_TYPES = ("VARCHAR", "JSON")


def is_key(column: str) -> bool:
    return bool(KEY_COLUMN.search(column))


def scrub_text_columns(con: duckdb.DuckDBPyConnection, query: str, params: dict) -> str:
    """`query` with each of its VARCHAR and JSON columns that is not a key passed through
    {{ scrub_pii }}, in the same order (a JSON column stays JSON: the placeholders land inside its
    strings, and none of the patterns can span a quote).

    A key or a non-text column passes unchanged; text inside a list or struct must be a key, since
    the scrubber reads plain text only: such a column that is not one stops the build by name.
    """
    columns = con.execute(f"DESCRIBE {query}", params).fetchall()
    select = []
    for name, data_type, *_ in columns:
        holds_text = any(t in data_type for t in _TEXT_TYPES)
        if not holds_text or is_key(name):
            select.append(quote_ident(name))
        elif data_type not in _TEXT_TYPES or not _NAME.fullmatch(name):
            raise ValueError(f"column {name} ({data_type}) holds text the PII scrubber cannot read: "
                             "make it plain text, or name it as a key (journeyflow/pii.py)")
        else:
            select.append(expand_fragments(f"{{{{ scrub_pii({name}) }}}} AS {name}"))
    return "SELECT\n" + ",\n".join(select) + f"\nFROM (\n{query}\n)"
