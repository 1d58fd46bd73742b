-- model: kind=full
-- grain: one row per journey in segment A or B of the configured comparison (marts.segment_comparison)
--
-- A journey's segment value is, by $segment_by:
--   first_channel  the channel of its first touchpoint (core.journeys.first_channel)
--   utm_campaign   the first utm_campaign its touchpoints carry (by touchpoint_number), e.g. an
--                  experiment variant tagged on the landing link; GA4's placeholders such as
--                  '(organic)', '(referral)', '(not set)' are no campaign
-- Journeys whose value is neither $segment_a nor $segment_b are left out.
with journeys as (
    select j.journey_id, j.person_id, j.first_channel, j.converted, p.phase_order as max_phase_order
    from core.journeys as j
    left join core.phases as p on p.phase = j.max_phase
),

campaigns as (
    select journey_id, arg_min(utm_campaign, touchpoint_number) as first_campaign
    from core.touchpoints
    where utm_campaign is not null and utm_campaign not like '(%)'
    group by journey_id
),

valued as (
    select
        j.*,
        c.first_campaign,
        case
            when $segment_by = 'first_channel' then j.first_channel
            when $segment_by = 'utm_campaign' then c.first_campaign
        end as segment_value
    from journeys as j
    left join campaigns as c on c.journey_id = j.journey_id
)

select
    -- ids
    journey_id,
    person_id,
    -- segment
    case when segment_value = $segment_a then 'a' else 'b' end as segment_role,
    segment_value as segment,
    -- outcome
    converted,
    max_phase_order
from valued
where segment_value = $segment_a or segment_value = $segment_b
