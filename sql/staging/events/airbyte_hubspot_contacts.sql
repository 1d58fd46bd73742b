-- grain: one row per lifecycle date of a contact's latest row in Airbyte's `contacts` stream, as the
-- CRM export's (source_table raw.hubspot_contacts: a contact in both counts once)
{{ hubspot_contact_events(staging.airbyte_hubspot_contacts, _is_deleted) }}
