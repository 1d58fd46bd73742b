-- grain: one row per LinkedIn Lead Gen Forms lead (lead_form_submitted), from its latest download
-- staging.events unions this file with every other source's (sql/staging/events.sql). A sponsored
-- lead carries its campaign as utm_campaign with utm_medium `paid_social`; a lead from an event,
-- company or product page utm_medium `social`; utm_source `linkedin`.
with leads as (
    {{ latest_version(staging.linkedin_leads, lead_key, false) }}
)

select
    'linkedin_leads' as source,
    'raw.linkedin_leads' as source_table,
    lead_key || '|lead_form_submitted' as natural_key,
    lead_key as source_record_id,
    _source_file, _row_number, _load_id,
    submitted_at as occurred_at,
    {{ event_identifiers(null, null, email_hash, null, null) }},
    'lead_form_submitted' as event_name,
    cast(null as varchar) as page_path,
    'linkedin' as utm_source,
    case when is_sponsored then 'paid_social' else 'social' end as utm_medium,
    campaign_name as utm_campaign,
    lower(coalesce(lead_type, 'SPONSORED')) as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object(
        'form_id', form_id, 'form_name', form_name, 'campaign_id', campaign_id,
        'campaign_name', campaign_name, 'lead_type', coalesce(lead_type, 'SPONSORED'),
        'platform', 'linkedin'
    ) as properties
from leads
