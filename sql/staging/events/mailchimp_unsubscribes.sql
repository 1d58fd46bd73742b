-- grain: one row per Mailchimp unsubscribe (email_unsubscribed) of a usable record, once across
-- exports
-- staging.events unions this file with every other source's (sql/staging/events.sql). The
-- utm_campaign is the one the campaign's clicks carry (sql/staging/events/mailchimp_email_activity.sql),
-- else the campaign_id.
with unsubscribes as (
    select * from staging.mailchimp_unsubscribes where _reject_reason is null and not _is_duplicate
),

campaigns as (
    select campaign_id, min({{ url_decoded(utm_campaign) }}) as campaign_utm  -- decoded as the clicks'
    from (
        select
            campaign_id,
            nullif(regexp_extract(a.url, '[?&]utm_campaign=([^&#]*)', 1), '') as utm_campaign
        from (
            select campaign_id, unnest(from_json(activity, '[{"action": "VARCHAR", "bounce_type": "VARCHAR", "occurred_at": "VARCHAR", "url": "VARCHAR"}]')) as a
            from staging.mailchimp_email_activity
            where _reject_reason is null and not _is_duplicate
        )
    )
    where utm_campaign is not null
    group by campaign_id
),

latest as (
    select
        u.*,
        c.campaign_utm,
        row_number() over (
            partition by u.campaign_id, u.email_hash, u.unsubscribed_at
            order by u._source_file desc, u._row_number desc
        ) as copy
    from unsubscribes as u
    left join campaigns as c on c.campaign_id = u.campaign_id
)

select
    'mailchimp' as source,
    'raw.mailchimp_unsubscribes' as source_table,
    campaign_id || '|' || email_hash || '|unsubscribe|' || cast(unsubscribed_at as varchar)
        as natural_key,
    campaign_id as source_record_id,
    _source_file, _row_number, _load_id,
    unsubscribed_at as occurred_at,
    {{ event_identifiers(null, null, email_hash, null, null) }},
    'email_unsubscribed' as event_name,
    cast(null as varchar) as page_path,
    'mailchimp' as utm_source,
    'email' as utm_medium,
    coalesce(campaign_utm, campaign_id) as utm_campaign,
    cast(null as varchar) as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object('campaign_id', campaign_id, 'list_id', list_id)
        as properties
from latest
where copy = 1
