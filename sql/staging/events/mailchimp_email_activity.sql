-- grain: one row per Mailchimp email activity (email_opened, email_clicked, email_bounced) of a
-- usable recipient record, each activity once across exports (the same campaign exported twice)
-- staging.events unions this file with every other source's (sql/staging/events.sql). A click's
-- link carries the campaign's UTM parameters (Mailchimp's Google Analytics link tracking adds
-- utm_source, utm_medium and utm_campaign): the click gets them, so the web visit it opens has the
-- same utm_campaign and, through the hashed email, the same person (docs/sources.md). Opens and
-- bounces carry no link: they take the utm_campaign of their campaign's clicks, else the
-- campaign_id; utm_source `mailchimp` and utm_medium `email` unless a link says otherwise.
with recipients as (
    select * from staging.mailchimp_email_activity where _reject_reason is null and not _is_duplicate
),

activities as (
    select
        _source_file, _row_number, _load_id, campaign_id, list_id, email_hash,
        unnest(from_json(activity, '[{"action": "VARCHAR", "bounce_type": "VARCHAR", "occurred_at": "VARCHAR", "url": "VARCHAR"}]')) as a
    from recipients
),

typed_activities as (
    -- the time travels as text inside the JSON list (Spark's from_json takes no zone-aware type)
    select
        * exclude (a),
        {'action': a.action, 'bounce_type': a.bounce_type,
         'occurred_at': cast(a.occurred_at as timestamptz), 'url': a.url} as a
    from activities
),

with_utm as (
    {{ email_link_fields(a.url, typed_activities) }}
),

campaigns as (
    -- the utm_campaign the campaign's links carry (one per campaign as Mailchimp tags them; the
    -- first by name should links disagree)
    select campaign_id, min(link_campaign) as campaign_utm
    from with_utm
    where link_campaign is not null
    group by campaign_id
),

events as (
    select
        u.*,
        a.occurred_at as occurred_at,
        'email_' || case a.action when 'open' then 'opened' when 'click' then 'clicked'
            else 'bounced' end as event_name,
        coalesce(u.link_campaign, c.campaign_utm, u.campaign_id) as campaign,
        row_number() over (
            partition by u.campaign_id, u.email_hash, a.action, a.occurred_at, coalesce(a.url, '')
            order by u._source_file desc, u._row_number desc
        ) as copy
    from with_utm as u
    left join campaigns as c on c.campaign_id = u.campaign_id
)

select
    'mailchimp' as source,
    'raw.mailchimp_email_activity' as source_table,
    campaign_id || '|' || email_hash || '|' || a.action || '|' || cast(a.occurred_at as varchar)
        || '|' || coalesce(a.url, '') as natural_key,
    campaign_id as source_record_id,
    {{ email_event_columns('mailchimp') }},
    json_object(
        'campaign_id', campaign_id, 'list_id', list_id, 'url', a.url, 'bounce_type', a.bounce_type
    ) as properties
from events
where copy = 1
