-- model: kind=full
-- grain: one row per attribution model, channel, campaign and currency with ad cost: credited conversions, their value, cost per conversion and ROAS
--
-- The rule-based credits of marts.path_steps (unchanged; marts.attribution sums the same) go to a
-- campaign when the credited step is a paid touchpoint (taxonomy category `paid`) of the
-- campaign's channel with its utm_campaign, on a day the campaign has cost in the row's currency
-- (staging.ad_costs). A step's campaign and category come from core.touchpoints, numbered as
-- marts.path_steps numbers its steps. conversion_value is credit × the value of the journey's
-- first conversion, counted only when that conversion's currency is the row's: costs and values
-- in two currencies are never added. Markov is not here: it credits channels and touchpoints, not
-- campaigns (marts.attribution has it per channel).
with costs as (
    select
        channel,
        campaign_key,
        currency,
        min(campaign) as campaign,
        list_sum(list_sort(list(cost))) as cost
    from staging.ad_costs
    group by channel, campaign_key, currency
),

cost_days as (
    select distinct channel, campaign_key, currency, day_start
    from staging.ad_costs
),

steps as (
    -- the steps of marts.path_steps: runs of identical touchpoints, numbered per journey
    select
        journey_id,
        category,
        lower(trim(utm_campaign)) as campaign_key,
        is_conversion,
        value,
        currency,
        row_number() over (partition by journey_id order by touchpoint_number) as step_number
    from core.touchpoints
    where not repeats_previous
),

first_conversions as (
    select journey_id, value as conversion_value, currency as conversion_currency
    from (
        select
            *,
            row_number() over (partition by journey_id order by step_number) as conversion_number
        from steps
        where is_conversion
    ) as conversions
    where conversion_number = 1
),

credited as (
    select
        p.journey_id,
        p.channel,
        p.occurred_at,
        s.category,
        s.campaign_key,
        v.conversion_value,
        v.conversion_currency,
        p.first_touch, p.last_touch, p.linear, p.time_decay, p.position_based, p.last_non_direct
    from marts.path_steps as p
    join steps as s on s.journey_id = p.journey_id and s.step_number = p.step_number
    left join first_conversions as v on v.journey_id = p.journey_id
    where p.converted and s.category = 'paid'
),

model_credits as (
    select
        credited.* exclude (first_touch, last_touch, linear, time_decay, position_based, last_non_direct),
        m.model,
        m.credit
    from credited
    cross join unnest([
        {'model': 'first_touch', 'credit': first_touch},
        {'model': 'last_touch', 'credit': last_touch},
        {'model': 'linear', 'credit': linear},
        {'model': 'time_decay', 'credit': time_decay},
        {'model': 'position_based', 'credit': position_based},
        {'model': 'last_non_direct', 'credit': last_non_direct}
    ]) as models(m)
),

campaign_credits as (
    select
        d.channel,
        d.campaign_key,
        d.currency,
        c.model,
        -- credits are fractions: summed as decimals, exact in any order (as marts.attribution)
        cast(sum(cast(c.credit as decimal(38, 18))) as double) as conversions,
        list_sum(list_sort(list(c.credit * c.conversion_value) filter (
            where c.conversion_currency = d.currency and c.conversion_value is not null
        ))) as conversion_value
    from cost_days as d
    join model_credits as c
        on c.channel = d.channel and c.campaign_key = d.campaign_key
        and c.occurred_at >= d.day_start and c.occurred_at < d.day_start + interval 1 day
    group by d.channel, d.campaign_key, d.currency, c.model
),

models as (
    select model, model_order
    from (values ('first_touch', 1), ('last_touch', 2), ('linear', 3), ('time_decay', 4),
                 ('position_based', 5), ('last_non_direct', 6)) as m(model, model_order)
)

select
    -- model and what gets the credit
    m.model,
    c.channel,
    c.campaign,
    c.campaign_key,
    c.currency,
    -- cost and credit
    c.cost,
    coalesce(k.conversions, 0) as conversions,
    coalesce(k.conversion_value, 0) as conversion_value,
    -- ratios (NULL when the denominator is 0)
    c.cost / nullif(k.conversions, 0) as cost_per_conversion,
    coalesce(k.conversion_value, 0) / nullif(c.cost, 0) as roas
from costs as c
cross join models as m
left join campaign_credits as k
    on k.channel = c.channel and k.campaign_key = c.campaign_key and k.currency = c.currency
    and k.model = m.model
order by m.model_order, c.channel, c.campaign_key, c.currency
