-- The columns of a Zendesk satisfaction rating in a connector's table (Fivetran's
-- `satisfaction_rating`, Airbyte's `satisfaction_ratings` stream; $arg = the row's JSON record):
-- both keep the API's field names, so the rating reads the same from either. Ids and the reason are
-- trimmed (a blank is none). The file adds deleted_reason (how its connector marks a deletion);
-- zendesk_typed_ratings.sql types and checks them.
-- lineage
_load_id, _source_file, _row_number, _row_hash,
-- ids
nullif(trim(json_extract_string($arg, '$.id')), '') as rating_id,
nullif(trim(json_extract_string($arg, '$.ticket_id')), '') as ticket_id,
nullif(trim(json_extract_string($arg, '$.requester_id')), '') as requester_id,
nullif(trim(json_extract_string($arg, '$.assignee_id')), '') as assignee_id,
-- timestamps (text as dumped)
json_extract_string($arg, '$.created_at') as created_at_text,
json_extract_string($arg, '$.updated_at') as updated_at_text,
-- attributes (the free-text comment stays in raw)
json_extract_string($arg, '$.score') as score_text,
lower(trim(json_extract_string($arg, '$.score'))) as score,
nullif(trim(json_extract_string($arg, '$.reason')), '') as reason,
nullif(trim(coalesce(json_extract_string($arg, '$.comment'), '')), '') is not null as has_comment
