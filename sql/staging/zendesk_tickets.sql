-- grain: one row per raw Zendesk ticket, typed, with its reject reason (NULL = usable)
with source as (
    select * from raw.zendesk_tickets
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.id') as ticket_id,
        json_extract_string(record, '$.requester_id') as requester_id,
        -- timestamps (text as exported)
        json_extract_string(record, '$.created_at') as created_at_text,
        json_extract_string(record, '$.updated_at') as updated_at_text,
        -- attributes
        json_extract_string(record, '$.status') as status,
        json_extract_string(record, '$.type') as ticket_type,
        json_extract_string(record, '$.priority') as priority,
        json_extract_string(record, '$.via.channel') as via_channel,
        json_extract_string(record, '$.satisfaction_rating.score') as satisfaction_score
    from source
),

typed as (
    select
        *,
        'zendesk:' || requester_id as support_user_id,
        try_cast(created_at_text as timestamptz) as created_at,
        try_cast(updated_at_text as timestamptz) as updated_at
    from renamed
)

select
    *,
    case
        when ticket_id is null then 'missing id'
        when requester_id is null then 'missing requester_id'
        when created_at_text is null then 'missing created_at'
        when created_at is null then 'created_at is not a timestamp: ' || left(created_at_text, 40)
    end as _reject_reason
from typed
