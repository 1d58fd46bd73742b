-- grain: one row per usable Segment call that is an event or links identities
-- (track, page, screen, identify, alias; group calls tie a user to an account and make none)
-- staging.events unions this file with every other source's (sql/staging/events.sql)
-- identify and alias calls are events named `identify` / `alias` so that their identifiers
-- (anonymousId, userId, hashed traits.email) reach identity stitching; the taxonomy ignores them.
with segment as (
    select * from staging.segment_events
    where _reject_reason is null and not _is_duplicate and call_type <> 'group'
)

select
    'segment' as source,
    'raw.segment_events' as source_table,
    message_id as natural_key,
    coalesce(order_id, message_id) as source_record_id,
    _source_file, _row_number, _load_id,
    occurred_at,
    {{ event_identifiers(anonymous_id, user_id, email_hash, null, null) }},
    event_name,
    page_path,
    utm_source, utm_medium, utm_campaign,
    -- another site that referred the page (docs/metrics.md "Default channel group")
    {{ referrer_host(page_referrer, context_page_url) }} as origin,
    value,
    currency,
    json_object(
        'type', call_type,
        'product_id', product_id,
        'app_name', app_name,
        'app_version', app_version,
        'os', os_name,
        'device_type', device_type,
        'library', library_name
    ) as properties
from segment
