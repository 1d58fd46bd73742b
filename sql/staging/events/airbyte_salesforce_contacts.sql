-- grain: one row per contact created in Airbyte's `Contact` stream, for contacts that no converted
-- lead of its `Lead` stream became, as the Data Export's (source_table raw.salesforce_contacts)
-- an Append-mode stream holds several rows of a record: its newest by Airbyte's extraction time
-- first (sql/_fragments/airbyte_latest_version.sql)
with newest_contacts as (
    {{ airbyte_latest_version(staging.airbyte_salesforce_contacts, contact_id, _is_deleted) }}
)

select * from (
    {{ salesforce_contact_events(newest_contacts, staging.airbyte_salesforce_leads, 'raw.salesforce_contacts') }}
)
