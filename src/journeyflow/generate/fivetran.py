"""Fivetran's Salesforce and HubSpot connector tables instead of the export files (issue #26).

`generate --salesforce-format fivetran` writes the generated Salesforce records (crm.py)
as the connector's tables dumped to Parquet: `fivetran_salesforce/lead.parquet`, `contact`,
`opportunity`, `opportunity_history`, `opportunity_contact_role`, with Fivetran's snake_case
column names (CreatedDate -> created_date), its types (UTC timestamps, dates, booleans, numbers)
and its `is_deleted`, `_fivetran_deleted`, `_fivetran_synced` columns. A format conversion, not new
records: no random draws, so every other file is unchanged, and the same seed gives the same
events either way. A defect that a typed column cannot hold (`Amount` "n/a", a `CreatedDate`
"31.02.2026 10:00") becomes an empty value, as a warehouse would refuse the text.

`generate --hubspot-format fivetran` does the same for HubSpot (contacts.csv, deals.csv and the CRM
v3 engagements): `fivetran_hubspot/contact.parquet`, `deal`, `deal_stage`, `deal_contact`,
`engagement`, `engagement_contact`, `engagement_call`, `engagement_meeting`, `engagement_email`,
with the connector's column names (a property as `property_<internal name>`, the internal values of
hs_analytics_source and of the default pipeline's stages) and UTC timestamps (docs/sources.md
"HubSpot via Fivetran"). A record a table cannot hold is left out (the contacts row with a field
too many, an engagement exported twice).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import polars as pl

from journeyflow.generate.core import HUBSPOT_FMT
from journeyflow.generate.crm import HUBSPOT_API_FMT as API_FMT

# Data Export file -> Fivetran table, and the raw table its rows land in
FIVETRAN_TABLES = {
    "Lead": ("lead", "fivetran_salesforce_leads"),
    "Contact": ("contact", "fivetran_salesforce_contacts"),
    "Opportunity": ("opportunity", "fivetran_salesforce_opportunities"),
    "OpportunityHistory": ("opportunity_history", "fivetran_salesforce_opportunity_history"),
    "OpportunityContactRole": ("opportunity_contact_role",
                               "fivetran_salesforce_opportunity_contact_roles"),
}
EXPORT_COUNTS = {
    "Lead": "salesforce_leads", "Contact": "salesforce_contacts",
    "Opportunity": "salesforce_opportunities", "OpportunityHistory": "salesforce_opportunity_history",
    "OpportunityContactRole": "salesforce_opportunity_contact_roles",
}
_TIMESTAMPS = {"CreatedDate"}
_DATES = {"ConvertedDate", "CloseDate"}
_BOOLEANS = {"IsConverted", "IsClosed", "IsWon", "IsPrimary"}
_NUMBERS = {"Amount"}


def snake_case(field: str) -> str:
    """Fivetran's column name for a Salesforce field: ConvertedContactId -> converted_contact_id."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()


def salesforce_typed(field: str) -> pl.Expr:
    """A Data Export column (text) as the typed column a connector writes, named in snake_case."""
    column = pl.col(field)
    if field in _TIMESTAMPS:
        column = column.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.3f%z", strict=False)
    elif field in _DATES:
        column = column.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    elif field in _BOOLEANS:
        column = column.str.to_lowercase() == "true"
    elif field in _NUMBERS:
        column = column.cast(pl.Float64, strict=False)
    return column.alias(snake_case(field))


def convert_salesforce_to_fivetran(out_dir: Path, synced_us: int) -> dict[str, int]:
    """Replace out_dir/salesforce/*.csv by out_dir/fivetran_salesforce/<table>.parquet; return the
    rows per raw table, in place of the Data Export's counts."""
    source, target = out_dir / "salesforce", out_dir / "fivetran_salesforce"
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    for sobject, (table, raw_name) in FIVETRAN_TABLES.items():
        path = source / f"{sobject}.csv"
        rows = pl.read_csv(path, infer_schema_length=0)  # every column as the text written
        typed = rows.select([salesforce_typed(field) for field in rows.columns]).with_columns(
            pl.lit(False).alias("is_deleted"),
            pl.lit(synced_us).cast(pl.Datetime("us", "UTC")).alias("_fivetran_synced"),
            pl.lit(False).alias("_fivetran_deleted"),
        )
        typed.write_parquet(target / f"{table}.parquet")
        path.unlink()
        counts[raw_name] = typed.height
    if not any(source.iterdir()):
        source.rmdir()
    return counts


# --------------------------------------------------------------------------------------------------
# HubSpot: `generate --hubspot-format fivetran`
# --------------------------------------------------------------------------------------------------
# the raw table of each Fivetran HubSpot table this writes, and the export counts they replace
HUBSPOT_TABLES = {
    "contact": "fivetran_hubspot_contact", "deal": "fivetran_hubspot_deal",
    "deal_stage": "fivetran_hubspot_deal_stage", "deal_contact": "fivetran_hubspot_deal_contact",
    "engagement": "fivetran_hubspot_engagement", "engagement_contact": "fivetran_hubspot_engagement_contact",
    "engagement_call": "fivetran_hubspot_engagements", "engagement_meeting": "fivetran_hubspot_engagements",
    "engagement_email": "fivetran_hubspot_engagements",
}
HUBSPOT_EXPORT_COUNTS = ("hubspot_contacts", "hubspot_deals", "hubspot_engagements")
# the export's Original Source labels -> hs_analytics_source's internal values
_ANALYTICS_SOURCE = {
    "Organic Search": "ORGANIC_SEARCH", "Paid Search": "PAID_SEARCH", "Email Marketing": "EMAIL_MARKETING",
    "Organic Social": "SOCIAL_MEDIA", "Paid Social": "PAID_SOCIAL", "Referrals": "REFERRALS",
    "Other Campaigns": "OTHER_CAMPAIGNS", "Direct Traffic": "DIRECT_TRAFFIC", "Offline Sources": "OFFLINE",
}
# the default Sales Pipeline's stage labels -> internal stage ids
_STAGE_IDS = {
    "Appointment Scheduled": "appointmentscheduled", "Qualified To Buy": "qualifiedtobuy",
    "Presentation Scheduled": "presentationscheduled", "Decision Maker Bought-In": "decisionmakerboughtin",
    "Contract Sent": "contractsent", "Closed Won": "closedwon", "Closed Lost": "closedlost",
}
_CONTACT_PROPERTIES = {
    "First Name": "property_firstname", "Last Name": "property_lastname", "Email": "property_email",
    "Phone Number": "property_phone", "Create Date": "property_createdate",
    "Lifecycle Stage": "property_lifecyclestage", "Original Source": "property_hs_analytics_source",
    "Became a Lead Date": "property_hs_lifecyclestage_lead_date",
    "Became a Marketing Qualified Lead Date": "property_hs_lifecyclestage_marketingqualifiedlead_date",
    "Became a Sales Qualified Lead Date": "property_hs_lifecyclestage_salesqualifiedlead_date",
    "Became a Customer Date": "property_hs_lifecyclestage_customer_date",
    "Last Marketing Email Open Date": "property_hs_email_last_open_date",
    "Web User ID": "property_web_user_id",
}
_ENGAGEMENT_KINDS = {"calls": ("engagement_call", "CALL"), "meetings": ("engagement_meeting", "MEETING"),
                     "emails": ("engagement_email", "EMAIL")}


# the properties generate/crm.py writes of each kind (besides hs_timestamp, hs_object_id,
# hs_createdate): the columns of a table whose list came out empty (a run with a person or two)
_ENGAGEMENT_PROPERTIES = {
    "calls": ("hs_call_title", "hs_call_direction", "hs_call_disposition", "hs_call_status",
              "hs_call_duration"),
    "meetings": ("hs_meeting_title", "hs_meeting_start_time", "hs_meeting_end_time", "hs_meeting_outcome"),
    "emails": ("hs_email_subject", "hs_email_direction", "hs_email_status"),
}


def _no_engagements(name: str) -> pl.DataFrame:
    """An empty `results` list as the objects it would hold: the same columns and types (all the
    properties text, as the API writes them), so the tables keep their columns."""
    properties = ("hs_timestamp", "hs_object_id", *_ENGAGEMENT_PROPERTIES[name], "hs_createdate")
    contact = pl.Struct({"id": pl.String, "type": pl.String})
    return pl.DataFrame(schema={
        "id": pl.String, "properties": pl.Struct(dict.fromkeys(properties, pl.String)),
        "createdAt": pl.String, "updatedAt": pl.String, "archived": pl.Boolean,
        "associations": pl.Struct({"contacts": pl.Struct({"results": pl.List(contact)})}),
    })


def _utc(column: str, fmt: str) -> pl.Expr:
    """The export's text as Fivetran's UTC timestamp; text a warehouse would refuse becomes null."""
    return pl.col(column).str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False)


def _read_export_csv(path: Path) -> pl.DataFrame:
    """The export's rows as text; a row with another number of fields than the header (the export's
    defect) is left out: a synced table has no such row."""
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    rows = [row for row in rows if len(row) == len(header)]
    return pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row").with_columns(
        pl.all().replace("", None))


def convert_hubspot_to_fivetran(out_dir: Path, synced_us: int) -> dict[str, int]:
    """Replace out_dir/hubspot/ (contacts.csv, deals.csv, calls/meetings/emails.json) by the same
    records as Fivetran's HubSpot tables, out_dir/fivetran_hubspot/<table>.parquet; return the rows per
    raw table, in place of the export's counts."""
    source, target = out_dir / "hubspot", out_dir / "fivetran_hubspot"
    target.mkdir(parents=True, exist_ok=True)
    tables = hubspot_fivetran_tables(source, synced_us)
    remove_hubspot_export(source)
    counts: dict[str, int] = {}
    for table, frame in tables.items():
        frame.write_parquet(target / f"{table}.parquet")
        counts[HUBSPOT_TABLES[table]] = counts.get(HUBSPOT_TABLES[table], 0) + frame.height
    return counts


def remove_hubspot_export(source: Path) -> None:
    """Delete the export's files that a conversion replaced (and the folder, when that leaves it empty)."""
    for name in ("contacts.csv", "deals.csv", *(f"{kind}.json" for kind in _ENGAGEMENT_KINDS)):
        (source / name).unlink()
    if not any(source.iterdir()):
        source.rmdir()


def hubspot_fivetran_tables(source: Path, synced_us: int) -> dict[str, pl.DataFrame]:
    """The export's records in source (hubspot/) as Fivetran's HubSpot tables, by table name; the
    Airbyte conversion (airbyte.py) starts from these too."""
    synced = pl.lit(synced_us).cast(pl.Datetime("us", "UTC")).alias("_fivetran_synced")
    deleted = pl.lit(False).alias("_fivetran_deleted")
    tables: dict[str, pl.DataFrame] = {}

    contacts = _read_export_csv(source / "contacts.csv")
    dates = {c for c in _CONTACT_PROPERTIES if c.endswith("Date")}
    tables["contact"] = contacts.select(
        pl.col("Record ID").cast(pl.Int64, strict=False).alias("id"),
        *[(_utc(c, HUBSPOT_FMT) if c in dates
           else pl.col(c).replace_strict(_ANALYTICS_SOURCE, default=None) if c == "Original Source"
           else pl.col(c)).alias(name) for c, name in _CONTACT_PROPERTIES.items()],
        pl.lit(False).alias("is_deleted"), deleted, synced)

    deals = _read_export_csv(source / "deals.csv")
    tables["deal"] = deals.select(
        pl.col("Record ID").cast(pl.Int64, strict=False).alias("deal_id"),
        pl.col("Deal Name").alias("property_dealname"),
        pl.col("Amount").cast(pl.Float64, strict=False).alias("property_amount"),
        _utc("Create Date", HUBSPOT_FMT).alias("property_createdate"),
        _utc("Close Date", HUBSPOT_FMT).alias("property_closedate"),
        pl.lit("default").alias("deal_pipeline_id"),
        pl.col("Deal Stage").replace_strict(_STAGE_IDS, default=None).alias("deal_pipeline_stage_id"),
        pl.lit(False).alias("is_deleted"), deleted, synced)
    entered = [c for c in deals.columns if c.startswith("Date entered ")]
    deal_id = pl.col("Record ID").cast(pl.Int64, strict=False).alias("deal_id")
    stages = deals.select(deal_id, *entered).unpivot(
        index="deal_id", variable_name="column", value_name="entered").drop_nulls("entered")
    stages = stages.select(
        "deal_id",
        pl.col("column").str.extract(r'^Date entered "(.+) \(Sales Pipeline\)"$')
        .replace_strict(_STAGE_IDS, default=None).alias("value"),
        _utc("entered", HUBSPOT_FMT).alias("date_entered"),
    ).drop_nulls("date_entered").sort("deal_id", "date_entered")
    tables["deal_stage"] = stages.with_columns(
        pl.col("date_entered").alias("_fivetran_start"),
        (pl.col("date_entered") == pl.col("date_entered").max().over("deal_id")).alias("_fivetran_active"),
        synced)
    tables["deal_contact"] = deals.select(
        pl.col("Record ID").cast(pl.Int64, strict=False).alias("deal_id"),
        pl.col("Associated Contact IDs").str.split(";").alias("contact_id"),
    ).explode("contact_id").drop_nulls("contact_id").select(
        "deal_id", pl.col("contact_id").cast(pl.Int64, strict=False),
        pl.lit("HUBSPOT_DEFINED").alias("category"), deleted, synced)

    engagements, links = [], []
    for name, (table, kind) in _ENGAGEMENT_KINDS.items():
        path = source / f"{name}.json"
        results = json.loads(path.read_text(encoding="utf-8"))["results"]
        objects = pl.DataFrame(results) if results else _no_engagements(name)
        objects = objects.unique("id", keep="first", maintain_order=True)  # a table has each once
        properties = objects["properties"].struct.unnest()
        times = {c for c in properties.columns if c in ("hs_timestamp", "hs_createdate")
                 or c.endswith(("_start_time", "_end_time"))}
        tables[table] = pl.concat([objects.select(pl.col("id").cast(pl.Int64).alias("engagement_id")),
                                   properties.select(
            *[(_utc(c, API_FMT) if c in times
               else pl.col(c).cast(pl.Int64, strict=False) if c in ("hs_call_duration", "hs_object_id")
               else pl.col(c)).alias(f"property_{c}") for c in properties.columns if c != "hs_object_id"])],
            how="horizontal").with_columns(objects["archived"].alias("_fivetran_deleted"), synced)
        engagements.append(objects.select(
            pl.col("id").cast(pl.Int64), pl.lit(kind).alias("type"),
            _utc("createdAt", API_FMT).alias("timestamp"), objects["archived"].alias("_fivetran_deleted")))
        links.append(objects.select(
            pl.col("id").cast(pl.Int64).alias("engagement_id"),
            pl.col("associations").struct.field("contacts").struct.field("results").alias("contacts"),
        ).explode("contacts").drop_nulls("contacts").select(
            "engagement_id", pl.col("contacts").struct.field("id").cast(pl.Int64).alias("contact_id")))
    tables["engagement"] = pl.concat(engagements).with_columns(synced)
    tables["engagement_contact"] = pl.concat(links).with_columns(deleted, synced)
    return tables
