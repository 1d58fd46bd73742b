-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per touchpoint node of the journey graph (without START, CONVERSION, EXIT)
-- The journey unit of marts.touchpoint_graph_metrics; bi.touchpoint_graph_metrics_by_unit has every unit.
with metrics as (
    select * from marts.touchpoint_graph_metrics where unit = 'journey'
)

select
    -- node
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
