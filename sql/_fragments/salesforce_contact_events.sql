-- One contact_created event per contact that no converted lead became (a converted lead's contact
-- is created by the conversion, which salesforce_lead_events.sql already makes lead_converted), of
-- one reader's staged contacts and leads:
-- {{ salesforce_contact_events(staging.<contacts>, staging.<leads>, '<raw table>') }}, $arg3 the
-- raw table named as the events' source_table. Shared by the Data Export's and Fivetran's contacts.
with contacts as (
    {{ latest_version($arg1, contact_id, _is_deleted) }}
),

converted_contacts as (
    select distinct converted_contact_id as contact_id
    from $arg2
    where _reject_reason is null and is_converted
)

select
    'salesforce' as source,
    $arg3 as source_table,
    c.contact_id || '|contact_created' as natural_key,
    c.contact_id as source_record_id,
    c._source_file, c._row_number, c._load_id,
    c.created_at as occurred_at,
    {{ event_identifiers(null, null, c.email_hash, c.crm_contact_id, null) }},
    'contact_created' as event_name,
    {{ event_visit(null, null, null, null) }},
    c.lead_source as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object('account_id', c.account_id) as properties
from contacts as c
left join converted_contacts as l on l.contact_id = c.contact_id
where l.contact_id is null
