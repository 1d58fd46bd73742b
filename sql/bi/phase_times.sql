-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per phase pair (from phase -> later phase)
with times as (
    select * from marts.phase_times
)

select
    -- pair
    from_phase_order,
    from_phase,
    to_phase_order,
    to_phase,
    is_next_phase,
    -- measures
    persons,
    persons_out_of_order,
    mean_days,
    p50_days,
    p75_days,
    p90_days
from times
