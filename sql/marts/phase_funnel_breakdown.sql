-- model: kind=full
-- grain: one row per breakdown, breakdown_value, mode and phase (awareness .. loyalty)
--
-- Person-level, like marts.phase_funnel, but each person is a member of a cohort fixed by their
-- first journey (its first channel, first touchpoint, first utm_campaign and start month), and a phase counts as
-- reached only when the person's first touchpoint in it is at most funnel_window_days after the
-- start of their first journey (their first touchpoint). mode any_order: entered phase k = reached
-- phase k or a later one; strict_order: reached every phase 1..k, each first reached no earlier
-- than the one before.
with first_journeys as (
    select person_id, started_at, first_channel, first_touchpoint
    from core.journeys
    where journey_number = 1
),

first_campaigns as (
    -- the first real utm_campaign of the person's first journey (GA4 placeholders such as '(organic)' are none)
    select t.person_id, arg_min(t.utm_campaign, t.touchpoint_number) as first_campaign
    from core.touchpoints as t
    join first_journeys as j on j.person_id = t.person_id
    where t.journey_number = 1 and t.utm_campaign is not null and t.utm_campaign not like '(%)'
    group by t.person_id
),

funnel_phases as (
    select
        phase,
        phase_order,
        max(phase_order) over () as last_phase_order,
        row_number() over (order by phase_order, phase) as phase_step
    from core.phases
    where phase_order >= 1
),

phase_firsts as (
    -- each person's first time in each funnel phase, within the conversion window
    select t.person_id, f.phase_order, f.phase_step, min(epoch(t.occurred_at)) as first_epoch
    from core.touchpoints as t
    join first_journeys as j on j.person_id = t.person_id
    join funnel_phases as f on f.phase_order = t.phase_order
    where t.occurred_at is not null
        and (cast($funnel_window_seconds as double) is null
             or epoch(t.occurred_at) - epoch(j.started_at) <= cast($funnel_window_seconds as double))
    group by t.person_id, f.phase_order, f.phase_step
),

phase_chain as (
    -- a reached phase extends the strict-order chain when every earlier phase was reached too and
    -- the one before it was first reached no later
    select
        person_id,
        phase_order,
        row_number() over (partition by person_id order by phase_step) as reached_rank,
        phase_step = row_number() over (partition by person_id order by phase_step)
            and coalesce(
                first_epoch >= lag(first_epoch) over (partition by person_id order by phase_step), true
            ) as extends_chain
    from phase_firsts
),

person_reach as (
    -- how far each person got: the latest phase reached (any_order) and the number of phases, from
    -- the first, reached one after the other (strict_order)
    select
        j.person_id,
        max(c.phase_order) as max_reached_order,
        coalesce(min(case when not c.extends_chain then c.reached_rank end), count(c.reached_rank) + 1) - 1
            as strict_steps
    from first_journeys as j
    left join phase_chain as c on c.person_id = j.person_id
    group by j.person_id
),

person_cohorts as (
    -- each person's cohort under every breakdown at once, and how far they got
    select
        j.person_id,
        coalesce(j.first_channel, '(none)') as first_channel,
        coalesce(j.first_touchpoint, '(none)') as first_touchpoint,
        coalesce(c.first_campaign, '(none)') as first_campaign,
        strftime(j.started_at, '%Y-%m') as month,
        r.max_reached_order,
        r.strict_steps
    from first_journeys as j
    join person_reach as r on r.person_id = j.person_id
    left join first_campaigns as c on c.person_id = j.person_id
),

profiles as (
    -- persons counted by cohort combination and by how far they got: far fewer rows than persons,
    -- so the counts below never expand persons by breakdown, mode and phase
    select
        first_channel, first_touchpoint, first_campaign, month, max_reached_order, strict_steps,
        count(*) as persons
    from person_cohorts
    group by first_channel, first_touchpoint, first_campaign, month, max_reached_order, strict_steps
),

cohort_phases as (
    select
        p.first_channel,
        p.first_touchpoint,
        p.first_campaign,
        p.month,
        f.phase_order,
        f.phase_step,
        f.phase,
        f.last_phase_order,
        sum(p.persons) as persons,
        sum(case when p.max_reached_order >= f.phase_order then p.persons else 0 end) as entered_any,
        sum(case when p.max_reached_order >= f.phase_order + 1 then p.persons else 0 end) as next_any,
        sum(case when p.max_reached_order > f.phase_order then p.persons else 0 end) as reached_later,
        sum(case when p.strict_steps >= f.phase_step then p.persons else 0 end) as entered_strict,
        sum(case when p.strict_steps >= f.phase_step + 1 then p.persons else 0 end) as next_strict
    from profiles as p
    cross join funnel_phases as f
    group by p.first_channel, p.first_touchpoint, p.first_campaign, p.month,
        f.phase_order, f.phase_step, f.phase, f.last_phase_order
),

touches as (
    -- per cohort combination and phase: persons with a touchpoint in it, and those of them who also
    -- reached a later phase (the rest of those who reached a later phase skipped this one)
    select
        pc.first_channel,
        pc.first_touchpoint,
        pc.first_campaign,
        pc.month,
        p.phase_step,
        count(*) as persons_with_touchpoint,
        count(*) filter (where pc.max_reached_order > p.phase_order) as touched_and_later
    from phase_firsts as p
    join person_cohorts as pc on pc.person_id = p.person_id
    group by pc.first_channel, pc.first_touchpoint, pc.first_campaign, pc.month, p.phase_step
),

cohort_counts as (
    select
        c.first_channel,
        c.first_touchpoint,
        c.first_campaign,
        c.month,
        c.phase_order,
        c.phase,
        c.last_phase_order,
        c.persons,
        coalesce(t.persons_with_touchpoint, 0) as persons_with_touchpoint,
        c.reached_later - coalesce(t.touched_and_later, 0) as persons_skipped,
        c.entered_any,
        c.next_any,
        c.entered_strict,
        c.next_strict
    from cohort_phases as c
    left join touches as t
        on t.first_channel = c.first_channel and t.first_touchpoint = c.first_touchpoint
        and t.first_campaign = c.first_campaign and t.month is not distinct from c.month
        and t.phase_step = c.phase_step
),

by_mode as (
    select *, 'any_order' as mode, entered_any as persons_entered, next_any as persons_next
    from cohort_counts
    union all
    select *, 'strict_order' as mode, entered_strict as persons_entered, next_strict as persons_next
    from cohort_counts
),

breakdowns as (
    select 'all' as breakdown, 'all' as breakdown_value, * from by_mode
    union all
    select 'first_channel', first_channel, * from by_mode
    union all
    select 'first_touchpoint', first_touchpoint, * from by_mode
    union all
    select 'first_campaign', first_campaign, * from by_mode
    union all
    select 'month', month, * from by_mode
),

counted as (
    select
        breakdown,
        breakdown_value,
        mode,
        phase_order,
        phase,
        last_phase_order,
        cast(sum(persons) as bigint) as persons,
        cast(sum(persons_with_touchpoint) as bigint) as persons_with_touchpoint,
        cast(sum(persons_entered) as bigint) as persons_entered,
        cast(sum(persons_next) as bigint) as persons_next,
        cast(sum(persons_skipped) as bigint) as persons_skipped
    from breakdowns
    group by breakdown, breakdown_value, mode, phase_order, phase, last_phase_order
)

select
    breakdown,
    breakdown_value,
    mode,
    phase_order,
    phase,
    -- persons whose first journey falls in this breakdown value
    persons,
    persons_with_touchpoint,
    persons_entered,
    case when phase_order < last_phase_order then persons_next end as persons_next,
    case when phase_order < last_phase_order then persons_entered - persons_next end as drop_off,
    case when phase_order < last_phase_order and persons_entered > 0
        then (persons_entered - persons_next) / persons_entered end as drop_off_rate,
    persons_skipped,
    cast($funnel_window_seconds as double) / 86400 as window_days
from counted
order by breakdown, breakdown_value, mode, phase_order
