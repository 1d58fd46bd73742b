-- model: kind=full
-- grain: one row per ad platform, day, campaign and currency: the cost of paid media (Google Ads, Meta
-- Ads Manager, LinkedIn Campaign Manager reports; not person-level, so no events: marts.channel_costs joins it to journeys by
-- channel and UTM campaign)
-- Reports overlap (a weekly download repeats days): a platform's day of a campaign (name and id) in
-- a currency comes from the latest file that has it (file order, as for snapshot sources); that file's rows
-- of the day are added up (a report segmented further, by network or device, has several). Costs in two
-- currencies are never added: the currency is part of the grain.
-- day_start: the day's midnight in the platform's time zone ($google_ads_time_zone,
-- $meta_ads_time_zone: the account's zone, which the reports do not carry; LinkedIn's are UTC),
-- so journeys can be matched to the day they started.
with usable as (
    select platform, channel, campaign, campaign_id, day, currency, impressions, clicks, cost,
        _source_file
    from staging.google_ads_campaigns
    where _reject_reason is null and not _is_duplicate
    union all
    select platform, channel, campaign, campaign_id, day, currency, impressions, clicks, cost,
        _source_file
    from staging.meta_ads_campaigns
    where _reject_reason is null and not _is_duplicate
    union all
    select platform, channel, campaign, campaign_id, day, currency, impressions, clicks, cost,
        _source_file
    from staging.linkedin_ads_campaigns
    where _reject_reason is null and not _is_duplicate
),

latest_file as (
    -- per currency and campaign id: a report in another currency, or a campaign of the same name
    -- with another id, is another account's, not a re-export
    select platform, campaign, coalesce(campaign_id, '') as campaign_id_key, day, currency,
        max(_source_file) as _source_file
    from usable
    group by platform, campaign, coalesce(campaign_id, ''), day, currency
)

select
    -- what was paid for
    u.platform,
    u.channel,
    u.campaign,
    lower(trim(u.campaign)) as campaign_key,
    min(u.campaign_id) as campaign_id,
    -- when
    u.day,
    timezone(
        -- LinkedIn's report is in UTC days (its header says so)
        case u.platform
            when 'google_ads' then $google_ads_time_zone
            when 'meta_ads' then $meta_ads_time_zone
            else 'UTC'
        end,
        cast(u.day as timestamp)
    ) as day_start,
    -- measures
    u.currency,
    cast(sum(coalesce(u.impressions, 0)) as bigint) as impressions,
    cast(sum(coalesce(u.clicks, 0)) as bigint) as clicks,
    -- added in ascending order: a DOUBLE sum depends on the order rows come in (docs/metrics.md)
    list_sum(list_sort(list(u.cost))) as cost,
    any_value(u._source_file) as _source_file
from usable as u
join latest_file as f
    on f.platform = u.platform and f.campaign = u.campaign and f.day = u.day
    and f.campaign_id_key = coalesce(u.campaign_id, '')
    and f.currency = u.currency and f._source_file = u._source_file
group by u.platform, u.channel, u.campaign, u.day, u.currency
order by u.platform, u.campaign, u.day, u.currency
