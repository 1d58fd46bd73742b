-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per person journey (first touchpoint until churn or the inactivity window)
with journeys as (
    select * from core.journeys
)

select
    -- ids
    journey_id,
    person_id,
    journey_number,
    -- timestamps
    started_at,
    ended_at,
    converted_at,
    (epoch(ended_at) - epoch(started_at)) / 86400.0 as duration_days,
    -- measures
    touchpoints,
    sessions,
    channels,
    conversion_value,
    -- path
    first_touchpoint,
    first_channel,
    last_touchpoint,
    touchpoint_path,
    array_to_string(phases_reached, ' > ') as phases_reached,
    max_phase,
    -- outcome
    converted,
    churned,
    outcome
from journeys
