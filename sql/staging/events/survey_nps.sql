-- grain: one row per NPS answer (latest export of a response)
-- staging.events unions this file with every other source's (sql/staging/events.sql)
with nps as (
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
)

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
