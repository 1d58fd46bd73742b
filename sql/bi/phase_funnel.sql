-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per journey phase (awareness .. loyalty)
with funnel as (
    select * from marts.phase_funnel
)

select
    -- phase
    phase_order,
    phase,
    -- measures
    persons_entered,
    persons_with_touchpoint,
    persons_next,
    drop_off,
    drop_off_rate,
    persons_churned,
    case when max(persons_entered) over () > 0
        then persons_entered / max(persons_entered) over () end as share_of_first_phase
from funnel
