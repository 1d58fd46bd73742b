-- The columns of a Zendesk ticket in a connector's table (Fivetran's `ticket`, Airbyte's `tickets`
-- stream; $arg = the row's JSON record) that both keep under the API's field names: lineage, ids
-- (trimmed, a blank is none), the times as dumped, status, type and priority. The file adds
-- via_channel and satisfaction_score (Fivetran flattens `via`, Airbyte nests it) and deleted_reason;
-- zendesk_typed_tickets.sql types and checks them.
-- lineage
_load_id, _source_file, _row_number, _row_hash,
-- ids
nullif(trim(json_extract_string($arg, '$.id')), '') as ticket_id,
nullif(trim(json_extract_string($arg, '$.requester_id')), '') as requester_id,
-- timestamps (text as dumped)
json_extract_string($arg, '$.created_at') as created_at_text,
json_extract_string($arg, '$.updated_at') as updated_at_text,
-- attributes
json_extract_string($arg, '$.status') as status,
json_extract_string($arg, '$.type') as ticket_type,
json_extract_string($arg, '$.priority') as priority
