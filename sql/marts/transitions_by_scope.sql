-- model: kind=full
-- grain: one row per unit (journey, session, person), scope (touchpoint, channel, phase) and edge
-- from_node -> to_node of the graph
-- core.journey_transitions holds every unit's transitions; this sums them per edge. `unit` says what
-- one sequence is (docs/metrics.md): filter on it, the units' rows are not to be added up.
with pairs as (
    select * from core.journey_transitions
),

node_phases as (
    -- a touchpoint has one phase in the taxonomy; should rules disagree, the earliest phase wins
    select 'touchpoint' as scope, touchpoint as node, arg_min(phase, coalesce(phase_order, 99)) as phase
    from core.touchpoints
    group by touchpoint
    union all
    select distinct 'phase', coalesce(phase, 'unmapped'), phase from core.touchpoints
),

edges as (
    select
        unit,
        scope,
        from_node,
        to_node,
        count(*) as transitions,
        count(distinct person_id) as persons,
        median(gap_seconds) as median_seconds
    from pairs
    where to_node is not null
    group by unit, scope, from_node, to_node
)

select
    e.unit,
    e.scope,
    e.from_node,
    e.to_node,
    fp.phase as from_phase,
    tp.phase as to_phase,
    e.transitions,
    e.persons,
    e.transitions / sum(e.transitions) over (partition by e.unit, e.scope, e.from_node) as probability,
    e.median_seconds
from edges as e
left join node_phases as fp on fp.scope = e.scope and fp.node = e.from_node
left join node_phases as tp on tp.scope = e.scope and tp.node = e.to_node
