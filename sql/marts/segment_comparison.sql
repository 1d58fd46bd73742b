-- model: kind=full
-- grain: one row per compared segment ('a' and 'b', also when one has no journeys) with its counts, conversion rate, phase reach and the A/B statistics
--
-- `segment_statistics` (one row) is computed by journeyflow.segments from the counts of
-- marts.segment_journeys: difference of conversion rates (b - a), pooled two-proportion z-test and
-- the unpooled Wald confidence interval of the difference. Formulas: docs/metrics.md.
with journeys as (
    select * from marts.segment_journeys
),

roles as (
    select 'a' as segment_role, cast($segment_a as varchar) as segment
    union all
    select 'b' as segment_role, cast($segment_b as varchar) as segment
),

counted as (
    select
        r.segment_role,
        r.segment,
        count(j.journey_id) as journeys,
        count(distinct j.person_id) as persons,
        count(j.journey_id) filter (where j.converted) as conversions,
        -- reach: the journey's highest phase is this one or a later one (as in marts.phase_funnel)
        count(j.journey_id) filter (where j.max_phase_order >= 1) as journeys_awareness,
        count(j.journey_id) filter (where j.max_phase_order >= 2) as journeys_consideration,
        count(j.journey_id) filter (where j.max_phase_order >= 3) as journeys_acquisition,
        count(j.journey_id) filter (where j.max_phase_order >= 4) as journeys_service,
        count(j.journey_id) filter (where j.max_phase_order >= 5) as journeys_loyalty
    from roles as r
    left join journeys as j on j.segment_role = r.segment_role
    group by r.segment_role, r.segment
)

select
    -- segment
    cast($segment_by as varchar) as segment_by,
    c.segment_role,
    c.segment,
    -- counts
    c.journeys,
    c.persons,
    c.conversions,
    cast(c.conversions as double) / nullif(c.journeys, 0) as conversion_rate,
    -- phase reach: share of the segment's journeys reaching the phase or a later one
    cast(c.journeys_awareness as double) / nullif(c.journeys, 0) as reach_awareness,
    cast(c.journeys_consideration as double) / nullif(c.journeys, 0) as reach_consideration,
    cast(c.journeys_acquisition as double) / nullif(c.journeys, 0) as reach_acquisition,
    cast(c.journeys_service as double) / nullif(c.journeys, 0) as reach_service,
    cast(c.journeys_loyalty as double) / nullif(c.journeys, 0) as reach_loyalty,
    -- comparison of b with a (the same on both rows)
    s.rate_difference,
    s.z,
    s.p_value,
    s.ci_low,
    s.ci_high,
    s.confidence
from counted as c
cross join segment_statistics as s
order by c.segment_role
