-- model: kind=by_file key=_source_file
-- grain: one row per raw Mailchimp unsubscribe (one recipient leaving the list from one campaign),
-- typed, email hashed, with its reject reason (NULL = usable)
-- Mailchimp Marketing API, GET /reports/{campaign_id}/unsubscribed: `{"unsubscribes": [{"email_id",
-- "email_address", "timestamp", "reason", "campaign_id", "list_id", ...}]}`. `reason` is not read:
-- the API documents it as free text (what the member wrote, no fixed codes), which can hold a
-- name or a phone number the PII scrubber does not find (docs/sources.md).
with source as (
    select * from raw.mailchimp_unsubscribes
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.campaign_id')), '') as campaign_id,
        nullif(trim(json_extract_string(record, '$.list_id')), '') as list_id,
        json_extract_string(record, '$.email_address') as email_text,
        -- timestamps (text as exported)
        json_extract_string(record, '$.timestamp') as unsubscribed_text
    from source
),

typed as (
    select
        * exclude (email_text),
        {{ hash_email(email_text) }} as email_hash,
        list_transform([unsubscribed_text], {{ parse_export_timestamp($mailchimp_time_zone) }})[1]
            as unsubscribed_at
    from renamed
),

judged as (
    select
        *,
        {'label': 'timestamp', 'txt': unsubscribed_text, 'ts': unsubscribed_at} as time_check
    from typed
)

select
    * exclude (time_check),
    case
        when email_hash is null then 'missing email_address (no person to attach the unsubscribe to)'
        when campaign_id is null then 'missing campaign_id'
        when trim(coalesce(unsubscribed_text, '')) = '' then 'missing timestamp'
        when {{ unusable_timestamp(time_check) }}
            then case when unsubscribed_at is null
                then 'timestamp is not a timestamp: ' || left(unsubscribed_text, 40)
                else 'timestamp out of range (before 2000 or in the future): '
                    || cast(unsubscribed_at as varchar) end
    end as _reject_reason
from judged
