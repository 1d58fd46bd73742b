-- model: kind=by_file key=_source_file
-- grain: one row per raw CES answer, typed, emails hashed, with its reject reason (NULL = usable)
-- CES (customer effort): score 1-7, agreement with "it was easy to get done what I wanted"
-- (7 = strongly agree: low effort); an answer needs an email or a shop user id. Columns, parsing
-- and reject rules are shared by every survey: sql/_fragments/survey_answers.sql
with source as (
    select *, 1 as score_min, 7 as score_max, false as email_required from raw.survey_ces
),

{{ survey_answers(source) }}
