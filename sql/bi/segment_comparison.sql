-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per compared segment ('a', 'b'): counts, conversion rate, phase reach and the b-vs-a statistics
with segments as (
    select * from marts.segment_comparison
)

select
    -- segment
    segment_by,
    segment_role,
    segment,
    -- counts
    journeys,
    persons,
    conversions,
    conversion_rate,
    -- phase reach (0..1)
    reach_awareness,
    reach_consideration,
    reach_acquisition,
    reach_service,
    reach_loyalty,
    -- b vs a
    rate_difference,
    z,
    p_value,
    ci_low,
    ci_high,
    confidence,
    p_value < 1 - confidence as is_significant
from segments
