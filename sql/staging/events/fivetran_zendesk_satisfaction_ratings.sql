-- grain: one row per ticket with an answered (good/bad) rating in Fivetran's `satisfaction_rating`
-- table: its latest answer, as the Satisfaction Ratings API export's (source_table
-- raw.zendesk_satisfaction_ratings: a ticket rated in both counts once)
{{ zendesk_rating_events(staging.fivetran_zendesk_satisfaction_ratings) }}
