-- grain: one row per ticket with an answered (good/bad) rating in Airbyte's `satisfaction_ratings`
-- stream: its latest answer, as the API export's (source_table raw.zendesk_satisfaction_ratings)
{{ zendesk_rating_events(staging.airbyte_zendesk_satisfaction_ratings) }}
