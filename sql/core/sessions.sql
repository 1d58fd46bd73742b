-- grain: one row per session (a person's touchpoints with no gap longer than the session gap)
with touchpoints as (
    select * from core.touchpoints
),

origins as (
    -- the session's first touchpoint that says where the visit came from (a campaign source, medium
    -- or name); technical events such as GA4's session_start are no touchpoints (docs/metrics.md)
    select session_id, min(touchpoint_number) as touchpoint_number
    from touchpoints
    where nullif(trim(utm_source), '') is not null
        or nullif(trim(utm_medium), '') is not null
        or nullif(trim(utm_campaign), '') is not null
    group by session_id
),

channel_groups as (
    -- GA4's default channel group of that touchpoint (sessions without one: 'Unassigned')
    select
        o.session_id,
        {{ default_channel_group(t.utm_source, t.utm_medium, t.utm_campaign, c.source_category) }}
            as default_channel_group
    from origins as o
    join touchpoints as t on t.session_id = o.session_id and t.touchpoint_number = o.touchpoint_number
    left join core.channel_sources as c on c.source = lower(trim(t.utm_source))
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
