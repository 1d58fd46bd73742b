-- grain: one row per engagement (call, meeting, email) and associated contact, from the engagement's
-- latest export; a meeting with two contacts is a touchpoint of each
-- staging.events unions this file with every other source's (sql/staging/events.sql)
{{ hubspot_engagement_events(staging.hubspot_engagements) }}
