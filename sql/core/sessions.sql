-- grain: one row per session (a person's touchpoints with no gap longer than the session gap)
with touchpoints as (
    select * from core.touchpoints
)

select
    -- ids
    session_id,
    person_id,
    journey_id,
    session_number,
    -- timestamps
    min(occurred_at) as started_at,
    max(occurred_at) as ended_at,
    epoch(max(occurred_at)) - epoch(min(occurred_at)) as duration_seconds,
    -- measures
    count(*) as touchpoints,
    count(distinct source) as sources,
    cast(sum(case when is_conversion then 1 else 0 end) as bigint) as conversions,
    -- attributes
    arg_min(touchpoint, touchpoint_number) as first_touchpoint,
    arg_min(channel, touchpoint_number) as first_channel,
    arg_max(touchpoint, touchpoint_number) as last_touchpoint
from touchpoints
group by session_id, person_id, journey_id, session_number
