-- The lead_created / lead_converted events of each lead's latest version, for one reader's staged
-- leads: {{ salesforce_lead_events(staging.<leads>, '<raw table>') }}, $arg2 the raw table named as
-- the events' source_table. Shared by the Data Export's and Fivetran's leads.
-- ConvertedDate is a date: its midnight can come before the lead's own CreatedDate on the same
-- day, so the conversion is never earlier than the creation.
with leads as (
    {{ latest_version($arg1, lead_id, _is_deleted) }}
)

select
    'salesforce' as source,
    $arg2 as source_table,
    lead_id || '|' || e.event_name as natural_key,
    lead_id as source_record_id,
    _source_file, _row_number, _load_id,
    e.occurred_at,
    {{ event_identifiers(null, null, email_hash, crm_contact_id, null) }},
    e.event_name,
    {{ event_visit(null, null, null, null) }},
    lead_source as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object('lead_status', lead_status, 'converted_opportunity_id', converted_opportunity_id)
        as properties
from leads
cross join unnest([
    {'event_name': 'lead_created', 'occurred_at': created_at},
    {
        'event_name': 'lead_converted',
        'occurred_at': case when is_converted then greatest(converted_at, created_at) end
    }
]) as stages(e)
where e.occurred_at is not null
