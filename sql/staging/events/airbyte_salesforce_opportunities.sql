-- grain: one row per opportunity created, stage change (`OpportunityHistory`) and opportunity won
-- or lost, of Airbyte's `Opportunity` stream, for the opportunity's contact, as the Data Export's
-- (source tables raw.salesforce_opportunities / raw.salesforce_opportunity_history)
-- an Append-mode stream holds several rows of a record: its newest by Airbyte's extraction time
-- first (sql/_fragments/airbyte_latest_version.sql)
with newest_opportunities as (
    {{ airbyte_latest_version(staging.airbyte_salesforce_opportunities, opportunity_id, _is_deleted) }}
),

newest_history as (
    -- a history row is one stage change, never edited; a row delivered again by a later sync is
    -- the same change (same Id), and differs only when the opportunity went to the recycle bin or
    -- came back (IsDeleted): the newest extraction says which
    {{ airbyte_latest_version(staging.airbyte_salesforce_opportunity_history, history_id, _is_deleted) }}
)

select * from (
    {{ salesforce_opportunity_events(newest_opportunities, newest_history, 'raw.salesforce_opportunities', 'raw.salesforce_opportunity_history') }}
)
