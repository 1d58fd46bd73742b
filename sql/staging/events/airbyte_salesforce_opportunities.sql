-- grain: one row per opportunity created, stage change (`OpportunityHistory`) and opportunity won
-- or lost, of Airbyte's `Opportunity` stream, for the opportunity's contact, as the Data Export's
-- (source tables raw.salesforce_opportunities / raw.salesforce_opportunity_history)
-- an Append-mode stream holds several rows of a record: its newest by Airbyte's extraction time
-- first (sql/_fragments/airbyte_latest_version.sql)
with newest_opportunities as (
    {{ airbyte_latest_version(staging.airbyte_salesforce_opportunities, opportunity_id, _is_deleted) }}
)

select * from (
    {{ salesforce_opportunity_events(newest_opportunities, staging.airbyte_salesforce_opportunity_history, 'raw.salesforce_opportunities', 'raw.salesforce_opportunity_history') }}
)
