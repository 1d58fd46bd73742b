-- grain: one row per raw Segment call (track, page, screen, identify, alias, group), typed, with the
-- reason it cannot be used (NULL = usable)
-- Segment's S3 and webhook destinations write each call as one JSON object per line; `timestamp` is
-- when it happened (device time corrected by Segment), `receivedAt` when Segment got it. Timestamps
-- carry a zone (`...Z`); one without is local time of $segment_time_zone.
-- _row_hash is the messageId: Segment retries deliveries, so a second record with the same
-- messageId counts as a duplicate, not as a second event.
with source as (
    select * from raw.segment_events
),

valid_json as (
    -- every line in one pass, its record NULL when it is not JSON (rejected in `checked`); no
    -- UNION ALL BY NAME of valid and invalid lines, which Spark SQL lacks
    select
        _load_id, _source_file, _row_number, _row_hash,
        json_valid(record) as is_json,
        case when json_valid(record) then record end as record
    from source
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, is_json,
        -- ids
        nullif(trim(json_extract_string(record, '$.messageId')), '') as message_id,
        nullif(trim(json_extract_string(record, '$.anonymousId')), '') as segment_anonymous_id,
        nullif(trim(json_extract_string(record, '$.userId')), '') as user_id,
        nullif(trim(json_extract_string(record, '$.previousId')), '') as previous_id,
        -- an identify call's traits, or the traits a track call carries in its context
        coalesce(
            json_extract_string(record, '$.traits.email'),
            json_extract_string(record, '$.context.traits.email')
        ) as email,
        -- timestamps (text as exported)
        json_extract_string(record, '$.timestamp') as timestamp_text,
        json_extract_string(record, '$.receivedAt') as received_at_text,
        json_extract_string(record, '$.sentAt') as sent_at_text,
        -- call
        lower(json_extract_string(record, '$.type')) as call_type,
        json_extract_string(record, '$.event') as track_event,
        json_extract_string(record, '$.name') as page_name,
        -- page and campaign
        json_extract_string(record, '$.context.page.path') as context_page_path,
        json_extract_string(record, '$.context.page.url') as context_page_url,
        json_extract_string(record, '$.context.page.referrer') as page_referrer,
        json_extract_string(record, '$.context.campaign.source') as utm_source,
        json_extract_string(record, '$.context.campaign.medium') as utm_medium,
        json_extract_string(record, '$.context.campaign.name') as utm_campaign,
        -- measures: the e-commerce spec's revenue, else total, else a generic value
        json_extract_string(record, '$.properties.revenue') as revenue_text,
        json_extract_string(record, '$.properties.total') as total_text,
        json_extract_string(record, '$.properties.value') as value_text,
        json_extract_string(record, '$.properties.currency') as currency,
        json_extract_string(record, '$.properties.order_id') as order_id,
        json_extract_string(record, '$.properties.product_id') as product_id,
        -- attributes
        json_extract_string(record, '$.context.app.name') as app_name,
        json_extract_string(record, '$.context.app.version') as app_version,
        json_extract_string(record, '$.context.os.name') as os_name,
        json_extract_string(record, '$.context.device.type') as device_type,
        json_extract_string(record, '$.context.library.name') as library_name
    from valid_json
),

parsed as (
    select
        *,
        list_transform(
            [timestamp_text, received_at_text, sent_at_text],
            {{ parse_export_timestamp($segment_time_zone) }}
        ) as parsed_times
    from renamed
),

typed as (
    select
        * exclude (parsed_times, email),
        -- ids: prefixed so a Segment anonymousId can never equal another tool's cookie id
        'seg:' || coalesce(segment_anonymous_id, previous_id) as anonymous_id,
        {{ hash_email(email) }} as email_hash,
        -- timestamps
        coalesce(parsed_times[1], parsed_times[2]) as occurred_at,
        -- event: track calls by their name; pages and screens as Segment names them for tools
        -- that only know events ("Viewed Home Screen", "Loaded a Page" when unnamed)
        case call_type
            when 'track' then track_event
            when 'page' then coalesce('Viewed ' || nullif(page_name, '') || ' Page', 'Loaded a Page')
            when 'screen'
                then coalesce('Viewed ' || nullif(page_name, '') || ' Screen', 'Loaded a Screen')
            else call_type
        end as event_name,
        regexp_replace(
            coalesce(context_page_path, regexp_replace(context_page_url, '^[a-z]+://[^/]+', '')),
            '[?#].*$', ''
        ) as page_path,
        -- measures
        coalesce(
            try_cast(revenue_text as double), try_cast(total_text as double),
            try_cast(value_text as double)
        ) as value,
        coalesce(revenue_text, total_text, value_text) as value_text_used,
        list_filter(
            [
                {'label': 'timestamp', 'txt': timestamp_text, 'ts': parsed_times[1]},
                {'label': 'receivedAt', 'txt': received_at_text, 'ts': parsed_times[2]},
                {'label': 'sentAt', 'txt': sent_at_text, 'ts': parsed_times[3]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_time
    from parsed
),

checked as (
    select
        * exclude (bad_time, _row_hash, value_text_used, is_json),
        coalesce(md5('segment|' || message_id), _row_hash) as _row_hash,
        case
            when not is_json then 'line is not valid JSON'
            when message_id is null then 'missing messageId'
            when call_type is null then 'missing type'
            when call_type not in ('track', 'page', 'screen', 'identify', 'alias', 'group')
                then 'type is not a Segment call: ' || left(call_type, 40)
            when trim(coalesce(timestamp_text, received_at_text, '')) = ''
                then 'missing timestamp and receivedAt'
            {{ unusable_timestamp_reason(bad_time, timestamp) }}
            when call_type = 'track' and trim(coalesce(track_event, '')) = ''
                then 'missing event (track call without a name)'
            when segment_anonymous_id is null and user_id is null
                then 'no identifier: anonymousId and userId are empty'
            when value_text_used is not null and value is null
                then 'properties.revenue/total/value is not a number: ' || left(value_text_used, 40)
        end as _reject_reason
    from typed
)

select * from checked
