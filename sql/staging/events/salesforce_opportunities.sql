-- grain: one row per opportunity created, stage change (OpportunityHistory) and opportunity won or
-- lost, of each opportunity's latest export, for the opportunity's contact
-- staging.events unions this file with every other source's (sql/staging/events.sql)
{{ salesforce_opportunity_events(staging.salesforce_opportunities, staging.salesforce_opportunity_history, 'raw.salesforce_opportunities', 'raw.salesforce_opportunity_history') }}
