-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per level ('touchpoint' or 'channel') and name: the conversion credit of each attribution model
with attribution as (
    select * from marts.attribution
)

select
    -- what gets the credit
    level,
    name,
    -- reach
    journeys,
    conversions_touched,
    -- credit per model
    first_touch,
    last_touch,
    linear,
    time_decay,
    position_based,
    last_non_direct,
    markov,
    markov_removal_effect
from attribution
