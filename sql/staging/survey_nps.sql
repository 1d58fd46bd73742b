-- grain: one row per raw NPS answer, typed, emails hashed, with its reject reason (NULL = usable)
with source as (
    select * from raw.survey_nps
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.response_id') as response_id,
        nullif(lower(trim(json_extract_string(record, '$.email'))), '') as email_normalised,
        -- measures
        json_extract_string(record, '$.score') as score_text,
        -- timestamps
        json_extract_string(record, '$.answered_at') as answered_at_text
    from source
),

typed as (
    select
        * exclude (email_normalised),
        case when email_normalised is not null then sha256($salt || email_normalised) end as email_hash,
        try_cast(trim(score_text) as integer) as score,
        try_cast(answered_at_text as timestamptz) as answered_at
    from renamed
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
    end as _reject_reason
from typed
