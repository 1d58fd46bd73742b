-- The canonical events of a staged HubSpot contact table ($arg1) whose deletion rows $arg2 marks
-- (`false` for the export, which has none): one per lifecycle date of the contact's latest version.
-- Used by sql/staging/events/hubspot_contacts.sql (the CRM export) and
-- fivetran_hubspot_contact.sql (Fivetran's `contact` table). source_table is raw.hubspot_contacts for
-- both: a HubSpot contact's record id names it whichever way it was exported, so its events have the
-- same event_id and a contact in an export and in a Fivetran dump counts once.
with contacts as (
    {{ latest_version($arg1, record_id, $arg2) }}
)

select
    'hubspot' as source,
    'raw.hubspot_contacts' as source_table,
    record_id || '|' || e.event_name as natural_key,
    record_id as source_record_id,
    _source_file, _row_number, _load_id,
    e.occurred_at,
    {{ event_identifiers(null, user_id, email_hash, crm_contact_id, null) }},
    e.event_name,
    {{ event_visit(null, null, null, null) }},
    original_source as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object('lifecycle_stage', lifecycle_stage) as properties
from contacts
cross join unnest([
    {'event_name': 'contact_created', 'occurred_at': created_at},
    {'event_name': 'became_lead', 'occurred_at': became_lead_at},
    {'event_name': 'became_mql', 'occurred_at': became_mql_at},
    {'event_name': 'became_sql', 'occurred_at': became_sql_at},
    {'event_name': 'became_customer', 'occurred_at': became_customer_at},
    {'event_name': 'marketing_email_opened', 'occurred_at': email_opened_at}
]) as stages(e)
where e.occurred_at is not null
