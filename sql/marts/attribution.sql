-- model: kind=full
-- grain: one row per level ('touchpoint' or 'channel') and name: the conversion credit of each attribution model
--
-- Rule-based credits come from marts.path_steps (each converting journey hands out exactly 1 per
-- model). `markov_removal_effects` is the removal effect per node of the absorbing chain over the
-- same paths, solved by journeyflow.attribution; its credit is the node's share of all removal
-- effects times the number of conversions. Every model's column sums to the conversions per level.
with conversions as (
    select count(distinct journey_id) as conversions
    from marts.path_steps
    where converted
),

by_level as (
    select
        'touchpoint' as level, touchpoint as name, journey_id, converted,
        first_touch, last_touch, linear, time_decay, position_based, last_non_direct
    from marts.path_steps
    union all
    select
        'channel' as level, channel as name, journey_id, converted,
        first_touch, last_touch, linear, time_decay, position_based, last_non_direct
    from marts.path_steps
),

rule_based as (
    select
        level,
        name,
        count(distinct journey_id) as journeys,
        count(distinct journey_id) filter (where converted) as conversions_touched,
        -- credits are fractions: summed as decimals, so the total is exact and the same in any
        -- order (a DOUBLE sum depends on the order DuckDB's threads add rows: docs/metrics.md)
        cast(sum(cast(first_touch as decimal(38, 18))) as double) as first_touch,
        cast(sum(cast(last_touch as decimal(38, 18))) as double) as last_touch,
        cast(sum(cast(linear as decimal(38, 18))) as double) as linear,
        cast(sum(cast(time_decay as decimal(38, 18))) as double) as time_decay,
        cast(sum(cast(position_based as decimal(38, 18))) as double) as position_based,
        cast(sum(cast(last_non_direct as decimal(38, 18))) as double) as last_non_direct
    from by_level
    group by level, name
),

markov as (
    select
        level,
        name,
        removal_effect,
        removal_effect / nullif(
            cast(sum(cast(removal_effect as decimal(38, 18))) over (partition by level) as double), 0
        ) as removal_share
    from markov_removal_effects
)

select
    -- what gets the credit
    r.level,
    r.name,
    -- reach
    r.journeys,
    r.conversions_touched,
    -- credit per model (each column sums to the number of conversions within a level)
    r.first_touch,
    r.last_touch,
    r.linear,
    r.time_decay,
    r.position_based,
    r.last_non_direct,
    coalesce(m.removal_share, 0) * c.conversions as markov,
    -- Markov: drop of P(START → CONVERSION) when the node is removed
    coalesce(m.removal_effect, 0) as markov_removal_effect
from rule_based as r
cross join conversions as c
left join markov as m on m.level = r.level and m.name = r.name
order by r.level desc, markov desc, r.name
