-- model: kind=by_file key=_source_file
-- grain: one row per raw GA4 export line, typed, with the reason it cannot be used (NULL = usable)
-- A Parquet row's fields were landed beside its record as they are (`_typed`, the `landed_*`
-- columns: GA4_LANDED_COLUMNS in sources/__init__.py), so only an NDJSON line (BigQuery's JSON
-- export), or a row landed before that, is parsed here; both kinds give the same column list.
with parsed as (
    -- parse each valid line once into the fields we use (NULL for a line that is not JSON: one pass,
    -- no UNION BY NAME, which Spark lacks)
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
    from raw.ga4_events
    where _typed = false
),

fields as (
    -- one column per field read, from the parsed line or as landed (a typed row's record is not
    -- read: only a reject's is shown, by quality.rejected_rows); a landed event_timestamp is an
    -- integer already, and its text is what the record holds
    select
        _load_id, _source_file, _row_number, _row_hash, is_json,
        r.event_timestamp as event_timestamp_text,
        regexp_full_match(trim(r.event_timestamp), '-?[0-9]+') as event_timestamp_is_integer,
        case when regexp_full_match(trim(r.event_timestamp), '-?[0-9]+')
            then try_cast(trim(r.event_timestamp) as bigint) end as event_timestamp_us,
        r.event_name,
        r.user_pseudo_id,
        r.user_id as ga4_user_id,
        r.event_params,
        r.collected_traffic_source.manual_source as manual_source,
        r.collected_traffic_source.manual_medium as manual_medium,
        r.collected_traffic_source.manual_campaign_name as manual_campaign_name,
        r.ecommerce.purchase_revenue as purchase_revenue,
        r.ecommerce.transaction_id as ecommerce_transaction_id,
        r.device.category as device_category,
        r.device.operating_system as operating_system,
        r.geo.country as country,
        r.platform
    from parsed
    union all
    select
        _load_id, _source_file, _row_number, _row_hash, true as is_json,
        cast(landed_event_timestamp as varchar) as event_timestamp_text,
        landed_event_timestamp is not null as event_timestamp_is_integer,
        landed_event_timestamp as event_timestamp_us,
        landed_event_name,
        landed_user_pseudo_id,
        landed_user_id,
        landed_event_params,
        landed_manual_source,
        landed_manual_medium,
        landed_manual_campaign_name,
        landed_purchase_revenue,
        landed_transaction_id,
        landed_device_category,
        landed_operating_system,
        landed_country,
        landed_platform
    from raw.ga4_events
    where _typed = true
),

with_params as (
    -- event_params becomes a key → value map
    select
        *,
        map_from_entries(
            list_transform(coalesce(event_params, []), lambda p: {'k': p.key, 'v': p.value})
        ) as params
    from fields
),

typed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        user_pseudo_id as anonymous_id,
        nullif(ga4_user_id, '') as user_id,
        -- timestamps
        event_timestamp_text,
        event_timestamp_is_integer,
        event_timestamp_us,
        -- attributes
        event_name,
        params['page_location'].string_value as page_location,
        params['page_referrer'].string_value as page_referrer,
        params['ga_session_id'].int_value as ga_session_id,
        coalesce(manual_source, params['source'].string_value) as utm_source,
        coalesce(manual_medium, params['medium'].string_value) as utm_medium,
        coalesce(manual_campaign_name, params['campaign'].string_value) as utm_campaign,
        coalesce(
            purchase_revenue,
            params['value'].double_value,
            params['value'].float_value,
            params['value'].int_value
        ) as value,
        params['currency'].string_value as currency,
        coalesce(ecommerce_transaction_id, params['transaction_id'].string_value) as transaction_id,
        case when is_json then json_object(
            'device_category', device_category,
            'operating_system', operating_system,
            'country', country,
            'platform', platform
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
