-- grain: one row per Meta Lead Ads lead (lead_form_submitted), from the lead's latest download
-- staging.events unions this file with every other source's (sql/staging/events.sql). A lead from
-- an ad carries the campaign as utm_campaign with utm_medium `paid_social`; an organic lead
-- (is_organic 1: no ad) utm_medium `social`. utm_source is the platform as a site names it
-- (facebook, instagram), so the taxonomy classifies these leads as it does a campaign's visits.
with leads as (
    {{ latest_version(staging.meta_leads, lead_id, false) }}
)

select
    'meta_leads' as source,
    'raw.meta_leads' as source_table,
    lead_id || '|lead_form_submitted' as natural_key,
    lead_id as source_record_id,
    _source_file, _row_number, _load_id,
    created_at as occurred_at,
    {{ event_identifiers(null, null, email_hash, null, null) }},
    'lead_form_submitted' as event_name,
    cast(null as varchar) as page_path,
    case platform
        when 'ig' then 'instagram' when 'instagram' then 'instagram'
        when 'an' then 'audience_network' when 'msg' then 'messenger'
        else 'facebook'
    end as utm_source,
    case when is_organic then 'social' else 'paid_social' end as utm_medium,
    campaign_name as utm_campaign,
    coalesce(platform, 'fb') as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object(
        'form_id', form_id, 'form_name', form_name, 'ad_id', ad_id, 'ad_name', ad_name,
        'adset_id', adset_id, 'adset_name', adset_name, 'campaign_id', campaign_id,
        'campaign_name', campaign_name, 'platform', platform, 'is_organic', coalesce(is_organic, false)
    ) as properties
from leads
