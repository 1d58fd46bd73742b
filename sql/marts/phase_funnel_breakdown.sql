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
    select phase, phase_order, max(phase_order) over () as last_phase_order
    from core.phases
    where phase_order >= 1
),

phase_firsts as (
    -- each person's first time in each phase, within the conversion window
    select t.person_id, t.phase_order, min(epoch(t.occurred_at)) as first_epoch
    from core.touchpoints as t
    join first_journeys as j on j.person_id = t.person_id
    where t.phase_order is not null
        and (cast($funnel_window_seconds as double) is null
             or epoch(t.occurred_at) - epoch(j.started_at) <= cast($funnel_window_seconds as double))
    group by t.person_id, t.phase_order
),

grid as (
    select
        j.person_id,
        f.phase_order,
        f.phase,
        f.last_phase_order,
        pf.first_epoch,
        lag(pf.first_epoch) over (partition by j.person_id order by f.phase_order) as previous_first_epoch
    from first_journeys as j
    cross join funnel_phases as f
    left join phase_firsts as pf on pf.person_id = j.person_id and pf.phase_order = f.phase_order
),

flags as (
    select
        *,
        max(case when first_epoch is not null then phase_order end) over (partition by person_id)
            as max_reached_order,
        bool_and(first_epoch is not null and coalesce(first_epoch >= previous_first_epoch, true)) over (
            partition by person_id order by phase_order rows unbounded preceding
        ) as entered_strict
    from grid
),

person_phase as (
    select
        person_id,
        phase_order,
        phase,
        last_phase_order,
        first_epoch is not null as has_touchpoint,
        coalesce(max_reached_order >= phase_order, false) as entered_any,
        coalesce(max_reached_order >= phase_order + 1, false) as next_any,
        entered_strict,
        coalesce(lead(entered_strict) over (partition by person_id order by phase_order), false)
            as next_strict,
        first_epoch is null and coalesce(max_reached_order > phase_order, false) as skipped
    from flags
),

by_mode as (
    select person_id, phase_order, phase, last_phase_order, has_touchpoint, skipped,
        'any_order' as mode, entered_any as entered, next_any as went_next
    from person_phase
    union all
    select person_id, phase_order, phase, last_phase_order, has_touchpoint, skipped,
        'strict_order' as mode, entered_strict as entered, next_strict as went_next
    from person_phase
),

breakdowns as (
    select person_id, 'all' as breakdown, 'all' as breakdown_value from first_journeys
    union all
    select person_id, 'first_channel', coalesce(first_channel, '(none)') from first_journeys
    union all
    select person_id, 'first_touchpoint', coalesce(first_touchpoint, '(none)') from first_journeys
    union all
    select j.person_id, 'first_campaign', coalesce(c.first_campaign, '(none)')
    from first_journeys as j
    left join first_campaigns as c on c.person_id = j.person_id
    union all
    select person_id, 'month', strftime(started_at, '%Y-%m') from first_journeys
),

counted as (
    select
        b.breakdown,
        b.breakdown_value,
        m.mode,
        m.phase_order,
        m.phase,
        m.last_phase_order,
        count(*) as persons,
        count(*) filter (where m.has_touchpoint) as persons_with_touchpoint,
        count(*) filter (where m.entered) as persons_entered,
        count(*) filter (where m.entered and m.went_next) as persons_next,
        count(*) filter (where m.skipped) as persons_skipped
    from breakdowns as b
    join by_mode as m on m.person_id = b.person_id
    group by b.breakdown, b.breakdown_value, m.mode, m.phase_order, m.phase, m.last_phase_order
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
