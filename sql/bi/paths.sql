-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per path variant (a journey's steps before its first conversion, or all its steps), plus "(other paths)"
with paths as (
    select * from marts.paths
)

select
    -- rank and variant
    path_rank,
    touchpoint_path,
    path_steps,
    is_other,
    -- measures
    journeys,
    persons,
    conversions,
    journeys - conversions as drop_offs,
    conversion_rate,
    journey_share
from paths
