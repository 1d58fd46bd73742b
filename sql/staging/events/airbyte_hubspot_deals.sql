-- grain: one row per stage date of a deal's latest row in Airbyte's `deals` stream, as the CRM
-- export's (source_table raw.hubspot_deals: a deal in both counts once)
-- an Append-mode stream holds several rows of a record: its newest by Airbyte's extraction time
-- first (sql/_fragments/airbyte_latest_version.sql)
with newest_deals as (
    {{ airbyte_latest_version(staging.airbyte_hubspot_deals, record_id, _is_deleted) }}
)

select * from (
    {{ hubspot_deal_events(newest_deals, _is_deleted) }}
)
