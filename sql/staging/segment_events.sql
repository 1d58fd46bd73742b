-- model: kind=by_file key=_source_file
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
    -- every line in one pass, parsed once into the members we use (NULL when it is not JSON:
    -- rejected in `checked`; no UNION ALL BY NAME of valid and invalid lines, which Spark SQL
    -- lacks). One from_json instead of a json_extract_string per member: each of those parsed the
    -- whole line again (27 parses per line). Every member is read as text, as
    -- json_extract_string gives it (a number or boolean as its JSON text; a member under
    -- something that is not an object is NULL).
    select
        _load_id, _source_file, _row_number, _row_hash,
        json_valid(record) as is_json,
        case when json_valid(record) then from_json(record, '{
            "messageId": "VARCHAR", "anonymousId": "VARCHAR", "userId": "VARCHAR",
            "previousId": "VARCHAR", "traits": {"email": "VARCHAR"},
            "timestamp": "VARCHAR", "receivedAt": "VARCHAR", "sentAt": "VARCHAR",
            "type": "VARCHAR", "event": "VARCHAR", "name": "VARCHAR",
            "context": {
                "traits": {"email": "VARCHAR"},
                "page": {"path": "VARCHAR", "url": "VARCHAR", "referrer": "VARCHAR"},
                "campaign": {"source": "VARCHAR", "medium": "VARCHAR", "name": "VARCHAR"},
                "app": {"name": "VARCHAR", "version": "VARCHAR"},
                "os": {"name": "VARCHAR"},
                "device": {"type": "VARCHAR"},
                "library": {"name": "VARCHAR"}
            },
            "properties": {"revenue": "VARCHAR", "total": "VARCHAR", "value": "VARCHAR",
                "currency": "VARCHAR", "order_id": "VARCHAR", "product_id": "VARCHAR"}
        }') end as r
    from source
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, is_json,
        -- ids
        nullif(trim(r.messageId), '') as message_id,
        nullif(trim(r.anonymousId), '') as segment_anonymous_id,
        nullif(trim(r.userId), '') as user_id,
        nullif(trim(r.previousId), '') as previous_id,
        -- an identify call's traits, or the traits a track call carries in its context
        coalesce(r.traits.email, r.context.traits.email) as email,
        -- timestamps (text as exported)
        r.timestamp as timestamp_text,
        r.receivedAt as received_at_text,
        r.sentAt as sent_at_text,
        -- call
        lower(r.type) as call_type,
        r.event as track_event,
        r.name as page_name,
        -- page and campaign
        r.context.page.path as context_page_path,
        r.context.page.url as context_page_url,
        r.context.page.referrer as page_referrer,
        r.context.campaign.source as utm_source,
        r.context.campaign.medium as utm_medium,
        r.context.campaign.name as utm_campaign,
        -- measures: the e-commerce spec's revenue, else total, else a generic value
        r.properties.revenue as revenue_text,
        r.properties.total as total_text,
        r.properties.value as value_text,
        r.properties.currency as currency,
        r.properties.order_id as order_id,
        r.properties.product_id as product_id,
        -- attributes
        r.context.app.name as app_name,
        r.context.app.version as app_version,
        r.context.os.name as os_name,
        r.context.device.type as device_type,
        r.context.library.name as library_name
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
            -- NaN and infinity too (NaN compares above every number, here and on Spark)
            when abs(value) > 1e15
                then 'properties.revenue/total/value out of range (beyond ±10^15): '
                    || left(value_text_used, 40)
        end as _reject_reason
    from typed
)

select * from checked
