-- model: kind=by_file key=_source_file
-- grain: one row per raw Freshdesk ticket, typed, emails hashed, with its reject reason (NULL = usable)
-- timestamps: ISO 8601 (the API writes `...Z`), German `DD.MM.YYYY HH:MM`, or 10/13/16-digit epoch;
-- a timestamp without a zone is local time of $freshdesk_time_zone.
-- status, priority and source are the API's numeric codes; the names come from the Freshdesk API
-- reference (a custom status, 6 and up, keeps its number).
with source as (
    select * from raw.freshdesk_tickets
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.id') as ticket_id,
        json_extract_string(record, '$.requester_id') as requester_id,
        -- `include=requester` embeds the requester; `email` is set on tickets created by email
        coalesce(
            nullif(trim(json_extract_string(record, '$.requester.email')), ''),
            json_extract_string(record, '$.email')
        ) as email_text,
        -- timestamps (text as exported; resolved_at only with `include=stats`)
        json_extract_string(record, '$.created_at') as created_at_text,
        json_extract_string(record, '$.updated_at') as updated_at_text,
        json_extract_string(record, '$.stats.resolved_at') as resolved_at_text,
        -- attributes (codes as exported; the subject stays in raw)
        trim(json_extract_string(record, '$.status')) as status_code,
        trim(json_extract_string(record, '$.priority')) as priority_code,
        trim(json_extract_string(record, '$.source')) as source_code,
        json_extract_string(record, '$.type') as ticket_type
    from source
),

{{ freshdesk_ticket_times(renamed, 'created_at', 'updated_at', 'stats.resolved_at') }},

typed as (
    select
        *,
        case status_code
            when '2' then 'open' when '3' then 'pending' when '4' then 'resolved'
            when '5' then 'closed' else status_code
        end as status,
        case priority_code
            when '1' then 'low' when '2' then 'medium' when '3' then 'high' when '4' then 'urgent'
        end as priority,
        case source_code
            when '1' then 'email' when '2' then 'portal' when '3' then 'phone' when '4' then 'forum'
            when '5' then 'twitter' when '6' then 'facebook' when '7' then 'chat'
            when '8' then 'mobihelp' when '9' then 'feedback_widget' when '10' then 'outbound_email'
            else source_code
        end as channel
    from timed
)

select
    * exclude (bad_time),
    case
        when ticket_id is null then 'missing id'
        when requester_id is null then 'missing requester_id'
        when created_at_text is null or trim(created_at_text) = '' then 'missing created_at'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
        when status_code <> '' and not regexp_full_match(status_code, '[0-9]+')
            then 'status must be a Freshdesk status code (2 open, 3 pending, 4 resolved, 5 closed), got '
                || left(status_code, 20)
    end as _reject_reason
from typed
