-- grain: one row per opportunity created, stage change (`OpportunityHistory`) and opportunity won
-- or lost, of Airbyte's `Opportunity` stream, for the opportunity's contact, as the Data Export's
-- (source tables raw.salesforce_opportunities / raw.salesforce_opportunity_history)
{{ salesforce_opportunity_events(staging.airbyte_salesforce_opportunities, staging.airbyte_salesforce_opportunity_history, 'raw.salesforce_opportunities', 'raw.salesforce_opportunity_history') }}
