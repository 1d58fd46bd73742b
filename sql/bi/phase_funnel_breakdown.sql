-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per breakdown, breakdown value, mode and journey phase (awareness .. loyalty)
with funnel as (
    select * from marts.phase_funnel_breakdown
)

select
    -- breakdown
    breakdown,
    breakdown_value,
    mode,
    -- phase
    phase_order,
    phase,
    -- measures
    persons,
    persons_with_touchpoint,
    persons_entered,
    persons_next,
    drop_off,
    drop_off_rate,
    persons_skipped,
    window_days
from funnel
