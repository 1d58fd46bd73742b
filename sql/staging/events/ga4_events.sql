-- grain: one row per usable GA4 event (every event is its own record)
-- staging.events unions this file with every other source's (sql/staging/events.sql)
with ga4 as (
    select * from staging.ga4_events where _reject_reason is null and not _is_duplicate
)

select
    'ga4' as source,
    'raw.ga4_events' as source_table,
    anonymous_id || '|' || cast(event_timestamp_us as varchar) || '|' || event_name || '|'
        || coalesce(cast(ga_session_id as varchar), '') || '|' || coalesce(page_location, '')
        as natural_key,
    transaction_id as source_record_id,
    _source_file, _row_number, _load_id,
    occurred_at,
    {{ event_identifiers(anonymous_id, user_id, null, null, null) }},
    event_name,
    page_path,
    utm_source, utm_medium, utm_campaign,
    -- another site that referred the page view (docs/metrics.md "Default channel group")
    {{ referrer_host(page_referrer, page_location) }} as origin,
    value,
    currency,
    properties,
    -- GA4's session: ga_session_id (the session's start in seconds) is unique per user_pseudo_id
    -- only, so the two together name it, as GA4's own session counts do (docs/metrics.md)
    case when ga_session_id is not null
        then 'ga4:' || anonymous_id || ':' || cast(ga_session_id as varchar) end as tracker_session_id
from ga4
