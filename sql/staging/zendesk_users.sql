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
),

canonical as (
    select
        *,
        -- optional: drop a +tag from the local part (anna+news@x.com is anna@x.com)
        case
            when $strip_plus_addressing then regexp_replace(email_normalised, '^([^@+]*)\+[^@]*@', '\1@')
            else email_normalised
        end as email_canonical
    from renamed
)

select
    * exclude (email_normalised, email_canonical),
    'zendesk:' || zendesk_user_id as support_user_id,
    case when email_canonical is not null then sha256($salt || email_canonical) end as email_hash,
    case when zendesk_user_id is null then 'missing id' end as _reject_reason
from canonical
