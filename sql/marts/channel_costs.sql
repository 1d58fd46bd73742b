-- model: kind=full
-- grain: one row per channel, campaign and currency with ad cost: cost, reach and the journeys it acquired
--
-- Cost (staging.ad_costs) meets journeys by channel and campaign: a journey is acquired by a
-- campaign when its first touchpoint is a paid touchpoint (taxonomy category `paid`) of the
-- campaign's channel whose utm_campaign is the campaign's name (case and surrounding spaces
-- ignored), on a day the campaign has cost in that currency (the day in the platform's time zone).
-- Costs in two currencies are never added: a campaign paid in EUR and USD has two rows, and the
-- journeys it acquired on a day count on the row of that day's currency (both rows when it was
-- paid in both that day). conversion_value and roas add only conversion values in the row's
-- currency. Ratios are NULL when their denominator is 0.
with costs as (
    select
        channel,
        campaign_key,
        currency,
        min(campaign) as campaign,
        array_to_string(list_sort(list(distinct platform)), ', ') as platforms,
        min(day) as first_day,
        max(day) as last_day,
        count(distinct day) as days,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        list_sum(list_sort(list(cost))) as cost
    from staging.ad_costs
    group by channel, campaign_key, currency
),

cost_days as (
    select distinct channel, campaign_key, currency, day_start
    from staging.ad_costs
),

first_touchpoints as (
    select journey_id, channel, category, lower(trim(utm_campaign)) as campaign_key, occurred_at
    from (
        select
            *,
            row_number() over (partition by journey_id order by touchpoint_number) as journey_step
        from core.touchpoints
    ) as numbered
    where journey_step = 1
),

conversion_values as (
    select journey_id, currency, list_sum(list_sort(list(value))) as conversion_value
    from core.touchpoints
    where is_conversion and value is not null
    group by journey_id, currency
),

acquired as (
    select
        d.channel,
        d.campaign_key,
        d.currency,
        f.journey_id,
        j.converted,
        coalesce(v.conversion_value, 0) as conversion_value
    from cost_days as d
    join first_touchpoints as f
        on f.channel = d.channel and f.campaign_key = d.campaign_key and f.category = 'paid'
        and f.occurred_at >= d.day_start and f.occurred_at < d.day_start + interval 1 day
    join core.journeys as j on j.journey_id = f.journey_id
    left join conversion_values as v on v.journey_id = f.journey_id and v.currency = d.currency
),

acquired_totals as (
    select
        channel,
        campaign_key,
        currency,
        count(*) as acquired_journeys,
        count(*) filter (where converted) as converted_journeys,
        list_sum(list_sort(list(conversion_value))) as conversion_value
    from acquired
    group by channel, campaign_key, currency
)

select
    -- what was paid for
    c.channel,
    c.campaign,
    c.campaign_key,
    c.platforms,
    c.currency,
    -- when
    c.first_day,
    c.last_day,
    c.days,
    -- reach and cost
    c.impressions,
    c.clicks,
    c.cost,
    -- journeys it acquired
    coalesce(a.acquired_journeys, 0) as acquired_journeys,
    coalesce(a.converted_journeys, 0) as converted_journeys,
    coalesce(a.conversion_value, 0) as conversion_value,
    -- ratios
    c.cost / nullif(c.clicks, 0) as cost_per_click,
    c.cost / nullif(a.acquired_journeys, 0) as cost_per_acquired_journey,
    c.cost / nullif(a.converted_journeys, 0) as cost_per_conversion,
    coalesce(a.conversion_value, 0) / nullif(c.cost, 0) as roas
from costs as c
left join acquired_totals as a
    on a.channel = c.channel and a.campaign_key = c.campaign_key and a.currency = c.currency
order by c.channel, c.campaign_key, c.currency
