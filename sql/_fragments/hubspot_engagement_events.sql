-- The canonical events of a staged HubSpot engagement table ($arg: calls, meetings and emails with
-- engagement_type, their contacts as crm_contact_ids and _is_deleted): one per engagement and
-- associated contact, from the engagement's latest version. Used by
-- sql/staging/events/hubspot_engagements.sql and fivetran_hubspot_engagements.sql; source_table is
-- raw.hubspot_engagements for both (an engagement in an export and in a dump counts once).
with engagements as (
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (
                partition by engagement_type, engagement_id order by _source_file desc, _row_number desc
            ) as version_rank
        from $arg
        where (_reject_reason is null or _is_deleted) and not _is_duplicate
    )
    -- archived in its newest export: gone (as sql/_fragments/latest_version.sql)
    where version_rank = 1 and not _is_deleted
),

named as (
    select
        *,
        case engagement_type
            when 'call' then case
                when call_outcome in ('no_answer', 'busy', 'left_voicemail', 'left_live_message',
                                      'wrong_number')
                    or call_status in ('NO_ANSWER', 'BUSY', 'FAILED', 'CANCELED')
                    then 'call_not_reached'
                when call_direction = 'INBOUND' then 'call_inbound'
                else 'call_outbound'
            end
            when 'meeting' then case
                when meeting_outcome in ('SCHEDULED', 'RESCHEDULED') then 'meeting_scheduled'
                when meeting_outcome = 'NO_SHOW' then 'meeting_no_show'
                when meeting_outcome in ('CANCELED', 'CANCELLED') then 'meeting_canceled'
                else 'meeting_held'
            end
            when 'email' then case
                when email_status in ('BOUNCED', 'FAILED') then 'sales_email_bounced'
                when email_direction = 'INCOMING_EMAIL' then 'sales_email_received'
                when email_direction = 'FORWARDED_EMAIL' then 'sales_email_forwarded'
                else 'sales_email_sent'
            end
        end as event_name,
        case engagement_type
            when 'call' then call_outcome
            when 'meeting' then lower(meeting_outcome)
            when 'email' then lower(email_direction)
        end as engagement_origin,
        -- a meeting happens at its start time; the others at hs_timestamp
        coalesce(case when engagement_type = 'meeting' then meeting_start_at end, engagement_at)
            as occurred_at
    from engagements
)

select
    'hubspot' as source,
    'raw.hubspot_engagements' as source_table,
    engagement_type || '|' || engagement_id || '|' || c.crm_contact_id as natural_key,
    engagement_id as source_record_id,
    _source_file, _row_number, _load_id,
    occurred_at,
    {{ event_identifiers(null, null, null, c.crm_contact_id, null) }},
    event_name,
    {{ event_visit(null, null, null, null) }},
    engagement_origin as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object(
        'engagement_type', engagement_type, 'call_direction', call_direction,
        'call_duration_seconds', call_duration_seconds, 'meeting_outcome', meeting_outcome,
        'email_direction', email_direction, 'email_status', email_status
    ) as properties
from named
cross join unnest(crm_contact_ids) as c(crm_contact_id)
