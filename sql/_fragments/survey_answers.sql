-- The CTE chain and final select shared by the survey staging files (sql/staging/survey_nps.sql,
-- survey_csat.sql, survey_ces.sql): raw answers → typed, email hashed, with the reject reason.
-- $arg is the file's first CTE: the raw records plus the survey's scale (`score_min`, `score_max`)
-- and `email_required` (true: an answer needs an email; false: an email or a shop user id).
-- Columns read: response_id, email, user_id, score (whole numbers only), answered_at (ISO 8601,
-- German `DD.MM.YYYY HH:MM` or epoch; without a zone, local time of $surveys_time_zone); the
-- free-text comment stays in raw. Used as `with source as (...), {{ survey_answers(source) }}`.
renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- the survey's scale and identity rule
        score_min, score_max, email_required,
        -- ids
        json_extract_string(record, '$.response_id') as response_id,
        json_extract_string(record, '$.email') as email_text,
        nullif(trim(json_extract_string(record, '$.user_id')), '') as user_id,
        -- measures
        json_extract_string(record, '$.score') as score_text,
        -- timestamps
        json_extract_string(record, '$.answered_at') as answered_at_text
    from $arg
),

parsed as (
    select
        *,
        list_transform(
            [answered_at_text],
            {{ parse_export_timestamp($surveys_time_zone) }}
        )[1] as answered_at,
        {{ hash_email(email_text) }} as email_hash
    from renamed
),

typed as (
    select
        * exclude (email_text),
        -- only whole numbers: DuckDB would round '9.5' to 10
        case when regexp_full_match(trim(score_text), '[+-]?[0-9]+') then try_cast(trim(score_text) as integer) end
            as score
    from parsed
)

select
    * exclude (score_min, score_max, email_required),
    case
        when response_id is null or trim(response_id) = '' then 'missing response_id'
        when email_required and email_hash is null then 'missing email'
        when email_hash is null and user_id is null then 'missing email and user_id (one is needed)'
        when score_text is null or trim(score_text) = '' then 'missing score'
        when score is null or score < score_min or score > score_max
            then 'score must be an integer from ' || score_min || ' to ' || score_max || ', got '
                || left(score_text, 20)
        when answered_at_text is null or trim(answered_at_text) = '' then 'missing answered_at'
        when answered_at is null then 'answered_at is not a timestamp: ' || left(answered_at_text, 40)
        when answered_at < timestamptz '2000-01-01 00:00:00+00'
            or answered_at > $as_of + interval 1 day
            then 'answered_at out of range (before 2000 or in the future): ' || cast(answered_at as varchar)
    end as _reject_reason
from typed
