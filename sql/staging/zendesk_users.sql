-- grain: one row per raw Zendesk user, typed, emails hashed, with its reject reason (NULL = usable)
with source as (
    select * from raw.zendesk_users
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.id') as zendesk_user_id,
        nullif(lower(trim(json_extract_string(record, '$.email'))), '') as email_normalised,
        nullif(trim(json_extract_string(record, '$.external_id')), '') as user_id,
        -- attributes
        json_extract_string(record, '$.role') as role
    from source
)

select
    * exclude (email_normalised),
    'zendesk:' || zendesk_user_id as support_user_id,
    case when email_normalised is not null then sha256($salt || email_normalised) end as email_hash,
    case when zendesk_user_id is null then 'missing id' end as _reject_reason
from renamed
