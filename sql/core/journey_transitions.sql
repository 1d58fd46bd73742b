-- grain: one row per transition of a journey from one node to the next, at each scope (touchpoint,
-- channel, phase): START, the journey's steps, CONVERSION after its first conversion, EXIT.
-- Per person, so an incremental run rebuilds only the persons core.touchpoints recomputed;
-- marts.transitions_by_scope sums it into the journey graph's edges.
with touchpoints as (
    select * from core.touchpoints
),

marked as (
    -- consecutive touchpoints with the same node are one step (a page reloaded, a web session):
    -- a step starts where the node differs from the previous touchpoint's, at each of the three
    -- levels (touchpoint, channel, phase)
    select
        journey_id, person_id, touchpoint_number, occurred_at, is_conversion,
        touchpoint, channel, phase_node,
        previous_touchpoint, previous_channel, previous_phase_node,
        case when touchpoint = previous_touchpoint then 0 else 1 end as new_touchpoint_step,
        case when channel = previous_channel then 0 else 1 end as new_channel_step,
        case when phase_node = previous_phase_node then 0 else 1 end as new_phase_step
    from (
        select
            journey_id, person_id, touchpoint_number, occurred_at, is_conversion, touchpoint, channel,
            coalesce(phase, 'unmapped') as phase_node,
            lag(touchpoint) over (partition by journey_id order by touchpoint_number)
                as previous_touchpoint,
            lag(channel) over (partition by journey_id order by touchpoint_number) as previous_channel,
            lag(coalesce(phase, 'unmapped')) over (partition by journey_id order by touchpoint_number)
                as previous_phase_node
        from touchpoints
    )
),

numbered as (
    -- step numbers, and when the step before a touchpoint's started (its first touchpoint: times
    -- only grow within a journey); one sort for all three levels
    select
        *,
        sum(new_touchpoint_step) over (
            partition by journey_id order by touchpoint_number rows unbounded preceding
        ) as touchpoint_step,
        sum(new_channel_step) over (
            partition by journey_id order by touchpoint_number rows unbounded preceding
        ) as channel_step,
        sum(new_phase_step) over (
            partition by journey_id order by touchpoint_number rows unbounded preceding
        ) as phase_step,
        max(case when new_touchpoint_step = 1 then occurred_at end) over (
            partition by journey_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_touchpoint_step_at,
        max(case when new_channel_step = 1 then occurred_at end) over (
            partition by journey_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_channel_step_at,
        max(case when new_phase_step = 1 then occurred_at end) over (
            partition by journey_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_phase_step_at
    from marked
),

steps as (
    -- one row per step: its first touchpoint (the step's node and start), the node of the step
    -- before it and when that one started
    select 'touchpoint' as scope, journey_id, person_id, touchpoint_step as step_number,
        touchpoint as node, occurred_at, previous_touchpoint as previous_node,
        previous_touchpoint_step_at as previous_at
    from numbered
    where new_touchpoint_step = 1
    union all
    select 'channel', journey_id, person_id, channel_step, channel, occurred_at, previous_channel,
        previous_channel_step_at
    from numbered
    where new_channel_step = 1
    union all
    select 'phase', journey_id, person_id, phase_step, phase_node, occurred_at, previous_phase_node,
        previous_phase_step_at
    from numbered
    where new_phase_step = 1
),

journey_facts as (
    -- per journey: its last step at each level and its first conversion (touchpoint number)
    select
        journey_id,
        max(touchpoint_step) as last_touchpoint_step,
        max(channel_step) as last_channel_step,
        max(phase_step) as last_phase_step,
        min(case when is_conversion then touchpoint_number end) as conversion_number
    from numbered
    group by journey_id
),

journey_ends as (
    -- the journey's last step and the step of its first conversion, whose CONVERSION node follows
    -- it (the journey goes on after it); the conversion's time is the first converting touchpoint's
    select 'touchpoint' as scope, f.journey_id, f.last_touchpoint_step as last_step,
        c.touchpoint_step as conversion_step, c.occurred_at as converted_at
    from journey_facts as f
    left join numbered as c on c.journey_id = f.journey_id and c.touchpoint_number = f.conversion_number
    union all
    select 'channel', f.journey_id, f.last_channel_step, c.channel_step, c.occurred_at
    from journey_facts as f
    left join numbered as c on c.journey_id = f.journey_id and c.touchpoint_number = f.conversion_number
    union all
    select 'phase', f.journey_id, f.last_phase_step, c.phase_step, c.occurred_at
    from journey_facts as f
    left join numbered as c on c.journey_id = f.journey_id and c.touchpoint_number = f.conversion_number
),

step_facts as (
    select s.*, e.last_step, e.conversion_step, e.converted_at
    from steps as s
    join journey_ends as e on e.scope = s.scope and e.journey_id = s.journey_id
),

pairs as (
    -- the journey as START, its steps, CONVERSION after the step of the first conversion, EXIT;
    -- each node with the next one and the seconds between them (none to or from START and EXIT)
    select scope, person_id, journey_id, 'START' as from_node, node as to_node,
        cast(null as double) as gap_seconds
    from step_facts
    where step_number = 1
    union all
    select
        scope, person_id, journey_id,
        case when conversion_step = step_number - 1 then 'CONVERSION' else previous_node end,
        node,
        epoch(occurred_at)
            - epoch(case when conversion_step = step_number - 1 then converted_at else previous_at end)
    from step_facts
    where step_number > 1
    union all
    select scope, person_id, journey_id, node, 'CONVERSION', epoch(converted_at) - epoch(occurred_at)
    from step_facts
    where step_number = conversion_step
    union all
    select scope, person_id, journey_id,
        case when step_number = conversion_step then 'CONVERSION' else node end,
        'EXIT', cast(null as double)
    from step_facts
    where step_number = last_step
)

select
    -- ids
    person_id,
    journey_id,
    -- edge
    scope,
    from_node,
    to_node,
    -- measures: seconds between the two nodes (none to or from START and EXIT)
    gap_seconds
from pairs
