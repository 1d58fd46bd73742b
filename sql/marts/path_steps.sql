-- model: kind=by_person key=person_id
-- grain: one row per step of a journey's path to conversion (the steps attribution credits), every journey
--
-- A step is a run of consecutive identical touchpoints (as in marts.transitions and
-- core.journeys.touchpoint_path). Converting journeys keep the steps before their first conversion
-- step; a journey whose first step is the conversion keeps that step. Journeys without a conversion
-- keep all their steps (credit 0; they count for marts.paths and the Markov model).
with steps as (
    select
        t.journey_id,
        t.person_id,
        t.touchpoint,
        t.channel,
        t.occurred_at,
        t.is_conversion,
        -- the step's session (that of the run's first touchpoint) came in directly (GA4's Direct)
        coalesce(s.default_channel_group = 'Direct', false) as is_direct,
        row_number() over (partition by t.journey_id order by t.touchpoint_number) as step_number
    from core.touchpoints as t
    left join core.sessions as s on s.session_id = t.session_id
    where not t.repeats_previous
),

first_conversions as (
    select journey_id, min(step_number) as conversion_step
    from steps
    where is_conversion
    group by journey_id
),

conversion_times as (
    select s.journey_id, f.conversion_step, s.touchpoint as conversion_touchpoint, s.occurred_at as converted_at
    from steps as s
    join first_conversions as f on f.journey_id = s.journey_id and f.conversion_step = s.step_number
),

credited as (
    select
        s.*,
        c.conversion_step is not null as converted,
        c.conversion_touchpoint,
        c.converted_at
    from steps as s
    left join conversion_times as c on c.journey_id = s.journey_id
    where c.conversion_step is null
        or s.step_number < c.conversion_step
        or (c.conversion_step = 1 and s.step_number = 1)
),

positioned as (
    select
        *,
        count(*) over (partition by journey_id) as path_steps,
        max(occurred_at) over (partition by journey_id) as last_step_at
    from credited
),

decayed as (
    select
        *,
        -- time decay: a touch loses half its weight per half-life before the conversion. Weighed
        -- against the last credited step (weight 1) rather than the conversion: the shares are the
        -- same, and weights of at most 1 sum exactly as decimals, in any order (docs/metrics.md)
        case when converted then power(
            0.5, (epoch(last_step_at) - epoch(occurred_at)) / $half_life_seconds
        ) end as decay_weight
    from positioned
),

weighted as (
    select
        *,
        decay_weight / cast(
            sum(cast(decay_weight as decimal(38, 18))) over (partition by journey_id) as double
        ) as decay_share,
        -- the credited step after this one, for the Markov chain's edges (null at the last step)
        lead(touchpoint) over (partition by journey_id order by step_number) as next_touchpoint,
        lead(channel) over (partition by journey_id order by step_number) as next_channel,
        -- last non-direct: the last credited step not in a direct session and at most the lookback
        -- before the conversion (null: none, the last step keeps the credit)
        max(case
            when not is_direct
                and epoch(converted_at) - epoch(occurred_at) <= $last_non_direct_lookback_seconds
                then step_number
        end) over (partition by journey_id) as last_non_direct_step
    from decayed
)

select
    -- ids
    journey_id,
    person_id,
    step_number,
    path_steps,
    -- step
    touchpoint,
    channel,
    occurred_at,
    next_touchpoint,
    next_channel,
    -- journey outcome
    converted,
    conversion_touchpoint,
    converted_at,
    epoch(converted_at) - epoch(occurred_at) as seconds_before_conversion,
    -- credit of each rule-based model (0 for journeys without conversion; each sums to 1 per journey)
    cast(case when converted and step_number = 1 then 1 else 0 end as double) as first_touch,
    cast(case when converted and step_number = path_steps then 1 else 0 end as double) as last_touch,
    cast(case when converted then 1.0 / path_steps else 0 end as double) as linear,
    cast(coalesce(decay_share, 0) as double) as time_decay,
    cast(case
        when not converted then 0
        when path_steps = 1 then 1
        when path_steps = 2 then 0.5
        when step_number = 1 or step_number = path_steps then 0.4
        else 0.2 / (path_steps - 2)
    end as double) as position_based,
    cast(case
        when converted and step_number = coalesce(last_non_direct_step, path_steps) then 1 else 0
    end as double) as last_non_direct
from weighted
