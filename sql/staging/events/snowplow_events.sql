-- grain: one row per usable Snowplow event (page views, structured, unstruct and transaction
-- events; page pings and transaction items make no events of their own)
{{ snowplow_event_rows(staging.snowplow_events) }}
