-- grain: one row per raw NPS answer, typed, emails hashed, with its reject reason (NULL = usable)
-- answered_at: ISO 8601, German `DD.MM.YYYY HH:MM`, or 10/13/16-digit epoch; a timestamp without a
-- zone is local time of $surveys_time_zone
with source as (
    select * from raw.survey_nps
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.response_id') as response_id,
        json_extract_string(record, '$.email') as email_text,
        -- measures
        json_extract_string(record, '$.score') as score_text,
        -- timestamps
        json_extract_string(record, '$.answered_at') as answered_at_text
    from source
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
    *,
    case
        when response_id is null or trim(response_id) = '' then 'missing response_id'
        when email_hash is null then 'missing email'
        when score_text is null or trim(score_text) = '' then 'missing score'
        when score is null or score < 0 or score > 10
            then 'score must be an integer from 0 to 10, got ' || left(score_text, 20)
        when answered_at_text is null or trim(answered_at_text) = '' then 'missing answered_at'
        when answered_at is null then 'answered_at is not a timestamp: ' || left(answered_at_text, 40)
        when answered_at < timestamptz '2000-01-01 00:00:00+00'
            or answered_at > current_timestamp + interval 1 day
            then 'answered_at out of range (before 2000 or in the future): ' || cast(answered_at as varchar)
    end as _reject_reason
from typed
