-- grain: one row per ticket with an answered (good/bad) rating in Airbyte's `satisfaction_ratings`
-- stream: its latest answer, as the API export's (source_table raw.zendesk_satisfaction_ratings)
-- an Append-mode stream holds several rows of a rating: its newest by Airbyte's extraction time
-- first (sql/_fragments/airbyte_latest_version.sql)
with newest_ratings as (
    {{ airbyte_latest_version(staging.airbyte_zendesk_satisfaction_ratings, rating_id, _is_deleted) }}
)

select * from (
    {{ zendesk_rating_events(newest_ratings) }}
)
