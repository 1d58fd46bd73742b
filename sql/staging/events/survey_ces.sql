-- grain: one row per CES answer (latest export of a response): event ces_response, value = score
-- staging.events unions this file with every other source's (sql/staging/events.sql); the
-- query is shared by every survey: sql/_fragments/survey_events.sql
{{ survey_events(ces) }}
