-- The events of one survey's staging table (`$arg`: nps, csat or ces): one `<survey>_response`
-- per answer, the answer's latest export (last file, last row), its score as `value`.
-- Shared by sql/staging/events/survey_nps.sql, survey_csat.sql and survey_ces.sql.
-- Used as {{ survey_events(csat) }}; sql_text() inlines it.
with answers as (
    {{ latest_version(staging.survey_$arg, response_id, false) }}
)

select
    'survey' as source,
    'raw.survey_$arg' as source_table,
    response_id as natural_key,
    response_id as source_record_id,
    _source_file, _row_number, _load_id,
    answered_at as occurred_at,
    cast(null as varchar) as anonymous_id,
    user_id,
    email_hash,
    cast(null as varchar) as crm_contact_id,
    cast(null as varchar) as support_user_id,
    '$arg_response' as event_name,
    cast(null as varchar) as page_path,
    cast(null as varchar) as utm_source,
    cast(null as varchar) as utm_medium,
    cast(null as varchar) as utm_campaign,
    cast(null as varchar) as origin,
    cast(score as double) as value,
    cast(null as varchar) as currency,
    json_object('survey', '$arg') as properties
from answers
