-- grain: one row per opportunity created, stage change (`opportunity_history`) and opportunity won
-- or lost, of Fivetran's `opportunity` table, for the opportunity's contact, as the Data Export's
-- (source tables raw.salesforce_opportunities / raw.salesforce_opportunity_history: one event
-- whichever way the record came, see fivetran_salesforce_leads.sql)
{{ salesforce_opportunity_events(staging.fivetran_salesforce_opportunities, staging.fivetran_salesforce_opportunity_history, 'raw.salesforce_opportunities', 'raw.salesforce_opportunity_history') }}
