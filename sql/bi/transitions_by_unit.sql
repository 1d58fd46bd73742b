-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per unit (journey, session, person), scope (touchpoint, channel, phase) and edge
-- from_node -> to_node, plus START, CONVERSION and EXIT
-- Filter on `unit` and `scope`: their rows are not to be added up (bi.transitions is the journey
-- unit at touchpoint scope).
with transitions as (
    select * from marts.transitions_by_scope
)

select
    -- unit, scope and edge
    unit,
    scope,
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
