-- model: kind=by_file key=_source_file
-- grain: one row per raw GA4 export line, typed, with the reason it cannot be used (NULL = usable)
with source as (
    select * from raw.ga4_events
),

parsed as (
    -- parse each valid line once into the fields we use (NULL for a line that is not JSON: one pass,
    -- no UNION BY NAME, which Spark lacks); event_params becomes a key → value map
    select
        _load_id, _source_file, _row_number, _row_hash,
        json_valid(record) as is_json,
        case when json_valid(record) then from_json(record, '{
            "event_timestamp": "VARCHAR", "event_name": "VARCHAR",
            "user_pseudo_id": "VARCHAR", "user_id": "VARCHAR",
            "event_params": [{"key": "VARCHAR", "value": {"string_value": "VARCHAR",
                "int_value": "BIGINT", "float_value": "DOUBLE", "double_value": "DOUBLE"}}],
            "collected_traffic_source": {"manual_source": "VARCHAR", "manual_medium": "VARCHAR",
                "manual_campaign_name": "VARCHAR"},
            "ecommerce": {"purchase_revenue": "DOUBLE", "transaction_id": "VARCHAR"},
            "device": {"category": "VARCHAR", "operating_system": "VARCHAR"},
            "geo": {"country": "VARCHAR"},
            "platform": "VARCHAR"
        }') end as r
    from source
),

with_params as (
    select
        *,
        map_from_entries(
            list_transform(coalesce(r.event_params, []), lambda p: {'k': p.key, 'v': p.value})
        ) as params
    from parsed
),

typed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        r.user_pseudo_id as anonymous_id,
        nullif(r.user_id, '') as user_id,
        -- timestamps
        r.event_timestamp as event_timestamp_text,
        regexp_full_match(trim(r.event_timestamp), '-?[0-9]+') as event_timestamp_is_integer,
        case when regexp_full_match(trim(r.event_timestamp), '-?[0-9]+')
            then try_cast(trim(r.event_timestamp) as bigint) end as event_timestamp_us,
        -- attributes
        r.event_name,
        params['page_location'].string_value as page_location,
        params['page_referrer'].string_value as page_referrer,
        params['ga_session_id'].int_value as ga_session_id,
        coalesce(r.collected_traffic_source.manual_source, params['source'].string_value) as utm_source,
        coalesce(r.collected_traffic_source.manual_medium, params['medium'].string_value) as utm_medium,
        coalesce(r.collected_traffic_source.manual_campaign_name, params['campaign'].string_value)
            as utm_campaign,
        coalesce(
            r.ecommerce.purchase_revenue,
            params['value'].double_value,
            params['value'].float_value,
            params['value'].int_value
        ) as value,
        params['currency'].string_value as currency,
        coalesce(r.ecommerce.transaction_id, params['transaction_id'].string_value) as transaction_id,
        case when is_json then json_object(
            'device_category', r.device.category,
            'operating_system', r.device.operating_system,
            'country', r.geo.country,
            'platform', r.platform
        ) end as properties,
        is_json
    from with_params
),

with_time as (
    select
        *,
        -- only years 1 to 9999 are timestamps (on Spark too); outside them make_timestamptz fails
        case when event_timestamp_us between -62135596800000000 and 253402300799999999
            then make_timestamptz(event_timestamp_us) end as occurred_at,
        regexp_replace(regexp_replace(page_location, '^[a-z]+://[^/]+', ''), '[?#].*$', '') as page_path
    from typed
),

checked as (
    select
        *,
        case
            when not is_json then 'line is not valid JSON'
            when event_timestamp_text is null then 'missing event_timestamp'
            when not event_timestamp_is_integer
                then 'event_timestamp is not an integer: ' || left(event_timestamp_text, 40)
            when occurred_at is null then 'event_timestamp out of range: ' || left(event_timestamp_text, 40)
            when occurred_at < timestamptz '2000-01-01 00:00:00+00'
                or occurred_at > $as_of + interval 1 day
                then 'event_timestamp out of range: ' || cast(occurred_at as varchar)
            when event_name is null or event_name = '' then 'missing event_name'
            when anonymous_id is null or anonymous_id = '' then 'missing user_pseudo_id'
            -- NaN and infinity too (NaN compares above every number, here and on Spark)
            when abs(value) > 1e15 then 'value out of range (beyond ±10^15): ' || cast(value as varchar)
        end as _reject_reason
    from with_time
)

select * exclude (is_json, event_timestamp_is_integer) from checked
