-- model: kind=full
-- grain: one row per unit (journey, session, person) and touchpoint node of that unit's graph
-- (the touchpoint edges of marts.transitions_by_scope without START, CONVERSION, EXIT)
--
-- `touchpoint_chain` is the absorbing Markov chain solved by journeyflow.markov on each unit's
-- touchpoint edges (CONVERSION and EXIT absorb); this file adds the edge counts and the ranking
-- (core.touchpoints only says which touchpoints are conversions). Filter on `unit`.
with chain as (
    select
        unit,
        touchpoint,
        conversion_probability,
        visit_probability,
        removal_effect,
        start_conversion_probability
    from touchpoint_chain
),

edges as (
    select unit, from_node, from_phase, to_node, transitions
    from marts.transitions_by_scope
    where scope = 'touchpoint' and from_node not in ('START', 'CONVERSION', 'EXIT')
),

node_flows as (
    select
        unit,
        from_node as touchpoint,
        min(from_phase) as phase,
        -- every visit of a touchpoint step leaves it once, so the outgoing edges count its visits
        cast(sum(transitions) as bigint) as visits,
        cast(coalesce(sum(transitions) filter (where to_node = 'EXIT'), 0) as bigint) as exits,
        cast(coalesce(sum(transitions) filter (where to_node = 'CONVERSION'), 0) as bigint) as conversions_next
    from edges
    group by unit, from_node
),

conversion_touchpoints as (
    -- purchase, deal_won, repeat_purchase, upsell: exits after them are journeys that ended converted
    select distinct touchpoint from core.touchpoints where is_conversion
),

metrics as (
    select
        c.unit,
        c.touchpoint,
        f.phase,
        coalesce(f.visits, 0) as visits,
        coalesce(f.exits, 0) as exits,
        coalesce(f.conversions_next, 0) as conversions_next,
        case when f.visits > 0 then cast(f.exits as double) / f.visits end as exit_rate,
        c.conversion_probability,
        c.visit_probability,
        c.removal_effect,
        case when c.start_conversion_probability > 0
            then c.removal_effect / c.start_conversion_probability end as removal_effect_share,
        t.touchpoint is not null as is_conversion_touchpoint,
        -- a bottleneck leaks journeys before they convert; conversion touchpoints are not ranked
        coalesce(f.visits, 0) >= $bottleneck_min_visits and t.touchpoint is null as is_rankable
    from chain as c
    left join node_flows as f on f.unit = c.unit and f.touchpoint = c.touchpoint
    left join conversion_touchpoints as t on t.touchpoint = c.touchpoint
),

ranked as (
    select
        *,
        case when is_rankable then row_number() over (
            partition by unit, is_rankable order by exit_rate desc, visits desc, touchpoint
        ) end as bottleneck_rank
    from metrics
)

select
    -- unit and node
    unit,
    touchpoint,
    phase,
    is_conversion_touchpoint,
    -- traffic
    visits,
    exits,
    conversions_next,
    exit_rate,
    bottleneck_rank,
    -- absorbing chain
    conversion_probability,
    visit_probability,
    removal_effect,
    removal_effect_share
from ranked
order by unit, touchpoint
