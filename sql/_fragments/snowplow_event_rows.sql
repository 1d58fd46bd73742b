-- The canonical events of a staged Snowplow table: {{ snowplow_event_rows(staging.snowplow_events) }}.
-- source_table is raw.snowplow_events for both readers: Snowplow's event_id names one event
-- whichever way it was exported, so staging.events' event_id (md5 of source_table and
-- natural_key) is the same and an event in an enriched file and in an atomic dump counts once.
-- staging.events unions this file with every other source's (sql/staging/events.sql)
-- A page ping is the heartbeat of a page view that is already an event, and a transaction item a
-- line of a transaction that is: both stay in staging.snowplow_events for engagement analyses.
with snowplow as (
    select * from $arg
    where _reject_reason is null and not _is_duplicate
        and event_type not in ('page_ping', 'transaction_item')
)

select
    'snowplow' as source,
    'raw.snowplow_events' as source_table,
    event_id as natural_key,
    coalesce(tr_orderid, event_id) as source_record_id,
    _source_file, _row_number, _load_id,
    occurred_at,
    {{ event_identifiers(anonymous_id, user_id, null, null, null) }},
    event_name,
    page_path,
    mkt_source as utm_source,
    mkt_medium as utm_medium,
    mkt_campaign as utm_campaign,
    -- what kind: a structured event's category, a Snowplow e-commerce action's type; a page view's
    -- other site that referred it, as for GA4 and Segment (refr_urlhost, else page_referrer's host;
    -- none when Snowplow's referer parser says `internal`: docs/metrics.md "Default channel group")
    case
        when event_type = 'struct' then se_category
        when event_name = 'snowplow_ecommerce_action' then json_extract_string(unstruct_data, '$.type')
        when event_type = 'page_view' and coalesce(lower(trim(refr_medium)), '') <> 'internal'
            then {{ referrer_host(referrer_url, page_url) }}
    end as origin,
    case when event_type = 'page_view' then nullif(lower(trim(refr_medium)), '') end as referrer_medium,
    case when event_type = 'page_view' then nullif(lower(trim(refr_source)), '') end as referrer_source,
    -- the tracker's session (a UUID per session cookie): docs/metrics.md "Tracker sessions"
    'sp:' || nullif(trim(domain_sessionid), '') as tracker_session_id,
    case when event_type = 'transaction' then tr_total else se_value end as value,
    case when event_type = 'transaction' then tr_currency end as currency,
    json_object(
        'event', event_type,
        'app_id', app_id,
        'se_label', se_label,
        'domain_sessionid', domain_sessionid,
        'domain_sessionidx', domain_sessionidx,
        'platform', platform,
        'device_type', dvce_type,
        'country', geo_country,
        'page_title', page_title,
        -- json(): embedded as JSON on both engines (a VARIANT on Spark, not a quoted text)
        'unstruct', json(unstruct_data)
    ) as properties
from snowplow
