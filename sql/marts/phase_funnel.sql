-- model: kind=full
-- grain: one row per journey phase (awareness .. loyalty): persons who reached it, went on, dropped off
with person_phases as (
    select
        person_id,
        max(phase_order) as max_phase_order,
        bool_or(phase = 'churn') as churned
    from core.touchpoints
    group by person_id
),

phase_touches as (
    select phase_order, count(distinct person_id) as persons_with_touchpoint
    from core.touchpoints
    where phase_order is not null
    group by phase_order
),

funnel_phases as (
    select phase, phase_order, max(phase_order) over () as last_phase_order
    from core.phases
    where phase_order >= 1
),

counted as (
    select
        f.phase_order,
        f.phase,
        f.last_phase_order,
        count(p.person_id) filter (where p.max_phase_order >= f.phase_order) as persons_entered,
        count(p.person_id) filter (where p.max_phase_order >= f.phase_order + 1) as persons_next,
        count(p.person_id) filter (where p.max_phase_order = f.phase_order and p.churned)
            as persons_churned
    from funnel_phases as f
    cross join person_phases as p
    group by f.phase_order, f.phase, f.last_phase_order
)

select
    c.phase_order,
    c.phase,
    -- persons who reached this phase or a later one (skipping a phase still counts as passing it)
    c.persons_entered,
    coalesce(t.persons_with_touchpoint, 0) as persons_with_touchpoint,
    case when c.phase_order < c.last_phase_order then c.persons_next end as persons_next,
    case when c.phase_order < c.last_phase_order then c.persons_entered - c.persons_next end
        as drop_off,
    case when c.phase_order < c.last_phase_order and c.persons_entered > 0
        then (c.persons_entered - c.persons_next) / c.persons_entered end as drop_off_rate,
    c.persons_churned
from counted as c
left join phase_touches as t on t.phase_order = c.phase_order
order by c.phase_order
