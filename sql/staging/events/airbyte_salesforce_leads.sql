-- grain: one row per lead created / lead converted of a lead's latest row in Airbyte's `Lead` stream
-- (IsDeleted rows make none), the Data Export's events (source_table raw.salesforce_leads: a lead in
-- both counts once)
-- an Append-mode stream holds several rows of a record: its newest by Airbyte's extraction time
-- first (sql/_fragments/airbyte_latest_version.sql)
with newest_leads as (
    {{ airbyte_latest_version(staging.airbyte_salesforce_leads, lead_id, _is_deleted) }}
)

select * from (
    {{ salesforce_lead_events(newest_leads, 'raw.salesforce_leads') }}
)
