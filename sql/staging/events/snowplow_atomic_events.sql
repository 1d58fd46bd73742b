-- grain: one row per usable event of a Snowplow atomic.events dump, as the enriched reader's
-- (page pings and transaction items make no events of their own)
{{ snowplow_event_rows(staging.snowplow_atomic_events) }}
