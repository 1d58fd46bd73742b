-- grain: one row per scope (touchpoint, channel, phase) and edge from_node -> to_node of the journey graph
with touchpoints as (
    select * from core.touchpoints
),

scoped as (
    -- every touchpoint seen at three levels of detail
    select
        t.journey_id, t.person_id, t.touchpoint_number, t.occurred_at, t.is_conversion,
        s.scope, s.node
    from touchpoints as t
    cross join unnest([
        {'scope': 'touchpoint', 'node': t.touchpoint},
        {'scope': 'channel', 'node': t.channel},
        {'scope': 'phase', 'node': coalesce(t.phase, 'unmapped')}
    ]) as u(s)
),

runs as (
    -- consecutive touchpoints with the same node are one step (a page reloaded, a web session)
    select
        *,
        sum(case when node = previous_node then 0 else 1 end) over (
            partition by scope, journey_id order by touchpoint_number rows unbounded preceding
        ) as step_number
    from (
        select
            *,
            lag(node) over (partition by scope, journey_id order by touchpoint_number) as previous_node
        from scoped
    )
),

steps as (
    select
        scope, journey_id, person_id, step_number,
        any_value(node) as node,
        min(occurred_at) as occurred_at,
        bool_or(is_conversion) as is_conversion,
        min(occurred_at) filter (where is_conversion) as converted_at
    from runs
    group by scope, journey_id, person_id, step_number
),

first_conversions as (
    select scope, journey_id, min(step_number) as step_number
    from steps
    where is_conversion
    group by scope, journey_id
),

journey_ends as (
    select scope, journey_id, person_id, max(step_number) as last_step
    from steps
    group by scope, journey_id, person_id
),

nodes as (
    select scope, journey_id, person_id, 0 as position, 'START' as node,
        cast(null as timestamptz) as node_at
    from journey_ends
    union all
    select scope, journey_id, person_id, 2 * step_number, node, occurred_at
    from steps
    union all
    -- the journey's first conversion is followed by the CONVERSION node; the journey goes on after it
    select s.scope, s.journey_id, s.person_id, 2 * s.step_number + 1, 'CONVERSION', s.converted_at
    from steps as s
    join first_conversions as f
        on f.scope = s.scope and f.journey_id = s.journey_id and f.step_number = s.step_number
    union all
    select scope, journey_id, person_id, 2 * last_step + 2, 'EXIT', cast(null as timestamptz)
    from journey_ends
),

pairs as (
    select
        scope,
        person_id,
        node as from_node,
        lead(node) over (partition by scope, journey_id order by position) as to_node,
        epoch(lead(node_at) over (partition by scope, journey_id order by position)) - epoch(node_at)
            as gap_seconds
    from nodes
),

node_phases as (
    -- a touchpoint has one phase in the taxonomy; should rules disagree, the earliest phase wins
    select 'touchpoint' as scope, touchpoint as node, arg_min(phase, coalesce(phase_order, 99)) as phase
    from touchpoints
    group by touchpoint
    union all
    select distinct 'phase', coalesce(phase, 'unmapped'), phase from touchpoints
),

edges as (
    select
        scope,
        from_node,
        to_node,
        count(*) as transitions,
        count(distinct person_id) as persons,
        median(gap_seconds) as median_seconds
    from pairs
    where to_node is not null
    group by scope, from_node, to_node
)

select
    e.scope,
    e.from_node,
    e.to_node,
    fp.phase as from_phase,
    tp.phase as to_phase,
    e.transitions,
    e.persons,
    e.transitions / sum(e.transitions) over (partition by e.scope, e.from_node) as probability,
    e.median_seconds
from edges as e
left join node_phases as fp on fp.scope = e.scope and fp.node = e.from_node
left join node_phases as tp on tp.scope = e.scope and tp.node = e.to_node
