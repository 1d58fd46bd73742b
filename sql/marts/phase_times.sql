-- model: kind=full
-- grain: one row per phase pair (from phase, later to phase), e.g. awareness -> consideration
--
-- Per person, the first time in each phase over all their journeys; the time of a pair is
-- (first time in to_phase - first time in from_phase) in days, over the persons who reached both
-- with to_phase no earlier than from_phase. Persons who reached to_phase first are counted apart.
with phase_firsts as (
    select person_id, phase_order, min(epoch(occurred_at)) as first_epoch
    from core.touchpoints
    where phase_order is not null
    group by person_id, phase_order
),

funnel_phases as (
    select phase, phase_order from core.phases where phase_order >= 1
),

pairs as (
    select
        a.phase_order as from_phase_order,
        a.phase as from_phase,
        b.phase_order as to_phase_order,
        b.phase as to_phase
    from funnel_phases as a
    join funnel_phases as b on b.phase_order > a.phase_order
),

person_pairs as (
    select
        f.phase_order as from_phase_order,
        t.phase_order as to_phase_order,
        (t.first_epoch - f.first_epoch) / 86400 as days
    from phase_firsts as f
    join phase_firsts as t on t.person_id = f.person_id and t.phase_order > f.phase_order
)

select
    p.from_phase_order,
    p.from_phase,
    p.to_phase_order,
    p.to_phase,
    p.to_phase_order = p.from_phase_order + 1 as is_next_phase,
    count(pp.days) filter (where pp.days >= 0) as persons,
    count(pp.days) filter (where pp.days < 0) as persons_out_of_order,
    -- a decimal mean: exact, whatever order the rows are added in (docs/metrics.md)
    cast(avg(cast(pp.days as decimal(38, 18))) filter (where pp.days >= 0) as double) as mean_days,
    quantile_cont(pp.days, 0.5) filter (where pp.days >= 0) as p50_days,
    quantile_cont(pp.days, 0.75) filter (where pp.days >= 0) as p75_days,
    quantile_cont(pp.days, 0.9) filter (where pp.days >= 0) as p90_days
from pairs as p
left join person_pairs as pp
    on pp.from_phase_order = p.from_phase_order and pp.to_phase_order = p.to_phase_order
group by p.from_phase_order, p.from_phase, p.to_phase_order, p.to_phase
order by p.from_phase_order, p.to_phase_order
