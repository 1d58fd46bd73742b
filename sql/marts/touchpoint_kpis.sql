-- model: kind=full
-- grain: one row per touchpoint of core.touchpoints: reach, conversion after it, survey scores and tickets after it, timing, exits and a pain-point score
--
-- A journey "passes" a touchpoint at the touchpoint's first occurrence in the journey (its lowest
-- touchpoint_number); answers and tickets count when they come later in the same journey. Visits,
-- exits and the time to the next touchpoint use steps (runs of one touchpoint, as in
-- marts.transitions). Both come per step from marts.touchpoint_steps (built per person), so this
-- table only aggregates. Definitions and the pain-score formula: docs/metrics.md.
with touchpoint_phases as (
    -- a touchpoint has one phase in the taxonomy; should rules disagree, the earliest phase wins
    select touchpoint, arg_min(phase, coalesce(phase_order, 99)) as phase
    from core.touchpoints
    group by touchpoint
),

reach as (
    -- the journeys that passed each touchpoint, at the first time they did
    select
        touchpoint,
        count(distinct person_id) as persons,
        count(*) as journeys,
        count(*) filter (where before_conversion) as journeys_before_conversion,
        count(*) filter (where before_conversion and converted) as conversions_after,
        count(*) filter (where ticket_after) as journeys_with_ticket_after,
        cast(coalesce(sum(nps_responses), 0) as bigint) as nps_responses,
        cast(coalesce(sum(nps_promoters), 0) as bigint) as nps_promoters,
        cast(coalesce(sum(nps_detractors), 0) as bigint) as nps_detractors,
        cast(coalesce(sum(csat_responses), 0) as bigint) as csat_responses,
        cast(coalesce(sum(csat_good), 0) as bigint) as csat_good,
        cast(coalesce(sum(ces_responses), 0) as bigint) as ces_responses,
        cast(coalesce(sum(ces_high_effort), 0) as bigint) as ces_high_effort,
        sum(ces_score_sum) as ces_score_sum
    from marts.touchpoint_steps
    where is_first_in_journey
    group by touchpoint
),

step_stats as (
    select
        touchpoint,
        count(*) as visits,
        count(*) filter (where is_exit) as exits,
        count(*) filter (where before_conversion) as visits_before_conversion,
        count(*) filter (where before_conversion and is_exit) as exits_before_conversion,
        quantile_cont(seconds_to_next, 0.5) as median_seconds_to_next,
        quantile_cont(seconds_to_next, 0.75) as p75_seconds_to_next
    from marts.touchpoint_steps
    group by touchpoint
),

rates as (
    select
        r.*,
        t.phase,
        g.visits,
        g.exits,
        g.visits_before_conversion,
        g.exits_before_conversion,
        g.median_seconds_to_next,
        g.p75_seconds_to_next,
        cast(r.conversions_after as double) / nullif(r.journeys_before_conversion, 0) as conversion_rate,
        cast(r.journeys_with_ticket_after as double) / r.journeys as ticket_rate,
        100.0 * (r.nps_promoters - r.nps_detractors) / nullif(r.nps_responses, 0) as nps,
        cast(r.csat_good as double) / nullif(r.csat_responses, 0) as csat,
        r.ces_score_sum / nullif(r.ces_responses, 0) as ces,
        cast(g.exits as double) / g.visits as exit_rate,
        cast(g.exits_before_conversion as double) / nullif(g.visits_before_conversion, 0) as drop_off_rate,
        cast(r.nps_detractors + r.csat_responses - r.csat_good + r.ces_high_effort as double)
            / nullif(r.nps_responses + r.csat_responses + r.ces_responses, 0) as low_score_rate,
        r.journeys >= $pain_min_journeys as is_rankable
    from reach as r
    join step_stats as g on g.touchpoint = r.touchpoint
    left join touchpoint_phases as t on t.touchpoint = r.touchpoint
),

evidence as (
    -- a rate enters the score only when its own denominator reaches $pain_min_journeys (else 0)
    select
        *,
        case when visits_before_conversion >= $pain_min_journeys then drop_off_rate end as drop_off_scored,
        case when journeys >= $pain_min_journeys then ticket_rate end as ticket_scored,
        case when nps_responses + csat_responses + ces_responses >= $pain_min_journeys then low_score_rate end
            as low_score_scored
    from rates
),

scale as (
    -- each component is divided by its largest value among the ranked touchpoints (so it spans 0..1)
    select
        max(drop_off_scored) as max_drop_off,
        max(ticket_scored) as max_ticket,
        max(low_score_scored) as max_low_score
    from evidence
    where is_rankable
),

scored as (
    select
        e.* exclude (drop_off_scored, ticket_scored, low_score_scored),
        coalesce(e.drop_off_scored / nullif(s.max_drop_off, 0), 0) as drop_off_component,
        coalesce(e.ticket_scored / nullif(s.max_ticket, 0), 0) as ticket_component,
        coalesce(e.low_score_scored / nullif(s.max_low_score, 0), 0) as low_score_component
    from evidence as e
    cross join scale as s
),

ranked as (
    select
        *,
        case when is_rankable then
            0.5 * drop_off_component + 0.25 * ticket_component + 0.25 * low_score_component
        end as pain_score
    from scored
)

select
    -- touchpoint
    touchpoint,
    phase,
    -- reach
    persons,
    journeys,
    visits,
    -- conversion after it
    journeys_before_conversion,
    conversions_after,
    conversion_rate,
    -- survey answers after it in the same journey
    nps_responses,
    nps_promoters,
    nps_detractors,
    nps,
    csat_responses,
    csat_good,
    csat,
    ces_responses,
    ces_high_effort,
    ces,
    -- support tickets after it
    journeys_with_ticket_after,
    ticket_rate,
    -- timing and exits
    median_seconds_to_next,
    p75_seconds_to_next,
    exits,
    exit_rate,
    visits_before_conversion,
    exits_before_conversion,
    drop_off_rate,
    -- pain point
    low_score_rate,
    drop_off_component,
    ticket_component,
    low_score_component,
    pain_score,
    case when is_rankable then row_number() over (
        partition by is_rankable order by pain_score desc, journeys desc, touchpoint
    ) end as pain_rank
from ranked
order by touchpoint
