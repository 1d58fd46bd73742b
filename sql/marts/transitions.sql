-- grain: one row per edge from_node -> to_node of the journey graph (touchpoints plus START, CONVERSION, EXIT)
with steps as (
    -- consecutive repeats of one touchpoint are one step
    select
        journey_id,
        person_id,
        touchpoint,
        occurred_at,
        is_conversion,
        row_number() over (partition by journey_id order by touchpoint_number) as step_number
    from core.touchpoints
    where not repeats_previous
),

first_conversions as (
    select journey_id, min(step_number) as step_number
    from steps
    where is_conversion
    group by journey_id
),

journey_ends as (
    select journey_id, person_id, max(step_number) as last_step
    from steps
    group by journey_id, person_id
),

nodes as (
    select journey_id, person_id, 0 as position, 'START' as node, cast(null as timestamptz) as node_at
    from journey_ends
    union all
    select journey_id, person_id, 2 * step_number, touchpoint, occurred_at
    from steps
    union all
    -- the journey's first conversion is followed by the CONVERSION node; the journey goes on after it
    select s.journey_id, s.person_id, 2 * s.step_number + 1, 'CONVERSION', s.occurred_at
    from steps as s
    join first_conversions as f on f.journey_id = s.journey_id and f.step_number = s.step_number
    union all
    select journey_id, person_id, 2 * last_step + 2, 'EXIT', cast(null as timestamptz)
    from journey_ends
),

pairs as (
    select
        person_id,
        node as from_node,
        lead(node) over (partition by journey_id order by position) as to_node,
        epoch(lead(node_at) over (partition by journey_id order by position)) - epoch(node_at) as gap_seconds
    from nodes
),

touchpoint_phases as (
    -- a touchpoint has one phase in the taxonomy; should rules disagree, the earliest phase wins
    select touchpoint, arg_min(phase, coalesce(phase_order, 99)) as phase
    from core.touchpoints
    group by touchpoint
),

edges as (
    select
        from_node,
        to_node,
        count(*) as transitions,
        count(distinct person_id) as persons,
        median(gap_seconds) as median_seconds
    from pairs
    where to_node is not null
    group by from_node, to_node
)

select
    e.from_node,
    e.to_node,
    fp.phase as from_phase,
    tp.phase as to_phase,
    e.transitions,
    e.persons,
    e.transitions / sum(e.transitions) over (partition by e.from_node) as probability,
    e.median_seconds
from edges as e
left join touchpoint_phases as fp on fp.touchpoint = e.from_node
left join touchpoint_phases as tp on tp.touchpoint = e.to_node
