-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per edge from_node -> to_node of the journey graph (touchpoints plus START, CONVERSION, EXIT)
with transitions as (
    select * from marts.transitions
)

select
    -- edge
    from_node,
    to_node,
    from_phase,
    to_phase,
    -- measures
    transitions,
    persons,
    probability,
    median_seconds,
    median_seconds / 60.0 as median_minutes
from transitions
