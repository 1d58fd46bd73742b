"""Fivetran's Salesforce connector tables instead of the Data Export files (issue #26).

`generate --salesforce-format fivetran` writes the generated Salesforce records (crm.py)
as the connector's tables dumped to Parquet: `fivetran_salesforce/lead.parquet`, `contact`,
`opportunity`, `opportunity_history`, `opportunity_contact_role`, with Fivetran's snake_case
column names (CreatedDate -> created_date), its types (UTC timestamps, dates, booleans, numbers)
and its `is_deleted`, `_fivetran_deleted`, `_fivetran_synced` columns. A format conversion, not new
records: no random draws, so every other file is unchanged, and the same seed gives the same
events either way. A defect that a typed column cannot hold (`Amount` "n/a", a `CreatedDate`
"31.02.2026 10:00") becomes an empty value, as a warehouse would refuse the text.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

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


def _typed(field: str) -> pl.Expr:
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
        typed = rows.select([_typed(field) for field in rows.columns]).with_columns(
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
