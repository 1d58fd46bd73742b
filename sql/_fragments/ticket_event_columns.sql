-- The event columns a support ticket's events share (Zendesk, Freshdesk): a ticket row with its
-- ticket_id, support_user_id, status, ticket_type, priority and lineage, cross joined with its
-- stages $arg (structs of event_name and occurred_at). The file adds source, source_table,
-- email_hash and origin: staging.events picks the columns by name (warehouse.source_events_sql).
ticket_id || '|' || $arg.event_name as natural_key,
ticket_id as source_record_id,
_source_file, _row_number, _load_id,
$arg.occurred_at,
cast(null as varchar) as anonymous_id,
cast(null as varchar) as user_id,
cast(null as varchar) as crm_contact_id,
support_user_id,
$arg.event_name,
cast(null as varchar) as page_path,
cast(null as varchar) as utm_source,
cast(null as varchar) as utm_medium,
cast(null as varchar) as utm_campaign,
cast(null as double) as value,
cast(null as varchar) as currency,
json_object('status', status, 'type', ticket_type, 'priority', priority) as properties
