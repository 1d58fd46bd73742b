-- model: kind=by_file key=_source_file
-- grain: one row per raw NPS answer, typed, emails hashed, with its reject reason (NULL = usable)
-- NPS: score 0-10, an answer needs an email. Columns, parsing and reject rules are shared by every
-- survey: sql/_fragments/survey_answers.sql
with source as (
    select *, 0 as score_min, 10 as score_max, true as email_required from raw.survey_nps
),

{{ survey_answers(source) }}
