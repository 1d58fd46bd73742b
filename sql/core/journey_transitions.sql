-- model: kind=by_person key=person_id
-- grain: one row per transition of a unit (a person, a journey or a session) from one node to the
-- next, at each scope (touchpoint, channel, phase): START, the unit's steps, CONVERSION after its
-- first conversion, EXIT.
-- Units (`unit`, as in marts.funnels): `journey` (the default everywhere), `session` (the sequence
-- broken at session boundaries: no edge crosses from one session to the next) and `person` (one
-- sequence across all the person's journeys); those of the `units` setting ($units). Every
-- touchpoint is in one unit of each kind, so it is read once per unit, and everything below is per
-- unit_id.
-- Per person, so an incremental run rebuilds only the persons core.touchpoints recomputed;
-- marts.transitions_by_scope sums it into the graph's edges.
-- Consecutive touchpoints with the same node are one step (a page reloaded, a web session). Every
-- transition is read off one touchpoint row, in two window passes and one scan (no table of steps
-- joined back to its unit: at 10M events that spilled 15 GB):
--   - a step's first touchpoint (its node differs from the previous touchpoint's): START -> node for
--     the unit's first step, else previous node -> node, or CONVERSION -> node when the unit's
--     first conversion is in the step before (the gap then counts from the conversion);
--   - the unit's first conversion: the node of its step -> CONVERSION (gap from the step's start);
--   - the unit's last touchpoint: the node of the last step -> EXIT, or CONVERSION -> EXIT when
--     the first conversion is in the last step.
-- Step starts are found by touchpoint number: touchpoint numbers order a person's touchpoints, times
-- only grow with them, so the latest step start before a row is the max over the rows before it.
with touchpoints as (
    select * from core.touchpoints
),

unit_touchpoints as (
    -- each touchpoint once per unit kind (only the columns the passes below need)
    select
        t.u.unit as unit, t.u.unit_id as unit_id, t.person_id, t.touchpoint_number, t.occurred_at,
        t.is_conversion, t.touchpoint, t.channel, t.phase
    from (
        select
            t.person_id, t.touchpoint_number, t.occurred_at, t.is_conversion, t.touchpoint,
            t.channel, t.phase,
            unnest([
                {'unit': 'journey', 'unit_id': t.journey_id},
                {'unit': 'session', 'unit_id': t.session_id},
                {'unit': 'person', 'unit_id': t.person_id}
            ]) as u
        from touchpoints as t
    ) as t
    where list_contains(cast($units as varchar[]), t.u.unit)
),

unit_rows as (
    -- the previous touchpoint's nodes, and the unit's first conversion and last touchpoint
    select
        unit, unit_id, person_id, touchpoint_number, occurred_at, is_conversion,
        touchpoint, channel, coalesce(phase, 'unmapped') as phase_node,
        lag(touchpoint) over (partition by unit, unit_id order by touchpoint_number)
            as previous_touchpoint,
        lag(channel) over (partition by unit, unit_id order by touchpoint_number) as previous_channel,
        lag(coalesce(phase, 'unmapped')) over (partition by unit, unit_id order by touchpoint_number)
            as previous_phase_node,
        min(case when is_conversion then touchpoint_number end) over (partition by unit, unit_id)
            as conversion_number,
        -- the first conversion's time (times only grow with the touchpoint number)
        min(case when is_conversion then occurred_at end) over (partition by unit, unit_id)
            as converted_at,
        max(touchpoint_number) over (partition by unit, unit_id) as last_number
    from unit_touchpoints
),

marked as (
    select
        *,
        case when touchpoint = previous_touchpoint then 0 else 1 end as new_touchpoint_step,
        case when channel = previous_channel then 0 else 1 end as new_channel_step,
        case when phase_node = previous_phase_node then 0 else 1 end as new_phase_step
    from unit_rows
),

stepped as (
    -- per level: the first touchpoint (number and time) of the step the previous row is in
    select
        *,
        max(case when new_touchpoint_step = 1 then touchpoint_number end) over (
            partition by unit, unit_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_touchpoint_step_number,
        max(case when new_touchpoint_step = 1 then occurred_at end) over (
            partition by unit, unit_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_touchpoint_step_at,
        max(case when new_channel_step = 1 then touchpoint_number end) over (
            partition by unit, unit_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_channel_step_number,
        max(case when new_channel_step = 1 then occurred_at end) over (
            partition by unit, unit_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_channel_step_at,
        max(case when new_phase_step = 1 then touchpoint_number end) over (
            partition by unit, unit_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_phase_step_number,
        max(case when new_phase_step = 1 then occurred_at end) over (
            partition by unit, unit_id order by touchpoint_number
            rows between unbounded preceding and 1 preceding
        ) as previous_phase_step_at
    from marked
),

levels as (
    -- one row per touchpoint and level: its node, whether it starts a step, the step before's node
    -- and first touchpoint, and its own step's first touchpoint
    select
        s.unit, s.unit_id, s.person_id, s.touchpoint_number, s.occurred_at, s.conversion_number,
        s.converted_at, s.last_number,
        l.scope, l.node, l.new_step = 1 as starts_step, l.previous_node,
        l.previous_step_number, l.previous_step_at,
        case when l.new_step = 1 then s.touchpoint_number else l.previous_step_number end
            as step_number,
        case when l.new_step = 1 then s.occurred_at else l.previous_step_at end as step_at
    from (
        select
            s.*,
            unnest([
                {
                    'scope': 'touchpoint', 'node': s.touchpoint, 'new_step': s.new_touchpoint_step,
                    'previous_node': s.previous_touchpoint,
                    'previous_step_number': s.previous_touchpoint_step_number,
                    'previous_step_at': s.previous_touchpoint_step_at
                },
                {
                    'scope': 'channel', 'node': s.channel, 'new_step': s.new_channel_step,
                    'previous_node': s.previous_channel,
                    'previous_step_number': s.previous_channel_step_number,
                    'previous_step_at': s.previous_channel_step_at
                },
                {
                    'scope': 'phase', 'node': s.phase_node, 'new_step': s.new_phase_step,
                    'previous_node': s.previous_phase_node,
                    'previous_step_number': s.previous_phase_step_number,
                    'previous_step_at': s.previous_phase_step_at
                }
            ]) as l
        from stepped as s
    ) as s
    where l.new_step = 1 or s.touchpoint_number = s.conversion_number
        or s.touchpoint_number = s.last_number
),

pairs as (
    -- at most three transitions per touchpoint and level (kept: `keep`)
    select unit, unit_id, scope, person_id, p.from_node, p.to_node, p.gap_seconds
    from (
        select
            t.unit, t.unit_id, t.scope, t.person_id,
            unnest([
                {
                    -- the step's first touchpoint: START or the step before (or CONVERSION) -> its node
                    'keep': t.starts_step,
                    'from_node': case
                        when t.previous_step_number is null then 'START'
                        when t.conversion_number >= t.previous_step_number
                            and t.conversion_number < t.touchpoint_number then 'CONVERSION'
                        else t.previous_node
                    end,
                    'to_node': t.node,
                    'gap_seconds': case
                        when t.previous_step_number is null then cast(null as double)
                        when t.conversion_number >= t.previous_step_number
                            and t.conversion_number < t.touchpoint_number
                            then epoch(t.occurred_at) - epoch(t.converted_at)
                        else epoch(t.occurred_at) - epoch(t.previous_step_at)
                    end
                },
                {
                    -- the unit's first conversion: its step's node -> CONVERSION
                    'keep': t.touchpoint_number = t.conversion_number,
                    'from_node': t.node,
                    'to_node': 'CONVERSION',
                    'gap_seconds': epoch(t.converted_at) - epoch(t.step_at)
                },
                {
                    -- the unit's last touchpoint: the last step's node (or CONVERSION) -> EXIT
                    'keep': t.touchpoint_number = t.last_number,
                    'from_node': case
                        when t.conversion_number >= t.step_number then 'CONVERSION' else t.node
                    end,
                    'to_node': 'EXIT',
                    'gap_seconds': cast(null as double)
                }
            ]) as p
        from levels as t
    )
    where p.keep
)

select
    -- ids
    person_id,
    unit,
    unit_id,
    -- edge
    scope,
    from_node,
    to_node,
    -- measures: seconds between the two nodes (none to or from START and EXIT)
    gap_seconds
from pairs
