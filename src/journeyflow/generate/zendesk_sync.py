"""Zendesk as Fivetran's connector tables or Airbyte's stream tables instead of the API export (#26).

`generate --zendesk-format fivetran` writes the generated Zendesk records (zendesk/tickets.json,
users.json, satisfaction_ratings.json of core.py and support.py) as Fivetran's Zendesk Support
tables dumped to Parquet: `fivetran_zendesk/ticket.parquet`, `user`, `satisfaction_rating`, with the
connector's columns (the API's `via.channel` flattened to `via_channel`, tags and the embedded
satisfaction rating left out: Fivetran keeps them in other tables), typed UTC timestamps and
`_fivetran_synced` (`_fivetran_deleted` on `ticket` and `user`), docs/sources.md "Zendesk via
Fivetran". `--zendesk-format airbyte` writes them as the typed final tables of Airbyte's Zendesk
Support streams: `airbyte_zendesk/tickets.parquet`, `users`, `satisfaction_ratings`, the API record's
fields as columns, nested objects and lists (`via`, `satisfaction_rating`, `tags`) as JSON text,
beside `_airbyte_raw_id`, `_airbyte_extracted_at`, `_airbyte_meta`, `_airbyte_generation_id`
(docs/sources.md "Zendesk via Airbyte").

A format conversion, not new records: no random draws, so every other file is unchanged and the same
seed gives the same records either way. The export's defects stay as the tables hold them: the
ticket whose `created_at` is null, the rating of a deleted ticket (`ticket_id` null), the rating
created in 2099.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

# the API export's file -> its list key, Fivetran's table, Airbyte's stream
ZENDESK_FILES = {
    "tickets": ("ticket", "tickets"),
    "users": ("user", "users"),
    "satisfaction_ratings": ("satisfaction_rating", "satisfaction_ratings"),
}
ZENDESK_FORMATS = ("export", "fivetran", "airbyte")
ZENDESK_EXPORT_COUNTS = ("zendesk_tickets", "zendesk_users", "zendesk_satisfaction_ratings")
_API_TIME = "%Y-%m-%dT%H:%M:%SZ"
_TIMES = ("created_at", "updated_at", "due_at", "last_login_at")
# Fivetran's columns of each table that the export's records have (the Zendesk Support schema ERD;
# fivetran/dbt_zendesk_source's get_ticket_columns, get_user_columns, get_satisfaction_rating_columns)
_FIVETRAN_COLUMNS = {
    "ticket": ["id", "assignee_id", "brand_id", "created_at", "description", "due_at", "external_id",
               "group_id", "has_incidents", "is_public", "organization_id", "priority", "problem_id",
               "recipient", "requester_id", "status", "subject", "submitter_id", "type", "updated_at",
               "url", "via_channel", "via_source_rel"],
    "user": ["id", "active", "created_at", "email", "external_id", "last_login_at", "locale", "name",
             "organization_id", "phone", "role", "suspended", "time_zone", "updated_at", "url",
             "verified"],
    "satisfaction_rating": ["id", "assignee_id", "comment", "created_at", "group_id", "reason",
                            "requester_id", "score", "ticket_id", "updated_at", "url"],
}


def _records(path: Path, key: str) -> pl.DataFrame:
    """The list-endpoint body's records, one row each, nested objects as structs (none: no columns);
    a field null in every record gets a warehouse's type (an id a number, else text: `external_id`
    too), not Parquet's null type."""
    listed = json.loads(path.read_text(encoding="utf-8"))[key]
    records = pl.DataFrame(listed, infer_schema_length=None) if listed else pl.DataFrame()
    return records.with_columns(pl.col(c).cast(_warehouse_type(c)) for c, dtype in records.schema.items()
                                if dtype == pl.Null)


def _warehouse_type(column: str) -> pl.DataType:
    """The type of a column no record has a value of (or that no record has): ids are numbers."""
    if column in _TIMES:
        return pl.Datetime("us", "UTC")
    if column in ("has_incidents", "is_public", "active", "suspended", "verified"):
        return pl.Boolean()
    return pl.Int64() if column == "id" or column.endswith("_id") and column != "external_id" else pl.String()


def _typed_times(frame: pl.DataFrame) -> list[pl.Expr]:
    return [pl.col(c).cast(pl.String).str.strptime(pl.Datetime("us", "UTC"), _API_TIME, strict=False)
            for c in _TIMES if c in frame.columns]


def convert_zendesk(out_dir: Path, synced_us: int, fmt: str) -> dict[str, int]:
    """Replace out_dir/zendesk/*.json by the same records as Fivetran's tables (fmt "fivetran",
    out_dir/fivetran_zendesk/) or Airbyte's streams (fmt "airbyte", out_dir/airbyte_zendesk/);
    return the rows per raw table, in place of the export's counts."""
    if fmt not in ("fivetran", "airbyte"):
        raise ValueError(f"zendesk format must be fivetran or airbyte here, got {fmt!r}")
    source, target = out_dir / "zendesk", out_dir / f"{fmt}_zendesk"
    target.mkdir(parents=True, exist_ok=True)
    synced = pl.lit(synced_us).cast(pl.Datetime("us", "UTC"))
    counts = {}
    for number, (name, (fivetran_table, stream)) in enumerate(ZENDESK_FILES.items()):
        path = source / f"{name}.json"
        records = _records(path, name)
        if fmt == "fivetran":
            if "via" in records.columns:
                records = records.with_columns(
                    pl.col("via").struct.field("channel").alias("via_channel"),
                    pl.col("via").struct.field("source").struct.field("rel").cast(pl.String)
                    .alias("via_source_rel"))
            records = records.with_columns(_typed_times(records))
            table = records.select(
                pl.col(c) if c in records.columns else pl.lit(None, _warehouse_type(c)).alias(c)
                for c in _FIVETRAN_COLUMNS[fivetran_table]).with_columns(synced.alias("_fivetran_synced"))
            if fivetran_table != "satisfaction_rating":  # not in the dbt package's rating columns
                table = table.with_columns(pl.lit(False).alias("_fivetran_deleted"))
            table.write_parquet(target / f"{fivetran_table}.parquet")
            counts[f"fivetran_zendesk_{name}"] = table.height
        else:
            nested = [c for c, dtype in records.schema.items() if isinstance(dtype, (pl.Struct, pl.List))]
            # a struct's JSON as it is; a list's JSON from the one-field struct {"v": [...]}
            as_json = [pl.col(c).struct.json_encode() if isinstance(records.schema[c], pl.Struct)
                       else pl.struct(pl.col(c).alias("v")).struct.json_encode()
                       .str.extract(r'^\{"v":(.*)\}$').alias(c) for c in nested]
            raw_id = pl.format("{}-0000-4000-8000-{}", pl.lit(f"{number + 1:08d}"),
                               pl.int_range(pl.len()).cast(pl.String).str.zfill(12))
            table = records.with_columns(*_typed_times(records), *as_json).select(
                raw_id.alias("_airbyte_raw_id"), synced.alias("_airbyte_extracted_at"),
                pl.lit('{"changes":[],"sync_id":1}').alias("_airbyte_meta"),
                pl.lit(1, pl.Int64).alias("_airbyte_generation_id"), pl.all())
            table.write_parquet(target / f"{stream}.parquet")
            counts[f"airbyte_zendesk_{name}"] = table.height
        path.unlink()
    if not any(source.iterdir()):
        source.rmdir()
    return counts
