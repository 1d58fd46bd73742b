-- grain: one row per NPS answer (latest export of a response): event nps_response, value = score
-- staging.events unions this file with every other source's (sql/staging/events.sql); the
-- query is shared by every survey: sql/_fragments/survey_events.sql
{{ survey_events(nps) }}
