-- grain: one row per canonical event (all sources), deduplicated by event_id
with ga4 as (
    select * from staging.ga4_events where _reject_reason is null and not _is_duplicate
),

-- CRM, support and survey exports are snapshots: the record's latest version (last file, last
-- row) alone makes its events, so a deal lost on Monday and won on Friday is only won
contacts as (
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (partition by record_id order by _source_file desc, _row_number desc)
                as version_rank
        from staging.hubspot_contacts
        where _reject_reason is null and not _is_duplicate
    )
    where version_rank = 1
),

deals as (
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (partition by record_id order by _source_file desc, _row_number desc)
                as version_rank
        from staging.hubspot_deals
        where _reject_reason is null and not _is_duplicate
    )
    where version_rank = 1
),

tickets as (
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (partition by ticket_id order by _source_file desc, _row_number desc)
                as version_rank
        from staging.zendesk_tickets
        where _reject_reason is null and not _is_duplicate
    )
    where version_rank = 1
),

nps as (
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (partition by response_id order by _source_file desc, _row_number desc)
                as version_rank
        from staging.survey_nps
        where _reject_reason is null and not _is_duplicate
    )
    where version_rank = 1
),

ga4_events as (
    select
        'ga4' as source,
        'raw.ga4_events' as source_table,
        anonymous_id || '|' || cast(event_timestamp_us as varchar) || '|' || event_name || '|'
            || coalesce(cast(ga_session_id as varchar), '') || '|' || coalesce(page_location, '')
            as natural_key,
        transaction_id as source_record_id,
        _source_file, _row_number, _load_id,
        occurred_at,
        anonymous_id,
        user_id,
        cast(null as varchar) as email_hash,
        cast(null as varchar) as crm_contact_id,
        cast(null as varchar) as support_user_id,
        event_name,
        page_path,
        utm_source, utm_medium, utm_campaign,
        cast(null as varchar) as origin,
        value,
        currency,
        properties
    from ga4
),

contact_events as (
    select
        'hubspot' as source,
        'raw.hubspot_contacts' as source_table,
        record_id || '|' || e.event_name as natural_key,
        record_id as source_record_id,
        _source_file, _row_number, _load_id,
        e.occurred_at,
        cast(null as varchar) as anonymous_id,
        user_id,
        email_hash,
        crm_contact_id,
        cast(null as varchar) as support_user_id,
        e.event_name,
        cast(null as varchar) as page_path,
        cast(null as varchar) as utm_source,
        cast(null as varchar) as utm_medium,
        cast(null as varchar) as utm_campaign,
        original_source as origin,
        cast(null as double) as value,
        cast(null as varchar) as currency,
        json_object('lifecycle_stage', lifecycle_stage) as properties
    from contacts
    cross join unnest([
        {'event_name': 'contact_created', 'occurred_at': created_at},
        {'event_name': 'became_lead', 'occurred_at': became_lead_at},
        {'event_name': 'became_mql', 'occurred_at': became_mql_at},
        {'event_name': 'became_sql', 'occurred_at': became_sql_at},
        {'event_name': 'became_customer', 'occurred_at': became_customer_at},
        {'event_name': 'marketing_email_opened', 'occurred_at': email_opened_at}
    ]) as stages(e)
    where e.occurred_at is not null
),

deal_events as (
    select
        'hubspot' as source,
        'raw.hubspot_deals' as source_table,
        record_id || '|' || e.event_name as natural_key,
        record_id as source_record_id,
        _source_file, _row_number, _load_id,
        e.occurred_at,
        cast(null as varchar) as anonymous_id,
        cast(null as varchar) as user_id,
        cast(null as varchar) as email_hash,
        crm_contact_id,
        cast(null as varchar) as support_user_id,
        e.event_name,
        cast(null as varchar) as page_path,
        cast(null as varchar) as utm_source,
        cast(null as varchar) as utm_medium,
        cast(null as varchar) as utm_campaign,
        pipeline as origin,
        case when e.event_name = 'deal_closed_won' then amount end as value,
        case when e.event_name = 'deal_closed_won' and amount is not null then 'EUR' end as currency,
        json_object('deal_stage', deal_stage, 'pipeline', pipeline) as properties
    from deals
    cross join unnest([
        {'event_name': 'deal_created', 'occurred_at': created_at},
        {'event_name': 'deal_appointment_scheduled', 'occurred_at': appointment_scheduled_at},
        {'event_name': 'deal_qualified_to_buy', 'occurred_at': qualified_to_buy_at},
        {'event_name': 'deal_presentation_scheduled', 'occurred_at': presentation_scheduled_at},
        {'event_name': 'deal_decision_maker_bought_in', 'occurred_at': decision_maker_bought_in_at},
        {'event_name': 'deal_contract_sent', 'occurred_at': contract_sent_at},
        {'event_name': 'deal_closed_won', 'occurred_at': closed_won_at},
        {'event_name': 'deal_closed_lost', 'occurred_at': closed_lost_at}
    ]) as stages(e)
    where e.occurred_at is not null
),

ticket_events as (
    select
        'zendesk' as source,
        'raw.zendesk_tickets' as source_table,
        ticket_id || '|' || e.event_name as natural_key,
        ticket_id as source_record_id,
        _source_file, _row_number, _load_id,
        e.occurred_at,
        cast(null as varchar) as anonymous_id,
        cast(null as varchar) as user_id,
        cast(null as varchar) as email_hash,
        cast(null as varchar) as crm_contact_id,
        support_user_id,
        e.event_name,
        cast(null as varchar) as page_path,
        cast(null as varchar) as utm_source,
        cast(null as varchar) as utm_medium,
        cast(null as varchar) as utm_campaign,
        via_channel as origin,
        cast(null as double) as value,
        cast(null as varchar) as currency,
        json_object('status', status, 'type', ticket_type, 'priority', priority) as properties
    from tickets
    cross join unnest([
        {'event_name': 'ticket_created', 'occurred_at': created_at},
        {
            'event_name': 'ticket_solved',
            'occurred_at': case when status in ('solved', 'closed') then updated_at end
        },
        {
            'event_name': 'ticket_rated_good',
            'occurred_at': case when satisfaction_score = 'good' then updated_at end
        },
        {
            'event_name': 'ticket_rated_bad',
            'occurred_at': case when satisfaction_score = 'bad' then updated_at end
        }
    ]) as stages(e)
    where e.occurred_at is not null
),

nps_events as (
    select
        'survey' as source,
        'raw.survey_nps' as source_table,
        response_id as natural_key,
        response_id as source_record_id,
        _source_file, _row_number, _load_id,
        answered_at as occurred_at,
        cast(null as varchar) as anonymous_id,
        cast(null as varchar) as user_id,
        email_hash,
        cast(null as varchar) as crm_contact_id,
        cast(null as varchar) as support_user_id,
        'nps_response' as event_name,
        cast(null as varchar) as page_path,
        cast(null as varchar) as utm_source,
        cast(null as varchar) as utm_medium,
        cast(null as varchar) as utm_campaign,
        cast(null as varchar) as origin,
        cast(score as double) as value,
        cast(null as varchar) as currency,
        json_object('survey', 'nps') as properties
    from nps
),

all_events as (
    select * from ga4_events
    union all select * from contact_events
    union all select * from deal_events
    union all select * from ticket_events
    union all select * from nps_events
),

identified as (
    select
        md5(source_table || '|' || natural_key) as event_id,
        *,
        -- the latest export of a record wins (CRM exports are snapshots)
        row_number() over (
            partition by source_table, natural_key
            order by _source_file desc, _row_number desc
        ) as version_rank
    from all_events
)

select
    -- ids
    event_id, source, source_table, source_record_id,
    -- lineage
    _source_file as source_file, _row_number as source_row, _load_id,
    -- timestamps
    occurred_at,
    -- identity keys
    anonymous_id, user_id, email_hash, crm_contact_id, support_user_id,
    -- attributes
    event_name, page_path, utm_source, utm_medium, utm_campaign, origin,
    -- measures
    value, currency,
    properties
from identified
where version_rank = 1
