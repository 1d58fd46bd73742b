-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's Zendesk Support `users` stream (its typed final table),
-- typed into the columns of staging.zendesk_users (the Users API export's), email hashed, with its
-- reject reason (NULL = usable)
-- The stream's records are the API's users; name, phone, alias, notes, details, signature and the
-- nested photo and user_fields stay in raw. Typed by sql/_fragments/zendesk_typed_users.sql.
-- An Append-mode table holds every version of a user: staging.identity_keys reads the newest
-- (sql/_fragments/airbyte_latest_version.sql), as an Append + Deduped table holds only it.
with source as (
    select * from raw.airbyte_zendesk_users
),

renamed as (
    select
        {{ zendesk_connector_user_columns(record) }},
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.updated_at', '$.updated_at') }},
        -- the stream, like the API, lists no deleted users (a deleted one is `active` false)
        cast(null as varchar) as deleted_reason
    from source
)

{{ zendesk_typed_users(renamed) }}
