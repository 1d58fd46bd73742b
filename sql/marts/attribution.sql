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
        first_touch, last_touch, linear, time_decay, position_based
    from marts.path_steps
    union all
    select
        'channel' as level, channel as name, journey_id, converted,
        first_touch, last_touch, linear, time_decay, position_based
    from marts.path_steps
),

rule_based as (
    select
        level,
        name,
        count(distinct journey_id) as journeys,
        count(distinct journey_id) filter (where converted) as conversions_touched,
        sum(first_touch) as first_touch,
        sum(last_touch) as last_touch,
        sum(linear) as linear,
        sum(time_decay) as time_decay,
        sum(position_based) as position_based
    from by_level
    group by level, name
),

markov as (
    select
        level,
        name,
        removal_effect,
        removal_effect / nullif(sum(removal_effect) over (partition by level), 0) as removal_share
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
    coalesce(m.removal_share, 0) * c.conversions as markov,
    -- Markov: drop of P(START → CONVERSION) when the node is removed
    coalesce(m.removal_effect, 0) as markov_removal_effect
from rule_based as r
cross join conversions as c
left join markov as m on m.level = r.level and m.name = r.name
order by r.level desc, markov desc, r.name
