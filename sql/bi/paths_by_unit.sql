-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per unit (journey, session, person) and path variant, plus "(other paths)" per unit
-- Filter on `unit`: the units' rows are not to be added up (bi.paths is the journey unit).
with paths as (
    select * from marts.paths
)

select
    -- unit, rank and variant
    unit,
    path_rank,
    touchpoint_path,
    path_steps,
    is_other,
    -- measures
    units,
    persons,
    conversions,
    units - conversions as drop_offs,
    conversion_rate,
    unit_share
from paths
