-- model: kind=by_file key=_source_file
-- grain: one row per raw Zendesk user, typed, emails hashed, with its reject reason (NULL = usable)
-- Typed by sql/_fragments/zendesk_typed_users.sql, as Fivetran's `user` table
with source as (
    select * from raw.zendesk_users
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.id') as zendesk_user_id,
        json_extract_string(record, '$.email') as email_text,
        nullif(trim(json_extract_string(record, '$.external_id')), '') as user_id,
        -- attributes
        json_extract_string(record, '$.role') as role,
        -- the API lists no deleted users
        cast(null as varchar) as deleted_reason
    from source
)

{{ zendesk_typed_users(renamed) }}
