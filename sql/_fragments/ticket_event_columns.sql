-- The event columns a support ticket's events share (Zendesk, Freshdesk): a ticket row with its
-- ticket_id, support_user_id, status, ticket_type, priority and lineage, cross joined with its
-- stages $arg1 (structs of event_name and occurred_at); $arg2 is the requester's email_hash, or
-- `null` (Zendesk's tickets carry none). The file adds source, source_table and origin:
-- staging.events picks the columns by name (warehouse.source_events_sql).
ticket_id || '|' || $arg1.event_name as natural_key,
ticket_id as source_record_id,
_source_file, _row_number, _load_id,
$arg1.occurred_at,
{{ event_identifiers(null, null, $arg2, null, support_user_id) }},
$arg1.event_name,
{{ event_visit(null, null, null, null) }},
cast(null as double) as value,
cast(null as varchar) as currency,
json_object('status', status, 'type', ticket_type, 'priority', priority) as properties
