"""GA4's source categories (search, social, shopping, video sites) as the table core.channel_sources.

The default channel group of a session is one SQL expression (`sql/_fragments/default_channel_group.sql`)
over the session's source, medium, campaign and its source's category, looked up in this table, so no
event passes through Python; the list ships as `channel_sources.yaml` beside the taxonomy.
"""

from __future__ import annotations

import functools
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

CHANNEL_SOURCES = Path(__file__).with_name("channel_sources.yaml")
SOURCE_CATEGORIES = ("search", "social", "shopping", "video")


@functools.lru_cache(maxsize=8)
def _parse_yaml(text: str) -> object:
    """Parsed once per distinct text: every run reads the file (pure-Python YAML)."""
    return yaml.safe_load(text)


def read_channel_sources(path: Path | None = None) -> list[tuple[str, str]]:
    """(source, category) pairs, lower-cased; an unknown category or a source listed twice is an error."""
    path = path or CHANNEL_SOURCES
    data = _parse_yaml(path.read_text(encoding="utf-8")) or {}
    unknown = sorted(set(data) - set(SOURCE_CATEGORIES))
    if unknown:
        raise ValueError(f"{path}: unknown source categories {unknown}; known: {list(SOURCE_CATEGORIES)}")
    pairs: dict[str, str] = {}
    for category in SOURCE_CATEGORIES:
        for source in data.get(category) or []:
            name = str(source).strip().lower()
            if name in pairs:
                raise ValueError(f"{path}: {name!r} is listed under {pairs[name]} and {category}")
            pairs[name] = category
    return sorted(pairs.items())


def write_channel_sources(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> int:
    """Write core.channel_sources (source, source_category); returns its number of rows."""
    pairs = read_channel_sources(path)
    frame = pa.table({"source": [s for s, _ in pairs], "source_category": [c for _, c in pairs]},
                     schema=pa.schema([("source", pa.string()), ("source_category", pa.string())]))
    con.register("channel_sources_frame", frame)
    try:
        con.execute("CREATE OR REPLACE TABLE core.channel_sources AS SELECT * FROM channel_sources_frame")
    finally:
        con.unregister("channel_sources_frame")
    return len(pairs)
