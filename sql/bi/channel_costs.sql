-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per channel, campaign and currency with ad cost: cost, reach and the journeys it acquired
with channel_costs as (
    select * from marts.channel_costs
)

select
    -- what was paid for
    channel,
    campaign,
    platforms,
    currency,
    -- when
    first_day,
    last_day,
    days,
    -- reach and cost
    impressions,
    clicks,
    cost,
    -- journeys it acquired
    acquired_journeys,
    converted_journeys,
    conversion_value,
    -- ratios
    cost_per_click,
    cost_per_acquired_journey,
    cost_per_conversion,
    roas
from channel_costs
