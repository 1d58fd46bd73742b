-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per session (a person's touchpoints with no gap longer than the session gap)
with sessions as (
    select * from core.sessions
)

select
    -- ids
    session_id,
    person_id,
    journey_id,
    session_number,
    -- timestamps
    started_at,
    ended_at,
    duration_seconds,
    -- measures
    touchpoints,
    sources,
    cast(conversions as bigint) as conversions,
    -- attributes
    first_touchpoint,
    first_channel,
    last_touchpoint,
    default_channel_group
from sessions
