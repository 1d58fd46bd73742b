-- model: kind=full
-- grain: one row per edge from_node -> to_node of the touchpoint journey graph (plus START, CONVERSION, EXIT)
-- The touchpoint scope of marts.transitions_by_scope at the journey unit, where the logic lives
-- (the graph export, the Markov chain and bi.transitions read journeys; other units: that table).
select
    from_node,
    to_node,
    from_phase,
    to_phase,
    transitions,
    persons,
    probability,
    median_seconds
from marts.transitions_by_scope
where scope = 'touchpoint' and unit = 'journey'
