-- model: kind=by_person key=person_id
-- grain: one row per step of a journey (a run of one touchpoint, as in marts.transitions), with what
-- marts.touchpoint_kpis counts of it
--
-- A row depends on its journey's touchpoints alone, so it is rebuilt per person (incremental runs
-- recompute only the persons core.touchpoints recomputed) and the KPIs only aggregate. The step at
-- a touchpoint's first occurrence in the journey (is_first_in_journey) is where the journey
-- "passes" it; the survey answers and tickets that come later in the journey are counted on it.
-- A first occurrence is always a step: repeats_previous compares with the previous touchpoint of
-- the same journey only (sql/core/touchpoints.sql), so it is false there.
with journey_conversions as (
    select journey_id, min(touchpoint_number) as conversion_number
    from core.touchpoints
    where is_conversion
    group by journey_id
),

first_occurrences as (
    select journey_id, touchpoint, min(touchpoint_number) as first_number
    from core.touchpoints
    group by journey_id, touchpoint
),

signals as (
    -- the events a touchpoint is linked to when they follow it: NPS answers, CSAT (ticket ratings
    -- and CSAT survey answers, satisfied = good or 4-5 of 5), CES answers (1-7), tickets
    select
        journey_id,
        touchpoint_number,
        case when event_name = 'nps_response' then value end as nps_score,
        case
            when event_name = 'ticket_rated_good' then 1
            when event_name = 'ticket_rated_bad' then 0
            when event_name = 'csat_response' then case when value >= 4 then 1 else 0 end
        end as csat_good,
        case when event_name = 'ces_response' then value end as ces_score,
        event_name = 'ticket_created' as is_ticket
    from core.touchpoints
    where event_name in (
        'nps_response', 'ticket_rated_good', 'ticket_rated_bad', 'csat_response', 'ces_response',
        'ticket_created'
    )
),

signals_after as (
    select
        f.journey_id,
        f.touchpoint,
        count(s.nps_score) as nps_responses,
        count(*) filter (where s.nps_score >= 9) as nps_promoters,
        count(*) filter (where s.nps_score <= 6) as nps_detractors,
        count(s.csat_good) as csat_responses,
        count(*) filter (where s.csat_good = 1) as csat_good,
        count(s.ces_score) as ces_responses,
        count(*) filter (where s.ces_score <= 3) as ces_high_effort,
        sum(s.ces_score) as ces_score_sum,
        bool_or(s.is_ticket) as ticket_after
    from first_occurrences as f
    join signals as s on s.journey_id = f.journey_id and s.touchpoint_number > f.first_number
    group by f.journey_id, f.touchpoint
),

steps as (
    -- steps in journey order (touchpoint_number is unique within a journey); one sort serves both
    select
        s.journey_id,
        s.person_id,
        s.touchpoint,
        s.touchpoint_number,
        c.conversion_number is not null as converted,
        c.conversion_number is null or s.touchpoint_number < c.conversion_number as before_conversion,
        epoch(lead(s.occurred_at) over (partition by s.journey_id order by s.touchpoint_number))
            - epoch(s.occurred_at) as seconds_to_next,
        lead(s.touchpoint_number) over (partition by s.journey_id order by s.touchpoint_number) is null
            as is_exit
    from core.touchpoints as s
    left join journey_conversions as c on c.journey_id = s.journey_id
    where not s.repeats_previous
)

select
    -- ids
    s.journey_id,
    s.person_id,
    s.touchpoint_number,
    s.touchpoint,
    -- the step
    s.converted,
    s.before_conversion,
    s.seconds_to_next,
    s.is_exit,
    f.journey_id is not null as is_first_in_journey,
    -- answers and tickets after the touchpoint's first occurrence (first occurrences only; empty when none)
    a.nps_responses,
    a.nps_promoters,
    a.nps_detractors,
    a.csat_responses,
    a.csat_good,
    a.ces_responses,
    a.ces_high_effort,
    a.ces_score_sum,
    a.ticket_after
from steps as s
left join first_occurrences as f
    on f.journey_id = s.journey_id and f.touchpoint = s.touchpoint and f.first_number = s.touchpoint_number
left join signals_after as a
    on f.journey_id is not null and a.journey_id = s.journey_id and a.touchpoint = s.touchpoint
