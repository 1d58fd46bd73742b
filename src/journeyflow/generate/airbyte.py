"""HubSpot as Airbyte's HubSpot source's stream tables instead of the CRM exports (issue #26).

`generate --hubspot-format airbyte` writes the generated HubSpot records (contacts.csv, deals.csv and
the CRM v3 engagements of core.py and crm.py) as the final tables (Destinations V2) of Airbyte's
streams dumped to Parquet: `airbyte_hubspot/contacts.parquet`, `deals`, `engagements_calls`,
`engagements_meetings`, `engagements_emails`, each property flattened into `properties_<internal
name>` (the internal values of hs_analytics_source and of the default pipeline's stages), the
associated contacts' ids as the list `contacts`, `archived`, and Airbyte's `_airbyte_raw_id`,
`_airbyte_extracted_at`, `_airbyte_meta`, `_airbyte_generation_id` (docs/sources.md "HubSpot via
Airbyte"). It starts from the same typed records as `--hubspot-format fivetran` (fivetran.py), so a
record a table cannot hold is left out the same way (the contacts row with a field too many, an
engagement exported twice) and a value a typed column cannot hold is empty (`Amount` "n/a"). A
format conversion: no random draws, every other file is unchanged.

`generate --salesforce-format airbyte` writes the generated Salesforce Data Export files (crm.py) as
the final tables of Airbyte's Salesforce streams, one per sObject named after it:
`airbyte_salesforce/Lead.parquet`, `Contact`, `Opportunity`, `OpportunityHistory`,
`OpportunityContactRole`, with the API field names as columns, typed as Fivetran's tables are (UTC
timestamps, dates, booleans, numbers: `Amount` "n/a" and `CreatedDate` "31.02.2026 10:00" become
empty), `IsDeleted` and `SystemModstamp`, and Airbyte's columns (docs/sources.md "Salesforce via
Airbyte"). A deduplicated table holds a record once: the export's row repeated right after itself is
left out.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from journeyflow.generate.fivetran import (
    EXPORT_COUNTS,
    hubspot_fivetran_tables,
    remove_hubspot_export,
    salesforce_typed,
)

HUBSPOT_STREAMS = {"engagement_call": "engagements_calls", "engagement_meeting": "engagements_meetings",
                   "engagement_email": "engagements_emails"}
_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
           "contractsent", "closedwon", "closedlost")
_ISO_MS = "%Y-%m-%dT%H:%M:%S%.3fZ"  # how HubSpot's API writes a datetime property


def _airbyte_columns(stream_no: int, synced: pl.Expr) -> list[pl.Expr]:
    """Airbyte's own columns of a final table's rows: a fixed UUID-shaped id per row, the sync's time."""
    return [pl.format("{}-0000-4000-8000-{}", pl.lit(f"{stream_no:08d}"),
                      pl.int_range(pl.len()).cast(pl.String).str.zfill(12)).alias("_airbyte_raw_id"),
            synced.alias("_airbyte_extracted_at"),
            pl.lit('{"changes":[],"sync_id":1}').alias("_airbyte_meta"),
            pl.lit(1, pl.Int64).alias("_airbyte_generation_id")]


def _with_properties(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """Fivetran's `<prefix><name>` columns as Airbyte's `properties_<name>`, and the nested
    `properties` object (JSON text, datetimes as the API writes them) beside them."""
    names = {c: c.removeprefix(prefix) for c in frame.columns if c.startswith(prefix)}
    nested = pl.struct(*[(pl.col(c).dt.strftime(_ISO_MS) if frame.schema[c] == pl.Datetime("us", "UTC")
                          else pl.col(c).cast(pl.String)).alias(name) for c, name in names.items()])
    return frame.with_columns(nested.struct.json_encode().alias("properties")).rename(
        {c: f"properties_{name}" for c, name in names.items()})


def convert_hubspot_to_airbyte(out_dir: Path, synced_us: int) -> dict[str, int]:
    """Replace out_dir/hubspot/ by the same records as Airbyte's HubSpot streams,
    out_dir/airbyte_hubspot/<stream>.parquet; return the rows per raw table, in place of the export's
    counts."""
    source, target = out_dir / "hubspot", out_dir / "airbyte_hubspot"
    target.mkdir(parents=True, exist_ok=True)
    tables = hubspot_fivetran_tables(source, synced_us)
    remove_hubspot_export(source)
    synced = pl.lit(synced_us).cast(pl.Datetime("us", "UTC"))
    streams: dict[str, pl.DataFrame] = {}

    contacts = _with_properties(tables["contact"], "property_")
    streams["contacts"] = contacts.select(
        *_airbyte_columns(1, synced), pl.col("id").cast(pl.String), "properties",
        pl.col("^properties_.*$"), pl.col("properties_createdate").alias("createdAt"),
        synced.alias("updatedAt"), pl.col("is_deleted").alias("archived"))

    # hs_date_entered_<stage>: the latest time the deal entered the stage, as the API's text
    entered = tables["deal_stage"].group_by("deal_id", "value").agg(pl.col("date_entered").max())
    entered = entered.with_columns(pl.col("date_entered").dt.strftime(_ISO_MS)).pivot(
        on="value", index="deal_id", values="date_entered")
    entered = entered.select("deal_id", *[
        (pl.col(stage) if stage in entered.columns else pl.lit(None, pl.String))
        .alias(f"property_hs_date_entered_{stage}") for stage in _STAGES])
    associated = tables["deal_contact"].group_by("deal_id", maintain_order=True).agg(
        pl.col("contact_id").alias("contacts"))
    deals = tables["deal"].rename({"deal_pipeline_id": "property_pipeline",
                                   "deal_pipeline_stage_id": "property_dealstage"})
    deals = _with_properties(deals.join(entered, on="deal_id", how="left", maintain_order="left"),
                             "property_")
    streams["deals"] = deals.join(associated, on="deal_id", how="left", maintain_order="left").select(
        *_airbyte_columns(2, synced), pl.col("deal_id").cast(pl.String).alias("id"), "properties",
        pl.col("^properties_.*$"), pl.col("properties_createdate").alias("createdAt"),
        synced.alias("updatedAt"), pl.col("is_deleted").alias("archived"),
        pl.col("contacts").fill_null(pl.lit([], pl.List(pl.Int64))))

    links = tables["engagement_contact"].group_by("engagement_id", maintain_order=True).agg(
        pl.col("contact_id").cast(pl.String).alias("contacts"))
    created = tables["engagement"].select(pl.col("id").alias("engagement_id"),
                                          pl.col("timestamp").alias("createdAt"))
    for number, (table, stream) in enumerate(HUBSPOT_STREAMS.items(), start=3):
        frame = _with_properties(tables[table], "property_").join(
            created, on="engagement_id", how="left", maintain_order="left").join(
            links, on="engagement_id", how="left", maintain_order="left")
        streams[stream] = frame.select(
            *_airbyte_columns(number, synced), pl.col("engagement_id").cast(pl.String).alias("id"),
            "properties", pl.col("^properties_.*$"), "createdAt", synced.alias("updatedAt"),
            pl.col("_fivetran_deleted").alias("archived"),
            pl.col("contacts").fill_null(pl.lit([], pl.List(pl.String))))

    counts: dict[str, int] = {}
    for stream, frame in streams.items():
        frame.write_parquet(target / f"{stream}.parquet")
        raw = "airbyte_hubspot_" + ("engagements" if stream.startswith("engagements_") else stream)
        counts[raw] = counts.get(raw, 0) + frame.height
    return counts


# --------------------------------------------------------------------------------------------------
# Salesforce: `generate --salesforce-format airbyte`
# --------------------------------------------------------------------------------------------------
SALESFORCE_RAW = {"Lead": "leads", "Contact": "contacts", "Opportunity": "opportunities",
                  "OpportunityHistory": "opportunity_history",
                  "OpportunityContactRole": "opportunity_contact_roles"}


def convert_salesforce_to_airbyte(out_dir: Path, synced_us: int) -> dict[str, int]:
    """Replace out_dir/salesforce/*.csv by out_dir/airbyte_salesforce/<sObject>.parquet; return the
    rows per raw table, in place of the Data Export's counts."""
    source, target = out_dir / "salesforce", out_dir / "airbyte_salesforce"
    target.mkdir(parents=True, exist_ok=True)
    synced = pl.lit(synced_us).cast(pl.Datetime("us", "UTC"))
    counts = {}
    for number, sobject in enumerate(EXPORT_COUNTS, start=1):
        path = source / f"{sobject}.csv"
        records = pl.read_csv(path, infer_schema_length=0)  # every column as the text written
        records = records.unique("Id", keep="first", maintain_order=True)  # the table's one row per Id
        table = records.select(
            *_airbyte_columns(number, synced),
            *[salesforce_typed(field).alias(field) for field in records.columns],
            pl.lit(False).alias("IsDeleted"), synced.alias("SystemModstamp"))
        table.write_parquet(target / f"{sobject}.parquet")
        path.unlink()
        counts[f"airbyte_salesforce_{SALESFORCE_RAW[sobject]}"] = table.height
    if not any(source.iterdir()):
        source.rmdir()
    return counts
