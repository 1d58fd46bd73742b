"""Until the imports name them: the warehouse helpers' new homes (connection, sql_templates, release)."""

from __future__ import annotations

from journeyflow.connection import (  # noqa: F401
    _LOCKING,
    OWNER_ONLY,
    RAW_CATALOG,
    READER_CONFIG,
    READER_SANDBOX,
    SCHEMAS,
    ReadOnlyRefused,
    _connect_reader,
    _has_schema,
    attach_raw,
    connect,
    connect_published,
    create_view,
    drop_view_named_like,
    first_line,
    make_private,
    private_files,
    refused_by_sandbox,
    row_count,
    table_exists,
    table_type,
    transaction,
)
from journeyflow.release import (  # noqa: F401
    _copy_synced,
    copy_working_file,
)
from journeyflow.sql_templates import (  # noqa: F401
    _ARG,
    _FRAGMENT,
    _UNION,
    _UNIONS,
    SQL_DIR,
    _events_of_every_source,
    _raw_records_of_rejects,
    _records_of_every_source,
    expand_fragments,
    expand_sql,
    find_sql_dir,
    quote_ident,
    quote_literal,
    source_events_sql,
    sql_text,
)
