-- grain: one row per lifecycle date of a contact's latest row in Airbyte's `contacts` stream, as the
-- CRM export's (source_table raw.hubspot_contacts: a contact in both counts once)
-- an Append-mode stream holds several rows of a record: its newest by Airbyte's extraction time
-- first (sql/_fragments/airbyte_latest_version.sql)
with newest_contacts as (
    {{ airbyte_latest_version(staging.airbyte_hubspot_contacts, record_id, _is_deleted) }}
)

select * from (
    {{ hubspot_contact_events(newest_contacts, _is_deleted) }}
)
