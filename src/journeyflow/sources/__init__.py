"""The export formats journeyflow reads, and where each one lands in `raw`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One kind of export file: where to find it, how to read it, which raw table it fills."""

    raw_table: str  # e.g. raw.ga4_events
    folder: str  # sub-folder of the input folder
    patterns: tuple[str, ...]  # file globs inside the folder
    reader: str  # ndjson | csv | json_envelope | parquet | custom (per file: csv, ndjson, parquet)
    envelope_key: str = ""  # json_envelope: the list inside the document ("tickets")
    description: str = ""

    @property
    def name(self) -> str:
        """The table name shared by raw.<name>, staging.<name> and sql/staging/events/<name>.sql."""
        return self.raw_table.split(".")[1]

    @property
    def staged_table(self) -> str:
        return "staging." + self.name

    @property
    def time_zone_param(self) -> str:
        """SQL parameter holding the zone for this source's timestamps that carry none."""
        return f"{self.folder}_time_zone"


SOURCES: tuple[Source, ...] = (
    Source(
        "raw.ga4_events", "ga4",
        ("*.ndjson", "*.ndjson.gz", "*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz"), "ndjson",
        description="GA4 BigQuery export, one event per line",
    ),
    Source(
        "raw.hubspot_contacts", "hubspot", ("contacts*.csv", "contacts*.csv.gz"), "csv",
        description="HubSpot contacts export",
    ),
    Source(
        "raw.hubspot_deals", "hubspot", ("deals*.csv", "deals*.csv.gz"), "csv",
        description="HubSpot deals export with 'Date entered' stage properties",
    ),
    Source(
        "raw.zendesk_tickets", "zendesk", ("tickets*.json", "tickets*.json.gz"), "json_envelope",
        "tickets",
        description="Zendesk Tickets API response",
    ),
    Source(
        "raw.zendesk_users", "zendesk", ("users*.json", "users*.json.gz"), "json_envelope", "users",
        description="Zendesk Users API response",
    ),
    Source(
        "raw.survey_nps", "surveys", ("nps*.csv", "nps*.csv.gz"), "csv",
        description="NPS answers (0-10) by email",
    ),
    # every custom/<name>/source.yaml with its CSV, NDJSON or Parquet files (sources/custom.py)
    Source(
        "raw.custom_events", "custom", ("*/source.yaml",), "custom",
        description="Custom sources: any export described by a YAML mapping",
    ),
)

SOURCES_BY_TABLE = {source.raw_table: source for source in SOURCES}

# The columns every sql/staging/events/<source>.sql selects, in this order (staging.events unions them)
EVENT_COLUMNS = (
    "source", "source_table", "natural_key", "source_record_id",
    "_source_file", "_row_number", "_load_id",
    "occurred_at",
    "anonymous_id", "user_id", "email_hash", "crm_contact_id", "support_user_id",
    "event_name", "page_path", "utm_source", "utm_medium", "utm_campaign", "origin",
    "value", "currency", "properties",
)
