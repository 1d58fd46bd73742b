-- model: kind=by_file key=_source_file
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
        json_extract_string(record, '$.email') as email_text,
        nullif(trim(json_extract_string(record, '$.external_id')), '') as user_id,
        -- attributes
        json_extract_string(record, '$.role') as role
    from source
),

hashed as (
    select
        *,
        {{ hash_email(email_text) }} as email_hash
    from renamed
)

select
    * exclude (email_text),
    'zendesk:' || zendesk_user_id as support_user_id,
    case when zendesk_user_id is null then 'missing id' end as _reject_reason
from hashed
