-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per funnel, breakdown, breakdown value and step (funnels.yaml)
with funnels as (
    select * from marts.funnels
)

select
    -- funnel
    funnel,
    mode,
    unit,
    window_days,
    -- breakdown
    breakdown,
    breakdown_value,
    -- step
    step,
    label,
    -- measures
    units,
    from_first,
    from_previous,
    median_seconds_from_previous
from funnels
