-- model: kind=by_file key=_source_file
-- grain: one row per raw CSAT answer, typed, emails hashed, with its reject reason (NULL = usable)
-- CSAT: score 1-5 (5 = very satisfied), an answer needs an email or a shop user id. Columns,
-- parsing and reject rules are shared by every survey: sql/_fragments/survey_answers.sql
with source as (
    select *, 1 as score_min, 5 as score_max, false as email_required from raw.survey_csat
),

{{ survey_answers(source) }}
