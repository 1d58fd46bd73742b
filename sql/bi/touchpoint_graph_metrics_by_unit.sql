-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per unit (journey, session, person) and touchpoint node of that unit's graph
-- Filter on `unit`: the units' rows are not to be added up (bi.touchpoint_graph_metrics is the journey unit).
with metrics as (
    select * from marts.touchpoint_graph_metrics
)

select
    -- unit and node
    unit,
    touchpoint,
    phase,
    -- traffic
    cast(visits as bigint) as visits,
    cast(exits as bigint) as exits,
    cast(conversions_next as bigint) as conversions_next,
    exit_rate,
    bottleneck_rank,
    -- absorbing Markov chain
    conversion_probability,
    visit_probability,
    removal_effect,
    removal_effect_share
from metrics
