-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per touchpoint: reach, conversion after it, NPS/CSAT/CES and tickets after it, timing, exits, pain score
with kpis as (
    select * from marts.touchpoint_kpis
)

select
    -- touchpoint and rank
    touchpoint,
    phase,
    pain_rank,
    pain_score,
    -- reach
    persons,
    journeys,
    visits,
    -- conversion after it
    journeys_before_conversion,
    conversions_after,
    conversion_rate,
    -- survey answers and tickets after it
    nps_responses,
    nps,
    csat_responses,
    csat,
    ces_responses,
    ces,
    journeys_with_ticket_after,
    ticket_rate,
    -- timing and exits
    median_seconds_to_next,
    p75_seconds_to_next,
    exits,
    exit_rate,
    drop_off_rate,
    low_score_rate,
    -- pain score components (0..1 each)
    drop_off_component,
    ticket_component,
    low_score_component
from kpis
