-- model: kind=by_person key=person_id
-- grain: one row per session (a person's touchpoints with no gap longer than the session gap)
with touchpoints as (
    select * from core.touchpoints
),

web_origins as (
    -- each touchpoint's campaign values; a web page view without any takes GA4's values for a
    -- visit from another site: that site as source, medium referral (staging.events keeps the
    -- referring host of GA4, Segment and Snowplow page views in `origin`). Snowplow's referer
    -- parser also knows the kind of site (refr_medium, refr_source): a search engine gives its
    -- name and medium organic, as GA4 reports organic search; social, email and an ad server
    -- (paid) give their medium (docs/metrics.md "Default channel group")
    select
        session_id,
        touchpoint_number,
        nullif(trim(utm_source), '') as utm_source,
        nullif(trim(utm_medium), '') as utm_medium,
        nullif(trim(utm_campaign), '') as utm_campaign,
        case when source in ('ga4', 'segment') or (source = 'snowplow' and event_name = 'page_view')
            then origin end as referrer_host,
        case when source = 'snowplow' and event_name = 'page_view' then referrer_medium end
            as referrer_medium,
        case when source = 'snowplow' and event_name = 'page_view' then referrer_source end
            as referrer_source
    from touchpoints
),

origins as (
    -- the session's first touchpoint that says where the visit came from (a campaign source,
    -- medium or name, or another site's referral); technical events such as GA4's session_start
    -- are no touchpoints (docs/metrics.md)
    select session_id, min(touchpoint_number) as touchpoint_number
    from web_origins
    where utm_source is not null or utm_medium is not null or utm_campaign is not null
        or referrer_host is not null
    group by session_id
),

first_origins as (
    select
        o.session_id,
        case
            when w.utm_source is not null or w.utm_medium is not null or w.utm_campaign is not null
                then w.utm_source
            when w.referrer_medium = 'search' then coalesce(w.referrer_source, w.referrer_host)
            else w.referrer_host
        end as source,
        case
            when w.utm_source is not null or w.utm_medium is not null or w.utm_campaign is not null
                then w.utm_medium
            when w.referrer_medium = 'search' then 'organic'
            when w.referrer_medium in ('social', 'email') then w.referrer_medium
            when w.referrer_medium = 'paid' then 'cpc'
            else 'referral'
        end as medium,
        w.utm_campaign as campaign
    from origins as o
    join web_origins as w on w.session_id = o.session_id and w.touchpoint_number = o.touchpoint_number
),

channel_groups as (
    -- GA4's default channel group of that touchpoint (sessions without one: 'Unassigned')
    select
        f.session_id,
        {{ default_channel_group(f.source, f.medium, f.campaign, c.source_category) }}
            as default_channel_group
    from first_origins as f
    left join core.channel_sources as c on c.source = lower(trim(f.source))
),

aggregated as (
    select
        -- ids
        session_id,
        person_id,
        journey_id,
        session_number,
        -- timestamps
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        epoch(max(occurred_at)) - epoch(min(occurred_at)) as duration_seconds,
        -- measures
        count(*) as touchpoints,
        count(distinct source) as sources,
        cast(sum(case when is_conversion then 1 else 0 end) as bigint) as conversions,
        -- attributes
        arg_min(touchpoint, touchpoint_number) as first_touchpoint,
        arg_min(channel, touchpoint_number) as first_channel,
        arg_max(touchpoint, touchpoint_number) as last_touchpoint
    from touchpoints
    group by session_id, person_id, journey_id, session_number
)

select
    a.*,
    coalesce(g.default_channel_group, 'Unassigned') as default_channel_group
from aggregated as a
left join channel_groups as g on g.session_id = a.session_id
