-- grain: one row per lifecycle date of a contact's latest row in Fivetran's `contact` table, as the
-- CRM export's (source_table raw.hubspot_contacts: a contact in both counts once)
{{ hubspot_contact_events(staging.fivetran_hubspot_contact, _is_deleted) }}
