-- model: kind=full materialized=view built_by=bi.views
-- grain: one row per attribution model, channel, campaign and currency with ad cost: credited conversions, value, cost per conversion and ROAS
with attribution_costs as (
    select * from marts.attribution_costs
)

select
    -- model and what gets the credit
    model,
    channel,
    campaign,
    currency,
    -- cost and credit
    cost,
    conversions,
    conversion_value,
    -- ratios
    cost_per_conversion,
    roas
from attribution_costs
