-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's Zendesk `user` table, typed into the columns of
-- staging.zendesk_users (the Users API export's), email hashed, with its reject reason (NULL = usable)
-- Name, phone, alias, notes, details and signature stay in raw. A soft-deleted row
-- (`_fivetran_deleted`) is rejected, so it ties no requester to an email (staging.identity_keys).
-- Typed by sql/_fragments/zendesk_typed_users.sql, as the export is.
with source as (
    select * from raw.fivetran_zendesk_users
),

renamed as (
    select
        {{ zendesk_connector_user_columns(record) }},
        {{ fivetran_zendesk_deleted(record) }} as deleted_reason
    from source
)

{{ zendesk_typed_users(renamed) }}
