-- The columns of a Zendesk user in a connector's table (Fivetran's `user`, Airbyte's `users` stream;
-- $arg = the row's JSON record): both keep the API's field names, so the user reads the same from
-- either. Ids are trimmed (a blank is none); the email is hashed by zendesk_typed_users.sql. The
-- file adds deleted_reason (how its connector marks a deletion).
-- lineage
_load_id, _source_file, _row_number, _row_hash,
-- ids
nullif(trim(json_extract_string($arg, '$.id')), '') as zendesk_user_id,
json_extract_string($arg, '$.email') as email_text,
nullif(trim(json_extract_string($arg, '$.external_id')), '') as user_id,
-- attributes
json_extract_string($arg, '$.role') as role
