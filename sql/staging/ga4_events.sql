-- grain: one row per raw GA4 export line, typed, with the reason it cannot be used (NULL = usable)
with source as (
    select * from raw.ga4_events
),

valid_json as (
    select * from source where json_valid(record)
),

params_parsed as (
    select
        *,
        from_json(
            coalesce(json_extract(record, '$.event_params'), '[]'),
            '[{"key": "VARCHAR", "value": {"string_value": "VARCHAR", "int_value": "BIGINT", "float_value": "DOUBLE", "double_value": "DOUBLE"}}]'
        ) as params
    from valid_json
),

typed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.user_pseudo_id') as anonymous_id,
        nullif(json_extract_string(record, '$.user_id'), '') as user_id,
        -- timestamps
        json_extract_string(record, '$.event_timestamp') as event_timestamp_text,
        try_cast(json_extract_string(record, '$.event_timestamp') as bigint) as event_timestamp_us,
        -- attributes
        json_extract_string(record, '$.event_name') as event_name,
        list_filter(params, lambda p: p.key = 'page_location')[1].value.string_value as page_location,
        list_filter(params, lambda p: p.key = 'page_referrer')[1].value.string_value as page_referrer,
        list_filter(params, lambda p: p.key = 'ga_session_id')[1].value.int_value as ga_session_id,
        coalesce(
            json_extract_string(record, '$.collected_traffic_source.manual_source'),
            list_filter(params, lambda p: p.key = 'source')[1].value.string_value
        ) as utm_source,
        coalesce(
            json_extract_string(record, '$.collected_traffic_source.manual_medium'),
            list_filter(params, lambda p: p.key = 'medium')[1].value.string_value
        ) as utm_medium,
        coalesce(
            json_extract_string(record, '$.collected_traffic_source.manual_campaign_name'),
            list_filter(params, lambda p: p.key = 'campaign')[1].value.string_value
        ) as utm_campaign,
        coalesce(
            try_cast(json_extract_string(record, '$.ecommerce.purchase_revenue') as double),
            list_filter(params, lambda p: p.key = 'value')[1].value.double_value,
            list_filter(params, lambda p: p.key = 'value')[1].value.float_value,
            list_filter(params, lambda p: p.key = 'value')[1].value.int_value
        ) as value,
        list_filter(params, lambda p: p.key = 'currency')[1].value.string_value as currency,
        coalesce(
            json_extract_string(record, '$.ecommerce.transaction_id'),
            list_filter(params, lambda p: p.key = 'transaction_id')[1].value.string_value
        ) as transaction_id,
        json_object(
            'device_category', json_extract_string(record, '$.device.category'),
            'operating_system', json_extract_string(record, '$.device.operating_system'),
            'country', json_extract_string(record, '$.geo.country'),
            'platform', json_extract_string(record, '$.platform')
        ) as properties
    from params_parsed
),

with_time as (
    select
        *,
        make_timestamptz(event_timestamp_us) as occurred_at,
        regexp_replace(regexp_replace(page_location, '^[a-z]+://[^/]+', ''), '[?#].*$', '') as page_path
    from typed
),

checked as (
    select
        *,
        case
            when event_timestamp_text is null then 'missing event_timestamp'
            when event_timestamp_us is null
                then 'event_timestamp is not an integer: ' || left(event_timestamp_text, 40)
            when occurred_at < timestamptz '2000-01-01 00:00:00+00'
                or occurred_at > current_timestamp + interval 1 day
                then 'event_timestamp out of range: ' || cast(occurred_at as varchar)
            when event_name is null or event_name = '' then 'missing event_name'
            when anonymous_id is null or anonymous_id = '' then 'missing user_pseudo_id'
        end as _reject_reason
    from with_time
),

invalid_json as (
    select
        _load_id, _source_file, _row_number, _row_hash,
        'line is not valid JSON' as _reject_reason
    from source
    where not json_valid(record)
)

select * from checked
union all by name
select * from invalid_json
