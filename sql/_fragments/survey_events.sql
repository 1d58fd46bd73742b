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
    {{ event_identifiers(null, user_id, email_hash, null, null) }},
    '$arg_response' as event_name,
    {{ event_visit(null, null, null, null) }},
    cast(null as varchar) as origin,
    cast(score as double) as value,
    cast(null as varchar) as currency,
    json_object('survey', '$arg') as properties
from answers
