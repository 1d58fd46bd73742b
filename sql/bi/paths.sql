-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per path variant (a journey's steps before its first conversion, or all its steps), plus "(other paths)"
-- The journey unit of marts.paths; bi.paths_by_unit has every unit.
with paths as (
    select * from marts.paths where unit = 'journey'
)

select
    -- rank and variant
    path_rank,
    touchpoint_path,
    path_steps,
    is_other,
    -- measures
    units as journeys,
    persons,
    conversions,
    units - conversions as drop_offs,
    conversion_rate,
    unit_share as journey_share
from paths
