"""The export formats journeyflow reads, and where each one lands in `raw`."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePath


@dataclass(frozen=True)
class LandedColumn:
    """A column a typed landing fills beside `record` straight from the file's own column(s), so
    that staging reads it without parsing the record again (custom sources' Parquet and CSV files:
    `custom.landed_columns`). Only a file that has every column `keys` name lands them.

    kind `text`: what `json_extract_string` gives for the key in the landed record (a CSV field as
    written; a Parquet string as is, any other Parquet value as its JSON text); `instant` / `wall`:
    the value of a Parquet TIMESTAMP WITH TIME ZONE / TIMESTAMP column as it is (years 1000-9999;
    NULL for any other column, whose text staging parses); `untyped_text`: `text`, but NULL where
    `instant` or `wall` holds the value (staging casts it back to the same text); `object`: the
    JSON object of the `keys` columns, as the record holds them; `nested` (Parquet only): the value
    at the path `keys` (a column, or a field of a struct column: `("device", "category")`) as it
    is, when the file holds it with the DuckDB type `type`, and NULL when the file lacks the path
    (the record then lacks the member, which `from_json` reads as NULL). A file holding a `nested`
    path with another type lands as records only.
    """

    target: str  # the raw table's column
    kind: str  # text | untyped_text | instant | wall | object | nested
    keys: tuple[str, ...]  # the file's columns: a CSV's normalised header, a Parquet name as written
    type: str = ""  # nested: the value's DuckDB type, that of the raw table's column


@dataclass(frozen=True)
class Source:
    """One kind of export file: where to find it, how to read it, which raw table it fills."""

    raw_table: str  # e.g. raw.ga4_events
    folder: str  # sub-folder of the input folder
    patterns: tuple[str, ...]  # file globs inside the folder
    # ndjson | csv | json_envelope | json_array | json_api | parquet | tsv | duckdb | custom:
    # what differs per reader is its entry in sources/readers.py (READERS)
    reader: str
    envelope_key: str = ""  # json_envelope: the list inside the document ("tickets"); json_api: "data"
    description: str = ""
    # staged tables that sql/staging/<name>.sql joins (a Salesforce opportunity finds its person
    # through the contact roles), so the staging step runs after them
    requires: tuple[str, ...] = ()
    # (file glob, reader) pairs that override `reader` for some files of the folder: one raw table
    # can be fed by several formats of the same export (GA4 as NDJSON or Parquet)
    file_readers: tuple[tuple[str, str], ...] = ()
    columns: tuple[str, ...] = ()  # tsv: the column names of a headerless file, in order
    # an event stream: each usable record makes its events on its own (no latest version across
    # files), so an incremental run re-derives the events of changed files only
    events_per_file: bool = False
    # csv: normalised header columns that identify the export when its file name matches no
    # pattern of the folder (HubSpot names an export after the view it came from)
    header_keys: tuple[str, ...] = ()
    # csv: normalised columns of the header line; the lines above it (a report's title and date
    # range, as Google Ads writes them) are skipped (landing.csv_header)
    header_has: tuple[str, ...] = ()
    # a fixed schema (Snowplow's atomic.events): a file with a column outside `allowed_columns`
    # (and not starting with one of `allowed_prefixes`) or without one of `required_columns` is
    # rejected as a whole, naming the column (landing.column_problem)
    allowed_columns: tuple[str, ...] = ()
    allowed_prefixes: tuple[str, ...] = ()
    required_columns: tuple[str, ...] = ()
    # duckdb: the tables of a DuckDB database file (`fivetran_hubspot/hubspot.duckdb`) this source
    # reads, in schema `db_schema` (a connector's warehouse copied as a file; landing.land_duckdb)
    db_schema: str = ""
    db_tables: tuple[str, ...] = ()
    # a typed landing's columns beside `record` (`LandedColumn`): set per file by custom sources;
    # GA4's are fixed (GA4_LANDED_COLUMNS, all `nested`), and its raw table always has them
    landed_columns: tuple[LandedColumn, ...] = ()
    # an export with a column per custom field, named after its label: the members of a rejected
    # record that quality.rejected_rows shows (documented ones that name no one); every other
    # member's value is `[redacted]` (sql/_fragments/documented_members_only.sql). Empty: all
    # members, under the rules of rejected_rows.sql alone
    shown_members: tuple[str, ...] = ()

    def reader_for(self, path: Path) -> str:
        """The reader of one file: the first `file_readers` glob its name matches, else `reader`."""
        for pattern, reader in self.file_readers:
            if fnmatch(path.name, pattern):
                return reader
        return self.reader

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


def _hubspot_files(kind: str) -> tuple[str, ...]:
    """`contacts.csv`, `contacts_2026-06-01.csv`, and the name HubSpot's own export gives the file:
    `hubspot-crm-exports-all-contacts-2025-11-28.csv` (the view's name, then the day)."""
    return tuple(f"{stem}.csv{gz}" for stem in (f"{kind}*", f"hubspot-crm-exports-*{kind}*")
                 for gz in ("", ".gz"))


def _salesforce_files(sobject: str) -> tuple[str, ...]:
    """`Lead.csv` as the Data Export service names it, or `Lead_2026-06-01.csv`; never
    `LeadHistory.csv` (another object), hence no bare `Lead*.csv`."""
    return tuple(f"{sobject}{stem}.csv{gz}" for stem in ("", "_*") for gz in ("", ".gz"))

def _fivetran_files(*tables: str) -> tuple[str, ...]:
    """A Fivetran table dumped as `<table>.parquet` / `<table>.csv[.gz]`, or in parts
    `<table>-0001.parquet` or BigQuery's shards `<table>-000000000000.csv` (never `deal_stage.csv`
    for `deal`, nor `lead_history.csv` for `lead`: the parts' separator is `-`)."""
    return tuple(f"{table}{part}.{ext}" for table in tables for part in ("", "-*")
                 for ext in ("parquet", "csv", "csv.gz"))


# a connector's tables in a database file: DuckDB (in the connector's schema) or SQLite (no schemas)
_DATABASE_FILES = ("*.duckdb", "*.sqlite", "*.sqlite3")


def _connector_files(*tables: str) -> tuple[str, ...]:
    """A connector's tables dumped one per file (`contact.parquet`, `deals-0001.parquet`,
    `engagements_calls.csv`), or every table in a database file: Fivetran's in its schema
    (`hubspot.duckdb`, schema `hubspot`), an Airbyte DuckDB/MotherDuck destination's in `main`, or a
    SQLite file (`hubspot.sqlite`)."""
    return (*_fivetran_files(*tables), *_DATABASE_FILES)


# the readers of a connector dump's files: CSV unless named otherwise
_FIVETRAN_READERS = (("*.parquet", "parquet"), ("*.duckdb", "duckdb"), ("*.sqlite", "sqlite"),
                     ("*.sqlite3", "sqlite"))


# Fivetran's Salesforce connector (issue #26): a warehouse table per Salesforce object, snake_case
# names (`opportunity_contact_role`, `created_date`), typed and checked by the Data Export readers'
# SQL (sql/_fragments/salesforce_typed_*.sql), so both make the same events
FIVETRAN_SALESFORCE_TABLES = (
    ("fivetran_salesforce_opportunity_contact_roles", "opportunity_contact_role",
     "OpportunityContactRole", ()),
    ("fivetran_salesforce_leads", "lead", "Lead", ()),
    ("fivetran_salesforce_contacts", "contact", "Contact", ()),
    ("fivetran_salesforce_opportunities", "opportunity", "Opportunity",
     ("staging.fivetran_salesforce_opportunity_contact_roles",)),
    ("fivetran_salesforce_opportunity_history", "opportunity_history", "OpportunityHistory",
     ("staging.fivetran_salesforce_opportunities",)),
)

# Fivetran's Zendesk Support connector (issue #26): the tables the Zendesk API export readers
# have (staging.zendesk_<name>), by the connector's table name; ticket_comment is not read (the
# export readers read no comments)
FIVETRAN_ZENDESK_TABLES = (
    ("tickets", "ticket"), ("users", "user"), ("satisfaction_ratings", "satisfaction_rating"),
)
# What a rejected record of Fivetran's `ticket` and `user` tables shows in quality.rejected_rows:
# the documented columns (fivetran/dbt_zendesk_source's get_ticket_columns, the Zendesk Support
# schema ERD's `user`) that are ids, times, states or flags. The connector adds a column per custom
# ticket or user field (what dbt_zendesk_source's passthrough-column variables are for), named
# after the field: its value, and every documented column naming or locating someone (subject,
# description, recipient, system_*, via_source_*'s addresses and names; name, alias, phone, notes,
# details, signature, remote_photo_url, authenticity_token), is `[redacted]` there.
FIVETRAN_ZENDESK_SHOWN = {
    "ticket": (
        "_fivetran_synced", "_fivetran_deleted", "id", "allow_channelback", "assignee_id", "brand_id",
        "created_at", "due_at", "external_id", "forum_topic_id", "group_id", "has_incidents",
        "is_public", "merged_ticket_ids", "organization_id", "priority", "problem_id", "requester_id",
        "status", "submitter_id", "ticket_form_id", "type", "updated_at", "url", "via_channel",
        "via_source_from_id", "via_source_rel",
    ),
    "user": (
        "_fivetran_synced", "_fivetran_deleted", "id", "custom_role_id", "default_group_id",
        "organization_id", "active", "chat_only", "created_at", "email", "external_id",
        "iana_time_zone", "last_login_at", "locale", "locale_id", "moderator",
        "only_private_comments", "report_csv", "restricted_agent", "role", "role_type", "shared",
        "shared_agent", "suspended", "ticket_restriction", "time_zone", "two_factor_auth_enabled",
        "updated_at", "url", "verified",
    ),
}
# What a rejected row of a Freshdesk ticket export (CSV) shows in quality.rejected_rows: the
# columns the reader uses and the export's other ticket fields that are ids, times, states or
# counts (normalised header names). The export has a column per ticked custom field and contact
# field, named by its label ("Customer Phone" → customer_phone): those, the agent's name, the
# subject, tags, survey results and the requester's name are `[redacted]` there (the email `[email]`).
FRESHDESK_CSV_SHOWN = (
    "ticket_id", "contact_id", "requester_id", "requester_email", "email", "status", "priority",
    "source", "type", "group", "created_time", "due_by_time", "resolved_time", "closed_time",
    "last_update_time", "initial_response_time", "first_response_time_in_hrs",
    "resolution_time_in_hrs", "agent_interactions", "customer_interactions", "resolution_status",
    "first_response_status", "every_response_status", "time_tracked", "association_type",
)

# Airbyte's HubSpot source: the staged table's name, its streams (docs/sources.md), what they hold
AIRBYTE_HUBSPOT_STREAMS = (
    ("contacts", ("contacts", "contacts_archived"),
     "Airbyte HubSpot `contacts` (and `contacts_archived`) stream's table, properties as properties_<name>"),
    ("deals", ("deals", "deals_archived"),
     "Airbyte HubSpot `deals` (and `deals_archived`) stream's table: stage dates as "
     "properties_hs_date_entered_<stage>, the deal's `contacts` list"),
    ("engagements", tuple(f"engagements_{kind}{archived}" for kind in ("calls", "meetings", "emails")
                          for archived in ("", "_archived")),
     "Airbyte HubSpot `engagements_calls`, `engagements_meetings` and `engagements_emails` streams' "
     "tables (the type is the stream's name), each with its `contacts` list"),
)

# Airbyte's Salesforce source: the staged table's name, the stream (the sObject), the staged tables
# its SQL joins; typed and checked by the Data Export readers' SQL, as Fivetran's tables are
AIRBYTE_SALESFORCE_STREAMS = (
    ("opportunity_contact_roles", "OpportunityContactRole", ()),
    ("leads", "Lead", ()),
    ("contacts", "Contact", ()),
    ("opportunities", "Opportunity", ("staging.airbyte_salesforce_opportunity_contact_roles",)),
    ("opportunity_history", "OpportunityHistory", ("staging.airbyte_salesforce_opportunities",)),
)

# The 131 tab-separated fields of a Snowplow enriched event, in file order (the enriched-event
# format that the Snowplow Analytics SDKs read; `contexts`, `unstruct_event` and
# `derived_contexts` hold self-describing JSON). All land in raw; staging reads few of them
# (sql/_fragments/snowplow_typed_events.sql): not `refr_term`, the visitor's search words.
SNOWPLOW_ENRICHED_COLUMNS: tuple[str, ...] = (
    "app_id", "platform", "etl_tstamp", "collector_tstamp", "dvce_created_tstamp", "event",
    "event_id", "txn_id", "name_tracker", "v_tracker", "v_collector", "v_etl", "user_id",
    "user_ipaddress", "user_fingerprint", "domain_userid", "domain_sessionidx", "network_userid",
    "geo_country", "geo_region", "geo_city", "geo_zipcode", "geo_latitude", "geo_longitude",
    "geo_region_name", "ip_isp", "ip_organization", "ip_domain", "ip_netspeed", "page_url",
    "page_title", "page_referrer", "page_urlscheme", "page_urlhost", "page_urlport",
    "page_urlpath", "page_urlquery", "page_urlfragment", "refr_urlscheme", "refr_urlhost",
    "refr_urlport", "refr_urlpath", "refr_urlquery", "refr_urlfragment", "refr_medium",
    "refr_source", "refr_term", "mkt_medium", "mkt_source", "mkt_term", "mkt_content",
    "mkt_campaign", "contexts", "se_category", "se_action", "se_label", "se_property", "se_value",
    "unstruct_event", "tr_orderid", "tr_affiliation", "tr_total", "tr_tax", "tr_shipping",
    "tr_city", "tr_state", "tr_country", "ti_orderid", "ti_sku", "ti_name", "ti_category",
    "ti_price", "ti_quantity", "pp_xoffset_min", "pp_xoffset_max", "pp_yoffset_min",
    "pp_yoffset_max", "useragent", "br_name", "br_family", "br_version", "br_type",
    "br_renderengine", "br_lang", "br_features_pdf", "br_features_flash", "br_features_java",
    "br_features_director", "br_features_quicktime", "br_features_realplayer",
    "br_features_windowsmedia", "br_features_gears", "br_features_silverlight", "br_cookies",
    "br_colordepth", "br_viewwidth", "br_viewheight", "os_name", "os_family", "os_manufacturer",
    "os_timezone", "dvce_type", "dvce_ismobile", "dvce_screenwidth", "dvce_screenheight",
    "doc_charset", "doc_width", "doc_height", "tr_currency", "tr_total_base", "tr_tax_base",
    "tr_shipping_base", "ti_currency", "ti_price_base", "base_currency", "geo_timezone",
    "mkt_clickid", "mkt_network", "etl_tags", "dvce_sent_tstamp", "refr_domain_userid",
    "refr_device_tstamp", "derived_contexts", "domain_sessionid", "derived_tstamp",
    "event_vendor", "event_name", "event_format", "event_version", "event_fingerprint",
    "true_tstamp",
)
assert len(SNOWPLOW_ENRICHED_COLUMNS) == 131
# The columns of Snowplow's atomic.events table (docs.snowplow.io, "Introduction to the atomic
# events table" and the "event properties reference"): the enriched-event fields plus the loader's
# load_tstamp. Snowflake, BigQuery and Databricks hold each self-describing event and entity in a
# column of its own (`unstruct_event_<vendor>_<name>_<major>`, `contexts_…`); Redshift and Postgres
# in tables of their own, so their dumps have none.
SNOWPLOW_ATOMIC_COLUMNS: tuple[str, ...] = (*SNOWPLOW_ENRICHED_COLUMNS, "load_tstamp")
SNOWPLOW_ATOMIC_PREFIXES: tuple[str, ...] = ("unstruct_event_", "contexts_", "derived_contexts_")
# without these a dump cannot make a single stitched event: the file is rejected, naming them
SNOWPLOW_ATOMIC_REQUIRED: tuple[str, ...] = ("event_id", "collector_tstamp", "event", "domain_userid")

# The fields sql/staging/ga4_events.sql reads from a GA4 export row, with the BigQuery export's
# types (INTEGER is INT64, FLOAT is FLOAT64: BIGINT and DOUBLE), which are the types its `from_json`
# gives them: a Parquet file (`EXPORT DATA ... format = 'PARQUET'`) lands them beside the record as
# they are (`LandedColumn` kind `nested`), so staging parses no JSON for its rows.
GA4_PARAMS_TYPE = ('STRUCT("key" VARCHAR, "value" STRUCT(string_value VARCHAR, int_value BIGINT, '
                   'float_value DOUBLE, double_value DOUBLE))[]')
GA4_LANDED_COLUMNS: tuple[LandedColumn, ...] = tuple(
    LandedColumn(f"landed_{target}", "nested", path, kind_type)
    for target, path, kind_type in (
        ("event_timestamp", ("event_timestamp",), "BIGINT"),
        ("event_name", ("event_name",), "VARCHAR"),
        ("user_pseudo_id", ("user_pseudo_id",), "VARCHAR"),
        ("user_id", ("user_id",), "VARCHAR"),
        ("event_params", ("event_params",), GA4_PARAMS_TYPE),
        ("manual_source", ("collected_traffic_source", "manual_source"), "VARCHAR"),
        ("manual_medium", ("collected_traffic_source", "manual_medium"), "VARCHAR"),
        ("manual_campaign_name", ("collected_traffic_source", "manual_campaign_name"), "VARCHAR"),
        ("purchase_revenue", ("ecommerce", "purchase_revenue"), "DOUBLE"),
        ("transaction_id", ("ecommerce", "transaction_id"), "VARCHAR"),
        ("device_category", ("device", "category"), "VARCHAR"),
        ("operating_system", ("device", "operating_system"), "VARCHAR"),
        ("country", ("geo", "country"), "VARCHAR"),
        ("platform", ("platform",), "VARCHAR"),
    )
)

SOURCES: tuple[Source, ...] = (
    Source(
        "raw.ga4_events", "ga4",
        ("*.ndjson", "*.ndjson.gz", "*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz", "*.parquet"),
        "ndjson", file_readers=(("*.parquet", "parquet"),), events_per_file=True,
        description="GA4 BigQuery export, one event per line (NDJSON) or row (Parquet)",
        landed_columns=GA4_LANDED_COLUMNS,
    ),
    Source(
        "raw.hubspot_contacts", "hubspot", _hubspot_files("contacts"), "csv",
        description="HubSpot contacts export", header_keys=("record_id", "email"),
    ),
    Source(
        "raw.hubspot_deals", "hubspot", _hubspot_files("deals"), "csv",
        description="HubSpot deals export with 'Date entered' stage properties",
        header_keys=("record_id", "deal_stage"),
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
        "raw.zendesk_satisfaction_ratings", "zendesk",
        ("satisfaction_ratings*.json", "satisfaction_ratings*.json.gz"), "json_envelope",
        "satisfaction_ratings",
        description="Zendesk Satisfaction Ratings API response",
    ),
    Source(
        "raw.freshdesk_tickets", "freshdesk", ("tickets*.json", "tickets*.json.gz"), "json_array",
        description="Freshdesk Tickets API response (a bare JSON array per page)",
    ),
    Source(
        "raw.freshdesk_tickets_csv", "freshdesk", ("tickets*.csv", "tickets*.csv.gz"), "csv",
        description="Freshdesk ticket export from the web app (Tickets > Export, CSV)",
        shown_members=FRESHDESK_CSV_SHOWN,
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
        # its rows are usable only for a usable opportunity (sql/staging/salesforce_opportunity_history.sql)
        requires=("staging.salesforce_opportunities",),
    ),
    *(Source(
        f"raw.{name}", "fivetran_salesforce", _connector_files(table), "csv",
        file_readers=_FIVETRAN_READERS, db_schema="salesforce", db_tables=(table,), requires=requires,
        description=f"Fivetran Salesforce connector's {table} table ({sobject}), a Parquet or CSV "
                    "dump or a database file",
    ) for name, table, sobject, requires in FIVETRAN_SALESFORCE_TABLES),
    Source(
        "raw.snowplow_events", "snowplow",
        ("*.tsv", "*.tsv.gz", "*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz", "*.ndjson",
         "*.ndjson.gz", "*.gz"),
        # the S3 loader's and archives' gzip files carry no format in their name
        # (`run=…/part-00000.gz`, `2026/06/01/14/enriched-….gz`): they hold the enriched TSV
        "ndjson", file_readers=(("*.tsv", "tsv"), ("*.tsv.gz", "tsv"), ("*.json.gz", "ndjson"),
                                ("*.jsonl.gz", "ndjson"), ("*.ndjson.gz", "ndjson"),
                                ("*.gz", "tsv")),
        columns=SNOWPLOW_ENRICHED_COLUMNS, events_per_file=True,
        description="Snowplow enriched events: the headerless TSV or the Analytics SDK's JSON",
    ),
    # Snowplow's atomic.events table dumped from the warehouse (Snowflake, BigQuery, Databricks,
    # Redshift, Postgres): the enriched columns under their own names, a header line, lower-case
    # names (Snowflake's upper-case ones normalised). Lands as the enriched reader's records do and
    # is typed and named by the same SQL (sql/_fragments/snowplow_typed_events.sql)
    Source(
        "raw.snowplow_atomic_events", "snowplow_atomic",
        ("*.csv", "*.csv.gz", "*.tsv", "*.tsv.gz", "*.parquet"), "csv",
        file_readers=(("*.parquet", "parquet"),),
        events_per_file=True, allowed_columns=SNOWPLOW_ATOMIC_COLUMNS,
        allowed_prefixes=SNOWPLOW_ATOMIC_PREFIXES, required_columns=SNOWPLOW_ATOMIC_REQUIRED,
        description="Snowplow atomic.events table dump (CSV, TSV with a header, or Parquet)",
    ),
    Source(
        "raw.segment_events", "segment",
        ("*.json", "*.jsonl", "*.ndjson", "*.gz"), "ndjson", events_per_file=True,
        description="Segment track/page/screen/identify calls as NDJSON (S3 or webhook destination)",
    ),
    Source(
        "raw.survey_csat", "surveys", ("csat*.csv", "csat*.csv.gz"), "csv",
        description="CSAT answers (1-5) by email or shop user id",
    ),
    Source(
        "raw.survey_ces", "surveys", ("ces*.csv", "ces*.csv.gz"), "csv",
        description="CES (customer effort) answers (1-7) by email or shop user id",
    ),
    Source(
        "raw.shopify_orders", "shopify",
        ("orders*.csv", "orders*.csv.gz", "shopify_orders*.csv", "shopify_orders*.csv.gz"), "csv",
        description="Shopify orders export (Orders > Export, CSV: one row per line item)",
        header_keys=("name", "financial_status", "lineitem_quantity"),
    ),
    Source(
        "raw.woocommerce_orders", "woocommerce", ("orders*.csv", "orders*.csv.gz"), "csv",
        description="WooCommerce orders export (order export extensions' CSV, column keys "
                    "order_id, order_date, order_total, ...)",
        header_keys=("order_id", "order_total"),
    ),
    Source(
        "raw.google_ads_campaigns", "google_ads", ("*.csv", "*.csv.gz"), "csv",
        description="Google Ads campaign report (UI download, CSV: day × campaign with cost)",
        header_has=("campaign", "cost"),
    ),
    Source(
        "raw.meta_ads_campaigns", "meta_ads", ("*.csv", "*.csv.gz"), "csv",
        description="Meta Ads Manager export (Export table data, CSV: campaign by day with the "
                    "amount spent)",
    ),
    Source(
        "raw.linkedin_ads_campaigns", "linkedin_ads", ("*.csv", "*.csv.gz"), "csv",
        description="LinkedIn Campaign Manager campaign performance report (CSV, Daily: campaign "
                    "by day with Total Spent)",
        header_has=("campaign_name", "total_spent"),
    ),
    # --- social media lead forms (issue #26): person-level, stitched by email ---
    Source(
        "raw.meta_leads", "meta_leads",
        ("*.csv", "*.csv.gz", "*.tsv", "*.tsv.gz", "*.txt", "*.txt.gz"), "csv",
        description="Meta (Facebook/Instagram) Lead Ads leads download (Instant Forms > Download, "
                    "CSV or UTF-16 TSV: one row per lead with ad, campaign, form and platform)",
    ),
    Source(
        "raw.linkedin_leads", "linkedin_leads", ("*.csv", "*.csv.gz"), "csv",
        description="LinkedIn Lead Gen Forms leads download (Campaign Manager, CSV: one row per "
                    "lead; column names not confirmed by LinkedIn's docs)",
    ),
    # --- email marketing (issue #26) ---
    Source(
        "raw.mailchimp_email_activity", "mailchimp",
        ("email-activity*.json", "email-activity*.json.gz", "email_activity*.json",
         "email_activity*.json.gz"),
        "json_envelope", "emails",
        description="Mailchimp Marketing API campaign email activity (GET /reports/{campaign_id}/"
                    "email-activity: per recipient, its opens, clicks with URL and bounces)",
    ),
    Source(
        "raw.mailchimp_unsubscribes", "mailchimp",
        ("unsubscribed*.json", "unsubscribed*.json.gz", "unsubscribes*.json",
         "unsubscribes*.json.gz"),
        "json_envelope", "unsubscribes",
        description="Mailchimp Marketing API campaign unsubscribes (GET /reports/{campaign_id}/"
                    "unsubscribed)",
    ),
    Source(
        "raw.klaviyo_events", "klaviyo",
        ("events*.json", "events*.json.gz", "get-events*.json", "get-events*.json.gz",
         "get_events*.json", "get_events*.json.gz"),
        "json_api", "data",
        description="Klaviyo API Get Events responses (GET /api/events with include=profile,metric: "
                    "JSON:API, one event per element of data, its profile and metric from included)",
    ),
    # --- HubSpot synced by Fivetran's HubSpot connector (issue #26): one dump per table, named
    # after the table; typed by sql/staging/fivetran_hubspot_*.sql into the export readers' columns
    # and made into events by the same SQL (sql/_fragments/hubspot_*_events.sql) ---
    Source(
        "raw.fivetran_hubspot_contact", "fivetran_hubspot", _connector_files("contact"), "csv",
        file_readers=_FIVETRAN_READERS, db_schema="hubspot",
        db_tables=("contact",),
        description="Fivetran HubSpot `contact` table dump (Parquet or CSV)",
    ),
    Source(
        "raw.fivetran_hubspot_deal_contact", "fivetran_hubspot", _connector_files("deal_contact"),
        "csv",
        file_readers=_FIVETRAN_READERS, db_schema="hubspot",
        db_tables=("deal_contact",),
        description="Fivetran HubSpot `deal_contact` table dump (which contacts a deal is for)",
    ),
    Source(
        "raw.fivetran_hubspot_deal_stage", "fivetran_hubspot", _connector_files("deal_stage"), "csv",
        file_readers=_FIVETRAN_READERS, db_schema="hubspot",
        db_tables=("deal_stage",),
        description="Fivetran HubSpot `deal_stage` table dump (when a deal entered each stage)",
    ),
    Source(
        "raw.fivetran_hubspot_deal", "fivetran_hubspot", _connector_files("deal"), "csv",
        file_readers=_FIVETRAN_READERS, db_schema="hubspot",
        db_tables=("deal",),
        description="Fivetran HubSpot `deal` table dump",
        requires=("staging.fivetran_hubspot_deal_contact", "staging.fivetran_hubspot_deal_stage"),
    ),
    Source(
        "raw.fivetran_hubspot_engagement_contact", "fivetran_hubspot",
        _connector_files("engagement_contact"), "csv", file_readers=_FIVETRAN_READERS,
        db_schema="hubspot",
        db_tables=("engagement_contact",),
        description="Fivetran HubSpot `engagement_contact` table dump (an engagement's contacts)",
    ),
    Source(
        "raw.fivetran_hubspot_engagement", "fivetran_hubspot", _connector_files("engagement"), "csv",
        file_readers=_FIVETRAN_READERS, db_schema="hubspot",
        db_tables=("engagement",),
        description="Fivetran HubSpot `engagement` table dump (every engagement's type and, from a "
                    "pre-v3 connector, its timestamp)",
    ),
    Source(
        "raw.fivetran_hubspot_engagements", "fivetran_hubspot",
        _connector_files("engagement_call", "engagement_meeting", "engagement_email"), "csv",
        file_readers=_FIVETRAN_READERS, db_schema="hubspot",
        db_tables=("engagement_call", "engagement_meeting", "engagement_email"),
        description="Fivetran HubSpot `engagement_call`, `engagement_meeting` and "
                    "`engagement_email` table dumps (the type is the table's name)",
        requires=("staging.fivetran_hubspot_engagement_contact", "staging.fivetran_hubspot_engagement"),
    ),
    # --- Zendesk Support synced by Fivetran's Zendesk connector (issue #26): one dump per table,
    # named after the table, or every table in a DuckDB file (schema `zendesk`); typed by
    # sql/staging/fivetran_zendesk_*.sql into the API export readers' columns and made into events
    # by the same SQL (sql/_fragments/zendesk_typed_*.sql, zendesk_*_events.sql) ---
    *(Source(
        f"raw.fivetran_zendesk_{name}", "fivetran_zendesk", _connector_files(table),
        "csv", file_readers=_FIVETRAN_READERS, db_schema="zendesk", db_tables=(table,),
        description=f"Fivetran Zendesk Support `{table}` table dump (Parquet or CSV) or DuckDB file",
        shown_members=FIVETRAN_ZENDESK_SHOWN.get(table, ()),
    ) for name, table in FIVETRAN_ZENDESK_TABLES),
    # Zendesk Support synced by Airbyte's Zendesk Support source: the typed final tables of its
    # `tickets`, `users` and `satisfaction_ratings` streams (the API's records, nested objects as
    # JSON, beside _airbyte_raw_id, _airbyte_extracted_at, _airbyte_meta), one dump per stream,
    # typed by sql/staging/airbyte_zendesk_*.sql as the Fivetran tables are
    *(Source(
        f"raw.airbyte_zendesk_{stream}", "airbyte_zendesk", _connector_files(stream), "csv",
        file_readers=_FIVETRAN_READERS, db_schema="main", db_tables=(stream,),
        description=f"Airbyte Zendesk Support `{stream}` stream's final table dump (Parquet or CSV) "
                    "or a database file",
    ) for stream in ("tickets", "users", "satisfaction_ratings")),
    # --- Airbyte's connectors (issue #26): a destination's typed final table per stream (the
    # stream's fields as columns, `_airbyte_raw_id`, `_airbyte_extracted_at`, `_airbyte_meta`, nested
    # objects as JSON) dumped as Parquet or CSV, or a DuckDB file of them (schema `main`); typed by
    # sql/staging/airbyte_*.sql into the export readers' columns, made into events by the same SQL.
    # HubSpot: each stream with its `*_archived` stream (the archived records) ---
    *(Source(
        f"raw.airbyte_hubspot_{name}", "airbyte_hubspot", _connector_files(*streams), "csv",
        file_readers=_FIVETRAN_READERS, db_schema="main", db_tables=streams,
        description=description,
    ) for name, streams, description in AIRBYTE_HUBSPOT_STREAMS),
    # Salesforce: a stream per sObject, the API field names as columns
    *(Source(
        f"raw.airbyte_salesforce_{name}", "airbyte_salesforce",
        _connector_files(sobject, sobject.lower()), "csv", file_readers=_FIVETRAN_READERS,
        db_schema="main", db_tables=(sobject,), requires=requires,
        description=f"Airbyte Salesforce `{sobject}` stream's table (Parquet, CSV or a DuckDB file)",
    ) for name, sobject, requires in AIRBYTE_SALESFORCE_STREAMS),
    # every custom/<name>/source.yaml with its CSV, NDJSON or Parquet files (sources/custom.py)
    Source(
        "raw.custom_events", "custom", ("*/source.yaml",), "custom",
        description="Custom sources: any export described by a YAML mapping",
    ),
)

SOURCES_BY_TABLE = {source.raw_table: source for source in SOURCES}


def file_label(source_file: str, raw_table: str) -> str:
    """A loaded file as an analyst finds it: its path inside the source's folder.

    `_source_file` holds the whole path as found; the name alone is ambiguous once exports sit in
    day folders (two Segment or Snowplow `part-00000.gz`). A flat folder's file is just its name.
    """
    parts = PurePath(source_file).parts
    source = SOURCES_BY_TABLE.get(raw_table)
    folders = parts[:-1]
    if source is None or source.folder not in folders:
        return parts[-1] if parts else source_file
    inside = len(folders) - folders[::-1].index(source.folder)  # after its last occurrence
    return "/".join(parts[inside:])

# The columns every sql/staging/events/<source>.sql selects, in this order (staging.events unions them)
EVENT_COLUMNS = (
    "source", "source_table", "natural_key", "source_record_id",
    "_source_file", "_row_number", "_load_id",
    "occurred_at",
    "anonymous_id", "user_id", "email_hash", "crm_contact_id", "support_user_id",
    "event_name", "page_path", "utm_source", "utm_medium", "utm_campaign", "origin",
    "value", "currency", "properties",
)
# Columns only some sources have: a sql/staging/events/<source>.sql that does not select one gets NULL
# (so a new source need not name them). The web trackers' own session id ("sessions: tracker",
# docs/metrics.md "Tracker sessions"), and the referrer parser's medium and source of a visit
# (Snowplow's refr_medium, refr_source: "Default channel group")
OPTIONAL_EVENT_COLUMNS = {
    "tracker_session_id": "varchar",
    "referrer_medium": "varchar",
    "referrer_source": "varchar",
}
