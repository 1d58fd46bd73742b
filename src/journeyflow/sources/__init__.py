"""The export formats journeyflow reads, and where each one lands in `raw`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One kind of export file: where to find it, how to read it, which raw table it fills."""

    raw_table: str  # e.g. raw.ga4_events
    folder: str  # sub-folder of the input folder
    patterns: tuple[str, ...]  # file globs inside the folder
    reader: str  # ndjson | csv | json_envelope | parquet
    envelope_key: str = ""  # json_envelope: the list inside the document ("tickets")
    description: str = ""
    # staged tables that sql/staging/<name>.sql joins (a Salesforce opportunity finds its person
    # through the contact roles), so the staging step runs after them
    requires: tuple[str, ...] = ()

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


def _salesforce_files(sobject: str) -> tuple[str, ...]:
    """`Lead.csv` as the Data Export service names it, or `Lead_2026-06-01.csv`; never
    `LeadHistory.csv` (another object), hence no bare `Lead*.csv`."""
    return tuple(f"{sobject}{stem}.csv{gz}" for stem in ("", "_*") for gz in ("", ".gz"))


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
    Source(
        "raw.hubspot_engagements", "hubspot",
        ("calls*.json", "calls*.json.gz", "meetings*.json", "meetings*.json.gz",
         "emails*.json", "emails*.json.gz"),
        "json_envelope", "results",
        description="HubSpot CRM v3 calls, meetings and emails (objects API list responses)",
    ),
    Source(
        "raw.salesforce_opportunity_contact_roles", "salesforce",
        _salesforce_files("OpportunityContactRole"), "csv",
        description="Salesforce OpportunityContactRole export (which contact an opportunity is for)",
    ),
    Source(
        "raw.salesforce_leads", "salesforce", _salesforce_files("Lead"), "csv",
        description="Salesforce Lead export (Data Loader / Data Export, API field names)",
    ),
    Source(
        "raw.salesforce_contacts", "salesforce", _salesforce_files("Contact"), "csv",
        description="Salesforce Contact export",
    ),
    Source(
        "raw.salesforce_opportunities", "salesforce", _salesforce_files("Opportunity"), "csv",
        description="Salesforce Opportunity export",
        requires=("staging.salesforce_opportunity_contact_roles",),
    ),
    Source(
        "raw.salesforce_opportunity_history", "salesforce",
        _salesforce_files("OpportunityHistory"), "csv",
        description="Salesforce OpportunityHistory export (one row per stage, amount or date change)",
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
