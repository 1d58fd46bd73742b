-- grain: one row per Klaviyo email event (email_received, email_opened, email_clicked,
-- email_bounced, email_unsubscribed, email_marked_spam) of a usable record, each event once across
-- exports (the same event id in overlapping exports)
-- staging.events unions this file with every other source's (sql/staging/events.sql). As
-- Mailchimp's (sql/staging/events/mailchimp_email_activity.sql): a click's URL carries the UTM
-- parameters of Klaviyo's UTM tracking, so the web visit it opens has the same utm_campaign and,
-- through the hashed email, the same person; the other events take the utm_campaign of their
-- message's clicks, else the Campaign Name, else the message id; utm_source `klaviyo` and
-- utm_medium `email` unless a link says otherwise.
with usable as (
    select
        *,
        coalesce(message_id, campaign_name) as message_key
    from staging.klaviyo_events
    where _reject_reason is null and not _is_duplicate
),

with_utm as (
    {{ email_link_fields(url, usable) }}
),

messages as (
    -- the utm_campaign the message's links carry (the first by name should links disagree)
    select message_key, min(link_campaign) as campaign_utm
    from with_utm
    where link_campaign is not null
    group by message_key
),

events as (
    select
        u.*,
        coalesce(u.link_campaign, m.campaign_utm, u.campaign_name, u.message_id) as campaign,
        row_number() over (
            partition by u.event_id order by u._source_file desc, u._row_number desc
        ) as copy
    from with_utm as u
    left join messages as m on m.message_key = u.message_key
)

select
    'klaviyo' as source,
    'raw.klaviyo_events' as source_table,
    event_id as natural_key,
    event_id as source_record_id,
    {{ email_event_columns('klaviyo') }},
    json_object(
        'metric', metric_name, 'message_id', message_id, 'campaign_name', campaign_name,
        'flow_id', flow_id, 'url', url, 'bounce_type', bounce_type
    ) as properties
from events
where copy = 1
