-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per classified event of a known person (the touchpoint fact table for dashboards)
with touchpoints as (
    select * from core.touchpoints
)

select
    -- ids
    event_id,
    person_id,
    session_id,
    journey_id,
    -- timestamps and order
    occurred_at,
    touchpoint_number,
    -- classification
    touchpoint,
    channel,
    category,
    is_online,
    phase,
    phase_order,
    is_conversion,
    -- event attributes
    source,
    event_name,
    page_path,
    utm_source,
    utm_medium,
    utm_campaign,
    -- measures
    value,
    currency
from touchpoints
